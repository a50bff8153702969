/* test_kernel.c - properties of the KernelSHAP explainer (the kernel and leverage samplers;
 * the walk estimators - permutation, exact enumeration - are test_estimators.c's).
 *
 * References are computed independently of the explainer: closed forms for linear models and
 * a brute-force Shapley sum over all coalitions (the textbook formula, not a regression). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "testutil.h"

#include "kernel/coalition.h"
#include "shapc/kernel.h"
#include "shapc/model.h"
#include "util/alloc.h"

/* The library's defaults with KernelSHAP's leverage sampler (the default sampler is auto). */
static shapc_kernel_options kernel_options(void)
{
    shapc_kernel_options o = shapc_kernel_options_default();
    o.sampler = SHAPC_SAMPLER_LEVERAGE;
    return o;
}

/* ---- tests ---------------------------------------------------------------------------- */

/* Linear model: phi_i = w_i (x_i - E_b[x_i]) exactly, for any sampled design of full rank. */
static void test_linear_closed_form(void **state)
{
    (void)state;
    /* 80 players under leverage sampling exercise the dense-row (dsyrk) assembly. */
    const size_t dims[] = {6, 40, 40, 80};
    for (size_t t = 0; t < 4; t++) {
        const size_t d = dims[t];
        linear lm = {.d = d, .k = 2, .c = {0.5, -1.0}};
        unsigned seed = 7;
        for (size_t i = 0; i < 2 * d; i++)
            lm.w[i] = 4.0 * urand(&seed) - 2.0;
        float x[96], bg[NBG * 96];
        make_data(d, 11, x, bg);
        double bw[NBG];
        normalised_weights(bw);
        shapc_model *model = NULL;
        assert_int_equal(shapc_model_create(d, 2, linear_predict, &lm, NULL, &model, NULL),
                         SHAPC_OK);
        shapc_kernel_options opt = kernel_options();
        opt.nsamples = t == 0 ? 0 : 300; /* exact for 6 players, sampled for 40 */
        opt.sampler = t >= 2 ? SHAPC_SAMPLER_LEVERAGE : SHAPC_SAMPLER_KERNEL;
        shapc_kernel *kr = NULL;
        assert_int_equal(shapc_kernel_create(model, bg, NBG, bg_weights, &opt, &kr, NULL),
                         SHAPC_OK);
        double phi[192], se[192];
        shapc_kernel_info info;
        assert_int_equal(shapc_kernel_explain(kr, x, phi, se, NULL, &info, NULL), SHAPC_OK);
        assert_int_equal(info.exact, t == 0);
        for (size_t i = 0; i < d; i++) {
            double mean = 0;
            for (size_t j = 0; j < NBG; j++)
                mean += bw[j] * (double)bg[j * d + i];
            for (size_t o = 0; o < 2; o++)
                assert_near(phi[i * 2 + o], lm.w[o * d + i] * ((double)x[i] - mean), 2e-5);
        }
        shapc_kernel_free(kr);
        shapc_model_free(model);
    }
}

/* Full budget: the regression reproduces brute-force Shapley values, both links. */
static void test_exact_matches_brute_force(void **state)
{
    (void)state;
    for (int link = 0; link < 2; link++) {
        mlp m;
        mlp_init(&m, 8, 3 + (unsigned)link);
        float x[8], bg[NBG * 8];
        make_data(8, 5, x, bg);
        double bw[NBG], ref[24], phi[24], se[24], fx[3];
        normalised_weights(bw);
        brute_force(&m, x, bg, bw, NBG, (shapc_link)link, ref);
        shapc_kernel_options opt = kernel_options();
        opt.link = (shapc_link)link;
        opt.nsamples = 254; /* = 2^8 - 2 */
        shapc_kernel_info info;
        explain_mlp(&m, x, bg, opt, phi, se, fx, &info);
        assert_true(info.exact);
        assert_int_equal(info.n_coalitions, 254);
        for (size_t i = 0; i < 24; i++) {
            assert_near(phi[i], ref[i], 1e-6);
            assert_near(se[i], 0.0, 0.0);
        }
    }
}

/* Sampled budget: within a few reported standard errors of the exact values, errors shrink
 * with the budget, and the standard errors are positive where sampling happened. */
static void check_sampled(shapc_sampler sampler)
{
    mlp m;
    mlp_init(&m, 10, 9);
    float x[10], bg[NBG * 10];
    make_data(10, 13, x, bg);
    double bw[NBG], ref[30];
    normalised_weights(bw);
    brute_force(&m, x, bg, bw, NBG, SHAPC_LINK_IDENTITY, ref);
    double err_small = 0, err_large = 0;
    size_t inside = 0, total = 0;
    for (int seed = 1; seed <= 20; seed++) {
        double phi[30], se[30];
        shapc_kernel_options opt = kernel_options();
        opt.seed = (uint64_t)seed;
        opt.nsamples = 200;
        opt.sampler = sampler;
        shapc_kernel_info info;
        explain_mlp(&m, x, bg, opt, phi, se, NULL, &info);
        assert_false(info.exact);
        for (size_t i = 0; i < 30; i++) {
            assert_true(se[i] > 0.0);
            inside += fabs(phi[i] - ref[i]) <= 3.0 * se[i];
            total++;
            err_small += (phi[i] - ref[i]) * (phi[i] - ref[i]);
        }
        opt.nsamples = 800;
        explain_mlp(&m, x, bg, opt, phi, se, NULL, &info);
        for (size_t i = 0; i < 30; i++)
            err_large += (phi[i] - ref[i]) * (phi[i] - ref[i]);
    }
    print_message("sampler %d: 3-SE coverage %zu/%zu, squared error %.3g (200) vs %.3g (800)\n",
                  (int)sampler, inside, total, err_small, err_large);
    /* 3-SE intervals should cover ~99%; demand 85% so the test checks calibration without
     * flaking on the approximation in linearised batch means. */
    assert_true((double)inside >= 0.85 * (double)total);
    assert_true(err_large < err_small);
}

