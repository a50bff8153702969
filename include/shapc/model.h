/* model.h - model adapters: the only way the explainer sees a model.
 *
 * A shapc_model wraps a black-box batch predict function mapping n rows of d float32 inputs
 * (row-major, raw input units) to n x k float32 outputs. Kinds:
 *   - callback adapters (shapc_model_create): any C function, with a user pointer;
 *   - native models (shapc_model_load / shapc_model_from_spec): the documented model.bin
 *     format (docs/model-format.md) - input shape, preprocessing, a stack of dense layers run
 *     through cblas_sgemm, output names and an optional embedded background set;
 *   - ONNX models (shapc_model_load_onnx, or shapc_model_load by content): graphs run by
 *     shapc's own executor (docs/onnx.md);
 *   - external processes and plugins (below).
 * Both carry metadata used by the CLI and plots: the input shape (28x28x1 for an image) and the
 * output names (class labels).
 *
 * Thread-safety: shapc_model_predict on a native model is reentrant (scratch is per call).
 * A callback adapter is as thread-safe as its callback; the explainer calls it from the
 * thread that called shapc_kernel_explain. */
#ifndef SHAPC_MODEL_H
#define SHAPC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "shapc/data.h"
#include "shapc/export.h"
#include "shapc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct shapc_model shapc_model; /* opaque */

/* The black box. x: (n, d) row-major float32 (borrowed for the call); out: (n, k) row-major
 * float32 to fill. Return SHAPC_OK, or a status with a message via shapc_error_set(err, ...).
 * shapc_model_predict rejects non-finite outputs on the callback's behalf. */
typedef shapc_status (*shapc_predict_fn)(void *user, const float *x, size_t n, float *out,
                                         shapc_error *err);

/* Wraps a callback. user is borrowed unless user_free is non-NULL, in which case the model
 * owns it and calls user_free(user) in shapc_model_free. d, k >= 1. The default input shape
 * is (d) and the default output names are "0", "1", ... On failure the model takes nothing:
 * the caller still owns user. */
SHAPC_API shapc_status shapc_model_create(size_t d, size_t k, shapc_predict_fn predict, void *user,
                                          void (*user_free)(void *), shapc_model **out,
                                          shapc_error *err);
/* Releases the model (and an owned user pointer); NULL is allowed. */
SHAPC_API void shapc_model_free(shapc_model *model);

/* Runs the model on n rows. x: (n, d); out: (n, k); n = 0 is a no-op. If the callback fails,
 * returns its status and message (SHAPC_EMODEL for an out-of-range status; a generic message
 * if it set none); SHAPC_ENONFINITE if any output is NaN or infinite ("model output row 3,
 * column 2 is NaN"). */
SHAPC_API shapc_status shapc_model_predict(const shapc_model *model, const float *x, size_t n,
                                           float *out, shapc_error *err);

SHAPC_API size_t shapc_model_n_inputs(const shapc_model *model);  /* d */
SHAPC_API size_t shapc_model_n_outputs(const shapc_model *model); /* k */

/* Input shape metadata: product must equal d. Copied. e.g. {28, 28, 1} (height, width,
 * channels - channels last). */
SHAPC_API shapc_status shapc_model_set_input_shape(shapc_model *model, size_t rank,
                                                   const size_t *shape, shapc_error *err);
SHAPC_API size_t shapc_model_input_rank(const shapc_model *model);
SHAPC_API const size_t *shapc_model_input_shape(const shapc_model *model);

/* Output names: k strings, copied. NULL resets to "0", "1", ... */
SHAPC_API shapc_status shapc_model_set_output_names(shapc_model *model, const char *const *names,
                                                    shapc_error *err);
/* Name of output i (borrowed; valid while the model lives); NULL if i >= k. */
SHAPC_API const char *shapc_model_output_name(const shapc_model *model, size_t i);

