/* estimators.c - every estimator's error against an independent reference, per model
 * evaluation and per second (issue: "converged explanations at shap's cost").
 *
 *   shapc_bench_estimators --model fashion-mnist-mlp.bin [--images t10k-images-idx3-ubyte.gz]
 *                          [--train train-images-idx3-ubyte.gz] [--seeds N] [--quick]
 *
 * References. The 13-feature table has exact values (enumeration of all 2^13 coalitions). For
 * Fashion-MNIST, exact values exist for 16 patches (7x7, Gray-code enumeration); for 49
 * patches and 784 pixels the reference is a different estimator run far longer: antithetic
 * orderings each walked against the WHOLE background (weights w_j, no sampled rows, no
 * stratification, no allocation), unbiased by construction, at many times the default budget.
 * It is checked first against the exact values of the 16-patch case. Every error below is
 * relative squared error ||phi - phi_ref||^2 / ||phi_ref||^2 per image and output set, with
 * the reference's own estimated error printed beside it.
 *
 * Prints Markdown tables; docs/performance.md records the figures. Ratios are measured
 * within one run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kernel/coalition.h"
#include "kernel/kernel_impl.h"
#include "kernel/rng.h"
#include "kernel/wls.h"

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "shapc_bench_estimators: out of memory\n");
        exit(1);
    }
    return p;
}

/* Coalition pairs drawn independently WITH replacement (no enumerated sizes: every
 * coalition needs fresh background rows, so enumerating a size once would freeze its noise):
 * the size class uniform over sizes (leverage) or by kernel mass (shap's), T uniform of that
 * size, each member weighted by its kernel weight over its expected count, round-robin into
 * 16 batches. */
