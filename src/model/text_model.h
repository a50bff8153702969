/* text_model.h - internal entry points of text models (text_model.c) used by the model.bin
 * reader and writer (model_bin.c). */
#ifndef SHAPC_MODEL_TEXT_MODEL_H
#define SHAPC_MODEL_TEXT_MODEL_H

#include <stddef.h>

#include "shapc/model.h"
#include "shapc/status.h"
#include "shapc/text.h"

/* The text view. Two kinds: an embedding bag (dense set: pooled embedding -> dense stack),
 * or a sequence model (seq set: an ordinary model over L token-id slots, e.g. an ONNX
 * transformer, text_seq.c). */
struct shapc_text_model {
    shapc_model *dense; /* owned: (E) -> (k), or NULL for a sequence model */
    shapc_model *seq;   /* owned: L float token ids -> (k), or NULL for an embedding bag */
    size_t V, E, k, L, unk, mask;
    size_t pad;         /* sequence models: the id of empty and removed slots */
    shapc_text_pooling pooling;
    char **vocab;       /* (V) owned */
    float *emb;         /* (V, E) owned; NULL for a sequence model */
    size_t *slots;      /* open-addressing hash of words: id + 1, 0 = empty; n_slots = 2^b */
    size_t n_slots;
};

/* Releases a text view (void * for a model's user_free); NULL allowed. */
void shapc__text_free(void *user);
/* Checks V vocabulary words: non-empty, at most 256 bytes, valid UTF-8. */
shapc_status shapc__text_validate_words(const char *const *vocab, size_t V, shapc_error *err);
/* Copies the V words of vocab into tm and builds the lookup; SHAPC_EFORMAT for a repeated
 * word, SHAPC_ENOMEM. tm->V must be set. */
shapc_status shapc__text_index_words(shapc_text_model *tm, const char *const *vocab,
                                     shapc_error *err);
/* Wraps a complete text view as the model over L token ids (taking tm in every case), with
 * the output names of names_from. */
shapc_status shapc__text_model_finish(shapc_text_model *tm, shapc_model *names_from,
                                      shapc_model **out, shapc_error *err);

/* ---- sequence models (text_seq.c) ---- */

/* Replaces *model, an ordinary model over L float token ids (taken in every case; -1 marks an
 * empty slot, which it must accept), by a text model with that vocabulary: V words, the
 * unknown, mask (or SHAPC_TEXT_NO_ID) and pad ids. A document is one row: its ids, then pad;
 * a masked token becomes the pad id (removal: the model ignores padding) or the mask id. On
 * failure *model is NULL. SHAPC_EINVAL / SHAPC_EFORMAT (ids, words), SHAPC_ENOMEM. */
shapc_status shapc__text_model_sequence(shapc_model **model, const char *const *vocab, size_t V,
                                        size_t unk, size_t mask, size_t pad, shapc_error *err);
/* The text paths of a sequence model: n rows of L id slots (-1 empty); one document of n ids;
 * a document's 0/1 masks (rows of n_ids), masked tokens becoming the mask id when token_mask,
 * else the pad id. */
shapc_status shapc__text_seq_rows(const shapc_text_model *tm, const float *x, size_t n,
                                  float *out, shapc_error *err);
shapc_status shapc__text_seq_predict_ids(const shapc_text_model *tm, const size_t *ids, size_t n,
                                         float *out, shapc_error *err);
shapc_status shapc__text_seq_masks(const shapc_text_model *tm, const size_t *ids, size_t n_ids,
                                   int token_mask, const float *x, size_t n, float *out,
                                   shapc_error *err);

/* Turns the dense model *model (just loaded from the main part of model.bin) into a text
 * model using the TEXT section payload p[0, len), which starts at byte `at` of the file
 * `name` (for messages). On success *model is replaced by the text model, which owns the
 * dense one; on failure *model is freed and set to NULL. Errors: SHAPC_ETRUNC, SHAPC_EFORMAT,
 * SHAPC_ERANGE, SHAPC_EUNSUPPORTED (newer TEXT version or tokenizer), SHAPC_ENONFINITE,
 * SHAPC_ENOMEM, each message starting with name. */
shapc_status shapc__text_model_wrap(shapc_model **model, const unsigned char *p, size_t len,
                                    size_t at, const char *name, shapc_error *err);

#endif /* SHAPC_MODEL_TEXT_MODEL_H */
