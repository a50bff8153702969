/* train_cnn.c - trains a small CNN on Fashion-MNIST in plain C, saves it as a convolutional
 * model.bin and explains two test images with 4x4-pixel patches.
 *
 *   conv 3x3x8 relu (same) -> maxpool 2 -> conv 3x3x16 relu (same) -> global avg pool
 *   -> dense 10 softmax
 *
 * Training is minibatch Adam with hand-written backpropagation (naive loops: the network is
 * small, and the point is an honest, readable trainer, not speed). The trained weights then
 * become a shapc_model_spec; the library's im2col/sgemm forward pass is checked against the
 * trainer's own forward pass, test accuracy is measured through the library, and two test
 * images are explained with KernelSHAP over 49 patch players and drawn with the image plot.
 *
 * Usage: shapc-fashion-cnn --data DIR -o model.bin [--png explain.png] [--train N]
 *        [--epochs E] [--lr R] [--seed S] [--nsamples K] [--min-accuracy A] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shapc/data.h"
#include "shapc/kernel.h"
#include "shapc/model.h"
#include "shapc/plot.h"

#define IMG 28
#define C1 8
#define P1 14 /* after 2x2 max pooling */
#define C2 16
#define NCLS 10
#define BATCH 32

static const char *const CLASS_NAMES[NCLS] = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                              "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                                              "Ankle boot"};

/* ---- parameters and their Adam state ---- */

enum { W1, B1, W2, B2, W3, B3, NPARAM };
static const size_t PSIZE[NPARAM] = {C1 * 9, C1, C2 * 9 * C1, C2, NCLS * C2, NCLS};

typedef struct params {
    float *p[NPARAM];
} params;

typedef struct trainer {
    params w, grad, m, v;
    size_t step;
} trainer;

static uint64_t rng = 88172645463325252u;

static double urand01(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static double gauss(void)
{
    double u = urand01(), v = urand01();
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static int params_alloc(params *p)
{
    for (int i = 0; i < NPARAM; i++)
        if (!(p->p[i] = calloc(PSIZE[i], sizeof(float))))
            return 0;
    return 1;
}

static void params_free(params *p)
{
    for (int i = 0; i < NPARAM; i++)
        free(p->p[i]);
}

/* He initialisation for the weights, zero biases. */
static void params_init(params *p)
{
    const double fan_in[NPARAM] = {9, 0, 9 * C1, 0, C2, 0};
    for (int i = 0; i < NPARAM; i++)
        for (size_t j = 0; fan_in[i] > 0 && j < PSIZE[i]; j++)
            p->p[i][j] = (float)(gauss() * sqrt(2.0 / fan_in[i]));
}

/* ---- one image: forward and backward, channels-last ---- */

typedef struct acts {
    float x[IMG * IMG];
    float z1[IMG * IMG * C1];
    float p1[P1 * P1 * C1];
    int arg1[P1 * P1 * C1]; /* index into z1 of each pooled maximum */
    float z2[P1 * P1 * C2];
    float g[C2];
    float prob[NCLS];
} acts;

/* 3x3 same-padding convolution: out (h, w, oc) = conv(in (h, w, c)) + b. */
static void conv3_fwd(const float *in, size_t h, size_t w, size_t c, const float *wt,
                      const float *b, size_t oc, float *out)
{
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++)
            for (size_t o = 0; o < oc; o++) {
                float s = b[o];
                for (size_t ky = 0; ky < 3; ky++) {
                    long iy = (long)y + (long)ky - 1;
                    if (iy < 0 || iy >= (long)h)
                        continue;
                    for (size_t kx = 0; kx < 3; kx++) {
                        long ix = (long)x + (long)kx - 1;
                        if (ix < 0 || ix >= (long)w)
                            continue;
                        const float *src = in + ((size_t)iy * w + (size_t)ix) * c;
                        const float *k = wt + ((o * 3 + ky) * 3 + kx) * c;
                        for (size_t ch = 0; ch < c; ch++)
                            s += k[ch] * src[ch];
                    }
                }
                out[(y * w + x) * oc + o] = s;
            }
}

/* Backward of conv3_fwd given dout: accumulates dwt, db and (if din) din. */
static void conv3_bwd(const float *in, size_t h, size_t w, size_t c, const float *wt,
                      size_t oc, const float *dout, float *dwt, float *db, float *din)
{
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++)
            for (size_t o = 0; o < oc; o++) {
                float g = dout[(y * w + x) * oc + o];
                if (g == 0.0f)
                    continue;
                db[o] += g;
                for (size_t ky = 0; ky < 3; ky++) {
                    long iy = (long)y + (long)ky - 1;
                    if (iy < 0 || iy >= (long)h)
                        continue;
                    for (size_t kx = 0; kx < 3; kx++) {
                        long ix = (long)x + (long)kx - 1;
                        if (ix < 0 || ix >= (long)w)
                            continue;
                        size_t at = ((size_t)iy * w + (size_t)ix) * c;
                        size_t kat = ((o * 3 + ky) * 3 + kx) * c;
                        for (size_t ch = 0; ch < c; ch++) {
                            dwt[kat + ch] += g * in[at + ch];
                            if (din)
                                din[at + ch] += g * wt[kat + ch];
                        }
                    }
                }
            }
}

