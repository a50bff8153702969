/* kernel_impl.h - the explainer's private layout, shared by kernel.c (API, players, solve)
 * and masked.c (masked evaluation). */
#ifndef SHAPC_KERNEL_IMPL_H
#define SHAPC_KERNEL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/coalition.h"
#include "kernel/wls.h"
#include "model/first_stage.h"
#include "shapc/kernel.h"

/* Scratch one worker keeps between explanations (growing only), so repeated explanations do
 * not pay for fresh pages each time. */
typedef struct shapc__worker {
    float *rows;   /* masked rows (generic) or first-layer pre-activations (native) */
    size_t rows_cap;
    float *out;    /* model outputs */
    size_t out_cap;
    float *tail;   /* native: scratch for the layers after the first */
    size_t tail_cap;
    float *delta;  /* native: switched-feature differences (n_bg, nf) */
    float *gath;   /* native: gathered rows of W1^T (nf, h1) */
    size_t nf_cap;
    size_t *feats; /* native: features switched by one coalition (d) */
    void *book;    /* one block holding the arrays below (masked.c, grow_codes) */
    size_t code_cap;
    unsigned char *code; /* per coalition and background row: evaluated, or equal to b or x */
    uint32_t *cnt; /* (n_bg) players of T where background row j differs from x */
    size_t *live;  /* (n_bg) background rows one coalition evaluates */
    unsigned char *any; /* (n_bg) scratch */
    uint32_t *ref;  /* generic: per coalition and background row, the row it duplicates */
    const float **seen; /* (n_bg) outputs of one coalition's evaluated rows, while averaging */
    uint32_t *htab; /* generic: hash table finding duplicate rows */
    struct shapc__walker *walker; /* exact enumeration's (exact.c), or NULL */
    struct shapc__perm_scratch *perm; /* the permutation estimator's (permutation.c), or NULL */
} shapc__worker;

/* What an explanation in progress changes: the workers' scratch and the shared-design cache.
 * The kernel keeps one session for shapc_kernel_explain and one per thread for
 * shapc_kernel_explain_rows, which explains several rows at once, one per thread. */
typedef struct shapc__session {
    size_t n_threads;        /* worker threads for one row's masked evaluation */
    shapc__worker *workers;  /* (n_workers) */
    size_t n_workers;
    uint64_t walk_epoch;     /* walkers' cache key: one per row the permutation estimator
                              * explains */
    /* opt.share_design: the last player set, its coalitions and their factorised design */
    size_t *design_players;  /* (design_m) or NULL */
    size_t design_m;
    shapc__coalitions design_c;
    shapc__wls_design design;
} shapc__session;

void shapc__session_release(shapc__session *ss);
/* Makes ss hold at least n (>= 1) workers. SHAPC_ENOMEM. */
shapc_status shapc__session_workers(shapc__session *ss, size_t n, shapc_error *err);
/* Drops the shared-design cache (the player indices changed meaning). */
void shapc__session_forget_design(shapc__session *ss);

struct shapc_kernel {
    const shapc_model *model; /* borrowed */
    size_t d, k;
    float *bg;       /* (n_bg, d) */
    double *bg_w;    /* (n_bg), sums to 1 */
    float *bg_wf;    /* (n_bg) the weights as given, or NULL (uniform) */
    size_t n_bg;
    double *base;    /* (k) link(E f(bg)) */
    float *fbg;      /* (n_bg, k) f(bg) on the evaluation path in use (masked.c) */
    shapc_kernel_options opt;
    size_t n_groups;
    size_t *gstart;  /* (n_groups + 1) CSR over gfeat */
    size_t *gfeat;   /* (d) features ordered by group */
    /* first-stage fast path of the KernelSHAP samplers (NULL fs when the model has none, it
     * is disabled, or the sampler needs no precomputed background) */
    const shapc__first_stage *fs;
    const shapc__first_stage *walk_fs; /* the same for walks (permutation, exact), or NULL */
    double *alias_p;   /* (n_bg) Walker's alias table for drawing rows by weight, or NULL */
    uint32_t *alias_i; /*   when the weights are uniform */
    struct shapc__progress *prog; /* the progress callback's state (kernel.c) */
    int perm_design; /* benchmark knob, not an option: 0 = choose (permutation.c), 1 = rows
                      * drawn independently, 2 = stratified with equal pairs per row */
    float *pbgt;     /* (d, n_bg) preprocessed background, feature-major */
    float *hbg;      /* (n_bg, h1) first-layer pre-activations of the background */
    shapc__session main;      /* shapc_kernel_explain's */
    shapc__session *rows;     /* (n_rows_sessions) shapc_kernel_explain_rows's, one per thread */
    size_t n_rows_sessions;
};

/* Work that needs no model output, run by one worker while the others evaluate. */
typedef struct shapc__side_job {
    shapc_status (*run)(void *ctx, shapc_error *err);
    void *ctx;
    shapc_status status; /* set by shapc__masked_evaluate */
    shapc_error err;
} shapc__side_job;

