/* test_estimators.c - properties of the walk estimators: the permutation sampler (antithetic
 * orderings against sampled background rows) and exact enumeration in Gray-code order, and of
 * the auto sampler that chooses between them.
 *
 * References are independent of the explainer: brute-force Shapley sums over all coalitions
 * (models.c) and closed forms for linear models. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "testutil.h"

#include "kernel/kernel_impl.h"
#include "shapc/kernel.h"
#include "shapc/model.h"

static shapc_kernel *make_kernel(const shapc_model *model, const float *bg, size_t n_bg,
                                 const float *w, shapc_kernel_options opt)
{
    shapc_kernel *kr = NULL;
    shapc_error err = {0};
    if (shapc_kernel_create(model, bg, n_bg, w, &opt, &kr, &err) != SHAPC_OK)
        fail_msg("shapc_kernel_create: %s", err.message);
    return kr;
}

static void explain(shapc_kernel *kr, const float *x, double *phi, double *se, double *fx,
                    shapc_kernel_info *info)
{
    shapc_error err = {0};
    if (shapc_kernel_explain(kr, x, phi, se, fx, info, &err) != SHAPC_OK)
        fail_msg("shapc_kernel_explain: %s", err.message);
}

static double max_abs(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s = fmax(s, fabs(v[i]));
    return s;
}

/* Next permutation in lexicographic order; 0 after the last. */
static int next_perm(uint32_t *p, size_t n)
{
    size_t i = n - 1;
    while (i > 0 && p[i - 1] >= p[i])
        i--;
    if (i == 0)
        return 0;
    size_t j = n - 1;
    while (p[j] <= p[i - 1])
        j--;
    uint32_t t = p[i - 1];
    p[i - 1] = p[j];
    p[j] = t;
    for (size_t a = i, b = n - 1; a < b; a++, b--) {
        t = p[a];
        p[a] = p[b];
        p[b] = t;
    }
    return 1;
}

/* ---- the walks themselves ---------------------------------------------------------------- */

/* Averaging the estimator's samples over every ordering and every background row (by weight)
 * is the Shapley value: equal to brute force, for a callback and a native model, with and
 * without groups, with the identity link (one row per sample) and logit (the whole background
 * per sample, the link applied at every step). */
static void test_all_orderings_equal_brute_force(void **state)
{
    (void)state;
    mlp net;
    mlp_init(&net, 10, 7);
    float x[10], bg[NBG * 10];
    make_data(10, 11, x, bg);
    bg[2 * 10 + 3] = x[3]; /* ties: walks skip players equal to x */
    bg[4 * 10 + 0] = x[0];
    double bw[NBG];
    normalised_weights(bw);
    const size_t groups[10] = {0, 0, 1, 2, 2, 3, 4, 4, 1, 3};
    for (int native = 0; native < 2; native++) {
        shapc_model *model = native ? native_model(10, 5) : mlp_model(&net);
        for (int grouped = 0; grouped < 2; grouped++) {
            for (int logit = 0; logit < 2; logit++) {
                const size_t m = grouped ? 5 : 10;
                if (!grouped && m > 7)
                    continue; /* 10! orderings: the grouped case covers the walks */
                shapc_kernel_options opt = shapc_kernel_options_default();
                opt.link = logit ? SHAPC_LINK_LOGIT : SHAPC_LINK_IDENTITY;
                opt.sampler = SHAPC_SAMPLER_PERMUTATION;
                shapc_kernel *kr = make_kernel(model, bg, NBG, bg_weights, opt);
                if (grouped)
                    assert_int_equal(shapc_kernel_set_groups(kr, groups, 5, NULL), SHAPC_OK);
                size_t players[10];
                for (size_t p = 0; p < m; p++)
                    players[p] = p;
                double ref[30], acc[30] = {0}, s[30], c[3];
                brute_force_model(model, x, bg, bw, NBG, grouped ? groups : NULL, m, opt.link, ref);
                uint32_t order[10];
                for (size_t p = 0; p < m; p++)
                    order[p] = (uint32_t)p;
                double n_orders = 0;
                do {
                    if (logit) {
                        const uint32_t rows[NBG] = {0, 1, 2, 3, 4};
                        assert_int_equal(shapc__permutation_sample(kr, x, players, m, order, rows,
                                                                   NBG, s, c, NULL),
                                         SHAPC_OK);
                        for (size_t i = 0; i < m * 3; i++)
                            acc[i] += s[i];
                    } else {
                        for (uint32_t r = 0; r < NBG; r++) {
                            assert_int_equal(shapc__permutation_sample(kr, x, players, m, order, &r,
                                                                       1, s, c, NULL),
                                             SHAPC_OK);
                            for (size_t i = 0; i < m * 3; i++)
                                acc[i] += bw[r] * s[i];
                        }
                    }
                    n_orders++;
                } while (next_perm(order, m));
                const double scale = max_abs(ref, m * 3);
                for (size_t i = 0; i < m * 3; i++)
                    assert_near(acc[i] / n_orders, ref[i], 2e-6 * scale + 1e-9);
                shapc_kernel_free(kr);
            }
        }
        shapc_model_free(model);
    }
}

