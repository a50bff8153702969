/* common.c - pieces the benchmarks share (common.h). */
#include "common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/kernel_impl.h"

double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void die(const shapc_error *err)
{
    fprintf(stderr, "shapc_bench: %s\n", err->message);
    exit(1);
}

/* ---- a small tabular model for the accuracy section ------------------------------------ *
 * 13 correlated features (a wine-like table: a latent factor plus noise), an MLP 13 -> 32 tanh
 * -> 3 softmax with fixed pseudo-random weights. Exact values come from the full enumeration
 * of the 2^13 - 2 coalitions, which the test suite checks against brute force. */
uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

double unif(uint64_t *s)
{
    return (double)lcg(s) / 2147483648.0;
}

double gauss(uint64_t *s)
{
    double u = unif(s) + 1e-12, v = unif(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

shapc_status tab_predict(void *user, const float *x, size_t n, float *out, shapc_error *e)
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

void tab_data(uint64_t *s, float *rows, size_t n)
{
    for (size_t r = 0; r < n; r++) {
        double latent = gauss(s);
        for (int i = 0; i < 13; i++)
            rows[r * 13 + (size_t)i] =
                (float)(0.7 * latent * (i % 3 == 0 ? -1 : 1) + 0.7 * gauss(s));
    }
}

/* Python shap's KernelExplainer on this work (784 pixels, background 100, 2M + 2048
 * coalitions, L1 off), as the performance issue measured it on a 2-core machine. shap is not
 * packaged for Debian, so it is quoted, not re-measured. */

void fm_load(fm_data *f, const char *model_path, const char *images)
{
    shapc_error err = {0};
    shapc_array *raw = NULL;
    memset(f, 0, sizeof *f);
    if (shapc_model_load(model_path, &f->model, &err) != SHAPC_OK ||
        shapc_idx_read(images, 0, &raw, &err) != SHAPC_OK ||
        shapc_array_convert(raw, SHAPC_F32, &f->img, &err) != SHAPC_OK)
        die(&err);
    shapc_array_free(raw);
    const shapc_array *bga = shapc_model_background(f->model);
    f->d = shapc_model_n_inputs(f->model);
    f->k = shapc_model_n_outputs(f->model);
    if (!bga || f->d != 784) {
        fprintf(stderr, "shapc_bench: %s is not a 784-input model with a background\n", model_path);
        exit(1);
    }
    f->n_bg = shapc_array_dim(bga, 0);
    f->bg = shapc_array_cdata(bga);
    f->bg_w = shapc_model_background_weights(f->model);
    f->x = shapc_array_cdata(f->img);
    for (size_t p = 0; p < f->d; p++)
        f->groups[p] = (p / 28 / 4) * 7 + (p % 28) / 4; /* 4x4 patches */
    for (size_t p = 0; p < f->d; p++)
        f->groups7[p] = (p / 28 / 7) * 4 + (p % 28) / 7; /* 7x7 patches */
}

void fm_free(fm_data *f)
{
    shapc_array_free(f->img);
    shapc_model_free(f->model);
}

/* Explains instances first .. first+n-1 with `opt` (pixels, or 4x4 patches if grouped),
 * after one untimed instance; returns seconds per instance and, if asked, the values (n, G, k), the
 * standard errors, the model rows and the coalitions used per instance. shapc's worker threads do
 * the threading; OpenBLAS runs single-threaded inside them, as `shapc explain` sets it. */
double fm_explain(const fm_data *f, shapc_kernel_options opt, int grouped, size_t first, size_t n,
                  double *phi, double *se, size_t *rows, size_t *coalitions, int row_parallel)
{
    shapc_error err = {0};
    shapc_kernel *kr = NULL;
    shapc_blas_set_threads(1);
    if (shapc_kernel_create(f->model, f->bg, f->n_bg, f->bg_w, &opt, &kr, &err) != SHAPC_OK ||
        (grouped == 1 && shapc_kernel_set_groups(kr, f->groups, 49, &err) != SHAPC_OK) ||
        (grouped == 2 && shapc_kernel_set_groups(kr, f->groups7, 16, &err) != SHAPC_OK))
        die(&err);
    kr->perm_design = f->design;
    const size_t gk = shapc_kernel_n_players(kr) * f->k;
    double *p = malloc(gk * sizeof *p), *e = malloc(gk * sizeof *e);
    if (!p || !e) {
        fprintf(stderr, "shapc_bench: out of memory\n");
        exit(1);
    }
    /* Untimed instances first (one per thread when rows run in parallel): the workers'
     * scratch grows to its size once. */
    const size_t warm = row_parallel ? opt.n_threads : 1;
    for (size_t i = 0; i < warm; i++)
        if (shapc_kernel_explain(kr, f->x + (first + n + i) * f->d, p, e, NULL, NULL, &err) !=
            SHAPC_OK)
            die(&err);
    if (row_parallel) {
        double *wp = malloc(warm * gk * sizeof *wp);
        if (!wp || shapc_kernel_explain_rows(kr, f->x + (first + n) * f->d, warm, wp, NULL, NULL,
                                             NULL, &err) != SHAPC_OK)
            die(&err);
        free(wp);
    }
    size_t n_rows = 0, n_coal = 0;
    shapc_kernel_info *info = malloc(n * sizeof *info);
    double *all_p = malloc(n * gk * sizeof *all_p), *all_e = malloc(n * gk * sizeof *all_e);
    if (!info || !all_p || !all_e) {
        fprintf(stderr, "shapc_bench: out of memory\n");
        exit(1);
    }
    const double t0 = now();
    if (row_parallel) {
        if (shapc_kernel_explain_rows(kr, f->x + first * f->d, n, all_p, all_e, NULL, info, &err) !=
            SHAPC_OK)
            die(&err);
    } else {
        for (size_t i = 0; i < n; i++)
            if (shapc_kernel_explain(kr, f->x + (first + i) * f->d, all_p + i * gk, all_e + i * gk,
                                     NULL, info + i, &err) != SHAPC_OK)
                die(&err);
    }
    const double t = (now() - t0) / (double)n;
    for (size_t i = 0; i < n; i++) {
        n_rows += info[i].n_evals;
        n_coal += info[i].n_coalitions;
    }
    if (phi)
        memcpy(phi, all_p, n * gk * sizeof *phi);
    if (se)
        memcpy(se, all_e, n * gk * sizeof *se);
    free(info);
    free(all_p);
    free(all_e);
    if (rows)
        *rows = n_rows / n;
    if (coalitions)
        *coalitions = n_coal / n;
    free(p);
    free(e);
    shapc_kernel_free(kr);
    return t;
}

/* Relative squared error of each instance's values against the reference, averaged. */
double rel_error(const double *phi, const double *ref, size_t n, size_t gk)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e2 = 0.0, r2 = 0.0;
        for (size_t j = 0; j < gk; j++) {
            const double dv = phi[i * gk + j] - ref[i * gk + j];
            e2 += dv * dv;
            r2 += ref[i * gk + j] * ref[i * gk + j];
        }
        sum += e2 / r2;
    }
    return sum / (double)n;
}

void tab_setup(tab_mlp *m, uint64_t *s)
{
    for (int i = 0; i < 32 * 13; i++)
        m->w1[i] = (float)(gauss(s) * 0.6);
    for (int i = 0; i < 32; i++)
        m->b1[i] = (float)(gauss(s) * 0.3);
    for (int i = 0; i < 96; i++)
        m->w2[i] = (float)(gauss(s) * 1.2);
}
