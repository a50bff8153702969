/* test_conv.c - convolutional native models: conv2d / pooling / flatten forward passes against
 * naive loops, model.bin round trips and corrupt payloads, KernelSHAP on a small CNN. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "testutil.h"

#include "shapc/kernel.h"
#include "shapc/model.h"

static uint64_t rng_state = 0x2545f4914f6cdd1du;

static float urand(void) /* uniform [-1, 1), reproducible */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((double)(rng_state >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static float *rand_floats(size_t n)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = urand();
    return v;
}

/* Output size and leading padding of one axis, written independently of the library. */
static void ref_axis(size_t in, size_t k, size_t s, int same, size_t *out, long *lead)
{
    if (!same) {
        *out = (in - k) / s + 1;
        *lead = 0;
        return;
    }
    *out = (in + s - 1) / s;
    long pad = (long)((*out - 1) * s + k) - (long)in;
    *lead = pad > 0 ? pad / 2 : 0;
}

/* kind: 0 conv, 1 max, 2 avg. Naive double loops over (H, W, C) channels-last data. */
static void ref_spatial(int kind, const float *x, size_t H, size_t W, size_t C, size_t OC,
                        size_t kh, size_t kw, size_t s, int same, const float *w,
                        const float *b, double *y, size_t *oh_out, size_t *ow_out)
{
    size_t oh, ow;
    long pt, pl;
    ref_axis(H, kh, s, same, &oh, &pt);
    ref_axis(W, kw, s, same, &ow, &pl);
    size_t oc = kind == 0 ? OC : C;
    for (size_t oy = 0; oy < oh; oy++)
        for (size_t ox = 0; ox < ow; ox++)
            for (size_t o = 0; o < oc; o++) {
                double acc = kind == 0 ? (double)b[o] : (kind == 1 ? -(double)INFINITY : 0.0);
                size_t cnt = 0;
                for (size_t ky = 0; ky < kh; ky++)
                    for (size_t kx = 0; kx < kw; kx++) {
                        long iy = (long)(oy * s + ky) - pt, ix = (long)(ox * s + kx) - pl;
                        if (iy < 0 || ix < 0 || iy >= (long)H || ix >= (long)W)
                            continue;
                        cnt++;
                        if (kind == 0) {
                            for (size_t c = 0; c < C; c++)
                                acc += (double)w[((o * kh + ky) * kw + kx) * C + c] *
                                       (double)x[((size_t)iy * W + (size_t)ix) * C + c];
                        } else {
                            double v = (double)x[((size_t)iy * W + (size_t)ix) * C + o];
                            acc = kind == 1 ? fmax(acc, v) : acc + v;
                        }
                    }
                if (kind == 2)
                    acc /= (double)cnt;
                y[(oy * ow + ox) * oc + o] = acc;
            }
    *oh_out = oh;
    *ow_out = ow;
}

static shapc_model *one_layer(shapc_layer_kind kind, size_t H, size_t W, size_t C, size_t OC,
                              size_t kh, size_t kw, size_t s, int same, const float *w,
                              const float *b, size_t n_out)
{
    shapc_model_spec spec = shapc_model_spec_default();
    shapc_layer_spec ly = {kind, H * W * C, n_out, w, b, SHAPC_ACT_IDENTITY};
    shapc_layer_geometry geo = {H, W, C, OC, kh, kw, s, same ? SHAPC_PAD_SAME : SHAPC_PAD_VALID};
    shapc_model *m = NULL;
    shapc_error err = {0};
    spec.input_rank = 3;
    spec.input_shape[0] = H;
    spec.input_shape[1] = W;
    spec.input_shape[2] = C;
    spec.n_layers = 1;
    spec.layers = &ly;
    spec.layer_geometry = &geo;
    if (shapc_model_from_spec(&spec, &m, &err) != SHAPC_OK)
        fail_msg("from_spec: %s", err.message);
    return m;
}

static void check_spatial(int kind, size_t H, size_t W, size_t C, size_t OC, size_t kh,
                          size_t kw, size_t s, int same)
{
    const size_t n = 3, d = H * W * C;
    float *x = rand_floats(n * d), *w = rand_floats(OC * kh * kw * C), *b = rand_floats(OC);
    double *ref = calloc(d * (OC + C) + 1, sizeof *ref);
    size_t oh, ow;
    assert_non_null(ref);
    ref_spatial(kind, x, H, W, C, OC, kh, kw, s, same, w, b, ref, &oh, &ow);
    size_t k = oh * ow * (kind == 0 ? OC : C);
    static const shapc_layer_kind kinds[] = {SHAPC_LAYER_CONV2D, SHAPC_LAYER_MAXPOOL,
                                             SHAPC_LAYER_AVGPOOL};
    shapc_model *m = one_layer(kinds[kind], H, W, C, kind == 0 ? OC : 0, kh, kw, s, same,
                               kind == 0 ? w : NULL, kind == 0 ? b : NULL, k);
    float *out = malloc(n * k * sizeof *out);
    assert_non_null(out);
    assert_int_equal(shapc_model_n_outputs(m), k);
    assert_int_equal(shapc_model_predict(m, x, n, out, NULL), SHAPC_OK);
    for (size_t r = 0; r < n; r++) {
        ref_spatial(kind, x + r * d, H, W, C, OC, kh, kw, s, same, w, b, ref, &oh, &ow);
        for (size_t j = 0; j < k; j++)
            assert_near(out[r * k + j], ref[j], 1e-4);
    }
    shapc_model_free(m);
    free(out);
    free(ref);
    free(x);
    free(w);
    free(b);
}

static void test_conv2d_reference(void **state)
{
    (void)state;
    /* H, W, C, OC, kh, kw, stride, same */
    check_spatial(0, 5, 5, 1, 1, 3, 3, 1, 0);
    check_spatial(0, 6, 7, 3, 4, 3, 3, 1, 1);
    check_spatial(0, 7, 6, 2, 5, 3, 2, 2, 0);
    check_spatial(0, 7, 8, 3, 2, 3, 3, 2, 1);
    check_spatial(0, 8, 8, 2, 3, 4, 4, 2, 1); /* even kernel: asymmetric same padding */
    check_spatial(0, 4, 4, 2, 2, 1, 1, 3, 1);
    check_spatial(0, 3, 3, 2, 2, 3, 3, 1, 0); /* kernel = input: one output position */
}

static void test_pool_reference(void **state)
{
    (void)state;
    for (int kind = 1; kind <= 2; kind++) {
        check_spatial(kind, 6, 6, 2, 0, 2, 2, 2, 0);
        check_spatial(kind, 7, 5, 3, 0, 2, 2, 2, 1); /* odd sizes: partial windows */
        check_spatial(kind, 5, 5, 1, 0, 3, 3, 1, 1);
        check_spatial(kind, 9, 9, 2, 0, 3, 3, 2, 0);
    }
}

static void test_global_pool_and_flatten(void **state)
{
    (void)state;
    const size_t H = 4, W = 3, C = 5, d = H * W * C, n = 4;
    float *x = rand_floats(n * d), out[4 * 60];
    shapc_model *m = one_layer(SHAPC_LAYER_GLOBAL_AVGPOOL, H, W, C, 0, 0, 0, 0, 0, NULL, NULL,
                               C);
    assert_int_equal(shapc_model_predict(m, x, n, out, NULL), SHAPC_OK);
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < C; c++) {
            double s = 0;
            for (size_t p = 0; p < H * W; p++)
                s += (double)x[r * d + p * C + c];
            assert_near(out[r * C + c], s / (double)(H * W), 1e-6);
        }
    shapc_model_free(m);
    /* Flatten is the identity on channels-last data. */
    shapc_model_spec spec = shapc_model_spec_default();
    shapc_layer_spec ly = {SHAPC_LAYER_FLATTEN, d, d, NULL, NULL, SHAPC_ACT_IDENTITY};
    spec.input_rank = 3;
    spec.input_shape[0] = H;
    spec.input_shape[1] = W;
    spec.input_shape[2] = C;
    spec.n_layers = 1;
    spec.layers = &ly;
    assert_int_equal(shapc_model_from_spec(&spec, &m, NULL), SHAPC_OK);
    assert_int_equal(shapc_model_predict(m, x, n, out, NULL), SHAPC_OK);
    assert_memory_equal(out, x, n * d * sizeof *x);
    shapc_model_free(m);
    /* ... and refuses n_out != n_in. */
    shapc_error err = {0};
    ly.n_out = d - 1;
    assert_int_equal(shapc_model_from_spec(&spec, &m, &err), SHAPC_EINVAL);
    assert_non_null(strstr(err.message, "layer 0 (flatten)"));
    free(x);
}