/* Embedded background set of a native model: (n, d) float32 rows in raw input units, row-major,
 * with *n_rows (may be NULL) set to n, and its row weights (n, summing to 1) or NULL for
 * uniform - the (rows, n, weights) triple shapc_kernel_create takes. Borrowed: valid while the
 * model lives. NULL (and *n_rows = 0) when the model has none. */
SHAPC_API const float *shapc_model_background(const shapc_model *model, size_t *n_rows);
SHAPC_API const float *shapc_model_background_weights(const shapc_model *model);

/* ---- native models (model.bin) ---- */

typedef enum shapc_activation {
    SHAPC_ACT_IDENTITY = 0,
    SHAPC_ACT_RELU = 1,
    SHAPC_ACT_SIGMOID = 2,
    SHAPC_ACT_TANH = 3,
    SHAPC_ACT_SOFTMAX = 4 /* over the layer's outputs; max-subtracted for stability */
} shapc_activation;

/* Layer kinds. Images are channels-last (height, width, channels) throughout, so n_in and
 * n_out of every kind stay the flattened sizes and chaining is checked the same way. */
typedef enum shapc_layer_kind {
    SHAPC_LAYER_DENSE = 1,
    SHAPC_LAYER_CONV2D = 2,         /* weights (out_c, kernel_h, kernel_w, in_c), bias (out_c) */
    SHAPC_LAYER_MAXPOOL = 3,        /* kernel_h x kernel_w window, per channel */
    SHAPC_LAYER_AVGPOOL = 4,        /* mean over the in-bounds cells of the window */
    SHAPC_LAYER_GLOBAL_AVGPOOL = 5, /* (in_h, in_w, in_c) -> (in_c) */
    SHAPC_LAYER_FLATTEN = 6         /* identity on the channels-last data: n_out = n_in */
} shapc_layer_kind;

/* Spatial padding of conv2d and pooling layers (TensorFlow's rules). valid: no padding,
 * out = (in - kernel) / stride + 1, kernel <= in. same: out = ceil(in / stride), the
 * padding max((out - 1) * stride + kernel - in, 0) split with the smaller half first. */
typedef enum shapc_padding { SHAPC_PAD_VALID = 0, SHAPC_PAD_SAME = 1 } shapc_padding;

/* One layer of a native model. Dense: y = act(W x + b), W (n_out, n_in) row-major.
 * Conv2d: weights (out_c, kernel_h, kernel_w, in_c), bias (out_c); its geometry comes from
 * shapc_model_spec.layer_geometry. Pooling, global pooling and flatten have no weights
 * (NULL) and take the identity activation. n_in / n_out are always the flattened sizes. */
typedef struct shapc_layer_spec {
    shapc_layer_kind kind;
    size_t n_in, n_out;
    const float *weights; /* (n_out, n_in), borrowed */
    const float *bias;    /* (n_out), borrowed */
    shapc_activation activation;
} shapc_layer_spec;

/* Geometry of a conv2d or pooling layer (kept out of shapc_layer_spec so positional
 * initialisers of dense layers stay complete). n_in must be in_h * in_w * in_c and n_out the
 * output size. Pooling and global pooling take out_c = 0 or in_c; global pooling takes
 * kernel, stride and padding 0. Ignored for dense and flatten layers. */
typedef struct shapc_layer_geometry {
    size_t in_h, in_w, in_c;   /* input image */
    size_t out_c;              /* conv2d: filters */
    size_t kernel_h, kernel_w; /* window */
    size_t stride;             /* >= 1, both directions */
    shapc_padding padding;
} shapc_layer_geometry;

/* Everything a native model holds; all pointers borrowed for the duration of the call that
 * takes the spec (shapc_model_from_spec and shapc_model_save copy what they keep). */
