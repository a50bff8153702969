/* text_model.c - text classifiers: vocabulary, embedding bag and dense stack
 * (include/shapc/text.h, docs/text.md), their TEXT section in model.bin
 * (docs/model-format.md) and the per-document masking adapter the explainer runs on.
 *
 * A text model is a callback adapter over max_tokens float token ids whose user pointer is a
 * shapc_text_model; it is recognised by its predict function, so no field of shapc_model
 * had to change. The dense stack after pooling is an ordinary native model, owned. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model/model_bin.h"
#include "model/model_impl.h"
#include "model/text_model.h"
#include "model/tokenizer.h"
#include "shapc/text.h"
#include "util/alloc.h"

#define TEXT_VERSION 1u
#define TOKENIZER_V1 1u            /* the rules of tokenizer.c */
#define MAX_VOCAB ((size_t)1 << 24)
#define MAX_WORD_BYTES 256u
#define MAX_TOKENS_LIMIT ((size_t)1 << 20)
#define CHUNK 256                  /* rows pooled per dense call */
#define NO_ID_U32 0xFFFFFFFFu

/* FNV-1a: plenty for a vocabulary lookup table. */
static size_t hash_word(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

void shapc__text_free(void *user)
{
    shapc_text_model *tm = user;
    if (!tm)
        return;
    shapc_model_free(tm->dense);
    shapc_model_free(tm->seq);
    for (size_t i = 0; tm->vocab && i < tm->V; i++)
        shapc__free(tm->vocab[i]);
    shapc__free(tm->vocab);
    shapc__free(tm->emb);
    shapc__free(tm->slots);
    shapc__free(tm);
}

/* ======================================================================================== */
/* pooling and prediction                                                                   */
/* ======================================================================================== */

/* Pools n ids into out (E); accumulates in double. The empty bag pools to zeros. */
static void pool(const shapc_text_model *tm, const size_t *ids, size_t n, float *out)
{
    double acc[512];
    size_t E = tm->E;
    for (size_t e0 = 0; e0 < E; e0 += 512) {
        size_t m = E - e0 < 512 ? E - e0 : 512;
        memset(acc, 0, m * sizeof *acc);
        for (size_t t = 0; t < n; t++) {
            const float *row = tm->emb + ids[t] * E + e0;
            for (size_t e = 0; e < m; e++)
                acc[e] += (double)row[e];
        }
        for (size_t e = 0; e < m; e++)
            out[e0 + e] = (float)(tm->pooling == SHAPC_TEXT_POOL_MEAN && n > 0
                                      ? acc[e] / (double)n : acc[e]);
    }
}

shapc_status shapc_text_predict_ids(const shapc_text_model *tm, const size_t *ids, size_t n,
                                    float *out, shapc_error *err)
{
    float *pooled;
    shapc_status st;
    if (!tm || !out || (n > 0 && !ids))
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_text_predict_ids: NULL argument");
    for (size_t t = 0; t < n; t++)
        if (ids[t] >= tm->V)
            return shapc_error_set(err, SHAPC_EINVAL, "token id %zu at position %zu is not in "
                                   "the vocabulary of %zu words", ids[t], t, tm->V);
    if (tm->seq)
        return shapc__text_seq_predict_ids(tm, ids, n, out, err);
    if (!(pooled = shapc__malloc(tm->E * sizeof *pooled)))
        return shapc_error_set(err, SHAPC_ENOMEM, "text model: out of memory");
    pool(tm, ids, n, pooled);
    st = shapc_model_predict(tm->dense, pooled, 1, out, err);
    shapc__free(pooled);
    return st;
}

/* The model over token ids: row = L floats, each an id or -1 (empty slot). */
static shapc_status ids_predict(void *user, const float *x, size_t n, float *out,
                                shapc_error *err)
{
    const shapc_text_model *tm = user;
    if (tm->seq)
        return shapc__text_seq_rows(tm, x, n, out, err);
    float *pooled = shapc__malloc(CHUNK * tm->E * sizeof *pooled);
    size_t *ids = shapc__malloc(tm->L * sizeof *ids);
    shapc_status st = SHAPC_OK;
    if (!pooled || !ids) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "text model: out of memory");
        goto done;
    }
    for (size_t r0 = 0; r0 < n && st == SHAPC_OK; r0 += CHUNK) {
        size_t m = n - r0 < CHUNK ? n - r0 : CHUNK;
        for (size_t r = 0; r < m; r++) {
            const float *row = x + (r0 + r) * tm->L;
            size_t c = 0;
            for (size_t j = 0; j < tm->L; j++) {
                float v = row[j];
                if (v < 0.0f)
                    continue;
                if (v != floorf(v) || (double)v >= (double)tm->V) {
                    st = shapc_error_set(err, SHAPC_EMODEL, "text model: row %zu slot %zu holds "
                                         "%g, not a token id in 0..%zu or -1", r0 + r, j,
                                         (double)v, tm->V - 1);
                    goto done;
                }
                ids[c++] = (size_t)v;
            }
            pool(tm, ids, c, pooled + r * tm->E);
        }
        st = shapc_model_predict(tm->dense, pooled, m, out + r0 * tm->k, err);
    }
