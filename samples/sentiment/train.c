/* train.c - trains a small sentiment classifier on samples/sentiment/corpus.tsv and saves it
 * as a text model.bin (docs/text.md):
 *
 *     tokens -> embedding bag (mean, 16 dims) -> dense 2 softmax ("neg", "pos")
 *
 * with Adam on the cross-entropy, the tokenizer of the library (shapc_text_tokenize), a
 * vocabulary of the training words plus "<unk>" and "<mask>", and a held-out fifth of the
 * corpus for the accuracy. Words are dropped to <unk> with a small probability while training
 * so the unknown token learns a neutral vector. After saving, the model is loaded back and its
 * predictions compared with the in-memory ones.
 *
 *   shapc-train-sentiment --corpus corpus.tsv -o sentiment.bin [--epochs 40] [--seed 1]
 *                         [--min-accuracy A]
 *   shapc explain sentiment.bin explain.txt --class pos -o out/ */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/text.h>

#define DIM 16
#define K 2
#define MAX_VOCAB 8192
#define MAX_DOCS 20000
#define MAX_DOC_TOKENS 256

typedef struct doc {
    size_t ids[MAX_DOC_TOKENS];
    size_t n;
    int label;
} doc;

typedef struct vocab {
    char *words[MAX_VOCAB];
    size_t n;
} vocab;

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static double uniform(void) /* xorshift64*: enough for initialisation and shuffling */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717u) >> 11) / 9007199254740992.0;
}

static size_t vocab_add(vocab *v, const char *w)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->words[i], w) == 0)
            return i;
    if (v->n == MAX_VOCAB)
        return 0; /* <unk> */
    size_t len = strlen(w);
    v->words[v->n] = malloc(len + 1);
    if (!v->words[v->n])
        return 0;
    memcpy(v->words[v->n], w, len + 1);
    return v->n++;
}

/* Reads "label<TAB>sentence" lines; label "pos" = 1, "neg" = 0. */
static int load_corpus(const char *path, doc *docs, size_t *n_docs, vocab *v)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    size_t lineno = 0;
    if (!f) {
        fprintf(stderr, "shapc-train-sentiment: %s: cannot open\n", path);
        return -1;
    }
    *n_docs = 0;
    while (fgets(line, sizeof line, f) && *n_docs < MAX_DOCS) {
        char *tab = strchr(line, '\t');
        shapc_token *tok = NULL;
        size_t n = 0, len;
        shapc_error err = {0};
        lineno++;
        if (!tab) {
            fprintf(stderr, "shapc-train-sentiment: %s:%zu: no tab after the label\n", path,
                    lineno);
            fclose(f);
            return -1;
        }
        *tab = '\0';
        len = strcspn(tab + 1, "\r\n");
        if (shapc_text_tokenize(tab + 1, len, &tok, &n, &err) != SHAPC_OK) {
            fprintf(stderr, "shapc-train-sentiment: %s:%zu: %s\n", path, lineno, err.message);
            fclose(f);
            return -1;
        }
        doc *d = &docs[(*n_docs)++];
        d->label = strcmp(line, "pos") == 0;
        d->n = n < MAX_DOC_TOKENS ? n : MAX_DOC_TOKENS;
        for (size_t t = 0; t < d->n; t++)
            d->ids[t] = vocab_add(v, tok[t].text);
        shapc_text_tokens_free(tok, n);
    }
    fclose(f);
    return 0;
}

typedef struct adam {
    float *m, *v;
} adam;

static void adam_step(float *w, const float *g, adam *s, size_t n, double lr, size_t t)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    double c1 = 1.0 - pow(b1, (double)t), c2 = 1.0 - pow(b2, (double)t);
    for (size_t i = 0; i < n; i++) {
        s->m[i] = (float)(b1 * (double)s->m[i] + (1 - b1) * (double)g[i]);
        s->v[i] = (float)(b2 * (double)s->v[i] + (1 - b2) * (double)g[i] * (double)g[i]);
        w[i] -= (float)(lr * ((double)s->m[i] / c1) / (sqrt((double)s->v[i] / c2) + eps));
    }
}

