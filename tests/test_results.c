/* test_results.c - the results object and its directory (include/shapc/results.h) and the
 * private JSON underneath (util/json.h): set_row keeps the explained columns and zeroes the
 * padding, the row codec round-trips a row into other results, write_dir then read_dir gives
 * back every array, name, setting (a 64-bit seed included) and f(x) bit for bit and writing
 * again gives the same files, documents keep their tokens and pool unknown words, and damaged
 * directories are one error naming the file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "shapc/data.h"
#include "shapc/results.h"
#include "shapc/text.h"
#include "util/json.h"

enum { N = 3, M = 4, K = 2, KALL = 3, D = 4 };

/* Results of N rows with every field filled from the row number. */
static shapc_results *make_results(void)
{
    shapc_results_layout l = shapc_results_layout_default();
    l.n_rows = N;
    l.n_players = M;
    l.n_columns = K;
    l.n_outputs = KALL;
    l.n_features = D;
    l.groups_per_row = 1;
    shapc_results *r = NULL;
    shapc_error err = {0};
    assert_int_equal(shapc_results_create(&l, &r, &err), SHAPC_OK);
    const shapc_results_data *d = shapc_results_get_data(r);
    for (size_t i = 0; i < N; i++) {
        d->rows[i] = 10 + i;
        d->classes[i * K] = 2;
        d->classes[i * K + 1] = (int32_t)i % KALL;
        for (size_t c = 0; c < KALL; c++)
            d->pred[i * KALL + c] = (float)(i + c) / 7.0f;
        for (size_t f = 0; f < D; f++) {
            d->inputs[i * D + f] = (float)(i * D + f) * 0.5f;
            d->groups[i * D + f] = (int32_t)(f % (2 + i % 2));
        }
        double phi[M * KALL], se[M * KALL], base[KALL], fx[KALL];
        for (size_t t = 0; t < M * KALL; t++) {
            phi[t] = (double)(t + 1) / 3.0 - (double)i;
            se[t] = i == 1 && t == 1 ? (double)INFINITY : 0.01 * (double)t;
        }
        for (size_t c = 0; c < KALL; c++) {
            base[c] = 0.1 * (double)c + 1.0 / 3.0;
            fx[c] = 1.0 / 7.0 + (double)i + (double)c; /* not a float */
        }
        shapc_results_row row = {phi, se, 2 + i % 2, base, fx, {2 + i % 2, 40 + i, 400 + i, 0,
                                 SHAPC_SAMPLER_PERMUTATION}, 0.25 * (double)i};
        assert_int_equal(shapc_results_set_row(r, i, &row, &err), SHAPC_OK);
    }
    return r;
}

static void test_set_row_and_codec(void **state)
{
    (void)state;
    shapc_results *r = make_results(), *other = make_results();
    shapc_error err = {0};
    const shapc_results_data *d = shapc_results_view(r);
    /* row 0: 2 players; column 0 explains output 2, column 1 output 0 */
    assert_near(d->phi[(0 * M + 1) * K + 0], (float)((1 * KALL + 2 + 1) / 3.0), 0);
    assert_near(d->phi[(0 * M + 1) * K + 1], (float)((1 * KALL + 0 + 1) / 3.0), 0);
    assert_near(d->phi[(0 * M + 2) * K + 0], 0, 0); /* past its players */
    assert_int_equal(d->row_players[0], 2);
    assert_int_equal(d->row_players[1], 3);
    assert_true(isinf(d->se[(1 * M + 0) * K + 1]));
    assert_true(d->fx[1 * K + 1] == 1.0 / 7.0 + 1.0 + 1.0);
    /* a class out of range is refused */
    const shapc_results_data *dm = shapc_results_get_data(other);
    dm->classes[0] = KALL;
    double z[M * KALL] = {0}, b[KALL] = {0};
    shapc_results_row bad = {z, NULL, M, b, b, {0}, 0};
    assert_int_equal(shapc_results_set_row(other, 0, &bad, &err), SHAPC_EINVAL);
    dm->classes[0] = 2;
    bad.m = M + 1;
    assert_int_equal(shapc_results_set_row(other, 0, &bad, &err), SHAPC_EINVAL);

    /* the codec: a row encoded from r and decoded into other reads back identically */
    const size_t bytes = shapc_results_row_bytes(r);
    assert_int_equal(bytes, 48 + 4 * (2 * M * K + K + KALL + K) + 8 * K);
    unsigned char *buf = malloc(bytes);
    memset(dm->phi, 0, M * K * N * sizeof(float));
    for (size_t i = 0; i < N; i++) {
        size_t got = 99;
        shapc_results_row_encode(r, i, buf);
        assert_int_equal(shapc_results_row_decode(other, buf, bytes, &got, &err), SHAPC_OK);
        assert_int_equal(got, i);
    }
    assert_memory_equal(dm->phi, d->phi, N * M * K * sizeof(float));
    assert_memory_equal(dm->se, d->se, N * M * K * sizeof(float));
    assert_memory_equal(dm->fx, d->fx, N * K * sizeof(double));
    assert_memory_equal(dm->seconds, d->seconds, N * sizeof(double));
    assert_int_equal(dm->info[2].n_evals, 402);
    assert_int_equal(dm->info[2].sampler, SHAPC_SAMPLER_PERMUTATION);
    /* a short record, a row out of range, an unknown estimator */
    assert_int_equal(shapc_results_row_decode(other, buf, bytes - 1, NULL, &err), SHAPC_EFORMAT);
    buf[0] = N;
    assert_int_equal(shapc_results_row_decode(other, buf, bytes, NULL, &err), SHAPC_EFORMAT);
    buf[0] = 0;
    buf[44] = 9; /* the estimator: the last word of the prefix */
    assert_int_equal(shapc_results_row_decode(other, buf, bytes, NULL, &err), SHAPC_EFORMAT);
    free(buf);
    shapc_results_free(r);
    shapc_results_free(other);
}

