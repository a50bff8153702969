/* make_fixtures.c - writes the small files the CLI end-to-end tests run on, using only the
 * public API, so the fixtures always match the current file formats:
 *
 *   model.bin        4x4x1 image input (scale 1/255), dense 16->8 relu -> 3 softmax, output
 *                    names cat/dog/bird, embedded weighted background of 5 rows
 *   model_nobg.bin   the same network without a background
 *   model_vec.bin    the same network with a flat (16) input and an embedded background
 *   input.idx        uint8 (3, 4, 4): three images
 *   input.npy        float32 (3, 16): the same three rows
 *   bg.npy           float32 (5, 16): a background file
 *   input_bad.idx    uint8 (3, 4, 3): wrong shape for the model
 *   input_nan.npy    float32 (3, 16) with a NaN in row 1
 *   text.bin         a text model: 8 words (<unk> and <mask> included), mean embedding bag
 *                    of 4 dimensions -> dense 2 softmax (neg, pos); "good"/"fun" lean pos,
 *                    "bad"/"dull" neg
 *
 * usage: make_fixtures OUTDIR (the directory must exist). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/data.h>
#include <shapc/model.h>
#include <shapc/text.h>

#define D 16
#define HIDDEN 8
#define K 3
#define N_BG 5
#define N_IN 3

/* Deterministic values in [-1, 1) (a 32-bit LCG; fixtures must not depend on libc rand). */
static float next_unit(unsigned *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (float)((double)(*state >> 8) / 8388608.0 - 1.0);
}

static int check(shapc_status st, const shapc_error *err)
{
    if (st != SHAPC_OK) {
        fprintf(stderr, "make_fixtures: %s\n", err->message);
        return 1;
    }
    return 0;
}

static int write_array(const char *dir, const char *name, shapc_dtype dtype, size_t rank,
                       const size_t *shape, const void *data, size_t bytes)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    shapc_error err = {0};
    shapc_array *a = NULL;
    if (check(shapc_array_create(dtype, rank, shape, &a, &err), &err))
        return 1;
    memcpy(shapc_array_data(a), data, bytes);
    size_t len = strlen(name);
    int is_npy = len > 4 && strcmp(name + len - 4, ".npy") == 0;
    shapc_status st = is_npy ? shapc_npy_write(path, a, &err) : shapc_idx_write(path, a, &err);
    shapc_array_free(a);
    return check(st, &err);
}

/* text.bin: an embedding bag whose first dimension carries sentiment, through a dense
 * softmax layer, so explanations have a known sign per word. */
