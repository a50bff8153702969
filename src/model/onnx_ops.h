/* onnx_ops.h - the operator table of the ONNX executor: per operator, shape inference (run
 * once, at load) and a kernel over concrete tensors (run per batch, and at load to fold nodes
 * whose inputs are all known).
 *
 * Kernel files: onnx_ops_elem.c (elementwise, broadcasting, activations, Cast),
 * onnx_ops_linalg.c (Gemm, MatMul, Softmax, LayerNormalization, ReduceMean),
 * onnx_ops_nn.c (Conv, BatchNormalization, pooling, layout conversions), onnx_ops_shape.c
 * (Flatten, Reshape, Transpose, Concat, Squeeze, Unsqueeze, Gather, Shape, Constant,
 * Identity, Dropout). Semantics follow the ONNX operator specification (onnx/docs/
 * Operators.md) of opsets 11-17; where an opset changed an operator the inference function
 * reads g->opset. */
#ifndef SHAPC_MODEL_ONNX_OPS_H
#define SHAPC_MODEL_ONNX_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "model/onnx_graph.h"
#include "shapc/status.h"

/* A tensor with concrete dims during one evaluation. dims are the logical (ONNX) ones; an
 * NHWC tensor stores (N, H, W, C) = (dim[0], dim[2], dim[3], dim[1]). */
typedef struct shapc__ox_tensor {
    float *f;         /* float32 data, or NULL */
    int64_t *i;       /* int64 data, or NULL */
    size_t rank;
    size_t dim[SHAPC__OX_MAX_RANK];
    size_t count;     /* product of dim */
    int nhwc;
} shapc__ox_tensor;

/* Compile-time context of one node's inference. */
typedef struct shapc__ox_ictx {
    shapc__ox_graph *g;
    shapc__ox_node *nd;
    int index;        /* node index */
    shapc_error *err;
} shapc__ox_ictx;

typedef shapc_status (*shapc__ox_infer_fn)(shapc__ox_ictx *c);
/* in: n_in tensors (an omitted input has count 0 and no data); out: n_out tensors with dims
 * and storage set by the caller. Kernels never allocate their outputs. */
typedef shapc_status (*shapc__ox_run_fn)(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                                         shapc__ox_tensor *out, shapc_error *err);

enum {
    SHAPC__OX_F_UNARY = 1,  /* elementwise on input 0: may run in place, keeps the layout */
    SHAPC__OX_F_BINARY = 2, /* broadcasting elementwise on inputs 0 and 1 */
    SHAPC__OX_F_ALIAS = 4,  /* output 0 is input 0's data under other dims */
    SHAPC__OX_F_NHWC = 8    /* its kernel takes channels-last rank-4 inputs */
};

typedef struct shapc__ox_op_info {
    shapc__ox_infer_fn infer;
    shapc__ox_run_fn run;
    unsigned flags;
} shapc__ox_op_info;

/* The entry of op (never NULL for the operators of SHAPC__OX_OPS). */
const shapc__ox_op_info *shapc__ox_op_info_of(shapc__ox_op op);

/* ---- per-file tables: the entry of op if that file implements it, else NULL ---- */
const shapc__ox_op_info *shapc__ox_info_elem(shapc__ox_op op);
const shapc__ox_op_info *shapc__ox_info_linalg(shapc__ox_op op);
const shapc__ox_op_info *shapc__ox_info_nn(shapc__ox_op op);
const shapc__ox_op_info *shapc__ox_info_shape(shapc__ox_op op);

/* ---- helpers for inference functions (onnx_infer.c) ---- */

/* Records "path: node 'n' (Op, opset N): <message>" and returns st. */
shapc_status shapc__ox_fail(shapc__ox_ictx *c, shapc_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Input k's value, or NULL when omitted (k >= n_in or an empty name). */
shapc__ox_value *shapc__ox_in(shapc__ox_ictx *c, size_t k);
/* Output k's value, or NULL when not requested. */
shapc__ox_value *shapc__ox_out(shapc__ox_ictx *c, size_t k);
/* Fails unless the node has min..max inputs, input 0 present. */
shapc_status shapc__ox_need_inputs(shapc__ox_ictx *c, size_t min, size_t max);
/* Fails unless input k is present and of element type dtype. */
shapc_status shapc__ox_need_type(shapc__ox_ictx *c, size_t k, int dtype);
/* Fails if any output beyond the first `n` is requested. */
shapc_status shapc__ox_only_outputs(shapc__ox_ictx *c, size_t n);
/* Sets output k's type and dims (copied) after checking every dim: a >= 0, b within range,
 * and the element count at batch 1 at most SHAPC__OX_MAX_ELEMS. */
shapc_status shapc__ox_set_out(shapc__ox_ictx *c, size_t k, int dtype, size_t rank,
                               const shapc__sdim *dim);

/* Attribute readers: 1 if present (value stored), 0 if absent; SHAPC_EFORMAT through *st on a
 * wrong attribute type (st untouched otherwise). */
int shapc__ox_attr_int(shapc__ox_ictx *c, const char *name, int64_t *v, shapc_status *st);
int shapc__ox_attr_float(shapc__ox_ictx *c, const char *name, float *v, shapc_status *st);
int shapc__ox_attr_ints(shapc__ox_ictx *c, const char *name, size_t max, int64_t *v, size_t *n,
                        shapc_status *st);
int shapc__ox_attr_string(shapc__ox_ictx *c, const char *name, char *v, size_t cap,
                          shapc_status *st);
/* Constant node values: fills output 0 from the 'value' tensor or value_float(s)/int(s). */
shapc_status shapc__ox_constant_from_attr(shapc__ox_ictx *c);

/* Normalises axis (-rank..rank-1, or -rank-1..rank with allow_end) into *out. */
shapc_status shapc__ox_axis(shapc__ox_ictx *c, int64_t axis, size_t rank, int allow_end,
                            size_t *out);

/* Applies the node's fused activation (at->act) to n floats in place (onnx_ops_elem.c). */
void shapc__ox_apply_act(const shapc__ox_attrs *at, float *y, size_t n);

/* Largest dimension handed to BLAS (its int). */
#define SHAPC__OX_BLAS_MAX ((size_t)0x7fffffff)

/* ---- symbolic dims ---- */
static inline shapc__sdim shapc__sd(int64_t b)
{
    shapc__sdim d = {0, b};
    return d;
}
static inline int shapc__sd_eq(shapc__sdim x, shapc__sdim y) { return x.a == y.a && x.b == y.b; }
static inline int shapc__sd_is(shapc__sdim x, int64_t b) { return x.a == 0 && x.b == b; }
/* x * y when at most one depends on the batch; 0 if not representable. */
int shapc__sd_mul(shapc__sdim x, shapc__sdim y, shapc__sdim *out);
/* Broadcasts two dims (numpy rules); 0 if incompatible. */
int shapc__sd_broadcast(shapc__sdim x, shapc__sdim y, shapc__sdim *out);

/* Concrete dims of broadcasting inputs (numpy rules, right-aligned) into out_dim (rank =
 * max rank): used by binary kernels. Returns 0 on a mismatch. */
int shapc__ox_broadcast_dims(const shapc__ox_tensor *a, const shapc__ox_tensor *b, size_t *rank,
                             size_t *dim);

#endif /* SHAPC_MODEL_ONNX_OPS_H */
