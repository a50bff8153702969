/* test_plot.c - the renderer: every kind to PNG, SVG and PDF; PNGs read back and checked for
 * size, content, colour placement, determinism and unclipped long labels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "shapc/plot.h"
#include "plotutil.h"
#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
/* fontconfig (under pango) keeps its font caches until exit by design; LeakSanitizer would
 * report them as leaks in every sanitizer run that draws text. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }
#endif

/* ---- helpers ---- */

static void check_vector(const char *path, const char *magic)
{
    size_t len;
    unsigned char *b = tu_read_file(path, &len);
    assert_non_null(b);
    assert_true(len > 200);
    {
        size_t i, k = strlen(magic), found = 0;
        for (i = 0; i + k <= len && i < 400; i++)
            if (memcmp(b + i, magic, k) == 0)
                found = 1;
        assert_true(found);
    }
    free(b);
}

/* A small deterministic dataset: n rows, m features; feature j's phi grows with its value and
 * importance falls with j. */
static void make_data(size_t n, size_t m, double *phi, float *val)
{
    size_t i, j;
    unsigned s = 12345;
    for (i = 0; i < n; i++)
        for (j = 0; j < m; j++) {
            double u;
            s = s * 1103515245u + 12345u;
            u = (double)((s >> 8) & 0xffff) / 65535.0;
            val[i * m + j] = (float)(u * 10);
            phi[i * m + j] = (u - 0.5) * 2.0 / (double)(j + 1);
        }
}

static const char *names8[] = {"age", "income", "education years", "hours per week",
                               "capital gain", "relationship", "occupation", "marital status"};

/* ---- each kind, three formats ---- */

typedef shapc_status (*writer)(const char *path, const shapc_plot_options *o, shapc_error *e);

static double g_phi[200 * 8];
static float g_val[200 * 8];

static shapc_status w_beeswarm(const char *p, const shapc_plot_options *o, shapc_error *e)
{
    return shapc_plot_beeswarm(p, o, g_phi, g_val, 200, 8, names8, e);
}
static shapc_status w_bar(const char *p, const shapc_plot_options *o, shapc_error *e)
{
    double imp[8];
    size_t i, j;
    for (j = 0; j < 8; j++) {
        imp[j] = 0;
        for (i = 0; i < 200; i++)
            imp[j] += fabs(g_phi[i * 8 + j]) / 200;
    }
    return shapc_plot_bar(p, o, imp, 8, names8, e);
}
static shapc_status w_waterfall(const char *p, const shapc_plot_options *o, shapc_error *e)
{
    double s = 0.3;
    size_t j;
    for (j = 0; j < 8; j++)
        s += g_phi[j];
    return shapc_plot_waterfall(p, o, g_phi, g_val, 8, names8, 0.3, s, e);
}
static shapc_status w_image(const char *p, const shapc_plot_options *o, shapc_error *e)
{
    static float img[2 * 12 * 10 * 3];
    static double ph[2 * 2 * 12 * 10];
    const char *labels[] = {"cat", "dog", "cat", "dog"};
    double probs[] = {0.7, 0.3, 0.1, 0.9};
    shapc_plot_image_data d;
    size_t i;
    for (i = 0; i < sizeof img / sizeof img[0]; i++)
        img[i] = (float)(i % 37) * 7.0f;
    for (i = 0; i < sizeof ph / sizeof ph[0]; i++)
        ph[i] = sin((double)i * 0.37);
    memset(&d, 0, sizeof d);
    d.images = img;
    d.n = 2;
    d.hgt = 12;
    d.wid = 10;
    d.c = 3;
    d.phi = ph;
    d.p = 2;
    d.labels = labels;
    d.probs = probs;
    return shapc_plot_image(p, o, &d, e);
}
static shapc_status w_text(const char *p, const shapc_plot_options *o, shapc_error *e)
{
    const char *tok[] = {"The", " movie", " was", " absolutely", " wonderful", ",", " but",
                         " the", " ending", " dragged", ".", " 映画", "は", "素晴らしい"};
    double ph[] = {0.01, 0.05, 0.0, 0.3, 0.9, 0.0, -0.2, 0.0, -0.1, -0.6, 0.0, 0.2, 0.0, 0.4};
    return shapc_plot_text(p, o, tok, ph, 14, -0.2, 0.8, e);
}

