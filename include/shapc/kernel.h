/* kernel.h - the explainer: Shapley values by exact enumeration, permutation sampling or
 * KernelSHAP.
 *
 * Estimates interventional Shapley values over a background set B with row weights w:
 *     v(S) = link( sum_j w_j f(x_S, b_j,notS) ),   phi = Shapley values of v,
 * the quantity Python shap's KernelExplainer estimates (Lundberg & Lee 2017). Players are the
 * features or, after shapc_kernel_set_groups, groups of features (a pixel patch, a token, a
 * one-hot block) that are switched together.
 *
 * Method (docs/algorithm.md): players whose features equal x in every background row are not
 * players (phi = 0); M = 0 and M = 1 are exact shortcuts. The budget is counted in model rows
 * (max_evals). The default estimator (SHAPC_SAMPLER_AUTO) enumerates every coalition when the
 * budget covers it (Gray-code order, exact) and otherwise samples antithetic pairs of
 * orderings walked from background rows to x: background rows stratified when the budget
 * walks each at least twice (then allocated where they lower the error most), drawn by weight
 * with a control variate otherwise; exactly additive; standard errors from the samples. The
 * KernelSHAP samplers solve the constrained weighted least squares fit over sampled
 * coalitions (shap's scheme or leverage-score sampling), each against the whole background,
 * with batch-means standard errors (Covert & Lee 2021).
 *
 * Thread-safety: an explainer owns its RNG and scratch; distinct explainers may run in
 * distinct threads. A seed gives bit-identical results for any n_threads. */
#ifndef SHAPC_KERNEL_H
#define SHAPC_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "shapc/export.h"
#include "shapc/model.h"
#include "shapc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum shapc_link {
    SHAPC_LINK_IDENTITY = 0,
    SHAPC_LINK_LOGIT = 1 /* log(p / (1 - p)), p clipped to [1e-7, 1 - 1e-7] */
} shapc_link;

/* The estimator (docs/algorithm.md). */
typedef enum shapc_sampler {
    SHAPC_SAMPLER_KERNEL = 0,      /* KernelSHAP, shap's coalitions: extremes enumerated, pairs
                                    * drawn by kernel mass; every coalition against the whole
                                    * background */
    SHAPC_SAMPLER_LEVERAGE = 1,    /* KernelSHAP, Musco & Witter 2025: equal budget per size,
                                    * without replacement */
    SHAPC_SAMPLER_PERMUTATION = 2, /* antithetic permutations, each walked against sampled
                                    * background rows (Strumbelj & Kononenko 2014; Mitchell et
                                    * al. 2022) */
    SHAPC_SAMPLER_AUTO = 3,        /* exact when the budget covers every coalition, otherwise
                                    * the estimator with the lowest error per model evaluation
                                    * in the benchmark (docs/performance.md): permutation */
    SHAPC_SAMPLER_EXACT = 4        /* every coalition, enumerated in Gray-code order, whatever
                                    * the budget (at most 24 players: SHAPC_ERANGE beyond) */
} shapc_sampler;

/* Progress of a shapc_kernel_explain(_rows) call: rows_done of rows_total rows are finished.
 * Called after each row and between chunks of model evaluations within a row (rows_done
 * unchanged), from whichever worker thread is at that point, but never from two threads at
 * once. Return 0 to go on, nonzero to stop: the call then fails with SHAPC_ECANCELED. */
typedef int (*shapc_progress_fn)(void *user, size_t rows_done, size_t rows_total);

typedef struct shapc_kernel_options {
    size_t size;       /* sizeof(shapc_kernel_options) as the caller was compiled: set by
                        * shapc_kernel_options_default(); fields past it take their defaults,
                        * so later versions may append fields without breaking callers */
    size_t nsamples;   /* KernelSHAP samplers: coalition budget; 0 = 2M + 2048 (shap's
                        * default), or what max_evals allows when only it is set */
    uint64_t seed;     /* RNG seed; the same seed gives bit-identical results */
    shapc_link link;
    size_t n_batches;  /* KernelSHAP samplers: independent batches for the standard errors
                        * (>= 2); default 16 */
    size_t max_memory; /* bytes of masked rows in one chunk (per thread), a quarter of it
                        * also bounding the permutation walks' per-row cache; bounds the
                        * chunk and the cache, never the result */
    shapc_sampler sampler;
    size_t n_threads;  /* worker threads for masked evaluation; 0 or 1 = the calling thread.
                        * With more, the model callback is called from several threads at
                        * once and must be thread-safe (native models are). Results are
                        * bit-identical for any thread count. */
    double tol;        /* > 0: sample in rounds and stop once every standard error is below
                        * tol x (max phi - min phi) of its output, or the budget is spent
                        * (kernelshap's rule; 0.005 is its default); checked where it could
                        * first pass (docs/algorithm.md). 0 (the library default): spend the
                        * whole budget. */
    int share_design;  /* KernelSHAP samplers, 1: rows with the same players share one set of
                        * coalitions (seeded from the seed and the player set instead of the
                        * row) and one factorisation of Z'WZ, reused while consecutive rows
                        * keep those players; 0 (default): coalitions drawn per row. Ignored
                        * with tol. */
    int use_structure; /* 1 (default): for models with a linear first stage (native dense
                        * first layers, ONNX graphs starting with Gemm/MatMul), compute a
                        * masked row's first stage from a precomputed one plus the switched
                        * features only (equal to plain evaluation to float32 rounding) */
    size_t max_evals;  /* model rows one explanation may evaluate, whatever the sampler; 0 =
                        * shap's default budget in rows: (2M + 2048) x min(n_bg, 100) */
    size_t bg_per_sample; /* permutation: background rows each antithetic pair of orderings
                        * is walked against, drawn by weight; 0 = auto: 1 with the identity
                        * link, the whole background (deterministic) with logit, whose
                        * v(S) = logit(E f) a sampled row cannot estimate without bias */
    shapc_progress_fn progress; /* or NULL */
    void *progress_user;        /* passed to progress */
} shapc_kernel_options;

