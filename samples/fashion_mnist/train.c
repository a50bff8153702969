/* train.c - the seed workflow in C: train the Keras MNIST recipe on Fashion-MNIST, save model.bin.
 *
 * The Python original is
 *     Flatten(28x28) -> Dense(128, relu) -> Dense(10, softmax), Adam, 5 epochs,
 *     then shap.KernelExplainer(model.predict, x_train[:100]).
 * This program reproduces the training: minibatch Adam on cross-entropy with forward and
 * backward passes as batched cblas_sgemm calls, then writes the network with shapc_model_save
 * (input scale 1/255 so the model takes raw pixels, the first N training images embedded as
 * the explainer's background) and checks the file by reloading it with shapc_model_load and
 * comparing its test-set predictions with the in-memory network's.
 *
 * It uses only the public shapc API plus CBLAS. Exit status: 0 success, 1 runtime error
 * (one line on stderr naming the file and reason), 2 usage error. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <cblas.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <shapc/data.h>
#include <shapc/model.h>
#include <shapc/status.h>

#define PROG "shapc-train-fashion-mnist"
#define DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"

enum { IMG_H = 28, IMG_W = 28, N_IN = IMG_H * IMG_W, N_HID = 128, N_OUT = 10 };

static const char *const CLASS_NAMES[N_OUT] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot",
};

/* ======================================================================================== */
/* Command line                                                                             */
/* ======================================================================================== */

typedef struct options {
    const char *data_dir;
    const char *out_path;
    long epochs;
    uint64_t seed;
    long batch;
    double lr;
    long background;
    double min_accuracy; /* fail (exit 1) below this test accuracy; 0 disables - for ctest */
} options;

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: " PROG " [--data DIR] [--epochs 5] [--seed 1] [--batch 128] [--lr 0.001]\n"
            "       [--background 100] [--min-accuracy 0] -o model.bin\n"
            "Trains Flatten(28x28) -> Dense(128, relu) -> Dense(10, softmax) with Adam on\n"
            "Fashion-MNIST (DIR holds the four *-ubyte.gz IDX files, default " DEFAULT_DATA_DIR
            ")\nand writes a shapc model.bin with the first N training images as background.\n");
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, PROG ": ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (try --help)\n");
    va_end(ap);
    return 2;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/* Returns 0 on success, 2 on a usage error (message printed), -1 after --help. */
static int parse_args(int argc, char **argv, options *opt)
{
    opt->data_dir = DEFAULT_DATA_DIR;
    opt->out_path = NULL;
    opt->epochs = 5;
    opt->seed = 1;
    opt->batch = 128;
    opt->lr = 1e-3;
    opt->background = 100;
    opt->min_accuracy = 0.0;

    static const char *const with_value[] = {"-o",     "--output", "--data", "--epochs",
                                             "--batch", "--background", "--seed", "--lr",
                                             "--min-accuracy"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        }
        int known = 0;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            known |= strcmp(a, with_value[k]) == 0;
        if (!known)
            return usage_error("unknown option '%s'", a);
        if (i + 1 >= argc)
            return usage_error("%s: missing value", a);
        const char *v = argv[++i];
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            opt->out_path = v;
        } else if (strcmp(a, "--data") == 0) {
            opt->data_dir = v;
        } else if (strcmp(a, "--epochs") == 0) {
            if (!parse_long(v, 0, 10000, &opt->epochs))
                return usage_error("--epochs: '%s' is not an integer in 0..10000", v);
        } else if (strcmp(a, "--batch") == 0) {
            if (!parse_long(v, 1, 65536, &opt->batch))
                return usage_error("--batch: '%s' is not an integer in 1..65536", v);
        } else if (strcmp(a, "--background") == 0) {
            if (!parse_long(v, 0, 1000000, &opt->background))
                return usage_error("--background: '%s' is not an integer in 0..1000000", v);
        } else if (strcmp(a, "--seed") == 0) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (errno != 0 || end == v || *end != '\0' || v[0] == '-')
                return usage_error("--seed: '%s' is not a non-negative integer", v);
            opt->seed = (uint64_t)s;
        } else { /* --lr or --min-accuracy */
            char *end;
            errno = 0;
            double d = strtod(v, &end);
            int is_lr = strcmp(a, "--lr") == 0;
            if (errno != 0 || end == v || *end != '\0' || !isfinite(d) ||
                (is_lr ? !(d > 0.0) : !(d >= 0.0 && d <= 1.0)))
                return usage_error(is_lr ? "--lr: '%s' is not a positive number"
                                         : "--min-accuracy: '%s' is not a number in 0..1",
                                   v);
            if (is_lr)
                opt->lr = d;
            else
                opt->min_accuracy = d;
        }
    }
    if (opt->out_path == NULL)
        return usage_error("%s", "missing -o model.bin");
    return 0;
}