static void test_every_kind_every_format(void **state)
{
    struct {
        const char *name;
        writer fn;
    } kinds[] = {{"beeswarm", w_beeswarm}, {"bar", w_bar}, {"waterfall", w_waterfall},
                 {"image", w_image}, {"text", w_text}};
    size_t k;
    (void)state;
    make_data(200, 8, g_phi, g_val);
    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        char path[512], name[64];
        shapc_plot_options o = shapc_plot_options_default();
        shapc_error e = {0};
        png_img im;
        /* PNG at a fixed size: pixels = points * dpi / 72. */
        o.width = 360;
        o.height = 250;
        o.dpi = 144;
        snprintf(name, sizeof name, "plot_%s.png", kinds[k].name);
        tu_tmp_path(path, sizeof path, name);
        assert_int_equal(kinds[k].fn(path, &o, &e), SHAPC_OK);
        im = png_load(path);
        assert_int_equal(im.w, 720);
        assert_int_equal(im.h, 500);
        assert_true(distinct_colours(&im) > 30);
        cairo_surface_destroy(im.s);
        /* Auto size at 100 dpi. */
        o = shapc_plot_options_default();
        snprintf(name, sizeof name, "plot_%s_auto.png", kinds[k].name);
        tu_tmp_path(path, sizeof path, name);
        assert_int_equal(kinds[k].fn(path, &o, &e), SHAPC_OK);
        im = png_load(path);
        assert_true(im.w > 200 && im.h > 60);
        cairo_surface_destroy(im.s);
        snprintf(name, sizeof name, "plot_%s.svg", kinds[k].name);
        tu_tmp_path(path, sizeof path, name);
        assert_int_equal(kinds[k].fn(path, &o, &e), SHAPC_OK);
        check_vector(path, "<svg");
        snprintf(name, sizeof name, "plot_%s.pdf", kinds[k].name);
        tu_tmp_path(path, sizeof path, name);
        assert_int_equal(kinds[k].fn(path, &o, &e), SHAPC_OK);
        check_vector(path, "%PDF");
    }
}

/* ---- colours where the values are ---- */

static void test_waterfall_red_and_blue_rows(void **state)
{
    /* Largest |phi| is +3 (top row, red); the next is -2 (second row, blue). */
    double phi[] = {0.1, 3.0, -0.05, -2.0, 0.02};
    const char *names[] = {"a", "big positive", "c", "big negative", "e"};
    shapc_plot_options o = shapc_plot_options_default();
    shapc_error e = {0};
    char path[512];
    double rx, ry, bx, by;
    png_img im;
    (void)state;
    tu_tmp_path(path, sizeof path, "waterfall_rb.png");
    assert_int_equal(shapc_plot_waterfall(path, &o, phi, NULL, 5, names, 1.0, 2.07, &e),
                     SHAPC_OK);
    im = png_load(path);
    assert_true(find(&im, is_red, 0, im.w, &rx, &ry) > 200);
    assert_true(find(&im, is_blue, 0, im.w, &bx, &by) > 200);
    assert_true(ry < by); /* red row on top */
    assert_true(rx > bx); /* +3 arrow ends to the right of the -2 arrow */
    cairo_surface_destroy(im.s);
}

static void test_image_overlay_follows_phi(void **state)
{
    /* 8x8 grey image; phi +1 in the top-left quadrant, -1 in the bottom-right. */
    float img[64];
    double phi[64];
    const char *labels[] = {"shirt"};
    double probs[] = {0.93};
    shapc_plot_image_data d;
    shapc_plot_options o = shapc_plot_options_default();
    shapc_error e = {0};
    char path[512];
    double rx, ry, bx, by;
    int r, c;
    png_img im;
    (void)state;
    for (r = 0; r < 8; r++)
        for (c = 0; c < 8; c++) {
            img[r * 8 + c] = (float)(r * 8 + c);
            phi[r * 8 + c] = (r < 4 && c < 4) ? 1.0 : (r >= 4 && c >= 4) ? -1.0 : 0.0;
        }
    memset(&d, 0, sizeof d);
    d.images = img;
    d.n = 1;
    d.hgt = d.wid = 8;
    d.c = 1;
    d.phi = phi;
    d.p = 1;
    d.labels = labels;
    d.probs = probs;
    o.width = 300;
    tu_tmp_path(path, sizeof path, "image_overlay.png");
    assert_int_equal(shapc_plot_image(path, &o, &d, &e), SHAPC_OK);
    im = png_load(path);
    /* No overlay colour on the input panel (left half); both in the class panel. */
    assert_int_equal(find(&im, is_red, 0, im.w / 2, NULL, NULL), 0);
    assert_true(find(&im, is_red, im.w / 2, im.w, &rx, &ry) > 500);
    assert_true(find(&im, is_blue, im.w / 2, im.w, &bx, &by) > 500);
    assert_true(rx < bx && ry < by);
    cairo_surface_destroy(im.s);
}