/* Defaults: size set, nsamples 0 (auto), seed 0, identity link, 16 batches, 64 MiB per
 * chunk, the auto sampler, 1 thread, use_structure 1, max_evals 0 (shap's budget in rows),
 * bg_per_sample 0 (auto), no progress callback. */
SHAPC_API shapc_kernel_options shapc_kernel_options_default(void);

/* What one explanation did. */
typedef struct shapc_kernel_info {
    size_t n_players;    /* M: groups that vary against the background */
    size_t n_coalitions; /* KernelSHAP: coalitions evaluated (excluding empty and full);
                          * permutation: antithetic pairs of orderings walked */
    size_t n_evals;      /* model rows evaluated */
    int exact;           /* 1 if all coalitions were enumerated (values exact up to rounding) */
    shapc_sampler sampler; /* the estimator used (never SHAPC_SAMPLER_AUTO) */
} shapc_kernel_info;

typedef struct shapc_kernel shapc_kernel; /* opaque */

/* Sets OpenBLAS's own thread count for the whole process (openblas_set_num_threads), e.g. to
 * give a program's own BLAS work more threads. Explanations do not need it: kernel creation
 * and every explain call set OpenBLAS to one thread first whenever it has more (the kernel's
 * workers are the one level of threading, and OpenBLAS's threaded kernels round differently,
 * which would make results depend on the thread count). OpenBLAS 0.3.21, Debian 12's, has
 * only this process-wide setting, so that pin is process-wide too: BLAS calls a program
 * makes while an explanation runs get one thread, and a count set here lasts until the next
 * explanation. Not for use while other threads run BLAS. */
SHAPC_API void shapc_blas_set_threads(int n);

/* Creates an explainer for `model` (borrowed: must outlive the explainer) over a background
 * (n_bg, d) row-major float32 (copied) with optional row weights (n_bg, copied, normalised to
 * sum 1; NULL = uniform). options NULL = defaults. Errors: SHAPC_EINVAL (n_bg = 0, negative or
 * all-zero weights), SHAPC_ENONFINITE (NaN in background), SHAPC_ENOMEM. Evaluates the model
 * on the background once (base values). Sets OpenBLAS to one thread (shapc_blas_set_threads). */
SHAPC_API shapc_status shapc_kernel_create(const shapc_model *model, const float *background,
                                           size_t n_bg, const float *bg_weights,
                                           const shapc_kernel_options *options,
                                           shapc_kernel **out, shapc_error *err);
SHAPC_API void shapc_kernel_free(shapc_kernel *kernel);

/* The weighted mean of a background (n_bg, d) with row weights (n_bg, NULL = uniform) into
 * out (d), accumulated in double: the one-row "mean" baseline that may replace a background
 * (shapc_kernel_create with n_bg = 1, or per row in shapc_kernel_explain_batch). All-zero
 * (or n_bg = 0) weights give zeros, the "zero" baseline. */
SHAPC_API void shapc_background_mean(const float *background, size_t n_bg, const float *weights,
                                     size_t d, float *out);

/* Groups features into players: group_of[i] in [0, n_groups) for each of the d features
 * (copied); every group must be non-empty. NULL resets to one player per feature. */
SHAPC_API shapc_status shapc_kernel_set_groups(shapc_kernel *kernel, const size_t *group_of,
                                               size_t n_groups, shapc_error *err);
/* Number of players G (groups, or d). */
SHAPC_API size_t shapc_kernel_n_players(const shapc_kernel *kernel);

/* Base values link(E_w f(B)), (k). Borrowed, valid while the kernel lives. */
SHAPC_API const double *shapc_kernel_base_values(const shapc_kernel *kernel);