static void test_sampled_within_standard_errors(void **state)
{
    (void)state;
    check_sampled(SHAPC_SAMPLER_KERNEL);
}

static void test_leverage_within_standard_errors(void **state)
{
    (void)state;
    check_sampled(SHAPC_SAMPLER_LEVERAGE);
}

/* A quadratic model f(x) = sum_i a_i x_i + sum_{i<j} B_ij x_i x_j has closed-form
 * interventional Shapley values at any size: for one background row b, the term B x_i x_j
 * is the two-player game v = {b_i b_j, x_i b_j, b_i x_j, x_i x_j}, which gives i the value
 * (1/2) B (x_i - b_i)(x_j + b_j); values average over the weighted background. */
enum { QM = 30 };

typedef struct quadratic {
    double a[QM], b[QM][QM]; /* b[i][j] for i < j */
} quadratic;

static shapc_status quadratic_predict(void *user, const float *x, size_t n, float *out,
                                      shapc_error *err)
{
    const quadratic *q = user;
    (void)err;
    for (size_t r = 0; r < n; r++) {
        const float *xr = x + r * QM;
        double s = 0;
        for (int i = 0; i < QM; i++) {
            s += q->a[i] * (double)xr[i];
            for (int j = i + 1; j < QM; j++)
                s += q->b[i][j] * (double)xr[i] * (double)xr[j];
        }
        out[r] = (float)s;
    }
    return SHAPC_OK;
}

static void quadratic_exact(const quadratic *q, const float *x, const float *bg,
                            const double *bw, double *phi)
{
    for (int i = 0; i < QM; i++) {
        phi[i] = 0;
        for (int r = 0; r < NBG; r++) {
            const float *b = bg + r * QM;
            const double dx = (double)x[i] - (double)b[i];
            double v = q->a[i] * dx;
            for (int j = 0; j < QM; j++)
                if (j != i)
                    v += 0.5 * q->b[i < j ? i : j][i < j ? j : i] * dx *
                         ((double)x[j] + (double)b[j]);
            phi[i] += bw[r] * v;
        }
    }
}

/* Standard errors stay calibrated with few sampled pairs per player (the regime of 784
 * pixels at the default budget), thanks to the small-sample factor; and a budget too small
 * to determine the values reports infinite errors rather than tiny ones. */
static void test_standard_errors_few_pairs(void **state)
{
    (void)state;
    quadratic q;
    unsigned seed = 77;
    for (int i = 0; i < QM; i++) {
        q.a[i] = 2.0 * urand(&seed) - 1.0;
        for (int j = 0; j < QM; j++)
            q.b[i][j] = 0.6 * (urand(&seed) - 0.5);
    }
    float x[QM], bg[NBG * QM];
    make_data(QM, 79, x, bg);
    double bw[NBG], exact[QM];
    normalised_weights(bw);
    quadratic_exact(&q, x, bg, bw, exact);
    shapc_model *model = NULL;
    assert_int_equal(shapc_model_create(QM, 1, quadratic_predict, &q, NULL, &model, NULL),
                     SHAPC_OK);
    for (int smp = 0; smp < 2; smp++) {
        double se2 = 0, err2 = 0;
        size_t inside = 0, total = 0;
        for (int s = 1; s <= 200; s++) {
            shapc_kernel_options opt = kernel_options();
            opt.sampler = (shapc_sampler)smp;
            opt.nsamples = 100; /* 50 pairs for 30 players */
            opt.seed = (uint64_t)s;
            shapc_kernel *kr = NULL;
            double phi[QM], se[QM];
            assert_int_equal(shapc_kernel_create(model, bg, NBG, bg_weights, &opt, &kr, NULL),
                             SHAPC_OK);
            assert_int_equal(shapc_kernel_explain(kr, x, phi, se, NULL, NULL, NULL), SHAPC_OK);
            for (int i = 0; i < QM; i++) {
                se2 += se[i] * se[i];
                err2 += (phi[i] - exact[i]) * (phi[i] - exact[i]);
                inside += fabs(phi[i] - exact[i]) <= 1.96 * se[i];
                total++;
            }
            shapc_kernel_free(kr);
        }
        const double ratio = sqrt(se2 / err2), cover = (double)inside / (double)total;
        print_message("sampler %d, 50 pairs / 30 players: RMS SE / RMS error %.2f, 1.96-SE "
                      "coverage %.1f%%\n", smp, ratio, 100 * cover);
        assert_true(ratio > 0.8 && ratio < 1.25);
        assert_true(cover > 0.88);
    }
    /* 20 pairs cannot determine 30 values: the design is singular, the solve takes a ridge
     * (the design is assembled again with it), the values stay finite and additive, and the
     * errors are infinite. */
    shapc_kernel_options opt = kernel_options();
    opt.nsamples = 40;
    shapc_kernel *kr = NULL;
    double phi[QM], se[QM], fx, sum = 0.0;
    assert_int_equal(shapc_kernel_create(model, bg, NBG, bg_weights, &opt, &kr, NULL), SHAPC_OK);
    assert_int_equal(shapc_kernel_explain(kr, x, phi, se, &fx, NULL, NULL), SHAPC_OK);
    for (int i = 0; i < QM; i++) {
        assert_true(isfinite(phi[i]) && fabs(phi[i]) < 10.0);
        assert_true(isinf(se[i]));
        sum += phi[i];
    }
    assert_near(sum, fx - shapc_kernel_base_values(kr)[0], 1e-9);
    shapc_kernel_free(kr);
    shapc_model_free(model);
}

