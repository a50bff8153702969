/* bench.c - shapc's benchmark: throughput against the BLAS ceiling, seconds per instance for
 * the seed's Fashion-MNIST MLP, and accuracy per budget against exact Shapley values.
 *
 *   shapc_bench [--model fashion-mnist-mlp.bin] [--images t10k-images-idx3-ubyte.gz]
 *               [--instances N] [--quick]
 *
 * Prints a Markdown table per section; docs/performance.md records the figures. Every ratio
 * is measured within one run so that machine load affects both sides alike. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "shapc/shapc.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const shapc_error *err)
{
    fprintf(stderr, "shapc_bench: %s\n", err->message);
    exit(1);
}

/* ---- a small tabular model for the accuracy section ------------------------------------ *
 * 13 correlated features (a wine-like table: a latent factor plus noise), an MLP 13 -> 32 tanh
 * -> 3 softmax with fixed pseudo-random weights. Exact values come from the full enumeration
 * of the 2^13 - 2 coalitions, which the test suite checks against brute force. */
typedef struct tab_mlp {
    float w1[32 * 13], b1[32], w2[3 * 32];
} tab_mlp;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static double unif(uint64_t *s) { return (double)lcg(s) / 2147483648.0; }

static double gauss(uint64_t *s)
{
    double u = unif(s) + 1e-12, v = unif(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static shapc_status tab_predict(void *user, const float *x, size_t n, float *out, shapc_error *e)
{
    const tab_mlp *m = user;
    (void)e;
    for (size_t r = 0; r < n; r++) {
        float h[32], z[3], mx = -1e30f, s = 0.0f;
        for (int j = 0; j < 32; j++) {
            float a = m->b1[j];
            for (int i = 0; i < 13; i++)
                a += m->w1[j * 13 + i] * x[r * 13 + (size_t)i];
            h[j] = tanhf(a);
        }
        for (int o = 0; o < 3; o++) {
            z[o] = 0.0f;
            for (int j = 0; j < 32; j++)
                z[o] += m->w2[o * 32 + j] * h[j];
            mx = z[o] > mx ? z[o] : mx;
        }
        for (int o = 0; o < 3; o++)
            s += (z[o] = expf(z[o] - mx));
        for (int o = 0; o < 3; o++)
            out[r * 3 + (size_t)o] = z[o] / s;
    }
    return SHAPC_OK;
}

static void tab_data(uint64_t *s, float *rows, size_t n)
{
    for (size_t r = 0; r < n; r++) {
        double latent = gauss(s);
        for (int i = 0; i < 13; i++)
            rows[r * 13 + (size_t)i] = (float)(0.7 * latent * (i % 3 == 0 ? -1 : 1) +
                                               0.7 * gauss(s));
    }
}

static void bench_accuracy(int quick)
{
    tab_mlp m;
    uint64_t s = 12345;
    for (int i = 0; i < 32 * 13; i++)
        m.w1[i] = (float)(gauss(&s) * 0.6);
    for (int i = 0; i < 32; i++)
        m.b1[i] = (float)(gauss(&s) * 0.3);
    for (int i = 0; i < 96; i++)
        m.w2[i] = (float)(gauss(&s) * 1.2);
    shapc_error err = {0};
    shapc_model *model = NULL;
    if (shapc_model_create(13, 3, tab_predict, &m, NULL, &model, &err) != SHAPC_OK)
        die(&err);
    enum { NBG = 50, NX = 20 };
    float bg[NBG * 13], xs[NX * 13];
    tab_data(&s, bg, NBG);
    tab_data(&s, xs, NX);
    const size_t budgets[] = {64, 128, 256, 512, 1024};
    const int n_seeds = quick ? 5 : 25;
    double rel[2][5] = {{0}}, inside[2][5] = {{0}}, count[2][5] = {{0}};
    double se_ratio_num[2][5] = {{0}}, se_ratio_den[2][5] = {{0}};
    for (int x = 0; x < NX; x++) {
        double exact[39], phi[39], se[39];
        shapc_kernel_options opt = shapc_kernel_options_default();
        opt.nsamples = 8190;
        shapc_kernel *kr = NULL;
        if (shapc_kernel_create(model, bg, NBG, NULL, &opt, &kr, &err) != SHAPC_OK ||
            shapc_kernel_explain(kr, xs + x * 13, exact, NULL, NULL, NULL, &err) != SHAPC_OK)
            die(&err);
        shapc_kernel_free(kr);
        double norm = 0;
        for (int i = 0; i < 39; i++)
            norm += exact[i] * exact[i];
        for (int smp = 0; smp < 2; smp++)
            for (int b = 0; b < 5; b++)
                for (int seed = 0; seed < n_seeds; seed++) {
                    opt.nsamples = budgets[b];
                    opt.sampler = (shapc_sampler)smp;
                    opt.seed = (uint64_t)seed + 1;
                    if (shapc_kernel_create(model, bg, NBG, NULL, &opt, &kr, &err) != SHAPC_OK ||
                        shapc_kernel_explain(kr, xs + x * 13, phi, se, NULL, NULL, &err) !=
                            SHAPC_OK)
                        die(&err);
                    shapc_kernel_free(kr);
                    double e2 = 0;
                    for (int i = 0; i < 39; i++) {
                        const double d = phi[i] - exact[i];
                        e2 += d * d;
                        inside[smp][b] += fabs(d) <= 1.96 * se[i];
                        se_ratio_num[smp][b] += se[i] * se[i];
                        se_ratio_den[smp][b] += d * d;
                    }
                    rel[smp][b] += e2 / norm;
                    count[smp][b] += 1;
                }
    }
    printf("\n## Accuracy: 13-feature tabular MLP, 50 background rows, %d instances x %d seeds\n\n",
           NX, n_seeds);
    printf("relative squared error ||phi - phi_exact||^2 / ||phi_exact||^2 (mean), coverage of "
           "+-1.96 SE intervals, and RMS(reported SE) / RMS(actual error)\n\n");
    printf("| budget | kernel (shap's scheme) | leverage | kernel coverage | leverage coverage | "
           "kernel SE/err | leverage SE/err |\n|---|---|---|---|---|---|---|\n");
    for (int b = 0; b < 5; b++)
        printf("| %zu | %.3f%% | %.3f%% | %.1f%% | %.1f%% | %.2f | %.2f |\n", budgets[b],
               100 * rel[0][b] / count[0][b], 100 * rel[1][b] / count[1][b],
               100 * inside[0][b] / (count[0][b] * 39), 100 * inside[1][b] / (count[1][b] * 39),
               sqrt(se_ratio_num[0][b] / se_ratio_den[0][b]),
               sqrt(se_ratio_num[1][b] / se_ratio_den[1][b]));
    shapc_model_free(model);
}

/* ---- Fashion-MNIST MLP: throughput and seconds per instance ------------------------------ */

static void bench_fashion(const char *model_path, const char *images, size_t n_inst, int quick)
{
    shapc_error err = {0};
    shapc_model *model = NULL;
    shapc_array *raw = NULL, *img = NULL;
    if (shapc_model_load(model_path, &model, &err) != SHAPC_OK ||
        shapc_idx_read(images, 0, &raw, &err) != SHAPC_OK ||
        shapc_array_convert(raw, SHAPC_F32, &img, &err) != SHAPC_OK)
        die(&err);
    shapc_array_free(raw);
    const shapc_array *bga = shapc_model_background(model);
    if (!bga) {
        fprintf(stderr, "shapc_bench: %s has no embedded background\n", model_path);
        exit(1);
    }
    const size_t d = shapc_model_n_inputs(model), k = shapc_model_n_outputs(model);
    const size_t n_bg = shapc_array_dim(bga, 0);
    const float *bg = shapc_array_cdata(bga);
    const float *x = shapc_array_cdata(img);

    /* Model throughput on a large batch vs one plain sgemm of the first layer's shape. */
    const size_t rows = quick ? 8192 : 36160;
    float *batch = malloc(rows * d * sizeof *batch), *out = malloc(rows * k * sizeof *out);
    for (size_t r = 0; r < rows; r++)
        memcpy(batch + r * d, bg + (r % n_bg) * d, d * sizeof *batch);
    double t0 = now();
    if (shapc_model_predict(model, batch, rows, out, &err) != SHAPC_OK)
        die(&err);
    const double t_model = now() - t0;
    const size_t hidden = 128;
    float *w = calloc(hidden * d, sizeof *w), *h = malloc(rows * hidden * sizeof *h);
    t0 = now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)hidden, (int)d, 1.0f,
                batch, (int)d, w, (int)d, 0.0f, h, (int)hidden);
    const double t_gemm = now() - t0;
    const double flops = 2.0 * (double)rows * (double)(d * hidden + hidden * k);
    printf("\n## Throughput: %s, batch of %zu rows\n\n", shapc_model_describe(model), rows);
    printf("| what | time | rows/s | GFLOP/s |\n|---|---|---|---|\n");
    printf("| shapc_model_predict (full forward pass) | %.3f s | %.0f | %.1f |\n", t_model,
           (double)rows / t_model, flops / t_model * 1e-9);
    printf("| cblas_sgemm of the first layer alone | %.3f s | %.0f | %.1f |\n", t_gemm,
           (double)rows / t_gemm, 2.0 * (double)rows * (double)(d * hidden) / t_gemm * 1e-9);
    free(w);
    free(h);
    free(batch);
    free(out);

    /* Seconds per instance, pixel players and 4x4 patches, default budget. The model-only
     * floor is the time shapc_model_predict needs for the same number of rows (plain
     * evaluation, OpenBLAS on all cores). */
    printf("\n## Fashion-MNIST MLP: %zu instances, background %zu, default budget (2M + 2048)\n\n",
           n_inst, n_bg);
    printf("| players | sampler | structure | threads | s / instance | model rows / instance | "
           "model-only s / instance | ratio | mean SE |\n|---|---|---|---|---|---|---|---|---|\n");
    typedef struct config {
        int grouped, sampler, structure, threads;
    } config;
    const config configs[] = {
        {0, 0, 0, 1}, {0, 0, 1, 1}, {0, 0, 1, 2}, {0, 1, 0, 1}, {0, 1, 1, 1}, {0, 1, 1, 2},
        {1, 1, 0, 1}, {1, 1, 1, 1},
        {1, 1, 1, 2},
    };
    double floor_cache[2] = {0, 0};
    for (size_t ci = 0; ci < sizeof configs / sizeof configs[0]; ci++) {
        const config *cf = &configs[ci];
        shapc_kernel_options opt = shapc_kernel_options_default();
        opt.sampler = (shapc_sampler)cf->sampler;
        opt.use_structure = cf->structure;
        opt.n_threads = (size_t)cf->threads;
        shapc_blas_set_threads(cf->threads > 1 ? 1 : 2);
        shapc_kernel *kr = NULL;
        if (shapc_kernel_create(model, bg, n_bg, shapc_model_background_weights(model), &opt,
                                &kr, &err) != SHAPC_OK)
            die(&err);
        size_t groups[784], n_groups = 49;
        for (size_t p = 0; p < d; p++)
            groups[p] = (p / 28 / 4) * 7 + (p % 28) / 4;
        if (cf->grouped && shapc_kernel_set_groups(kr, groups, n_groups, &err) != SHAPC_OK)
            die(&err);
        const size_t g = shapc_kernel_n_players(kr);
        double *phi = malloc(g * k * sizeof *phi), *se = malloc(g * k * sizeof *se);
        size_t evals = 0;
        double se_sum = 0;
        t0 = now();
        for (size_t i = 0; i < n_inst; i++) {
            shapc_kernel_info info;
            if (shapc_kernel_explain(kr, x + i * d, phi, se, NULL, &info, &err) != SHAPC_OK)
                die(&err);
            evals += info.n_evals;
            for (size_t j = 0; j < g * k; j++)
                se_sum += se[j];
        }
        const double t_explain = (now() - t0) / (double)n_inst;
        const size_t per = evals / n_inst;
        if (floor_cache[cf->grouped] == 0) {
            shapc_blas_set_threads(2);
            float *b2 = malloc(per * d * sizeof *b2), *o2 = malloc(per * k * sizeof *o2);
            for (size_t r = 0; r < per; r++)
                memcpy(b2 + r * d, bg + (r % n_bg) * d, d * sizeof *b2);
            t0 = now();
            if (shapc_model_predict(model, b2, per, o2, &err) != SHAPC_OK)
                die(&err);
            floor_cache[cf->grouped] = now() - t0;
            free(b2);
            free(o2);
        }
        const double t_floor = floor_cache[cf->grouped];
        printf("| %s (%zu) | %s | %s | %d | %.3f | %zu | %.3f | %.2f | %.2e |\n",
               cf->grouped ? "4x4 patches" : "pixels", g, cf->sampler ? "leverage" : "kernel",
               cf->structure ? "on" : "off", cf->threads, t_explain, per, t_floor,
               t_explain / t_floor, se_sum / (double)(n_inst * g * k));
        free(phi);
        free(se);
        shapc_kernel_free(kr);
    }
    shapc_array_free(img);
    shapc_model_free(model);
}

int main(int argc, char **argv)
{
    const char *model = NULL;
    const char *images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    size_t n_inst = 5;
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-accuracy"))
            quick = -1;
        else if (!strcmp(argv[i], "--model") && i + 1 < argc)
            model = argv[++i];
        else if (!strcmp(argv[i], "--images") && i + 1 < argc)
            images = argv[++i];
        else if (!strcmp(argv[i], "--instances") && i + 1 < argc)
            n_inst = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else {
            fprintf(stderr, "usage: shapc_bench [--model model.bin] [--images FILE] "
                            "[--instances N] [--quick] [--no-accuracy]\n");
            return 2;
        }
    }
    printf("# shapc benchmark (shapc %s)\n", shapc_version_string());
    if (quick >= 0)
        bench_accuracy(quick);
    if (model)
        bench_fashion(model, images, n_inst ? n_inst : 1, quick > 0);
    return 0;
}
