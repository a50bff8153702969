/* test_plot_figures.c - the issue 17 plot improvements: pixelated SVG images, group
 * outlines, several image rows on one scale, readable ticks for tiny and huge ranges, the
 * text plot's colour legend, and the waterfall's log-odds axis and later-field defaults. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "plot/axes.h"
#include "plot/options.h"
#include "plot/svg.h"
#include "plotutil.h"
#include "shapc/kernel.h"
#include "shapc/plot.h"
#include "testutil.h"
#include "util/alloc.h"

#if defined(__SANITIZE_ADDRESS__)
/* fontconfig (under pango) keeps its font caches until exit by design. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }
#endif

static size_t count_str(const char *hay, size_t len, const char *needle)
{
    size_t n = 0, k = strlen(needle), i;
    for (i = 0; i + k <= len; i++)
        if (memcmp(hay + i, needle, k) == 0)
            n++;
    return n;
}

/* An 8x8 grey image with phi +1 on the left half, -1 on the right; one class. */
typedef struct img8 {
    float img[64];
    double phi[64];
    int32_t groups[64];
    shapc_plot_image_data d;
} img8;

static void img8_make(img8 *m)
{
    int r, c;
    memset(m, 0, sizeof *m);
    for (r = 0; r < 8; r++)
        for (c = 0; c < 8; c++) {
            m->img[r * 8 + c] = (float)(r * 8 + c);
            m->phi[r * 8 + c] = c < 4 ? 1.0 : -1.0;
            m->groups[r * 8 + c] = c < 4 ? 7 : -3;
        }
    m->d.images = m->img;
    m->d.n = 1;
    m->d.hgt = m->d.wid = 8;
    m->d.c = 1;
    m->d.phi = m->phi;
    m->d.p = 1;
}

/* ---- SVG images stay pixelated ---- */

static void test_svg_images_pixelated(void **state)
{
    img8 m;
    shapc_error e = {0};
    char path[512];
    unsigned char *b;
    size_t len, images;
    (void)state;
    img8_make(&m);
    tu_tmp_path(path, sizeof path, "pixelated.svg");
    assert_int_equal(shapc_plot_image(path, NULL, &m.d, &e), SHAPC_OK);
    b = tu_read_file(path, &len);
    assert_non_null(b);
    images = count_str((const char *)b, len, "<image ");
    assert_int_equal(images, 2); /* the input and the class panel */
    assert_int_equal(count_str((const char *)b, len, "<image image-rendering=\"optimizeSpeed\" "
                                                     "style=\"image-rendering:pixelated\""),
                     images);
    /* Painted, not filled through a <pattern> tile (which renderers scale smoothly), and
     * replicated well beyond 8 pixels for renderers that ignore image-rendering. */
    assert_int_equal(count_str((const char *)b, len, "<pattern"), 0);
    assert_int_equal(count_str((const char *)b, len, "width=\"8\""), 0);
    free(b);
    /* PNG output is unaffected by the replication: the same data pixel count per panel. */
    tu_tmp_path(path, sizeof path, "pixelated.pdf");
    assert_int_equal(shapc_plot_image(path, NULL, &m.d, &e), SHAPC_OK);
    b = tu_read_file(path, &len);
    assert_true(count_str((const char *)b, len, "/Interpolate false") >= 2);
    assert_int_equal(count_str((const char *)b, len, "/Interpolate true"), 0);
    free(b);
}

static void test_svg_fixup_rules(void **state)
{
    static const char in[] = "<svg><image id=\"a\" width=\"2\"/><image image-rendering=\"auto\" "
                             "id=\"b\"/><image style=\"opacity:1\" id=\"c\"/><imagex/></svg>";
    static const char want[] =
        "<svg><image image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" "
        "id=\"a\" width=\"2\"/><image image-rendering=\"auto\" id=\"b\"/><image "
        "image-rendering=\"optimizeSpeed\" style=\"opacity:1\" id=\"c\"/><imagex/></svg>";
    char *out = NULL;
    size_t n = 0;
    (void)state;
    assert_int_equal(shapc__svg_pixelate(in, sizeof in - 1, &out, &n), 0);
    assert_int_equal(n, strlen(want));
    assert_string_equal(out, want);
    shapc__free(out);
    assert_int_equal(shapc__svg_pixelate("", 0, &out, &n), 0);
    assert_int_equal(n, 0);
    shapc__free(out);
}