/* Efficiency: sum phi + base = link(f(x)) for every output, identity and logit. */
static void test_additivity(void **state)
{
    (void)state;
    for (int link = 0; link < 2; link++) {
        mlp m;
        mlp_init(&m, 12, 21);
        float x[12], bg[NBG * 12];
        make_data(12, 23, x, bg);
        shapc_model *model = mlp_model(&m);
        shapc_kernel_options opt = kernel_options();
        opt.link = (shapc_link)link;
        opt.nsamples = 100;
        shapc_kernel *kr = NULL;
        assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, &opt, &kr, NULL), SHAPC_OK);
        double phi[36], fx[3];
        assert_int_equal(shapc_kernel_explain(kr, x, phi, NULL, fx, NULL, NULL), SHAPC_OK);
        const double *base = shapc_kernel_base_values(kr);
        for (size_t o = 0; o < 3; o++) {
            double s = base[o];
            for (size_t i = 0; i < 12; i++)
                s += phi[i * 3 + o];
            assert_near(s, fx[o], 1e-5 * fmax(1.0, fabs(fx[o])));
        }
        shapc_kernel_free(kr);
        shapc_model_free(model);
    }
}

/* Symmetry: two features the model treats alike, equal in x and in every background row,
 * get equal values. Dummy: a feature the model ignores gets zero. */
static void test_symmetry_and_dummy(void **state)
{
    (void)state;
    mlp m;
    mlp_init(&m, 8, 31);
    for (size_t j = 0; j < m.h; j++)
        m.w1[j * 8 + 1] = m.w1[j * 8 + 0];
    m.unused_feature = 5;
    float x[8], bg[NBG * 8];
    make_data(8, 37, x, bg);
    x[1] = x[0];
    for (size_t j = 0; j < NBG; j++)
        bg[j * 8 + 1] = bg[j * 8 + 0];
    double phi[24], se[24];
    shapc_kernel_info info;
    explain_mlp(&m, x, bg, kernel_options(), phi, se, NULL, &info);
    assert_true(info.exact);
    for (size_t o = 0; o < 3; o++) {
        assert_near(phi[0 * 3 + o], phi[1 * 3 + o], 1e-9);
        assert_near(phi[5 * 3 + o], 0.0, 1e-9);
        assert_true(fabs(phi[0 * 3 + o]) > 1e-6); /* the symmetric pair does matter */
    }
}

/* Features equal to x in every background row are not players; 0 and 1 players are exact. */
static void test_non_players_and_shortcuts(void **state)
{
    (void)state;
    mlp m;
    mlp_init(&m, 6, 41);
    float x[6], bg[NBG * 6];
    make_data(6, 43, x, bg);
    for (size_t j = 0; j < NBG; j++)
        for (size_t i = 0; i < 6; i++)
            if (i != 2)
                bg[j * 6 + i] = x[i];
    double phi[18], fx[3];
    shapc_kernel_info info;
    shapc_model *model = mlp_model(&m);
    shapc_kernel *kr = NULL;
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, NULL, &kr, NULL), SHAPC_OK);
    assert_int_equal(shapc_kernel_explain(kr, x, phi, NULL, fx, &info, NULL), SHAPC_OK);
    assert_int_equal(info.n_players, 1);
    assert_true(info.exact);
    const double *base = shapc_kernel_base_values(kr);
    for (size_t o = 0; o < 3; o++)
        for (size_t i = 0; i < 6; i++)
            assert_near(phi[i * 3 + o], i == 2 ? fx[o] - base[o] : 0.0, 1e-12);
    /* x equal to the (single-valued) background everywhere: nothing to explain. */
    for (size_t j = 0; j < NBG; j++)
        bg[j * 6 + 2] = x[2];
    shapc_kernel_free(kr);
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, NULL, &kr, NULL), SHAPC_OK);
    assert_int_equal(shapc_kernel_explain(kr, x, phi, NULL, fx, &info, NULL), SHAPC_OK);
    assert_int_equal(info.n_players, 0);
    for (size_t i = 0; i < 18; i++)
        assert_near(phi[i], 0.0, 0.0);
    shapc_kernel_free(kr);
    shapc_model_free(model);
}

/* Same seed: identical bytes. Different seed: different values. */
static void test_reproducibility(void **state)
{
    (void)state;
    mlp m;
    mlp_init(&m, 12, 51);
    float x[12], bg[NBG * 12];
    make_data(12, 53, x, bg);
    double a[36], b[36], c[36], sa[36], sb[36];
    shapc_kernel_options opt = kernel_options();
    opt.nsamples = 300;
    opt.seed = 42;
    explain_mlp(&m, x, bg, opt, a, sa, NULL, NULL);
    explain_mlp(&m, x, bg, opt, b, sb, NULL, NULL);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_equal(sa, sb, sizeof sa);
    opt.seed = 43;
    explain_mlp(&m, x, bg, opt, c, NULL, NULL, NULL);
    assert_memory_not_equal(a, c, sizeof a);
}