/* ---- a small CNN: 6x6x1 -> conv 3x3x2 relu (valid) -> maxpool 2 -> flatten -> dense 3 ---- */

typedef struct cnn {
    shapc_model_spec spec;
    shapc_layer_spec layers[4];
    shapc_layer_geometry geo[4];
    float *w0, *b0, *w3, *b3;
} cnn;

static void cnn_init(cnn *c)
{
    memset(c, 0, sizeof *c);
    c->w0 = rand_floats(2 * 9);
    c->b0 = rand_floats(2);
    c->w3 = rand_floats(3 * 8);
    c->b3 = rand_floats(3);
    c->spec = shapc_model_spec_default();
    c->spec.input_rank = 3;
    c->spec.input_shape[0] = 6;
    c->spec.input_shape[1] = 6;
    c->spec.input_shape[2] = 1;
    c->layers[0] = (shapc_layer_spec){SHAPC_LAYER_CONV2D, 36, 32, c->w0, c->b0, SHAPC_ACT_RELU};
    c->geo[0] = (shapc_layer_geometry){6, 6, 1, 2, 3, 3, 1, SHAPC_PAD_VALID};
    c->layers[1] = (shapc_layer_spec){SHAPC_LAYER_MAXPOOL, 32, 8, NULL, NULL,
                                      SHAPC_ACT_IDENTITY};
    c->geo[1] = (shapc_layer_geometry){4, 4, 2, 2, 2, 2, 2, SHAPC_PAD_VALID};
    c->layers[2] = (shapc_layer_spec){SHAPC_LAYER_FLATTEN, 8, 8, NULL, NULL,
                                      SHAPC_ACT_IDENTITY};
    c->layers[3] = (shapc_layer_spec){SHAPC_LAYER_DENSE, 8, 3, c->w3, c->b3, SHAPC_ACT_SOFTMAX};
    c->spec.n_layers = 4;
    c->spec.layers = c->layers;
    c->spec.layer_geometry = c->geo;
}

