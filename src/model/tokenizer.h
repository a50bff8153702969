/* tokenizer.h - internal helpers of the UTF-8 tokenizer (tokenizer.c), shared with the text
 * model (text_model.c), which validates vocabulary words with the same decoder. */
#ifndef SHAPC_MODEL_TOKENIZER_H
#define SHAPC_MODEL_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

/* The strict UTF-8 decoder lives in util/utf8.h. */
#include "util/utf8.h"

#endif /* SHAPC_MODEL_TOKENIZER_H */