/* Groups: for a linear model a group's value is the sum of its features' closed forms. */
static void test_groups_linear(void **state)
{
    (void)state;
    const size_t d = 12;
    linear lm = {.d = d, .k = 1};
    unsigned seed = 61;
    for (size_t i = 0; i < d; i++)
        lm.w[i] = 2.0 * urand(&seed) - 1.0;
    float x[12], bg[NBG * 12];
    make_data(d, 63, x, bg);
    shapc_model *model = NULL;
    assert_int_equal(shapc_model_create(d, 1, linear_predict, &lm, NULL, &model, NULL),
                     SHAPC_OK);
    shapc_kernel *kr = NULL;
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, NULL, &kr, NULL), SHAPC_OK);
    size_t group_of[12];
    for (size_t i = 0; i < d; i++)
        group_of[i] = (i * 7) % 4; /* interleaved groups of 3 */
    assert_int_equal(shapc_kernel_set_groups(kr, group_of, 4, NULL), SHAPC_OK);
    assert_int_equal(shapc_kernel_n_players(kr), 4);
    double phi[4];
    assert_int_equal(shapc_kernel_explain(kr, x, phi, NULL, NULL, NULL, NULL), SHAPC_OK);
    for (size_t g = 0; g < 4; g++) {
        double want = 0;
        for (size_t i = 0; i < d; i++) {
            if (group_of[i] != g)
                continue;
            double mean = 0;
            for (size_t j = 0; j < NBG; j++)
                mean += (double)bg[j * d + i] / NBG;
            want += lm.w[i] * ((double)x[i] - mean);
        }
        assert_near(phi[g], want, 1e-5);
    }
    shapc_error err = {0};
    group_of[3] = 9;
    assert_int_equal(shapc_kernel_set_groups(kr, group_of, 4, &err), SHAPC_EINVAL);
    for (size_t i = 0; i < d; i++)
        group_of[i] = i % 3; /* group 3 left empty */
    assert_int_equal(shapc_kernel_set_groups(kr, group_of, 4, &err), SHAPC_EINVAL);
    shapc_kernel_free(kr);
    shapc_model_free(model);
}

static shapc_status failing_predict(void *user, const float *x, size_t n, float *out,
                                    shapc_error *err)
{
    (void)x;
    (void)out;
    size_t *calls = user;
    ++*calls;
    if (n > 1)
        return shapc_error_set(err, SHAPC_EMODEL, "scoring service refused a batch of %zu", n);
    out[0] = 0.5f;
    return SHAPC_OK;
}

/* Bad input is an error, not a crash: NaN instance, NaN background, failing model. */
static void test_errors(void **state)
{
    (void)state;
    mlp m;
    mlp_init(&m, 6, 71);
    float x[6], bg[NBG * 6];
    make_data(6, 73, x, bg);
    shapc_model *model = mlp_model(&m);
    shapc_kernel *kr = NULL;
    shapc_error err = {0};
    bg[7] = NAN;
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, NULL, &kr, &err),
                     SHAPC_ENONFINITE);
    assert_null(kr);
    bg[7] = 0.25f;
    assert_int_equal(shapc_kernel_create(model, bg, 0, NULL, NULL, &kr, &err), SHAPC_EINVAL);
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, NULL, &kr, &err), SHAPC_OK);
    double phi[18];
    x[3] = NAN;
    assert_int_equal(shapc_kernel_explain(kr, x, phi, NULL, NULL, NULL, &err), SHAPC_ENONFINITE);
    assert_non_null(strstr(err.message, "NaN"));
    shapc_kernel_free(kr);
    shapc_model_free(model);

    size_t calls = 0;
    shapc_model *bad = NULL;
    assert_int_equal(shapc_model_create(6, 1, failing_predict, &calls, NULL, &bad, NULL),
                     SHAPC_OK);
    x[3] = 0.0f;
    /* Background of one row: the base-value call has n = 1 and succeeds. */
    assert_int_equal(shapc_kernel_create(bad, bg, 1, NULL, NULL, &kr, &err), SHAPC_OK);
    assert_int_equal(shapc_kernel_explain(kr, x, phi, NULL, NULL, NULL, &err), SHAPC_EMODEL);
    assert_non_null(strstr(err.message, "scoring service refused"));
    shapc_kernel_free(kr);
    shapc_model_free(bad);
}

/* The coalition generator: exact enumeration counts, kernel mass 1, complements paired. */
static void test_coalitions(void **state)
{
    (void)state;
    shapc__coalitions c;
    shapc__coalitions_init(&c);
    shapc__rng rng;
    shapc__rng_seed(&rng, 1, 2);
    assert_int_equal(shapc__coalitions_generate(&c, 9, 510, 8, 0, &rng, NULL), SHAPC_OK);
    assert_true(c.exact);
    assert_int_equal(c.n, 510);
    double mass = 0;
    for (size_t i = 0; i < c.n; i++)
        mass += c.weight[i];
    assert_near(mass, 1.0, 1e-12);

    assert_int_equal(shapc__coalitions_generate(&c, 50, 500, 8, 0, &rng, NULL), SHAPC_OK);
    assert_false(c.exact);
    assert_true(c.n >= 498 && c.n <= 500);
    mass = 0;
    size_t enumerated = 0;
    for (size_t i = 0; i < c.n; i++) {
        mass += c.weight[i];
        enumerated += c.batch[i] == 0;
        size_t nt = c.start[i + 1] - c.start[i];
        assert_true(nt >= 1 && nt <= 25);
        if (c.batch[i] != 0 && !c.complement[i]) {
            /* The next coalition is this one's complement. */
            assert_true(c.complement[i + 1]);
            assert_int_equal(c.start[i + 2] - c.start[i + 1], nt);
            assert_memory_equal(c.idx + c.start[i], c.idx + c.start[i + 1], nt * sizeof(uint32_t));
        }
    }
    assert_int_equal(enumerated, 100); /* sizes 1 and 49 fit the budget */
    assert_near(mass, 1.0, 1e-9);
    shapc__coalitions_free(&c);
}

