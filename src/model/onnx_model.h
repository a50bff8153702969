/* onnx_model.h - ONNX files as shapc models (onnx_model.c) and their first stage
 * (onnx_stage.c). */
#ifndef SHAPC_MODEL_ONNX_MODEL_H
#define SHAPC_MODEL_ONNX_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "model/first_stage.h"
#include "model/onnx_graph.h"
#include "model/onnx_plan.h"
#include "shapc/model.h"
#include "shapc/status.h"

/* 1 if the bytes look like an ONNX ModelProto rather than model.bin: protobuf writers emit
 * fields in number order and ONNX requires ir_version (field 1, a varint: tag byte 0x08),
 * so an ONNX file starts with 0x08. */
int shapc__onnx_sniff(const void *data, size_t len);

/* Loads an ONNX model from len bytes (shapc_model_load_onnx without the file). `name` starts
 * every message. Same errors as shapc_model_load_onnx. */
shapc_status shapc__onnx_model_load_mem(const void *data, size_t len, const char *name,
                                        shapc_model **out, shapc_error *err);

/* The adapter's state (the model's user pointer). */
typedef struct shapc__onnx_model {
    shapc__ox_graph *g;
    int in_v, out_v;        /* the runtime input and the output value */
    size_t d, k;            /* per row */
    int ids;                /* the input is int64 (token ids): rows of floats are converted */
    int64_t pad_id;         /* what an empty slot (-1) becomes, or -1: refused */
    size_t fixed;           /* 0: any batch size; else the graph runs exactly this many rows */
    size_t chunk;           /* rows per run */
    /* first stage (onnx_stage.c), when has_stage */
    int has_stage;
    size_t h;
    float *wt;              /* (d, h) owned */
    float *bias;            /* (h) owned */
    size_t *perm;           /* (d) owned, or NULL: storage index q of the dense input is raw
                             * feature perm[q] */
    size_t dense_pos;       /* position of the dense node in g->order */
    int dense_in;           /* the value the dense node reads */
    int pre_nodes;          /* elementwise nodes before it (0: preprocessing is a copy) */
    shapc__ox_act act;      /* a fused activation, or ... */
    int act_pos;            /* ... the position of an elementwise activation node, or -1 */
    float act_lo, act_hi;
    size_t finish_pos;      /* first position of the rest of the graph */
    int act_value;          /* the value the rest reads */
} shapc__onnx_model;

/* Runs positions [start, end) over n rows in chunks: binds `bind_value` from in (n rows of its
 * per-row size) and fetches `fetch_value` into out (n rows). */
shapc_status shapc__onnx_run_rows(const shapc__onnx_model *om, size_t start, size_t end,
                                  int bind_value, const void *in, int fetch_value, void *out,
                                  size_t n, shapc_error *err);

/* Looks for a dense first layer on the flattened input (Gemm, or MatMul [+ Add], possibly
 * after Flatten/Reshape, layout conversions and elementwise operators with constants) and
 * fills the stage fields of om; returns 1 and fills *out when found, 0 otherwise (nothing
 * allocated), -1 on out-of-memory. */
int shapc__onnx_stage_detect(shapc__onnx_model *om, shapc__first_stage *out);

#endif /* SHAPC_MODEL_ONNX_MODEL_H */