done:
    shapc__free(pooled);
    shapc__free(ids);
    return st;
}

const shapc_text_model *shapc_model_text(const shapc_model *model)
{
    if (!model || model->predict != ids_predict)
        return NULL;
    return model->user;
}

size_t shapc_text_vocab_size(const shapc_text_model *tm) { return tm ? tm->V : 0; }
size_t shapc_text_unk_id(const shapc_text_model *tm) { return tm ? tm->unk : SHAPC_TEXT_NO_ID; }
size_t shapc_text_mask_id(const shapc_text_model *tm) { return tm ? tm->mask : SHAPC_TEXT_NO_ID; }
size_t shapc_text_embed_dim(const shapc_text_model *tm) { return tm ? tm->E : 0; }
size_t shapc_text_n_outputs(const shapc_text_model *tm) { return tm ? tm->k : 0; }

shapc_text_pooling shapc_text_pooling_mode(const shapc_text_model *tm)
{
    return tm ? tm->pooling : SHAPC_TEXT_POOL_MEAN;
}

const char *shapc_text_vocab_word(const shapc_text_model *tm, size_t id)
{
    return tm && id < tm->V ? tm->vocab[id] : NULL;
}

static size_t find_word(const shapc_text_model *tm, const char *word)
{
    size_t mask = tm->n_slots - 1, i = hash_word(word) & mask;
    while (tm->slots[i] != 0) {
        if (strcmp(tm->vocab[tm->slots[i] - 1], word) == 0)
            return tm->slots[i] - 1;
        i = (i + 1) & mask;
    }
    return SHAPC_TEXT_NO_ID;
}

size_t shapc_text_token_id(const shapc_text_model *tm, const char *token)
{
    size_t id;
    if (!tm)
        return SHAPC_TEXT_NO_ID;
    if (!token)
        return tm->unk;
    id = find_word(tm, token);
    return id == SHAPC_TEXT_NO_ID ? tm->unk : id;
}

/* ======================================================================================== */
/* building                                                                                 */
/* ======================================================================================== */

shapc_status shapc__text_index_words(shapc_text_model *tm, const char *const *vocab,
                                     shapc_error *err)
{
    size_t bits = 1;
    while (((size_t)1 << bits) < 2 * tm->V)
        bits++;
    tm->n_slots = (size_t)1 << bits;
    tm->vocab = shapc__calloc(tm->V, sizeof *tm->vocab);
    tm->slots = shapc__calloc(tm->n_slots, sizeof *tm->slots);
    if (!tm->vocab || !tm->slots)
        return shapc_error_set(err, SHAPC_ENOMEM, "text model: out of memory");
    for (size_t i = 0; i < tm->V; i++) {
        size_t h;
        if (!(tm->vocab[i] = shapc__strdup(vocab[i])))
            return shapc_error_set(err, SHAPC_ENOMEM, "text model: out of memory");
        if (find_word(tm, tm->vocab[i]) != SHAPC_TEXT_NO_ID)
            return shapc_error_set(err, SHAPC_EFORMAT, "text model: vocabulary word %zu '%s' "
                                   "repeats word %zu", i, tm->vocab[i],
                                   find_word(tm, tm->vocab[i]));
        h = hash_word(tm->vocab[i]) & (tm->n_slots - 1);
        while (tm->slots[h] != 0)
            h = (h + 1) & (tm->n_slots - 1);
        tm->slots[h] = i + 1;
    }
    return SHAPC_OK;
}