static shapc_status iid_coalitions(shapc__coalitions *c, size_t m, size_t budget, int leverage,
                                   shapc__rng *rng)
{
    shapc__coalitions_free(c);
    shapc__coalitions_init(c);
    c->m = m;
    const size_t n_classes = m / 2, pairs = budget / 2 > 2 ? budget / 2 : 2, nb = 16;
    double *pc = xmalloc((n_classes + 1) * sizeof *pc), total = 0.0;
    for (size_t s = 1; s <= n_classes; s++) {
        const double sizes = 2 * s == m ? 1.0 : 2.0;
        pc[s] = leverage ? sizes : sizes * (double)(m - 1) / ((double)s * (double)(m - s));
        total += pc[s];
    }
    c->start = calloc(1, sizeof *c->start);
    c->batch_pairs = calloc(nb + 1, sizeof *c->batch_pairs);
    uint32_t *perm = xmalloc(m * sizeof *perm), *t = xmalloc(m * sizeof *t);
    unsigned char *seen = calloc(m, 1);
    for (size_t i = 0; i < m; i++)
        perm[i] = (uint32_t)i;
    for (size_t p = 0; p < pairs; p++) {
        double u = shapc__rng_uniform(rng) * total;
        size_t s = 1;
        while (s < n_classes && u >= pc[s])
            u -= pc[s++];
        for (size_t i = 0; i < s; i++) {
            const size_t j = i + shapc__rng_below(rng, m - i);
            const uint32_t tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        memcpy(t, perm, s * sizeof *t);
        shapc__sort_distinct(t, s, m, seen);
        if (shapc__coalitions_reserve(c, 2, 2 * s, NULL) != SHAPC_OK)
            return SHAPC_ENOMEM;
        /* expected count of each member: pairs x P(class) x (1 or 2) / C(m, s) */
        const double binom = shapc__binom(m, s);
        const double expect = (double)pairs * pc[s] / total * (2 * s == m ? 2.0 : 1.0) / binom;
        const double kern = (double)(m - 1) / (binom * (double)s * (double)(m - s));
        const uint32_t b = (uint32_t)(p % nb) + 1;
        shapc__coalitions_push(c, t, s, 0, kern / expect, b);
        shapc__coalitions_push(c, c->idx + c->start[c->n - 1], s, 1, kern / expect, b);
        c->batch_pairs[b]++;
    }
    c->n_batches = nb;
    c->n_sampled_sizes = m - 1;
    c->exact = 0;
    free(pc);
    free(perm);
    free(t);
    free(seen);
    return SHAPC_OK;
}

/* ---- KernelSHAP on the sampled-background game (a prototype, not in the library) ----------
 * y(S) = f(x_S, b) - f(b) with one background row b per coalition pair (rows in cycles of
 * random permutations), so each coalition costs one model row instead of n_bg; E_b y(S) =
 * v(S) - base; coalitions drawn independently (iid_coalitions); the constrained regression
 * and its batch standard errors are the library's (wls.c). Identity link. players: features grouped by group_of (d)
 * into m players, all of which must vary. phi, se (m, k). Returns model rows used. */
static size_t kernel_sampled_bg(const shapc_model *model, const float *x, const float *bg,
                                size_t n_bg, const size_t *group_of, size_t m, size_t budget,
                                int leverage, uint64_t seed, double *phi, double *se)
{
    shapc_error err = {0};
    const size_t d = shapc_model_n_inputs(model), k = shapc_model_n_outputs(model);
    shapc__coalitions c;
    shapc__coalitions_init(&c);
    shapc__rng rng;
    shapc__rng_seed(&rng, seed, 77);
    if (iid_coalitions(&c, m, budget, leverage, &rng) != SHAPC_OK)
        die(&err);
    float *fx = xmalloc(k * sizeof *fx), *fb = xmalloc(n_bg * k * sizeof *fb);
    if (shapc_model_predict(model, x, 1, fx, &err) != SHAPC_OK ||
        shapc_model_predict(model, bg, n_bg, fb, &err) != SHAPC_OK)
        die(&err);
    double *base = xmalloc(k * sizeof *base), *delta = xmalloc(k * sizeof *delta);
    for (size_t o = 0; o < k; o++) {
        base[o] = 0.0;
        for (size_t j = 0; j < n_bg; j++)
            base[o] += (double)fb[j * k + o] / (double)n_bg;
        delta[o] = (double)fx[o] - base[o];
    }
    const size_t chunk = 4096;
    float *rows = xmalloc(chunk * d * sizeof *rows), *out = xmalloc(chunk * k * sizeof *out);
    size_t *bj = xmalloc(chunk * sizeof *bj);
    uint32_t *cycle = xmalloc(n_bg * sizeof *cycle);
    unsigned char *in_t = xmalloc(m);
    double *y = xmalloc(c.n * k * sizeof *y);
    size_t pos = n_bg, cur = 0;
    int second = 0; /* the coalition is the second member of a pair: it keeps the row */
    for (size_t i0 = 0; i0 < c.n; i0 += chunk) {
        const size_t nc = c.n - i0 < chunk ? c.n - i0 : chunk;
        for (size_t ci = 0; ci < nc; ci++) {
            const size_t i = i0 + ci;
            if (!second) {
                if (pos == n_bg) {
                    for (size_t j = 0; j < n_bg; j++)
                        cycle[j] = (uint32_t)j;
                    for (size_t j = n_bg - 1; j > 0; j--) {
                        const size_t q = shapc__rng_below(&rng, j + 1);
                        const uint32_t t = cycle[j];
                        cycle[j] = cycle[q];
                        cycle[q] = t;
                    }
                    pos = 0;
                }
                cur = cycle[pos++];
                second = shapc__coalitions_is_pair(&c, i);
            } else {
                second = 0;
            }
            bj[ci] = cur;
            memset(in_t, 0, m);
            for (size_t p = c.start[i]; p < c.start[i + 1]; p++)
                in_t[c.idx[p]] = 1;
            const int comp = c.complement[i];
            float *r = rows + ci * d;
            for (size_t f = 0; f < d; f++) {
                const int on = in_t[group_of[f]] != comp; /* x's value if the player plays */
                r[f] = on ? x[f] : bg[cur * d + f];
            }
        }
        if (shapc_model_predict(model, rows, nc, out, &err) != SHAPC_OK)
            die(&err);
        for (size_t ci = 0; ci < nc; ci++)
            for (size_t o = 0; o < k; o++)
                y[(i0 + ci) * k + o] = (double)out[ci * k + o] - (double)fb[bj[ci] * k + o];
    }
    shapc__wls_design design;
    if (shapc__wls_factor(&c, &design, &err) != SHAPC_OK ||
        shapc__wls_apply(&c, &design, y, k, delta, phi, se, 2, &err) != SHAPC_OK)
        die(&err);
    shapc__wls_design_free(&design);
    const size_t used = c.n + 1;
    shapc__coalitions_free(&c);
    free(fx);
    free(fb);
    free(base);
    free(delta);
    free(rows);
    free(out);
    free(bj);
    free(cycle);
    free(in_t);
    free(y);
    return used;
}

/* ---- configurations ------------------------------------------------------------------------ */

typedef struct est {
    const char *name;
    shapc_sampler sampler;
    size_t bg_per_sample; /* permutation: 0 auto, n = rows per pair, SIZE_MAX = whole bg */
    int design;           /* permutation: 0 auto, 1 independent rows, 2 stratified equal */
} est;

static const est estimators[] = {
    {"KernelSHAP, shap's scheme (kernel)", SHAPC_SAMPLER_KERNEL, 0, 0},
    {"KernelSHAP, leverage", SHAPC_SAMPLER_LEVERAGE, 0, 0},
    {"permutation, whole background per pair", SHAPC_SAMPLER_PERMUTATION, SIZE_MAX, 0},
    {"permutation, 10 rows per pair", SHAPC_SAMPLER_PERMUTATION, 10, 0},
    {"permutation, 1 row per pair, independent", SHAPC_SAMPLER_PERMUTATION, 1, 1},
    {"permutation, 1 row per pair, stratified", SHAPC_SAMPLER_PERMUTATION, 1, 2},
    {"KernelSHAP (shap's scheme), 1 sampled row per coalition pair", (shapc_sampler)100, 0, 0},
    {"KernelSHAP (leverage), 1 sampled row per coalition pair", (shapc_sampler)101, 0, 0},
    {"permutation, stratified + allocated (auto)", SHAPC_SAMPLER_AUTO, 0, 0},
};
#define SAMPLED_BG(e) ((int)(e)->sampler >= 100)
#define N_EST (sizeof estimators / sizeof estimators[0])

static shapc_kernel_options est_options(const est *e, size_t n_bg, size_t budget, uint64_t seed)
{
    shapc_kernel_options opt = shapc_kernel_options_default();
    opt.sampler = e->sampler;
    opt.bg_per_sample = e->bg_per_sample == SIZE_MAX ? n_bg : e->bg_per_sample;
    opt.max_evals = budget;
    opt.seed = seed;
    opt.n_threads = 2;
    return opt;
}

/* ---- Fashion-MNIST -------------------------------------------------------------------------- */

static const char *const grouping_name[3] = {"784 pixels", "49 patches (4x4)", "16 patches (7x7)"};
static const size_t grouping_m[3] = {784, 49, 16};

/* The reference for n images: whole-background antithetic orderings at `budget` rows each,
 * ref (n, G, k) and the variance of each value var (n, G, k); seconds per image. */
static double reference(const fm_data *f, int grouped, size_t n, size_t budget, double *ref,
                        double *var)
{
    shapc_error err = {0};
    shapc_kernel_options opt = est_options(&estimators[2], f->n_bg, budget, 4242);
    shapc_kernel *kr = NULL;
    shapc_blas_set_threads(1);
    if (shapc_kernel_create(f->model, f->bg, f->n_bg, f->bg_w, &opt, &kr, &err) != SHAPC_OK ||
        (grouped == 1 && shapc_kernel_set_groups(kr, f->groups, 49, &err) != SHAPC_OK) ||
        (grouped == 2 && shapc_kernel_set_groups(kr, f->groups7, 16, &err) != SHAPC_OK))
        die(&err);
    const double t0 = now();
    if (shapc_kernel_explain_rows(kr, f->x, n, ref, var, NULL, NULL, &err) != SHAPC_OK)
        die(&err);
    const double t = (now() - t0) / (double)n;
    const size_t gk = grouping_m[grouped] * f->k;
    for (size_t i = 0; i < n * gk; i++)
        var[i] *= var[i];
    shapc_kernel_free(kr);
    return t;
}

/* Mean over images of the reference's own estimated relative squared error. */
static double ref_rel_var(const double *ref, const double *var, size_t n, size_t gk)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = 0.0, r2 = 0.0;
        for (size_t j = 0; j < gk; j++) {
            v += var[i * gk + j];
            r2 += ref[i * gk + j] * ref[i * gk + j];
        }
        s += v / r2;
    }
    return s / (double)n;
}

