/* onnx_plan.h - the last compilation steps of an ONNX graph (onnx_plan.c) and its execution
 * (onnx_exec.c). */
#ifndef SHAPC_MODEL_ONNX_PLAN_H
#define SHAPC_MODEL_ONNX_PLAN_H

#include <stddef.h>

#include "model/onnx_graph.h"
#include "model/onnx_ops.h"
#include "shapc/status.h"

/* After inference and folding: chooses the storage layout of image tensors (inserting
 * conversions), fuses BatchNormalization into a preceding Conv and activations into their
 * producer, and assigns buffers (aliases and in-place operators share their input's buffer;
 * buffer_last records where each buffer dies). */
shapc_status shapc__ox_plan(shapc__ox_graph *g, const shapc__ox_compile_opts *o,
                            shapc_error *err);

/* Scratch of one caller: reused across calls by the same thread, never shared. */
typedef struct shapc__ox_ws {
    unsigned char *arena;
    size_t cap;
    size_t *offset;            /* (n_buffers) byte offsets of this run, SIZE_MAX = unused */
    shapc__ox_tensor *tensors; /* (n_values) */
    size_t n_offset, n_tensors;
} shapc__ox_ws;

void shapc__ox_ws_free(shapc__ox_ws *ws); /* releases the contents; ws itself is the caller's */

/* A value given by the caller for one run (bind: data in the value's storage layout and
 * type, dims evaluated at the run's batch size), or wanted from it (fetch: copied out the
 * same way; constant values are copied too). */
typedef struct shapc__ox_bind {
    int value;
    const void *data;
} shapc__ox_bind;

typedef struct shapc__ox_fetch {
    int value;
    void *data;
} shapc__ox_fetch;

/* Runs the live nodes at positions [start, end) of g->order at batch size n: binds the given
 * values (for start = 0 the runtime graph inputs; a later start binds what the remaining
 * nodes read that is produced earlier), runs, then copies out the fetched values, which must
 * be bound, constant, or produced in the range and still live at its end (graph outputs are
 * when end = n_order). Scratch in ws. SHAPC_ENOMEM, a kernel's error, SHAPC_ERANGE when the
 * tensors at n do not fit in memory. */
shapc_status shapc__ox_execute(const shapc__ox_graph *g, shapc__ox_ws *ws, size_t n,
                               size_t start, size_t end, size_t n_bind,
                               const shapc__ox_bind *bind, size_t n_fetch,
                               const shapc__ox_fetch *fetch, shapc_error *err);

/* Bytes of scratch a run of n rows needs (SIZE_MAX when it overflows): to choose how many
 * rows to evaluate at once. */
size_t shapc__ox_arena_bytes(const shapc__ox_graph *g, size_t n, size_t start);

#endif /* SHAPC_MODEL_ONNX_PLAN_H */