static void forward(const params *p, const unsigned char *img, acts *a)
{
    for (size_t i = 0; i < IMG * IMG; i++)
        a->x[i] = (float)img[i] / 255.0f;
    conv3_fwd(a->x, IMG, IMG, 1, p->p[W1], p->p[B1], C1, a->z1);
    for (size_t y = 0; y < P1; y++)
        for (size_t x = 0; x < P1; x++)
            for (size_t c = 0; c < C1; c++) {
                float best = -INFINITY;
                int arg = 0;
                for (size_t dy = 0; dy < 2; dy++)
                    for (size_t dx = 0; dx < 2; dx++) {
                        size_t at = ((2 * y + dy) * IMG + 2 * x + dx) * C1 + c;
                        float v = a->z1[at] > 0.0f ? a->z1[at] : 0.0f; /* relu, then pool */
                        if (v > best) {
                            best = v;
                            arg = (int)at;
                        }
                    }
                a->p1[(y * P1 + x) * C1 + c] = best;
                a->arg1[(y * P1 + x) * C1 + c] = arg;
            }
    conv3_fwd(a->p1, P1, P1, C1, p->p[W2], p->p[B2], C2, a->z2);
    for (size_t c = 0; c < C2; c++) {
        double s = 0;
        for (size_t i = 0; i < P1 * P1; i++) {
            float v = a->z2[i * C2 + c];
            s += v > 0.0f ? (double)v : 0.0;
        }
        a->g[c] = (float)(s / (P1 * P1));
    }
    double mx = -(double)INFINITY, sum = 0;
    double z[NCLS];
    for (size_t j = 0; j < NCLS; j++) {
        z[j] = (double)p->p[B3][j];
        for (size_t c = 0; c < C2; c++)
            z[j] += (double)p->p[W3][j * C2 + c] * (double)a->g[c];
        if (z[j] > mx)
            mx = z[j];
    }
    for (size_t j = 0; j < NCLS; j++)
        sum += exp(z[j] - mx);
    for (size_t j = 0; j < NCLS; j++)
        a->prob[j] = (float)(exp(z[j] - mx) / sum);
}

/* Cross-entropy gradient of one image added to t->grad. */
static void backward(trainer *t, const acts *a, int label)
{
    static float dz2[P1 * P1 * C2], dp1[P1 * P1 * C1], dz1[IMG * IMG * C1];
    float dlog[NCLS], dg[C2] = {0};
    const params *p = &t->w;
    params *gr = &t->grad;
    for (size_t j = 0; j < NCLS; j++)
        dlog[j] = a->prob[j] - (j == (size_t)label ? 1.0f : 0.0f);
    for (size_t j = 0; j < NCLS; j++) {
        gr->p[B3][j] += dlog[j];
        for (size_t c = 0; c < C2; c++) {
            gr->p[W3][j * C2 + c] += dlog[j] * a->g[c];
            dg[c] += dlog[j] * p->p[W3][j * C2 + c];
        }
    }
    for (size_t i = 0; i < P1 * P1; i++)
        for (size_t c = 0; c < C2; c++)
            dz2[i * C2 + c] = a->z2[i * C2 + c] > 0.0f ? dg[c] / (P1 * P1) : 0.0f;
    memset(dp1, 0, sizeof dp1);
    conv3_bwd(a->p1, P1, P1, C1, p->p[W2], C2, dz2, gr->p[W2], gr->p[B2], dp1);
    memset(dz1, 0, sizeof dz1);
    for (size_t i = 0; i < P1 * P1 * C1; i++)
        if (a->z1[a->arg1[i]] > 0.0f)
            dz1[a->arg1[i]] += dp1[i];
    conv3_bwd(a->x, IMG, IMG, 1, p->p[W1], C1, dz1, gr->p[W1], gr->p[B1], NULL);
}