/* ---- exact enumeration ------------------------------------------------------------------- */

/* Exact enumeration (sampler exact, and auto when the budget covers every coalition) equals
 * brute force on the callback and the native path, with groups and the logit link; it is
 * reported exact with zero standard errors, and evaluates exactly 2^|D_j| - 2 rows per
 * background row (plus f(x)), D_j the players where b_j differs from x. */
static void test_exact_equals_brute_force(void **state)
{
    (void)state;
    const size_t d = 32;
    float x[32], bg[NBG * 32];
    unsigned seed = 41;
    for (size_t i = 0; i < d; i++)
        x[i] = (float)(2.0 * urand(&seed) - 1.0);
    for (size_t i = 0; i < NBG * d; i++)
        bg[i] = (float)(2.0 * urand(&seed) - 1.0);
    /* b_1 agrees with x on players 0-3, b_3 is x except player 5 */
    for (size_t i = 0; i < 8; i++)
        bg[1 * d + i] = x[i];
    for (size_t i = 0; i < d; i++)
        if (i / 2 != 5)
            bg[3 * d + i] = x[i];
    size_t groups[32];
    for (size_t i = 0; i < d; i++)
        groups[i] = i / 2; /* 16 players */
    double bw[NBG];
    normalised_weights(bw);
    const size_t expect_rows = 1 + 3 * ((1u << 16) - 2) + ((1u << 12) - 2);
    for (int native = 0; native < 2; native++) {
        /* use_structure 0: every masked row evaluated by the model, no first stage */
        shapc_model *model = native_model(d, 19);
        for (int logit = 0; logit < 2; logit++) {
            double ref[48], phi[48], se[48], fx[3];
            brute_force_model(model, x, bg, bw, NBG, groups, 16,
                              logit ? SHAPC_LINK_LOGIT : SHAPC_LINK_IDENTITY, ref);
            for (int sampler = 0; sampler < 2; sampler++) {
                shapc_kernel_options opt = shapc_kernel_options_default();
                opt.link = logit ? SHAPC_LINK_LOGIT : SHAPC_LINK_IDENTITY;
                opt.sampler = sampler ? SHAPC_SAMPLER_AUTO : SHAPC_SAMPLER_EXACT;
                opt.use_structure = native;
                opt.max_evals = sampler ? expect_rows : 0; /* auto: just enough */
                opt.n_threads = 2;
                shapc_kernel *kr = make_kernel(model, bg, NBG, bg_weights, opt);
                assert_int_equal(shapc_kernel_set_groups(kr, groups, 16, NULL), SHAPC_OK);
                shapc_kernel_info info;
                explain(kr, x, phi, se, fx, &info);
                assert_true(info.exact);
                assert_int_equal(info.sampler, SHAPC_SAMPLER_EXACT);
                assert_int_equal(info.n_evals, expect_rows);
                const double scale = max_abs(ref, 48);
                for (size_t i = 0; i < 48; i++) {
                    assert_near(phi[i], ref[i], 1e-5 * scale);
                    assert_true(se[i] == 0.0);
                }
                /* One row fewer than needed: auto samples instead. */
                if (sampler) {
                    shapc_kernel_free(kr);
                    opt.max_evals = expect_rows - 1;
                    kr = make_kernel(model, bg, NBG, bg_weights, opt);
                    assert_int_equal(shapc_kernel_set_groups(kr, groups, 16, NULL), SHAPC_OK);
                    explain(kr, x, phi, se, fx, &info);
                    assert_false(info.exact);
                    assert_int_equal(info.sampler, SHAPC_SAMPLER_PERMUTATION);
                }
                shapc_kernel_free(kr);
            }
        }
        shapc_model_free(model);
    }
}