/* ---- outlines between groups ---- */

static int is_dark(int r, int g, int b) { return r < 150 && g < 150 && b < 150; }

/* Two groups split at the middle column: a thin dark vertical line appears in the class
 * panel (the right half of the figure) along the split, and nowhere else. */
static void test_group_outlines(void **state)
{
    img8 m;
    shapc_plot_options o = shapc_plot_options_default();
    shapc_error e = {0};
    char p1[512], p2[512];
    png_img a, b;
    int x, y, minx = 1 << 30, maxx = -1, miny = 1 << 30, maxy = -1;
    long diff = 0;
    (void)state;
    img8_make(&m);
    for (x = 0; x < 64; x++)
        m.phi[x] = 0; /* a pale panel: the line is the only dark thing in it */
    o.width = 300;
    tu_tmp_path(p1, sizeof p1, "outline_no.png");
    tu_tmp_path(p2, sizeof p2, "outline_yes.png");
    assert_int_equal(shapc_plot_image(p1, &o, &m.d, &e), SHAPC_OK);
    m.d.groups = m.groups;
    assert_int_equal(shapc_plot_image(p2, &o, &m.d, &e), SHAPC_OK);
    a = png_load(p1);
    b = png_load(p2);
    assert_int_equal(a.w, b.w);
    assert_int_equal(a.h, b.h);
    for (y = 0; y < a.h; y++)
        for (x = 0; x < a.w; x++) {
            int r1, g1, b1, r2, g2, b2;
            px(&a, x, y, &r1, &g1, &b1);
            px(&b, x, y, &r2, &g2, &b2);
            if (r1 == r2 && g1 == g2 && b1 == b2)
                continue;
            diff++;
            minx = x < minx ? x : minx;
            maxx = x > maxx ? x : maxx;
            miny = y < miny ? y : miny;
            maxy = y > maxy ? y : maxy;
        }
    assert_true(diff > 20);
    assert_true(minx > a.w / 2);     /* class panel only */
    assert_true(maxx - minx <= 3);   /* one thin vertical line */
    assert_true(maxy - miny > 60);   /* the panel's height */
    assert_true(count_in(&b, is_dark, minx, maxx + 1, miny, maxy + 1) > 0);
    cairo_surface_destroy(a.s);
    cairo_surface_destroy(b.s);
}

/* ---- several rows, one scale ---- */

static int is_pink(int r, int g, int b) { return r > 240 && g > 120 && g < 235 && b > 150; }

/* Four rows, two classes: rows 0 and 2 carry phi = 1, rows 1 and 3 phi = 0.2. On shap's one
 * figure-wide scale the strong rows are saturated red and the weak ones pale pink; per-row
 * limits would saturate all four. */