/* ======================================================================================== */
/* Seeded local RNG: splitmix64 seeds xoshiro256** (Blackman & Vigna, 2018)                 */
/* ======================================================================================== */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed); /* never all zero: splitmix64 is a bijection of a counter */
}

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Uniform in [0, 1) from the top 53 bits. */
static double rng_uniform(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n >= 1, unbiased by rejecting the short top range. */
static uint64_t rng_below(rng *r, uint64_t n)
{
    uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
    for (;;) {
        uint64_t x = rng_next(r);
        if (x >= threshold)
            return x % n;
    }
}

/* ======================================================================================== */
/* Data: the four IDX files through shapc_idx_read                                          */
/* ======================================================================================== */

typedef struct split {
    shapc_array *images; /* (n, 28, 28) uint8 */
    shapc_array *labels; /* (n) uint8 */
    const uint8_t *x;    /* (n, 784) raw pixels 0..255, borrowed from images */
    const uint8_t *y;    /* (n) class 0..9, borrowed from labels */
    size_t n;
} split;

static void split_free(split *s)
{
    shapc_array_free(s->images);
    shapc_array_free(s->labels);
    memset(s, 0, sizeof *s);
}

static char *path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(len);
    if (p != NULL)
        snprintf(p, len, "%s/%s", dir, name);
    return p;
}

/* Reads "<prefix>-images-idx3-ubyte.gz" and "<prefix>-labels-idx1-ubyte.gz" and checks that
 * they are an aligned (n, 28, 28) / (n) uint8 pair with labels 0..9. Prints on failure. */
static int split_load(const char *dir, const char *prefix, split *out)
{
    char name[64];
    char *ipath = NULL, *lpath = NULL;
    shapc_error err = {0};
    int ok = 0;

    memset(out, 0, sizeof *out);
    snprintf(name, sizeof name, "%s-images-idx3-ubyte.gz", prefix);
    ipath = path_join(dir, name);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte.gz", prefix);
    lpath = path_join(dir, name);
    if (ipath == NULL || lpath == NULL) {
        fprintf(stderr, PROG ": %s: out of memory\n", dir);
        goto cleanup;
    }

    if (shapc_idx_read(ipath, 0, &out->images, &err) != SHAPC_OK ||
        shapc_idx_read(lpath, 0, &out->labels, &err) != SHAPC_OK) {
        fprintf(stderr, PROG ": %s\n", err.message);
        goto cleanup;
    }
    const shapc_array *im = out->images, *lb = out->labels;
    if (shapc_array_dtype(im) != SHAPC_U8 || shapc_array_rank(im) != 3 ||
        shapc_array_dim(im, 1) != IMG_H || shapc_array_dim(im, 2) != IMG_W ||
        shapc_array_dim(im, 0) == 0) {
        fprintf(stderr, PROG ": %s: expected uint8 images of shape (n, 28, 28), got %s rank %zu\n",
                ipath, shapc_dtype_name(shapc_array_dtype(im)), shapc_array_rank(im));
        goto cleanup;
    }
    out->n = shapc_array_dim(im, 0);
    if (shapc_array_dtype(lb) != SHAPC_U8 || shapc_array_rank(lb) != 1 ||
        shapc_array_dim(lb, 0) != out->n) {
        fprintf(stderr, PROG ": %s: expected %zu uint8 labels of shape (n), got %s rank %zu\n",
                lpath, out->n, shapc_dtype_name(shapc_array_dtype(lb)), shapc_array_rank(lb));
        goto cleanup;
    }
    out->x = shapc_array_cdata(im);
    out->y = shapc_array_cdata(lb);
    for (size_t i = 0; i < out->n; i++) {
        if (out->y[i] >= N_OUT) {
            fprintf(stderr, PROG ": %s: label %u at index %zu is outside 0..9\n", lpath,
                    (unsigned)out->y[i], i);
            goto cleanup;
        }
    }
    ok = 1;

cleanup:
    if (!ok)
        split_free(out);
    free(ipath);
    free(lpath);
    return ok;
}