/* Explains one instance x (d floats). Outputs, caller-allocated:
 *   phi  (G, k) row-major: phi[g*k + c], in link units; sum_g phi = link(f(x)) - base
 *   se   (G, k) or NULL: standard errors (0 for exact results and non-players; infinite
 *        when the budget is too small to determine the values: fewer sampled pairs than
 *        sampled coalition sizes, about 2M coalitions)
 *   fx   (k) or NULL: link(f(x))
 *   info or NULL.
 * Errors: SHAPC_ENONFINITE (NaN in x), model failures (SHAPC_EMODEL...), SHAPC_ELINALG,
 * SHAPC_ERANGE (SHAPC_SAMPLER_EXACT beyond 24 players), SHAPC_ECANCELED (the progress
 * callback asked to stop), SHAPC_ENOMEM. Cost: at most max_evals model rows (the KernelSHAP
 * samplers: nsamples * n_bg; a budget below the minimum of 4 pairs of walks, or of 2 pairs of
 * coalitions, is exceeded by that minimum). */
SHAPC_API shapc_status shapc_kernel_explain(shapc_kernel *kernel, const float *x, double *phi,
                                            double *se, double *fx, shapc_kernel_info *info,
                                            shapc_error *err);

/* Explains n instances x (n, d) into phi (n, G, k), se (n, G, k) or NULL, fx (n, k) or NULL
 * and info (n) or NULL: the same bytes as n calls of shapc_kernel_explain, faster with
 * n_threads > 1 and n >= n_threads, since the rows then run in parallel, one per thread,
 * and the parts of an explanation that one row cannot spread over threads overlap. Errors are
 * those of shapc_kernel_explain for the lowest failing row, with "row I: " in the message;
 * rows after it may be unwritten. */
SHAPC_API shapc_status shapc_kernel_explain_rows(shapc_kernel *kernel, const float *x, size_t n,
                                                 double *phi, double *se, double *fx,
                                                 shapc_kernel_info *info, shapc_error *err);

/* Rows that bring their own players or baselines (shapc_kernel_explain_batch): superpixels
 * computed per image, a blurred copy of each image as what its absent players take. */
typedef struct shapc_kernel_batch {
    size_t size;            /* sizeof(shapc_kernel_batch): set by shapc_kernel_batch_default() */
    const float *x;         /* (n, d) the rows to explain, row-major */
    size_t n;
    /* Per-row players, or NULL for the kernel's groups (shapc_kernel_set_groups):
     * group_of (n, d): player of each feature of row i, < n_groups[i]; every player of a row
     * owns at least one feature (e.g. shapc_image_slic labels, widened to size_t). */
    const size_t *group_of;
    const size_t *n_groups; /* (n), with group_of */
    size_t n_players;       /* with group_of: phi and se columns per row, >= every n_groups[i]
                             * (columns past a row's count are 0); ignored without */
    /* Per-row baselines, or NULL for the kernel's background: baseline (n, baseline_rows, d)
     * holds the values row i's absent players take (its own background), with weights
     * baseline_weights (n, baseline_rows) or NULL for uniform. Base values are then per row. */
    const float *baseline;
    size_t baseline_rows;   /* >= 1 with baseline */
    const float *baseline_weights;
} shapc_kernel_batch;

/* x NULL, n 0, no per-row players or baselines, size set. */
SHAPC_API shapc_kernel_batch shapc_kernel_batch_default(void);

/* Explains batch->n rows with their own players and/or baselines. Outputs (caller-allocated,
 * P = batch->n_players with per-row players, else the kernel's G):
 *   phi (n, P, k); se (n, P, k) or NULL; fx (n, k) or NULL: link(f(x));
 *   base (n, k) or NULL: each row's base value link(E_w f(baseline)) (the kernel's with no
 *   per-row baselines);
 *   info (n) or NULL.
 * Each row gives the bytes of an explainer created with its baseline (or the kernel's
 * background and weights) and its groups, so results do not depend on the thread count or on
 * which rows share the call. With n_threads > 1 and n >= n_threads the rows run in parallel,
 * one per thread, else one after another with every thread on each. Cost per row on top of
 * the explanation: the model on the row's baseline (or background) once. The progress
 * callback counts the batch's rows. Errors: SHAPC_EINVAL (inconsistent batch: sizes, a
 * player out of range or without features), then those of shapc_kernel_explain for the
 * lowest failing row with "row I: " in the message; SHAPC_ECANCELED. */
SHAPC_API shapc_status shapc_kernel_explain_batch(shapc_kernel *kernel,
                                                  const shapc_kernel_batch *batch, double *phi,
                                                  double *se, double *fx, double *base,
                                                  shapc_kernel_info *info, shapc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SHAPC_KERNEL_H */