static void cnn_free(cnn *c)
{
    free(c->w0);
    free(c->b0);
    free(c->w3);
    free(c->b3);
}

static void test_cnn_roundtrip(void **state)
{
    (void)state;
    cnn c;
    char path[512];
    shapc_model *a = NULL, *b = NULL;
    shapc_error err = {0};
    float *x = rand_floats(5 * 36), ya[15], yb[15];
    cnn_init(&c);
    tu_tmp_path(path, sizeof path, "cnn.bin");
    assert_int_equal(shapc_model_from_spec(&c.spec, &a, &err), SHAPC_OK);
    if (shapc_model_save(path, &c.spec, &err) != SHAPC_OK)
        fail_msg("save: %s", err.message);
    if (shapc_model_load(path, &b, &err) != SHAPC_OK)
        fail_msg("load: %s", err.message);
    assert_int_equal(shapc_model_input_rank(b), 3);
    assert_int_equal(shapc_model_input_shape(b)[0], 6);
    assert_int_equal(shapc_model_predict(a, x, 5, ya, NULL), SHAPC_OK);
    assert_int_equal(shapc_model_predict(b, x, 5, yb, NULL), SHAPC_OK);
    assert_memory_equal(ya, yb, sizeof ya);
    for (size_t r = 0; r < 5; r++) {
        /* by hand: conv relu, 2x2 max, dense, softmax */
        double h[8], z[3], mx = -(double)INFINITY, s = 0;
        for (size_t py = 0; py < 2; py++)
            for (size_t px = 0; px < 2; px++)
                for (size_t o = 0; o < 2; o++) {
                    double best = -(double)INFINITY;
                    for (size_t dy = 0; dy < 2; dy++)
                        for (size_t dx = 0; dx < 2; dx++) {
                            size_t oy = 2 * py + dy, ox = 2 * px + dx;
                            double v = (double)c.b0[o];
                            for (size_t ky = 0; ky < 3; ky++)
                                for (size_t kx = 0; kx < 3; kx++)
                                    v += (double)c.w0[o * 9 + ky * 3 + kx] *
                                         (double)x[r * 36 + (oy + ky) * 6 + ox + kx];
                            best = fmax(best, fmax(v, 0.0));
                        }
                    h[(py * 2 + px) * 2 + o] = best;
                }
        for (size_t j = 0; j < 3; j++) {
            z[j] = (double)c.b3[j];
            for (size_t i = 0; i < 8; i++)
                z[j] += (double)c.w3[j * 8 + i] * h[i];
            mx = fmax(mx, z[j]);
        }
        for (size_t j = 0; j < 3; j++)
            s += exp(z[j] - mx);
        for (size_t j = 0; j < 3; j++)
            assert_near(ya[r * 3 + j], exp(z[j] - mx) / s, 1e-5);
    }
    shapc_model_free(a);
    shapc_model_free(b);
    free(x);
    cnn_free(&c);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Writes buf[0, len) plus a fresh CRC as a model file, loads it, returns the status. */
static shapc_status load_patched(const unsigned char *buf, size_t len, shapc_error *err)
{
    char path[512];
    unsigned char *b = malloc(len + 4);
    shapc_model *m = NULL;
    assert_non_null(b);
    memcpy(b, buf, len);
    put_u32(b + len, (uint32_t)crc32(0, b, (uInt)len));
    tu_tmp_path(path, sizeof path, "cnn_bad.bin");
    tu_write_file(path, b, len + 4);
    free(b);
    shapc_status st = shapc_model_load(path, &m, err);
    assert_true(st == SHAPC_OK || m == NULL);
    shapc_model_free(m);
    return st;
}

static void expect_bad(const unsigned char *orig, size_t len, size_t off, uint32_t v,
                       shapc_status want, const char *needle)
{
    unsigned char *b = malloc(len);
    shapc_error err = {0};
    assert_non_null(b);
    memcpy(b, orig, len);
    put_u32(b + off, v);
    shapc_status st = load_patched(b, len, &err);
    free(b);
    if (st != want || !strstr(err.message, needle))
        fail_msg("patch at %zu = %u: status %d, message '%s' (wanted %d, '%s')", off,
                 (unsigned)v, (int)st, err.message, (int)want, needle);
}

static void test_cnn_corrupt_payloads(void **state)
{
    (void)state;
    cnn c;
    char path[512];
    size_t len;
    shapc_error err = {0};
    cnn_init(&c);
    tu_tmp_path(path, sizeof path, "cnn_ok.bin");
    assert_int_equal(shapc_model_save(path, &c.spec, &err), SHAPC_OK);
    unsigned char *buf = tu_read_file(path, &len);
    /* Layout: 42 bytes to layer 0; conv header 16 + geometry 32 + 18 weights + 2 biases;
     * maxpool header 16 + geometry 32; flatten header 16; dense 16 + 24 + 3 floats;
     * names 4, background 4 + 1, sections 4, CRC 4. */
    const size_t l0 = 42, g0 = l0 + 16, l1 = g0 + 32 + 80, g1 = l1 + 16;
    assert_int_equal(len, g1 + 32 + 16 + 16 + 108 + 4 + 5 + 4 + 4);
    assert_int_equal(buf[l0], SHAPC_LAYER_CONV2D);
    assert_int_equal(buf[l1], SHAPC_LAYER_MAXPOOL);
    /* the untouched bytes load */
    assert_int_equal(load_patched(buf, len - 4, &err), SHAPC_OK);
    /* kernel larger than the input (valid padding) */
    expect_bad(buf, len - 4, g0 + 16, 9, SHAPC_EFORMAT, "layer 0 (conv2d)");
    expect_bad(buf, len - 4, g0 + 16, 9, SHAPC_EFORMAT, "larger than the input");
    /* stride 0 */
    expect_bad(buf, len - 4, g0 + 24, 0, SHAPC_EFORMAT, "layer 0 (conv2d)");
    expect_bad(buf, len - 4, g1 + 24, 0, SHAPC_EFORMAT, "layer 1 (maxpool)");
    expect_bad(buf, len - 4, g1 + 24, 0, SHAPC_EFORMAT, "stride 0");
    /* channel mismatch: pool out_c != in_c; conv in_c not matching n_in */
    expect_bad(buf, len - 4, g1 + 12, 3, SHAPC_EFORMAT, "channel mismatch");
    expect_bad(buf, len - 4, g0 + 8, 2, SHAPC_EFORMAT, "layer 0 (conv2d)");
    /* output size disagreeing with n_out, unknown padding, zero filters, zero kernel */
    expect_bad(buf, len - 4, g0 + 12, 3, SHAPC_EFORMAT, "n_out");
    expect_bad(buf, len - 4, g1 + 28, 5, SHAPC_EFORMAT, "unknown padding");
    expect_bad(buf, len - 4, g0 + 12, 0, SHAPC_EFORMAT, "filters");
    expect_bad(buf, len - 4, g1 + 20, 0, SHAPC_EFORMAT, "kernel");
    /* a pool with an activation; an unknown kind */
    expect_bad(buf, len - 4, l1 + 12, SHAPC_ACT_RELU, SHAPC_EFORMAT, "identity");
    expect_bad(buf, len - 4, l1, 7, SHAPC_EUNSUPPORTED, "kind 7");
    /* truncated inside the geometry and inside the weights (CRC made valid again) */
    assert_int_equal(load_patched(buf, g1 + 8, &err), SHAPC_ETRUNC);
    assert_non_null(strstr(err.message, "layer 1 geometry"));
    assert_int_equal(load_patched(buf, g0 + 60, &err), SHAPC_ETRUNC);
    assert_non_null(strstr(err.message, "layer 0 weights"));
    /* every truncation is refused without crashing */
    for (size_t cut = 0; cut + 4 < len; cut += 3)
        assert_int_not_equal(load_patched(buf, cut, &err), SHAPC_OK);
    free(buf);
    /* the same rules for in-memory specs */
    shapc_model *m = NULL;
    c.geo[1].stride = 0;
    assert_int_equal(shapc_model_from_spec(&c.spec, &m, &err), SHAPC_EINVAL);
    assert_non_null(strstr(err.message, "layer 1 (maxpool)"));
    c.geo[1].stride = 2;
    c.spec.layer_geometry = NULL;
    assert_int_equal(shapc_model_from_spec(&c.spec, &m, &err), SHAPC_EINVAL);
    assert_non_null(strstr(err.message, "geometry"));
    assert_int_equal(shapc_model_save(path, &c.spec, &err), SHAPC_EINVAL);
    assert_null(m);
    cnn_free(&c);
}

/* ---- KernelSHAP on CNNs ---- */

static void explain_additive(const shapc_model *m, size_t d, const size_t *group_of,
                             size_t n_groups, int use_structure, double *phi_out)
{
    const size_t n_bg = 4, k = shapc_model_n_outputs(m);
    float *bg = rand_floats(n_bg * d), *x = rand_floats(d);
    double phi[64 * 4], fx[4];
    shapc_kernel_options opt = shapc_kernel_options_default();
    shapc_kernel *kr = NULL;
    shapc_kernel_info info;
    shapc_error err = {0};
    opt.use_structure = use_structure;
    rng_state = 0x1234567u; /* the same x and background for both structure settings */
    free(bg);
    free(x);
    bg = rand_floats(n_bg * d);
    x = rand_floats(d);
    if (shapc_kernel_create(m, bg, n_bg, NULL, &opt, &kr, &err) != SHAPC_OK)
        fail_msg("kernel_create: %s", err.message);
    if (group_of)
        assert_int_equal(shapc_kernel_set_groups(kr, group_of, n_groups, NULL), SHAPC_OK);
    if (shapc_kernel_explain(kr, x, phi, NULL, fx, &info, &err) != SHAPC_OK)
        fail_msg("explain: %s", err.message);
    assert_true(info.exact);
    const double *base = shapc_kernel_base_values(kr);
    for (size_t o = 0; o < k; o++) {
        double s = base[o];
        for (size_t g = 0; g < n_groups; g++)
            s += phi[g * k + o];
        assert_near(s, fx[o], 1e-5);
    }
    /* the output really depends on x: some attribution is non-zero */
    double total = 0;
    for (size_t i = 0; i < n_groups * k; i++)
        total += fabs(phi[i]);
    assert_true(total > 1e-4);
    if (phi_out)
        memcpy(phi_out, phi, n_groups * k * sizeof *phi);
    shapc_kernel_free(kr);
    free(bg);
    free(x);
}

static void test_cnn_kernelshap_additive(void **state)
{
    (void)state;
    cnn c;
    shapc_model *m = NULL;
    size_t group_of[36];
    cnn_init(&c);
    assert_int_equal(shapc_model_from_spec(&c.spec, &m, NULL), SHAPC_OK);
    /* 3x3 patches of 2x2 pixels: 9 players, enumerated exactly */
    for (size_t y = 0; y < 6; y++)
        for (size_t x = 0; x < 6; x++)
            group_of[y * 6 + x] = (y / 2) * 3 + x / 2;
    explain_additive(m, 36, group_of, 9, 1, NULL);
    shapc_model_free(m);
    cnn_free(&c);
}

/* A dense first layer followed by conv / global pooling: the masked fast path handles the
 * dense layer and the conv tail must give the plain evaluation's answer. */
static void test_dense_then_conv_fast_path(void **state)
{
    (void)state;
    float *w0 = rand_floats(16 * 8), *b0 = rand_floats(16), *w1 = rand_floats(3 * 9 * 1);
    float *b1 = rand_floats(3), *w3 = rand_floats(2 * 3), *b3 = rand_floats(2);
    shapc_layer_spec layers[4] = {
        {SHAPC_LAYER_DENSE, 8, 16, w0, b0, SHAPC_ACT_TANH},
        {SHAPC_LAYER_CONV2D, 16, 48, w1, b1, SHAPC_ACT_RELU},
        {SHAPC_LAYER_GLOBAL_AVGPOOL, 48, 3, NULL, NULL, SHAPC_ACT_IDENTITY},
        {SHAPC_LAYER_DENSE, 3, 2, w3, b3, SHAPC_ACT_SIGMOID},
    };
    shapc_layer_geometry geo[4] = {{0, 0, 0, 0, 0, 0, 0, SHAPC_PAD_VALID},
                                   {4, 4, 1, 3, 3, 3, 1, SHAPC_PAD_SAME},
                                   {4, 4, 3, 0, 0, 0, 0, SHAPC_PAD_VALID},
                                   {0, 0, 0, 0, 0, 0, 0, SHAPC_PAD_VALID}};
    shapc_model_spec spec = shapc_model_spec_default();
    shapc_model *m = NULL;
    shapc_error err = {0};
    double a[16], b[16];
    spec.input_rank = 1;
    spec.input_shape[0] = 8;
    spec.n_layers = 4;
    spec.layers = layers;
    spec.layer_geometry = geo;
    if (shapc_model_from_spec(&spec, &m, &err) != SHAPC_OK)
        fail_msg("from_spec: %s", err.message);
    explain_additive(m, 8, NULL, 8, 1, a);
    explain_additive(m, 8, NULL, 8, 0, b);
    for (size_t i = 0; i < 16; i++)
        assert_near(a[i], b[i], 1e-5);
    shapc_model_free(m);
    free(w0);
    free(b0);
    free(w1);
    free(b1);
    free(w3);
    free(b3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv2d_reference),
        cmocka_unit_test(test_pool_reference),
        cmocka_unit_test(test_global_pool_and_flatten),
        cmocka_unit_test(test_cnn_roundtrip),
        cmocka_unit_test(test_cnn_corrupt_payloads),
        cmocka_unit_test(test_cnn_kernelshap_additive),
        cmocka_unit_test(test_dense_then_conv_fast_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