static void test_several_rows_share_one_scale(void **state)
{
    static float img[4 * 10 * 10];
    static double phi[4 * 2 * 100];
    const char *labels[8] = {"a", "b", "a", "b", "a", "b", "a", "b"};
    const char *rows[4] = {"Row 0", "Row 1", "Row 2", "Row 3"};
    shapc_plot_image_data d;
    shapc_plot_options o = shapc_plot_options_default();
    shapc_error e = {0};
    char path[512];
    int y0[16], y1[16];
    size_t i, nb;
    png_img im;
    (void)state;
    for (i = 0; i < 400; i++)
        img[i] = (float)(i % 13);
    for (i = 0; i < 800; i++)
        phi[i] = (i / 200) % 2 == 0 ? 1.0 : 0.2;
    memset(&d, 0, sizeof d);
    d.images = img;
    d.n = 4;
    d.hgt = d.wid = 10;
    d.c = 1;
    d.phi = phi;
    d.p = 2;
    d.labels = labels;
    d.row_labels = rows;
    tu_tmp_path(path, sizeof path, "rows4.png");
    assert_int_equal(shapc_plot_image(path, &o, &d, &e), SHAPC_OK);
    im = png_load(path);
    /* Auto height: four rows of square panels above the colour bar. */
    assert_true(im.h > 3 * im.w / 3);
    /* Saturated red rows (0 and 2) and pink rows (1 and 3), top to bottom, none in the
     * input column (the left third). */
    nb = bands(&im, is_red, im.w / 3, im.w, y0, y1, 16);
    assert_true(nb >= 2); /* rows 0 and 2, plus the colour bar's red end */
    assert_true(count_in(&im, is_red, im.w / 3, im.w, y0[0], y1[0]) > 500);
    assert_true(count_in(&im, is_pink, im.w / 3, im.w, y1[0], y0[1]) > 500);
    assert_int_equal(count_in(&im, is_red, 0, im.w / 3 - 10, 0, y0[nb - 1]), 0);
    cairo_surface_destroy(im.s);
}

/* ---- ticks ---- */

static void assert_distinct_labels(double lo, double hi, int want_e)
{
    double ticks[SHAPC__MAX_TICKS];
    char labels[SHAPC__MAX_TICKS][SHAPC__TICK_LABEL_MAX];
    size_t n, i, j;
    int e;
    n = shapc__xaxis_ticks(lo, hi, 0, 200, ticks, labels, &e);
    if (n < 3)
        fail_msg("[%g, %g]: %zu ticks", lo, hi, n);
    assert_int_equal(e, want_e);
    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (strcmp(labels[i], labels[j]) == 0)
                fail_msg("[%g, %g]: ticks %zu and %zu both read '%s'", lo, hi, i, j,
                         labels[i]);
}

/* Tiny colour-bar ranges used to print "0.000 0.000 0.000"; a short symmetric axis showed
 * only "0.00". Now: at least three distinct labels, a factored power of ten when the
 * magnitude is below 1e-3 or from 1e5 up, and the axis label saying so. */
static void test_ticks_for_tiny_and_huge_ranges(void **state)
{
    char buf[128];
    (void)state;
    assert_distinct_labels(-1.2e-4, 1.2e-4, -4);
    assert_distinct_labels(-3e-9, 3e-9, -9);
    assert_distinct_labels(-0.9, 0.9, 0);
    assert_distinct_labels(0, 4.2, 0);
    assert_distinct_labels(0.4999995, 0.5000025, 0); /* a tiny span at an offset */
    assert_distinct_labels(0, 3.5e7, 7);
    assert_string_equal(shapc__axis_label(buf, sizeof buf, "SHAP value", -4),
                        "SHAP value (\xc3\x97" "10\xe2\x81\xbb\xe2\x81\xb4)");
    assert_string_equal(shapc__axis_label(buf, sizeof buf, NULL, 7),
                        "\xc3\x97" "10\xe2\x81\xb7");
    assert_string_equal(shapc__axis_label(buf, sizeof buf, "x", 0), "x");
    shapc__fmt_sig(buf, sizeof buf, 1.5e-7, 3, 0);
    assert_string_equal(buf, "1.50\xc3\x97" "10\xe2\x81\xbb\xe2\x81\xb7");
    shapc__fmt_sig(buf, sizeof buf, -9.996e-6, 3, 0);
    assert_string_equal(buf, "\xe2\x88\x92" "1.00\xc3\x97" "10\xe2\x81\xbb\xe2\x81\xb5");
    shapc__fmt_scaled(buf, sizeof buf, 0.500015, 1.5e-5, 0);
    assert_string_equal(buf, "0.5000150");
    shapc__fmt_scaled(buf, sizeof buf, 0.25, 0.5, 0);
    assert_string_equal(buf, "0.250");
}

/* ---- the text plot's legend ---- */

static int is_bluish(int r, int g, int b) { return b > 200 && r < 120 && g > 120; }