/* 16 patches: the reference estimator against exact enumeration, and exact's time. */
static void check_reference(fm_data *f, size_t n_img, size_t ref_budget)
{
    const size_t gk = 16 * f->k;
    double *exact = xmalloc(n_img * gk * sizeof *exact), *se = xmalloc(n_img * gk * sizeof *se);
    double *ref = xmalloc(n_img * gk * sizeof *ref), *var = xmalloc(n_img * gk * sizeof *var);
    shapc_kernel_options opt = shapc_kernel_options_default();
    opt.sampler = SHAPC_SAMPLER_EXACT;
    opt.n_threads = 2;
    size_t rows = 0;
    const double t_exact = fm_explain(f, opt, 2, 0, n_img, exact, se, &rows, NULL, 1);
    opt.use_structure = 0;
    const double t_exact_generic = fm_explain(f, opt, 2, 0, 1, NULL, NULL, NULL, NULL, 0);
    shapc_kernel_options kopt = shapc_kernel_options_default();
    kopt.sampler = SHAPC_SAMPLER_LEVERAGE;
    kopt.nsamples = 65534;
    kopt.n_threads = 2;
    double *kphi = xmalloc(n_img * gk * sizeof *kphi);
    const double t_kernel_exact = fm_explain(f, kopt, 2, 0, 1, kphi, NULL, NULL, NULL, 0);
    const double t_ref = reference(f, 2, n_img, ref_budget, ref, var);
    double z2 = 0.0, zmax = 0.0, inside = 0.0, kdiff = 0.0;
    for (size_t i = 0; i < n_img * gk; i++) {
        const double z = (ref[i] - exact[i]) / sqrt(var[i] + 1e-300);
        z2 += z * z;
        zmax = fmax(zmax, fabs(z));
        inside += fabs(z) <= 1.96;
    }
    for (size_t i = 0; i < gk; i++)
        kdiff = fmax(kdiff, fabs(kphi[i] - exact[i]));
    printf("\n## The reference, checked: %s, %zu images\n\n", grouping_name[2], n_img);
    printf("Exact values (Gray-code enumeration, %zu model rows per image): %.3f s per image "
           "on the first-stage path, %.3f s generic; KernelSHAP's exact path (leverage, all "
           "65,534 coalitions) %.3f s, max |difference| to Gray-code %.2g.\n\n",
           rows, t_exact, t_exact_generic, t_kernel_exact, kdiff);
    printf("The reference estimator (whole background per pair, %zu rows per image, %.2f s per "
           "image) against them: relative squared error %.4f%% (its own estimate %.4f%%), "
           "RMS z %.2f, max |z| %.2f, %.1f%% within 1.96 SE.\n",
           ref_budget, t_ref, 100 * rel_error(ref, exact, n_img, gk),
           100 * ref_rel_var(exact, var, n_img, gk), sqrt(z2 / (double)(n_img * gk)), zmax,
           100 * inside / (double)(n_img * gk));
    free(exact);
    free(se);
    free(ref);
    free(var);
    free(kphi);
}