shapc_status shapc__text_validate_words(const char *const *vocab, size_t V, shapc_error *err)
{
    if (V == 0 || V > MAX_VOCAB || !vocab)
        return shapc_error_set(err, SHAPC_EINVAL, "text model: vocabulary of %zu words (1..%zu "
                               "needed)", V, MAX_VOCAB);
    for (size_t i = 0; i < V; i++) {
        const char *w = vocab[i], *why = NULL;
        size_t len, bad = 0;
        if (!w || (len = strlen(w)) == 0 || len > MAX_WORD_BYTES)
            return shapc_error_set(err, SHAPC_EFORMAT, "text model: vocabulary word %zu is "
                                   "missing, empty or longer than %u bytes", i, MAX_WORD_BYTES);
        if (shapc__utf8_validate((const unsigned char *)w, len, &bad, &why) != 0)
            return shapc_error_set(err, SHAPC_EFORMAT, "text model: vocabulary word %zu: invalid "
                                   "UTF-8 at byte %zu: %s", i, bad, why);
    }
    return SHAPC_OK;
}

shapc_text_spec shapc_text_spec_default(void)
{
    shapc_text_spec s;
    memset(&s, 0, sizeof s);
    s.size = sizeof s;
    s.dense = shapc_model_spec_default();
    s.mask_id = SHAPC_TEXT_NO_ID;
    s.pooling = SHAPC_TEXT_POOL_MEAN;
    s.max_tokens = 64;
    return s;
}

/* The text half of a spec (the dense half is checked by shapc_model_from_spec). */
static shapc_status validate_text(const shapc_text_spec *s, shapc_error *err)
{
    size_t n;
    if (!s)
        return shapc_error_set(err, SHAPC_EINVAL, "text model: spec is NULL");
    if (s->size != sizeof *s)
        return shapc_error_set(err, SHAPC_EINVAL, "text spec of size %zu: initialise it with "
                               "shapc_text_spec_default()", s->size);
    if (s->vocab_size == 0 || s->vocab_size > MAX_VOCAB || !s->vocab)
        return shapc_error_set(err, SHAPC_EINVAL, "text model: vocabulary of %zu words (1..%zu "
                               "needed)", s->vocab_size, MAX_VOCAB);
    if (s->unk_id >= s->vocab_size)
        return shapc_error_set(err, SHAPC_EINVAL, "text model: unknown-token id %zu is not in "
                               "the vocabulary of %zu words", s->unk_id, s->vocab_size);
    if (s->mask_id != SHAPC_TEXT_NO_ID && s->mask_id >= s->vocab_size)
        return shapc_error_set(err, SHAPC_EINVAL, "text model: mask-token id %zu is not in "
                               "the vocabulary of %zu words", s->mask_id, s->vocab_size);
    if (s->embed_dim == 0 || !s->embedding ||
        !shapc__mul_size(s->vocab_size, s->embed_dim, &n) || n > ((size_t)1 << 31))
        return shapc_error_set(err, SHAPC_EINVAL, "text model: embedding %zu x %zu is empty or "
                               "too large", s->vocab_size, s->embed_dim);
    if (s->pooling != SHAPC_TEXT_POOL_MEAN && s->pooling != SHAPC_TEXT_POOL_SUM)
        return shapc_error_set(err, SHAPC_EINVAL, "text model: unknown pooling %d",
                               (int)s->pooling);
    if (s->max_tokens == 0 || s->max_tokens > MAX_TOKENS_LIMIT)
        return shapc_error_set(err, SHAPC_EINVAL, "text model: max_tokens %zu is not in 1..%zu",
                               s->max_tokens, MAX_TOKENS_LIMIT);
    shapc_status st = shapc__text_validate_words(s->vocab, s->vocab_size, err);
    if (st != SHAPC_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(s->embedding[i]))
            return shapc_error_set(err, SHAPC_ENONFINITE, "text model: embedding value %zu "
                                   "(word %zu) is not finite", i, i / s->embed_dim);
    return SHAPC_OK;
}

