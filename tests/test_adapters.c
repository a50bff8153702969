/* test_adapters.c - external-process and plugin model adapters: protocol frames, command
 * splitting, a fake child (tests/support/adapters_child.c) that serves or misbehaves, the
 * numpy MLP server against the native model, and plugins.
 *
 * Properties: the same linear model gives the same predictions and SHAP values through the
 * callback, process and plugin adapters; every misbehaving child is a clear error naming the
 * command, reported within the timeout, leaving no child process and no descriptor behind. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <shapc/kernel.h>
#include <shapc/model.h>

#include "adapters_linear.h"
#include "model/protocol.h"
#include "testutil.h"
#include "util/alloc.h"

#define D 5
#define K 2

/* ---- helpers ---- */

static int count_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    int n = 0;
    struct dirent *e;
    if (!dir)
        return -1;
    while ((e = readdir(dir)) != NULL)
        n += e->d_name[0] != '.';
    closedir(dir);
    return n - 1; /* the directory stream's own descriptor */
}

/* Fails unless this process has no child left (running or zombie). */
static void assert_no_children(void)
{
    pid_t r = waitpid(-1, NULL, WNOHANG);
    assert_int_equal(r, -1);
    assert_int_equal(errno, ECHILD);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("expected \"%s\" in message \"%s\"", needle, hay);
}

static shapc_status linear_cb(void *user, const float *x, size_t n, float *out,
                              shapc_error *err)
{
    (void)user;
    (void)err;
    test_linear_predict(x, n, D, K, out);
    return SHAPC_OK;
}

static void fill_rows(float *x, size_t n, size_t d, unsigned seed)
{
    for (size_t i = 0; i < n * d; i++) {
        seed = seed * 1103515245u + 12345u;
        x[i] = (float)((seed >> 8) % 2001) / 1000.0f - 1.0f;
    }
}

static const char *child_path(void)
{
    const char *p = getenv("SHAPC_ADAPTERS_CHILD");
    return p && p[0] ? p : NULL;
}