/* One explanation on a thread of its own. cmocka's asserts may only run on the main thread
 * (they longjmp into it), so a job records what every call returned and the main thread
 * asserts on it after joining. */
typedef struct job {
    mlp *m;
    const float *x, *bg;
    double phi[36];
    shapc_status st_model, st_create, st_explain;
    shapc_error err;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    shapc_kernel_options opt = kernel_options();
    opt.nsamples = 200;
    opt.seed = 5;
    shapc_model *model = NULL;
    shapc_kernel *kr = NULL;
    j->st_create = j->st_explain = SHAPC_ECANCELED; /* "not reached" */
    j->st_model = shapc_model_create(j->m->d, j->m->k, mlp_predict, j->m, NULL, &model, &j->err);
    if (j->st_model == SHAPC_OK)
        j->st_create = shapc_kernel_create(model, j->bg, NBG, bg_weights, &opt, &kr, &j->err);
    if (j->st_create == SHAPC_OK)
        j->st_explain = shapc_kernel_explain(kr, j->x, j->phi, NULL, NULL, NULL, &j->err);
    shapc_kernel_free(kr);
    shapc_model_free(model);
    return NULL;
}

static void assert_job_ok(const job *j)
{
    if (j->st_model != SHAPC_OK || j->st_create != SHAPC_OK || j->st_explain != SHAPC_OK)
        fail_msg("job: model %d, create %d, explain %d: %s", (int)j->st_model,
                 (int)j->st_create, (int)j->st_explain, j->err.message);
}

/* No hidden global state: two explainers in two threads match a sequential run. */
static void test_threads_independent(void **state)
{
    (void)state;
    mlp m;
    mlp_init(&m, 12, 81);
    float x[12], bg[NBG * 12];
    make_data(12, 83, x, bg);
    job seq = {.m = &m, .x = x, .bg = bg}, a = seq, b = seq;
    run_job(&seq);
    assert_job_ok(&seq);
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, run_job, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, run_job, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_job_ok(&a);
    assert_job_ok(&b);
    assert_memory_equal(seq.phi, a.phi, sizeof a.phi);
    assert_memory_equal(seq.phi, b.phi, sizeof b.phi);
}

/* The one-row baselines: the weighted mean of a background, zeros for zero weights. */
static void test_background_mean(void **state)
{
    (void)state;
    const float bg[3 * 2] = {1, 10, 2, 20, 4, 40}, w[3] = {1, 2, 1}, zero[3] = {0, 0, 0};
    float out[2];
    shapc_background_mean(bg, 3, w, 2, out);
    assert_near(out[0], (1 + 4 + 4) / 4.0, 1e-6);
    assert_near(out[1], (10 + 40 + 40) / 4.0, 1e-5);
    shapc_background_mean(bg, 3, NULL, 2, out);
    assert_near(out[0], 7 / 3.0, 1e-6);
    shapc_background_mean(bg, 3, zero, 2, out);
    assert_near(out[0], 0, 0);
    assert_near(out[1], 0, 0);
}

/* Out of memory at every allocation of an explanation: a clean SHAPC_ENOMEM, no crash, no
 * leak (the sanitizer build checks the leaks). */
static void test_out_of_memory(void **state)
{
    (void)state;
    mlp m;
    mlp_init(&m, 10, 91);
    float x[10], bg[NBG * 10];
    make_data(10, 93, x, bg);
    shapc_model *model = mlp_model(&m);
    shapc_kernel_options opt = kernel_options();
    opt.nsamples = 100;
    shapc_kernel *kr = NULL;
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, &opt, &kr, NULL), SHAPC_OK);
    double phi[30];
    size_t failures = 0;
    for (size_t n = 1; n < 200; n++) {
        shapc__alloc_fail_after(n);
        shapc_status st = shapc_kernel_explain(kr, x, phi, NULL, NULL, NULL, NULL);
        shapc__alloc_fail_after(0);
        if (st == SHAPC_OK)
            break;
        assert_int_equal(st, SHAPC_ENOMEM);
        failures++;
    }
    assert_true(failures >= 5);
    shapc_kernel_free(kr);
    shapc_model_free(model);
}


/* The native fast path (first layer from precomputed rows plus switched features, once per
 * pair) equals the plain evaluation to float32 rounding, with groups, also when every chunk
 * holds one coalition so no pair is evaluated together; and any thread count gives
 * bit-identical results. */
static void test_native_fast_path_and_threads(void **state)
{
    (void)state;
    const size_t d = 40;
    shapc_model *model = native_model(d, 101);
    float x[40], bg[NBG * 40];
    make_data(d, 103, x, bg);
    size_t group_of[40];
    for (size_t i = 0; i < d; i++)
        group_of[i] = i / 2;
    for (int grouped = 0; grouped < 2; grouped++) {
        double ref[120], phi[120], se_ref[120], se[120];
        for (int variant = 0; variant < 5; variant++) {
            shapc_kernel_options opt = kernel_options();
            opt.nsamples = 400;
            opt.seed = 9;
            opt.use_structure = variant != 0;
            opt.n_threads = variant == 3 ? 3 : (variant == 2 || variant == 4 ? 2 : 1);
            /* many small chunks; variant 4: one coalition per chunk, pairs split */
            opt.max_memory = variant == 4 ? 1 : 16 * 1024;
            shapc_kernel *kr = NULL;
            assert_int_equal(shapc_kernel_create(model, bg, NBG, bg_weights, &opt, &kr, NULL),
                             SHAPC_OK);
            if (grouped)
                assert_int_equal(shapc_kernel_set_groups(kr, group_of, d / 2, NULL), SHAPC_OK);
            const size_t g = shapc_kernel_n_players(kr);
            assert_int_equal(shapc_kernel_explain(kr, x, variant ? phi : ref,
                                                  variant ? se : se_ref, NULL, NULL, NULL),
                             SHAPC_OK);
            if (variant == 1 || variant == 4) {
                double scale = 0;
                for (size_t i = 0; i < g * 3; i++)
                    scale = fmax(scale, fabs(ref[i]));
                for (size_t i = 0; i < g * 3; i++)
                    assert_near(phi[i], ref[i], 1e-4 * scale);
                if (variant == 1) { /* fast path, one thread: the reference now */
                    memcpy(ref, phi, sizeof phi);
                    memcpy(se_ref, se, sizeof se);
                }
            } else if (variant > 1) {
                assert_memory_equal(phi, ref, g * 3 * sizeof *phi);
                assert_memory_equal(se, se_ref, g * 3 * sizeof *se);
            }
            shapc_kernel_free(kr);
        }
    }
    shapc_model_free(model);
}