/* The prototype on Fashion-MNIST images 0..n-1 (grouped as fm_explain), phi and se (n, G, k)
 * with zeros for players that do not vary; seconds per image. */
static double fm_sampled_bg(const fm_data *f, const est *e, int grouped, size_t n, size_t budget,
                            uint64_t seed, double *phi, double *se, size_t *rows, size_t *samples)
{
    const size_t G = grouping_m[grouped], d = f->d, k = f->k;
    const size_t *gmap = grouped == 1 ? f->groups : (grouped == 2 ? f->groups7 : NULL);
    size_t *player_of = xmalloc(G * sizeof *player_of), *group_of = xmalloc(d * sizeof *group_of);
    size_t *group_index = xmalloc(G * sizeof *group_index);
    double *p = xmalloc(G * k * sizeof *p), *q = xmalloc(G * k * sizeof *q);
    if (!budget)
        budget = (2 * G + 2048) * (f->n_bg < 100 ? f->n_bg : 100);
    const double t0 = now();
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        const float *x = f->x + i * d;
        size_t m = 0;
        for (size_t g = 0; g < G; g++)
            player_of[g] = SIZE_MAX;
        for (size_t ft = 0; ft < d; ft++) {
            const size_t g = gmap ? gmap[ft] : ft;
            if (player_of[g] != SIZE_MAX)
                continue;
            for (size_t j = 0; j < f->n_bg; j++)
                if (f->bg[j * d + ft] != x[ft]) {
                    group_index[m] = g;
                    player_of[g] = m++;
                    break;
                }
        }
        /* features of groups that never vary equal x in every row: any player will do */
        for (size_t ft = 0; ft < d; ft++) {
            const size_t g = gmap ? gmap[ft] : ft;
            group_of[ft] = player_of[g] == SIZE_MAX ? 0 : player_of[g];
        }
        used += kernel_sampled_bg(f->model, x, f->bg, f->n_bg, group_of, m, budget,
                                  e->sampler == (shapc_sampler)101, seed + i, p, q);
        memset(phi + i * G * k, 0, G * k * sizeof *phi);
        memset(se + i * G * k, 0, G * k * sizeof *se);
        for (size_t a = 0; a < m; a++)
            for (size_t o = 0; o < k; o++) {
                phi[(i * G + group_index[a]) * k + o] = p[a * k + o];
                se[(i * G + group_index[a]) * k + o] = q[a * k + o];
            }
    }
    *rows = used / n;
    *samples = used / n;
    free(player_of);
    free(group_of);
    free(group_index);
    free(p);
    free(q);
    return (now() - t0) / (double)n;
}