static int write_text_model(const char *dir)
{
    static const char *const vocab[8] = {"<unk>", "<mask>", "good", "bad",
                                         "fun",   "dull",   "film", "and"};
    static const float sentiment[8] = {0.0f, 0.0f, 1.5f, -1.5f, 1.0f, -1.0f, 0.1f, 0.0f};
    static const char *const labels[2] = {"neg", "pos"};
    float emb[8 * 4], w[2 * 4] = {-1.0f, 0.3f, -0.2f, 0.1f, 1.0f, -0.3f, 0.2f, -0.1f};
    float b[2] = {0.05f, -0.05f};
    unsigned seed = 777u;
    for (size_t v = 0; v < 8; v++) {
        emb[v * 4] = sentiment[v];
        for (size_t e = 1; e < 4; e++)
            emb[v * 4 + e] = 0.5f * next_unit(&seed);
    }
    shapc_layer_spec layer = {SHAPC_LAYER_DENSE, 4, 2, w, b, SHAPC_ACT_SOFTMAX};
    shapc_text_spec spec = shapc_text_spec_default();
    spec.dense.input_rank = 1;
    spec.dense.input_shape[0] = 4;
    spec.dense.n_layers = 1;
    spec.dense.layers = &layer;
    spec.dense.output_names = labels;
    spec.vocab_size = 8;
    spec.vocab = vocab;
    spec.unk_id = 0;
    spec.mask_id = 1;
    spec.embed_dim = 4;
    spec.embedding = emb;
    spec.max_tokens = 64;
    char path[4096];
    shapc_error err = {0};
    snprintf(path, sizeof path, "%s/text.bin", dir);
    return check(shapc_text_model_save(path, &spec, &err), &err);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_fixtures OUTDIR\n");
        return 2;
    }
    const char *dir = argv[1];
    unsigned seed = 12345u;
    float w1[HIDDEN * D], b1[HIDDEN], w2[K * HIDDEN], b2[K];
    for (size_t i = 0; i < HIDDEN * D; i++)
        w1[i] = next_unit(&seed);
    for (size_t i = 0; i < HIDDEN; i++)
        b1[i] = 0.1f * next_unit(&seed);
    for (size_t i = 0; i < K * HIDDEN; i++)
        w2[i] = next_unit(&seed);
    for (size_t i = 0; i < K; i++)
        b2[i] = 0.1f * next_unit(&seed);

    /* Pixel values 0..255, the model scales them to [0, 1]. */
    unsigned char img[N_IN * D];
    float img_f[N_IN * D], bg[N_BG * D];
    for (size_t i = 0; i < N_IN * D; i++) {
        img[i] = (unsigned char)((next_unit(&seed) + 1.0f) * 127.5f);
        img_f[i] = (float)img[i];
    }
    for (size_t i = 0; i < N_BG * D; i++)
        bg[i] = floorf((next_unit(&seed) + 1.0f) * 127.5f);
    const float bg_w[N_BG] = {1.0f, 2.0f, 1.0f, 3.0f, 1.0f};
    const char *const names[K] = {"cat", "dog", "bird"};

    shapc_layer_spec layers[2] = {
        {SHAPC_LAYER_DENSE, D, HIDDEN, w1, b1, SHAPC_ACT_RELU},
        {SHAPC_LAYER_DENSE, HIDDEN, K, w2, b2, SHAPC_ACT_SOFTMAX},
    };
    shapc_model_spec spec = shapc_model_spec_default();
    spec.input_rank = 3;
    spec.input_shape[0] = 4;
    spec.input_shape[1] = 4;
    spec.input_shape[2] = 1;
    spec.input_scale = 1.0f / 255.0f;
    spec.n_layers = 2;
    spec.layers = layers;
    spec.output_names = names;
    spec.n_background = N_BG;
    spec.background = bg;
    spec.background_weights = bg_w;

    char path[4096];
    shapc_error err = {0};
    snprintf(path, sizeof path, "%s/model.bin", dir);
    if (check(shapc_model_save(path, &spec, &err), &err))
        return 1;

    spec.input_rank = 1;
    spec.input_shape[0] = D;
    spec.input_shape[1] = spec.input_shape[2] = 0;
    snprintf(path, sizeof path, "%s/model_vec.bin", dir);
    if (check(shapc_model_save(path, &spec, &err), &err))
        return 1;

    spec.input_rank = 3;
    spec.input_shape[0] = 4;
    spec.input_shape[1] = 4;
    spec.input_shape[2] = 1;
    spec.n_background = 0;
    spec.background = NULL;
    spec.background_weights = NULL;
    snprintf(path, sizeof path, "%s/model_nobg.bin", dir);
    if (check(shapc_model_save(path, &spec, &err), &err))
        return 1;

    const size_t s_img[3] = {N_IN, 4, 4}, s_bad[3] = {N_IN, 4, 3};
    const size_t s_rows[2] = {N_IN, D}, s_bg[2] = {N_BG, D};
    float nan_rows[N_IN * D];
    memcpy(nan_rows, img_f, sizeof nan_rows);
    nan_rows[1 * D + 5] = NAN;
    if (write_array(dir, "input.idx", SHAPC_U8, 3, s_img, img, sizeof img) ||
        write_array(dir, "input.npy", SHAPC_F32, 2, s_rows, img_f, sizeof img_f) ||
        write_array(dir, "bg.npy", SHAPC_F32, 2, s_bg, bg, sizeof bg) ||
        write_array(dir, "input_bad.idx", SHAPC_U8, 3, s_bad, img, N_IN * 12) ||
        write_array(dir, "input_nan.npy", SHAPC_F32, 2, s_rows, nan_rows, sizeof nan_rows) ||
        write_text_model(dir))
        return 1;
    return 0;
}