static void adam_step(trainer *t, size_t batch, double lr)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    t->step++;
    double c1 = 1.0 - pow(b1, (double)t->step), c2 = 1.0 - pow(b2, (double)t->step);
    for (int i = 0; i < NPARAM; i++)
        for (size_t j = 0; j < PSIZE[i]; j++) {
            double g = (double)t->grad.p[i][j] / (double)batch;
            double m = b1 * (double)t->m.p[i][j] + (1 - b1) * g;
            double v = b2 * (double)t->v.p[i][j] + (1 - b2) * g * g;
            t->m.p[i][j] = (float)m;
            t->v.p[i][j] = (float)v;
            t->w.p[i][j] -= (float)(lr * (m / c1) / (sqrt(v / c2) + eps));
            t->grad.p[i][j] = 0.0f;
        }
}

/* ---- data ---- */

typedef struct dataset {
    shapc_array *images, *labels;
    const unsigned char *x, *y;
    size_t n;
} dataset;

static int load_set(const char *dir, const char *prefix, dataset *out)
{
    char ipath[4096], lpath[4096];
    shapc_error err = {0};
    snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    memset(out, 0, sizeof *out);
    if (shapc_idx_read(ipath, 0, &out->images, &err) != SHAPC_OK ||
        shapc_idx_read(lpath, 0, &out->labels, &err) != SHAPC_OK) {
        fprintf(stderr, "shapc-fashion-cnn: %s\n", err.message);
        return 0;
    }
    out->n = shapc_array_dim(out->images, 0);
    if (shapc_array_dtype(out->images) != SHAPC_U8 || shapc_array_rank(out->images) != 3 ||
        shapc_array_dim(out->images, 1) != IMG || shapc_array_dim(out->images, 2) != IMG ||
        shapc_array_dtype(out->labels) != SHAPC_U8 || shapc_array_size(out->labels) != out->n) {
        fprintf(stderr, "shapc-fashion-cnn: %s / %s are not 28x28 uint8 images and labels\n",
                ipath, lpath);
        return 0;
    }
    out->x = shapc_array_cdata(out->images);
    out->y = shapc_array_cdata(out->labels);
    return 1;
}

static void set_free(dataset *d)
{
    shapc_array_free(d->images);
    shapc_array_free(d->labels);
}

/* ---- the trained network as a native model ---- */

