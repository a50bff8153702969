/* onnx_proto.h - the few places that touch protobuf-c's generated ONNX types.
 *
 * The C code comes from protoc-c run at build time over Debian's onnx.proto (CMakeLists.txt,
 * cmake/onnx_proto.cmake); only onnx_load.c, onnx_infer.c and the conformance runner include
 * this header. Every protobuf-c allocation goes through shapc__malloc (util/alloc.h), so
 * out-of-memory injection reaches the protobuf parser too. */
#ifndef SHAPC_MODEL_ONNX_PROTO_H
#define SHAPC_MODEL_ONNX_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "model/onnx_graph.h"
#include "onnx.pb-c.h"
#include "shapc/status.h"

/* A decoded TensorProto: float32 or int64 elements (int32 and bool widen to int64; other
 * element types are refused), rank and dims. f or i owned (shapc__free) according to dtype;
 * NULL when count is 0. */
typedef struct shapc__ox_tdata {
    int dtype;
    size_t rank;
    int64_t dims[SHAPC__OX_MAX_RANK];
    size_t count;
    float *f;
    int64_t *i;
} shapc__ox_tdata;

/* Decodes t (raw_data little-endian or the typed repeated field) after checking its dims
 * (0..SHAPC__OX_MAX_ELEMS elements, rank <= 8) against the bytes present. `what` names it in
 * messages ("path: initializer 'fc.weight': ..."). SHAPC_EFORMAT (size mismatch, negative
 * dims), SHAPC_EUNSUPPORTED (element types other than float32, int64, int32, bool; external
 * data), SHAPC_ERANGE, SHAPC_ENOMEM. */
shapc_status shapc__ox_tensor_decode(const Onnx__TensorProto *t, const char *path,
                                     const char *what, shapc__ox_tdata *out, shapc_error *err);
void shapc__ox_tdata_free(shapc__ox_tdata *t);

/* protobuf-c unpacking with the library's allocator; NULL for malformed or truncated input or
 * out of memory (protobuf-c does not say which). Free with shapc__ox_unpacked_free. */
Onnx__ModelProto *shapc__ox_unpack_model(const void *data, size_t len);
Onnx__TensorProto *shapc__ox_unpack_tensor(const void *data, size_t len);
void shapc__ox_unpacked_free(void *message); /* either kind; NULL allowed */

/* "FLOAT", "UINT8", ... for messages; "type N" for unknown codes (buf holds it). */
const char *shapc__ox_dtype_name(int32_t code, char *buf, size_t cap);

#endif /* SHAPC_MODEL_ONNX_PROTO_H */