static void test_beeswarm_high_values_red_on_the_right(void **state)
{
    /* One feature whose phi increases with its value: high (red) dots sit right. */
    double phi[300];
    float val[300];
    size_t i;
    shapc_plot_options o = shapc_plot_options_default();
    shapc_error e = {0};
    char path[512];
    double rx, bx;
    png_img im;
    (void)state;
    for (i = 0; i < 300; i++) {
        val[i] = (float)i;
        phi[i] = ((double)i - 150) / 100.0;
    }
    tu_tmp_path(path, sizeof path, "beeswarm_dir.png");
    assert_int_equal(shapc_plot_beeswarm(path, &o, phi, val, 300, 1, NULL, &e), SHAPC_OK);
    im = png_load(path);
    /* Colour bar excluded: dots live left of the last 15% of the width. */
    assert_true(find(&im, is_blue, 0, im.w * 8 / 10, &bx, NULL) > 20);
    assert_true(find(&im, is_red, 0, im.w * 8 / 10, &rx, NULL) > 20);
    assert_true(rx > bx);
    cairo_surface_destroy(im.s);
}

/* ---- determinism ---- */

static void test_same_input_same_bytes(void **state)
{
    static double phi[2000 * 12];
    static float val[2000 * 12];
    shapc_plot_options o = shapc_plot_options_default();
    shapc_error e = {0};
    char p1[512], p2[512];
    size_t l1, l2;
    unsigned char *b1, *b2;
    (void)state;
    make_data(2000, 12, phi, val);
    tu_tmp_path(p1, sizeof p1, "det1.png");
    tu_tmp_path(p2, sizeof p2, "det2.png");
    assert_int_equal(shapc_plot_beeswarm(p1, &o, phi, val, 2000, 12, NULL, &e), SHAPC_OK);
    assert_int_equal(shapc_plot_beeswarm(p2, &o, phi, val, 2000, 12, NULL, &e), SHAPC_OK);
    b1 = tu_read_file(p1, &l1);
    b2 = tu_read_file(p2, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(b1, b2, l1);
    free(b1);
    free(b2);
}

/* ---- long labels ---- */

static void check_label_inside(const char *path)
{
    png_img im = png_load(path);
    int x, y, r, g, b, dark = 0;
    /* The outer columns are background: nothing was pushed off the canvas. */
    for (y = 0; y < im.h; y++)
        for (x = 0; x < 3; x++) {
            px(&im, x, y, &r, &g, &b);
            assert_true(is_white(r, g, b));
            px(&im, im.w - 1 - x, y, &r, &g, &b);
            assert_true(is_white(r, g, b));
        }
    /* ...and the label's pixels exist in the left part of the plot. */
    for (y = 0; y < im.h; y++)
        for (x = 3; x < im.w / 3; x++) {
            px(&im, x, y, &r, &g, &b);
            if (r < 120 && g < 120 && b < 120)
                dark++;
        }
    assert_true(dark > 500);
    cairo_surface_destroy(im.s);
}

static void test_long_feature_name_stays_inside(void **state)
{
    char longname[201];
    const char *names[3];
    double imp[3] = {0.5, 0.2, 0.1}, phi[6] = {0.5, -0.2, 0.1, -0.5, 0.2, -0.1};
    float val[6] = {1, 2, 3, 4, 5, 6};
    shapc_plot_options o = shapc_plot_options_default();
    shapc_error e = {0};
    char path[512];
    size_t i;
    (void)state;
    for (i = 0; i < 200; i++)
        longname[i] = (char)("abcdefghij klmnopqrstuvwxyz"[i % 27]);
    longname[200] = 0;
    names[0] = longname;
    names[1] = "short";
    names[2] = "x";
    o.width = 400;
    tu_tmp_path(path, sizeof path, "long_bar.png");
    assert_int_equal(shapc_plot_bar(path, &o, imp, 3, names, &e), SHAPC_OK);
    check_label_inside(path);
    tu_tmp_path(path, sizeof path, "long_bee.png");
    assert_int_equal(shapc_plot_beeswarm(path, &o, phi, val, 2, 3, names, &e), SHAPC_OK);
    check_label_inside(path);
    /* One unbreakable 200-character word is wrapped by character. */
    memset(longname, 'W', 200);
    tu_tmp_path(path, sizeof path, "long_wf.png");
    assert_int_equal(shapc_plot_waterfall(path, &o, imp, NULL, 3, names, 0, 0.8, &e), SHAPC_OK);
    check_label_inside(path);
}

/* ---- errors and the draw-into-context API ---- */

static void test_bad_extension_is_einval(void **state)
{
    double imp[2] = {1, 2};
    shapc_error e = {0};
    char path[512];
    (void)state;
    tu_tmp_path(path, sizeof path, "plot.jpg");
    remove(path);
    assert_int_equal(shapc_plot_bar(path, NULL, imp, 2, NULL, &e), SHAPC_EINVAL);
    assert_non_null(strstr(e.message, "plot.jpg"));
    assert_int_equal(file_size(path), -1);
    tu_tmp_path(path, sizeof path, "noext");
    assert_int_equal(shapc_plot_bar(path, NULL, imp, 2, NULL, &e), SHAPC_EINVAL);
    assert_int_equal(shapc_plot_bar(NULL, NULL, imp, 2, NULL, &e), SHAPC_EINVAL);
    tu_tmp_path(path, sizeof path, "bad.png");
    assert_int_equal(shapc_plot_bar(path, NULL, NULL, 2, NULL, &e), SHAPC_EINVAL);
    assert_int_equal(shapc_plot_bar(path, NULL, imp, 0, NULL, &e), SHAPC_EINVAL);
    tu_tmp_path(path, sizeof path, "nodir/x.png");
    assert_int_equal(shapc_plot_bar(path, NULL, imp, 2, NULL, &e), SHAPC_EIO);
}

static void test_draw_stays_in_rectangle(void **state)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 600, 400);
    cairo_t *cr = cairo_create(s);
    double phi[5] = {0.4, -0.3, 0.2, 0.1, -0.05};
    shapc_error e = {0};
    png_img im;
    int x, y, r, g, b;
    char path[512];
    (void)state;
    cairo_set_source_rgb(cr, 0, 1, 0);
    cairo_paint(cr);
    assert_int_equal(shapc_plot_waterfall_draw(cr, 100, 50, 400, 300, NULL, phi, NULL, 5, NULL,
                                               0.1, 0.45, &e),
                     SHAPC_OK);
    cairo_destroy(cr);
    tu_tmp_path(path, sizeof path, "inrect.png");
    assert_int_equal(cairo_surface_write_to_png(s, path), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    im = png_load(path);
    for (y = 0; y < 400; y++)
        for (x = 0; x < 600; x++) {
            int inside = x >= 100 && x < 500 && y >= 50 && y < 350;
            px(&im, x, y, &r, &g, &b);
            if (!inside)
                assert_true(r == 0 && g == 255 && b == 0);
        }
    assert_true(find(&im, is_red, 0, 600, NULL, NULL) > 50);
    cairo_surface_destroy(im.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_every_format),
        cmocka_unit_test(test_waterfall_red_and_blue_rows),
        cmocka_unit_test(test_image_overlay_follows_phi),
        cmocka_unit_test(test_beeswarm_high_values_red_on_the_right),
        cmocka_unit_test(test_same_input_same_bytes),
        cmocka_unit_test(test_long_feature_name_stays_inside),
        cmocka_unit_test(test_bad_extension_is_einval),
        cmocka_unit_test(test_draw_stays_in_rectangle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