static void add(shapc_results *r, shapc_setting s)
{
    shapc_error err = {0};
    if (shapc_results_add_setting(r, &s, &err) != SHAPC_OK)
        fail_msg("%s", err.message);
}

static void cmp_files(const char *a, const char *b, const char *name)
{
    char pa[1100], pb[1100];
    size_t la, lb;
    snprintf(pa, sizeof pa, "%s/%s", a, name);
    snprintf(pb, sizeof pb, "%s/%s", b, name);
    unsigned char *x = tu_read_file(pa, &la), *y = tu_read_file(pb, &lb);
    if (la != lb || memcmp(x, y, la) != 0)
        fail_msg("%s differs between %s and %s", name, a, b);
    free(x);
    free(y);
}

static void test_directory_round_trip(void **state)
{
    (void)state;
    shapc_results *r = make_results(), *back = NULL, *again = NULL;
    shapc_error err = {0};
    const char *names[M] = {"a", "b \"quoted\"", "caf\xc3\xa9", "d"};
    const char *argv[3] = {"shapc", "explain", "--seed=18446744073709551615"};
    assert_int_equal(shapc_results_set_players(r, names, &err), SHAPC_OK);
    assert_int_equal(shapc_results_set_source(r, "in.npy", 3, argv, &err), SHAPC_OK);
    add(r, (shapc_setting){"sampler", SHAPC_SETTING_STRING, "auto", 0, 0, {0, 0}});
    add(r, (shapc_setting){"seed", SHAPC_SETTING_UINT, NULL, UINT64_MAX, 0, {0, 0}});
    add(r, (shapc_setting){"tol", SHAPC_SETTING_NUMBER, NULL, 0, 0.005, {0, 0}});
    add(r, (shapc_setting){"groups", SHAPC_SETTING_NULL, NULL, 0, 0, {0, 0}});
    add(r, (shapc_setting){"background.source", SHAPC_SETTING_STRING, "embedded", 0, 0, {0, 0}});
    add(r, (shapc_setting){"background.row_range", SHAPC_SETTING_RANGE, NULL, 0, 0, {2, 7}});
    add(r, (shapc_setting){"rows", SHAPC_SETTING_RANGE, NULL, 0, 0, {10, 13}});
    shapc_setting late = {"background.rows", SHAPC_SETTING_UINT, NULL, 5, 0, {0, 0}};
    assert_int_equal(shapc_results_add_setting(r, &late, &err), SHAPC_EINVAL); /* group closed */
    shapc_results_set_total_seconds(r, 2.5);
    assert_near(shapc_results_get_meta(r)->explain_s, 0.75, 1e-12);
    char a[512], b[512];
    tu_tmp_path(a, sizeof a, "results_a/nested");
    tu_tmp_path(b, sizeof b, "results_b");
    if (shapc_results_write_dir(r, a, &err) != SHAPC_OK)
        fail_msg("%s", err.message);
    if (shapc_results_read_dir(a, &back, &err) != SHAPC_OK)
        fail_msg("%s", err.message);
    const shapc_results_data *x = shapc_results_view(r), *y = shapc_results_view(back);
    const shapc_results_layout *l = shapc_results_get_layout(back);
    assert_int_equal(l->n_rows, N);
    assert_int_equal(l->n_players, M);
    assert_int_equal(l->n_columns, K);
    assert_int_equal(l->n_outputs, KALL);
    assert_int_equal(l->n_features, D);
    assert_true(l->groups_per_row);
    assert_memory_equal(y->phi, x->phi, N * M * K * sizeof(float));
    assert_memory_equal(y->se, x->se, N * M * K * sizeof(float));
    assert_memory_equal(y->base, x->base, N * K * sizeof(float));
    assert_memory_equal(y->fx, x->fx, N * K * sizeof(double)); /* doubles, exactly */
    assert_memory_equal(y->pred, x->pred, N * KALL * sizeof(float));
    assert_memory_equal(y->classes, x->classes, N * K * sizeof(int32_t));
    assert_memory_equal(y->inputs, x->inputs, N * D * sizeof(float));
    assert_memory_equal(y->groups, x->groups, N * D * sizeof(int32_t));
    assert_memory_equal(y->rows, x->rows, N * sizeof(size_t));
    assert_memory_equal(y->row_players, x->row_players, N * sizeof(size_t));
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(y->info[i].n_evals, x->info[i].n_evals);
        assert_int_equal(y->info[i].n_coalitions, x->info[i].n_coalitions);
        assert_int_equal(y->info[i].sampler, x->info[i].sampler);
    }
    const shapc_results_meta *m = shapc_results_get_meta(back);
    assert_string_equal(m->players[1], "b \"quoted\"");
    assert_string_equal(m->players[2], "caf\xc3\xa9");
    assert_string_equal(m->input_path, "in.npy");
    assert_int_equal(m->argc, 3);
    assert_string_equal(m->argv[2], argv[2]);
    assert_near(m->total_s, 2.5, 0);
    assert_near(m->explain_s, 0.75, 0);
    assert_int_equal(shapc_results_n_settings(back), 7);
    const shapc_setting *seed = shapc_results_find_setting(back, "seed");
    assert_non_null(seed);
    assert_int_equal(seed->type, SHAPC_SETTING_UINT);
    assert_true(seed->uint == UINT64_MAX);
    const shapc_setting *rr = shapc_results_find_setting(back, "background.row_range");
    assert_int_equal(rr->type, SHAPC_SETTING_RANGE);
    assert_true(rr->range[0] == 2 && rr->range[1] == 7);
    assert_int_equal(shapc_results_find_setting(back, "groups")->type, SHAPC_SETTING_NULL);
    assert_near(shapc_results_find_setting(back, "tol")->number, 0.005, 0);
    /* writing what was read gives the same files */
    if (shapc_results_write_dir(back, b, &err) != SHAPC_OK)
        fail_msg("%s", err.message);
    const char *files[] = {"shap_values.npy", "stderr.npy", "base_values.npy",
                           "predictions.npy", "classes.npy", "inputs.npy", "groups.npy",
                           "summary.json"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++)
        cmp_files(a, b, files[f]);
    /* a damaged array is an error naming it */
    char path[600];
    snprintf(path, sizeof path, "%s/classes.npy", b);
    tu_write_file(path, "\x93NUMPY", 6);
    assert_int_not_equal(shapc_results_read_dir(b, &again, &err), SHAPC_OK);
    assert_null(again);
    assert_non_null(strstr(err.message, "classes.npy"));
    shapc_results_free(back);
    shapc_results_free(r);
}

