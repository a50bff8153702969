/* model_bin.h - internal entry points of the model.bin reader (model_bin.c) and writer
 * (model_bin_write.c).
 *
 * shapc_model_load reads a file into memory and parses it; the parsing half is exposed here
 * so the fuzzer (tests/fuzz/fuzz_model.c) and the regression tests can feed bytes directly
 * through exactly the same checks, without a temporary file per input. */
#ifndef SHAPC_MODEL_MODEL_BIN_H
#define SHAPC_MODEL_MODEL_BIN_H

#include <stddef.h>
#include <stdint.h>

#include "shapc/model.h"
#include "shapc/status.h"

/* The file's first bytes and the format version this library writes and reads. */
#define SHAPC__MODEL_BIN_MAGIC "SHAPCMDL" /* without its NUL */
#define SHAPC__MODEL_BIN_MAGIC_LEN 8
#define SHAPC__MODEL_BIN_VERSION 1u

/* CRC-32 (zlib's) over n bytes, continuing from crc: the file's checksum trailer. */
uint32_t shapc__model_bin_crc(uint32_t crc, const unsigned char *p, size_t n);

/* Loads a model from the len bytes at data (a whole model.bin image, checksum included),
 * with the same validation and errors as shapc_model_load. `name` (NULL: "<memory>") starts
 * every message in place of the path. data is borrowed for the call; *out is owned by the
 * caller (shapc_model_free). */
shapc_status shapc__model_load_mem(const void *data, size_t len, const char *name,
                                   shapc_model **out, shapc_error *err);

/* Reads the whole regular file at path (at most 2 GiB) into *out (owned by the caller,
 * shapc__free) and its length into *len. SHAPC_EIO naming the path, SHAPC_ERANGE, SHAPC_ENOMEM.
 * Shared with the ONNX loader. */
shapc_status shapc__model_read_file(const char *path, unsigned char **out, size_t *len,
                                    shapc_error *err);

/* An extension section to write before the checksum (docs/model-format.md, "Section
 * record"). payload is borrowed for the call. */
typedef struct shapc__model_section {
    uint32_t tag;   /* four ASCII bytes, first character in the lowest byte */
    uint32_t flags; /* SHAPC__SECTION_REQUIRED or 0 */
    const void *payload;
    size_t len;
} shapc__model_section;

#define SHAPC__SECTION_REQUIRED 1u
/* "TEXT": tokenizer, vocabulary and embedding of a text model (src/model/text_model.c). */
#define SHAPC__SECTION_TAG_TEXT \
    ((uint32_t)'T' | (uint32_t)'E' << 8 | (uint32_t)'X' << 16 | (uint32_t)'T' << 24)

/* shapc_model_save plus extension sections, written in order after the background. Same
 * validation and errors as shapc_model_save; SHAPC_EINVAL for a NULL table with n > 0. */
shapc_status shapc__model_save_sections(const char *path, const shapc_model_spec *spec,
                                        const shapc__model_section *sections, size_t n_sections,
                                        shapc_error *err);

#endif /* SHAPC_MODEL_MODEL_BIN_H */
