/* test_background.c - the background helpers (shapc_background_sample, _kmeans): blobs are
 * found, weights add up to the input's total, discrete columns are snapped and continuous
 * ones are not, seeds reproduce, the sampling schemes are unbiased, bad arguments and
 * allocation failures are refused cleanly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shapc/data.h"
#include "testutil.h"
#include "util/alloc.h"

/* Deterministic jitter in [-0.5, 0.5), never a whole number. */
static float jitter(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (float)(((*s >> 8) & 0xffff) / 65536.0 - 0.5) * 0.9f + 0.0137f;
}

/* Three blobs: 50 rows near (0, 0), 30 near (10, 10), 20 near (-10, 10), interleaved. */
static void blobs(float *x)
{
    static const float cx[3] = {0, 10, -10}, cy[3] = {0, 10, 10};
    unsigned s = 7;
    size_t i;
    for (i = 0; i < 100; i++) {
        size_t b = i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2;
        x[2 * i] = cx[b] + jitter(&s);
        x[2 * i + 1] = cy[b] + jitter(&s);
    }
}

static double sum_f(const float *v, size_t n)
{
    double t = 0;
    size_t i;
    for (i = 0; i < n; i++)
        t += (double)v[i];
    return t;
}

static void test_kmeans_finds_blobs(void **state)
{
    float x[200];
    shapc_array *c = NULL, *w = NULL;
    shapc_error e = {0};
    size_t k = 0, i;
    static const double want[3][3] = {{0, 0, 50}, {10, 10, 30}, {-10, 10, 20}};
    (void)state;
    blobs(x);
    assert_int_equal(shapc_background_kmeans(x, 100, 2, NULL, 3, 0, &c, &w, &k, &e), SHAPC_OK);
    assert_int_equal(k, 3);
    assert_int_equal(shapc_array_dim(c, 0), 3);
    assert_int_equal(shapc_array_dim(c, 1), 2);
    assert_int_equal(shapc_array_dim(w, 0), 3);
    for (i = 0; i < 3; i++) {
        const float *ci = (const float *)shapc_array_cdata(c) + 2 * i;
        /* heaviest first: the blobs in the order 50, 30, 20; centres within the jitter */
        assert_near(ci[0], want[i][0], 0.2);
        assert_near(ci[1], want[i][1], 0.2);
        assert_near(((const float *)shapc_array_cdata(w))[i], want[i][2], 1e-6);
    }
    shapc_array_free(c);
    shapc_array_free(w);
}

/* Row weights: cluster weights are the clusters' total row weights, adding up to the input's
 * total; a zero-weight outlier pulls no centre. */
static void test_kmeans_weights_sum_to_total(void **state)
{
    float x[202], wts[101];
    shapc_array *c = NULL, *w = NULL;
    shapc_error e = {0};
    size_t k = 0, i;
    double total = 0;
    (void)state;
    blobs(x);
    x[200] = 1000;
    x[201] = -1000;
    for (i = 0; i < 101; i++) {
        wts[i] = i == 100 ? 0.0f : (float)(1 + i % 3) * 0.25f;
        total += (double)wts[i];
    }
    assert_int_equal(shapc_background_kmeans(x, 101, 2, wts, 3, 5, &c, &w, &k, &e), SHAPC_OK);
    assert_int_equal(k, 3);
    assert_near(sum_f(shapc_array_cdata(w), k), total, 1e-4);
    for (i = 0; i < 2 * k; i++)
        assert_true(fabsf(((const float *)shapc_array_cdata(c))[i]) < 11);
    shapc_array_free(c);
    shapc_array_free(w);
    /* unweighted: the cluster sizes, n in all */
    assert_int_equal(shapc_background_kmeans(x, 100, 2, NULL, 4, 5, &c, &w, &k, &e), SHAPC_OK);
    assert_int_equal(k, 4);
    assert_near(sum_f(shapc_array_cdata(w), k), 100, 1e-6);
    for (i = 0; i < k; i++) {
        float wi = ((const float *)shapc_array_cdata(w))[i];
        assert_true(wi == floorf(wi) && wi >= 1);
    }
    shapc_array_free(c);
    shapc_array_free(w);
}