typedef struct shapc_model_spec {
    size_t size;                       /* sizeof(shapc_model_spec) as the caller was compiled:
                                        * set by shapc_model_spec_default(); lets later versions
                                        * append fields without breaking callers */
    size_t input_rank;                 /* 1..4 */
    size_t input_shape[4];             /* product = d = layers[0].n_in */
    float input_scale;                 /* applied first: x' = (x * scale - offset[i]) / ... */
    const float *input_offset;         /* (d) or NULL: x' = x * input_scale - offset[i] */
    const float *input_divisor;        /* (d) or NULL: then x' = (x*scale - offset[i]) / div[i] */
    size_t n_layers;
    const shapc_layer_spec *layers;    /* (n_layers) */
    const char *const *output_names;   /* (k) or NULL */
    size_t n_background;               /* 0 for none */
    const float *background;           /* (n_background, d), raw input units */
    const float *background_weights;   /* (n_background) or NULL for uniform */
    const shapc_layer_geometry *layer_geometry; /* (n_layers) or NULL: required when a
                                                 * conv2d or pooling layer is present */
} shapc_model_spec;

/* Zeroed spec with size set and input_scale = 1. A spec whose size is not the one this
 * library was built with is SHAPC_EINVAL in every function taking one. */
SHAPC_API shapc_model_spec shapc_model_spec_default(void);

/* Builds a native model from a spec (validates layer chaining and values; copies). */
SHAPC_API shapc_status shapc_model_from_spec(const shapc_model_spec *spec, shapc_model **out,
                                             shapc_error *err);
/* Writes a spec as model.bin atomically. */
SHAPC_API shapc_status shapc_model_save(const char *path, const shapc_model_spec *spec,
                                        shapc_error *err);
/* Loads model.bin. Validates magic, version, every size against the file length (before
 * allocating) and every value (finite weights, known activations, chained layer sizes).
 * Errors: SHAPC_EIO, SHAPC_EFORMAT, SHAPC_ETRUNC, SHAPC_ERANGE, SHAPC_EUNSUPPORTED (newer
 * version), SHAPC_ENONFINITE; the message names path, offset and the part being read.
 * A file that is an ONNX model by content (it starts as an ONNX protobuf does, not with the
 * model.bin magic) is loaded by shapc_model_load_onnx instead, whatever its name. */
SHAPC_API shapc_status shapc_model_load(const char *path, shapc_model **out, shapc_error *err);

/* ---- ONNX models (docs/onnx.md) ---- */

/* Loads an ONNX model (protobuf, parsed with protobuf-c) and compiles it for shapc's own
 * executor: float32 tensors, opsets 11-17, the operators docs/onnx.md lists. The graph must
 * have one runtime input and one output, each with the batch size as its first dimension
 * (a fixed first dimension works too). One model row is one batch entry, flattened:
 *   - d = the product of the input's other dims; an NCHW image input (rank 4) takes shapc's
 *     channels-last (H, W, C) rows, and its input shape metadata is (H, W, C);
 *   - an int64 input takes token ids as floats (-1: an empty slot);
 *   - k = the product of the output's other dims; output names come from the metadata key
 *     "shapc.output_names" (one per line), else "0", "1", ...
 * A graph whose metadata holds a vocabulary (docs/onnx.md) is a text model:
 * shapc_model_text finds its text view. ONNX files carry no background set:
 * shapc_model_background is NULL. When the graph starts with a dense layer on the flattened
 * input the explainer's first-layer fast path applies.
 * Anything the executor does not run is refused here, with one line naming the file and,
 * for an operator, the node, its op type and the opset: SHAPC_EIO (cannot read),
 * SHAPC_EFORMAT (not an ONNX protobuf, truncated, corrupted, dangling or missing inputs and
 * initializers, cycles, inconsistent shapes), SHAPC_ESHAPE (shapes that do not fit an
 * operator), SHAPC_EUNSUPPORTED (operators, opsets, element types, external data),
 * SHAPC_ERANGE (absurd dimensions, refused before anything of that size is allocated),
 * SHAPC_ENOMEM. *out is owned by the caller (shapc_model_free). The model is immutable:
 * predictions are reentrant (scratch per call), so threads may share it. */
