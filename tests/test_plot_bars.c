/* test_plot_bars.c - the stacked bar (shap's multi-output summary) and the plot options'
 * size field. PNGs are read back: the bars' bands, segment lengths and colours are measured
 * in pixels. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "plot/colors.h"
#include "plot/options.h"
#include "plotutil.h"
#include "shapc/plot.h"
#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
/* fontconfig (under pango) keeps its font caches until exit by design. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }
#endif

/* Pixels of one row band, left of the legend column. */
typedef struct band_px {
    long blue, red;
    double blue_cx, red_cx;
} band_px;

static band_px band_measure(const png_img *im, int x1, int y0, int y1)
{
    band_px b = {0, 0, 0, 0};
    int x, y, r, g, bl;
    for (y = y0; y < y1; y++)
        for (x = 0; x < x1; x++) {
            px(im, x, y, &r, &g, &bl);
            if (is_blue(r, g, bl)) {
                b.blue++;
                b.blue_cx += x;
            } else if (is_red(r, g, bl)) {
                b.red++;
                b.red_cx += x;
            }
        }
    if (b.blue)
        b.blue_cx /= (double)b.blue;
    if (b.red)
        b.red_cx /= (double)b.red;
    return b;
}

static int is_bar(int r, int g, int b) { return is_blue(r, g, b) || is_red(r, g, b); }

/* The legend is the column right of the bars: scanning from the right, the first columns
 * holding bar colours are its swatches; the empty columns left of them end the bars. */
static int legend_left(const png_img *im)
{
    int x = im->w - 1;
    while (x > 0 && count_in(im, is_bar, x, x + 1, 0, im->h) == 0)
        x--;
    while (x > 0 && count_in(im, is_bar, x, x + 1, 0, im->h) > 0)
        x--;
    return x;
}
#define DATA_X1(im) legend_left(&(im))

/* Two features, two classes. Class 1 has the larger mean |phi| (3.2 against 1.5), so it is
 * the first segment (blue, from the axis) and class 0 follows (red); feature 0 (total 4) is
 * the top bar. Then the same with the classes' weights swapped: the order follows them. */
static void test_stacked_orders_features_and_classes(void **state)
{
    double imp[4] = {1.0, 3.0, /* feature 0: class 0, class 1 */
                     0.5, 0.2};
    const char *names[] = {"big", "small"}, *cls[] = {"zero", "one"};
    shapc_plot_options o = shapc_plot_options_default();
    shapc_error e = {0};
    char path[512];
    int y0[8], y1[8];
    band_px top, bottom;
    png_img im;
    (void)state;
    tu_tmp_path(path, sizeof path, "stacked_order.png");
    assert_int_equal(shapc_plot_bar_stacked(path, &o, imp, 2, 2, names, cls, &e), SHAPC_OK);
    im = png_load(path);
    assert_int_equal(bands(&im, is_bar, 0, DATA_X1(im), y0, y1, 8), 2);
    top = band_measure(&im, DATA_X1(im), y0[0], y1[0]);
    bottom = band_measure(&im, DATA_X1(im), y0[1], y1[1]);
    /* Top bar: blue (class 1, 3.0) left of red (class 0, 1.0), three times as long. */
    assert_true(top.blue_cx < top.red_cx);
    assert_near((double)top.blue / (double)top.red, 3.0, 0.2);
    /* Bottom bar: class 1 0.2 then class 0 0.5; its whole length 0.7 / 4 of the top's. */
    assert_true(bottom.blue_cx < bottom.red_cx);
    assert_near((double)bottom.blue / (double)bottom.red, 0.4, 0.08);
    assert_near((double)(bottom.blue + bottom.red) / (double)(top.blue + top.red), 0.7 / 4,
                0.02);
    cairo_surface_destroy(im.s);

    /* Class 0 now dominates: it becomes the blue, first segment. */
    imp[0] = 3.0;
    imp[1] = 1.0;
    imp[2] = 0.2;
    imp[3] = 0.5;
    assert_int_equal(shapc_plot_bar_stacked(path, &o, imp, 2, 2, names, cls, &e), SHAPC_OK);
    im = png_load(path);
    assert_int_equal(bands(&im, is_bar, 0, DATA_X1(im), y0, y1, 8), 2);
    top = band_measure(&im, DATA_X1(im), y0[0], y1[0]);
    assert_true(top.blue_cx < top.red_cx);
    assert_near((double)top.blue / (double)top.red, 3.0, 0.2);
    cairo_surface_destroy(im.s);
}

/* The legend column holds one swatch per class, in the bars' colour order from the top:
 * blue (the class with the largest mean |phi|) above red. */
static void test_stacked_legend_in_class_order(void **state)
{
    double imp[4] = {1.0, 3.0, 0.5, 0.2};
    shapc_plot_options o = shapc_plot_options_default();
    shapc_error e = {0};
    char path[512];
    double bx, by, rx, ry;
    png_img im;
    (void)state;
    tu_tmp_path(path, sizeof path, "stacked_legend.png");
    assert_int_equal(shapc_plot_bar_stacked(path, &o, imp, 2, 2, NULL, NULL, &e), SHAPC_OK);
    im = png_load(path);
    assert_true(find(&im, is_blue, DATA_X1(im), im.w, &bx, &by) > 40);
    assert_true(find(&im, is_red, DATA_X1(im), im.w, &rx, &ry) > 40);
    assert_true(by < ry);
    assert_near(bx, rx, 2);
    cairo_surface_destroy(im.s);
}

