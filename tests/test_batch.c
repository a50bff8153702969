/* test_batch.c - rows with their own players and baselines (shapc_kernel_explain_batch):
 * each row gives exactly the bytes of an explainer built for it alone, for any thread count;
 * columns past a row's players are zero; base values follow each row's baseline; bad batches
 * are errors; the progress callback counts the batch's rows and can stop it; and the
 * explainer runs OpenBLAS single-threaded whatever the program set. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "models.h"
#include "testutil.h"

#include "shapc/kernel.h"
#include "shapc/model.h"

enum { D = 8, N = 5, K = 3, P = 6 };

typedef struct fixture {
    mlp m;
    shapc_model *model;
    float x[N * D], bg[NBG * D], base[N * 2 * D];
    size_t group_of[N * D], n_groups[N];
} fixture;

static void fixture_init(fixture *f)
{
    mlp_init(&f->m, D, 17);
    f->model = mlp_model(&f->m);
    unsigned seed = 5;
    for (size_t i = 0; i < N * D; i++)
        f->x[i] = (float)(urand(&seed) * 2 - 1);
    make_data(D, 19, f->x, f->bg); /* overwrites row 0 */
    for (size_t i = 0; i < N * 2 * D; i++)
        f->base[i] = (float)(urand(&seed) - 0.5);
    /* Row i has 2 + i % 5 players (at most P), feature f in player f % that. */
    for (size_t i = 0; i < N; i++) {
        f->n_groups[i] = 2 + i % 5 < P ? 2 + i % 5 : P;
        for (size_t j = 0; j < D; j++)
            f->group_of[i * D + j] = j % f->n_groups[i];
    }
}

static shapc_kernel_options options(size_t threads)
{
    shapc_kernel_options o = shapc_kernel_options_default();
    o.n_threads = threads;
    o.nsamples = 60; /* sampled for the rows with 6 players, exact for the small ones */
    o.sampler = SHAPC_SAMPLER_KERNEL;
    o.seed = 3;
    return o;
}

/* Per-row players: each row equals a kernel with shapc_kernel_set_groups for that row. */
static void test_per_row_players(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    shapc_error err = {0};
    double ref_phi[N * P * K], ref_se[N * P * K], ref_fx[N * K];
    shapc_kernel_info ref_info[N];
    memset(ref_phi, 0, sizeof ref_phi);
    memset(ref_se, 0, sizeof ref_se);
    for (size_t i = 0; i < N; i++) {
        shapc_kernel_options o = options(1);
        shapc_kernel *kr = NULL;
        assert_int_equal(shapc_kernel_create(f.model, f.bg, NBG, bg_weights, &o, &kr, &err),
                         SHAPC_OK);
        assert_int_equal(shapc_kernel_set_groups(kr, f.group_of + i * D, f.n_groups[i], &err),
                         SHAPC_OK);
        assert_int_equal(shapc_kernel_explain(kr, f.x + i * D, ref_phi + i * P * K,
                                              ref_se + i * P * K, ref_fx + i * K, &ref_info[i],
                                              &err), SHAPC_OK);
        shapc_kernel_free(kr);
    }
    for (size_t threads = 1; threads <= 3; threads++) {
        shapc_kernel_options o = options(threads);
        shapc_kernel *kr = NULL;
        assert_int_equal(shapc_kernel_create(f.model, f.bg, NBG, bg_weights, &o, &kr, &err),
                         SHAPC_OK);
        shapc_kernel_batch b = shapc_kernel_batch_default();
        b.x = f.x;
        b.n = N;
        b.group_of = f.group_of;
        b.n_groups = f.n_groups;
        b.n_players = P;
        double phi[N * P * K], se[N * P * K], fx[N * K], base[N * K];
        shapc_kernel_info info[N];
        memset(phi, 0xff, sizeof phi); /* every cell must be written, the padding with 0 */
        memset(se, 0xff, sizeof se);
        if (shapc_kernel_explain_batch(kr, &b, phi, se, fx, base, info, &err) != SHAPC_OK)
            fail_msg("%s", err.message);
        assert_memory_equal(phi, ref_phi, sizeof phi);
        assert_memory_equal(se, ref_se, sizeof se);
        assert_memory_equal(fx, ref_fx, sizeof fx);
        for (size_t i = 0; i < N; i++) {
            assert_int_equal(info[i].n_players, ref_info[i].n_players);
            assert_int_equal(info[i].exact, ref_info[i].exact);
            assert_int_equal(info[i].n_evals, ref_info[i].n_evals);
            assert_memory_equal(base + i * K, shapc_kernel_base_values(kr), K * sizeof *base);
        }
        assert_false(info[N - 1].exact); /* 6 players at 60 coalitions: sampled */
        assert_true(info[0].exact);
        shapc_kernel_free(kr);
    }
    shapc_model_free(f.model);
}