static void test_documents(void **state)
{
    (void)state;
    shapc_results_layout l = shapc_results_layout_default();
    l.n_rows = 2;
    l.n_players = l.n_features = 3;
    l.n_columns = 1;
    l.n_outputs = 2;
    l.documents = 1;
    shapc_results *r = NULL, *back = NULL;
    shapc_error err = {0};
    assert_int_equal(shapc_results_create(&l, &r, &err), SHAPC_OK);
    char good[] = "good", zork[] = "zork", blah[] = "blah";
    shapc_token t0[3] = {{good, 0, 4, 0}, {zork, 5, 4, 1}, {good, 10, 4, 1}};
    shapc_token t1[1] = {{blah, 0, 4, 0}};
    const size_t ids0[3] = {2, 0, 2}, ids1[1] = {0};
    const int known0[3] = {1, 0, 1}, known1[1] = {0};
    assert_int_equal(shapc_results_set_tokens(r, 0, t0, ids0, known0, 3, &err), SHAPC_OK);
    assert_int_equal(shapc_results_set_tokens(r, 1, t1, ids1, known1, 1, &err), SHAPC_OK);
    assert_int_equal(shapc_results_set_players(r, NULL, &err), SHAPC_EINVAL);
    /* document 0 as written ("Good zork GOOD"); document 1 has no display strings */
    const char *shown0[3] = {"Good", "zork", "GOOD"};
    assert_int_equal(shapc_results_set_token_display(r, 0, shown0, 2, &err), SHAPC_EINVAL);
    assert_int_equal(shapc_results_set_token_display(r, 0, shown0, 3, &err), SHAPC_OK);
    assert_string_equal(shapc_results_token_display(r, 0, 2), "GOOD");
    assert_string_equal(shapc_results_token(r, 0, 2, NULL, NULL, NULL), "good");
    assert_string_equal(shapc_results_token_display(r, 1, 0), "blah");
    assert_null(shapc_results_token_display(r, 1, 1));
    const shapc_results_data *d = shapc_results_get_data(r);
    assert_near(d->inputs[0 * 3 + 1], 0, 0);
    assert_near(d->inputs[1 * 3 + 1], -1, 0); /* past the document */
    const double phi0[3 * 2] = {0.5, -0.5, 0.25, -0.25, 0.125, -0.125}, phi1[2] = {-1, 1};
    const double base[2] = {0.4, 0.6}, fx[2] = {0.6, 0.4}, fx1[2] = {-0.6, 1.6};
    d->classes[0] = d->classes[1] = 0;
    shapc_results_row r0 = {phi0, NULL, 3, base, fx, {3, 7, 7, 1, SHAPC_SAMPLER_EXACT}, 0};
    shapc_results_row r1 = {phi1, NULL, 1, base, fx1, {1, 1, 2, 1, SHAPC_SAMPLER_EXACT}, 0};
    assert_int_equal(shapc_results_set_row(r, 0, &r0, &err), SHAPC_OK);
    assert_int_equal(shapc_results_set_row(r, 1, &r1, &err), SHAPC_OK);
    assert_string_equal(shapc_results_player_name(r, 0, 1), "zork");
    assert_null(shapc_results_player_name(r, 1, 1));
    /* two "good" (id 2) and the unknown words (id 0) pooled: no unknown word set, so the
     * first unknown token names them */
    shapc_results_word *w = NULL;
    size_t nw = 0;
    assert_int_equal(shapc_results_vocabulary(r, &w, &nw, &err), SHAPC_OK);
    assert_int_equal(nw, 2);
    assert_int_equal(w[0].id, 0); /* mean |phi| (0.25 + 1) / 2 beats (0.5 + 0.125) / 2 */
    assert_int_equal(w[0].count, 2);
    assert_near(w[0].mean_phi[0], (0.25 - 1) / 2, 1e-7);
    assert_string_equal(w[1].word, "good");
    assert_int_equal(w[1].count, 2);
    assert_near(w[1].mean_abs_phi[0], (0.5 + 0.125) / 2, 1e-7);
    shapc_results_vocabulary_free(w, nw);
    char dir[512];
    tu_tmp_path(dir, sizeof dir, "results_text");
    if (shapc_results_write_dir(r, dir, &err) != SHAPC_OK)
        fail_msg("%s", err.message);
    if (shapc_results_read_dir(dir, &back, &err) != SHAPC_OK)
        fail_msg("%s", err.message);
    assert_true(shapc_results_get_layout(back)->documents);
    int sp, known;
    size_t id;
    assert_string_equal(shapc_results_token(back, 0, 1, &sp, &known, &id), "zork");
    assert_true(sp && !known && id == 0);
    assert_null(shapc_results_token(back, 1, 1, NULL, NULL, NULL));
    /* the spelling as written survives the directory; the lookup tokens stay lower-case */
    assert_string_equal(shapc_results_token_display(back, 0, 0), "Good");
    assert_string_equal(shapc_results_token_display(back, 0, 2), "GOOD");
    assert_string_equal(shapc_results_token(back, 0, 0, NULL, NULL, NULL), "good");
    assert_string_equal(shapc_results_token_display(back, 1, 0), "blah");
    assert_memory_equal(shapc_results_view(back)->phi, d->phi, 2 * 3 * sizeof(float));
    assert_memory_equal(shapc_results_view(back)->fx, d->fx, 2 * sizeof(double));
    assert_memory_equal(shapc_results_view(back)->inputs, d->inputs, 2 * 3 * sizeof(float));
    shapc_results_free(back);

    /* a cut text_values.json, and a missing one, are errors naming it */
    char path[600];
    snprintf(path, sizeof path, "%s/text_values.json", dir);
    size_t len;
    unsigned char *text = tu_read_file(path, &len);
    tu_write_file(path, text, len / 2);
    free(text);
    assert_int_equal(shapc_results_read_dir(dir, &back, &err), SHAPC_EFORMAT);
    assert_non_null(strstr(err.message, "text_values.json: truncated"));
    remove(path);
    assert_int_equal(shapc_results_read_dir(dir, &back, &err), SHAPC_EIO);
    assert_non_null(strstr(err.message, "text_values.json: cannot read"));
    shapc_results_free(r);
}

