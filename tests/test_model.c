/* test_model.c - the model adapter: callbacks, the native forward pass and model.bin. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "testutil.h"

#include "model/activation.h"
#include "shapc/model.h"
#include "util/alloc.h"

/* ======================================================================================== */
/* helpers                                                                                  */
/* ======================================================================================== */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

/* Uniform in [-1, 1) from a fixed-seed xorshift: reproducible random weights. */
static float urand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((double)(rng_state >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static void fill_random(float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = urand();
}

/* Naive double-precision forward pass over a spec: the reference the sgemm path must match. */
static void reference_forward(const shapc_model_spec *spec, const float *x, size_t n,
                              double *out)
{
    size_t d = spec->layers[0].n_in;
    double *a = malloc(4096 * sizeof *a), *b = malloc(4096 * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t r = 0; r < n; r++) {
        size_t width = d;
        for (size_t i = 0; i < d; i++) {
            double v = (double)x[r * d + i] * (double)spec->input_scale;
            if (spec->input_offset)
                v -= (double)spec->input_offset[i];
            if (spec->input_divisor)
                v /= (double)spec->input_divisor[i];
            a[i] = v;
        }
        for (size_t l = 0; l < spec->n_layers; l++) {
            const shapc_layer_spec *ly = &spec->layers[l];
            double mx = -INFINITY, sum = 0.0;
            for (size_t j = 0; j < ly->n_out; j++) {
                double s = (double)ly->bias[j];
                for (size_t i = 0; i < ly->n_in; i++)
                    s += (double)ly->weights[j * ly->n_in + i] * a[i];
                b[j] = s;
            }
            for (size_t j = 0; j < ly->n_out; j++) {
                switch (ly->activation) {
                case SHAPC_ACT_IDENTITY:
                    break;
                case SHAPC_ACT_RELU:
                    b[j] = b[j] > 0.0 ? b[j] : 0.0;
                    break;
                case SHAPC_ACT_SIGMOID:
                    b[j] = 1.0 / (1.0 + exp(-b[j]));
                    break;
                case SHAPC_ACT_TANH:
                    b[j] = tanh(b[j]);
                    break;
                case SHAPC_ACT_SOFTMAX:
                    mx = b[j] > mx ? b[j] : mx;
                    break;
                }
            }
            if (ly->activation == SHAPC_ACT_SOFTMAX) {
                for (size_t j = 0; j < ly->n_out; j++)
                    sum += exp(b[j] - mx);
                for (size_t j = 0; j < ly->n_out; j++)
                    b[j] = exp(b[j] - mx) / sum;
            }
            width = ly->n_out;
            memcpy(a, b, width * sizeof *a);
        }
        memcpy(out + r * width, a, width * sizeof *a);
    }
    free(a);
    free(b);
}

/* A small random network with its storage, so specs can be built and mutated freely. */
typedef struct net_fixture {
    float w0[5 * 6], b0[5], w1[3 * 5], b1[3];
    float offset[6], divisor[6];
    float background[4 * 6], bg_weights[4];
    shapc_layer_spec layers[2];
    const char *names[3];
    shapc_model_spec spec;
} net_fixture;

/* input (2, 3, 1) -> dense 5 relu -> dense 3 softmax, with preprocessing, names and a
 * weighted background. */
static void net_fixture_init(net_fixture *f)
{
    memset(f, 0, sizeof *f);
    fill_random(f->w0, 30);
    fill_random(f->b0, 5);
    fill_random(f->w1, 15);
    fill_random(f->b1, 3);
    fill_random(f->offset, 6);
    for (int i = 0; i < 6; i++)
        f->divisor[i] = 0.5f + (float)i * 0.25f;
    fill_random(f->background, 24);
    f->bg_weights[0] = 0.1f;
    f->bg_weights[1] = 0.2f;
    f->bg_weights[2] = 0.3f;
    f->bg_weights[3] = 0.4f;
    f->layers[0] = (shapc_layer_spec){SHAPC_LAYER_DENSE, 6, 5, f->w0, f->b0, SHAPC_ACT_RELU};
    f->layers[1] = (shapc_layer_spec){SHAPC_LAYER_DENSE, 5, 3, f->w1, f->b1, SHAPC_ACT_SOFTMAX};
    f->names[0] = "cat";
    f->names[1] = "dog";
    f->names[2] = "\xc3\xa9l\xc3\xa9phant"; /* UTF-8 */
    f->spec = shapc_model_spec_default();
    f->spec.input_rank = 3;
    f->spec.input_shape[0] = 2;
    f->spec.input_shape[1] = 3;
    f->spec.input_shape[2] = 1;
    f->spec.input_scale = 2.0f;
    f->spec.input_offset = f->offset;
    f->spec.input_divisor = f->divisor;
    f->spec.n_layers = 2;
    f->spec.layers = f->layers;
    f->spec.output_names = f->names;
    f->spec.n_background = 4;
    f->spec.background = f->background;
    f->spec.background_weights = f->bg_weights;
}

/* ---- hand-built model.bin bytes, so the format is checked independently of the writer ---- */

typedef struct bytes {
    unsigned char p[8192];
    size_t n;
} bytes;

static void b_raw(bytes *b, const void *p, size_t n)
{
    assert_true(b->n + n <= sizeof b->p);
    memcpy(b->p + b->n, p, n);
    b->n += n;
}
static void b_u8(bytes *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    b_raw(b, &c, 1);
}
static void b_u32(bytes *b, uint32_t v)
{
    unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    b_raw(b, c, 4);
}
static void b_f32(bytes *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    b_u32(b, u);
}
static void b_crc(bytes *b)
{
    b_u32(b, (uint32_t)crc32(0L, b->p, (uInt)b->n));
}

/* Header of a hand-built file: magic, version, flags, input shape (rank 1, d), scale 1, no
 * offset/divisor. */
static void b_header(bytes *b, uint32_t version, uint32_t d)
{
    b->n = 0;
    b_raw(b, "SHAPCMDL", 8);
    b_u32(b, version);
    b_u32(b, 0);
    b_u32(b, 1);
    b_u32(b, d);
    b_f32(b, 1.0f);
    b_u8(b, 0);
    b_u8(b, 0);
}

/* One dense layer with weights w[j*n_in + i] = (j + 1) * 0.5 and bias j. */
static void b_dense(bytes *b, uint32_t n_in, uint32_t n_out, uint32_t act)
{
    b_u32(b, 1);
    b_u32(b, n_in);
    b_u32(b, n_out);
    b_u32(b, act);
    for (uint32_t j = 0; j < n_out; j++)
        for (uint32_t i = 0; i < n_in; i++)
            b_f32(b, (float)(j + 1) * 0.5f);
    for (uint32_t j = 0; j < n_out; j++)
        b_f32(b, (float)j);
}

/* Trailer: no names, no background, no sections, then the checksum. */
static void b_trailer(bytes *b)
{
    b_u32(b, 0);
    b_u32(b, 0);
    b_u8(b, 0);
    b_u32(b, 0);
    b_crc(b);
}

/* Writes bytes to a scratch file and loads it; checks the error names the path. */
static shapc_status load_bytes(const bytes *b, const char *name, shapc_error *err)
{
    char path[512];
    shapc_model *m = (shapc_model *)1;
    shapc_status st;
    tu_tmp_path(path, sizeof path, name);
    tu_write_file(path, b->p, b->n);
    memset(err, 0, sizeof *err);
    st = shapc_model_load(path, &m, err);
    if (st == SHAPC_OK) {
        assert_non_null(m);
        shapc_model_free(m);
    } else {
        assert_null(m);
        assert_int_equal(err->status, st);
        assert_non_null(strstr(err->message, path));
    }
    return st;
}

/* ======================================================================================== */
/* callback adapters                                                                        */
/* ======================================================================================== */

static int user_freed;

static void count_free(void *p)
{
    (void)p;
    user_freed++;
}

/* y0 = sum(x) * scale, y1 = x0 - x4. */
static shapc_status sum_diff(void *user, const float *x, size_t n, float *out, shapc_error *err)
{
    const float scale = *(const float *)user;
    (void)err;
    for (size_t r = 0; r < n; r++) {
        float s = 0.0f;
        for (size_t i = 0; i < 5; i++)
            s += x[r * 5 + i];
        out[r * 2] = s * scale;
        out[r * 2 + 1] = x[r * 5] - x[r * 5 + 4];
    }
    return SHAPC_OK;
}

static void test_callback_round_trip(void **state)
{
    float scale = 3.0f, x[10], out[4];
    shapc_model *m = NULL;
    shapc_error err = {0};
    const char *names[2] = {"total", "spread"};
    const size_t shape[2] = {5, 1}, bad[2] = {2, 2};
    (void)state;
    user_freed = 0;
    assert_int_equal(shapc_model_create(5, 2, sum_diff, &scale, count_free, &m, &err), SHAPC_OK);
    for (int i = 0; i < 10; i++)
        x[i] = (float)i;
    assert_int_equal(shapc_model_predict(m, x, 2, out, &err), SHAPC_OK);
    assert_near(out[0], 30.0, 1e-6);
    assert_near(out[1], -4.0, 1e-6);
    assert_near(out[2], 105.0, 1e-6);
    assert_near(out[3], -4.0, 1e-6);
    assert_int_equal(shapc_model_predict(m, NULL, 0, NULL, &err), SHAPC_OK); /* no rows */
    assert_int_equal(shapc_model_predict(m, NULL, 1, out, &err), SHAPC_EINVAL);

    assert_int_equal(shapc_model_n_inputs(m), 5);
    assert_int_equal(shapc_model_n_outputs(m), 2);
    assert_int_equal(shapc_model_input_rank(m), 1);
    assert_int_equal(shapc_model_input_shape(m)[0], 5);
    assert_string_equal(shapc_model_output_name(m, 0), "0");
    assert_string_equal(shapc_model_output_name(m, 1), "1");
    assert_null(shapc_model_output_name(m, 2));
    size_t n_bg = 99;
    assert_null(shapc_model_background(m, &n_bg));
    assert_int_equal(n_bg, 0);
    assert_null(shapc_model_background_weights(m));
    assert_string_equal(shapc_model_describe(m), "callback: 5 -> 2");

    assert_int_equal(shapc_model_set_input_shape(m, 2, shape, &err), SHAPC_OK);
    assert_int_equal(shapc_model_input_rank(m), 2);
    assert_string_equal(shapc_model_describe(m), "callback: 5x1 -> 2");
    assert_int_equal(shapc_model_set_input_shape(m, 2, bad, &err), SHAPC_ESHAPE);
    assert_int_equal(shapc_model_input_rank(m), 2); /* unchanged on failure */
    assert_int_equal(shapc_model_set_input_shape(m, 5, shape, &err), SHAPC_EINVAL);

    assert_int_equal(shapc_model_set_output_names(m, names, &err), SHAPC_OK);
    names[0] = "changed"; /* copied, not borrowed */
    assert_string_equal(shapc_model_output_name(m, 0), "total");
    assert_string_equal(shapc_model_output_name(m, 1), "spread");
    assert_int_equal(shapc_model_set_output_names(m, NULL, &err), SHAPC_OK);
    assert_string_equal(shapc_model_output_name(m, 0), "0");

    assert_int_equal(user_freed, 0);
    shapc_model_free(m);
    assert_int_equal(user_freed, 1); /* owned user pointer released exactly once */
    shapc_model_free(NULL);

    m = (shapc_model *)1;
    assert_int_equal(shapc_model_create(0, 2, sum_diff, &scale, NULL, &m, &err), SHAPC_EINVAL);
    assert_null(m);
    assert_int_equal(shapc_model_create(5, 2, NULL, &scale, NULL, &m, &err), SHAPC_EINVAL);
}

typedef struct bad_cb {
    int mode;    /* 0 fail with message, 1 fail silently, 2 NaN, 3 +inf */
    size_t row, col;
} bad_cb;

static shapc_status misbehave(void *user, const float *x, size_t n, float *out,
                              shapc_error *err)
{
    const bad_cb *b = user;
    (void)x;
    for (size_t i = 0; i < n * 3; i++)
        out[i] = 0.5f;
    switch (b->mode) {
    case 0:
        return shapc_error_set(err, SHAPC_EMODEL, "python worker died at row %zu", b->row);
    case 1:
        return SHAPC_EIO;
    case 2:
        out[b->row * 3 + b->col] = NAN;
        return SHAPC_OK;
    default:
        out[b->row * 3 + b->col] = INFINITY;
        return SHAPC_OK;
    }
}

static void test_callback_errors(void **state)
{
    bad_cb b = {0, 1, 0};
    float x[8 * 2] = {0}, out[8 * 3];
    shapc_model *m = NULL;
    shapc_error err = {0};
    (void)state;
    assert_int_equal(shapc_model_create(2, 3, misbehave, &b, NULL, &m, &err), SHAPC_OK);

    assert_int_equal(shapc_model_predict(m, x, 8, out, &err), SHAPC_EMODEL);
    assert_int_equal(err.status, SHAPC_EMODEL);
    assert_string_equal(err.message, "python worker died at row 1"); /* kept verbatim */

    b.mode = 1;
    memset(&err, 0, sizeof err);
    assert_int_equal(shapc_model_predict(m, x, 8, out, &err), SHAPC_EIO); /* status kept */
    assert_true(strlen(err.message) > 0);                                  /* generic message */
    assert_non_null(strstr(err.message, "SHAPC_EIO"));

    b.mode = 2;
    b.row = 3;
    b.col = 2;
    assert_int_equal(shapc_model_predict(m, x, 8, out, &err), SHAPC_ENONFINITE);
    assert_string_equal(err.message, "model output row 3, column 2 is NaN");

    b.mode = 3;
    b.row = 7;
    b.col = 0;
    assert_int_equal(shapc_model_predict(m, x, 8, out, &err), SHAPC_ENONFINITE);
    assert_string_equal(err.message, "model output row 7, column 0 is infinite");
    assert_int_equal(shapc_model_predict(m, x, 8, out, NULL), SHAPC_ENONFINITE); /* err NULL */
    shapc_model_free(m);
}

/* ======================================================================================== */
/* native forward pass                                                                      */
/* ======================================================================================== */

/* Every activation, in the hidden and the output layer, over 600 rows (three chunks). */
static void test_native_matches_reference(void **state)
{
    enum { D = 7, H = 9, K = 4, N = 600 };
    static float w0[H * D], b0[H], w1[K * H], b1[K], x[N * D], out[N * K];
    static double ref[N * K];
    (void)state;
    fill_random(w0, H * D);
    fill_random(b0, H);
    fill_random(w1, K * H);
    fill_random(b1, K);
    for (size_t i = 0; i < N * D; i++)
        x[i] = 3.0f * urand();
    for (int a0 = SHAPC_ACT_IDENTITY; a0 <= SHAPC_ACT_SOFTMAX; a0++) {
        for (int a1 = SHAPC_ACT_IDENTITY; a1 <= SHAPC_ACT_SOFTMAX; a1++) {
            shapc_layer_spec layers[2] = {
                {SHAPC_LAYER_DENSE, D, H, w0, b0, (shapc_activation)a0},
                {SHAPC_LAYER_DENSE, H, K, w1, b1, (shapc_activation)a1}};
            shapc_model_spec spec = shapc_model_spec_default();
            shapc_model *m = NULL;
            shapc_error err = {0};
            spec.input_rank = 1;
            spec.input_shape[0] = D;
            spec.n_layers = 2;
            spec.layers = layers;
            assert_int_equal(shapc_model_from_spec(&spec, &m, &err), SHAPC_OK);
            assert_int_equal(shapc_model_predict(m, x, N, out, &err), SHAPC_OK);
            reference_forward(&spec, x, N, ref);
            for (size_t i = 0; i < N * K; i++)
                assert_near(out[i], ref[i], 1e-4 * (1.0 + fabs(ref[i])));
            if (a1 == SHAPC_ACT_SOFTMAX) {
                for (size_t r = 0; r < N; r++) {
                    double s = 0;
                    for (size_t j = 0; j < K; j++) {
                        assert_true(out[r * K + j] >= 0.0f);
                        s += (double)out[r * K + j];
                    }
                    assert_near(s, 1.0, 1e-5);
                }
            }
            shapc_model_free(m);
        }
    }
}

/* Logits of +-1e30 would overflow exp without max-subtraction. */
static void test_softmax_huge_logits(void **state)
{
    float w[4 * 2] = {1e30f, 0, -1e30f, 0, 0, 1e30f, 1e30f, 1e30f};
    float b[4] = {0, 0, 0, 0};
    float x[3 * 2] = {1, 0, -1, 0.5f, 0.25f, 1}, out[3 * 4];
    shapc_layer_spec layer = {SHAPC_LAYER_DENSE, 2, 4, w, b, SHAPC_ACT_SOFTMAX};
    shapc_model_spec spec = shapc_model_spec_default();
    shapc_model *m = NULL;
    shapc_error err = {0};
    (void)state;
    spec.input_rank = 1;
    spec.input_shape[0] = 2;
    spec.n_layers = 1;
    spec.layers = &layer;
    assert_int_equal(shapc_model_from_spec(&spec, &m, &err), SHAPC_OK);
    assert_int_equal(shapc_model_predict(m, x, 3, out, &err), SHAPC_OK); /* all finite */
    for (size_t r = 0; r < 3; r++) {
        double s = 0;
        for (size_t j = 0; j < 4; j++)
            s += (double)out[r * 4 + j];
        assert_near(s, 1.0, 1e-6);
    }
    /* row 0: logits (1e30, -1e30, 0, 1e30) -> mass split between outputs 0 and 3 */
    assert_near(out[0], 0.5, 1e-6);
    assert_near(out[1], 0.0, 1e-6);
    assert_near(out[3], 0.5, 1e-6);
    /* row 1: logits (-1e30, 1e30, 5e29, -5e29) -> all mass on output 1 */
    assert_near(out[4 + 1], 1.0, 1e-6);
    shapc_model_free(m);
}

/* Softmax over many rows (blocks of rows, transposed; row by row for wide outputs): each row
 * matches a double-precision softmax, a NaN or infinite logit makes only its own row NaN, and
 * a row's values do not depend on where in the batch it falls (alone, first, in the last,
 * partial block). */
static void test_softmax_rows(void **state)
{
    (void)state;
    const size_t widths[2] = {10, 70}; /* block path, row-by-row path */
    enum { ROWS = 130 };
    static float y[ROWS * 70], alone[70];
    for (size_t t = 0; t < 2; t++) {
        const size_t n = widths[t];
        for (size_t i = 0; i < ROWS * n; i++)
            y[i] = 8.0f * urand() - 4.0f;
        for (size_t j = 0; j < n; j++) /* the same row at 3 and at 129 */
            y[129 * n + j] = y[3 * n + j];
        for (size_t j = 0; j < n; j++) /* overflows exp unless shifted by its own max */
            y[7 * n + j] += 300.0f;
        y[70 * n + 2] = NAN;
        y[5 * n + 1] = INFINITY;
        static float in[ROWS * 70];
        memcpy(in, y, ROWS * n * sizeof *y);
        memcpy(alone, y + 3 * n, n * sizeof *y);
        shapc__activate_rows(SHAPC_ACT_SOFTMAX, y, ROWS, n);
        shapc__activate_rows(SHAPC_ACT_SOFTMAX, alone, 1, n);
        for (size_t r = 0; r < ROWS; r++) {
            if (r == 70 || r == 5) {
                for (size_t j = 0; j < n; j++)
                    assert_true(isnan(y[r * n + j]));
                continue;
            }
            double mx = -INFINITY, sum = 0.0;
            for (size_t j = 0; j < n; j++)
                mx = fmax(mx, (double)in[r * n + j]);
            for (size_t j = 0; j < n; j++)
                sum += exp((double)in[r * n + j] - mx);
            for (size_t j = 0; j < n; j++) {
                const double want = exp((double)in[r * n + j] - mx) / sum;
                assert_near(y[r * n + j], want, 1e-6 * want + 1e-12);
            }
        }
        assert_memory_equal(y + 3 * n, alone, n * sizeof *y);
        assert_memory_equal(y + 129 * n, alone, n * sizeof *y);
    }
}

static void test_preprocessing(void **state)
{
    float w[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, b[3] = {0, 0, 0};
    float offset[3] = {0.5f, -1.0f, 2.0f}, divisor[3] = {2.0f, 4.0f, -0.5f};
    float x[2 * 3] = {255, 0, 127.5f, 51, 102, 204}, out[6];
    shapc_layer_spec layer = {SHAPC_LAYER_DENSE, 3, 3, w, b, SHAPC_ACT_IDENTITY};
    shapc_model_spec spec = shapc_model_spec_default();
    shapc_model *m = NULL;
    shapc_error err = {0};
    (void)state;
    spec.input_rank = 1;
    spec.input_shape[0] = 3;
    spec.input_scale = 1.0f / 255.0f;
    spec.input_offset = offset;
    spec.input_divisor = divisor;
    spec.n_layers = 1;
    spec.layers = &layer;
    assert_int_equal(shapc_model_from_spec(&spec, &m, &err), SHAPC_OK);
    assert_int_equal(shapc_model_predict(m, x, 2, out, &err), SHAPC_OK);
    for (size_t i = 0; i < 6; i++) {
        double want = ((double)x[i] / 255.0 - (double)offset[i % 3]) / (double)divisor[i % 3];
        assert_near(out[i], want, 1e-6);
    }
    /* offset only */
    shapc_model_free(m);
    spec.input_divisor = NULL;
    assert_int_equal(shapc_model_from_spec(&spec, &m, &err), SHAPC_OK);
    assert_int_equal(shapc_model_predict(m, x, 2, out, &err), SHAPC_OK);
    assert_near(out[0], 1.0 - 0.5, 1e-6);
    assert_near(out[1], 0.0 + 1.0, 1e-6);
    shapc_model_free(m);
}

static void test_from_spec_validation(void **state)
{
    net_fixture f;
    shapc_model *m = (shapc_model *)1;
    shapc_error err = {0};
    (void)state;
    net_fixture_init(&f);

    f.layers[1].n_in = 4; /* layer 0 gives 5 */
    assert_int_equal(shapc_model_from_spec(&f.spec, &m, &err), SHAPC_ESHAPE);
    assert_null(m);
    f.layers[1].n_in = 5;
    f.spec.input_shape[0] = 3; /* 3x3x1 = 9 != 6 */
    assert_int_equal(shapc_model_from_spec(&f.spec, &m, &err), SHAPC_ESHAPE);
    f.spec.input_shape[0] = 2;
    f.layers[1].kind = (shapc_layer_kind)7;
    assert_int_equal(shapc_model_from_spec(&f.spec, &m, &err), SHAPC_EUNSUPPORTED);
    f.layers[1].kind = SHAPC_LAYER_DENSE;
    f.layers[1].activation = (shapc_activation)9;
    assert_int_equal(shapc_model_from_spec(&f.spec, &m, &err), SHAPC_EINVAL);
    f.layers[1].activation = SHAPC_ACT_SOFTMAX;
    f.w1[4] = NAN;
    assert_int_equal(shapc_model_from_spec(&f.spec, &m, &err), SHAPC_ENONFINITE);
    assert_non_null(strstr(err.message, "layer 1"));
    f.w1[4] = 0.25f;
    f.divisor[2] = 0.0f;
    assert_int_equal(shapc_model_from_spec(&f.spec, &m, &err), SHAPC_EINVAL);
    f.divisor[2] = 1.0f;
    f.bg_weights[1] = -0.5f;
    assert_int_equal(shapc_model_from_spec(&f.spec, &m, &err), SHAPC_EINVAL);
    f.bg_weights[1] = 0.2f;
    f.spec.input_rank = 5;
    assert_int_equal(shapc_model_from_spec(&f.spec, &m, &err), SHAPC_EINVAL);
    f.spec.input_rank = 3;
    assert_int_equal(shapc_model_from_spec(NULL, &m, &err), SHAPC_EINVAL);

    assert_int_equal(shapc_model_from_spec(&f.spec, &m, &err), SHAPC_OK);
    assert_string_equal(shapc_model_describe(m),
                        "native: 2x3x1 -> dense 5 relu -> dense 3 softmax");
    shapc_model_free(m);
}

/* ======================================================================================== */
/* model.bin                                                                                */
/* ======================================================================================== */

static void test_save_load_round_trip(void **state)
{
    net_fixture f;
    char path[512];
    float x[5 * 6], out_a[5 * 3], out_b[5 * 3];
    shapc_model *a = NULL, *b = NULL;
    shapc_error err = {0};
    const float *bg;
    const float *bw;
    (void)state;
    net_fixture_init(&f);
    fill_random(x, 30);
    tu_tmp_path(path, sizeof path, "roundtrip.model.bin");
    assert_int_equal(shapc_model_save(path, &f.spec, &err), SHAPC_OK);
    assert_int_equal(shapc_model_from_spec(&f.spec, &a, &err), SHAPC_OK);
    assert_int_equal(shapc_model_load(path, &b, &err), SHAPC_OK);

    assert_int_equal(shapc_model_predict(a, x, 5, out_a, &err), SHAPC_OK);
    assert_int_equal(shapc_model_predict(b, x, 5, out_b, &err), SHAPC_OK);
    assert_memory_equal(out_a, out_b, sizeof out_a); /* same weights bit for bit */

    assert_int_equal(shapc_model_n_inputs(b), 6);
    assert_int_equal(shapc_model_n_outputs(b), 3);
    assert_int_equal(shapc_model_input_rank(b), 3);
    assert_int_equal(shapc_model_input_shape(b)[0], 2);
    assert_int_equal(shapc_model_input_shape(b)[1], 3);
    assert_int_equal(shapc_model_input_shape(b)[2], 1);
    assert_string_equal(shapc_model_output_name(b, 0), "cat");
    assert_string_equal(shapc_model_output_name(b, 1), "dog");
    assert_string_equal(shapc_model_output_name(b, 2), f.names[2]);
    assert_string_equal(shapc_model_describe(b), shapc_model_describe(a));

    size_t n_bg = 0;
    bg = shapc_model_background(b, &n_bg);
    assert_non_null(bg);
    assert_int_equal(n_bg, 4);
    assert_memory_equal(bg, f.background, sizeof f.background);
    bw = shapc_model_background_weights(b);
    assert_non_null(bw);
    for (size_t i = 0; i < 4; i++)
        assert_near(bw[i], f.bg_weights[i], 1e-7);
    shapc_model_free(a);
    shapc_model_free(b);

    /* Minimal model: no names, no background, no preprocessing. */
    f.spec.output_names = NULL;
    f.spec.n_background = 0;
    f.spec.input_offset = NULL;
    f.spec.input_divisor = NULL;
    assert_int_equal(shapc_model_save(path, &f.spec, &err), SHAPC_OK);
    assert_int_equal(shapc_model_load(path, &b, &err), SHAPC_OK);
    assert_string_equal(shapc_model_output_name(b, 2), "2");
    assert_null(shapc_model_background(b, NULL));
    assert_null(shapc_model_background_weights(b));
    shapc_model_free(b);

    /* Saving an invalid spec writes nothing and names the path. */
    f.layers[0].n_out = 4;
    remove(path);
    assert_int_equal(shapc_model_save(path, &f.spec, &err), SHAPC_ESHAPE);
    assert_non_null(strstr(err.message, path));
    assert_null(fopen(path, "rb"));
}

/* Cutting the file at every length fails cleanly (ASan/LSan watch for crashes and leaks). */
static void test_truncation_every_offset(void **state)
{
    net_fixture f;
    char path[512], cut[512];
    unsigned char *full;
    size_t len = 0;
    (void)state;
    net_fixture_init(&f);
    tu_tmp_path(path, sizeof path, "full.model.bin");
    tu_tmp_path(cut, sizeof cut, "cut.model.bin");
    assert_int_equal(shapc_model_save(path, &f.spec, NULL), SHAPC_OK);
    full = tu_read_file(path, &len);
    assert_non_null(full);
    assert_true(len > 100);
    for (size_t n = 0; n < len; n++) {
        shapc_model *m = (shapc_model *)1;
        shapc_error err = {0};
        tu_write_file(cut, full, n);
        assert_int_not_equal(shapc_model_load(cut, &m, &err), SHAPC_OK);
        assert_null(m);
        assert_non_null(strstr(err.message, cut));
    }
    free(full);
}

/* Every single flipped byte is detected; inside the body it is a checksum mismatch. */
static void test_flipped_bytes(void **state)
{
    net_fixture f;
    char path[512], bad[512];
    unsigned char *full;
    size_t len = 0;
    (void)state;
    net_fixture_init(&f);
    tu_tmp_path(path, sizeof path, "flip.model.bin");
    tu_tmp_path(bad, sizeof bad, "flipped.model.bin");
    assert_int_equal(shapc_model_save(path, &f.spec, NULL), SHAPC_OK);
    full = tu_read_file(path, &len);
    assert_non_null(full);
    for (size_t i = 0; i < len; i++) {
        shapc_model *m = NULL;
        shapc_error err = {0};
        shapc_status st;
        full[i] ^= 0x10;
        tu_write_file(bad, full, len);
        full[i] ^= 0x10;
        st = shapc_model_load(bad, &m, &err);
        assert_int_not_equal(st, SHAPC_OK);
        assert_non_null(strstr(err.message, bad));
        if (i < 8) {
            assert_int_equal(st, SHAPC_EFORMAT);
            assert_non_null(strstr(err.message, "magic"));
        } else if (i >= 12) {
            assert_int_equal(st, SHAPC_EFORMAT);
            assert_non_null(strstr(err.message, "checksum mismatch"));
        }
    }
    free(full);
}

static void test_envelope_errors(void **state)
{
    bytes b;
    shapc_error err;
    shapc_model *m = (shapc_model *)1;
    char path[512];
    (void)state;

    /* The hand-built reference file loads and computes what the format doc says. */
    b_header(&b, 1, 2);
    b_u32(&b, 1);
    b_dense(&b, 2, 3, SHAPC_ACT_IDENTITY);
    b_trailer(&b);
    tu_tmp_path(path, sizeof path, "hand.model.bin");
    tu_write_file(path, b.p, b.n);
    assert_int_equal(shapc_model_load(path, &m, &err), SHAPC_OK);
    {
        float x[2] = {1.0f, 2.0f}, out[3];
        assert_int_equal(shapc_model_predict(m, x, 1, out, &err), SHAPC_OK);
        /* w[j][i] = (j + 1) / 2, bias j: y_j = 1.5 (j + 1) + j */
        assert_near(out[0], 1.5, 1e-6);
        assert_near(out[1], 4.0, 1e-6);
        assert_near(out[2], 6.5, 1e-6);
        assert_string_equal(shapc_model_describe(m), "native: 2 -> dense 3 identity");
    }
    shapc_model_free(m);

    b.p[0] = 'X';
    assert_int_equal(load_bytes(&b, "magic.bin", &err), SHAPC_EFORMAT);
    assert_non_null(strstr(err.message, "magic"));

    b_header(&b, 2, 2); /* newer version, correct checksum */
    b_u32(&b, 1);
    b_dense(&b, 2, 3, SHAPC_ACT_IDENTITY);
    b_trailer(&b);
    assert_int_equal(load_bytes(&b, "v2.bin", &err), SHAPC_EUNSUPPORTED);
    assert_non_null(strstr(err.message, "version 2"));

    b_header(&b, 1, 2);
    b_u32(&b, 1);
    b_dense(&b, 2, 3, SHAPC_ACT_IDENTITY);
    b_trailer(&b);
    b.n -= 4;
    b_u8(&b, 0); /* a stray byte before a recomputed checksum */
    b_crc(&b);
    assert_int_equal(load_bytes(&b, "trailing.bin", &err), SHAPC_EFORMAT);
    assert_non_null(strstr(err.message, "unexpected"));
    b.n -= 5; /* back to the valid file, then a byte after the checksum */
    b_crc(&b);
    assert_int_equal(load_bytes(&b, "valid.bin", &err), SHAPC_OK);
    b_u8(&b, 0);
    assert_int_not_equal(load_bytes(&b, "after.bin", &err), SHAPC_OK);

    b.n = 0;
    assert_int_equal(load_bytes(&b, "empty.bin", &err), SHAPC_ETRUNC);
    assert_int_equal(shapc_model_load("/nonexistent/dir/model.bin", &m, &err), SHAPC_EIO);
    assert_non_null(strstr(err.message, "/nonexistent/dir/model.bin"));
    {
        char dir[512];
        tu_tmp_path(dir, sizeof dir, "");
        assert_int_equal(shapc_model_load(dir, &m, &err), SHAPC_EIO); /* a directory */
        assert_non_null(strstr(err.message, "not a regular file"));
    }
}

/* Files with a correct checksum but wrong contents: the parser's own checks must hold. */
static void test_crafted_bodies(void **state)
{
    bytes b;
    shapc_error err;
    (void)state;

    /* layer chaining: layer 1 takes 4 but layer 0 gives 3 */
    b_header(&b, 1, 2);
    b_u32(&b, 2);
    b_dense(&b, 2, 3, SHAPC_ACT_RELU);
    b_dense(&b, 4, 1, SHAPC_ACT_IDENTITY);
    b_trailer(&b);
    assert_int_equal(load_bytes(&b, "chain.bin", &err), SHAPC_EFORMAT);
    assert_non_null(strstr(err.message, "layer 1"));

    /* layer 0 does not take the input size */
    b_header(&b, 1, 3);
    b_u32(&b, 1);
    b_dense(&b, 2, 3, SHAPC_ACT_RELU);
    b_trailer(&b);
    assert_int_equal(load_bytes(&b, "chain0.bin", &err), SHAPC_EFORMAT);

    /* absurd n_out: must fail on the size check, not try to allocate 16 GiB */
    b_header(&b, 1, 2);
    b_u32(&b, 1);
    b_u32(&b, 1);
    b_u32(&b, 2);
    b_u32(&b, 0xFFFFFFFFu);
    b_u32(&b, 0);
    b_trailer(&b);
    {
        shapc_status st = load_bytes(&b, "huge.bin", &err);
        assert_true(st == SHAPC_ETRUNC || st == SHAPC_ERANGE);
    }
    b_header(&b, 1, 2);
    b_u32(&b, 1);
    b_u32(&b, 1);
    b_u32(&b, 2);
    b_u32(&b, 0x7FFFFFFFu);
    b_u32(&b, 0);
    b_trailer(&b);
    assert_int_equal(load_bytes(&b, "big.bin", &err), SHAPC_ETRUNC);
    assert_non_null(strstr(err.message, "truncated at byte 50 reading layer 0 weights"));

    /* absurd layer count and input dimensions */
    b_header(&b, 1, 2);
    b_u32(&b, 0xFFFFFFFFu);
    b_trailer(&b);
    assert_int_equal(load_bytes(&b, "layers.bin", &err), SHAPC_ETRUNC);
    b.n = 0;
    b_raw(&b, "SHAPCMDL", 8);
    b_u32(&b, 1);
    b_u32(&b, 0);
    b_u32(&b, 4);
    for (int i = 0; i < 4; i++)
        b_u32(&b, 0xFFFFFFFFu); /* product overflows 64 bits */
    b_f32(&b, 1.0f);
    b_u8(&b, 0);
    b_u8(&b, 0);
    b_trailer(&b);
    assert_int_equal(load_bytes(&b, "dims.bin", &err), SHAPC_ERANGE);

    /* absurd background row count */
    b_header(&b, 1, 2);
    b_u32(&b, 1);
    b_dense(&b, 2, 3, SHAPC_ACT_IDENTITY);
    b_u32(&b, 0);
    b_u32(&b, 0xFFFFFFFFu);
    b_u8(&b, 0);
    b_u32(&b, 0);
    b_crc(&b);
    assert_int_equal(load_bytes(&b, "bg.bin", &err), SHAPC_ETRUNC);
    assert_non_null(strstr(err.message, "background"));

    /* unknown layer kind, unknown activation, NaN weight */
    b_header(&b, 1, 2);
    b_u32(&b, 1);
    b_u32(&b, 9);
    b_u32(&b, 2);
    b_u32(&b, 3);
    b_u32(&b, 0);
    b_trailer(&b);
    assert_int_equal(load_bytes(&b, "kind.bin", &err), SHAPC_EUNSUPPORTED);
    assert_non_null(strstr(err.message, "kind 9"));
    b_header(&b, 1, 2);
    b_u32(&b, 1);
    b_dense(&b, 2, 3, 5);
    b_trailer(&b);
    assert_int_equal(load_bytes(&b, "act.bin", &err), SHAPC_EFORMAT);
    assert_non_null(strstr(err.message, "activation"));
    b_header(&b, 1, 2);
    b_u32(&b, 1);
    b_dense(&b, 2, 3, SHAPC_ACT_IDENTITY);
    b_trailer(&b);
    {
        float nan = NAN;
        memcpy(b.p + 50 + 4 * 3, &nan, 4); /* a weight of layer 0 (little-endian host) */
        b.n -= 4;
        b_crc(&b);
    }
    assert_int_equal(load_bytes(&b, "nan.bin", &err), SHAPC_ENONFINITE);

    /* names: count must be k; an overlong name is rejected */
    b_header(&b, 1, 2);
    b_u32(&b, 1);
    b_dense(&b, 2, 3, SHAPC_ACT_IDENTITY);
    b_u32(&b, 2);
    b_u32(&b, 1);
    b_raw(&b, "a", 1);
    b_u32(&b, 1);
    b_raw(&b, "b", 1);
    b_u32(&b, 0);
    b_u8(&b, 0);
    b_u32(&b, 0);
    b_crc(&b);
    assert_int_equal(load_bytes(&b, "names.bin", &err), SHAPC_EFORMAT);
    b_header(&b, 1, 2);
    b_u32(&b, 1);
    b_dense(&b, 2, 1, SHAPC_ACT_IDENTITY);
    b_u32(&b, 1);
    b_u32(&b, 5000);
    b_trailer(&b);
    assert_int_equal(load_bytes(&b, "longname.bin", &err), SHAPC_EFORMAT);

    /* extension sections: optional ones are skipped, required unknown ones refused */
    b_header(&b, 1, 2);
    b_u32(&b, 1);
    b_dense(&b, 2, 3, SHAPC_ACT_IDENTITY);
    b_u32(&b, 0);
    b_u32(&b, 0);
    b_u8(&b, 0);
    b_u32(&b, 1);
    b_raw(&b, "XTRA", 4);
    b_u32(&b, 0);
    b_u32(&b, 3);
    b_u32(&b, 0);
    b_raw(&b, "abc", 3);
    b_crc(&b);
    assert_int_equal(load_bytes(&b, "optsec.bin", &err), SHAPC_OK);
    b.p[b.n - 4 - 3 - 8 - 4] = 1; /* flags: required */
    b.n -= 4;
    b_crc(&b);
    assert_int_equal(load_bytes(&b, "reqsec.bin", &err), SHAPC_EUNSUPPORTED);
}

/* Every allocation made by load can fail without leaks or crashes, and each failure is
 * reported as SHAPC_ENOMEM. */
static void test_load_out_of_memory(void **state)
{
    net_fixture f;
    char path[512];
    int succeeded = 0;
    size_t failures = 0;
    (void)state;
    net_fixture_init(&f);
    tu_tmp_path(path, sizeof path, "oom.model.bin");
    assert_int_equal(shapc_model_save(path, &f.spec, NULL), SHAPC_OK);
    for (size_t i = 1; i < 200 && !succeeded; i++) {
        shapc_model *m = NULL;
        shapc_error err = {0};
        float x[6] = {0}, out[3];
        shapc__alloc_fail_after(i);
        if (shapc_model_load(path, &m, &err) == SHAPC_OK) {
            shapc_status st = shapc_model_predict(m, x, 1, out, &err);
            assert_true(st == SHAPC_OK || st == SHAPC_ENOMEM);
            succeeded = st == SHAPC_OK;
            failures += st == SHAPC_ENOMEM;
        } else {
            /* the injected failure, reported as such - not some other error */
            assert_int_equal(err.status, SHAPC_ENOMEM);
            assert_null(m);
            assert_true(strlen(err.message) > 0);
            failures++;
        }
        shapc__alloc_fail_after(0);
        shapc_model_free(m);
    }
    assert_true(succeeded);
    /* Every allocation before the first success failed on purpose: loading the fixture makes
     * a few dozen (names, layers, background), so a loop that injected nothing - a library
     * built without failpoints - cannot pass. */
    assert_true(failures >= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callback_round_trip),
        cmocka_unit_test(test_callback_errors),
        cmocka_unit_test(test_native_matches_reference),
        cmocka_unit_test(test_softmax_huge_logits),
        cmocka_unit_test(test_softmax_rows),
        cmocka_unit_test(test_preprocessing),
        cmocka_unit_test(test_from_spec_validation),
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_truncation_every_offset),
        cmocka_unit_test(test_flipped_bytes),
        cmocka_unit_test(test_envelope_errors),
        cmocka_unit_test(test_crafted_bodies),
        cmocka_unit_test(test_load_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
