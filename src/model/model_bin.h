/* model_bin.h - internal entry points of the model.bin reader (model_bin.c).
 *
 * shapc_model_load reads a file into memory and parses it; the parsing half is exposed here
 * so the fuzzer (tests/fuzz/fuzz_model.c) and the regression tests can feed bytes directly
 * through exactly the same checks, without a temporary file per input. */
#ifndef SHAPC_MODEL_MODEL_BIN_H
#define SHAPC_MODEL_MODEL_BIN_H

#include <stddef.h>

#include "shapc/model.h"
#include "shapc/status.h"

/* Loads a model from the len bytes at data (a whole model.bin image, checksum included),
 * with the same validation and errors as shapc_model_load. `name` (NULL: "<memory>") starts
 * every message in place of the path. data is borrowed for the call; *out is owned by the
 * caller (shapc_model_free). */
shapc_status shapc__model_load_mem(const void *data, size_t len, const char *name,
                                   shapc_model **out, shapc_error *err);

#endif /* SHAPC_MODEL_MODEL_BIN_H */