/* ======================================================================================== */
/* Network: parameters in one block so Adam is a single loop                                 */
/* ======================================================================================== */

enum {
    OFF_W1 = 0,                       /* (128, 784) */
    OFF_B1 = OFF_W1 + N_HID * N_IN,   /* (128) */
    OFF_W2 = OFF_B1 + N_HID,          /* (10, 128) */
    OFF_B2 = OFF_W2 + N_OUT * N_HID,  /* (10) */
    N_PARAMS = OFF_B2 + N_OUT
};

typedef struct scratch {
    size_t cap;  /* rows */
    float *x;    /* (cap, 784) scaled inputs */
    float *h;    /* (cap, 128) hidden activations (post-relu) */
    float *p;    /* (cap, 10) probabilities */
    float *dz;   /* (cap, 10) dLoss/dlogits */
    float *dh;   /* (cap, 128) dLoss/dhidden */
    uint8_t *y;  /* (cap) labels of the batch */
} scratch;

static int scratch_alloc(scratch *s, size_t rows)
{
    s->cap = rows;
    s->x = malloc(rows * N_IN * sizeof(float));
    s->h = malloc(rows * N_HID * sizeof(float));
    s->p = malloc(rows * N_OUT * sizeof(float));
    s->dz = malloc(rows * N_OUT * sizeof(float));
    s->dh = malloc(rows * N_HID * sizeof(float));
    s->y = malloc(rows);
    return s->x && s->h && s->p && s->dz && s->dh && s->y;
}

static void scratch_free(scratch *s)
{
    free(s->x);
    free(s->h);
    free(s->p);
    free(s->dz);
    free(s->dh);
    free(s->y);
    memset(s, 0, sizeof *s);
}

/* Keras defaults would be Glorot-uniform for both layers; He-uniform (limit sqrt(6 / n_in))
 * suits the relu layer better and Glorot-uniform (limit sqrt(6 / (n_in + n_out))) the softmax
 * layer. Biases start at zero. */
static void init_params(float *params, rng *r)
{
    double lim1 = sqrt(6.0 / N_IN);
    double lim2 = sqrt(6.0 / (N_HID + N_OUT));
    memset(params, 0, N_PARAMS * sizeof(float));
    for (size_t i = 0; i < (size_t)N_HID * N_IN; i++)
        params[OFF_W1 + i] = (float)((2.0 * rng_uniform(r) - 1.0) * lim1);
    for (size_t i = 0; i < (size_t)N_OUT * N_HID; i++)
        params[OFF_W2 + i] = (float)((2.0 * rng_uniform(r) - 1.0) * lim2);
}

/* Gathers rows idx[0..n) (or 0..n from start when idx is NULL) as float pixels * 1/255. */
static void gather(float *xb, const uint8_t *images, const size_t *idx, size_t start, size_t n)
{
    const float scale = 1.0f / 255.0f;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *src = images + (idx ? idx[start + i] : start + i) * (size_t)N_IN;
        float *dst = xb + i * (size_t)N_IN;
        for (size_t j = 0; j < N_IN; j++)
            dst[j] = (float)src[j] * scale;
    }
}

/* Forward pass on s->x[0..n): fills s->h and s->p. When labels is non-NULL returns the summed
 * cross-entropy (computed as logsumexp(z) - z[y] from the logits, so it never takes log(0))
 * and adds the number of correct argmax predictions to *correct. */
