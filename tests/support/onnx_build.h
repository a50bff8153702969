/* onnx_build.h - builds small ONNX models in memory for the tests, with protobuf-c (the same
 * generated code the library parses with), so no model file is committed.
 *
 *   ob_model *m = ob_new(13);
 *   ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 4});      // -1: symbolic ("batch")
 *   ob_init(m, "w", 2, (int64_t[]){3, 4}, w);              // float initializer
 *   ob_node *n = ob_node_new(m, "Gemm", "fc", "x,w,b", "y");
 *   ob_attr_int(n, "transB", 1);
 *   ob_output(m, "y");
 *   unsigned char *bytes; size_t len; ob_pack(m, &bytes, &len); ob_free(m);
 *
 * Everything is malloc'd (test code: allocation failures abort). */
#ifndef SHAPC_TEST_ONNX_BUILD_H
#define SHAPC_TEST_ONNX_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "onnx.pb-c.h"
#include "shapc/model.h"

#define OB_FLOAT 1
#define OB_INT64 7

typedef struct ob_model ob_model;
typedef Onnx__NodeProto ob_node;

ob_model *ob_new(int64_t opset);
void ob_free(ob_model *m);
/* Graph input of element type `type` and rank dims (-1: a symbolic dimension). */
void ob_input(ob_model *m, const char *name, int type, size_t rank, const int64_t *dims);
void ob_output(ob_model *m, const char *name);
/* Initializers, copied. */
void ob_init(ob_model *m, const char *name, size_t rank, const int64_t *dims, const float *v);
/* A float initializer whose raw data need not match its dims (for malformed files). */
void ob_init_raw(ob_model *m, const char *name, size_t rank, const int64_t *dims,
                 const void *bytes, size_t n_bytes);
void ob_init_i64(ob_model *m, const char *name, size_t rank, const int64_t *dims,
                 const int64_t *v);
/* A node; inputs and outputs are comma-separated names ("" entries allowed). */
ob_node *ob_node_new(ob_model *m, const char *op, const char *name, const char *inputs,
                     const char *outputs);
void ob_attr_int(ob_node *n, const char *name, int64_t v);
void ob_attr_float(ob_node *n, const char *name, float v);
void ob_attr_ints(ob_node *n, const char *name, size_t count, const int64_t *v);
void ob_meta(ob_model *m, const char *key, const char *value);
/* Serialises; *bytes malloc'd. */
void ob_pack(const ob_model *m, unsigned char **bytes, size_t *len);

/* ---- for the cmocka tests ---- */

/* Packs m and loads it as "test.onnx" (shapc__onnx_model_load_mem); ob_load_ok fails the
 * test with the loader's message unless it loads. m stays the caller's. */
shapc_status ob_load(ob_model *m, shapc_model **out, shapc_error *err);
shapc_model *ob_load_ok(ob_model *m);
/* Loads bytes (or m, which is freed) as "bad.onnx" expecting status st, no model, and a
 * one-line message starting with the file name and containing `what`. */
void ob_expect_bytes(const unsigned char *bytes, size_t len, shapc_status st, const char *what);
void ob_expect_fail(ob_model *m, shapc_status st, const char *what);
/* (B, 1, 2, 3) pixels -> Mul 1/255 -> Flatten -> Gemm 4 -> Relu -> Gemm 3 -> Softmax, fixed
 * weights, output names in the metadata. */
ob_model *ob_tiny_mlp(void);

#endif