/* Rows of the same coalition and background row that equal b_j (x and b_j agree on T) or x
 * (they agree off T) take the output of b_j or x instead of an evaluation, and on the generic
 * path a complemented coalition (x with T from the background) evaluates once the rows whose
 * backgrounds agree on T. With tied data (values in {0, 1, 2}, one background row equal to x,
 * one differing in a single feature) the explainer evaluates exactly the rows the test
 * counts, on the generic and the native path (pairs together or split), and the values still
 * match brute force. */

/* Model rows an exact explanation of x evaluates: 1 (x itself) plus, for every coalition S of
 * the m players (player of feature i: group[i]), the rows that differ from both b_j and x -
 * on the generic path (dedup) counting once those of a complemented coalition (|S| > m/2,
 * stored as T = the others; m odd) whose backgrounds agree on T. */
static size_t rows_evaluated(const float *x, const float *bg, size_t d, const size_t *group,
                             size_t m, int dedup)
{
    size_t n = 1;
    for (size_t s = 1; s + 1 < ((size_t)1 << m); s++) {
        const int comp = 2 * (size_t)__builtin_popcountll(s) > m;
        size_t kept[NBG], n_kept = 0;
        for (size_t j = 0; j < NBG; j++) {
            int eq_in = 1, eq_out = 1;
            for (size_t i = 0; i < d; i++) {
                const int same = x[i] == bg[j * d + i];
                if (s >> group[i] & 1)
                    eq_in &= same;
                else
                    eq_out &= same;
            }
            if (eq_in || eq_out)
                continue;
            int dup = 0;
            for (size_t q = 0; q < n_kept && dedup && comp && !dup; q++) {
                dup = 1;
                for (size_t i = 0; i < d; i++)
                    if (!(s >> group[i] & 1) && bg[j * d + i] != bg[kept[q] * d + i])
                        dup = 0;
            }
            if (!dup)
                kept[n_kept++] = j;
        }
        n += n_kept;
    }
    return n;
}

static void test_rows_equal_to_background_or_x(void **state)
{
    (void)state;
    enum { D = 9 };
    unsigned seed = 17;
    float x[D], bg[NBG * D];
    for (size_t i = 0; i < D; i++)
        x[i] = (float)(int)(3.0 * urand(&seed));
    for (size_t j = 0; j < NBG * D; j++)
        bg[j] = (float)(int)(3.0 * urand(&seed));
    memcpy(bg, x, sizeof x);                 /* row 0 equals x */
    memcpy(bg + D, x, sizeof x);
    bg[D + 4] = x[4] + 1.0f;                 /* row 1 differs in feature 4 only */
    for (size_t i = 0; i < D; i++)           /* row 2 differs everywhere */
        bg[2 * D + i] = x[i] + 0.5f;
    for (size_t i = 0; i < D; i += 2)        /* rows 3 and 4 agree on half the features */
        bg[4 * D + i] = bg[3 * D + i];
    size_t one[D];
    for (size_t i = 0; i < D; i++)
        one[i] = i;
    const size_t all = 1 + 510 * NBG, plain = rows_evaluated(x, bg, D, one, D, 0);
    const size_t dedup = rows_evaluated(x, bg, D, one, D, 1);
    assert_true(plain < all * 3 / 4 && dedup < plain); /* the data has ties worth skipping */
    print_message("9 features of 3 levels, %d background rows: %zu model rows for all 510 "
                  "coalitions, %zu without rows equal to b or x, %zu also without duplicates\n",
                  NBG, all, plain, dedup);

    mlp m;
    mlp_init(&m, D, 23);
    double bw[NBG], ref[D * 3], phi[D * 3];
    normalised_weights(bw);
    brute_force(&m, x, bg, bw, NBG, SHAPC_LINK_IDENTITY, ref);
    shapc_kernel_options opt = kernel_options();
    opt.nsamples = 510; /* = 2^9 - 2: every coalition, so the count is known */
    shapc_kernel_info info;
    explain_mlp(&m, x, bg, opt, phi, NULL, NULL, &info);
    assert_true(info.exact);
    assert_int_equal(info.n_players, D);
    assert_int_equal(info.n_evals, dedup);
    for (size_t i = 0; i < D * 3; i++)
        assert_near(phi[i], ref[i], 1e-6);

    /* Native model: the fast path skips the rows equal to b_j or x (no duplicates: its rows
     * share their first layer per pair) and agrees with the generic path. */
    shapc_model *model = native_model(D, 29);
    double gen[D * 3];
    for (int variant = 0; variant < 3; variant++) {
        opt.use_structure = variant != 0;
        opt.max_memory = variant == 2 ? 1 : opt.max_memory; /* pairs split over chunks */
        shapc_kernel *kr = NULL;
        assert_int_equal(shapc_kernel_create(model, bg, NBG, bg_weights, &opt, &kr, NULL),
                         SHAPC_OK);
        assert_int_equal(shapc_kernel_explain(kr, x, variant ? phi : gen, NULL, NULL, &info,
                                              NULL),
                         SHAPC_OK);
        assert_int_equal(info.n_evals, variant ? plain : dedup);
        if (variant)
            for (size_t i = 0; i < D * 3; i++)
                assert_near(phi[i], gen[i], 1e-6);
        shapc_kernel_free(kr);
    }

    /* Players of two features each (the ninth alone): a row is skipped, or a duplicate, when
     * every feature of the players concerned agrees; generic and native agree on the values. */
    size_t group_of[D];
    for (size_t i = 0; i < D; i++)
        group_of[i] = i / 2;
    const size_t plain_g = rows_evaluated(x, bg, D, group_of, 5, 0);
    const size_t dedup_g = rows_evaluated(x, bg, D, group_of, 5, 1);
    double gen_g[5 * 3], phi_g[5 * 3];
    opt.nsamples = 30; /* = 2^5 - 2 */
    opt.max_memory = kernel_options().max_memory;
    for (int variant = 0; variant < 2; variant++) {
        opt.use_structure = variant;
        shapc_kernel *kr = NULL;
        assert_int_equal(shapc_kernel_create(model, bg, NBG, bg_weights, &opt, &kr, NULL),
                         SHAPC_OK);
        assert_int_equal(shapc_kernel_set_groups(kr, group_of, 5, NULL), SHAPC_OK);
        assert_int_equal(shapc_kernel_explain(kr, x, variant ? phi_g : gen_g, NULL, NULL,
                                              &info, NULL),
                         SHAPC_OK);
        assert_true(info.exact);
        assert_int_equal(info.n_evals, variant ? plain_g : dedup_g);
        if (variant)
            for (size_t i = 0; i < 5 * 3; i++)
                assert_near(phi_g[i], gen_g[i], 1e-6);
        shapc_kernel_free(kr);
    }
    shapc_model_free(model);
}