/* 12 features, max_display 4: three bars and "Sum of 9 other features", whose length is the
 * tail's total. Feature j has (j + 1) ^ -1 in each of two classes. */
static void test_stacked_folds_the_tail(void **state)
{
    double imp[24], tail = 0;
    shapc_plot_options o = shapc_plot_options_default();
    shapc_error e = {0};
    char path[512];
    int y0[8], y1[8];
    size_t j, nb;
    band_px top, last;
    png_img im;
    (void)state;
    for (j = 0; j < 12; j++) {
        imp[2 * j] = 1.0 / (double)(j + 1);
        imp[2 * j + 1] = 0.5 / (double)(j + 1);
        if (j >= 3)
            tail += 1.5 / (double)(j + 1);
    }
    o.max_display = 4;
    tu_tmp_path(path, sizeof path, "stacked_tail.png");
    assert_int_equal(shapc_plot_bar_stacked(path, &o, imp, 12, 2, NULL, NULL, &e), SHAPC_OK);
    im = png_load(path);
    nb = bands(&im, is_bar, 0, DATA_X1(im), y0, y1, 8);
    assert_int_equal(nb, 4);
    top = band_measure(&im, DATA_X1(im), y0[0], y1[0]);
    last = band_measure(&im, DATA_X1(im), y0[3], y1[3]);
    assert_near((double)(last.blue + last.red) / (double)(top.blue + top.red), tail / 1.5,
                0.03);
    /* Each class keeps its segment in the folded row too. */
    assert_near((double)last.blue / (double)last.red, 2.0, 0.15);
    cairo_surface_destroy(im.s);
}

/* Ten classes on three features: every class colour of shap's cycle appears, so ten
 * distinct segment colours; PNG, SVG and PDF all write. */
static void test_stacked_ten_classes_every_format(void **state)
{
    double imp[30];
    const char *cls[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
    const char *ext[] = {"png", "svg", "pdf"};
    shapc_plot_options o = shapc_plot_options_default();
    shapc_error e = {0};
    char path[512], name[64];
    size_t j, c, found = 0;
    int x1;
    png_img im;
    (void)state;
    for (j = 0; j < 30; j++)
        imp[j] = 0.01 * (double)((j * 7) % 11 + 1);
    for (j = 0; j < 3; j++) {
        snprintf(name, sizeof name, "stacked10.%s", ext[j]);
        tu_tmp_path(path, sizeof path, name);
        assert_int_equal(shapc_plot_bar_stacked(path, &o, imp, 3, 10, NULL, cls, &e),
                         SHAPC_OK);
        assert_true(file_size(path) > 1000);
    }
    tu_tmp_path(path, sizeof path, "stacked10.png");
    im = png_load(path);
    x1 = DATA_X1(im);
    for (c = 0; c < 10; c++) {
        shapc__rgb want = shapc__red_blue_circle((double)c / 10.0);
        int x, y, r, g, b, hit = 0;
        for (y = 0; y < im.h && !hit; y++)
            for (x = 0; x < x1 && !hit; x++) {
                px(&im, x, y, &r, &g, &b);
                hit = abs(r - (int)lround(want.r * 255)) <= 2 &&
                      abs(g - (int)lround(want.g * 255)) <= 2 &&
                      abs(b - (int)lround(want.b * 255)) <= 2;
            }
        found += (size_t)hit;
    }
    assert_int_equal(found, 10);
    cairo_surface_destroy(im.s);
}

/* shap's class cycle: blue at 0, red at 1/2, back to blue at 1. */
static void test_class_colour_cycle(void **state)
{
    shapc__rgb b = shapc__red_blue_circle(0), r = shapc__red_blue_circle(0.5);
    shapc__rgb w = shapc__red_blue_circle(1.0), q = shapc__red_blue_circle(0.75);
    (void)state;
    assert_near(b.r * 255, 0, 1);
    assert_near(b.g * 255, 139, 1);
    assert_near(b.b * 255, 251, 1);
    assert_near(r.r * 255, 255, 1);
    assert_near(r.b * 255, 81, 1);
    assert_near(w.b, b.b, 1e-9);
    /* The second half passes through warm and green hues: green dominates at 3/4. */
    assert_true(q.g > q.r && q.g > q.b);
}

static void test_stacked_bad_arguments(void **state)
{
    double imp[4] = {1, 2, 3, 4};
    shapc_error e = {0};
    char path[512];
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 100, 100);
    cairo_t *cr = cairo_create(s);
    (void)state;
    tu_tmp_path(path, sizeof path, "stacked_bad.png");
    remove(path);
    assert_int_equal(shapc_plot_bar_stacked(path, NULL, NULL, 2, 2, NULL, NULL, &e),
                     SHAPC_EINVAL);
    assert_int_equal(shapc_plot_bar_stacked(path, NULL, imp, 0, 2, NULL, NULL, &e),
                     SHAPC_EINVAL);
    assert_int_equal(shapc_plot_bar_stacked(path, NULL, imp, 2, 0, NULL, NULL, &e),
                     SHAPC_EINVAL);
    assert_int_equal(shapc_plot_bar_stacked(path, NULL, imp, SIZE_MAX / 2, 4, NULL, NULL, &e),
                     SHAPC_ERANGE);
    imp[3] = -0.1;
    assert_int_equal(shapc_plot_bar_stacked(path, NULL, imp, 2, 2, NULL, NULL, &e),
                     SHAPC_EINVAL);
    assert_non_null(strstr(e.message, "feature 1, class 1 is negative"));
    imp[3] = NAN;
    assert_int_equal(shapc_plot_bar_stacked(path, NULL, imp, 2, 2, NULL, NULL, &e),
                     SHAPC_ENONFINITE);
    assert_int_equal(shapc_plot_bar_stacked_draw(cr, 0, 0, 100, 100, NULL, imp, 2, 2, NULL,
                                                 NULL, &e),
                     SHAPC_ENONFINITE);
    assert_int_equal(file_size(path), -1);
    imp[3] = 4;
    assert_int_equal(shapc_plot_bar_stacked_draw(NULL, 0, 0, 100, 100, NULL, imp, 2, 2, NULL,
                                                 NULL, &e),
                     SHAPC_EINVAL);
    assert_int_equal(shapc_plot_bar_stacked_draw(cr, 0, 0, 100, 100, NULL, imp, 2, 2, NULL,
                                                 NULL, &e),
                     SHAPC_OK);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
}

