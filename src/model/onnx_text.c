/* onnx_text.c - ONNX sequence classifiers as shapc text models (onnx_text.h). */
#include "model/onnx_text.h"

shapc_status shapc__onnx_text_setup(shapc__onnx_model *om, shapc_error *err)
{
    (void)om;
    (void)err;
    return SHAPC_OK;
}

shapc_status shapc__onnx_text_wrap(shapc_model **model, shapc_error *err)
{
    (void)model;
    (void)err;
    return SHAPC_OK;
}
