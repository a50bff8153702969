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
    /* The row-major lower triangle is LAPACK's column-major upper triangle: asking for 'U' in
     * column-major order factors in place, where LAPACKE's row-major entry point would copy
     * and transpose the whole matrix twice. The _work entry point skips LAPACKE's NaN scan:
     * A is assembled from finite weights. */
    return (int)LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, a, (lapack_int)n);
}

void shapc__dpotrs(size_t n, const double *factor, size_t nrhs, double *b, size_t ldb)
{
    /* dpotrs is two triangular solves, L Y = B then L^T X = Y; cblas takes the row-major
     * right-hand sides as they are (LAPACKE_dpotrs would transpose factor and b). */
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (blasint)n,
                (blasint)nrhs, 1.0, factor, (blasint)n, b, (blasint)ldb);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (blasint)n,
                (blasint)nrhs, 1.0, factor, (blasint)n, b, (blasint)ldb);
}

void shapc__sgemm_atb_acc(size_t m, size_t n, size_t k, float alpha, const float *at,
                          const float *b, float *c)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)m, (blasint)n, (blasint)k,
                alpha, at, (blasint)m, b, (blasint)n, 1.0f, c, (blasint)n);
}

void shapc__blas_pin(void)
{
    if (openblas_get_num_threads() != 1)
        openblas_set_num_threads(1);
}

void shapc_blas_set_threads(int n)
{
    openblas_set_num_threads(n < 1 ? 1 : n);
}

void shapc__dsyrk_lower(size_t n, size_t rows, const double *z, double *c)
{
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (blasint)n, (blasint)rows, 1.0, z,
                (blasint)n, 1.0, c, (blasint)n);
}

void shapc__sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                  const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                  size_t ldc)
{
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n, (blasint)k, alpha, a,
                (blasint)lda, b, (blasint)ldb, beta, c, (blasint)ldc);
}