static shapc_model_spec make_spec(const params *p, shapc_layer_spec *layers,
                                  shapc_layer_geometry *geo)
{
    shapc_model_spec spec = shapc_model_spec_default();
    memset(geo, 0, 5 * sizeof *geo);
    spec.input_rank = 3;
    spec.input_shape[0] = IMG;
    spec.input_shape[1] = IMG;
    spec.input_shape[2] = 1;
    spec.input_scale = 1.0f / 255.0f;
    layers[0] = (shapc_layer_spec){SHAPC_LAYER_CONV2D, IMG * IMG, IMG * IMG * C1, p->p[W1],
                                   p->p[B1], SHAPC_ACT_RELU};
    geo[0] = (shapc_layer_geometry){IMG, IMG, 1, C1, 3, 3, 1, SHAPC_PAD_SAME};
    layers[1] = (shapc_layer_spec){SHAPC_LAYER_MAXPOOL, IMG * IMG * C1, P1 * P1 * C1, NULL, NULL,
                                   SHAPC_ACT_IDENTITY};
    geo[1] = (shapc_layer_geometry){IMG, IMG, C1, C1, 2, 2, 2, SHAPC_PAD_VALID};
    layers[2] = (shapc_layer_spec){SHAPC_LAYER_CONV2D, P1 * P1 * C1, P1 * P1 * C2, p->p[W2],
                                   p->p[B2], SHAPC_ACT_RELU};
    geo[2] = (shapc_layer_geometry){P1, P1, C1, C2, 3, 3, 1, SHAPC_PAD_SAME};
    layers[3] = (shapc_layer_spec){SHAPC_LAYER_GLOBAL_AVGPOOL, P1 * P1 * C2, C2, NULL, NULL,
                                   SHAPC_ACT_IDENTITY};
    geo[3] = (shapc_layer_geometry){P1, P1, C2, 0, 0, 0, 0, SHAPC_PAD_VALID};
    layers[4] = (shapc_layer_spec){SHAPC_LAYER_DENSE, C2, NCLS, p->p[W3], p->p[B3],
                                   SHAPC_ACT_SOFTMAX};
    spec.n_layers = 5;
    spec.layers = layers;
    spec.layer_geometry = geo;
    spec.output_names = CLASS_NAMES;
    return spec;
}

static void to_floats(const unsigned char *img, size_t n, float *out)
{
    for (size_t i = 0; i < n * IMG * IMG; i++)
        out[i] = (float)img[i];
}

static int usage(void)
{
    fprintf(stderr, "usage: shapc-fashion-cnn --data DIR -o model.bin [--png explain.png] "
                    "[--train N] [--epochs E] [--lr R] [--seed S] [--nsamples K] "
                    "[--min-accuracy A]\n"
                    "shapc-fashion-cnn: missing -o model.bin\n");
    return 2;
}

/* Explains test images 0 and 1 with 4x4 patches; draws the top-3 classes of each. */
static int explain(const shapc_model *model, const dataset *train, const dataset *test,
                   size_t nsamples, const char *png)
{
    enum { NBG = 20, NEX = 2, TOP = 3, GRID = IMG / 4 };
    float bg[NBG * IMG * IMG], x[NEX * IMG * IMG], probs_f[NEX * NCLS];
    size_t group_of[IMG * IMG];
    double phi[GRID * GRID * NCLS], fx[NCLS], pix[NEX * TOP * IMG * IMG], probs[NEX * TOP];
    const char *labels[NEX * TOP];
    shapc_error err = {0};
    shapc_kernel *kr = NULL;
    shapc_kernel_options opt = shapc_kernel_options_default();
    opt.nsamples = nsamples;
    for (size_t i = 0; i < NBG; i++) /* a spread of training images as the background */
        to_floats(train->x + (i * 997 % train->n) * IMG * IMG, 1, bg + i * IMG * IMG);
    to_floats(test->x, NEX, x);
    for (size_t y = 0; y < IMG; y++)
        for (size_t xx = 0; xx < IMG; xx++)
            group_of[y * IMG + xx] = (y / 4) * GRID + xx / 4;
    if (shapc_kernel_create(model, bg, NBG, NULL, &opt, &kr, &err) != SHAPC_OK ||
        shapc_kernel_set_groups(kr, group_of, GRID * GRID, &err) != SHAPC_OK ||
        shapc_model_predict(model, x, NEX, probs_f, &err) != SHAPC_OK)
        goto fail;
    for (size_t e = 0; e < NEX; e++) {
        shapc_kernel_info info;
        int order[NCLS];
        double sum_err = 0;
        if (shapc_kernel_explain(kr, x + e * IMG * IMG, phi, NULL, fx, &info, &err) != SHAPC_OK)
            goto fail;
        for (int j = 0; j < NCLS; j++)
            order[j] = j;
        for (int a = 0; a < NCLS; a++) /* top classes by probability */
            for (int b = a + 1; b < NCLS; b++)
                if (probs_f[e * NCLS + (size_t)order[b]] > probs_f[e * NCLS + (size_t)order[a]]) {
                    int t = order[a];
                    order[a] = order[b];
                    order[b] = t;
                }
        for (size_t o = 0; o < NCLS; o++) {
            double s = shapc_kernel_base_values(kr)[o];
            for (size_t g = 0; g < GRID * GRID; g++)
                s += phi[g * NCLS + o];
            sum_err = fmax(sum_err, fabs(s - fx[o]));
        }
        printf("image %zu (true %s): predicted %s (%.3f); %zu patch players, %zu coalitions, "
               "additivity error %.2g\n", e, CLASS_NAMES[test->y[e]], CLASS_NAMES[order[0]],
               (double)probs_f[e * NCLS + (size_t)order[0]], info.n_players, info.n_coalitions,
               sum_err);
        for (size_t t = 0; t < TOP; t++) {
            size_t cls = (size_t)order[t];
            labels[e * TOP + t] = CLASS_NAMES[cls];
            probs[e * TOP + t] = (double)probs_f[e * NCLS + cls];
            for (size_t i = 0; i < IMG * IMG; i++) /* a patch's value spread over its pixels */
                pix[(e * TOP + t) * IMG * IMG + i] = phi[group_of[i] * NCLS + cls] / 16.0;
        }
    }
    shapc_kernel_free(kr);
    kr = NULL;
    if (png) {
        shapc_plot_options po = shapc_plot_options_default();
        shapc_plot_image_data data = {0};
        int32_t patch[NEX * IMG * IMG]; /* the patches outlined on the class panels */
        for (size_t i = 0; i < NEX * IMG * IMG; i++)
            patch[i] = (int32_t)group_of[i % (IMG * IMG)];
        data.images = x;
        data.n = NEX;
        data.hgt = data.wid = IMG;
        data.c = 1;
        data.phi = pix;
        data.p = TOP;
        data.labels = labels;
        data.probs = probs;
        data.groups = patch;
        po.title = "Fashion-MNIST CNN: 4x4 patch SHAP values";
        if (shapc_plot_image(png, &po, &data, &err) != SHAPC_OK)
            goto fail;
        printf("wrote %s\n", png);
    }
    return 1;
fail:
    shapc_kernel_free(kr);
    fprintf(stderr, "shapc-fashion-cnn: %s\n", err.message);
    return 0;
}

