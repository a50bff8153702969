/* onnx_graph.h - the ONNX graph as shapc runs it: values, nodes and the compiled plan.
 *
 * Loading has two phases. onnx_load.c turns the protobuf (parsed by protobuf-c, never by
 * hand) into this representation: one value per tensor name, nodes with their inputs and
 * outputs as value indices, initializers as constants. onnx_infer.c then compiles it: nodes in
 * topological order (cycles and dangling inputs refused), every value's shape inferred, shape
 * subgraphs and constant subexpressions folded, the layout of image tensors chosen, and the
 * buffers of what is left planned so that memory is reused.
 *
 * Shapes are symbolic in the batch: each dimension is a * B + b for the batch size B, so a
 * graph compiled once runs any number of rows. Exporters compute reshape targets from the input
 * shape at run time (Shape -> Gather -> Unsqueeze -> Concat -> Reshape); with symbolic
 * dimensions those subgraphs fold at load time into "B, 784"-style targets.
 *
 * Runtime tensors are float32, or int64 for token ids and indices. Images (rank-4 NCHW in
 * ONNX) may be stored channels-last (NHWC) between operators that allow it, which is how the
 * convolutions reuse conv.c's im2col + sgemm and how (H, W, C) input rows need no transpose;
 * every value records which layout it is stored in, and its dims are always the logical NCHW
 * ones. */
#ifndef SHAPC_MODEL_ONNX_GRAPH_H
#define SHAPC_MODEL_ONNX_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "shapc/status.h"

#define SHAPC__OX_MAX_RANK 8
#define SHAPC__OX_MAX_IO 8          /* inputs or outputs of one node (Concat may have more:
                                     * its inputs live in `in` too, see n_in) */
#define SHAPC__OX_MAX_ELEMS ((int64_t)1 << 28) /* elements of one tensor per batch row (1 GiB
                                                * of float32): anything larger is refused */
#define SHAPC__OX_OPSET_MIN 11
#define SHAPC__OX_OPSET_MAX 17

/* ONNX TensorProto.DataType codes of the two element types shapc runs. */
#define SHAPC__OX_F32 1
#define SHAPC__OX_I64 7

/* A dimension a * B + b of the batch size B (a = 0: a plain number). */
typedef struct shapc__sdim {
    int64_t a, b;
} shapc__sdim;

typedef enum shapc__ox_kind {
    SHAPC__OX_RUNTIME = 0, /* computed on every call */
    SHAPC__OX_CONST = 1,   /* known at load: float data, or int64 data in `sym` */
} shapc__ox_kind;

/* Operators. The list of docs/onnx.md plus the internal layout conversions. */
#define SHAPC__OX_OPS(X)                                                                     \
    X(ADD, "Add") X(SUB, "Sub") X(MUL, "Mul") X(DIV, "Div") X(POW, "Pow")                    \
    X(SQRT, "Sqrt") X(ERF, "Erf") X(RELU, "Relu") X(LEAKYRELU, "LeakyRelu") X(CLIP, "Clip")   \
    X(SIGMOID, "Sigmoid") X(TANH, "Tanh") X(SOFTMAX, "Softmax") X(GEMM, "Gemm")              \
    X(MATMUL, "MatMul") X(CONV, "Conv") X(BATCHNORM, "BatchNormalization")                   \
    X(MAXPOOL, "MaxPool") X(AVGPOOL, "AveragePool") X(GAVGPOOL, "GlobalAveragePool")          \
    X(FLATTEN, "Flatten") X(RESHAPE, "Reshape") X(TRANSPOSE, "Transpose")                    \
    X(CONCAT, "Concat") X(SQUEEZE, "Squeeze") X(UNSQUEEZE, "Unsqueeze") X(GATHER, "Gather")  \
    X(IDENTITY, "Identity") X(DROPOUT, "Dropout") X(CAST, "Cast")                            \
    X(LAYERNORM, "LayerNormalization") X(REDUCEMEAN, "ReduceMean") X(SHAPE, "Shape")         \
    X(CONSTANT, "Constant") X(TO_NHWC, "(to NHWC)") X(TO_NCHW, "(to NCHW)")

typedef enum shapc__ox_op {
#define SHAPC__OX_OP_ENUM_(id, name) SHAPC__OX_OP_##id,
    SHAPC__OX_OPS(SHAPC__OX_OP_ENUM_)
#undef SHAPC__OX_OP_ENUM_
    SHAPC__OX_OP_COUNT_
} shapc__ox_op;

/* The operator's ONNX name ("Conv"); "?" outside the enum. */
const char *shapc__ox_op_name(shapc__ox_op op);

/* Elementwise activations a node may apply to its own output (fused at compile time). */
typedef enum shapc__ox_act {
    SHAPC__OX_ACT_NONE = 0,
    SHAPC__OX_ACT_RELU,
    SHAPC__OX_ACT_CLIP, /* min(max(x, lo), hi) */
} shapc__ox_act;

/* Attributes, resolved at compile time; each operator reads the fields it documents in its
 * kernel file. */
typedef struct shapc__ox_attrs {
    int64_t axis;
    int trans_a, trans_b, keepdims, allowzero, ceil_mode, count_include_pad;
    int64_t group;
    float alpha, beta, epsilon, lo, hi;
    size_t n_ints;
    int64_t ints[SHAPC__OX_MAX_RANK]; /* Transpose perm, Squeeze/Unsqueeze/ReduceMean axes,
                                       * Shape start/end */
    /* Conv and pooling (2-D): window, strides, dilations, padding top/left/bottom/right */
    size_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
    int cast_to;                      /* Cast: SHAPC__OX_F32 or SHAPC__OX_I64 */
    shapc__ox_act act;                /* fused activation of the output */
    float act_lo, act_hi;
} shapc__ox_attrs;