/* "text: 64 ids -> bag mean 500x16 -> dense 2 softmax": the dense part reuses its own
 * description after the input size. */
static shapc_status set_describe(shapc_model *m, const shapc_text_model *tm)
{
    const char *dd = shapc_model_describe(tm->dense ? tm->dense : tm->seq);
    const char *arrow = strstr(dd, " -> ");
    if (tm->seq) { /* "text: 64 token ids -> onnx opset 17, 40 nodes -> 2" */
        size_t cap = strlen(dd) + 64;
        char *s = shapc__malloc(cap);
        const char *colon = strstr(dd, ": ");
        if (!s)
            return SHAPC_ENOMEM;
        snprintf(s, cap, "text: %zu token ids -> %.*s%s", tm->L,
                 colon ? (int)(colon - dd) : (int)strlen(dd), dd, arrow ? arrow : "");
        shapc__free(m->describe);
        m->describe = s;
        return SHAPC_OK;
    }
    size_t cap = strlen(dd) + 128;
    char *s = shapc__malloc(cap);
    if (!s)
        return SHAPC_ENOMEM;
    snprintf(s, cap, "text: %zu token ids -> embedding bag %s %zux%zu%s", tm->L,
             tm->pooling == SHAPC_TEXT_POOL_SUM ? "sum" : "mean", tm->V, tm->E,
             arrow ? arrow : "");
    shapc__free(m->describe);
    m->describe = s;
    return SHAPC_OK;
}

shapc_status shapc__text_model_finish(shapc_text_model *tm, shapc_model *names_from,
                                      shapc_model **out, shapc_error *err)
{
    shapc_model *m = NULL;
    shapc_status st;
    *out = NULL;
    if ((st = shapc_model_create(tm->L, tm->k, ids_predict, tm, shapc__text_free, &m, err)) !=
        SHAPC_OK) {
        shapc__text_free(tm);
        return st;
    }
    const char **names = shapc__calloc(tm->k, sizeof *names);
    if (!names) {
        shapc_model_free(m);
        return shapc_error_set(err, SHAPC_ENOMEM, "text model: out of memory");
    }
    for (size_t c = 0; c < tm->k; c++)
        names[c] = shapc_model_output_name(names_from, c);
    st = shapc_model_set_output_names(m, names, err);
    shapc__free((void *)names);
    if (st == SHAPC_OK && set_describe(m, tm) != SHAPC_OK)
        st = shapc_error_set(err, SHAPC_ENOMEM, "text model: out of memory");
    if (st != SHAPC_OK) {
        shapc_model_free(m); /* owns tm now */
        return st;
    }
    *out = m;
    return SHAPC_OK;
}

/* Builds the text model from a validated text spec around `dense` (taken in every case). */
static shapc_status build(const shapc_text_spec *s, shapc_model *dense, shapc_model **out,
                          shapc_error *err)
{
    shapc_text_model *tm = NULL;
    size_t n_emb = s->vocab_size * s->embed_dim;
    shapc_status st;
    *out = NULL;
    if (shapc_model_n_inputs(dense) != s->embed_dim) {
        st = shapc_error_set(err, SHAPC_EFORMAT, "text model: the dense stack takes %zu inputs "
                             "but the embedding has %zu dimensions",
                             shapc_model_n_inputs(dense), s->embed_dim);
        shapc_model_free(dense);
        return st;
    }
    if (!(tm = shapc__calloc(1, sizeof *tm))) {
        shapc_model_free(dense);
        return shapc_error_set(err, SHAPC_ENOMEM, "text model: out of memory");
    }
    tm->dense = dense;
    tm->V = s->vocab_size;
    tm->E = s->embed_dim;
    tm->k = shapc_model_n_outputs(dense);
    tm->L = s->max_tokens;
    tm->unk = s->unk_id;
    tm->mask = s->mask_id;
    tm->pooling = s->pooling;
    tm->emb = shapc__malloc(n_emb * sizeof *tm->emb);
    if (!tm->emb) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "text model: out of memory");
        goto fail;
    }
    memcpy(tm->emb, s->embedding, n_emb * sizeof *tm->emb);
    if ((st = shapc__text_index_words(tm, s->vocab, err)) != SHAPC_OK)
        goto fail;
    return shapc__text_model_finish(tm, dense, out, err);
