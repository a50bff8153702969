/* native.h - the network behind native models and its batched forward pass.
 *
 * A network is: preprocessing x' = (x * scale - offset[i]) / divisor[i], then a chain of
 * layers - dense y = act(W x + b) with W (n_out, n_in) row-major, or the channels-last
 * convolution / pooling / flatten kinds of conv.h - evaluated a chunk of rows at a time with
 * cblas_sgemm. The network is immutable once built, so one network may be evaluated from
 * several threads at once: all scratch is allocated per call. */
#ifndef SHAPC_MODEL_NATIVE_H
#define SHAPC_MODEL_NATIVE_H

#include <stddef.h>

#include "model/activation.h"
#include "model/conv.h"
#include "shapc/model.h"
#include "shapc/status.h"

/* Largest layer width / input size accepted: cblas takes int dimensions. */
#define SHAPC__NATIVE_MAX_DIM ((size_t)0x7fffffff)

/* One layer of any kind (the name predates the other kinds). */
typedef struct shapc__dense_layer {
    size_t n_in, n_out;
    float *weights; /* dense (n_out, n_in) / conv2d (out_c, kh, kw, in_c), owned; else NULL */
    float *bias;    /* dense (n_out) / conv2d (out_c), owned; else NULL */
    shapc_activation activation;
    shapc_layer_kind kind;
    shapc__geom geom; /* conv2d and pooling kinds */
} shapc__dense_layer;

struct shapc__native_net {
    size_t d, k;          /* layers[0].n_in, layers[n_layers - 1].n_out */
    float input_scale;
    float *input_offset;  /* (d) owned, or NULL (no offset) */
    float *input_divisor; /* (d) owned, or NULL (no division) */
    size_t n_layers;      /* >= 1 */
    shapc__dense_layer *layers;
    size_t max_width;     /* max(d, every n_out): scratch floats per row */
    size_t col_floats;    /* im2col scratch of the largest conv2d layer (one image), or 0 */
    float *w1t;           /* (d, layers[0].n_out) owned: the first layer transposed; only
                           * when layers[0] is dense, else NULL */
};
typedef struct shapc__native_net shapc__native_net;

/* Checks a spec completely (shapes, chaining, finite values, known kinds and activations,
 * names, background) without copying anything; *d_out = product of the input shape.
 * SHAPC_EINVAL / ESHAPE / ERANGE / ENONFINITE / EUNSUPPORTED (unknown layer kind). */
shapc_status shapc__native_validate_spec(const shapc_model_spec *spec, size_t *d_out,
                                         shapc_error *err);

/* Copies the network part of a validated spec. SHAPC_ENOMEM. */
shapc_status shapc__native_net_create(const shapc_model_spec *spec, shapc__native_net **out,
                                      shapc_error *err);
/* Releases a network (void * so it serves as the model's user_free); NULL allowed. */
void shapc__native_net_free(void *net);

/* shapc_predict_fn over a network (user = the net): x (n, d) -> out (n, k). SHAPC_ENOMEM if
 * the per-call scratch cannot be allocated. */
shapc_status shapc__native_predict(void *user, const float *x, size_t n, float *out,
                                   shapc_error *err);

/* Describes a network whose first layer is dense as a first stage (first_stage.h), with the
 * network as its context; returns 0 (out untouched) for other networks. */
struct shapc__first_stage;
int shapc__native_first_stage(const shapc__native_net *net, struct shapc__first_stage *out);

/* ---- masked evaluation fast path ----------------------------------------------------------
 * Only for networks whose first layer is dense (callers check layers[0].kind). A masked row
 * differs from a background row (or from x) only in a few features, so its first layer
 * pre-activation is a precomputed one plus sum_f delta_f * w1t[f] (the explainer does
 * that part); these functions supply the precomputed pieces and finish the pass. */

/* dst (rows, d) = preprocessed x (rows, d). */
void shapc__native_preprocess(const shapc__native_net *net, const float *x, size_t rows,
                              float *dst);
/* pre (rows, h1) = W1 xp + b1 for preprocessed rows xp (rows, d). */
void shapc__native_first_preact(const shapc__native_net *net, const float *xp, size_t rows,
                                float *pre);
/* Scratch floats per row that shapc__native_forward_from_preact needs (includes the im2col
 * scratch of later conv2d layers, whatever the row count). */
size_t shapc__native_tail_scratch(const shapc__native_net *net);
/* Finishes the forward pass from first-layer pre-activations: pre (rows, h1) is overwritten,
 * out (rows, k) receives the outputs; scratch holds rows * tail_scratch floats. */
void shapc__native_forward_from_preact(const shapc__native_net *net, float *pre, size_t rows,
                                       float *out, float *scratch);
/* The same in two steps, for callers that apply the first activation themselves (fused with
 * building the pre-activations): activate in place, then the layers after the first. */
void shapc__native_activate_first(const shapc__native_net *net, float *pre, size_t rows);
void shapc__native_forward_from_hidden(const shapc__native_net *net, const float *hid,
                                       size_t rows, float *out, float *scratch);

#endif /* SHAPC_MODEL_NATIVE_H */