/* Forward pass for one bag: returns p(pos) and fills h (DIM) and p (K). */
static void forward(const float *emb, const float *W, const float *b, const size_t *ids,
                    size_t n, float *h, double *p)
{
    double z[K], mx, s = 0.0;
    for (size_t e = 0; e < DIM; e++) {
        double acc = 0.0;
        for (size_t t = 0; t < n; t++)
            acc += (double)emb[ids[t] * DIM + e];
        h[e] = (float)(n ? acc / (double)n : 0.0);
    }
    for (size_t c = 0; c < K; c++) {
        z[c] = (double)b[c];
        for (size_t e = 0; e < DIM; e++)
            z[c] += (double)W[c * DIM + e] * (double)h[e];
    }
    mx = z[0] > z[1] ? z[0] : z[1];
    for (size_t c = 0; c < K; c++)
        s += (p[c] = exp(z[c] - mx));
    for (size_t c = 0; c < K; c++)
        p[c] /= s;
}

int main(int argc, char **argv)
{
    const char *corpus = NULL, *out = NULL;
    size_t epochs = 40;
    double min_acc = 0.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
            corpus = argv[++i];
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--epochs") == 0 && i + 1 < argc)
            epochs = (size_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            rng_state ^= strtoull(argv[++i], NULL, 10) * 0x2545F4914F6CDD1Du;
        else if (strcmp(argv[i], "--min-accuracy") == 0 && i + 1 < argc)
            min_acc = strtod(argv[++i], NULL);
        else {
            fprintf(stderr, "usage: shapc-train-sentiment --corpus corpus.tsv -o model.bin "
                            "[--epochs N] [--seed S] [--min-accuracy A]\n");
            return 2;
        }
    }
    if (!corpus || !out) {
        fprintf(stderr, "shapc-train-sentiment: missing --corpus or -o model.bin\n");
        return 2;
    }

    static doc docs[MAX_DOCS];
    static vocab v;
    size_t n_docs = 0;
    vocab_add(&v, "<unk>");
    vocab_add(&v, "<mask>");
    if (load_corpus(corpus, docs, &n_docs, &v) != 0)
        return 1;
    if (n_docs < 10) {
        fprintf(stderr, "shapc-train-sentiment: %s: only %zu documents\n", corpus, n_docs);
        return 1;
    }
    size_t V = v.n, n_test = n_docs / 5, n_train = n_docs - n_test;
    /* Shuffle once; the last fifth is held out. Words only in the held-out part still got a
     * vocabulary entry above: they keep their random initial vector, like an unseen word. */
    for (size_t i = n_docs - 1; i > 0; i--) {
        size_t j = (size_t)(uniform() * (double)(i + 1));
        doc tmp = docs[i];
        docs[i] = docs[j];
        docs[j] = tmp;
    }

    float *emb = malloc(V * DIM * sizeof *emb), *gemb = calloc(V * DIM, sizeof *gemb);
    float W[K * DIM], b[K] = {0, 0}, gW[K * DIM], gb[K];
    adam ae = {calloc(V * DIM, sizeof(float)), calloc(V * DIM, sizeof(float))};
    float awm[K * DIM] = {0}, awv[K * DIM] = {0}, abm[K] = {0}, abv[K] = {0};
    adam aw = {awm, awv}, ab = {abm, abv};
    if (!emb || !gemb || !ae.m || !ae.v) {
        fprintf(stderr, "shapc-train-sentiment: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < V * DIM; i++)
        emb[i] = (float)((uniform() - 0.5) * 0.2);
    for (size_t i = 0; i < K * DIM; i++)
        W[i] = (float)((uniform() - 0.5) * 0.5);

    const size_t batch = 16;
    size_t step = 0;
    for (size_t ep = 0; ep < epochs; ep++) {
        for (size_t b0 = 0; b0 < n_train; b0 += batch) {
            size_t bn = n_train - b0 < batch ? n_train - b0 : batch;
            memset(gemb, 0, V * DIM * sizeof *gemb);
            memset(gW, 0, sizeof gW);
            memset(gb, 0, sizeof gb);
            for (size_t r = 0; r < bn; r++) {
                const doc *d = &docs[b0 + r];
                size_t ids[MAX_DOC_TOKENS];
                float h[DIM];
                double p[K], dz[K];
                for (size_t t = 0; t < d->n; t++)
                    ids[t] = uniform() < 0.05 ? 0 : d->ids[t]; /* word dropout to <unk> */
                forward(emb, W, b, ids, d->n, h, p);
                for (size_t c = 0; c < K; c++)
                    dz[c] = (p[c] - (c == (size_t)d->label)) / (double)bn;
                for (size_t c = 0; c < K; c++) {
                    gb[c] += (float)dz[c];
                    for (size_t e = 0; e < DIM; e++)
                        gW[c * DIM + e] += (float)(dz[c] * (double)h[e]);
                }
                for (size_t e = 0; e < DIM && d->n > 0; e++) {
                    double dh = 0.0;
                    for (size_t c = 0; c < K; c++)
                        dh += dz[c] * (double)W[c * DIM + e];
                    for (size_t t = 0; t < d->n; t++)
                        gemb[ids[t] * DIM + e] += (float)(dh / (double)d->n);
                }
            }
            step++;
            adam_step(emb, gemb, &ae, V * DIM, 0.02, step);
            adam_step(W, gW, &aw, K * DIM, 0.02, step);
            adam_step(b, gb, &ab, K, 0.02, step);
        }
    }

    size_t right_train = 0, right_test = 0;
    for (size_t i = 0; i < n_docs; i++) {
        float h[DIM];
        double p[K];
        forward(emb, W, b, docs[i].ids, docs[i].n, h, p);
        if ((p[1] > p[0]) == docs[i].label)
            *(i < n_train ? &right_train : &right_test) += 1;
    }
    double acc_test = (double)right_test / (double)n_test;
    printf("vocabulary %zu words, %zu training / %zu held-out sentences\n", V, n_train, n_test);
    printf("accuracy: training %.3f, held-out %.3f\n", (double)right_train / (double)n_train,
           acc_test);

    shapc_text_spec s = shapc_text_spec_default();
    shapc_layer_spec layer = {SHAPC_LAYER_DENSE, DIM, K, W, b, SHAPC_ACT_SOFTMAX};
    static const char *const names[K] = {"neg", "pos"};
    s.dense.input_rank = 1;
    s.dense.input_shape[0] = DIM;
    s.dense.n_layers = 1;
    s.dense.layers = &layer;
    s.dense.output_names = names;
    s.vocab_size = V;
    s.vocab = (const char *const *)v.words;
    s.unk_id = 0;
    s.mask_id = 1;
    s.embed_dim = DIM;
    s.embedding = emb;
    s.pooling = SHAPC_TEXT_POOL_MEAN;
    s.max_tokens = 64;
    shapc_error err = {0};
    shapc_model *back = NULL;
    int rc = 0;
    if (shapc_text_model_save(out, &s, &err) != SHAPC_OK ||
        shapc_model_load(out, &back, &err) != SHAPC_OK) {
        fprintf(stderr, "shapc-train-sentiment: %s\n", err.message);
        rc = 1;
    } else {
        /* The saved model must predict what was trained. */
        for (size_t i = 0; i < n_docs && rc == 0; i++) {
            float h[DIM], got[K];
            double p[K];
            forward(emb, W, b, docs[i].ids, docs[i].n, h, p);
            if (shapc_text_predict_ids(shapc_model_text(back), docs[i].ids, docs[i].n, got,
                                       &err) != SHAPC_OK ||
                fabs((double)got[1] - p[1]) > 1e-4) {
                fprintf(stderr, "shapc-train-sentiment: reloaded model disagrees on sentence "
                                "%zu\n", i);
                rc = 1;
            }
        }
        if (rc == 0)
            printf("saved %s (%s)\n", out, shapc_model_describe(back));
    }
    shapc_model_free(back);
    if (rc == 0 && acc_test < min_acc) {
        fprintf(stderr, "shapc-train-sentiment: held-out accuracy %.3f is below %.3f\n",
                acc_test, min_acc);
        rc = 1;
    }
    for (size_t i = 0; i < V; i++)
        free(v.words[i]);
    free(emb);
    free(gemb);
    free(ae.m);
    free(ae.v);
    return rc;
}