fail:
    shapc__text_free(tm);
    return st;
}

shapc_status shapc_text_model_from_spec(const shapc_text_spec *spec, shapc_model **out,
                                        shapc_error *err)
{
    shapc_model *dense = NULL;
    shapc_status st;
    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_text_model_from_spec: out is NULL");
    *out = NULL;
    if ((st = validate_text(spec, err)) != SHAPC_OK)
        return st;
    if ((st = shapc_model_from_spec(&spec->dense, &dense, err)) != SHAPC_OK)
        return st;
    return build(spec, dense, out, err);
}

/* ======================================================================================== */
/* the TEXT section                                                                         */
/* ======================================================================================== */

/* Payload (little-endian, docs/model-format.md "TEXT section"):
 *   u32 text_version (1), u32 tokenizer (1), u32 pooling, u32 max_tokens, u32 unk_id,
 *   u32 mask_id (0xFFFFFFFF none), u32 V, V x (u32 len, len bytes UTF-8), u32 E, f32[V][E]. */

static void enc_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t dec_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

shapc_status shapc_text_model_save(const char *path, const shapc_text_spec *spec,
                                   shapc_error *err)
{
    shapc_model *check = NULL;
    unsigned char *buf, *p;
    size_t len = 4 * 8, n_emb;
    shapc_status st;
    shapc__model_section sec;
    if (!path)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_text_model_save: path is NULL");
    /* Validate exactly as loading will (a file this library writes always loads). */
    if ((st = shapc_text_model_from_spec(spec, &check, err)) != SHAPC_OK) {
        shapc_error_prefix(err, path);
        return st;
    }
    shapc_model_free(check);
    n_emb = spec->vocab_size * spec->embed_dim;
    for (size_t i = 0; i < spec->vocab_size; i++)
        len += 4 + strlen(spec->vocab[i]); /* bounded: V <= 2^24 words of <= 256 bytes */
    len += 4 * n_emb;
    if (!(buf = shapc__malloc(len)))
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
    p = buf;
    enc_u32(p, TEXT_VERSION), p += 4;
    enc_u32(p, TOKENIZER_V1), p += 4;
    enc_u32(p, (uint32_t)spec->pooling), p += 4;
    enc_u32(p, (uint32_t)spec->max_tokens), p += 4;
    enc_u32(p, (uint32_t)spec->unk_id), p += 4;
    enc_u32(p, spec->mask_id == SHAPC_TEXT_NO_ID ? NO_ID_U32 : (uint32_t)spec->mask_id), p += 4;
    enc_u32(p, (uint32_t)spec->vocab_size), p += 4;
    for (size_t i = 0; i < spec->vocab_size; i++) {
        size_t wl = strlen(spec->vocab[i]);
        enc_u32(p, (uint32_t)wl), p += 4;
        memcpy(p, spec->vocab[i], wl), p += wl;
    }
    enc_u32(p, (uint32_t)spec->embed_dim), p += 4;
    for (size_t i = 0; i < n_emb; i++) {
        uint32_t u;
        memcpy(&u, &spec->embedding[i], 4);
        enc_u32(p, u), p += 4;
    }
    /* Required: a reader without text support would otherwise load only the dense stack and
     * silently misread the file. */
    sec.tag = SHAPC__SECTION_TAG_TEXT;
    sec.flags = SHAPC__SECTION_REQUIRED;
    sec.payload = buf;
    sec.len = len;
    st = shapc__model_save_sections(path, &spec->dense, &sec, 1, err);
    shapc__free(buf);
    return st;
}