/* The native model as a plain callback (no first stage): the generic walk path. */
static shapc_status via_model(void *user, const float *x, size_t n, float *out, shapc_error *err)
{
    return shapc_model_predict(user, x, n, out, err);
}

/* The first-stage path (vector adds in double) equals the generic path (every masked row
 * evaluated by the model) to float32 rounding, for exact enumeration of 16 players (Gray
 * code: each player toggled thousands of times) and for the permutation estimator, whose
 * samples are then the same draws. */
static void test_first_stage_equals_generic(void **state)
{
    (void)state;
    const size_t d = 40;
    shapc_model *native = native_model(d, 23);
    shapc_model *plain = NULL;
    assert_int_equal(shapc_model_create(d, 3, via_model, native, NULL, &plain, NULL), SHAPC_OK);
    float x[40], bg[NBG * 40];
    make_data(d, 29, x, bg);
    size_t groups[40];
    for (size_t i = 0; i < d; i++)
        groups[i] = i * 16 / d;
    for (int sampler = 0; sampler < 2; sampler++) {
        /* path 0: generic; 1: first stage; 2, 3: both with batches of a few rows, so walks
         * straddle evaluations */
        double phi[4][48], se[4][48];
        shapc_kernel_info info[4];
        for (int path = 0; path < 4; path++) {
            shapc_kernel_options opt = shapc_kernel_options_default();
            opt.sampler = sampler ? SHAPC_SAMPLER_PERMUTATION : SHAPC_SAMPLER_EXACT;
            opt.seed = 5;
            opt.max_evals = 20000;
            if (path >= 2)
                opt.max_memory = 700;
            shapc_kernel *kr = make_kernel(path & 1 ? native : plain, bg, NBG, bg_weights, opt);
            assert_int_equal(shapc_kernel_set_groups(kr, groups, 16, NULL), SHAPC_OK);
            explain(kr, x, phi[path], se[path], NULL, &info[path]);
            shapc_kernel_free(kr);
        }
        const double scale = max_abs(phi[0], 48);
        for (int path = 1; path < 4; path++) {
            assert_int_equal(info[path].n_evals, info[0].n_evals);
            assert_int_equal(info[path].n_coalitions, info[0].n_coalitions);
            for (size_t i = 0; i < 48; i++) {
                assert_near(phi[path][i], phi[0][i], 2e-5 * scale);
                assert_near(se[path][i], se[0][i], 2e-3 * fmax(se[0][i], 1e-3 * scale));
            }
        }
    }
    shapc_model_free(plain);
    shapc_model_free(native);
}

/* ---- the permutation estimator ------------------------------------------------------------ */

/* Additivity: sum phi = link(f(x)) - base to 1e-9 of the scale, for weighted backgrounds,
 * both links, groups, callback and native models, tiny and default budgets. */
static void test_permutation_additivity(void **state)
{
    (void)state;
    mlp net;
    mlp_init(&net, 12, 3);
    float x[12], bg[NBG * 12];
    make_data(12, 5, x, bg);
    const size_t groups[12] = {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5};
    for (int native = 0; native < 2; native++) {
        shapc_model *model = native ? native_model(12, 9) : mlp_model(&net);
        for (int variant = 0; variant < 8; variant++) {
            shapc_kernel_options opt = shapc_kernel_options_default();
            opt.sampler = SHAPC_SAMPLER_PERMUTATION;
            opt.link = variant & 1 ? SHAPC_LINK_LOGIT : SHAPC_LINK_IDENTITY;
            opt.max_evals = variant & 2 ? 1 : 0; /* the minimum of 4 pairs */
            opt.seed = (uint64_t)variant;
            shapc_kernel *kr = make_kernel(model, bg, NBG, bg_weights, opt);
            if (variant & 4)
                assert_int_equal(shapc_kernel_set_groups(kr, groups, 6, NULL), SHAPC_OK);
            const size_t m = shapc_kernel_n_players(kr);
            double phi[36], se[36], fx[3];
            shapc_kernel_info info;
            explain(kr, x, phi, se, fx, &info);
            assert_int_equal(info.sampler, SHAPC_SAMPLER_PERMUTATION);
            assert_false(info.exact);
            if (variant & 2)
                assert_int_equal(info.n_coalitions, 4);
            const double *base = shapc_kernel_base_values(kr);
            for (size_t o = 0; o < 3; o++) {
                double sum = 0;
                for (size_t i = 0; i < m; i++)
                    sum += phi[i * 3 + o];
                assert_near(sum, fx[o] - base[o], 1e-9 * (fabs(fx[o]) + fabs(base[o]) + 1));
            }
            shapc_kernel_free(kr);
        }
        shapc_model_free(model);
    }
}