SHAPC_API shapc_status shapc_model_load_onnx(const char *path, shapc_model **out,
                                             shapc_error *err);

/* Short human description ("native: 784 -> dense 128 relu -> dense 10 softmax"), borrowed. */
SHAPC_API const char *shapc_model_describe(const shapc_model *model);

/* ==== external-process and plugin adapters (src/model/process.c, plugin.c) ==== */

/* Options for shapc_model_open_process; start from shapc_process_options_default(). */
typedef struct shapc_process_options {
    size_t size;       /* sizeof(shapc_process_options) as the caller was compiled: set by
                        * shapc_process_options_default() (SHAPC_EINVAL otherwise) */
    size_t batch;      /* at most this many rows per request frame (>= 1); default 1024 */
    int timeout_ms;    /* longest wait for the handshake and for each reply frame, and for
                        * the child to take a request; <= 0 waits forever. Default 60000 */
    int pass_stderr;   /* 1: the child's stderr is ours (default); 0: /dev/null */
    const char *label; /* names the model in messages (copied); NULL: argv joined by spaces */
} shapc_process_options;

SHAPC_API shapc_process_options shapc_process_options_default(void);

/* Starts argv[0] (searched in PATH, no shell) with the remaining NULL-terminated argv as its
 * arguments (shapc_command_split, command.h, turns one command string into such an argv),
 * once, and keeps it running while the model lives. The model speaks the binary protocol of
 * docs/protocol.md over the child's stdin/stdout: a handshake giving d, k, the optional input
 * shape and output names, then one request frame of n x d float32 rows per
 * batch and one reply frame of n x k float32 values. shapc_model_predict splits calls into
 * frames of at most opt->batch rows. opt NULL = defaults.
 * Every message names the command: "model command 'python3 serve.py': exited with status 1
 * while a batch of 64 rows was in flight". Errors: SHAPC_EINVAL (empty argv), SHAPC_EIO
 * (cannot start, pipe failure, child exited or killed), SHAPC_EMODEL (the child reported an
 * error, timed out - it is then killed - or broke the protocol: bad magic e.g. text printed
 * to stdout, wrong version, wrong sizes, short frames), SHAPC_EUNSUPPORTED (newer protocol),
 * SHAPC_ENOMEM. After a protocol error or timeout the child is stopped and every later
 * predict fails with SHAPC_EMODEL. shapc_model_free closes the child's stdin, gives it a
 * moment to exit, then sends SIGTERM and later SIGKILL, and reaps it (no zombie, no fd left).
 * The library installs no signal handler: SIGPIPE is blocked in the calling thread around
 * writes and a pending one consumed. Predict calls on one model are serialised by a mutex.
 * Children inherit no descriptors of the library beyond stdin/stdout/stderr. */
SHAPC_API shapc_status shapc_model_open_process(const char *const *argv,
                                                const shapc_process_options *opt,
                                                shapc_model **out, shapc_error *err);

/* Loads a plugin shared object (include/shapc/plugin.h) with dlopen(RTLD_NOW | RTLD_LOCAL),
 * checks its ABI version, creates an instance with `arg` (may be NULL = "") and wraps it as a
 * model; shapc_model_free destroys the instance and dlcloses the library. path is used as
 * given (a name without '/' is searched by the dynamic loader; use "./lib.so" for a file in
 * the current directory). Errors name the path: SHAPC_EIO (dlopen failed, missing entry
 * symbol), SHAPC_EUNSUPPORTED (ABI version mismatch), SHAPC_EMODEL (create/describe failed or
 * returned invalid shapes; predict failures carry the plugin's last_error message).
 * Predict calls on one model are serialised by a mutex. */
SHAPC_API shapc_status shapc_model_open_plugin(const char *path, const char *arg,
                                               shapc_model **out, shapc_error *err);

/* ==== end of external-process and plugin adapters ==== */

#ifdef __cplusplus
}
#endif

#endif /* SHAPC_MODEL_H */