/* Column 0 holds 0/1/2 codes (whole numbers), column 1 two non-integer codes (0.25, 0.75: few
 * distinct values), column 2 continuous values: centroids take observed values in the first
 * two and the cluster mean in the third. */
static void test_kmeans_snaps_discrete_columns(void **state)
{
    float x[3 * 60];
    shapc_array *c = NULL;
    shapc_error e = {0};
    size_t k = 0, i, j;
    unsigned s = 3;
    (void)state;
    for (i = 0; i < 60; i++) {
        x[3 * i] = (float)(i % 2 == 0 ? i % 3 : i % 5 == 1 ? 1 : 2); /* odd rows: mean 1.8 */
        x[3 * i + 1] = i % 4 == 0 ? 0.75f : 0.25f;
        x[3 * i + 2] = (float)(i % 2) * 20.0f + jitter(&s);
    }
    assert_int_equal(shapc_background_kmeans(x, 60, 3, NULL, 2, 1, &c, NULL, &k, &e),
                     SHAPC_OK);
    assert_int_equal(k, 2);
    for (i = 0; i < k; i++) {
        const float *ci = (const float *)shapc_array_cdata(c) + 3 * i;
        int seen2 = 0;
        assert_true(ci[0] == 0 || ci[0] == 1 || ci[0] == 2);
        assert_true(ci[1] == 0.25f || ci[1] == 0.75f);
        for (j = 0; j < 60; j++)
            if (x[3 * j + 2] == ci[2])
                seen2 = 1;
        assert_false(seen2); /* a mean, not snapped */
        assert_true(fabsf(ci[2]) < 0.5f || fabsf(ci[2] - 20) < 0.5f);
    }
    shapc_array_free(c);
}

static void test_kmeans_seeds_reproduce(void **state)
{
    float x[2 * 200];
    shapc_array *a = NULL, *b = NULL, *d = NULL;
    shapc_error e = {0};
    size_t ka, kb, kd, i;
    unsigned s = 11;
    (void)state;
    for (i = 0; i < 400; i++)
        x[i] = jitter(&s) * 10; /* one diffuse cloud: the seeding decides */
    assert_int_equal(shapc_background_kmeans(x, 200, 2, NULL, 7, 42, &a, NULL, &ka, &e),
                     SHAPC_OK);
    assert_int_equal(shapc_background_kmeans(x, 200, 2, NULL, 7, 42, &b, NULL, &kb, &e),
                     SHAPC_OK);
    assert_int_equal(shapc_background_kmeans(x, 200, 2, NULL, 7, 43, &d, NULL, &kd, &e),
                     SHAPC_OK);
    assert_int_equal(ka, kb);
    assert_memory_equal(shapc_array_cdata(a), shapc_array_cdata(b), ka * 2 * sizeof(float));
    assert_int_equal(kd, 7);
    assert_true(memcmp(shapc_array_cdata(a), shapc_array_cdata(d), 7 * 2 * sizeof(float)) !=
                0);
    shapc_array_free(a);
    shapc_array_free(b);
    shapc_array_free(d);
}

/* Five copies of one row and one other: only two centroids exist. */
static void test_kmeans_fewer_distinct_rows(void **state)
{
    float x[12] = {1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 7, 9};
    shapc_array *c = NULL, *w = NULL;
    shapc_error e = {0};
    size_t k = 0;
    (void)state;
    assert_int_equal(shapc_background_kmeans(x, 6, 2, NULL, 3, 0, &c, &w, &k, &e), SHAPC_OK);
    assert_int_equal(k, 2);
    assert_near(((const float *)shapc_array_cdata(w))[0], 5, 0);
    assert_near(((const float *)shapc_array_cdata(w))[1], 1, 0);
    assert_near(((const float *)shapc_array_cdata(c))[2], 7, 0);
    shapc_array_free(c);
    shapc_array_free(w);
}