/* A linear model's contributions do not depend on the ordering: walked against the whole
 * background every sample is the closed form phi_i = w_i (x_i - E_w b_i), with zero
 * standard errors; against one sampled row per pair the estimate is within 4 standard
 * errors of it (and the control variate leaves it exactly additive). */
static void test_permutation_linear(void **state)
{
    (void)state;
    linear lm = {.d = 6, .k = 2};
    unsigned seed = 77;
    for (size_t i = 0; i < 12; i++)
        lm.w[i] = 2.0 * urand(&seed) - 1.0;
    lm.c[0] = 0.5;
    lm.c[1] = -1.0;
    shapc_model *model = NULL;
    assert_int_equal(shapc_model_create(6, 2, linear_predict, &lm, NULL, &model, NULL), SHAPC_OK);
    enum { N = 40 };
    float x[6], bg[N * 6];
    for (size_t i = 0; i < 6; i++)
        x[i] = (float)(urand(&seed) * 4 - 2);
    for (size_t i = 0; i < N * 6; i++)
        bg[i] = (float)(urand(&seed) * 4 - 2);
    double closed[12];
    for (size_t i = 0; i < 6; i++) {
        double mean = 0;
        for (size_t j = 0; j < N; j++)
            mean += (double)bg[j * 6 + i] / N;
        for (size_t o = 0; o < 2; o++)
            closed[i * 2 + o] = lm.w[o * 6 + i] * ((double)x[i] - mean);
    }
    for (int whole = 0; whole < 2; whole++) {
        shapc_kernel_options opt = shapc_kernel_options_default();
        opt.sampler = SHAPC_SAMPLER_PERMUTATION;
        opt.bg_per_sample = whole ? N : 1;
        opt.max_evals = 2000;
        shapc_kernel *kr = make_kernel(model, bg, N, NULL, opt);
        double phi[12], se[12];
        explain(kr, x, phi, se, NULL, NULL);
        for (size_t i = 0; i < 12; i++) {
            if (whole) {
                assert_near(phi[i], closed[i], 1e-5);
                assert_true(se[i] < 1e-5);
            } else {
                assert_true(se[i] > 0);
                assert_near(phi[i], closed[i], 4 * se[i]);
            }
        }
        shapc_kernel_free(kr);
    }
    shapc_model_free(model);
}

/* A feature the model ignores gets exactly 0 (and standard error 0); two players the model
 * treats alike, equal in x and in every background row, get equal exact values. */
static void test_dummy_and_symmetric(void **state)
{
    (void)state;
    mlp net;
    mlp_init(&net, 6, 13);
    net.unused_feature = 2;
    /* features 4 and 5 symmetric: the same weights, equal values everywhere */
    for (size_t j = 0; j < net.h; j++)
        net.w1[j * 6 + 5] = net.w1[j * 6 + 4];
    float x[6], bg[NBG * 6];
    make_data(6, 17, x, bg);
    x[5] = x[4];
    for (size_t j = 0; j < NBG; j++)
        bg[j * 6 + 5] = bg[j * 6 + 4];
    shapc_model *model = mlp_model(&net);
    for (int sampler = 0; sampler < 2; sampler++) {
        shapc_kernel_options opt = shapc_kernel_options_default();
        opt.sampler = sampler ? SHAPC_SAMPLER_PERMUTATION : SHAPC_SAMPLER_EXACT;
        shapc_kernel *kr = make_kernel(model, bg, NBG, bg_weights, opt);
        double phi[18], se[18];
        explain(kr, x, phi, se, NULL, NULL);
        for (size_t o = 0; o < 3; o++) {
            assert_true(phi[2 * 3 + o] == 0.0);
            assert_true(se[2 * 3 + o] == 0.0);
            if (!sampler)
                assert_near(phi[4 * 3 + o], phi[5 * 3 + o], 1e-12);
        }
        shapc_kernel_free(kr);
    }
    shapc_model_free(model);
}