typedef struct tcur {
    const unsigned char *p;
    size_t len, pos, at;
    const char *name;
    shapc_error *err;
} tcur;

static shapc_status t_need(tcur *c, size_t n, const char *what)
{
    if (n > c->len - c->pos)
        return shapc_error_set(c->err, SHAPC_ETRUNC, "%s: TEXT section truncated at byte %zu "
                               "reading %s (needs %zu bytes, %zu left)", c->name, c->at + c->pos,
                               what, n, c->len - c->pos);
    return SHAPC_OK;
}

static shapc_status t_u32(tcur *c, uint32_t *v, const char *what)
{
    shapc_status st = t_need(c, 4, what);
    if (st != SHAPC_OK)
        return st;
    *v = dec_u32(c->p + c->pos);
    c->pos += 4;
    return SHAPC_OK;
}

static shapc_status parse_text(tcur *c, shapc_text_spec *s, char ***vocab_out, size_t *n_vocab,
                               float **emb_out)
{
    uint32_t ver, tok, pooling, L, unk, mask, V, E;
    char **vocab = NULL;
    float *emb = NULL;
    size_t n_emb;
    shapc_status st;
    if ((st = t_u32(c, &ver, "text version")) != SHAPC_OK ||
        (st = t_u32(c, &tok, "tokenizer")) != SHAPC_OK ||
        (st = t_u32(c, &pooling, "pooling")) != SHAPC_OK ||
        (st = t_u32(c, &L, "max tokens")) != SHAPC_OK ||
        (st = t_u32(c, &unk, "unknown id")) != SHAPC_OK ||
        (st = t_u32(c, &mask, "mask id")) != SHAPC_OK ||
        (st = t_u32(c, &V, "vocabulary size")) != SHAPC_OK)
        return st;
    if (ver == 0 || ver > TEXT_VERSION || tok == 0 || tok > TOKENIZER_V1)
        return shapc_error_set(c->err, ver == 0 || tok == 0 ? SHAPC_EFORMAT : SHAPC_EUNSUPPORTED,
                               "%s: TEXT section version %u / tokenizer %u (this library reads "
                               "%u / %u)", c->name, (unsigned)ver, (unsigned)tok, TEXT_VERSION,
                               TOKENIZER_V1);
    if (pooling > SHAPC_TEXT_POOL_SUM)
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: TEXT section: unknown pooling %u",
                               c->name, (unsigned)pooling);
    if (V == 0 || V > MAX_VOCAB || unk >= V || (mask != NO_ID_U32 && mask >= V) || L == 0 ||
        L > MAX_TOKENS_LIMIT)
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: TEXT section: vocabulary %u, unknown "
                               "id %u, mask id %u, max tokens %u are inconsistent", c->name,
                               (unsigned)V, (unsigned)unk, (unsigned)mask, (unsigned)L);
    /* Each word needs at least 5 bytes: prove they fit before allocating the table. */
    if ((st = t_need(c, (size_t)V * 5, "vocabulary")) != SHAPC_OK)
        return st;
    if (!(vocab = shapc__calloc(V, sizeof *vocab)))
        return shapc_error_set(c->err, SHAPC_ENOMEM, "%s: out of memory", c->name);
    *vocab_out = vocab;
    *n_vocab = V;
    for (uint32_t i = 0; i < V; i++) {
        uint32_t wl;
        if ((st = t_u32(c, &wl, "vocabulary word")) != SHAPC_OK)
            return st;
        if (wl == 0 || wl > MAX_WORD_BYTES)
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: TEXT section: word %u at byte %zu "
                                   "has length %u (1..%u)", c->name, (unsigned)i,
                                   c->at + c->pos - 4, (unsigned)wl, MAX_WORD_BYTES);
        if ((st = t_need(c, wl, "vocabulary word")) != SHAPC_OK)
            return st;
        if (memchr(c->p + c->pos, '\0', wl))
            return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: TEXT section: word %u at byte %zu "
                                   "contains a NUL byte", c->name, (unsigned)i, c->at + c->pos);
        if (!(vocab[i] = shapc__malloc((size_t)wl + 1)))
            return shapc_error_set(c->err, SHAPC_ENOMEM, "%s: out of memory", c->name);
        memcpy(vocab[i], c->p + c->pos, wl);
        vocab[i][wl] = '\0';
        c->pos += wl;
    }
    if ((st = t_u32(c, &E, "embedding dimension")) != SHAPC_OK)
        return st;
    if (E == 0 || !shapc__mul_size(V, E, &n_emb) || n_emb > ((size_t)1 << 29))
        return shapc_error_set(c->err, E == 0 ? SHAPC_EFORMAT : SHAPC_ERANGE, "%s: TEXT section: "
                               "embedding %u x %u is empty or too large", c->name, (unsigned)V,
                               (unsigned)E);
    if ((st = t_need(c, n_emb * 4, "embedding")) != SHAPC_OK)
        return st;
    if (!(emb = shapc__malloc(n_emb * sizeof *emb)))
        return shapc_error_set(c->err, SHAPC_ENOMEM, "%s: out of memory", c->name);
    *emb_out = emb;
    for (size_t i = 0; i < n_emb; i++) {
        uint32_t u = dec_u32(c->p + c->pos + 4 * i);
        memcpy(&emb[i], &u, 4);
        if (!isfinite(emb[i]))
            return shapc_error_set(c->err, SHAPC_ENONFINITE, "%s: TEXT section: embedding value "
                                   "%zu at byte %zu is not finite", c->name, i,
                                   c->at + c->pos + 4 * i);
    }
    c->pos += n_emb * 4;
    if (c->pos != c->len)
        return shapc_error_set(c->err, SHAPC_EFORMAT, "%s: TEXT section: %zu unexpected bytes at "
                               "byte %zu", c->name, c->len - c->pos, c->at + c->pos);
    s->vocab_size = V;
    s->vocab = (const char *const *)vocab;
    s->unk_id = unk;
    s->mask_id = mask == NO_ID_U32 ? SHAPC_TEXT_NO_ID : mask;
    s->embed_dim = E;
    s->embedding = emb;
    s->pooling = (shapc_text_pooling)pooling;
    s->max_tokens = L;
    return SHAPC_OK;
}

