/* text_seq.c - text models whose classifier reads the token sequence itself (a transformer
 * exported to ONNX, onnx_text.c) rather than a bag of embeddings (text_model.c).
 *
 * The classifier is an ordinary model over L float token-id slots. A document of n <= L
 * tokens is one row: its ids in order, then the pad id. For explanations (text.h), a masked
 * token keeps its position and becomes the pad id - the classifier's own notion of "no token
 * here", which an attention mask ignores - or, with SHAPC_TEXT_MASK_TOKEN, the mask id: either
 * way the other tokens do not move, so positional embeddings see the same positions. */
#include <math.h>
#include <string.h>

#include "model/text_model.h"
#include "util/alloc.h"

#define CHUNK 256 /* rows built per classifier call */

/* Runs the classifier on rows of L floats. */
static shapc_status classify(const shapc_text_model *tm, const float *rows, size_t n,
                             float *out, shapc_error *err)
{
    return shapc_model_predict(tm->seq, rows, n, out, err);
}

shapc_status shapc__text_seq_rows(const shapc_text_model *tm, const float *x, size_t n,
                                  float *out, shapc_error *err)
{
    float *rows = shapc__malloc(CHUNK * tm->L * sizeof *rows);
    shapc_status st = SHAPC_OK;
    if (!rows)
        return shapc_error_set(err, SHAPC_ENOMEM, "text model: out of memory");
    for (size_t r0 = 0; r0 < n && st == SHAPC_OK; r0 += CHUNK) {
        const size_t m = n - r0 < CHUNK ? n - r0 : CHUNK;
        for (size_t i = 0; i < m * tm->L; i++) {
            const float v = x[r0 * tm->L + i];
            if (v == -1.0f) {
                rows[i] = (float)tm->pad;
            } else if (!(v >= 0.0f) || v != floorf(v) || (double)v >= (double)tm->V) {
                st = shapc_error_set(err, SHAPC_EMODEL, "text model: row %zu slot %zu holds %g, "
                                     "not a token id in 0..%zu or -1", r0 + i / tm->L,
                                     i % tm->L, (double)v, tm->V - 1);
                break;
            } else {
                rows[i] = v;
            }
        }
        if (st == SHAPC_OK)
            st = classify(tm, rows, m, out + r0 * tm->k, err);
    }
    shapc__free(rows);
    return st;
}

shapc_status shapc__text_seq_predict_ids(const shapc_text_model *tm, const size_t *ids, size_t n,
                                         float *out, shapc_error *err)
{
    float *row;
    shapc_status st;
    if (n > tm->L)
        return shapc_error_set(err, SHAPC_EINVAL, "the document has %zu tokens; the model "
                               "reads at most %zu", n, tm->L);
    if (!(row = shapc__malloc(tm->L * sizeof *row)))
        return shapc_error_set(err, SHAPC_ENOMEM, "text model: out of memory");
    for (size_t t = 0; t < tm->L; t++)
        row[t] = (float)(t < n ? ids[t] : tm->pad);
    st = classify(tm, row, 1, out, err);
    shapc__free(row);
    return st;
}

shapc_status shapc__text_seq_masks(const shapc_text_model *tm, const size_t *ids, size_t n_ids,
                                   int token_mask, const float *x, size_t n, float *out,
                                   shapc_error *err)
{
    float *rows = shapc__malloc(CHUNK * tm->L * sizeof *rows);
    const float off = (float)(token_mask ? tm->mask : tm->pad), pad = (float)tm->pad;
    shapc_status st = SHAPC_OK;
    if (!rows)
        return shapc_error_set(err, SHAPC_ENOMEM, "text document model: out of memory");
    for (size_t r0 = 0; r0 < n && st == SHAPC_OK; r0 += CHUNK) {
        const size_t m = n - r0 < CHUNK ? n - r0 : CHUNK;
        for (size_t r = 0; r < m; r++) {
            const float *mask = x + (r0 + r) * n_ids;
            float *row = rows + r * tm->L;
            for (size_t t = 0; t < tm->L; t++)
                row[t] = t >= n_ids ? pad : mask[t] >= 0.5f ? (float)ids[t] : off;
        }
        st = classify(tm, rows, m, out + r0 * tm->k, err);
    }
    shapc__free(rows);
    return st;
}

shapc_status shapc__text_model_sequence(shapc_model **model, const char *const *vocab, size_t V,
                                        size_t unk, size_t mask, size_t pad, shapc_error *err)
{
    shapc_model *seq = *model;
    shapc_text_model *tm;
    shapc_status st;
    *model = NULL;
    if ((st = shapc__text_validate_words(vocab, V, err)) != SHAPC_OK)
        goto fail;
    if (unk >= V || pad >= V || (mask != SHAPC_TEXT_NO_ID && mask >= V) || V > (1u << 24)) {
        st = shapc_error_set(err, SHAPC_EINVAL, "text model: unknown id %zu, pad id %zu or "
                             "mask id %zu is not in the vocabulary of %zu words", unk, pad,
                             mask, V);
        goto fail;
    }
    if (!(tm = shapc__calloc(1, sizeof *tm))) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "text model: out of memory");
        goto fail;
    }
    tm->seq = seq;
    tm->V = V;
    tm->k = shapc_model_n_outputs(seq);
    tm->L = shapc_model_n_inputs(seq);
    tm->unk = unk;
    tm->mask = mask;
    tm->pad = pad;
    if ((st = shapc__text_index_words(tm, vocab, err)) != SHAPC_OK) {
        shapc__text_free(tm); /* frees seq */
        return st;
    }
    return shapc__text_model_finish(tm, seq, model, err);
fail:
    shapc_model_free(seq);
    return st;
}