/* ---- the JSON underneath ---- */

static void test_json_writer(void **state)
{
    (void)state;
    shapc__json j;
    shapc__json_init(&j, 0);
    shapc__json_begin_array(&j);
    shapc__json_string(&j, "a\"b\\c\n\t\x01/");
    shapc__json_string(&j, "caf\xc3\xa9");  /* valid UTF-8 passes through */
    shapc__json_string(&j, "bad\xff\xc3("); /* invalid bytes become U+FFFD */
    shapc__json_string(&j, "\xed\xa0\x80"); /* an encoded surrogate is invalid */
    shapc__json_string(&j, NULL);
    shapc__json_end_array(&j);
    assert_false(shapc__json_failed(&j));
    assert_string_equal(j.buf, "[\"a\\\"b\\\\c\\n\\t\\u0001/\", \"caf\xc3\xa9\", "
                               "\"bad\\ufffd\\ufffd(\", \"\\ufffd\\ufffd\\ufffd\", null]\n");
    shapc__json_free(&j);

    shapc__json_init(&j, 1);
    shapc__json_begin_object(&j);
    shapc__json_key(&j, "n");
    shapc__json_int(&j, -3);
    shapc__json_key(&j, "v");
    shapc__json_begin_array(&j);
    shapc__json_number(&j, 0.5);
    shapc__json_number(&j, NAN); /* JSON has no NaN */
    shapc__json_number(&j, (double)0.1f);      /* 9 digits: a float reads back */
    shapc__json_number_exact(&j, 1.0 / 3.0);   /* a double gets what it needs to read back */
    shapc__json_number_exact(&j, 0.005);
    shapc__json_bool(&j, 1);
    shapc__json_end_array(&j);
    shapc__json_key(&j, "e");
    shapc__json_begin_object(&j);
    shapc__json_end_object(&j);
    shapc__json_end_object(&j);
    assert_false(shapc__json_failed(&j));
    assert_string_equal(j.buf, "{\n  \"n\": -3,\n  \"v\": [0.5, null, 0.100000001, "
                               "0.3333333333333333, 0.005, true],\n  \"e\": {}\n}\n");
    shapc__json_free(&j);

    shapc__json_init(&j, 0);
    shapc__json_begin_object(&j);
    assert_true(shapc__json_failed(&j)); /* still open */
    shapc__json_end_object(&j);
    assert_false(shapc__json_failed(&j));
    shapc__json_end_array(&j); /* nothing open */
    assert_true(shapc__json_failed(&j));
    shapc__json_free(&j);
}