/* shapc_kernel_explain_rows gives the bytes of one shapc_kernel_explain per row, whatever the
 * thread count (rows in parallel, or threads within a row when rows are few), with the native
 * fast path, --tol rounds and a shared design; a failing row is named. */
static void test_explain_rows(void **state)
{
    (void)state;
    enum { N = 7, D = 40, K = 3 };
    shapc_model *model = native_model(D, 131);
    float xs[N * D], bg[NBG * D];
    for (size_t i = 0; i < N; i++)
        make_data(D, 137 + (unsigned)i, xs + i * D, bg);
    static double ref[N * D * K], ref_se[N * D * K], phi[N * D * K], se[N * D * K];
    double ref_fx[N * K], fx[N * K];
    shapc_kernel_info ref_info[N], info[N];
    for (int variant = 0; variant < 3; variant++) {
        shapc_kernel_options opt = kernel_options();
        opt.nsamples = 300;
        opt.seed = 5;
        opt.tol = variant == 1 ? 0.01 : 0.0;
        opt.share_design = variant == 2;
        shapc_kernel *kr = NULL;
        assert_int_equal(shapc_kernel_create(model, bg, NBG, bg_weights, &opt, &kr, NULL),
                         SHAPC_OK);
        for (size_t i = 0; i < N; i++)
            assert_int_equal(shapc_kernel_explain(kr, xs + i * D, ref + i * D * K,
                                                  ref_se + i * D * K, ref_fx + i * K,
                                                  ref_info + i, NULL),
                             SHAPC_OK);
        shapc_kernel_free(kr);
        for (size_t threads = 1; threads <= 8; threads *= 2) {
            opt.n_threads = threads;
            assert_int_equal(shapc_kernel_create(model, bg, NBG, bg_weights, &opt, &kr, NULL),
                             SHAPC_OK);
            for (int pass = 0; pass < 2; pass++) { /* the second reuses the sessions */
                memset(phi, 0, sizeof phi);
                assert_int_equal(shapc_kernel_explain_rows(kr, xs, N, phi, se, fx, info, NULL),
                                 SHAPC_OK);
                assert_memory_equal(phi, ref, sizeof phi);
                assert_memory_equal(se, ref_se, sizeof se);
                assert_memory_equal(fx, ref_fx, sizeof fx);
                for (size_t i = 0; i < N; i++) {
                    assert_int_equal(info[i].n_evals, ref_info[i].n_evals);
                    assert_int_equal(info[i].n_coalitions, ref_info[i].n_coalitions);
                }
            }
            shapc_kernel_free(kr);
        }
    }
    /* Row 4 is NaN: its error is reported with its number. */
    xs[4 * D + 2] = NAN;
    shapc_kernel_options opt = kernel_options();
    opt.n_threads = 2;
    shapc_kernel *kr = NULL;
    assert_int_equal(shapc_kernel_create(model, bg, NBG, bg_weights, &opt, &kr, NULL), SHAPC_OK);
    shapc_error err = {0};
    assert_int_equal(shapc_kernel_explain_rows(kr, xs, N, phi, NULL, NULL, NULL, &err),
                     SHAPC_ENONFINITE);
    assert_non_null(strstr(err.message, "row 4: "));
    shapc_kernel_free(kr);
    shapc_model_free(model);
}

/* --tol: rounds stop early once the standard errors are small relative to the values' range,
 * the stopped estimate still adds up and sits within its errors; a tiny tolerance spends the
 * whole budget and agrees with the one-shot estimate. */
