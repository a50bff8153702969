/* kernel_impl.h - the explainer's private layout, shared by kernel.c (API, players, solve)
 * and masked.c (masked evaluation). */
#ifndef SHAPC_KERNEL_IMPL_H
#define SHAPC_KERNEL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/coalition.h"
#include "kernel/wls.h"
#include "model/native.h"
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
} shapc__worker;

/* What an explanation in progress changes: the workers' scratch and the shared-design cache.
 * The kernel keeps one session for shapc_kernel_explain and one per thread for
 * shapc_kernel_explain_rows, which explains several rows at once, one per thread. */
typedef struct shapc__session {
    size_t n_threads;        /* worker threads for one row's masked evaluation */
    shapc__worker *workers;  /* (n_workers) */
    size_t n_workers;
    /* opt.share_design: the last player set, its coalitions and their factorised design */
    size_t *design_players;  /* (design_m) or NULL */
    size_t design_m;
    shapc__coalitions design_c;
    shapc__wls_design design;
} shapc__session;

void shapc__session_release(shapc__session *ss);
/* Drops the shared-design cache (the player indices changed meaning). */
void shapc__session_forget_design(shapc__session *ss);

struct shapc_kernel {
    const shapc_model *model; /* borrowed */
    size_t d, k;
    float *bg;       /* (n_bg, d) */
    double *bg_w;    /* (n_bg), sums to 1 */
    size_t n_bg;
    double *base;    /* (k) link(E f(bg)) */
    float *fbg;      /* (n_bg, k) f(bg) on the evaluation path in use (masked.c) */
    shapc_kernel_options opt;
    size_t n_groups;
    size_t *gstart;  /* (n_groups + 1) CSR over gfeat */
    size_t *gfeat;   /* (d) features ordered by group */
    /* native fast path (NULL net when unavailable or disabled) */
    const shapc__native_net *net;
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

/* --tol: evaluates c (reordered by batch) round by round and solves after each round from
 * the second, stopping when every standard error is below opt.tol x the output's phi range.
 * phi, se (m, k) hold the last solve; *n_used the coalitions it used. rounds.c. */
shapc_status shapc__kernel_rounds(const shapc_kernel *kr, shapc__session *ss, const float *x,
                                  const float *fx, const size_t *players,
                                  shapc__coalitions *c,
                                  const double *delta, double *y, double *phi, double *se,
                                  size_t *n_used, size_t *n_evals, shapc_error *err);

#endif /* SHAPC_KERNEL_IMPL_H */