/* Per-row baselines: each row equals a kernel created over its baseline; base values are the
 * row's own, E f(baseline), and efficiency holds against them. */
static void test_per_row_baselines(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    shapc_error err = {0};
    const float w[N * 2] = {1, 3, 1, 1, 2, 1, 1, 0.5f, 4, 1};
    for (size_t threads = 1; threads <= 2; threads++) {
        shapc_kernel_options o = options(threads);
        shapc_kernel *kr = NULL;
        assert_int_equal(shapc_kernel_create(f.model, f.bg, NBG, NULL, &o, &kr, &err),
                         SHAPC_OK);
        shapc_kernel_batch b = shapc_kernel_batch_default();
        b.x = f.x;
        b.n = N;
        b.baseline = f.base;
        b.baseline_rows = 2;
        b.baseline_weights = w;
        double phi[N * D * K], fx[N * K], base[N * K];
        if (shapc_kernel_explain_batch(kr, &b, phi, NULL, fx, base, NULL, &err) != SHAPC_OK)
            fail_msg("%s", err.message);
        for (size_t i = 0; i < N; i++) {
            shapc_kernel_options o1 = options(1);
            shapc_kernel *one = NULL;
            double p1[D * K], f1[K];
            assert_int_equal(shapc_kernel_create(f.model, f.base + i * 2 * D, 2, w + 2 * i,
                                                 &o1, &one, &err), SHAPC_OK);
            assert_int_equal(shapc_kernel_explain(one, f.x + i * D, p1, NULL, f1, NULL, &err),
                             SHAPC_OK);
            assert_memory_equal(phi + i * D * K, p1, sizeof p1);
            assert_memory_equal(base + i * K, shapc_kernel_base_values(one), K * sizeof *base);
            /* and the base value really is the weighted mean over the row's baseline */
            float out[2 * K];
            assert_int_equal(shapc_model_predict(f.model, f.base + i * 2 * D, 2, out, &err),
                             SHAPC_OK);
            const double wsum = (double)w[2 * i] + (double)w[2 * i + 1];
            for (size_t c = 0; c < K; c++) {
                const double want = ((double)w[2 * i] * (double)out[c] +
                                     (double)w[2 * i + 1] * (double)out[K + c]) / wsum;
                assert_near(base[i * K + c], want, 1e-6);
                double s = base[i * K + c];
                for (size_t j = 0; j < D; j++)
                    s += phi[(i * D + j) * K + c];
                assert_near(s, fx[i * K + c], 1e-5);
            }
            shapc_kernel_free(one);
        }
        shapc_kernel_free(kr);
    }
    shapc_model_free(f.model);
}