static int have_numpy_python(void)
{
    return system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

/* SHAP values of model for one instance over a fixed background (exact for D = 5). */
static void explain(const shapc_model *model, const float *bg, size_t n_bg, const float *x,
                    double *phi)
{
    shapc_kernel_options ko = shapc_kernel_options_default();
    shapc_kernel *kern = NULL;
    shapc_error err = {0};
    ko.seed = 7;
    assert_int_equal(shapc_kernel_create(model, bg, n_bg, NULL, &ko, &kern, &err), SHAPC_OK);
    assert_int_equal(shapc_kernel_explain(kern, x, phi, NULL, NULL, NULL, &err), SHAPC_OK);
    shapc_kernel_free(kern);
}

/* ---- protocol frames ---- */

static void test_protocol_round_trips(void **state)
{
    char a[] = "cat", b[] = "dog", c[] = "", *names[3] = {a, b, c};
    shapc__proto_handshake hs = {0}, got = {0};
    uint8_t hello[SHAPC__PROTO_HELLO_SIZE], hdr[SHAPC__PROTO_HEADER_SIZE], *bytes, *fb;
    uint32_t mb, n;
    size_t len, need, used, payload;
    int is_err;
    float f[4] = {1.5f, -0.0f, 3.0e-38f, 12345.678f}, g[4];
    shapc_error err = {0};
    (void)state;

    shapc__proto_encode_hello(hello, 256);
    assert_memory_equal(hello, "SHAPCPIP\x01\x00\x00\x00\x00\x01\x00\x00", 16);
    assert_int_equal(shapc__proto_decode_hello(hello, &mb, &err), SHAPC_OK);
    assert_int_equal(mb, 256);

    hs.d = 6;
    hs.k = 3;
    hs.rank = 2;
    hs.shape[0] = 2;
    hs.shape[1] = 3;
    hs.names = names;
    assert_int_equal(shapc__proto_encode_handshake(&hs, &bytes, &len, &err), SHAPC_OK);
    assert_int_equal(len, 28 + 8 + 4 + (4 + 3) + (4 + 3) + 4);
    /* Fed byte by byte, the parser asks for more until exactly the whole handshake. */
    for (size_t l = 1; l < len; l++) {
        assert_int_equal(shapc__proto_parse_handshake(bytes, l, &got, &need, &used, &err),
                         SHAPC_OK);
        assert_true(need > l && need <= len);
    }
    assert_int_equal(shapc__proto_parse_handshake(bytes, len, &got, &need, &used, &err),
                     SHAPC_OK);
    assert_int_equal(need, 0);
    assert_int_equal(used, len);
    assert_int_equal(got.d, 6);
    assert_int_equal(got.k, 3);
    assert_int_equal(got.rank, 2);
    assert_int_equal(got.shape[1], 3);
    assert_string_equal(got.names[0], "cat");
    assert_string_equal(got.names[1], "dog");
    assert_string_equal(got.names[2], "");
    shapc__proto_handshake_clear(&got);

    /* Malformed handshakes. */
    bytes[8] = 2;
    assert_int_equal(shapc__proto_parse_handshake(bytes, len, &got, &need, &used, &err),
                     SHAPC_EUNSUPPORTED);
    bytes[8] = 1;
    bytes[28] = 4; /* shape (4, 3) for d = 6 */
    assert_int_equal(shapc__proto_parse_handshake(bytes, len, &got, &need, &used, &err),
                     SHAPC_EMODEL);
    assert_contains(err.message, "shape");
    bytes[28] = 2;
    bytes[36] = 2; /* 2 names for k = 3 */
    assert_int_equal(shapc__proto_parse_handshake(bytes, len, &got, &need, &used, &err),
                     SHAPC_EMODEL);
    bytes[36] = 3;
    bytes[44] = '\0'; /* NUL inside "cat" */
    assert_int_equal(shapc__proto_parse_handshake(bytes, len, &got, &need, &used, &err),
                     SHAPC_EMODEL);
    assert_contains(err.message, "NUL");
    shapc__free(bytes);
    /* Text instead of the magic is reported from its first bytes on. */
    assert_int_equal(shapc__proto_parse_handshake((const uint8_t *)"Load", 4, &got, &need,
                                                  &used, &err),
                     SHAPC_EMODEL);
    assert_contains(err.message, "\"Load\"");
    assert_contains(err.message, "stdout");

    /* Request and reply headers. */
    shapc__proto_encode_request(hdr, SHAPC__PROTO_REQ_PREDICT, 17);
    assert_int_equal(shapc__proto_decode_request(hdr, 64, &n, &err), SHAPC_OK);
    assert_int_equal(n, 17);
    assert_int_equal(shapc__proto_decode_request(hdr, 16, &n, &err), SHAPC_EMODEL);
    shapc__proto_encode_reply(hdr, SHAPC__PROTO_REPLY_OK, 17);
    assert_int_equal(shapc__proto_decode_reply(hdr, 17, 3, &payload, &is_err, &err), SHAPC_OK);
    assert_int_equal(payload, 17 * 3 * 4);
    assert_int_equal(is_err, 0);
    assert_int_equal(shapc__proto_decode_reply(hdr, 18, 3, &payload, &is_err, &err),
                     SHAPC_EMODEL);
    assert_contains(err.message, "17 rows");
    shapc__proto_encode_reply(hdr, SHAPC__PROTO_REPLY_ERROR, 11);
    assert_int_equal(shapc__proto_decode_reply(hdr, 17, 3, &payload, &is_err, &err), SHAPC_OK);
    assert_int_equal(payload, 11);
    assert_int_equal(is_err, 1);
    memcpy(hdr, "Epoch 1/", 8);
    assert_int_equal(shapc__proto_decode_reply(hdr, 17, 3, &payload, &is_err, &err),
                     SHAPC_EMODEL);
    assert_contains(err.message, "Epoch 1/");

    /* Floats travel little-endian, bit for bit. */
    fb = malloc(sizeof f);
    shapc__proto_put_f32s(fb, f, 4);
    assert_int_equal(fb[4 * 3 + 0] | fb[4 * 3 + 3] << 24, 0xb6 | 0x46 << 24); /* 12345.678f */
    shapc__proto_get_f32s(g, fb, 4);
    assert_memory_equal(f, g, sizeof f);
    free(fb);
}

/* ---- command splitting ---- */

static void expect_split(const char *cmd, const char *const *want, size_t n)
{
    char **argv = NULL;
    size_t argc = 0;
    shapc_error err = {0};
    assert_int_equal(shapc_command_split(cmd, &argv, &argc, &err), SHAPC_OK);
    assert_int_equal(argc, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(argv[i], want[i]);
    assert_null(argv[n]);
    shapc_command_free(argv);
}

static void test_command_split(void **state)
{
    static const char *const w1[] = {"python3", "serve.py", "--n", "3"};
    static const char *const w2[] = {"a b", "c'd", "$HOME", "*.py", "x\"y\\z", ""};
    static const char *const w3[] = {"one two", "three"};
    char **argv = (char **)1;
    shapc_error err = {0};
    (void)state;
    expect_split("  python3\tserve.py --n 3  ", w1, 4);
    expect_split("'a b' \"c'd\" $HOME *.py \"x\\\"y\\\\z\" ''", w2, 6);
    expect_split("one\\ two \\\n three", w3, 2);
    assert_int_equal(shapc_command_split("a 'b", &argv, NULL, &err), SHAPC_EINVAL);
    assert_null(argv);
    assert_contains(err.message, "unterminated");
    assert_int_equal(shapc_command_split("a \"b", &argv, NULL, &err), SHAPC_EINVAL);
    assert_int_equal(shapc_command_split("a \\", &argv, NULL, &err), SHAPC_EINVAL);
    assert_int_equal(shapc_command_split("   ", &argv, NULL, &err), SHAPC_EINVAL);
    assert_contains(err.message, "no program");
}

/* ---- process adapter: a well-behaved child ---- */

static void test_process_linear_matches_callback(void **state)
{
    const char *child = child_path();
    const char *argv[] = {child, "linear", "0", "5", "2", NULL};
    shapc_process_options po = shapc_process_options_default();
    shapc_model *cb = NULL, *pm = NULL;
    shapc_error err = {0};
    float x[40 * D], y1[40 * K], y2[40 * K], bg[12 * D];
    double phi1[D * K], phi2[D * K];
    int fds0 = count_fds();
    (void)state;
    if (!child)
        skip();
    po.batch = 7; /* 40 rows -> 6 frames, the last one short */
    po.timeout_ms = 10000;
    assert_int_equal(shapc_model_create(D, K, linear_cb, NULL, NULL, &cb, &err), SHAPC_OK);
    assert_int_equal(shapc_model_open_process(argv, &po, &pm, &err), SHAPC_OK);
    assert_int_equal(shapc_model_n_inputs(pm), D);
    assert_int_equal(shapc_model_n_outputs(pm), K);
    assert_string_equal(shapc_model_output_name(pm, 1), "yes");
    assert_int_equal(shapc_model_input_rank(pm), 1);
    assert_contains(shapc_model_describe(pm), "process '");
    assert_contains(shapc_model_describe(pm), "linear");

    fill_rows(x, 40, D, 1);
    assert_int_equal(shapc_model_predict(cb, x, 40, y1, &err), SHAPC_OK);
    assert_int_equal(shapc_model_predict(pm, x, 40, y2, &err), SHAPC_OK);
    for (size_t i = 0; i < 40 * K; i++)
        assert_near(y1[i], y2[i], 1e-6);

    fill_rows(bg, 12, D, 2);
    explain(cb, bg, 12, x, phi1);
    explain(pm, bg, 12, x, phi2);
    for (size_t i = 0; i < D * K; i++)
        assert_near(phi1[i], phi2[i], 1e-6);
    /* Exact SHAP of a linear model: w(i, j) (x_i - mean bg_i). */
    for (size_t i = 0; i < D; i++) {
        double mean = 0;
        for (size_t r = 0; r < 12; r++)
            mean += (double)bg[r * D + i] / 12.0;
        assert_near(phi2[i * K + 1], (double)test_linear_w(i, 1) * ((double)x[i] - mean), 1e-5);
    }
    shapc_model_free(pm);
    shapc_model_free(cb);
    assert_no_children();
    assert_int_equal(count_fds(), fds0);
}

/* ---- process adapter: misbehaving children ---- */

typedef struct bad_case {
    const char *mode;
    const char *n;
    int fails_at_open;
    shapc_status status;
    const char *needle;
    int broken; /* a later predict reports the earlier failure */
} bad_case;

static void run_bad(const bad_case *bc, int timeout_ms)
{
    const char *argv[] = {child_path(), bc->mode, bc->n, NULL};
    shapc_process_options po = shapc_process_options_default();
    shapc_model *pm = NULL;
    shapc_error err = {0};
    shapc_status st;
    float x[20 * D], y[20 * K];
    int fds0 = count_fds();
    double t0 = now_s();
    po.batch = 8;
    po.timeout_ms = timeout_ms;
    fill_rows(x, 20, D, 3);
    st = shapc_model_open_process(argv, &po, &pm, &err);
    if (bc->fails_at_open) {
        assert_int_equal(st, bc->status);
        assert_null(pm);
    } else {
        assert_int_equal(st, SHAPC_OK);
        st = shapc_model_predict(pm, x, 20, y, &err);
        if (st != bc->status)
            fail_msg("mode %s: status %s (%s), expected %s", bc->mode, shapc_status_name(st),
                     err.message, shapc_status_name(bc->status));
    }
    print_message("%-9s -> %s\n", bc->mode, err.message);
    assert_contains(err.message, bc->needle);
    assert_contains(err.message, "adapters_child");
    if (pm && bc->broken) {
        shapc_error again = {0};
        assert_int_equal(shapc_model_predict(pm, x, 2, y, &again), SHAPC_EMODEL);
        assert_contains(again.message, "earlier error");
    }
    shapc_model_free(pm);
    assert_true(now_s() - t0 < 10.0); /* no hang: timeout + kill escalation at most */
    assert_no_children();
    assert_int_equal(count_fds(), fds0);
}

static void test_process_failures(void **state)
{
    static const bad_case cases[] = {
        {"die", "1", 0, SHAPC_EIO, "exited with status 3 while a batch of 8 rows", 1},
        {"crash", "0", 0, SHAPC_EIO, "killed by signal 6 (SIGABRT)", 1},
        {"short", "0", 0, SHAPC_EIO, "short frame (40 of 72 bytes)", 1},
        {"hang", "0", 0, SHAPC_EMODEL, "no answer within 300 ms", 1},
        {"hang-term", "0", 0, SHAPC_EMODEL, "no answer within 300 ms", 1},
        {"garbage", "0", 1, SHAPC_EMODEL, "\"Loading weights", 0},
        {"version", "0", 1, SHAPC_EUNSUPPORTED, "version 99", 0},
        {"silent", "0", 1, SHAPC_EIO, "exited with status 7 before the handshake", 0},
        {"nan", "0", 0, SHAPC_ENONFINITE, "output row 0, column 0 is NaN", 0},
        {"rows", "0", 0, SHAPC_EMODEL, "reply has 7 rows for a request of 8", 1},
        {"error", "0", 0, SHAPC_EMODEL, "the model reported: weights not loaded", 0},
        {"chatty", "0", 0, SHAPC_EMODEL, "\"Predicti", 1},
    };
    (void)state;
    if (!child_path())
        skip();
    /* A short timeout only where the case is the timeout: the others end on their own, and a
     * loaded machine (an ASan child's exit-time leak scan) must not turn them into one. */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_bad(&cases[i], strstr(cases[i].needle, "within 300 ms") ? 300 : 10000);
}

static void test_process_error_reply_keeps_child(void **state)
{
    const char *argv[] = {child_path(), "error", NULL};
    shapc_model *pm = NULL;
    shapc_error err = {0};
    float x[D] = {0}, y[K];
    (void)state;
    if (!child_path())
        skip();
    assert_int_equal(shapc_model_open_process(argv, NULL, &pm, &err), SHAPC_OK);
    for (int i = 0; i < 3; i++) { /* the child stays in sync after an error reply */
        assert_int_equal(shapc_model_predict(pm, x, 1, y, &err), SHAPC_EMODEL);
        assert_contains(err.message, "weights not loaded");
    }
    shapc_model_free(pm);
    assert_no_children();
}

static void test_process_cannot_start(void **state)
{
    const char *argv[] = {"/nonexistent/shapc-model-server", "--x", NULL};
    const char *empty[] = {NULL};
    shapc_model *pm = NULL;
    shapc_error err = {0};
    int fds0 = count_fds();
    (void)state;
    assert_int_equal(shapc_model_open_process(argv, NULL, &pm, &err), SHAPC_EIO);
    assert_null(pm);
    assert_contains(err.message, "'/nonexistent/shapc-model-server --x'");
    assert_contains(err.message, "No such file");
    assert_int_equal(shapc_model_open_process(empty, NULL, &pm, &err), SHAPC_EINVAL);
    assert_no_children();
    assert_int_equal(count_fds(), fds0);
}

/* ---- the numpy MLP server against the native model ---- */

static void test_numpy_mlp_server(void **state)
{
    const char *samples = getenv("SHAPC_SAMPLES_SRC");
    char path[512], script[512];
    enum { d = 6, h = 8, k = 3, nb = 4, n = 50 };
    float w1[h * d], b1[h], w2[k * h], b2[k], off[d], div[d], bgw[nb], bg[nb * d], x[n * d];
    float y1[n * k], y2[n * k];
    double phi1[d * k], phi2[d * k];
    const char *names[k] = {"sandal", "shirt", "bag"};
    shapc_layer_spec layers[2] = {
        {SHAPC_LAYER_DENSE, d, h, w1, b1, SHAPC_ACT_RELU},
        {SHAPC_LAYER_DENSE, h, k, w2, b2, SHAPC_ACT_SOFTMAX},
    };
    shapc_model_spec spec = shapc_model_spec_default();
    shapc_model *nat = NULL, *pm = NULL;
    shapc_error err = {0};
    (void)state;
    if (!samples || !have_numpy_python())
        skip();
    fill_rows(w1, h, d, 11);
    fill_rows(b1, 1, h, 12);
    fill_rows(w2, k, h, 13);
    fill_rows(b2, 1, k, 14);
    fill_rows(off, 1, d, 15);
    for (size_t i = 0; i < d; i++)
        div[i] = 0.5f + 0.25f * (float)i;
    fill_rows(bg, nb, d, 16);
    for (size_t i = 0; i < nb; i++)
        bgw[i] = 1.0f + (float)i;
    spec.input_rank = 2;
    spec.input_shape[0] = 2;
    spec.input_shape[1] = 3;
    spec.input_scale = 2.0f;
    spec.input_offset = off;
    spec.input_divisor = div;
    spec.n_layers = 2;
    spec.layers = layers;
    spec.output_names = names;
    spec.n_background = nb;
    spec.background = bg;
    spec.background_weights = bgw;
    tu_tmp_path(path, sizeof path, "adapters_mlp.bin");
    assert_int_equal(shapc_model_save(path, &spec, &err), SHAPC_OK);
    assert_int_equal(shapc_model_load(path, &nat, &err), SHAPC_OK);
    snprintf(script, sizeof script, "%s/python/serve_numpy_mlp.py", samples);
    {
        const char *argv[] = {"/usr/bin/python3", script, path, NULL};
        shapc_process_options po = shapc_process_options_default();
        po.batch = 16;
        assert_int_equal(shapc_model_open_process(argv, &po, &pm, &err), SHAPC_OK);
    }
    assert_int_equal(shapc_model_n_inputs(pm), d);
    assert_int_equal(shapc_model_n_outputs(pm), k);
    assert_int_equal(shapc_model_input_rank(pm), 2);
    assert_int_equal(shapc_model_input_shape(pm)[1], 3);
    assert_string_equal(shapc_model_output_name(pm, 2), "bag");
    fill_rows(x, n, d, 17);
    assert_int_equal(shapc_model_predict(nat, x, n, y1, &err), SHAPC_OK);
    assert_int_equal(shapc_model_predict(pm, x, n, y2, &err), SHAPC_OK);
    for (size_t i = 0; i < n * k; i++)
        assert_near(y1[i], y2[i], 1e-5);
    explain(nat, bg, nb, x, phi1);
    explain(pm, bg, nb, x, phi2);
    for (size_t i = 0; i < d * k; i++)
        assert_near(phi1[i], phi2[i], 1e-5);
    shapc_model_free(pm);
    shapc_model_free(nat);
    assert_no_children();
}

/* A Python model that raises: the helper turns the exception into an error reply. */
static void test_python_exception_is_reported(void **state)
{
    const char *samples = getenv("SHAPC_SAMPLES_SRC");
    char path[512], code[1024];
    shapc_model *pm = NULL;
    shapc_error err = {0};
    float x[3] = {1, 2, 3}, y[1];
    (void)state;
    if (!samples || !have_numpy_python())
        skip();
    tu_tmp_path(path, sizeof path, "adapters_raises.py");
    snprintf(code, sizeof code,
             "import sys\nsys.path.insert(0, '%s/../python')\nfrom shapc import server\n"
             "def predict(x):\n    raise ValueError('bad weights for row %%d' %% len(x))\n"
             "server.serve(predict, d=3, k=1)\n",
             samples);
    tu_write_file(path, code, strlen(code));
    {
        const char *argv[] = {"/usr/bin/python3", path, NULL};
        shapc_process_options po = shapc_process_options_default();
        po.pass_stderr = 0;
        assert_int_equal(shapc_model_open_process(argv, &po, &pm, &err), SHAPC_OK);
    }
    assert_int_equal(shapc_model_predict(pm, x, 1, y, &err), SHAPC_EMODEL);
    assert_contains(err.message, "ValueError: bad weights for row 1");
    shapc_model_free(pm);
    assert_no_children();
}

/* ---- plugins ---- */

static void test_plugin_matches_callback(void **state)
{
    const char *so = getenv("SHAPC_TEST_PLUGIN");
    shapc_model *cb = NULL, *pl = NULL;
    shapc_error err = {0};
    float x[30 * D], y1[30 * K], y2[30 * K], bg[9 * D];
    double phi1[D * K], phi2[D * K];
    (void)state;
    if (!so)
        skip();
    assert_int_equal(shapc_model_create(D, K, linear_cb, NULL, NULL, &cb, &err), SHAPC_OK);
    assert_int_equal(shapc_model_open_plugin(so, "5,2", &pl, &err), SHAPC_OK);
    assert_int_equal(shapc_model_n_inputs(pl), D);
    assert_string_equal(shapc_model_output_name(pl, 0), "no");
    assert_contains(shapc_model_describe(pl), "plugin test-linear");
    fill_rows(x, 30, D, 4);
    assert_int_equal(shapc_model_predict(cb, x, 30, y1, &err), SHAPC_OK);
    assert_int_equal(shapc_model_predict(pl, x, 30, y2, &err), SHAPC_OK);
    for (size_t i = 0; i < 30 * K; i++)
        assert_near(y1[i], y2[i], 1e-6);
    fill_rows(bg, 9, D, 5);
    explain(cb, bg, 9, x, phi1);
    explain(pl, bg, 9, x, phi2);
    for (size_t i = 0; i < D * K; i++)
        assert_near(phi1[i], phi2[i], 1e-6);
    /* A failing predict carries the plugin's own message. */
    x[0] = -999.0f;
    assert_int_equal(shapc_model_predict(pl, x, 1, y2, &err), SHAPC_EMODEL);
    assert_contains(err.message, "poison value");
    assert_contains(err.message, so);
    shapc_model_free(pl);
    shapc_model_free(cb);
}

static void test_plugin_errors(void **state)
{
    const char *good = getenv("SHAPC_TEST_PLUGIN"), *bad = getenv("SHAPC_TEST_PLUGIN_BADABI");
    shapc_model *pl = NULL;
    shapc_error err = {0};
    (void)state;
    if (!good || !bad)
        skip();
    assert_int_equal(shapc_model_open_plugin(bad, NULL, &pl, &err), SHAPC_EUNSUPPORTED);
    assert_null(pl);
    assert_contains(err.message, bad);
    assert_contains(err.message, "ABI version 99");
    assert_int_equal(shapc_model_open_plugin(good, "fail", &pl, &err), SHAPC_EMODEL);
    assert_contains(err.message, "asked to fail");
    assert_int_equal(shapc_model_open_plugin(good, "5,x", &pl, &err), SHAPC_EMODEL);
    assert_contains(err.message, "not D,K");
    assert_int_equal(shapc_model_open_plugin("/nonexistent/libnope.so", NULL, &pl, &err),
                     SHAPC_EIO);
    assert_contains(err.message, "/nonexistent/libnope.so");
    /* A shared object that is not a plugin. */
    assert_int_equal(shapc_model_open_plugin("libm.so.6", NULL, &pl, &err), SHAPC_EIO);
    assert_contains(err.message, "shapc_plugin_entry");
}

static void test_sample_plugin(void **state)
{
    const char *so = getenv("SHAPC_SAMPLE_PLUGIN");
    shapc_model *pl = NULL;
    shapc_error err = {0};
    float x[2 * 4] = {0, 0, 0, 0, 1, 1, 1, 1}, y[2];
    (void)state;
    if (!so)
        skip();
    assert_int_equal(shapc_model_open_plugin(so, "0.5,-1,2,0.25,0.1", &pl, &err), SHAPC_OK);
    assert_int_equal(shapc_model_n_inputs(pl), 4);
    assert_int_equal(shapc_model_predict(pl, x, 2, y, &err), SHAPC_OK);
    assert_near(y[0], 1.0 / (1.0 + exp(-0.1)), 1e-6);
    assert_near(y[1], 1.0 / (1.0 + exp(-(0.5 - 1 + 2 + 0.25 + 0.1))), 1e-6);
    shapc_model_free(pl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocol_round_trips),
        cmocka_unit_test(test_command_split),
        cmocka_unit_test(test_process_linear_matches_callback),
        cmocka_unit_test(test_process_failures),
        cmocka_unit_test(test_process_error_reply_keeps_child),
        cmocka_unit_test(test_process_cannot_start),
        cmocka_unit_test(test_numpy_mlp_server),
        cmocka_unit_test(test_python_exception_is_reported),
        cmocka_unit_test(test_plugin_matches_callback),
        cmocka_unit_test(test_plugin_errors),
        cmocka_unit_test(test_sample_plugin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