/* Every phi positive: the tokens are red only, yet the legend shows the blue end. */
static void test_text_legend(void **state)
{
    const char *tok[] = {"Great", " Film", "!"};
    double phi[] = {0.5, 0.2, 0.1};
    shapc_error e = {0};
    char path[512];
    png_img im;
    (void)state;
    tu_tmp_path(path, sizeof path, "text_legend.png");
    assert_int_equal(shapc_plot_text(path, NULL, tok, phi, 3, 0.1, 0.9, &e), SHAPC_OK);
    im = png_load(path);
    assert_true(find(&im, is_bluish, 0, im.w, NULL, NULL) > 20);
    cairo_surface_destroy(im.s);
}

/* ---- the waterfall under logit, and fields past the caller's size ---- */

static void test_waterfall_logit_and_size(void **state)
{
    double phi[3] = {0.8, -0.3, 0.1};
    shapc_plot_options o = shapc_plot_options_default();
    shapc_error e = {0};
    char p_id[512], p_lo[512], p_old[512], p_lab[512];
    size_t l1, l2;
    unsigned char *b1, *b2;
    png_img a, b;
    (void)state;
    tu_tmp_path(p_id, sizeof p_id, "wf_identity.png");
    tu_tmp_path(p_lo, sizeof p_lo, "wf_logit.png");
    tu_tmp_path(p_old, sizeof p_old, "wf_oldsize.png");
    tu_tmp_path(p_lab, sizeof p_lab, "wf_xlabel.png");
    assert_int_equal(shapc_plot_waterfall(p_id, &o, phi, NULL, 3, NULL, -0.5, 0.1, &e),
                     SHAPC_OK);
    o.link = SHAPC_LINK_LOGIT;
    assert_int_equal(shapc_plot_waterfall(p_lo, &o, phi, NULL, 3, NULL, -0.5, 0.1, &e),
                     SHAPC_OK);
    /* A caller compiled before `link` existed: its size ends at xlabel, whatever lies
     * beyond (here LOGIT) is not read, and the plot is the identity one byte for byte. */
    o.size = SHAPC__PLOT_OPTIONS_MIN_SIZE;
    assert_int_equal(shapc_plot_waterfall(p_old, &o, phi, NULL, 3, NULL, -0.5, 0.1, &e),
                     SHAPC_OK);
    b1 = tu_read_file(p_id, &l1);
    b2 = tu_read_file(p_old, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(b1, b2, l1);
    free(b1);
    free(b2);
    /* Under logit the axis gets its "log-odds" line: the auto height grows by one line. */
    a = png_load(p_id);
    b = png_load(p_lo);
    assert_int_equal(a.w, b.w);
    assert_true(b.h > a.h + 10 && b.h < a.h + 30);
    cairo_surface_destroy(b.s);
    /* xlabel is honoured under the identity link too (it used to be ignored). */
    o = shapc_plot_options_default();
    o.xlabel = "margin";
    assert_int_equal(shapc_plot_waterfall(p_lab, &o, phi, NULL, 3, NULL, -0.5, 0.1, &e),
                     SHAPC_OK);
    b = png_load(p_lab);
    assert_true(b.h > a.h + 10);
    cairo_surface_destroy(a.s);
    cairo_surface_destroy(b.s);
    o = shapc_plot_options_default();
    o.link = 7;
    assert_int_equal(shapc_plot_waterfall(p_lab, &o, phi, NULL, 3, NULL, -0.5, 0.1, &e),
                     SHAPC_EINVAL);
    assert_non_null(strstr(e.message, "link 7"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_svg_images_pixelated),
        cmocka_unit_test(test_svg_fixup_rules),
        cmocka_unit_test(test_group_outlines),
        cmocka_unit_test(test_several_rows_share_one_scale),
        cmocka_unit_test(test_ticks_for_tiny_and_huge_ranges),
        cmocka_unit_test(test_text_legend),
        cmocka_unit_test(test_waterfall_logit_and_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