static double forward(const float *params, scratch *s, size_t n, const uint8_t *labels,
                      size_t *correct)
{
    const float *w1 = params + OFF_W1, *b1 = params + OFF_B1;
    const float *w2 = params + OFF_W2, *b2 = params + OFF_B2;
    double loss = 0.0;

    /* H = relu(X W1^T + b1): (n, 784) x (784, 128) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, N_HID, N_IN, 1.0f, s->x, N_IN,
                w1, N_IN, 0.0f, s->h, N_HID);
    for (size_t i = 0; i < n; i++) {
        float *h = s->h + i * N_HID;
        for (size_t j = 0; j < N_HID; j++) {
            float v = h[j] + b1[j];
            h[j] = v > 0.0f ? v : 0.0f;
        }
    }
    /* Z = H W2^T + b2: (n, 128) x (128, 10), then a max-subtracted softmax per row. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, N_OUT, N_HID, 1.0f, s->h, N_HID,
                w2, N_HID, 0.0f, s->p, N_OUT);
    for (size_t i = 0; i < n; i++) {
        float *p = s->p + i * N_OUT;
        size_t best = 0;
        for (size_t j = 0; j < N_OUT; j++) {
            p[j] += b2[j];
            if (p[j] > p[best])
                best = j;
        }
        float zmax = p[best];
        float zy = labels ? p[labels[i]] : 0.0f;
        double sum = 0.0;
        for (size_t j = 0; j < N_OUT; j++) {
            p[j] = expf(p[j] - zmax);
            sum += (double)p[j];
        }
        for (size_t j = 0; j < N_OUT; j++)
            p[j] = (float)((double)p[j] / sum);
        if (labels) {
            loss += log(sum) - (double)(zy - zmax);
            *correct += best == labels[i];
        }
    }
    return loss;
}

/* Backward pass for the mean cross-entropy over n rows after forward(): writes the gradient
 * of every parameter into grad. With softmax + cross-entropy dL/dz = (p - onehot(y)) / n. */
static void backward(const float *params, scratch *s, size_t n, const uint8_t *labels,
                     float *grad)
{
    const float *w2 = params + OFF_W2;
    float *gw1 = grad + OFF_W1, *gb1 = grad + OFF_B1;
    float *gw2 = grad + OFF_W2, *gb2 = grad + OFF_B2;
    const float inv_n = 1.0f / (float)n;

    memset(gb1, 0, N_HID * sizeof(float));
    memset(gb2, 0, N_OUT * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        const float *p = s->p + i * N_OUT;
        float *dz = s->dz + i * N_OUT;
        for (size_t j = 0; j < N_OUT; j++) {
            dz[j] = (p[j] - (j == labels[i] ? 1.0f : 0.0f)) * inv_n;
            gb2[j] += dz[j];
        }
    }
    /* dW2 = dZ^T H: (10, n) x (n, 128) */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N_OUT, N_HID, (int)n, 1.0f, s->dz, N_OUT,
                s->h, N_HID, 0.0f, gw2, N_HID);
    /* dH = dZ W2: (n, 10) x (10, 128), masked by relu'(pre-activation) = (h > 0) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, N_HID, N_OUT, 1.0f, s->dz,
                N_OUT, w2, N_HID, 0.0f, s->dh, N_HID);
    for (size_t i = 0; i < n; i++) {
        const float *h = s->h + i * N_HID;
        float *dh = s->dh + i * N_HID;
        for (size_t j = 0; j < N_HID; j++) {
            if (!(h[j] > 0.0f))
                dh[j] = 0.0f;
            gb1[j] += dh[j];
        }
    }
    /* dW1 = dH^T X: (128, n) x (n, 784) */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N_HID, N_IN, (int)n, 1.0f, s->dh, N_HID,
                s->x, N_IN, 0.0f, gw1, N_IN);
}

/* Adam (Kingma & Ba, 2015, Algorithm 1) in Keras's form: the bias corrections fold into the
 * step size, alpha_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t), and eps is added to sqrt(v)
 * uncorrected (Keras's epsilon 1e-7, the "epsilon hat" of the paper's section 2). */