int main(int argc, char **argv)
{
    const char *data_dir = "/usr/share/datasets/fashion-mnist", *out = NULL, *png = NULL;
    size_t n_train = 20000, epochs = 2, nsamples = 2000;
    double min_acc = 0.0, lr = 0.01;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; i += 2) { /* every option takes a value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return usage();
        if (!strcmp(a, "--data"))
            data_dir = v;
        else if (!strcmp(a, "-o"))
            out = v;
        else if (!strcmp(a, "--png"))
            png = v;
        else if (!strcmp(a, "--train"))
            n_train = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--epochs"))
            epochs = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--seed"))
            seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--nsamples"))
            nsamples = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--lr"))
            lr = strtod(v, NULL);
        else if (!strcmp(a, "--min-accuracy"))
            min_acc = strtod(v, NULL);
        else
            return usage();
    }
    if (!out)
        return usage();
    rng ^= seed * 0x9e3779b97f4a7c15u;
    dataset train, test;
    if (!load_set(data_dir, "train", &train) || !load_set(data_dir, "t10k", &test))
        return 1;
    if (n_train == 0 || n_train > train.n)
        n_train = train.n;

    trainer t;
    memset(&t, 0, sizeof t);
    static acts a;
    size_t *order = malloc(n_train * sizeof *order);
    if (!order || !params_alloc(&t.w) || !params_alloc(&t.grad) || !params_alloc(&t.m) ||
        !params_alloc(&t.v)) {
        fprintf(stderr, "shapc-fashion-cnn: out of memory\n");
        return 1;
    }
    params_init(&t.w);
    for (size_t i = 0; i < n_train; i++)
        order[i] = i;
    for (size_t ep = 0; ep < epochs; ep++) {
        double loss = 0;
        size_t correct = 0, in_batch = 0;
        for (size_t i = n_train - 1; i > 0; i--) { /* shuffle */
            size_t j = (size_t)(urand01() * (double)(i + 1)); /* urand01 < 1: j <= i */
            size_t tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        for (size_t i = 0; i < n_train; i++) {
            size_t s = order[i];
            int label = train.y[s];
            forward(&t.w, train.x + s * IMG * IMG, &a);
            loss -= log((double)a.prob[label] + 1e-12);
            int best = 0;
            for (int j = 1; j < NCLS; j++)
                if (a.prob[j] > a.prob[best])
                    best = j;
            correct += best == label;
            backward(&t, &a, label);
            if (++in_batch == BATCH || i + 1 == n_train) {
                adam_step(&t, in_batch, lr);
                in_batch = 0;
            }
        }
        printf("epoch %zu: loss %.4f, train accuracy %.4f\n", ep + 1, loss / (double)n_train,
               (double)correct / (double)n_train);
    }

    /* The trained network through the library: same outputs as the trainer, test accuracy. */
    shapc_layer_spec layers[5];
    shapc_layer_geometry geo[5];
    shapc_model_spec spec = make_spec(&t.w, layers, geo);
    shapc_model *model = NULL, *loaded = NULL;
    shapc_error err = {0};
    int rc = 1;
    float *xt = malloc(test.n * IMG * IMG * sizeof *xt), *yt = malloc(test.n * NCLS * sizeof *yt);
    float *yl = malloc(test.n * NCLS * sizeof *yl);
    if (!xt || !yt || !yl) {
        fprintf(stderr, "shapc-fashion-cnn: out of memory\n");
        goto done;
    }
    if (shapc_model_save(out, &spec, &err) != SHAPC_OK ||
        shapc_model_from_spec(&spec, &model, &err) != SHAPC_OK ||
        shapc_model_load(out, &loaded, &err) != SHAPC_OK) {
        fprintf(stderr, "shapc-fashion-cnn: %s\n", err.message);
        goto done;
    }
    printf("saved %s: %s\n", out, shapc_model_describe(loaded));
    to_floats(test.x, test.n, xt);
    if (shapc_model_predict(model, xt, test.n, yt, &err) != SHAPC_OK ||
        shapc_model_predict(loaded, xt, test.n, yl, &err) != SHAPC_OK) {
        fprintf(stderr, "shapc-fashion-cnn: %s\n", err.message);
        goto done;
    }
    if (memcmp(yt, yl, test.n * NCLS * sizeof *yt) != 0) {
        fprintf(stderr, "shapc-fashion-cnn: the reloaded model predicts differently\n");
        goto done;
    }
    double max_diff = 0;
    size_t correct = 0;
    for (size_t i = 0; i < test.n; i++) {
        int best = 0;
        for (int j = 1; j < NCLS; j++)
            if (yt[i * NCLS + (size_t)j] > yt[i * NCLS + (size_t)best])
                best = j;
        correct += best == test.y[i];
        if (i < 50) { /* the trainer's own forward pass agrees with the library's */
            forward(&t.w, test.x + i * IMG * IMG, &a);
            for (size_t j = 0; j < NCLS; j++)
                max_diff = fmax(max_diff, fabs((double)a.prob[j] - (double)yt[i * NCLS + j]));
        }
    }
    double acc = (double)correct / (double)test.n;
    printf("test accuracy %.4f (library forward pass; max |trainer - library| %.2g)\n", acc,
           max_diff);
    if (max_diff > 1e-4) {
        fprintf(stderr, "shapc-fashion-cnn: trainer and library disagree by %g\n", max_diff);
        goto done;
    }
    if (acc < min_acc) {
        fprintf(stderr, "shapc-fashion-cnn: accuracy %.4f is below --min-accuracy %.4f\n", acc,
                min_acc);
        goto done;
    }
    if (!explain(model, &train, &test, nsamples, png))
        goto done;
    rc = 0;
done:
    shapc_model_free(model);
    shapc_model_free(loaded);
    free(xt);
    free(yt);
    free(yl);
    free(order);
    params_free(&t.w);
    params_free(&t.grad);
    params_free(&t.m);
    params_free(&t.v);
    set_free(&train);
    set_free(&test);
    return rc;
}
