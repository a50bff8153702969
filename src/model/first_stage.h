/* first_stage.h - an optional model capability: a linear first stage that the explainer may
 * update incrementally instead of evaluating masked rows from scratch.
 *
 * A model offers it when its output is  out = rest(act(W x' + b))  with x' a per-feature
 * preprocessing of the raw row x and W (h, d) dense: the native dense-first networks of
 * model.bin, and ONNX graphs that start with Gemm/MatMul on the flattened input. A masked row
 * differs from a reference row r (a background row, or x) only in a few features F, so its
 * pre-activation is pre(r) + sum_{f in F} (x'_f - r'_f) W[:, f]: a few rows of W^T instead of
 * the whole product. The kernel (src/kernel/) uses it without knowing which adapter is behind
 * it; the model keeps ownership of everything it points to.
 *
 * Contract: preprocess and preact followed by activate and finish equal the model's predict
 * up to float32 summation order. All functions are reentrant (scratch comes from the caller),
 * so several threads may use one stage at once. */
#ifndef SHAPC_MODEL_FIRST_STAGE_H
#define SHAPC_MODEL_FIRST_STAGE_H

#include <stddef.h>

#include "shapc/model.h"
#include "shapc/status.h"

typedef struct shapc__first_stage {
    size_t d;            /* raw inputs per row (the model's d) */
    size_t h;            /* width of the first stage */
    const float *wt;     /* (d, h) row-major: row f holds W[:, f], the weights of input f */
    int relu;            /* 1: activate() is max(0, .), which callers may fuse into a pass of their
                          * own (NaN stays NaN) */
    size_t tail_scratch; /* floats of scratch per row that finish() needs */
    const void *ctx;     /* the adapter's own state, passed to every function below */
    /* xp (rows, d) = preprocessed x (rows, d). */
    void (*preprocess)(const void *ctx, const float *x, size_t rows, float *xp);
    /* pre (rows, h) = W xp + b for preprocessed rows xp (rows, d). */
    void (*preact)(const void *ctx, const float *xp, size_t rows, float *pre);
    /* In place: the first activation. */
    void (*activate)(const void *ctx, float *pre, size_t rows);
    /* out (rows, k) = the rest of the model from activated rows hid (rows, h); scratch holds
     * rows * tail_scratch floats. Non-finite outputs are left for the caller to detect.
     * SHAPC_ENOMEM or an adapter's own failure. */
    shapc_status (*finish)(const void *ctx, const float *hid, size_t rows, float *out,
                           float *scratch, shapc_error *err);
} shapc__first_stage;

/* The model's first stage, or NULL when it has none (callbacks, processes, plugins,
 * convolutional or text models). Borrowed: valid while the model lives. */
const shapc__first_stage *shapc__model_first_stage(const shapc_model *model);

/* Gives the model a first stage (copied; what it points to must live as long as the model,
 * e.g. inside the model's user pointer). SHAPC_ENOMEM leaves the model without one. */
shapc_status shapc__model_set_first_stage(shapc_model *model, const shapc__first_stage *stage,
                                          shapc_error *err);

#endif /* SHAPC_MODEL_FIRST_STAGE_H */
