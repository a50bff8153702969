/* document.c - one text document explained (shapc_text_explain, include/shapc/text.h): the
 * document's tokens are its players. The text model's view (text_model.c) turns the token ids
 * into a model over a 0/1 mask of them; the ordinary kernel explains it with x = all ones
 * against one all-masked background row, so a document of any length is one explanation of
 * its own. */
#include <string.h>

#include "kernel/kernel_impl.h"
#include "shapc/text.h"
#include "util/alloc.h"

void shapc_text_explanation_free(shapc_text_explanation *e)
{
    if (!e)
        return;
    shapc_text_tokens_free(e->tokens, e->n_tokens);
    shapc__free(e->ids);
    shapc__free(e->in_vocab);
    shapc__free(e->phi);
    shapc__free(e->se);
    shapc__free(e->base);
    shapc__free(e->fx);
    shapc__free(e->pred);
    memset(e, 0, sizeof *e);
}

/* Tokens, their ids and whether the vocabulary knows them; the k-sized outputs allocated. */
static shapc_status prepare(const shapc_text_model *tm, size_t k, const char *text, size_t len,
                            shapc_text_explanation *e, shapc_error *err)
{
    shapc_status st = shapc_text_tokenize(text, len, &e->tokens, &e->n_tokens, err);
    if (st != SHAPC_OK)
        return st;
    const size_t n = e->n_tokens ? e->n_tokens : 1;
    e->n_outputs = k;
    e->ids = shapc__malloc(n * sizeof *e->ids);
    e->in_vocab = shapc__malloc(n * sizeof *e->in_vocab);
    e->phi = shapc__calloc(n * k, sizeof *e->phi);
    e->se = shapc__calloc(n * k, sizeof *e->se);
    e->base = shapc__calloc(k, sizeof *e->base);
    e->fx = shapc__calloc(k, sizeof *e->fx);
    e->pred = shapc__calloc(k, sizeof *e->pred);
    if (!e->ids || !e->in_vocab || !e->phi || !e->se || !e->base || !e->fx || !e->pred)
        return shapc_error_set(err, SHAPC_ENOMEM, "text document: out of memory");
    const size_t unk = shapc_text_unk_id(tm);
    for (size_t t = 0; t < e->n_tokens; t++) {
        e->ids[t] = shapc_text_token_id(tm, e->tokens[t].text);
        /* A word that maps to the unknown id is in the vocabulary only if it is that word. */
        e->in_vocab[t] = e->ids[t] != unk ||
                         strcmp(e->tokens[t].text, shapc_text_vocab_word(tm, e->ids[t])) == 0;
    }
    return SHAPC_OK;
}

shapc_status shapc_text_prepare(const shapc_model *model, const char *text, size_t len,
                                shapc_text_explanation *out, shapc_error *err)
{
    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_text_prepare: out is NULL");
    memset(out, 0, sizeof *out);
    const shapc_text_model *tm = shapc_model_text(model);
    if (!tm)
        return shapc_error_set(err, SHAPC_EINVAL, "not a text model");
    if (!text && len > 0)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_text_prepare: text is NULL");
    shapc_status st = prepare(tm, shapc_model_n_outputs(model), text ? text : "", len, out,
                              err);
    if (st == SHAPC_OK)
        st = shapc_text_predict_ids(tm, out->ids, out->n_tokens, out->pred, err);
    return st;
}

shapc_status shapc_text_explain(const shapc_model *model, const char *text, size_t len,
                                shapc_text_mask mask, const shapc_kernel_options *options,
                                shapc_text_explanation *out, shapc_error *err)
{
    const shapc_text_model *tm = shapc_model_text(model);
    if (tm && mask == SHAPC_TEXT_MASK_TOKEN && shapc_text_mask_id(tm) == SHAPC_TEXT_NO_ID) {
        if (out)
            memset(out, 0, sizeof *out);
        return shapc_error_set(err, SHAPC_EINVAL, "text model has no mask token: use "
                               "removal masking");
    }
    shapc_status st = shapc_text_prepare(model, text, len, out, err);
    if (st != SHAPC_OK)
        return st;
    const size_t k = out->n_outputs;
    const shapc_link link = options ? options->link : SHAPC_LINK_IDENTITY;
    const size_t n = out->n_tokens;
    if (n == 0) {
        /* No players: the value of the empty document is all there is. */
        for (size_t c = 0; c < k; c++)
            out->base[c] = out->fx[c] = shapc__apply_link(link, (double)out->pred[c]);
        out->info.exact = 1;
        out->info.sampler = SHAPC_SAMPLER_EXACT;
        return SHAPC_OK;
    }
    shapc_model *doc = NULL;
    shapc_kernel *kern = NULL;
    float *ones = shapc__malloc(n * sizeof *ones), *zeros = shapc__calloc(n, sizeof *zeros);
    if (!ones || !zeros) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "text document: out of memory");
        goto done;
    }
    for (size_t t = 0; t < n; t++)
        ones[t] = 1.0f;
    if ((st = shapc_text_model_document(model, out->ids, n, mask, &doc, err)) != SHAPC_OK ||
        (st = shapc_kernel_create(doc, zeros, 1, NULL, options, &kern, err)) != SHAPC_OK ||
        (st = shapc_kernel_explain(kern, ones, out->phi, out->se, out->fx, &out->info, err)) !=
            SHAPC_OK)
        goto done;
    memcpy(out->base, shapc_kernel_base_values(kern), k * sizeof *out->base);
done:
    shapc_kernel_free(kern);
    shapc_model_free(doc);
    shapc__free(ones);
    shapc__free(zeros);
    return st;
}
