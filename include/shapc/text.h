/* text.h - text classifiers: a UTF-8 tokenizer, a vocabulary, an embedding bag and the
 * explanation of one document with its tokens as players (docs/text.md).
 *
 * A text model is a native model (model.bin with a TEXT section, docs/model-format.md):
 *     tokens -> ids (unknown words -> the unknown token) -> pooled embedding (mean or sum of
 *     the ids' rows) -> the dense stack of model.h -> outputs (usually softmax over labels).
 * shapc_model_load returns it as an ordinary shapc_model over max_tokens float inputs, each a
 * token id (-1 = empty slot), so `shapc predict` and `shapc info` work on it unchanged;
 * shapc_model_text finds the text view of such a model.
 *
 * For explanations each document becomes its own model (shapc_text_document_model): one
 * player per token, input row = a 0/1 mask over the document's tokens, x = all ones and the
 * background one all-zeros row. A masked token is removed from the bag or replaced by the
 * model's mask token. Each document therefore has its own player count.
 *
 * Thread-safety: a text model is immutable after creation; predictions are reentrant. */
#ifndef SHAPC_TEXT_H
#define SHAPC_TEXT_H

#include <stddef.h>

#include "shapc/export.h"
#include "shapc/model.h"
#include "shapc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tokenizer ---- */

/* One token. text is owned by the token array, NUL-terminated, lower-cased (ASCII,
 * Latin-1, Latin Extended-A, Greek and Cyrillic capitals). offset/length locate the original
 * bytes in the source; space_before is 1 when whitespace separated it from the previous
 * token (used to lay tokens out as text). */
typedef struct shapc_token {
    char *text;
    size_t offset, length;
    int space_before;
} shapc_token;

/* Splits len bytes of UTF-8 into tokens: runs of letters and digits form words (an ASCII
 * apostrophe between two letters stays inside: "don't"); every punctuation or symbol
 * character is its own token; every CJK ideograph, hiragana or katakana character is its own
 * token; whitespace and control characters separate tokens. *tokens (owned by the caller,
 * free with shapc_tokens_free; NULL when *n = 0) and *n receive the result.
 * Errors: SHAPC_EFORMAT for invalid UTF-8 ("invalid UTF-8 at byte 7: overlong encoding") -
 * callers add the file and line; SHAPC_EINVAL (NULL arguments), SHAPC_ENOMEM. */
SHAPC_API shapc_status shapc_tokenize(const char *text, size_t len, shapc_token **tokens,
                                      size_t *n, shapc_error *err);
SHAPC_API void shapc_tokens_free(shapc_token *tokens, size_t n); /* NULL allowed */

/* The tokens as a reader wants to see them, for shapc_plot_text: each token's original bytes
 * text[offset, offset + length) - its case as written, not the lower-cased lookup text - with
 * one leading space when whitespace separated it from the previous token (never on the
 * first). text/len must be the source the tokens came from. *out (n strings, owned by the
 * caller: shapc_tokens_display_free; NULL for n = 0). Errors: SHAPC_EINVAL (NULL arguments,
 * a token outside the text), SHAPC_ENOMEM. */
SHAPC_API shapc_status shapc_tokens_display(const char *text, size_t len,
                                            const shapc_token *tokens, size_t n, char ***out,
                                            shapc_error *err);
SHAPC_API void shapc_tokens_display_free(char **strings, size_t n); /* NULL allowed */

/* ---- text model ---- */

typedef struct shapc_text_model shapc_text_model; /* opaque; the text view of a shapc_model */

typedef enum shapc_text_pooling {
    SHAPC_TEXT_POOL_MEAN = 0, /* mean of the token vectors (the zero vector for no tokens) */
    SHAPC_TEXT_POOL_SUM = 1   /* sum: the model is then additive in tokens up to the stack */
} shapc_text_pooling;

#define SHAPC_TEXT_NO_ID ((size_t)-1)