static void test_bad_arguments(void **state)
{
    float x[8] = {0, 1, 2, 3, 4, 5, 6, 7}, wts[4] = {1, 1, 1, 1};
    shapc_array *c = NULL, *w = NULL;
    shapc_error e = {0};
    size_t k = 0, idx[8];
    (void)state;
    assert_int_equal(shapc_background_kmeans(x, 4, 2, NULL, 5, 0, &c, &w, &k, &e),
                     SHAPC_EINVAL);
    assert_non_null(strstr(e.message, "5 rows asked of a background of 4"));
    assert_null(c);
    assert_null(w);
    assert_int_equal(shapc_background_kmeans(x, 4, 2, NULL, 0, 0, &c, &w, &k, &e),
                     SHAPC_EINVAL);
    assert_int_equal(shapc_background_sample(x, 4, 2, NULL, 5, 0, &c, &w, idx, &k, &e),
                     SHAPC_EINVAL);
    assert_int_equal(shapc_background_sample(x, 4, 2, NULL, 0, 0, &c, &w, idx, &k, &e),
                     SHAPC_EINVAL);
    assert_int_equal(shapc_background_sample(NULL, 4, 2, NULL, 1, 0, &c, &w, idx, &k, &e),
                     SHAPC_EINVAL);
    assert_int_equal(shapc_background_kmeans(x, 4, 2, NULL, 1, 0, NULL, &w, &k, &e),
                     SHAPC_EINVAL);
    wts[2] = -1;
    assert_int_equal(shapc_background_kmeans(x, 4, 2, wts, 2, 0, &c, &w, &k, &e),
                     SHAPC_EINVAL);
    assert_non_null(strstr(e.message, "weight 2"));
    memset(wts, 0, sizeof wts);
    assert_int_equal(shapc_background_sample(x, 4, 2, wts, 2, 0, &c, &w, idx, &k, &e),
                     SHAPC_EINVAL);
    assert_non_null(strstr(e.message, "all zero"));
    x[5] = NAN;
    assert_int_equal(shapc_background_kmeans(x, 4, 2, NULL, 2, 0, &c, &w, &k, &e),
                     SHAPC_ENONFINITE);
    assert_non_null(strstr(e.message, "row 2, feature 1"));
    assert_int_equal(shapc_background_sample(x, 4, 2, NULL, 2, 0, &c, &w, idx, &k, &e),
                     SHAPC_ENONFINITE);
    assert_null(c);
    assert_null(w);
}

/* Unweighted: k distinct rows in file order, copied exactly, weights n / k; the same seed
 * gives the same rows; over many seeds every row is included with probability k / n. */
static void test_sample_unweighted(void **state)
{
    float x[20 * 3];
    size_t idx[5], idx2[5], k = 0, i, j, seed, count[20] = {0};
    shapc_array *r = NULL, *w = NULL;
    shapc_error e = {0};
    (void)state;
    for (i = 0; i < 60; i++)
        x[i] = (float)i * 0.5f;
    assert_int_equal(shapc_background_sample(x, 20, 3, NULL, 5, 9, &r, &w, idx, &k, &e),
                     SHAPC_OK);
    assert_int_equal(k, 5);
    for (i = 0; i < 5; i++) {
        if (i > 0)
            assert_true(idx[i] > idx[i - 1]);
        assert_memory_equal((const float *)shapc_array_cdata(r) + 3 * i, x + 3 * idx[i],
                            3 * sizeof(float));
        assert_near(((const float *)shapc_array_cdata(w))[i], 4, 0);
    }
    shapc_array_free(r);
    shapc_array_free(w);
    assert_int_equal(shapc_background_sample(x, 20, 3, NULL, 5, 9, &r, NULL, idx2, &k, &e),
                     SHAPC_OK);
    assert_memory_equal(idx, idx2, sizeof idx);
    shapc_array_free(r);
    for (seed = 0; seed < 4000; seed++) {
        assert_int_equal(shapc_background_sample(x, 20, 3, NULL, 5, seed, &r, NULL, idx, &k,
                                                 &e),
                         SHAPC_OK);
        for (j = 0; j < 5; j++)
            count[idx[j]]++;
        shapc_array_free(r);
    }
    /* 1000 expected per row; the binomial's sd is 27 */
    for (i = 0; i < 20; i++)
        assert_near((double)count[i], 1000, 120);
    /* k = n is the whole background */
    assert_int_equal(shapc_background_sample(x, 20, 3, NULL, 20, 1, &r, NULL, NULL, &k, &e),
                     SHAPC_OK);
    assert_memory_equal(shapc_array_cdata(r), x, sizeof x);
    shapc_array_free(r);
}