static void test_bad_batches(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    shapc_error err = {0};
    shapc_kernel_options o = options(1);
    shapc_kernel *kr = NULL;
    assert_int_equal(shapc_kernel_create(f.model, f.bg, NBG, NULL, &o, &kr, &err), SHAPC_OK);
    double phi[N * D * K]; /* D > P: room for either layout */
    shapc_kernel_batch b = shapc_kernel_batch_default();
    b.x = f.x;
    b.n = N;
    b.group_of = f.group_of;
    assert_int_equal(shapc_kernel_explain_batch(kr, &b, phi, NULL, NULL, NULL, NULL, &err),
                     SHAPC_EINVAL); /* no n_groups */
    b.n_groups = f.n_groups;
    b.n_players = 3; /* row 2 has 4 players */
    assert_int_equal(shapc_kernel_explain_batch(kr, &b, phi, NULL, NULL, NULL, NULL, &err),
                     SHAPC_EINVAL);
    assert_non_null(strstr(err.message, "row 2"));
    b.n_players = P;
    f.group_of[3 * D + 1] = 7; /* row 3 has 5 players */
    assert_int_equal(shapc_kernel_explain_batch(kr, &b, phi, NULL, NULL, NULL, NULL, &err),
                     SHAPC_EINVAL);
    assert_non_null(strstr(err.message, "row 3: feature 1"));
    b.group_of = NULL;
    b.baseline = f.base;
    assert_int_equal(shapc_kernel_explain_batch(kr, &b, phi, NULL, NULL, NULL, NULL, &err),
                     SHAPC_EINVAL); /* no baseline_rows */
    b.size = 8;
    assert_int_equal(shapc_kernel_explain_batch(kr, &b, phi, NULL, NULL, NULL, NULL, &err),
                     SHAPC_EINVAL);
    /* a NaN in a row names the row */
    shapc_kernel_batch ok = shapc_kernel_batch_default();
    ok.x = f.x;
    ok.n = N;
    ok.baseline = f.base;
    ok.baseline_rows = 2;
    f.x[4 * D + 2] = NAN;
    assert_int_equal(shapc_kernel_explain_batch(kr, &ok, phi, NULL, NULL, NULL, NULL, &err),
                     SHAPC_ENONFINITE);
    assert_non_null(strstr(err.message, "row 4"));
    shapc_kernel_free(kr);
    shapc_model_free(f.model);
}

typedef struct counter {
    size_t calls, last_done, last_total, stop_at;
} counter;

static int count_progress(void *user, size_t done, size_t total)
{
    counter *c = user;
    c->calls++;
    c->last_done = done;
    c->last_total = total;
    return c->stop_at && done >= c->stop_at;
}

/* The callback sees the batch's rows (not each row's own explainer) and stops the batch. */
static void test_progress_and_cancel(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    shapc_error err = {0};
    counter c = {0};
    shapc_kernel_options o = options(1);
    o.progress = count_progress;
    o.progress_user = &c;
    shapc_kernel *kr = NULL;
    assert_int_equal(shapc_kernel_create(f.model, f.bg, NBG, NULL, &o, &kr, &err), SHAPC_OK);
    shapc_kernel_batch b = shapc_kernel_batch_default();
    b.x = f.x;
    b.n = N;
    b.baseline = f.base;
    b.baseline_rows = 2;
    double phi[N * D * K];
    assert_int_equal(shapc_kernel_explain_batch(kr, &b, phi, NULL, NULL, NULL, NULL, &err),
                     SHAPC_OK);
    assert_true(c.calls >= N);
    assert_int_equal(c.last_done, N);
    assert_int_equal(c.last_total, N);
    c = (counter){.stop_at = 2};
    assert_int_equal(shapc_kernel_explain_batch(kr, &b, phi, NULL, NULL, NULL, NULL, &err),
                     SHAPC_ECANCELED);
    assert_int_equal(c.last_done, 2);
    shapc_kernel_free(kr);
    shapc_model_free(f.model);
}

/* Whatever thread count the program gave OpenBLAS, the explainer runs it on one thread. */
static void test_blas_pinned(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    shapc_error err = {0};
    shapc_kernel_options o = options(2);
    shapc_kernel *kr = NULL;
    shapc_blas_set_threads(2);
    assert_int_equal(openblas_get_num_threads(), 2); /* the test means something */
    assert_int_equal(shapc_kernel_create(f.model, f.bg, NBG, NULL, &o, &kr, &err), SHAPC_OK);
    assert_int_equal(openblas_get_num_threads(), 1);
    shapc_blas_set_threads(2);
    double phi[D * K];
    assert_int_equal(shapc_kernel_explain(kr, f.x, phi, NULL, NULL, NULL, &err), SHAPC_OK);
    assert_int_equal(openblas_get_num_threads(), 1);
    shapc_kernel_free(kr);
    shapc_model_free(f.model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_row_players),
        cmocka_unit_test(test_per_row_baselines),
        cmocka_unit_test(test_bad_batches),
        cmocka_unit_test(test_progress_and_cancel),
        cmocka_unit_test(test_blas_pinned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