typedef struct acc {
    double err, se2, e2, inside, seconds;
    size_t rows, samples, n;
} acc;

/* One estimator at one budget over n_img images and n_seeds seeds against the reference. */
static acc measure(fm_data *f, const est *e, int grouped, size_t budget, int structure,
                   size_t n_img, int n_seeds, const double *ref, const double *var)
{
    const size_t gk = grouping_m[grouped] * f->k;
    double *phi = xmalloc(n_img * gk * sizeof *phi), *se = xmalloc(n_img * gk * sizeof *se);
    acc a;
    memset(&a, 0, sizeof a);
    for (int s = 0; s < n_seeds; s++) {
        shapc_kernel_options opt = est_options(e, f->n_bg, budget, (uint64_t)s + 1);
        opt.use_structure = structure;
        f->design = e->design;
        size_t rows = 0, samples = 0;
        if (SAMPLED_BG(e))
            a.seconds += fm_sampled_bg(f, e, grouped, n_img, budget, (uint64_t)s + 1, phi, se,
                                       &rows, &samples);
        else
            a.seconds += fm_explain(f, opt, grouped, 0, n_img, phi, se, &rows, &samples, 0);
        a.rows += rows;
        a.samples += samples;
        a.err += rel_error(phi, ref, n_img, gk);
        for (size_t i = 0; i < n_img * gk; i++) {
            const double dv = phi[i] - ref[i];
            a.se2 += se[i] * se[i];
            a.e2 += dv * dv - var[i];
            a.inside += fabs(dv) <= 1.96 * sqrt(se[i] * se[i] + var[i]);
        }
        a.n++;
    }
    f->design = 0;
    a.err /= (double)a.n;
    a.seconds /= (double)a.n;
    a.rows /= a.n;
    a.samples /= a.n;
    a.inside /= (double)(a.n * n_img * gk);
    free(phi);
    free(se);
    return a;
}

static void print_row(const char *name, size_t budget, const acc *a, double ref_err)
{
    printf("| %s | %zu | %zu | %zu | %.2f%% | %.2f | %.1f%% | %.3f | %.0fx |\n", name, budget,
           a->rows, a->samples, 100 * (a->err - ref_err), sqrt(a->se2 / fmax(a->e2, 1e-300)),
           100 * a->inside, a->seconds, SHAP_SECONDS / a->seconds);
}