/* Evaluates y_i = link(sum_j w_j f(x_{S_i}, b_j)) - base for every coalition of c, players[t]
 * being the group of varying player t, on ss->n_threads threads, and runs `side` (or NULL)
 * alongside. fx (k) is the model's output for x. Adds the model rows evaluated to *n_evals.
 * Fails with the side job's error, else the first failing chunk's. */
shapc_status shapc__masked_evaluate(const shapc_kernel *kr, shapc__session *ss, const float *x,
                                    const float *fx, const size_t *players,
                                    const shapc__coalitions *c,
                                    double *y, size_t *n_evals, shapc__side_job *side,
                                    shapc_error *err);

/* Prepares the native fast path (pbgt, hbg) if the model allows it; never fails the kernel:
 * returns SHAPC_ENOMEM only when allocation fails. */
shapc_status shapc__masked_prepare(shapc_kernel *kr, shapc_error *err);
void shapc__masked_release(shapc_kernel *kr);

double shapc__apply_link(shapc_link link, double p);

/* FNV-1a over bytes: the per-instance (or per-player-set) RNG stream. */
uint64_t shapc__hash_bytes(const void *data, size_t n);

/* Players (indices into players[0..m)) where background row r differs from x in some
 * feature: returns their number |D_r| and, if diff is non-NULL, writes them ascending. */
size_t shapc__row_diff(const shapc_kernel *kr, const float *x, const size_t *players, size_t m,
                       size_t r, uint32_t *diff);

/* A background row drawn by the weights (uniform if none were given). */
struct shapc__rng;
size_t shapc__kernel_draw_row(const shapc_kernel *kr, struct shapc__rng *rng);

/* Reports progress if a callback is set; returns 1 once the caller asked to stop. Safe from
 * any worker thread. */
int shapc__kernel_poll(const shapc_kernel *kr);
/* Starts counting rows for the progress callback: total rows in this call. */
void shapc__kernel_progress_start(const shapc_kernel *kr, size_t total);
/* One more row done; reports it and returns 1 once the caller asked to stop. */
int shapc__kernel_progress_row(const shapc_kernel *kr);

/* How far the worst standard error is above tol x the output's range, the largest over
 * outputs: <= 1 means converged (rounds.c). */
double shapc__tol_shortfall(size_t m, size_t k, const double *phi, const double *se,
                            double tol);

/* ---- the walk estimators ---- */

/* Largest player count exact enumeration takes (its v has 2^M x k doubles). */
#define SHAPC__EXACT_MAX_PLAYERS 24

/* Model rows exact enumeration of x's players would evaluate, or SIZE_MAX if more than
 * limit (or M too large). exact.c. */
size_t shapc__exact_rows(const shapc_kernel *kr, const float *x, const size_t *players,
                         size_t m, size_t limit);
/* Exact values phi (m, k) by Gray-code enumeration; fx: f(x) raw (k), fxl: link(f(x)). */
shapc_status shapc__exact_explain(const shapc_kernel *kr, shapc__session *ss, const float *x,
                                  const float *fx, const double *fxl, const size_t *players,
                                  size_t m, double *phi, size_t *n_evals, shapc_error *err);

/* The permutation estimator (permutation.c): phi, se (m, k) from antithetic pairs of
 * orderings within a budget of model rows; delta (k) = link(f(x)) - base. *n_pairs gets the
 * pairs walked, *n_evals is increased by the rows evaluated. */
shapc_status shapc__permutation_explain(const shapc_kernel *kr, shapc__session *ss,
                                        const float *x, const float *fx, const size_t *players,
                                        size_t m, size_t budget, const double *delta,
                                        double *phi, double *se, size_t *n_pairs,
                                        size_t *n_evals, shapc_error *err);
void shapc__perm_scratch_free(struct shapc__perm_scratch *scratch);

/* For tests: one sample of the permutation estimator for a given ordering (m) and background
 * rows (n_rows, weight 1 / n_rows each; with the logit link, the whole background by weight):
 * s (m, k) the antithetic pair's average contributions, c (k) link(v(empty)) of those rows. */
shapc_status shapc__permutation_sample(const shapc_kernel *kr, const float *x,
                                       const size_t *players, size_t m, const uint32_t *order,
                                       const uint32_t *rows, size_t n_rows, double *s,
                                       double *c, shapc_error *err);

/* --tol: evaluates c (reordered by batch) round by round and solves after each round from
 * the second, stopping when every standard error is below opt.tol x the output's phi range.
 * phi, se (m, k) hold the last solve; *n_used the coalitions it used. rounds.c. */
shapc_status shapc__kernel_rounds(const shapc_kernel *kr, shapc__session *ss, const float *x,
                                  const float *fx, const size_t *players,
                                  shapc__coalitions *c,
                                  const double *delta, double *y, double *phi, double *se,
                                  size_t *n_used, size_t *n_evals, shapc_error *err);

#endif /* SHAPC_KERNEL_IMPL_H */