/* Unbiased and calibrated: over 200 seeds at a small budget the mean estimate is within 4
 * standard errors of the mean of the exact values, and 91-98.5% of the +-1.96 SE intervals
 * cover the exact value (the reported errors are neither too small nor too large), for both
 * designs: independent rows (30 background rows, 50 pairs) and stratified (10 rows walked
 * five times each). */
static void check_calibration(size_t n_bg, const char *design)
{
    mlp net;
    mlp_init(&net, 8, 21);
    enum { SEEDS = 200 };
    float x[8], bg[30 * 8];
    unsigned seed = 99;
    for (size_t i = 0; i < 8; i++)
        x[i] = (float)(2.0 * urand(&seed) - 1.0);
    for (size_t i = 0; i < n_bg * 8; i++)
        bg[i] = (float)(2.0 * urand(&seed) - 1.0);
    shapc_model *model = mlp_model(&net);
    double bw[30];
    for (size_t j = 0; j < n_bg; j++)
        bw[j] = 1.0 / (double)n_bg;
    double ref[24];
    brute_force_model(model, x, bg, bw, n_bg, NULL, 8, SHAPC_LINK_IDENTITY, ref);
    double sum[24] = {0}, sum2[24] = {0};
    size_t inside = 0, total = 0;
    for (int s = 0; s < SEEDS; s++) {
        shapc_kernel_options opt = shapc_kernel_options_default();
        opt.sampler = SHAPC_SAMPLER_PERMUTATION;
        opt.seed = (uint64_t)s + 1;
        opt.max_evals = 701; /* 50 pairs of 2 x 7 rows, and f(x) */
        shapc_kernel *kr = make_kernel(model, bg, n_bg, NULL, opt);
        double phi[24], se[24];
        shapc_kernel_info info;
        explain(kr, x, phi, se, NULL, &info);
        assert_int_equal(info.n_coalitions, 50);
        for (size_t i = 0; i < 24; i++) {
            sum[i] += phi[i];
            sum2[i] += phi[i] * phi[i];
            inside += fabs(phi[i] - ref[i]) <= 1.96 * se[i];
            total++;
        }
        shapc_kernel_free(kr);
    }
    for (size_t i = 0; i < 24; i++) {
        const double mean = sum[i] / SEEDS;
        const double sd = sqrt(fmax(sum2[i] / SEEDS - mean * mean, 0.0));
        assert_near(mean, ref[i], 4.0 * sd / sqrt((double)SEEDS) + 1e-12);
    }
    const double coverage = (double)inside / (double)total;
    print_message("permutation (%s), 50 pairs, 8 players, %d seeds: 1.96-SE coverage %.1f%%\n",
                  design, SEEDS, 100 * coverage);
    assert_true(coverage >= 0.91 && coverage <= 0.985);
    shapc_model_free(model);
}

static void test_permutation_unbiased_and_calibrated(void **state)
{
    (void)state;
    check_calibration(30, "independent rows");
    check_calibration(10, "stratified");
}

/* The same seed gives the same bytes for 1, 2 and 3 threads, for shapc_kernel_explain and
 * shapc_kernel_explain_rows, with and without --tol; another seed gives other values. */
