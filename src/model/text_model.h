/* text_model.h - internal entry points of text models (text_model.c) used by the model.bin
 * reader and writer (model_bin.c). */
#ifndef SHAPC_MODEL_TEXT_MODEL_H
#define SHAPC_MODEL_TEXT_MODEL_H

#include <stddef.h>

#include "shapc/model.h"
#include "shapc/status.h"

/* Turns the dense model *model (just loaded from the main part of model.bin) into a text
 * model using the TEXT section payload p[0, len), which starts at byte `at` of the file
 * `name` (for messages). On success *model is replaced by the text model, which owns the
 * dense one; on failure *model is freed and set to NULL. Errors: SHAPC_ETRUNC, SHAPC_EFORMAT,
 * SHAPC_ERANGE, SHAPC_EUNSUPPORTED (newer TEXT version or tokenizer), SHAPC_ENONFINITE,
 * SHAPC_ENOMEM, each message starting with name. */
shapc_status shapc__text_model_wrap(shapc_model **model, const unsigned char *p, size_t len,
                                    size_t at, const char *name, shapc_error *err);

#endif /* SHAPC_MODEL_TEXT_MODEL_H */