static void fm_accuracy(fm_data *f, int grouped, size_t n_img, int n_seeds, size_t ref_budget,
                        const double *ref, const double *var, double t_ref, int quick)
{
    const size_t m = grouping_m[grouped], gk = m * f->k;
    const size_t def = (2 * m + 2048) * (f->n_bg < 100 ? f->n_bg : 100);
    const double ref_err = ref_rel_var(ref, var, n_img, gk);
    printf("\n## Accuracy: %s, %zu images x %d seeds, background %zu\n\n", grouping_name[grouped],
           n_img, n_seeds, f->n_bg);
    printf("Reference: whole background per pair, %zu rows per image (%.1f s per image), its "
           "own relative squared error %.3f%%, subtracted from every error below. Budget in "
           "model rows per image (default: (2M + 2048) x 100 = %zu); SE/err = RMS(reported SE) "
           "/ RMS(actual error); coverage of +-1.96 SE intervals (allowing for the reference's "
           "error); seconds per image on the first-stage path, 2 threads.\n\n",
           ref_budget, t_ref, 100 * ref_err, def);
    printf("| estimator | budget (rows) | rows used | samples | rel. squared error | SE/err | "
           "coverage | s / image | shap %.1f s / this |\n|---|---|---|---|---|---|---|---|---|\n",
           SHAP_SECONDS);
    const size_t budgets[3] = {def, 3 * def, 10 * def};
    for (size_t b = 0; b < (quick ? 1u : 3u); b++)
        for (size_t e = 0; e < N_EST; e++) {
            acc a = measure(f, &estimators[e], grouped, budgets[b], 1, n_img, n_seeds, ref, var);
            print_row(estimators[e].name, budgets[b], &a, ref_err);
        }
    if (grouped == 0) {
        /* The generic path (every masked row through shapc_model_predict, as for a black
         * box): the default estimator at about 1.1 M rows. */
        const est *auto_est = &estimators[N_EST - 1];
        acc a = measure(f, auto_est, 0, 3 * def, 0, n_img, 1, ref, var);
        printf("| (generic path) %s | %zu | %zu | %zu | %.2f%% | %.2f | %.1f%% | %.3f | %.0fx |\n",
               auto_est->name, 3 * def, a.rows, a.samples, 100 * (a.err - ref_err),
               sqrt(a.se2 / fmax(a.e2, 1e-300)), 100 * a.inside, a.seconds,
               SHAP_SECONDS / a.seconds);
        /* The model-only floor for those rows: one batch through shapc_model_predict. */
        shapc_error err = {0};
        const size_t rows = a.rows;
        float *batch = xmalloc(rows / 10 * f->d * sizeof *batch);
        float *out = xmalloc(rows / 10 * f->k * sizeof *out);
        for (size_t r = 0; r < rows / 10; r++)
            memcpy(batch + r * f->d, f->bg + (r % f->n_bg) * f->d, f->d * sizeof *batch);
        shapc_blas_set_threads(2);
        const double t0 = now();
        if (shapc_model_predict(f->model, batch, rows / 10, out, &err) != SHAPC_OK)
            die(&err);
        const double floor = (now() - t0) * 10;
        shapc_blas_set_threads(1);
        printf("\nGeneric path: %.3f s per image against %.3f s of plain model evaluation for the "
               "same %zu rows (ratio %.2f).\n",
               a.seconds, floor, rows, a.seconds / floor);
        free(batch);
        free(out);
    }
}

/* Calibration of the default estimator over many seeds (coverage of +-1.96 SE). */
static void fm_calibration(fm_data *f, int grouped, size_t n_img, int n_seeds, const double *ref,
                           const double *var)
{
    const est *auto_est = &estimators[N_EST - 1];
    acc a = measure(f, auto_est, grouped, 0, 1, n_img, n_seeds, ref, var);
    printf("\nCalibration, %s, default budget, %zu images x %d seeds: %.1f%% of the +-1.96 SE "
           "intervals cover the reference, SE/err %.2f.\n",
           grouping_name[grouped], n_img, n_seeds, 100 * a.inside,
           sqrt(a.se2 / fmax(a.e2, 1e-300)));
}

