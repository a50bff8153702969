/* perm_stats.h - what the permutation estimator keeps of its samples, and its estimates.
 *
 * A sample is s (m, k): one antithetic pair of walks' contributions, and c (k): link(v(empty))
 * of its background rows. Two designs (permutation.c):
 *   - independent draws of background rows: running moments of s and c over all samples and
 *     the control-variate estimate (c's mean is the known base value);
 *   - stratified: every background row is walked equally often (cycles of random
 *     permutations of the rows); running moments per row and the stratified estimate
 *     sum_j w_j mean_j, whose variance has no between-row part.
 * Moments are Welford's, updated sample by sample in a fixed order, so the result does not
 * depend on the thread count. */
#ifndef SHAPC_KERNEL_PERM_STATS_H
#define SHAPC_KERNEL_PERM_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Moments of s and c over samples, with the co-moment of each s_q with c. */
typedef struct shapc__pstats {
    size_t m, k;
    double n;
    double *mean_s, *m2_s, *c2_sc; /* (m, k) */
    double *mean_c, *m2_c;         /* (k) */
} shapc__pstats;

/* Moments of s per stratum (background row). */
typedef struct shapc__rstats {
    size_t m, k, n_rows;
    double *n;       /* (n_rows) samples per row */
    double *mean_s;  /* (n_rows, m, k) */
    double *m2_s;    /* (n_rows, m, k) */
    double *scratch; /* (2, m, k) */
} shapc__rstats;

/* Return 0 on allocation failure (the struct is then empty and safe to free). */
int shapc__pstats_init(shapc__pstats *p, size_t m, size_t k);
void shapc__pstats_free(shapc__pstats *p);
void shapc__pstats_add(shapc__pstats *p, const double *s, const double *c);
int shapc__rstats_init(shapc__rstats *r, size_t n_rows, size_t m, size_t k);
void shapc__rstats_free(shapc__rstats *r);
void shapc__rstats_add(shapc__rstats *r, size_t row, const double *s);

/* Control-variate estimate from all samples: phi = mean(s) - beta (mean(c) - base) with
 * beta_q = Cov(s_q, c) / Var(c) per output (no adjustment while c does not vary), and its
 * standard errors from the residuals. base, delta (k) in link units. */
void shapc__pstats_estimate(const shapc__pstats *p, const double *base, double *phi, double *se);
/* Stratified estimate over the rows listed in rows (n_rows of r's, weights w by row index,
 * each row with at least one sample): phi = sum_j w_j mean_j, se^2 = sum_j w_j^2 s_j^2 / n_j
 * with s_j^2 the row's sample variance (pooled over the rows with two or more samples for
 * those with one), scaled by t_{0.975, nu} / z_{0.975} for its Welch-Satterthwaite degrees
 * of freedom nu. */
void shapc__rstats_estimate(const shapc__rstats *r, const uint32_t *rows, size_t n_rows,
                            const double *w, double *phi, double *se);

/* Spreads what rounding leaves of sum_q phi = delta (per output) over the players in
 * proportion to their variances (equally when none is known). */
void shapc__efficiency_fix(size_t m, size_t k, const double *delta, double *phi, const double *se);

#endif /* SHAPC_KERNEL_PERM_STATS_H */
