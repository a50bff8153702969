/* walk.h - walks from a background row towards x, one player at a time, evaluated in batches.
 *
 * The permutation estimator (permutation.c) and exact enumeration (exact.c) both visit masked
 * rows that differ from the previous one in a single player: an ordering switches x's players
 * in one by one, a Gray code toggles one player per step. A walker holds the current masked
 * row for one background row b_r and emits copies of it into a batch; a full batch is
 * evaluated and handed, in emission order, to the caller's sink with the tags given at
 * emission.
 *
 * Only players where b_r differs from x can change the row (the others' features are equal),
 * so a walk over b_r needs just those, |D_r| of them: the walker lists them ("slots") and the
 * caller skips the rest. A row that has switched all of D_r is x, whose output is known: the
 * caller emits it as a known row, which costs no evaluation.
 *
 * First-stage fast path (first_stage.h): with a linear first stage pre = W x' + b the walker
 * keeps the pre-activation itself plus each differing player's share
 * C_g = sum_{f in g} (x'_f - b'_f) W[:, f] for the current b_r (summed in double, rounded
 * once); a step is then one float vector add of the stage's width instead of a model
 * evaluation of the first layer, and the rest of the model runs batched. A walk's few
 * hundred adds drift about as much as a direct evaluation's float sum; a Gray code toggles
 * players back and forth thousands of times, so its caller re-anchors the state
 * (shapc__walker_set) every few hundred steps. */
#ifndef SHAPC_KERNEL_WALK_H
#define SHAPC_KERNEL_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "shapc/status.h"

struct shapc_kernel;

/* What an emitted row stands for, chosen by the caller. */
typedef struct shapc__walk_tag {
    uint32_t sample; /* e.g. the pair within a job */
    uint32_t ref;    /* e.g. the background row within the sample */
    uint32_t pos;    /* e.g. the step (and direction) or the coalition's bit mask */
} shapc__walk_tag;

/* Receives n evaluated (or known) rows: tags[i] and outs[i] (k floats, valid during the
 * call), in the order they were emitted. */
typedef shapc_status (*shapc__walk_sink)(void *ctx, size_t n, const shapc__walk_tag *tags,
                                         const float *const *outs, shapc_error *err);

typedef struct shapc__walker {
    /* set by shapc__walker_setup */
    const struct shapc_kernel *kr;
    const float *x;        /* (d) raw */
    const size_t *players; /* (m) group of each player */
    size_t m;
    const float *fx; /* (k) output of the row equal to x */
    shapc__walk_sink sink;
    void *sink_ctx;
    int fast; /* first-stage path */
    /* the current background row */
    size_t r;
    size_t n_diff;
    uint32_t *diff;       /* (m) players where b_r differs from x, ascending */
    uint32_t *slot;       /* (m) index of each player in diff, or UINT32_MAX */
    float *contrib;       /* fast: (m, h) C_g by slot */
    float *state, *start; /* fast: (h) current pre-activation, and b_r's */
    double *acc;          /* fast: (h) scratch for sums in double */
    float *px, *pb;       /* fast: (d) preprocessed x and b_r */
    float *hb;            /* fast: (h) b_r's pre-activation as the model computes it */
    float *row;           /* generic: (d) current masked row */
    /* fast, when it fits WALK_CACHE_BYTES: each background row's start and C_g, kept for x
     * (a row takes many pairs; recomputing them per pair cost 85% of a 16-player run) */
    float *cache_start;          /* (n_bg, h) */
    float *cache_contrib;        /* (n_bg, m, h) by slot */
    unsigned char *cache_ok;     /* (n_bg) 1 once the row's entries are in */
    int cached;                  /* the cache is in use since shapc__walker_cache */
    uint64_t cache_epoch;        /* whose entries cache_ok marks */
    size_t cache_cells;
    /* the batch */
    size_t cap, n_rows, n_entries;
    float *rows;           /* (cap, width) masked rows or first-stage activations */
    float *out;            /* (cap, k) */
    float *tail;           /* fast: (cap, tail_scratch) */
    shapc__walk_tag *tags; /* (cap) entries */
    const float **outs;    /* (cap) entry outputs: into out, or known rows' */
    size_t *row_of;        /* (cap) entry -> batch row, or SIZE_MAX for known rows */
    size_t *bg_of;         /* (cap) background row of each batch row (error messages) */
    size_t n_evals;        /* rows evaluated since setup */
    size_t flushes;        /* batches evaluated, for polling the progress callback */
    size_t sizes[21];      /* allocated elements of each buffer above, in walk.c's order */
} shapc__walker;

void shapc__walker_init(shapc__walker *w);
void shapc__walker_free(shapc__walker *w);

/* Prepares a walker for explaining x (players, m) with kernel kr, emitting into sink. Uses
 * the first-stage fast path when kr has one (kr->walk_fs). fx: the output of x on that path.
 * SHAPC_ENOMEM. */
shapc_status shapc__walker_setup(shapc__walker *w, const struct shapc_kernel *kr, const float *x,
                                 const size_t *players, size_t m, const float *fx,
                                 shapc__walk_sink sink, void *sink_ctx, shapc_error *err);

/* Keeps each background row's start and players' shares (fast path) across setups with the
 * same epoch, a non-zero number the caller changes whenever x, the players, their groups or
 * the kernel may differ (the permutation estimator: one per row it explains). Call after
 * shapc__walker_setup, which turns the cache off; skipped when it would exceed
 * WALK_CACHE_BYTES (walk.c). Values are the same with or without it, bit for bit. */
void shapc__walker_cache(shapc__walker *w, uint64_t epoch);

/* Starts from background row r: lists D_r (w->diff, w->slot, w->n_diff) and sets the row to
 * b_r. */
void shapc__walker_begin(shapc__walker *w, size_t r);
/* Back to b_r (same r) without recomputing D_r or the players' shares. */
void shapc__walker_restart(shapc__walker *w);
/* Sets the row to b_r with the slots in the bit mask `on` (slots < 64) switched to x, summed
 * afresh: bounds the drift of long toggle sequences. */
void shapc__walker_set(shapc__walker *w, uint64_t on);
/* Switches player slot s (index into w->diff) to x's values (on) or back to b_r's (off). */
void shapc__walker_toggle(shapc__walker *w, uint32_t s, int on);
/* Emits the current row with tag; evaluates the batch when it is full. */
shapc_status shapc__walker_emit(shapc__walker *w, shapc__walk_tag tag, shapc_error *err);
/* shapc__walker_toggle then shapc__walker_emit, in one pass where the stage allows. */
shapc_status shapc__walker_step(shapc__walker *w, uint32_t s, int on, shapc__walk_tag tag,
                                shapc_error *err);
/* Emits a row whose output is known (out, k floats, must stay valid until the next flush). */
shapc_status shapc__walker_emit_known(shapc__walker *w, shapc__walk_tag tag, const float *out,
                                      shapc_error *err);
/* Evaluates what is pending and hands it to the sink. */
shapc_status shapc__walker_flush(shapc__walker *w, shapc_error *err);

#endif /* SHAPC_KERNEL_WALK_H */