typedef struct adam {
    double lr, beta1, beta2, eps;
    double beta1_t, beta2_t; /* beta^t */
    float *m, *v;            /* (N_PARAMS) moment estimates */
} adam;

static void adam_step(adam *a, float *params, const float *grad)
{
    a->beta1_t *= a->beta1;
    a->beta2_t *= a->beta2;
    const float alpha = (float)(a->lr * sqrt(1.0 - a->beta2_t) / (1.0 - a->beta1_t));
    const float b1 = (float)a->beta1, b2 = (float)a->beta2, eps = (float)a->eps;
    for (size_t i = 0; i < N_PARAMS; i++) {
        float g = grad[i];
        a->m[i] = b1 * a->m[i] + (1.0f - b1) * g;
        a->v[i] = b2 * a->v[i] + (1.0f - b2) * g * g;
        params[i] -= alpha * a->m[i] / (sqrtf(a->v[i]) + eps);
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t argmax10(const float *p)
{
    size_t best = 0;
    for (size_t j = 1; j < N_OUT; j++)
        if (p[j] > p[best])
            best = j;
    return best;
}

/* Probabilities of the in-memory network for every row of sp into probs (n, 10). */
static void predict_split(const float *params, scratch *s, const split *sp, float *probs)
{
    for (size_t start = 0; start < sp->n; start += s->cap) {
        size_t nb = sp->n - start < s->cap ? sp->n - start : s->cap;
        gather(s->x, sp->x, NULL, start, nb);
        forward(params, s, nb, NULL, NULL);
        memcpy(probs + start * N_OUT, s->p, nb * N_OUT * sizeof(float));
    }
}

static size_t count_correct(const float *probs, const uint8_t *labels, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += argmax10(probs + i * N_OUT) == labels[i];
    return c;
}

/* ======================================================================================== */
/* Save, then reload through the library and compare                                        */
/* ======================================================================================== */

static int save_model(const options *opt, const float *params, const split *train)
{
    shapc_error err = {0};
    size_t nbg = (size_t)opt->background;
    float *bg = NULL;

    if (nbg > 0) {
        bg = malloc(nbg * N_IN * sizeof(float));
        if (bg == NULL) {
            fprintf(stderr, PROG ": %s: out of memory for the background\n", opt->out_path);
            return 0;
        }
        for (size_t i = 0; i < nbg * N_IN; i++)
            bg[i] = (float)train->x[i]; /* raw pixel units: the model applies 1/255 itself */
    }

    const shapc_layer_spec layers[2] = {
        {SHAPC_LAYER_DENSE, N_IN, N_HID, params + OFF_W1, params + OFF_B1, SHAPC_ACT_RELU},
        {SHAPC_LAYER_DENSE, N_HID, N_OUT, params + OFF_W2, params + OFF_B2, SHAPC_ACT_SOFTMAX},
    };
    shapc_model_spec spec = shapc_model_spec_default();
    spec.input_rank = 3;
    spec.input_shape[0] = IMG_H;
    spec.input_shape[1] = IMG_W;
    spec.input_shape[2] = 1;
    spec.input_scale = 1.0f / 255.0f;
    spec.n_layers = 2;
    spec.layers = layers;
    spec.output_names = CLASS_NAMES;
    spec.n_background = nbg;
    spec.background = bg;
    spec.background_weights = NULL; /* uniform, as shap.KernelExplainer with a plain array */

    shapc_status st = shapc_model_save(opt->out_path, &spec, &err);
    free(bg);
    if (st != SHAPC_OK) {
        fprintf(stderr, PROG ": %s\n", err.message);
        return 0;
    }
    return 1;
}

/* Loads the saved file and predicts the test set from raw pixels; compares with the trained
 * network's accuracy (probs_ref). Prints on failure. */
static int check_reload(const options *opt, const split *test, const float *probs_ref,
                        double acc_ref)
{
    enum { CHUNK = 1000 };
    shapc_error err = {0};
    shapc_model *model = NULL;
    float *x = NULL, *probs = NULL;
    int ok = 0;

    if (shapc_model_load(opt->out_path, &model, &err) != SHAPC_OK) {
        fprintf(stderr, PROG ": %s\n", err.message);
        goto cleanup;
    }
    if (shapc_model_n_inputs(model) != N_IN || shapc_model_n_outputs(model) != N_OUT) {
        fprintf(stderr, PROG ": %s: reloaded model maps %zu -> %zu, expected 784 -> 10\n",
                opt->out_path, shapc_model_n_inputs(model), shapc_model_n_outputs(model));
        goto cleanup;
    }
    const size_t *shape = shapc_model_input_shape(model);
    if (shapc_model_input_rank(model) != 3 || shape[0] != IMG_H || shape[1] != IMG_W ||
        shape[2] != 1) {
        fprintf(stderr, PROG ": %s: reloaded model lost its 28x28x1 input shape\n",
                opt->out_path);
        goto cleanup;
    }
    for (size_t j = 0; j < N_OUT; j++) {
        const char *name = shapc_model_output_name(model, j);
        if (name == NULL || strcmp(name, CLASS_NAMES[j]) != 0) {
            fprintf(stderr, PROG ": %s: reloaded output %zu is named '%s', expected '%s'\n",
                    opt->out_path, j, name ? name : "(null)", CLASS_NAMES[j]);
            goto cleanup;
        }
    }
    size_t nbg = 0;
    (void)shapc_model_background(model, &nbg);
    if (nbg != (size_t)opt->background) {
        fprintf(stderr, PROG ": %s: reloaded model has %zu background rows, expected %ld\n",
                opt->out_path, nbg, opt->background);
        goto cleanup;
    }
    x = malloc((size_t)CHUNK * N_IN * sizeof(float));
    probs = malloc(test->n * N_OUT * sizeof(float));
    if (x == NULL || probs == NULL) {
        fprintf(stderr, PROG ": %s: out of memory for the reload check\n", opt->out_path);
        goto cleanup;
    }
    for (size_t start = 0; start < test->n; start += CHUNK) {
        size_t nb = test->n - start < CHUNK ? test->n - start : CHUNK;
        const uint8_t *src = test->x + start * N_IN;
        for (size_t i = 0; i < nb * N_IN; i++)
            x[i] = (float)src[i]; /* raw pixels: the model scales them */
        if (shapc_model_predict(model, x, nb, probs + start * N_OUT, &err) != SHAPC_OK) {
            fprintf(stderr, PROG ": %s: %s\n", opt->out_path, err.message);
            goto cleanup;
        }
    }
    double max_diff = 0.0;
    for (size_t i = 0; i < test->n * N_OUT; i++) {
        double d = fabs((double)probs[i] - (double)probs_ref[i]);
        if (d > max_diff)
            max_diff = d;
    }
    double acc = (double)count_correct(probs, test->y, test->n) / (double)test->n;
    printf("reloaded model accuracy %.4f (%s; max |p - p_trained| %.2g)\n", acc,
           shapc_model_describe(model), max_diff);
    if (fabs(acc - acc_ref) > 0.001) {
        fprintf(stderr, PROG ": %s: reloaded model accuracy %.4f differs from trained %.4f\n",
                opt->out_path, acc, acc_ref);
        goto cleanup;
    }
    ok = 1;

cleanup:
    free(x);
    free(probs);
    shapc_model_free(model);
    return ok;
}

/* ======================================================================================== */
/* main                                                                                     */
/* ======================================================================================== */

int main(int argc, char **argv)
{
    options opt;
    split train = {0}, test = {0};
    scratch s = {0};
    float *params = NULL, *grad = NULL, *probs = NULL;
    size_t *order = NULL;
    adam opt_state = {0};
    int rc = 1;

    setvbuf(stdout, NULL, _IOLBF, 0); /* progress lines stay in order with stderr messages */
    int prc = parse_args(argc, argv, &opt);
    if (prc != 0)
        return prc < 0 ? 0 : prc;

    if (!split_load(opt.data_dir, "train", &train) || !split_load(opt.data_dir, "t10k", &test))
        goto cleanup;
    if ((size_t)opt.background > train.n) {
        fprintf(stderr, PROG ": --background %ld exceeds the %zu training images\n",
                opt.background, train.n);
        rc = 2;
        goto cleanup;
    }
    printf("data: %zu training, %zu test images from %s\n", train.n, test.n, opt.data_dir);

    size_t batch = (size_t)opt.batch;
    params = malloc(N_PARAMS * sizeof(float));
    grad = malloc(N_PARAMS * sizeof(float));
    opt_state.m = calloc(N_PARAMS, sizeof(float));
    opt_state.v = calloc(N_PARAMS, sizeof(float));
    order = malloc(train.n * sizeof(size_t));
    probs = malloc(test.n * N_OUT * sizeof(float));
    if (!params || !grad || !opt_state.m || !opt_state.v || !order || !probs ||
        !scratch_alloc(&s, batch)) {
        fprintf(stderr, PROG ": out of memory\n");
        goto cleanup;
    }
    opt_state.lr = opt.lr;
    opt_state.beta1 = 0.9;
    opt_state.beta2 = 0.999;
    opt_state.eps = 1e-7;
    opt_state.beta1_t = opt_state.beta2_t = 1.0;

    rng r;
    rng_seed(&r, opt.seed);
    init_params(params, &r);
    for (size_t i = 0; i < train.n; i++)
        order[i] = i;

    printf("model: 784 -> dense 128 relu -> dense 10 softmax (%d parameters), Adam lr %g, "
           "batch %zu, seed %" PRIu64 "\n", (int)N_PARAMS, opt.lr, batch, opt.seed);
    double t_train = now_seconds();
    for (long epoch = 1; epoch <= opt.epochs; epoch++) {
        double t0 = now_seconds();
        /* Fisher-Yates shuffle of the visiting order, as Keras's shuffle=True does per epoch */
        for (size_t i = train.n - 1; i > 0; i--) {
            size_t j = (size_t)rng_below(&r, (uint64_t)i + 1);
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double loss_sum = 0.0;
        size_t correct = 0;
        for (size_t start = 0; start < train.n; start += batch) {
            size_t nb = train.n - start < batch ? train.n - start : batch; /* last may be short */
            gather(s.x, train.x, order, start, nb);
            for (size_t i = 0; i < nb; i++)
                s.y[i] = train.y[order[start + i]];
            loss_sum += forward(params, &s, nb, s.y, &correct);
            backward(params, &s, nb, s.y, grad);
            adam_step(&opt_state, params, grad);
        }
        double loss = loss_sum / (double)train.n;
        if (!isfinite(loss)) {
            fprintf(stderr, PROG ": training diverged in epoch %ld (loss %g); lower --lr\n",
                    epoch, loss);
            goto cleanup;
        }
        printf("epoch %ld/%ld  loss %.4f  train accuracy %.4f  %.2f s\n", epoch, opt.epochs, loss,
               (double)correct / (double)train.n, now_seconds() - t0);
    }
    t_train = now_seconds() - t_train;

    predict_split(params, &s, &test, probs);
    size_t test_correct = count_correct(probs, test.y, test.n);
    double acc = (double)test_correct / (double)test.n;
    printf("training time %.2f s (%ld epochs)\n", t_train, opt.epochs);
    printf("test accuracy %.4f (%zu/%zu)\n", acc, test_correct, test.n);

    if (!save_model(&opt, params, &train))
        goto cleanup;
    if (opt.background > 0)
        printf("wrote %s (background: first %ld training images)\n", opt.out_path,
               opt.background);
    else
        printf("wrote %s (no background)\n", opt.out_path);
    if (!check_reload(&opt, &test, probs, acc))
        goto cleanup;
    if (acc < opt.min_accuracy) {
        fprintf(stderr, PROG ": test accuracy %.4f is below --min-accuracy %.4f\n", acc,
                opt.min_accuracy);
        goto cleanup;
    }
    rc = 0;

cleanup:
    scratch_free(&s);
    free(params);
    free(grad);
    free(opt_state.m);
    free(opt_state.v);
    free(order);
    free(probs);
    split_free(&train);
    split_free(&test);
    return rc;
}