static void test_permutation_reproducible(void **state)
{
    (void)state;
    const size_t d = 40;
    shapc_model *model = native_model(d, 31);
    float xs[3 * 40], bg[NBG * 40];
    make_data(d, 37, xs, bg);
    make_data(d, 38, xs + 40, bg);
    make_data(d, 39, xs + 80, bg);
    make_data(d, 37, xs, bg); /* bg from the first call */
    for (int tol = 0; tol < 2; tol++) {
        double ref[3 * 120], phi[3 * 120], se_ref[3 * 120], se[3 * 120];
        for (int variant = 0; variant < 5; variant++) {
            shapc_kernel_options opt = shapc_kernel_options_default();
            opt.sampler = SHAPC_SAMPLER_PERMUTATION;
            opt.seed = variant == 4 ? 8 : 7;
            opt.tol = tol ? 0.02 : 0.0;
            opt.n_threads = variant == 0 ? 1 : (variant == 1 ? 2 : 3);
            opt.max_memory = 8 * 1024; /* small batches */
            shapc_kernel *kr = make_kernel(model, bg, NBG, bg_weights, opt);
            if (variant == 3)
                assert_int_equal(shapc_kernel_explain_rows(kr, xs, 3, phi, se, NULL, NULL, NULL),
                                 SHAPC_OK);
            else
                for (size_t r = 0; r < 3; r++)
                    explain(kr, xs + r * d, variant ? phi + r * 120 : ref + r * 120,
                            variant ? se + r * 120 : se_ref + r * 120, NULL, NULL);
            if (variant > 0 && variant < 4) {
                assert_memory_equal(phi, ref, sizeof ref);
                assert_memory_equal(se, se_ref, sizeof se);
            } else if (variant == 4) {
                assert_memory_not_equal(phi, ref, sizeof ref);
            }
            shapc_kernel_free(kr);
        }
    }
    shapc_model_free(model);
}

/* The walkers' per-row cache (walk.h; on at the default max_memory, off when a quarter of it
 * cannot hold it) changes no bit: rows explained one after another on one kernel - where a
 * cache kept from the previous row would be wrong - and several rows at once give the same
 * values as without it, grouped or not. */
static void test_walk_cache_is_invisible(void **state)
{
    (void)state;
    const size_t d = 40;
    shapc_model *model = native_model(d, 31);
    float xs[3 * 40], bg[NBG * 40];
    make_data(d, 38, xs + 40, bg);
    make_data(d, 39, xs + 80, bg);
    make_data(d, 37, xs, bg);
    size_t groups[40];
    for (size_t f = 0; f < d; f++)
        groups[f] = f / 4;
    for (int grouped = 0; grouped < 2; grouped++) {
        double ref[3 * 120], phi[3 * 120], se_ref[3 * 120], se[3 * 120];
        for (int variant = 0; variant < 3; variant++) {
            shapc_kernel_options opt = shapc_kernel_options_default();
            opt.sampler = SHAPC_SAMPLER_PERMUTATION;
            opt.seed = 5;
            opt.n_threads = 2;
            if (variant == 0)
                opt.max_memory = 8 * 1024; /* no cache */
            shapc_kernel *kr = make_kernel(model, bg, NBG, bg_weights, opt);
            if (grouped)
                assert_int_equal(shapc_kernel_set_groups(kr, groups, 10, NULL), SHAPC_OK);
            const size_t per = grouped ? 30 : 120;
            if (variant == 2)
                assert_int_equal(shapc_kernel_explain_rows(kr, xs, 3, phi, se, NULL, NULL, NULL),
                                 SHAPC_OK);
            else
                for (size_t r = 0; r < 3; r++)
                    explain(kr, xs + r * d, variant ? phi + r * per : ref + r * per,
                            variant ? se + r * per : se_ref + r * per, NULL, NULL);
            if (variant > 0) {
                assert_memory_equal(phi, ref, 3 * per * sizeof *phi);
                assert_memory_equal(se, se_ref, 3 * per * sizeof *se);
            }
            shapc_kernel_free(kr);
        }
    }
    shapc_model_free(model);
}

/* The budget counts model rows: an explanation evaluates at most max_evals (+ f(x)), uses
 * most of it, and the default is shap's budget in rows, (2M + 2048) x min(n_bg, 100). */