/* Everything a text model holds; borrowed for the call that takes it (copied). */
typedef struct shapc_text_spec {
    shapc_model_spec dense;   /* the stack after pooling: dense input shape = (embed_dim) */
    size_t vocab_size;        /* V >= 1 */
    const char *const *vocab; /* (V) distinct non-empty tokens, as shapc_tokenize makes them */
    size_t unk_id;            /* < V: the id of every word not in the vocabulary */
    size_t mask_id;           /* < V, or SHAPC_TEXT_NO_ID: the token masked words become */
    size_t embed_dim;         /* E >= 1 */
    const float *embedding;   /* (V, E) row-major, finite */
    shapc_text_pooling pooling;
    size_t max_tokens;        /* L >= 1: inputs of the shapc_model over token ids */
} shapc_text_spec;

/* Zeroed spec: dense = shapc_model_spec_default(), mask_id = SHAPC_TEXT_NO_ID, mean pooling,
 * max_tokens 64. */
SHAPC_API shapc_text_spec shapc_text_spec_default(void);

/* Builds a text model (copies everything). *out is an ordinary model over max_tokens token
 * ids. Errors: SHAPC_EINVAL / SHAPC_EFORMAT (bad sizes, ids, duplicate or empty words,
 * embedding dimension != the dense input), SHAPC_ENONFINITE, SHAPC_ENOMEM. */
SHAPC_API shapc_status shapc_text_model_from_spec(const shapc_text_spec *spec, shapc_model **out,
                                                  shapc_error *err);
/* Writes model.bin with a TEXT section, atomically; validated as in from_spec. Load it with
 * shapc_model_load. */
SHAPC_API shapc_status shapc_text_model_save(const char *path, const shapc_text_spec *spec,
                                             shapc_error *err);

/* The text view of a model, or NULL if it is not a text model. Borrowed: valid while the
 * model lives. */
SHAPC_API const shapc_text_model *shapc_model_text(const shapc_model *model);

SHAPC_API size_t shapc_text_vocab_size(const shapc_text_model *tm);
SHAPC_API const char *shapc_text_vocab_word(const shapc_text_model *tm, size_t id); /* NULL if
                                                                                        out of range */
SHAPC_API size_t shapc_text_unk_id(const shapc_text_model *tm);
SHAPC_API size_t shapc_text_mask_id(const shapc_text_model *tm); /* or SHAPC_TEXT_NO_ID */
SHAPC_API size_t shapc_text_embed_dim(const shapc_text_model *tm);
SHAPC_API size_t shapc_text_n_outputs(const shapc_text_model *tm);
SHAPC_API shapc_text_pooling shapc_text_pooling_mode(const shapc_text_model *tm);

/* The id of a token (as shapc_tokenize makes it), or the unknown id. O(1) expected. */
SHAPC_API size_t shapc_text_token_id(const shapc_text_model *tm, const char *token);

/* Runs the model on one bag of n ids (each < V; n = 0 is the empty document). out: (k). */
SHAPC_API shapc_status shapc_text_predict_ids(const shapc_text_model *tm, const size_t *ids,
                                              size_t n, float *out, shapc_error *err);

/* ---- explaining one document ---- */

typedef enum shapc_text_mask {
    SHAPC_TEXT_MASK_REMOVE = 0, /* a masked token leaves the bag */
    SHAPC_TEXT_MASK_TOKEN = 1   /* a masked token becomes the model's mask token */
} shapc_text_mask;

/* A callback model for one document of n >= 1 token ids: d = n, k = the text model's outputs,
 * output names copied. Its input is a 0/1 mask per token (>= 0.5 counts as present); the
 * output is the text model on the kept tokens (masked ones removed or replaced). Explain it
 * with x = n ones against one background row of n zeros. `model` (a text model) is borrowed
 * and must outlive *out; ids are copied. Errors: SHAPC_EINVAL (not a text model, n = 0, id out
 * of range, TOKEN masking without a mask token), SHAPC_ENOMEM. */
SHAPC_API shapc_status shapc_text_document_model(const shapc_model *model, const size_t *ids,
                                                 size_t n, shapc_text_mask mask,
                                                 shapc_model **out, shapc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SHAPC_TEXT_H */