/* The budget the default estimator needs for 1% on pixels, and its time. */
static void fm_one_percent(fm_data *f, size_t n_img, const double *ref, const double *var)
{
    const size_t gk = 784 * f->k, def = (2 * 784 + 2048) * 100;
    const double ref_err = ref_rel_var(ref, var, n_img, gk);
    printf("\n## 784 pixels to 1%%: the default estimator at growing budgets, %zu images, "
           "rows in parallel on 2 threads\n\n| budget (rows) | rel. squared error | s / image "
           "|\n|---|---|---|\n",
           n_img);
    const est *auto_est = &estimators[N_EST - 1];
    const double mult[5] = {1, 2, 3, 4, 6};
    for (size_t b = 0; b < 5; b++) {
        const size_t budget = (size_t)(mult[b] * (double)def);
        shapc_kernel_options opt = est_options(auto_est, f->n_bg, budget, 1);
        double *phi = xmalloc(n_img * gk * sizeof *phi);
        const double t = fm_explain(f, opt, 0, 0, n_img, phi, NULL, NULL, NULL, 1);
        printf("| %zu | %.2f%% | %.3f |\n", budget,
               100 * (rel_error(phi, ref, n_img, gk) - ref_err), t);
        free(phi);
    }
}

/* 60,000 background rows cost what 100 cost. */
static void fm_large_background(fm_data *f, const char *train)
{
    shapc_error err = {0};
    shapc_array *raw = NULL, *big = NULL;
    if (shapc_idx_read(train, 0, &raw, &err) != SHAPC_OK ||
        shapc_array_convert(raw, SHAPC_F32, &big, &err) != SHAPC_OK)
        die(&err);
    shapc_array_free(raw);
    const size_t n_big = shapc_array_dim(big, 0);
    printf("\n## Background size: the default estimator, 4 images, 2 threads\n\n| background "
           "| rows evaluated / image | s / image | create s |\n|---|---|---|---|\n");
    const size_t sizes[2] = {100, n_big};
    for (int s = 0; s < 2; s++) {
        shapc_kernel_options opt = shapc_kernel_options_default();
        opt.n_threads = 2;
        shapc_blas_set_threads(1);
        shapc_kernel *kr = NULL;
        const double t0 = now();
        if (shapc_kernel_create(f->model, shapc_array_cdata(big), sizes[s], NULL, &opt, &kr,
                                &err) != SHAPC_OK)
            die(&err);
        const double t_create = now() - t0;
        double *phi = xmalloc(784 * f->k * sizeof *phi);
        size_t rows = 0;
        const double t1 = now();
        for (size_t i = 0; i < 4; i++) {
            shapc_kernel_info info;
            if (shapc_kernel_explain(kr, f->x + i * f->d, phi, NULL, NULL, &info, &err) != SHAPC_OK)
                die(&err);
            rows += info.n_evals;
        }
        printf("| %zu rows | %zu | %.3f | %.2f |\n", sizes[s], rows / 4, (now() - t1) / 4,
               t_create);
        free(phi);
        shapc_kernel_free(kr);
    }
    shapc_array_free(big);
}

/* ---- the 13-feature table ----------------------------------------------------------------------
 */