static void test_budget_in_rows(void **state)
{
    (void)state;
    const size_t d = 40;
    shapc_model *model = native_model(d, 43);
    float x[40], bg[NBG * 40];
    make_data(d, 47, x, bg);
    const size_t budgets[3] = {5000, 50000, 0};
    for (size_t b = 0; b < 3; b++) {
        shapc_kernel_options opt = shapc_kernel_options_default();
        opt.max_evals = budgets[b];
        shapc_kernel *kr = make_kernel(model, bg, NBG, bg_weights, opt);
        double phi[120];
        shapc_kernel_info info;
        explain(kr, x, phi, NULL, NULL, &info);
        const size_t want = budgets[b] ? budgets[b] : (2 * 40 + 2048) * NBG;
        assert_int_equal(info.sampler, SHAPC_SAMPLER_PERMUTATION);
        assert_true(info.n_evals <= want);
        assert_true(info.n_evals + 2 * 39 * 2 > want); /* within one pair of it */
        shapc_kernel_free(kr);
    }
    /* The KernelSHAP samplers: max_evals caps the coalitions against the whole background. */
    shapc_kernel_options opt = shapc_kernel_options_default();
    opt.sampler = SHAPC_SAMPLER_LEVERAGE;
    opt.max_evals = 1000 * NBG;
    shapc_kernel *kr = make_kernel(model, bg, NBG, bg_weights, opt);
    double phi[120];
    shapc_kernel_info info;
    explain(kr, x, phi, NULL, NULL, &info);
    assert_true(info.n_evals <= 1000 * NBG);
    shapc_kernel_free(kr);
    shapc_model_free(model);
}

/* --tol stops early at a loose tolerance (fewer pairs, every error below the target or the
 * budget spent) and spends the budget at a tight one. */
static void test_permutation_tol(void **state)
{
    (void)state;
    const size_t d = 40;
    shapc_model *model = native_model(d, 53);
    float x[40], bg[NBG * 40];
    make_data(d, 59, x, bg);
    size_t pairs[2];
    for (int loose = 0; loose < 2; loose++) {
        shapc_kernel_options opt = shapc_kernel_options_default();
        opt.sampler = SHAPC_SAMPLER_PERMUTATION;
        opt.max_evals = 200000;
        opt.tol = loose ? 0.05 : 1e-6;
        shapc_kernel *kr = make_kernel(model, bg, NBG, bg_weights, opt);
        double phi[120], se[120];
        shapc_kernel_info info;
        explain(kr, x, phi, se, NULL, &info);
        pairs[loose] = info.n_coalitions;
        if (loose) {
            for (size_t o = 0; o < 3; o++) {
                double lo = INFINITY, hi = -INFINITY, worst = 0;
                for (size_t i = 0; i < 40; i++) {
                    lo = fmin(lo, phi[i * 3 + o]);
                    hi = fmax(hi, phi[i * 3 + o]);
                    worst = fmax(worst, se[i * 3 + o]);
                }
                assert_true(worst <= 0.05 * (hi - lo));
            }
        }
        shapc_kernel_free(kr);
    }
    print_message("--tol: %zu pairs at 1e-6, %zu at 0.05\n", pairs[0], pairs[1]);
    assert_true(pairs[1] < pairs[0] / 4);
    shapc_model_free(model);
}

/* A progress callback sees every row finish; returning nonzero stops the explanation with
 * SHAPC_ECANCELED, for every estimator and for shapc_kernel_explain_rows. */
typedef struct prog {
    size_t calls, last_done, total, stop_after;
} prog;

static int on_progress(void *user, size_t done, size_t total)
{
    prog *p = user;
    p->calls++;
    p->last_done = done;
    p->total = total;
    return p->stop_after && p->calls >= p->stop_after;
}

static void test_progress_and_cancel(void **state)
{
    (void)state;
    const size_t d = 40;
    shapc_model *model = native_model(d, 61);
    float xs[4 * 40], bg[NBG * 40];
    for (int r = 0; r < 4; r++)
        make_data(d, 67 + (unsigned)r, xs + r * 40, bg);
    const shapc_sampler samplers[3] = {SHAPC_SAMPLER_PERMUTATION, SHAPC_SAMPLER_LEVERAGE,
                                       SHAPC_SAMPLER_EXACT};
    for (size_t s = 0; s < 3; s++) {
        for (int stop = 0; stop < 2; stop++) {
            prog p = {0, 0, 0, stop ? 3 : 0};
            shapc_kernel_options opt = shapc_kernel_options_default();
            opt.sampler = samplers[s];
            opt.progress = on_progress;
            opt.progress_user = &p;
            opt.n_threads = 2;
            opt.max_memory = 4096;
            shapc_kernel *kr = make_kernel(model, bg, NBG, bg_weights, opt);
            if (samplers[s] == SHAPC_SAMPLER_EXACT) {
                size_t groups[40];
                for (size_t i = 0; i < d; i++)
                    groups[i] = i / 4;
                assert_int_equal(shapc_kernel_set_groups(kr, groups, 10, NULL), SHAPC_OK);
            }
            double phi[4 * 120];
            shapc_error err = {0};
            shapc_status st = shapc_kernel_explain_rows(kr, xs, 4, phi, NULL, NULL, NULL, &err);
            if (stop) {
                assert_int_equal(st, SHAPC_ECANCELED);
            } else {
                assert_int_equal(st, SHAPC_OK);
                assert_int_equal(p.last_done, 4);
                assert_int_equal(p.total, 4);
                assert_true(p.calls > 4);
            }
            shapc_kernel_free(kr);
        }
    }
    shapc_model_free(model);
}