/* ---- the options' size field ---- */

static void test_options_default_sets_size(void **state)
{
    shapc_plot_options o = shapc_plot_options_default();
    (void)state;
    assert_int_equal(o.size, sizeof o);
    assert_true(SHAPC__PLOT_OPTIONS_MIN_SIZE <= sizeof o);
    assert_true(SHAPC__PLOT_OPTIONS_MIN_SIZE > offsetof(shapc_plot_options, xlabel));
}

/* A zeroed struct (size 0), a size short of xlabel, or one larger than the library's are
 * refused by every kind, with the message saying how to initialise; nothing is written. */
static void test_options_bad_size_is_einval(void **state)
{
    double imp[2] = {1, 2}, phi[2] = {0.1, -0.2};
    const char *tok[] = {"a", " b"};
    float img[4] = {0, 1, 2, 3};
    shapc_plot_image_data d;
    const size_t bad[] = {0, SHAPC__PLOT_OPTIONS_MIN_SIZE - 1, sizeof(shapc_plot_options) + 8};
    char path[512];
    size_t i;
    (void)state;
    memset(&d, 0, sizeof d);
    d.images = img;
    d.n = d.p = d.c = 1;
    d.hgt = d.wid = 2;
    d.phi = phi;
    tu_tmp_path(path, sizeof path, "badsize.png");
    remove(path);
    for (i = 0; i < 3; i++) {
        shapc_plot_options o = shapc_plot_options_default();
        shapc_error e = {0};
        o.size = bad[i];
        assert_int_equal(shapc_plot_bar(path, &o, imp, 2, NULL, &e), SHAPC_EINVAL);
        assert_non_null(strstr(e.message, "shapc_plot_options_default()"));
        assert_int_equal(shapc_plot_bar_stacked(path, &o, imp, 2, 1, NULL, NULL, &e),
                         SHAPC_EINVAL);
        assert_int_equal(shapc_plot_beeswarm(path, &o, phi, NULL, 1, 2, NULL, &e),
                         SHAPC_EINVAL);
        assert_int_equal(shapc_plot_waterfall(path, &o, phi, NULL, 2, NULL, 0, -0.1, &e),
                         SHAPC_EINVAL);
        assert_int_equal(shapc_plot_image(path, &o, &d, &e), SHAPC_EINVAL);
        assert_int_equal(shapc_plot_text(path, &o, tok, phi, 2, 0, -0.1, &e), SHAPC_EINVAL);
        assert_int_equal(file_size(path), -1);
    }
    {
        /* The smallest size still works and NULL options mean the defaults. */
        shapc_plot_options o = shapc_plot_options_default();
        shapc_error e = {0};
        o.size = SHAPC__PLOT_OPTIONS_MIN_SIZE;
        assert_int_equal(shapc_plot_bar(path, &o, imp, 2, NULL, &e), SHAPC_OK);
        assert_int_equal(shapc_plot_bar(path, NULL, imp, 2, NULL, &e), SHAPC_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stacked_orders_features_and_classes),
        cmocka_unit_test(test_stacked_legend_in_class_order),
        cmocka_unit_test(test_stacked_folds_the_tail),
        cmocka_unit_test(test_stacked_ten_classes_every_format),
        cmocka_unit_test(test_class_colour_cycle),
        cmocka_unit_test(test_stacked_bad_arguments),
        cmocka_unit_test(test_options_default_sets_size),
        cmocka_unit_test(test_options_bad_size_is_einval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