static void tab_accuracy(int n_seeds)
{
    tab_mlp m;
    uint64_t s = 12345;
    tab_setup(&m, &s);
    shapc_error err = {0};
    shapc_model *model = NULL;
    if (shapc_model_create(13, 3, tab_predict, &m, NULL, &model, &err) != SHAPC_OK)
        die(&err);
    enum { NBG = 50, NX = 20 };
    float bg[NBG * 13], xs[NX * 13];
    tab_data(&s, bg, NBG);
    tab_data(&s, xs, NX);
    static const size_t coalitions[4] = {64, 128, 256, 512};
    printf("\n## 13-feature tabular MLP, 50 background rows, %d instances x %d seeds, exact "
           "reference\n\nBudget in model rows = coalitions x 50 (what KernelSHAP spends on that "
           "many coalitions).\n\n| estimator |",
           NX, n_seeds);
    for (size_t b = 0; b < 4; b++)
        printf(" %zu x 50 |", coalitions[b]);
    printf(" coverage at 128 x 50 |\n|---|---|---|---|---|---|\n");
    for (size_t e = 0; e < N_EST; e++) {
        printf("| %s |", estimators[e].name);
        double cover = 0;
        for (size_t b = 0; b < 4; b++) {
            double rel = 0.0, inside = 0.0, count = 0.0;
            for (int x = 0; x < NX; x++) {
                double exact[39], phi[39], se[39];
                shapc_kernel_options opt = shapc_kernel_options_default();
                opt.sampler = SHAPC_SAMPLER_EXACT;
                shapc_kernel *kr = NULL;
                if (shapc_kernel_create(model, bg, NBG, NULL, &opt, &kr, &err) != SHAPC_OK ||
                    shapc_kernel_explain(kr, xs + x * 13, exact, NULL, NULL, NULL, &err) !=
                        SHAPC_OK)
                    die(&err);
                shapc_kernel_free(kr);
                double norm = 0;
                for (int i = 0; i < 39; i++)
                    norm += exact[i] * exact[i];
                for (int sd = 0; sd < n_seeds; sd++) {
                    if (SAMPLED_BG(&estimators[e])) {
                        size_t ident[13];
                        for (size_t i = 0; i < 13; i++)
                            ident[i] = i;
                        kernel_sampled_bg(
                            model, xs + x * 13, bg, NBG, ident, 13, coalitions[b] * NBG,
                            estimators[e].sampler == (shapc_sampler)101, (uint64_t)sd + 1, phi, se);
                    } else {
                        opt =
                            est_options(&estimators[e], NBG, coalitions[b] * NBG, (uint64_t)sd + 1);
                        opt.n_threads = 1;
                        if (shapc_kernel_create(model, bg, NBG, NULL, &opt, &kr, &err) != SHAPC_OK)
                            die(&err);
                        kr->perm_design = estimators[e].design;
                        if (shapc_kernel_explain(kr, xs + x * 13, phi, se, NULL, NULL, &err) !=
                            SHAPC_OK)
                            die(&err);
                        shapc_kernel_free(kr);
                    }
                    double e2 = 0;
                    for (int i = 0; i < 39; i++) {
                        const double dv = phi[i] - exact[i];
                        e2 += dv * dv;
                        inside += fabs(dv) <= 1.96 * se[i];
                    }
                    rel += e2 / norm;
                    count += 1;
                }
            }
            printf(" %.2f%% |", 100 * rel / count);
            if (b == 1)
                cover = inside / (count * 39);
        }
        printf(" %.1f%% |\n", 100 * cover);
    }
    shapc_model_free(model);
}

int main(int argc, char **argv)
{
    const char *model = NULL;
    const char *images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    const char *train = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
    int seeds = 3, quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc)
            model = argv[++i];
        else if (!strcmp(argv[i], "--images") && i + 1 < argc)
            images = argv[++i];
        else if (!strcmp(argv[i], "--train") && i + 1 < argc)
            train = argv[++i];
        else if (!strcmp(argv[i], "--seeds") && i + 1 < argc)
            seeds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else {
            fprintf(stderr, "usage: shapc_bench_estimators [--model model.bin] [--images FILE] "
                            "[--train FILE] [--seeds N] [--quick]\n");
            return 2;
        }
    }
    printf("# shapc estimator benchmark (shapc %s)\n", shapc_version_string());
    tab_accuracy(quick ? 5 : 25);
    if (model) {
        fm_data f;
        fm_load(&f, model, images);
        const size_t n_img = quick ? 1 : 3, n_many = quick ? 2 : 8;
        const size_t def = (2 * 784 + 2048) * 100, ref_budget = (quick ? 20 : 200) * def;
        check_reference(&f, n_img, (quick ? 20 : 100) * def);
        /* One reference per player set, for the largest number of images used. */
        double *ref[2], *var[2], t_ref[2];
        for (int g = 0; g < 2; g++) {
            const size_t gk = grouping_m[g] * f.k, n = g ? n_img : n_many;
            ref[g] = xmalloc(n * gk * sizeof *ref[g]);
            var[g] = xmalloc(n * gk * sizeof *var[g]);
            t_ref[g] = reference(&f, g, n, ref_budget, ref[g], var[g]);
        }
        fm_accuracy(&f, 1, n_img, seeds, ref_budget, ref[1], var[1], t_ref[1], quick);
        fm_accuracy(&f, 0, n_img, seeds, ref_budget, ref[0], var[0], t_ref[0], quick);
        fm_calibration(&f, 0, n_img, quick ? 5 : 20, ref[0], var[0]);
        fm_calibration(&f, 1, n_img, quick ? 5 : 20, ref[1], var[1]);
        fm_one_percent(&f, n_many, ref[0], var[0]);
        for (int g = 0; g < 2; g++) {
            free(ref[g]);
            free(var[g]);
        }
        fm_large_background(&f, train);
        fm_free(&f);
    }
    return 0;
}
