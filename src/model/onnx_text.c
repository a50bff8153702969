/* onnx_text.c - ONNX sequence classifiers as shapc text models (onnx_text.h).
 *
 * An ONNX graph whose input is int64 token ids (batch, L) becomes a text model when its
 * metadata_props hold the vocabulary (docs/onnx.md, "Text models"):
 *   shapc.vocab    the words, one per line, in id order, as shapc_text_tokenize makes them
 *   shapc.unk_id   the id words outside the vocabulary take (required)
 *   shapc.pad_id   the id of empty and removed slots (required: the graph must ignore it)
 *   shapc.mask_id  the id a masked word becomes with --text-mask token (optional)
 * The export script writes them (samples/onnx/train_text.py). The text view itself is
 * text_seq.c's; this file only reads the metadata. */
#include "model/onnx_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_impl.h"
#include "model/text_model.h"
#include "shapc/text.h"
#include "util/alloc.h"

/* A metadata id: a decimal number below 2^24, or SHAPC_TEXT_NO_ID when absent. */
static shapc_status meta_id(const shapc__ox_graph *g, const char *key, size_t *out,
                            shapc_error *err)
{
    const char *v = shapc__ox_meta(g, key);
    char *end = NULL;
    unsigned long long x;
    *out = SHAPC_TEXT_NO_ID;
    if (!v)
        return SHAPC_OK;
    x = strtoull(v, &end, 10);
    if (end == v || *end != '\0' || v[0] == '-' || x >= (1u << 24))
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: metadata %s is '%.40s', not a token id",
                               g->path, key, v);
    *out = (size_t)x;
    return SHAPC_OK;
}

shapc_status shapc__onnx_text_setup(shapc__onnx_model *om, shapc_error *err)
{
    size_t pad;
    shapc_status st = meta_id(om->g, "shapc.pad_id", &pad, err);
    if (st == SHAPC_OK && pad != SHAPC_TEXT_NO_ID && om->ids)
        om->pad_id = (int64_t)pad;
    return st;
}

shapc_status shapc__onnx_text_wrap(shapc_model **model, shapc_error *err)
{
    const shapc__onnx_model *om = (*model)->user;
    const shapc__ox_graph *g = om->g;
    const char *vocab = shapc__ox_meta(g, "shapc.vocab");
    size_t unk, mask, pad, V = 1;
    char *copy = NULL, **words = NULL;
    shapc_status st;
    if (!vocab)
        return SHAPC_OK;
    if (!om->ids || om->fixed) {
        st = shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: metadata shapc.vocab on a model "
                             "whose input is not int64 token ids with a batch axis", g->path);
        goto fail;
    }
    if ((st = meta_id(g, "shapc.unk_id", &unk, err)) != SHAPC_OK ||
        (st = meta_id(g, "shapc.mask_id", &mask, err)) != SHAPC_OK ||
        (st = meta_id(g, "shapc.pad_id", &pad, err)) != SHAPC_OK)
        goto fail;
    if (unk == SHAPC_TEXT_NO_ID || pad == SHAPC_TEXT_NO_ID) {
        st = shapc_error_set(err, SHAPC_EFORMAT, "%s: a text model needs metadata shapc.unk_id "
                             "and shapc.pad_id", g->path);
        goto fail;
    }
    for (const char *p = vocab; *p; p++)
        V += *p == '\n';
    if (V > (1u << 24) || !(copy = shapc__strdup(vocab)) ||
        !(words = shapc__calloc(V, sizeof *words))) {
        st = shapc_error_set(err, V > (1u << 24) ? SHAPC_ERANGE : SHAPC_ENOMEM, "%s: metadata "
                             "shapc.vocab: %s", g->path, V > (1u << 24) ? "too many words" :
                             "out of memory");
        goto fail;
    }
    {
        char *p = copy;
        for (size_t i = 0; i < V; i++) {
            words[i] = p;
            if ((p = strchr(p, '\n')))
                *p++ = '\0';
        }
    }
    {
        /* the call takes the model (and the graph, and its path) in every case */
        char path[256];
        snprintf(path, sizeof path, "%s: metadata shapc.vocab", g->path);
        st = shapc__text_model_sequence(model, (const char *const *)words, V, unk, mask, pad,
                                        err);
        if (st != SHAPC_OK)
            shapc_error_prefix(err, path);
    }
    shapc__free(words);
    shapc__free(copy);
    return st; /* *model is the text model, or NULL */
fail:
    shapc__free(words);
    shapc__free(copy);
    shapc_model_free(*model);
    *model = NULL;
    return st;
}