shapc_status shapc__text_model_wrap(shapc_model **model, const unsigned char *p, size_t len,
                                    size_t at, const char *name, shapc_error *err)
{
    shapc_text_spec s = shapc_text_spec_default();
    char **vocab = NULL;
    size_t n_vocab = 0;
    float *emb = NULL;
    tcur c = {p, len, 0, at, name, err};
    shapc_model *dense = *model;
    shapc_status st;
    *model = NULL;
    st = parse_text(&c, &s, &vocab, &n_vocab, &emb);
    if (st == SHAPC_OK && (st = validate_text(&s, err)) != SHAPC_OK)
        shapc_error_prefix(err, name);
    if (st == SHAPC_OK) {
        if ((st = build(&s, dense, model, err)) != SHAPC_OK)
            shapc_error_prefix(err, name);
        dense = NULL; /* taken by build */
    }
    shapc_model_free(dense);
    for (size_t i = 0; vocab && i < n_vocab; i++)
        shapc__free(vocab[i]);
    shapc__free(vocab);
    shapc__free(emb);
    return st;
}

/* ======================================================================================== */
/* one document as a model over token masks                                                 */
/* ======================================================================================== */

typedef struct doc_model {
    const shapc_text_model *tm;
    size_t *ids, n;
    shapc_text_mask mask;
} doc_model;

static void doc_free(void *user)
{
    doc_model *dm = user;
    if (!dm)
        return;
    shapc__free(dm->ids);
    shapc__free(dm);
}