static void test_tolerance_rounds(void **state)
{
    (void)state;
    mlp m;
    mlp_init(&m, 12, 111);
    float x[12], bg[NBG * 12];
    make_data(12, 113, x, bg);
    double bw[NBG], ref[36], phi[36], se[36], fx[3], one[36];
    normalised_weights(bw);
    brute_force(&m, x, bg, bw, NBG, SHAPC_LINK_IDENTITY, ref);
    shapc_kernel_options opt = kernel_options();
    opt.nsamples = 1000;
    opt.seed = 4;
    shapc_kernel_info full, early, tiny;
    explain_mlp(&m, x, bg, opt, one, NULL, NULL, &full);
    opt.tol = 0.05;
    explain_mlp(&m, x, bg, opt, phi, se, fx, &early);
    assert_true(early.n_coalitions < full.n_coalitions);
    assert_true(early.n_evals < full.n_evals);
    size_t inside = 0;
    for (size_t i = 0; i < 36; i++)
        inside += fabs(phi[i] - ref[i]) <= 4.0 * se[i] + 1e-9;
    print_message("--tol 0.05: %zu of %zu coalitions, %zu/36 within 4 SE\n",
                  early.n_coalitions, full.n_coalitions, inside);
    assert_true(inside >= 32);
    opt.tol = 1e-12;
    explain_mlp(&m, x, bg, opt, phi, se, NULL, &tiny);
    assert_int_equal(tiny.n_coalitions, full.n_coalitions);
    for (size_t i = 0; i < 36; i++)
        assert_near(phi[i], one[i], 1e-9);
    opt.tol = -1.0;
    shapc_model *model = mlp_model(&m);
    shapc_kernel *kr = NULL;
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, &opt, &kr, NULL), SHAPC_EINVAL);
    shapc_model_free(model);
}


/* share_design: rows with the same players reuse one design; the cache is transparent (a row
 * explained after another equals the row explained alone), closed forms still hold, and
 * regrouping invalidates the cache. */
static void test_shared_design(void **state)
{
    (void)state;
    const size_t d = 40;
    linear lm = {.d = d, .k = 2, .c = {0.1, 0.2}};
    unsigned seed = 121;
    for (size_t i = 0; i < 2 * d; i++)
        lm.w[i] = 2.0 * urand(&seed) - 1.0;
    float x1[40], x2[40], bg[NBG * 40];
    make_data(d, 123, x1, bg);
    make_data(d, 125, x2, bg); /* x2 from seed 125; x1 and bg from seed 127 next */
    make_data(d, 127, x1, bg);
    shapc_model *model = NULL;
    assert_int_equal(shapc_model_create(d, 2, linear_predict, &lm, NULL, &model, NULL),
                     SHAPC_OK);
    shapc_kernel_options opt = kernel_options();
    opt.nsamples = 300;
    opt.share_design = 1;
    double a[80], b[80], alone[80], se_b[80], se_alone[80];
    shapc_kernel *kr = NULL, *fresh = NULL;
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, &opt, &kr, NULL), SHAPC_OK);
    assert_int_equal(shapc_kernel_explain(kr, x1, a, NULL, NULL, NULL, NULL), SHAPC_OK);
    assert_int_equal(shapc_kernel_explain(kr, x2, b, se_b, NULL, NULL, NULL), SHAPC_OK);
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, &opt, &fresh, NULL), SHAPC_OK);
    assert_int_equal(shapc_kernel_explain(fresh, x2, alone, se_alone, NULL, NULL, NULL),
                     SHAPC_OK);
    assert_memory_equal(b, alone, sizeof b);
    assert_memory_equal(se_b, se_alone, sizeof se_b);
    for (size_t i = 0; i < d; i++) {
        double mean = 0;
        for (size_t j = 0; j < NBG; j++)
            mean += (double)bg[j * d + i] / NBG;
        for (size_t o = 0; o < 2; o++)
            assert_near(b[i * 2 + o], lm.w[o * d + i] * ((double)x2[i] - mean), 2e-5);
    }
    size_t group_of[40];
    for (size_t i = 0; i < d; i++)
        group_of[i] = i / 4;
    assert_int_equal(shapc_kernel_set_groups(kr, group_of, 10, NULL), SHAPC_OK);
    assert_int_equal(shapc_kernel_explain(kr, x1, a, NULL, NULL, NULL, NULL), SHAPC_OK);
    for (size_t g = 0; g < 10; g++) {
        double want = 0;
        for (size_t i = g * 4; i < g * 4 + 4; i++) {
            double mean = 0;
            for (size_t j = 0; j < NBG; j++)
                mean += (double)bg[j * d + i] / NBG;
            want += lm.w[i] * ((double)x1[i] - mean);
        }
        assert_near(a[g * 2], want, 2e-5);
    }
    shapc_kernel_free(kr);
    shapc_kernel_free(fresh);
    shapc_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_closed_form),
        cmocka_unit_test(test_exact_matches_brute_force),
        cmocka_unit_test(test_sampled_within_standard_errors),
        cmocka_unit_test(test_leverage_within_standard_errors),
        cmocka_unit_test(test_standard_errors_few_pairs),
        cmocka_unit_test(test_additivity),
        cmocka_unit_test(test_symmetry_and_dummy),
        cmocka_unit_test(test_non_players_and_shortcuts),
        cmocka_unit_test(test_reproducibility),
        cmocka_unit_test(test_groups_linear),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_coalitions),
        cmocka_unit_test(test_threads_independent),
        cmocka_unit_test(test_background_mean),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_native_fast_path_and_threads),
        cmocka_unit_test(test_rows_equal_to_background_or_x),
        cmocka_unit_test(test_explain_rows),
        cmocka_unit_test(test_tolerance_rounds),
        cmocka_unit_test(test_shared_design),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