typedef struct shapc__ox_value {
    char *name;        /* owned */
    int dtype;         /* SHAPC__OX_F32 or SHAPC__OX_I64; 0 until inferred */
    shapc__ox_kind kind;
    size_t rank;
    shapc__sdim dim[SHAPC__OX_MAX_RANK];
    float *data;       /* CONST float: (product of dims) owned */
    shapc__sdim *sym;  /* CONST int64: element values, owned (int64 data with a = 0) */
    int64_t *idata;    /* CONST int64 read by a runtime kernel: the b parts, owned */
    int producer;      /* node index, or -1 for graph inputs and initializers */
    int is_input;      /* a runtime graph input */
    int shaped;        /* dtype and dims known (inference reached it) */
    int nhwc;          /* rank-4 float stored (N, H, W, C) */
    int n_uses;        /* number of node inputs reading it (+1 per graph output) */
    /* plan */
    int buffer;        /* buffer id, or -1 (constants, the bound input) */
} shapc__ox_value;

typedef struct shapc__ox_node {
    char *name;          /* owned; "" when the file gave none */
    shapc__ox_op op;
    size_t n_in, n_out;
    int *in, *out;       /* owned; value indices, -1 for an omitted optional input */
    shapc__ox_attrs at;
    int alias;           /* output 0 shares input 0's memory (reshape-like, elided layout
                          * conversions) */
    int in_place;        /* output 0 is written over input 0's buffer */
    int dead;            /* removed by folding or fusion */
    void *proto;         /* the protobuf node during compilation, else NULL (borrowed) */
} shapc__ox_node;

typedef struct shapc__ox_graph {
    char *path;              /* owned: names the file in every message */
    int64_t opset;           /* of the default domain */
    size_t n_values, cap_values;
    shapc__ox_value *values;
    size_t n_nodes, cap_nodes;
    shapc__ox_node *nodes;   /* in topological order once compiled */
    size_t n_inputs, n_outputs;
    int *inputs, *outputs;   /* runtime graph inputs and the graph outputs (value indices) */
    size_t n_meta;
    char **meta_keys, **meta_values; /* metadata_props, owned */
    /* compiled */
    int compiled;
    int batch_symbolic;      /* dims of runtime inputs carry the batch (a = 1 at axis 0) */
    size_t n_buffers;
    int *buffer_last;        /* (n_buffers) index of the last node reading each buffer */
    int *order;              /* (n_nodes) live nodes in execution order; n_order of them */
    size_t n_order;
    size_t n_protos;         /* protobuf model kept while compiling (onnx_load.c) */
    void *proto_model;
} shapc__ox_graph;

/* ---- loading (onnx_load.c) ---- */

/* Parses len bytes of an ONNX ModelProto: values, nodes (attributes read later), initializers
 * (float32 and int64, converted from int32; others refused), metadata, opset (11..17 of the
 * default domain; other domains refused). `name` starts every message. Missing graph, empty
 * names, duplicate producers and undefined inputs are SHAPC_EFORMAT; unknown operators
 * SHAPC_EUNSUPPORTED naming the node, its op type and the opset. *out is owned by the caller
 * (shapc__ox_graph_free); the protobuf message stays attached until compilation ends. */
shapc_status shapc__ox_parse(const void *data, size_t len, const char *name,
                             shapc__ox_graph **out, shapc_error *err);
void shapc__ox_graph_free(shapc__ox_graph *g); /* NULL allowed */

/* Index of the value called `name`, or -1. */
int shapc__ox_find_value(const shapc__ox_graph *g, const char *name);

/* Turns runtime graph input `name` into a constant with the given data (the conformance runner
 * binds the shape and axes inputs of node tests this way). dtype SHAPC__OX_F32 (fdata) or
 * SHAPC__OX_I64 (idata); copied. SHAPC_EINVAL if there is no such input. */
shapc_status shapc__ox_bind_const(shapc__ox_graph *g, const char *name, int dtype, size_t rank,
                                  const int64_t *dims, const float *fdata, const int64_t *idata,
                                  shapc_error *err);

/* A metadata_props value, or NULL. Borrowed. */
const char *shapc__ox_meta(const shapc__ox_graph *g, const char *key);

/* Internal helpers shared by the compile passes. */
int shapc__ox_add_value(shapc__ox_graph *g, const char *name);      /* index, -1 on ENOMEM */
int shapc__ox_add_node(shapc__ox_graph *g, shapc__ox_op op, size_t n_in, size_t n_out,
                       const char *name);                          /* index, -1 on ENOMEM */

/* ---- compiling (onnx_infer.c) ---- */

typedef struct shapc__ox_compile_opts {
    int batch_symbolic; /* 1: dim 0 of every runtime input is the batch B; 0: as declared */
    int input_nhwc;     /* 1: a rank-4 float runtime input arrives as (N, H, W, C) rows */
} shapc__ox_compile_opts;

/* Orders, infers, folds, lays out and plans the graph (see the top of this file). Refusals
 * name the node ("model.onnx: node 'conv1' (Conv, opset 13): ..."). Releases the protobuf
 * message whatever the outcome. */
shapc_status shapc__ox_compile(shapc__ox_graph *g, const shapc__ox_compile_opts *o,
                               shapc_error *err);

/* "model.onnx: node 'conv1' (Conv, opset 13): " prefix for messages about node i. */
void shapc__ox_node_prefix(const shapc__ox_graph *g, const shapc__ox_node *nd, char *buf,
                           size_t cap);

/* Number of elements of value v at batch size n (dims evaluated); 0 on overflow. */
size_t shapc__ox_count(const shapc__ox_value *v, size_t n);

#endif /* SHAPC_MODEL_ONNX_GRAPH_H */