static void test_json_reader(void **state)
{
    (void)state;
    char why[128];
    const char *doc = "{\"a\": [1, 18446744073709551615, -2, 2.5e1, \"x\\u00e9\\ud83d\\ude00\"],"
                      " \"b\": {\"c\": null, \"t\": true}}";
    shapc__jv *v = shapc__json_parse(doc, strlen(doc), why, sizeof why);
    assert_non_null(v);
    const shapc__jv *a = shapc__jv_get(v, "a");
    assert_int_equal(a->n, 5);
    assert_true(a->items[0].is_uint && a->items[0].u == 1);
    assert_true(a->items[1].is_uint && a->items[1].u == UINT64_MAX);
    assert_false(a->items[2].is_uint);
    assert_false(a->items[3].is_uint);
    assert_near(shapc__jv_num(&a->items[3], 0), 25, 0);
    assert_string_equal(shapc__jv_str(&a->items[4]), "x\xc3\xa9\xf0\x9f\x98\x80");
    assert_int_equal(shapc__jv_get(shapc__jv_get(v, "b"), "c")->type, SHAPC__JNULL);
    assert_near(shapc__jv_num(shapc__jv_get(shapc__jv_get(v, "b"), "t"), 0), 1, 0);
    shapc__jv_free(v);
    assert_null(shapc__json_parse("[1, 2", 5, why, sizeof why));
    assert_string_equal(why, "byte 5: expected ',' or a closing bracket");
    assert_null(shapc__json_parse("{} x", 4, why, sizeof why));
    assert_non_null(strstr(why, "trailing"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_row_and_codec),
        cmocka_unit_test(test_directory_round_trip),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_json_writer),
        cmocka_unit_test(test_json_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