/* Weighted: zero-weight rows never come back, duplicates are merged, the weights add up to
 * the total, and the weighted mean of the sample is an unbiased estimate of the input's. */
static void test_sample_weighted(void **state)
{
    float x[10], wts[10] = {5, 0, 1, 1, 2, 0, 3, 1, 0, 7};
    size_t idx[4], k = 0, i, seed;
    double total = 20, mean = 0, est = 0;
    shapc_array *r = NULL, *w = NULL;
    shapc_error e = {0};
    (void)state;
    for (i = 0; i < 10; i++) {
        x[i] = (float)(i * i);
        mean += (double)wts[i] * (double)x[i] / total;
    }
    for (seed = 0; seed < 5000; seed++) {
        const float *rv, *wv;
        double m = 0;
        assert_int_equal(shapc_background_sample(x, 10, 1, wts, 4, seed, &r, &w, idx, &k, &e),
                         SHAPC_OK);
        assert_true(k >= 1 && k <= 4);
        rv = shapc_array_cdata(r);
        wv = shapc_array_cdata(w);
        assert_near(sum_f(wv, k), total, 1e-5);
        for (i = 0; i < k; i++) {
            assert_true(wts[idx[i]] > 0);
            if (i > 0)
                assert_true(idx[i] > idx[i - 1]);
            assert_near(rv[i], x[idx[i]], 0);
            m += (double)wv[i] * (double)rv[i] / total;
        }
        est += m / 5000;
        shapc_array_free(r);
        shapc_array_free(w);
    }
    /* the estimator's sd per draw is about 12 here: 5000 x 4 draws give about 0.09 */
    assert_near(est, mean, 0.5);
}

/* Every allocation failure is SHAPC_ENOMEM with nothing returned (ASan checks the leaks). */
static void test_out_of_memory(void **state)
{
    float x[200];
    size_t n, k, idx[10];
    int ok_seen = 0;
    (void)state;
    blobs(x);
    for (n = 1; n < 40 && !ok_seen; n++) {
        shapc_array *c = NULL, *w = NULL;
        shapc_error e = {0};
        shapc_status st;
        shapc__alloc_fail_after(n);
        st = shapc_background_kmeans(x, 100, 2, NULL, 3, 0, &c, &w, &k, &e);
        shapc__alloc_fail_after(0);
        if (st == SHAPC_OK) {
            ok_seen = 1;
        } else {
            assert_int_equal(st, SHAPC_ENOMEM);
            assert_null(c);
            assert_null(w);
        }
        shapc_array_free(c);
        shapc_array_free(w);
        shapc__alloc_fail_after(n);
        st = shapc_background_sample(x, 100, 2, NULL, 10, 0, &c, &w, idx, &k, &e);
        shapc__alloc_fail_after(0);
        if (st != SHAPC_OK) {
            assert_int_equal(st, SHAPC_ENOMEM);
            assert_null(c);
            assert_null(w);
        }
        shapc_array_free(c);
        shapc_array_free(w);
    }
    assert_true(ok_seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kmeans_finds_blobs),
        cmocka_unit_test(test_kmeans_weights_sum_to_total),
        cmocka_unit_test(test_kmeans_snaps_discrete_columns),
        cmocka_unit_test(test_kmeans_seeds_reproduce),
        cmocka_unit_test(test_kmeans_fewer_distinct_rows),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_sample_unweighted),
        cmocka_unit_test(test_sample_weighted),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
