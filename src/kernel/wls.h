/* wls.h - the KernelSHAP regression: weighted least squares with the efficiency constraint.
 *
 * Given coalitions z_i (0/1 over M players, stored by their small side), weights w_i and
 * targets y_i = v(z_i) - v(empty) for K outputs, finds for every output
 *     phi = argmin sum_i w_i (y_i - z_i.phi)^2   subject to   sum_j phi_j = delta
 * (delta = v(all) - v(empty)), via the KKT solution
 *     phi = A^-1 b - A^-1 1 (1' A^-1 b - delta) / (1' A^-1 1),   A = Z'WZ, b = Z'Wy,
 * with one Cholesky factorisation of A shared by all K outputs (and by the error terms).
 * Standard errors linearise phi(A, b) around the pooled estimate and take the spread of the
 * per-batch estimates (batch means; Covert & Lee 2021, the R package kernelshap). */
#ifndef SHAPC_KERNEL_WLS_H
#define SHAPC_KERNEL_WLS_H

#include <stddef.h>

#include "kernel/coalition.h"
#include "shapc/status.h"

/* The part of the fit that depends only on the coalitions: the Cholesky factor of A = Z'WZ
 * and u = A^-1 1. Instances that share their players and coalitions share it. */
typedef struct shapc__wls_design {
    size_t m;
    double *f;    /* (m, m) Cholesky factor (lower, full storage) */
    double *u;    /* (m) A^-1 1 */
    double sum_u; /* 1' A^-1 1 */
} shapc__wls_design;

/* Returns SHAPC_ELINALG if A stays singular even after a small ridge, SHAPC_ENOMEM. */
shapc_status shapc__wls_factor(const shapc__coalitions *c, shapc__wls_design *d,
                               shapc_error *err);
/* The per-instance part - b = Z'Wy, the solve, the constraint and the standard errors - for
 * y (c->n, k) row-major and delta (k): writes phi (m, k) and, if se is non-NULL, se (m, k)
 * (all zero when c->exact or fewer than 2 batches), solving the standard errors' system on
 * up to n_threads threads. */
shapc_status shapc__wls_apply(const shapc__coalitions *c, const shapc__wls_design *d,
                              const double *y, size_t k, const double *delta, double *phi,
                              double *se, size_t n_threads, shapc_error *err);
void shapc__wls_design_free(shapc__wls_design *d); /* zeroed or factored; idempotent */

/* shapc__wls_factor as a job for a worker thread (shapc__side_job): ctx is a
 * shapc__wls_factor_task. */
typedef struct shapc__wls_factor_task {
    const shapc__coalitions *c;
    shapc__wls_design *d;
} shapc__wls_factor_task;
shapc_status shapc__wls_factor_job(void *ctx, shapc_error *err);

#endif /* SHAPC_KERNEL_WLS_H */
