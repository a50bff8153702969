/* model_impl.h - the private layout of shapc_model, shared by the files of src/model/.
 *
 * Every model is a callback adapter: a predict function plus a user pointer. A native model
 * (model.bin or a spec) is the same adapter whose user pointer is its dense network
 * (native.h), freed through user_free; `native` aliases that pointer for the description. What
 * the explainer may exploit of a model's structure is a capability of its own (first_stage.h),
 * offered by any adapter. */
#ifndef SHAPC_MODEL_IMPL_H
#define SHAPC_MODEL_IMPL_H

#include <stddef.h>

#include "shapc/data.h"
#include "shapc/model.h"
#include "shapc/status.h"

#define SHAPC__MODEL_MAX_RANK 4 /* input shape metadata: at most (h, w, c) plus one more */

typedef struct shapc__native_net shapc__native_net; /* native.h */

struct shapc_model {
    size_t d, k;                /* inputs per row, outputs per row (both >= 1) */
    shapc_predict_fn predict;
    void *user;
    void (*user_free)(void *);  /* non-NULL: the model owns `user` */
    size_t input_rank;          /* 1..SHAPC__MODEL_MAX_RANK; product of input_shape == d */
    size_t input_shape[SHAPC__MODEL_MAX_RANK];
    char **output_names;        /* k owned strings */
    shapc_array *background;    /* owned, float32 (n, d), or NULL */
    float *background_weights;  /* owned, (n) summing to 1, or NULL (uniform / no background) */
    char *describe;             /* owned; rebuilt whenever the input shape changes */
    char *kind_label;           /* owned, e.g. "process 'python3 serve.py'"; NULL: "native" or
                                 * "callback". Leads the description. */
    shapc__native_net *native;  /* alias of `user` for native models (their description), else
                                 * NULL */
    struct shapc__first_stage *first_stage; /* owned, or NULL: first_stage.h */
};

/* Gives the model its embedded background: takes ownership of `background` (float32 (n, d))
 * and `weights` ((n) summing to 1, or NULL) and releases any previous set. Never fails. */
void shapc__model_take_background(shapc_model *model, shapc_array *background, float *weights);

/* Sets the label that leads the description ("LABEL: 28x28x1 -> 10") and rebuilds it, so
 * adapters built on callbacks (process, plugin) describe themselves and keep doing so when
 * the input shape changes. SHAPC_ENOMEM leaves the model as it was. */
shapc_status shapc__model_set_kind_label(shapc_model *model, const char *label);

#endif /* SHAPC_MODEL_IMPL_H */