/* A background of 60,000 rows costs what 100 rows cost: the permutation estimator draws its
 * rows, so the model rows evaluated do not grow with the background (the budget is
 * (2M + 2048) x 100), and nothing per background row is precomputed for the walks. */
static void test_large_background(void **state)
{
    (void)state;
    const size_t d = 20, n_big = 60000;
    shapc_model *model = native_model(d, 71);
    float *bg = malloc(n_big * d * sizeof *bg);
    assert_non_null(bg);
    unsigned seed = 73;
    for (size_t i = 0; i < n_big * d; i++)
        bg[i] = (float)(2.0 * urand(&seed) - 1.0);
    float x[20];
    for (size_t i = 0; i < d; i++)
        x[i] = (float)(2.0 * urand(&seed) - 1.0);
    size_t evals[2];
    for (int big = 0; big < 2; big++) {
        shapc_kernel_options opt = shapc_kernel_options_default();
        shapc_kernel *kr = make_kernel(model, bg, big ? n_big : 100, NULL, opt);
        assert_null(kr->hbg); /* no precomputed first stage of the background */
        double phi[60];
        shapc_kernel_info info;
        explain(kr, x, phi, NULL, NULL, &info);
        evals[big] = info.n_evals;
        shapc_kernel_free(kr);
    }
    assert_true(evals[1] <= (2 * 20 + 2048) * 100 + 1);
    assert_true(evals[1] > evals[0] * 9 / 10 && evals[1] < evals[0] * 11 / 10);
    free(bg);
    shapc_model_free(model);
}

/* Bad options are refused: an unknown sampler, a sampled background with the logit link, an
 * options struct of the wrong size; too many players for exact enumeration. */
static void test_option_errors(void **state)
{
    (void)state;
    const size_t d = 30;
    shapc_model *model = native_model(d, 79);
    float x[30], bg[NBG * 30];
    make_data(d, 83, x, bg);
    shapc_kernel *kr = NULL;
    shapc_kernel_options opt = shapc_kernel_options_default();
    opt.sampler = (shapc_sampler)17;
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, &opt, &kr, NULL), SHAPC_EINVAL);
    opt = shapc_kernel_options_default();
    opt.link = SHAPC_LINK_LOGIT;
    opt.bg_per_sample = 2;
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, &opt, &kr, NULL), SHAPC_EINVAL);
    opt = shapc_kernel_options_default();
    opt.size = 3;
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, &opt, &kr, NULL), SHAPC_EINVAL);
    opt = shapc_kernel_options_default();
    opt.sampler = SHAPC_SAMPLER_EXACT;
    kr = make_kernel(model, bg, NBG, NULL, opt);
    double phi[90];
    shapc_error err = {0};
    assert_int_equal(shapc_kernel_explain(kr, x, phi, NULL, NULL, NULL, &err), SHAPC_ERANGE);
    shapc_kernel_free(kr);
    shapc_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_orderings_equal_brute_force),
        cmocka_unit_test(test_exact_equals_brute_force),
        cmocka_unit_test(test_first_stage_equals_generic),
        cmocka_unit_test(test_permutation_additivity),
        cmocka_unit_test(test_permutation_linear),
        cmocka_unit_test(test_dummy_and_symmetric),
        cmocka_unit_test(test_permutation_unbiased_and_calibrated),
        cmocka_unit_test(test_permutation_reproducible),
        cmocka_unit_test(test_walk_cache_is_invisible),
        cmocka_unit_test(test_budget_in_rows),
        cmocka_unit_test(test_permutation_tol),
        cmocka_unit_test(test_progress_and_cancel),
        cmocka_unit_test(test_large_background),
        cmocka_unit_test(test_option_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
