/* onnx_text.h - ONNX sequence classifiers as shapc text models (onnx_text.c, docs/onnx.md
 * "Text models"). */
#ifndef SHAPC_MODEL_ONNX_TEXT_H
#define SHAPC_MODEL_ONNX_TEXT_H

#include "model/onnx_model.h"
#include "shapc/model.h"
#include "shapc/status.h"

/* Reads the text metadata of om's graph (pad id) before the model is created. SHAPC_EFORMAT
 * for malformed metadata. */
shapc_status shapc__onnx_text_setup(shapc__onnx_model *om, shapc_error *err);

/* When the graph's metadata holds a vocabulary, replaces *model (an ONNX model over token
 * ids) by a text model wrapping it (include/shapc/text.h); otherwise leaves it. On failure
 * *model is freed and set to NULL. */
shapc_status shapc__onnx_text_wrap(shapc_model **model, shapc_error *err);

#endif /* SHAPC_MODEL_ONNX_TEXT_H */