static shapc_status doc_predict(void *user, const float *x, size_t n, float *out,
                                shapc_error *err)
{
    const doc_model *dm = user;
    const shapc_text_model *tm = dm->tm;
    if (tm->seq)
        return shapc__text_seq_masks(tm, dm->ids, dm->n, dm->mask == SHAPC_TEXT_MASK_TOKEN, x, n,
                                     out, err);
    float *pooled = shapc__malloc(CHUNK * tm->E * sizeof *pooled);
    size_t *kept = shapc__malloc(dm->n * sizeof *kept);
    shapc_status st = SHAPC_OK;
    if (!pooled || !kept) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "text document model: out of memory");
        goto done;
    }
    for (size_t r0 = 0; r0 < n && st == SHAPC_OK; r0 += CHUNK) {
        size_t m = n - r0 < CHUNK ? n - r0 : CHUNK;
        for (size_t r = 0; r < m; r++) {
            const float *row = x + (r0 + r) * dm->n;
            size_t c = 0;
            for (size_t t = 0; t < dm->n; t++) {
                if (row[t] >= 0.5f)
                    kept[c++] = dm->ids[t];
                else if (dm->mask == SHAPC_TEXT_MASK_TOKEN)
                    kept[c++] = tm->mask;
            }
            pool(tm, kept, c, pooled + r * tm->E);
        }
        st = shapc_model_predict(tm->dense, pooled, m, out + r0 * tm->k, err);
    }
done:
    shapc__free(pooled);
    shapc__free(kept);
    return st;
}

shapc_status shapc_text_model_document(const shapc_model *model, const size_t *ids, size_t n,
                                       shapc_text_mask mask, shapc_model **out, shapc_error *err)
{
    const shapc_text_model *tm = shapc_model_text(model);
    doc_model *dm;
    shapc_status st;
    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_text_model_document: out is NULL");
    *out = NULL;
    if (!tm)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_text_model_document: not a text model");
    if (n == 0 || !ids)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_text_model_document: empty document");
    if (mask != SHAPC_TEXT_MASK_REMOVE && mask != SHAPC_TEXT_MASK_TOKEN)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_text_model_document: unknown masking");
    if (mask == SHAPC_TEXT_MASK_TOKEN && tm->mask == SHAPC_TEXT_NO_ID)
        return shapc_error_set(err, SHAPC_EINVAL, "text model has no mask token: use "
                               "removal masking");
    for (size_t t = 0; t < n; t++)
        if (ids[t] >= tm->V)
            return shapc_error_set(err, SHAPC_EINVAL, "token id %zu at position %zu is not in "
                                   "the vocabulary of %zu words", ids[t], t, tm->V);
    if (tm->seq && n > tm->L)
        return shapc_error_set(err, SHAPC_EINVAL, "the document has %zu tokens; the model "
                               "reads at most %zu", n, tm->L);
    if (!(dm = shapc__calloc(1, sizeof *dm)) || !(dm->ids = shapc__malloc(n * sizeof *dm->ids))) {
        shapc__free(dm);
        return shapc_error_set(err, SHAPC_ENOMEM, "text document model: out of memory");
    }
    memcpy(dm->ids, ids, n * sizeof *ids);
    dm->tm = tm;
    dm->n = n;
    dm->mask = mask;
    if ((st = shapc_model_create(n, tm->k, doc_predict, dm, doc_free, out, err)) != SHAPC_OK) {
        doc_free(dm);
        return st;
    }
    {
        const char **names = shapc__calloc(tm->k, sizeof *names);
        if (!names) {
            shapc_model_free(*out);
            *out = NULL;
            return shapc_error_set(err, SHAPC_ENOMEM, "text document model: out of memory");
        }
        for (size_t c = 0; c < tm->k; c++)
            names[c] = shapc_model_output_name(model, c);
        st = shapc_model_set_output_names(*out, names, err);
        shapc__free((void *)names);
        if (st != SHAPC_OK) {
            shapc_model_free(*out);
            *out = NULL;
        }
    }
    return st;
}
