/* linalg.c - thin, documented wrappers over cblas and LAPACKE (see linalg.h). */
#include "util/linalg.h"

#include "shapc/kernel.h"

#include <cblas.h>
#include <lapacke.h>

void shapc__sgemm_abt(size_t m, size_t n, size_t k, const float *a, const float *b, float *c,
                      int accumulate)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)m, (blasint)n, (blasint)k,
                1.0f, a, (blasint)k, b, (blasint)k, accumulate ? 1.0f : 0.0f, c, (blasint)n);
}

int shapc__dpotrf(size_t n, double *a)
{
    /* Lower triangle of the row-major array = upper triangle in LAPACK's column-major view;
     * both hold the same numbers because a is stored full and symmetric. */
    return (int)LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, a, (lapack_int)n);
}

int shapc__dpotrs(size_t n, const double *factor, size_t nrhs, double *b)
{
    return (int)LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, (lapack_int)nrhs, factor,
                               (lapack_int)n, b, (lapack_int)nrhs);
}

void shapc__sgemm_ab_acc(size_t m, size_t n, size_t k, const float *a, const float *b, float *c)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)m, (blasint)n, (blasint)k,
                1.0f, a, (blasint)k, b, (blasint)n, 1.0f, c, (blasint)n);
}

void shapc_blas_set_threads(int n)
{
    openblas_set_num_threads(n < 1 ? 1 : n);
}

void shapc__dsyrk_upper(size_t n, size_t rows, const double *z, double *c)
{
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)n, (blasint)rows, 1.0, z,
                (blasint)n, 1.0, c, (blasint)n);
}
