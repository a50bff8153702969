/* linalg.h - the one place shapc calls BLAS and LAPACK (igraph's igraph_lapack.h habit).
 *
 * Every wrapper states its storage order. Matrices are row-major unless a name says otherwise;
 * symmetric matrices are stored full (both triangles) and are symmetric, so row- and
 * column-major views coincide. */
#ifndef SHAPC_UTIL_LINALG_H
#define SHAPC_UTIL_LINALG_H

#include <stddef.h>

/* C (m, n) = A (m, k) * B^T where B is (n, k); all row-major float32 (C overwritten, beta 0,
 * or accumulated when accumulate != 0). The dense layer y = x W^T of a batch of rows. */
void shapc__sgemm_abt(size_t m, size_t n, size_t k, const float *a, const float *b, float *c,
                      int accumulate);

/* Cholesky factorisation A = L L^T in place of the symmetric positive definite a (n, n),
 * row-major; reads and writes only the lower triangle. Returns 0 on success, or the LAPACK
 * info (> 0: leading minor not positive definite). */
int shapc__dpotrf(size_t n, double *a);

/* Solves A X = B with the factor from shapc__dpotrf; b is (n, nrhs) row-major with row
 * stride ldb >= nrhs (a block of columns of a wider matrix), overwritten with X. */
void shapc__dpotrs(size_t n, const double *factor, size_t nrhs, double *b, size_t ldb);

/* Lower triangle of C (n, n) += Z^T Z for Z (rows, n), row-major double (dsyrk). The upper
 * triangle of C is not touched. */
void shapc__dsyrk_lower(size_t n, size_t rows, const double *z, double *c);

/* C (m, n) += alpha A (m, k) * B (k, n) with A given transposed, at (k, m); all row-major
 * float32. */
void shapc__sgemm_atb_acc(size_t m, size_t n, size_t k, float alpha, const float *at,
                          const float *b, float *c);

/* Makes OpenBLAS single-threaded if it is not (openblas_set_num_threads(1), process-wide; a
 * no-op when it already is, so concurrent explanations do not call it). The explainer calls it
 * at every kernel creation and explanation: its own workers are the one level of threading,
 * and OpenBLAS's threaded kernels round differently, which would make results depend on the
 * thread count. OpenBLAS 0.3.21 (Debian 12) has no thread-local setting. */
void shapc__blas_pin(void);

/* The general row-major sgemm: C (m, n) = alpha op(A) op(B) + beta C, op(A) (m, k) being A
 * (m, k) with leading dimension lda, or A^T for A stored (k, m) when trans_a; likewise B.
 * Every size and leading dimension must fit in the BLAS integer (the ONNX executor checks). */
void shapc__sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                  const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                  size_t ldc);

#endif /* SHAPC_UTIL_LINALG_H */
