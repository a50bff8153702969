/* axes.c - ticks, numbers, the x axis and the labelled-row frame shared by the row plots.
 *
 * Row labels (feature names) are measured with pango and wrapped at up to 40% of the width;
 * rows grow to fit the tallest wrapped label, so long names are never clipped and never
 * overlap. Only when the caller fixes a height too small for that are labels ellipsized. */
#include "plot/axes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/canvas.h"
#include "plot/colors.h"
#include "util/alloc.h"

/* ---- numbers ---- */

size_t shapc__ticks(double lo, double hi, size_t target, double *ticks)
{
    double span = hi - lo, raw, mag, step, t;
    size_t n = 0;
    if (!(span > 0) || target < 2)
        return 0;
    raw = span / (double)(target - 1);
    mag = pow(10, floor(log10(raw)));
    step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag
                                                                                : 10 * mag;
    for (t = ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9 && n < SHAPC__MAX_TICKS;
         t += step)
        ticks[n++] = fabs(t) < step * 1e-9 ? 0.0 : t;
    return n;
}

int shapc__decimals(double scale)
{
    int d;
    scale = fabs(scale);
    if (!(scale > 0) || !isfinite(scale))
        return 2;
    d = 2 - (int)floor(log10(scale));
    return d < 0 ? 0 : d > 6 ? 6 : d;
}

void shapc__fmt(char *buf, size_t cap, double v, int dec, int sign)
{
    double unit = pow(10, -dec) / 2;
    if (fabs(v) < unit)
        v = 0; /* never "-0.00" */
    if (!isfinite(v))
        snprintf(buf, cap, "%s", v != v ? "nan" : v > 0 ? "inf" : "-inf");
    else if (sign > 0 && v > 0)
        snprintf(buf, cap, "+%.*f", dec, v);
    else
        snprintf(buf, cap, "%.*f", dec, v);
    /* A true minus sign reads better than a hyphen. */
    if (buf[0] == '-' && strlen(buf) + 3 < cap) {
        memmove(buf + 3, buf + 1, strlen(buf));
        memcpy(buf, "\xe2\x88\x92", 3);
    }
}

/* The typographic minus and superscripts read better than "e-05"; returns the bytes written. */
static size_t put_power(char *buf, size_t cap, int e)
{
    static const char *const sup[10] = {"\xe2\x81\xb0", "\xc2\xb9", "\xc2\xb2", "\xc2\xb3",
                                        "\xe2\x81\xb4", "\xe2\x81\xb5", "\xe2\x81\xb6",
                                        "\xe2\x81\xb7", "\xe2\x81\xb8", "\xe2\x81\xb9"};
    char digits[16];
    size_t used = 0, i;
    int n = snprintf(digits, sizeof digits, "%d", e < 0 ? -e : e);
    used += (size_t)snprintf(buf, cap, "\xc3\x97" "10%s", e < 0 ? "\xe2\x81\xbb" : "");
    for (i = 0; n > 0 && i < (size_t)n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s", sup[digits[i] - '0']);
    return used < cap ? used : cap - 1;
}

void shapc__fmt_sig(char *buf, size_t cap, double v, int sig, int sign)
{
    double a = fabs(v);
    int dec;
    if (isfinite(v) && a > 0 && (a < 1e-4 || a >= 1e6)) {
        /* Fixed decimals would print 1e-7 as "0.00000000": mantissa x 10^e instead. */
        int e = (int)floor(log10(a));
        double mant = v / pow(10, e);
        char mb[32];
        if (fabs(mant) >= 10 - 0.5 * pow(10, 1 - sig)) { /* 9.996 rounds to 10.0 */
            e++;
            mant /= 10;
        }
        shapc__fmt(mb, sizeof mb, mant, sig - 1, sign);
        snprintf(buf, cap, "%s", mb);
        if (strlen(buf) + 1 < cap)
            put_power(buf + strlen(buf), cap - strlen(buf), e);
        return;
    }
    dec = v == 0 ? 2 : sig - 1 - (int)floor(log10(a));
    shapc__fmt(buf, cap, v, dec < 0 ? 0 : dec > 8 ? 8 : dec, sign);
}

void shapc__fmt_scaled(char *buf, size_t cap, double v, double scale, int sign)
{
    double a = fabs(v);
    scale = fabs(scale);
    if (!(scale > 0 && isfinite(scale) && (scale < 1e-3 || scale >= 1e5))) {
        shapc__fmt(buf, cap, v, shapc__decimals(scale), sign);
    } else if (a >= 1e-3 && a < 1e6 && scale < 1e-3) {
        /* 0.5 against a span of 1.5e-5: enough decimals to show the span (0.500015), which
         * three significant digits would hide (0.500 and 0.500). */
        int dec = 2 - (int)floor(log10(scale));
        shapc__fmt(buf, cap, v, dec > 12 ? 12 : dec, sign);
    } else {
        shapc__fmt_sig(buf, cap, v, 3, sign);
    }
}

const char *shapc__axis_label(char *buf, size_t cap, const char *label, int e)
{
    char pw[48];
    if (e == 0) {
        snprintf(buf, cap, "%s", label ? label : "");
        return buf;
    }
    put_power(pw, sizeof pw, e);
    if (label && label[0])
        snprintf(buf, cap, "%s (%s)", label, pw);
    else
        snprintf(buf, cap, "%s", pw);
    return buf;
}

double shapc__percentile_sorted(const double *sorted, size_t n, double q)
{
    double pos, frac;
    size_t i;
    if (n == 0)
        return 0;
    pos = q / 100.0 * (double)(n - 1);
    i = (size_t)floor(pos);
    if (i >= n - 1)
        return sorted[n - 1];
    frac = pos - (double)i;
    return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
}

typedef struct keyed {
    double key;
    size_t idx;
} keyed;

static int keyed_desc(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

size_t *shapc__order_desc(const double *key, size_t m)
{
    keyed *k = shapc__calloc(m, sizeof *k);
    size_t *out = shapc__calloc(m, sizeof *out);
    size_t i;
    if (!k || !out) {
        shapc__free(k);
        shapc__free(out);
        return NULL;
    }
    for (i = 0; i < m; i++) {
        k[i].key = key[i] == key[i] ? key[i] : -HUGE_VAL;
        k[i].idx = i;
    }
    qsort(k, m, sizeof *k, keyed_desc);
    for (i = 0; i < m; i++)
        out[i] = k[i].idx;
    shapc__free(k);
    return out;
}

/* ---- x axis ---- */

double shapc__xmap(double v, double lo, double hi, double x0, double x1)
{
    return x0 + (v - lo) / (hi - lo) * (x1 - x0);
}

double shapc__xaxis_height(cairo_t *cr, const shapc__font *f, int with_label)
{
    double th;
    shapc__text_measure(cr, f, "0123456789", NULL, &th);
    return 4 + 2 + th + (with_label ? 4 + th * 1.1 : 0);
}

static size_t axis_ticks(double lo, double hi, double x0, double x1, double *ticks)
{
    /* Aim for a tick every ~60 points, and at least 3 ticks: a short symmetric axis such as
     * [-0.9, 0.9] would otherwise round to a step of 1 and show nothing but 0. */
    size_t target = (size_t)((x1 - x0) / 60.0), n;
    target = target < 3 ? 3 : target > 10 ? 10 : target;
    n = shapc__ticks(lo, hi, target, ticks);
    while (n < 3 && target < 10)
        n = shapc__ticks(lo, hi, ++target, ticks);
    return n;
}

/* matplotlib's ScalarFormatter factors out a power of ten beyond its power limits; ours are
 * ranges whose largest magnitude is below 1e-3 or from 1e5 up, so labels never read
 * "0.000 0.000" or "100000 200000". It depends on the range only, so a caller can reserve
 * room for the multiplier before the axis is laid out. */
int shapc__xaxis_exponent(double lo, double hi)
{
    double amax = fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi);
    if (!(amax > 0) || !isfinite(amax) || (amax >= 1e-3 && amax < 1e5))
        return 0;
    return (int)floor(log10(amax));
}

size_t shapc__xaxis_ticks(double lo, double hi, double x0, double x1, double *ticks,
                          char (*labels)[SHAPC__TICK_LABEL_MAX], int *e)
{
    size_t n = axis_ticks(lo, hi, x0, x1, ticks), i;
    double unit;
    int dec = 2;
    *e = shapc__xaxis_exponent(lo, hi);
    unit = pow(10, -*e);
    /* Enough decimals to tell neighbouring ticks apart (1 for a step of 0.5 or 0.2, 6 for
     * 2e-6 around 0.5); scaled ticks need few. */
    if (n >= 2) {
        dec = -(int)floor(log10((ticks[1] - ticks[0]) * unit) + 1e-9);
        dec = dec < 0 ? 0 : dec > 12 ? 12 : dec;
    }
    for (i = 0; i < n; i++)
        shapc__fmt(labels[i], SHAPC__TICK_LABEL_MAX, ticks[i] * unit, dec, 0);
    return n;
}

void shapc__xaxis(cairo_t *cr, const shapc__font *f, double x0, double x1, double y, double lo,
                  double hi, const char *label)
{
    double ticks[SHAPC__MAX_TICKS], th, tw;
    char labels[SHAPC__MAX_TICKS][SHAPC__TICK_LABEL_MAX], lbuf[512];
    size_t n, i;
    int e;

    n = shapc__xaxis_ticks(lo, hi, x0, x1, ticks, labels, &e);
    shapc__set_rgb(cr, shapc__color_text());
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, x0, y);
    cairo_line_to(cr, x1, y);
    cairo_stroke(cr);
    shapc__text_measure(cr, f, "0123456789", NULL, &th);
    for (i = 0; i < n; i++) {
        double px = shapc__xmap(ticks[i], lo, hi, x0, x1);
        cairo_move_to(cr, px, y);
        cairo_line_to(cr, px, y + 4);
        cairo_stroke(cr);
        shapc__text_measure(cr, f, labels[i], &tw, NULL);
        /* Keep end labels inside the axis span. */
        if (px - tw / 2 < x0 - 10)
            px = x0 - 10 + tw / 2;
        if (px + tw / 2 > x1 + 10)
            px = x1 + 10 - tw / 2;
        shapc__text_draw(cr, f, labels[i], px, y + 6, 0.5, 0);
    }
    if (label)
        shapc__text_draw(cr, f, shapc__axis_label(lbuf, sizeof lbuf, label, e), (x0 + x1) / 2,
                         y + 6 + th + 4, 0.5, 0);
}

/* ---- labelled rows ---- */

static double title_height(cairo_t *cr, const shapc_plot_options *o, double w)
{
    shapc__font tf = shapc__font_make(o, 1.2, 1);
    PangoLayout *l;
    double th;
    if (!o->title || !o->title[0])
        return 0;
    l = shapc__text_layout(cr, &tf, o->title, w - 2 * SHAPC__PAD, 0, PANGO_ALIGN_CENTER);
    shapc__text_extent(l, NULL, &th);
    g_object_unref(l);
    return th + 6;
}

static void labels_extent(cairo_t *cr, const shapc_plot_options *o, const char *const *labels,
                          size_t rows, double wrap, double *w, double *h)
{
    shapc__font f = shapc__font_make(o, 1.0, 0);
    size_t i;
    *w = 0;
    *h = 0;
    for (i = 0; i < rows; i++) {
        double lw, lh;
        PangoLayout *l = shapc__text_layout(cr, &f, labels[i], wrap, 0, PANGO_ALIGN_RIGHT);
        shapc__text_extent(l, &lw, &lh);
        /* A wrapped layout reports the wrap width; measure the lines actually used. */
        {
            PangoLayoutIter *it = pango_layout_get_iter(l);
            double widest = 0;
            do {
                PangoRectangle lr;
                pango_layout_iter_get_line_extents(it, NULL, &lr);
                if ((double)lr.width / PANGO_SCALE > widest)
                    widest = (double)lr.width / PANGO_SCALE;
            } while (pango_layout_iter_next_line(it));
            pango_layout_iter_free(it);
            lw = widest;
        }
        g_object_unref(l);
        if (lw > *w)
            *w = lw;
        if (lh > *h)
            *h = lh;
    }
}

static void frame_columns(cairo_t *cr, const shapc_plot_options *o, const char *const *labels,
                          size_t rows, double x, double w, double right_extra, shapc__frame *fr,
                          double *label_h)
{
    double lw, wrap = 0.4 * w;
    labels_extent(cr, o, labels, rows, wrap, &lw, label_h);
    fr->label_w = lw;
    fr->label_right = x + SHAPC__PAD + lw;
    fr->x0 = fr->label_right + 10;
    fr->x1 = x + w - SHAPC__PAD - right_extra;
    if (fr->x1 < fr->x0 + 20)
        fr->x1 = fr->x0 + 20;
}

double shapc__frame_pref_height(cairo_t *cr, const shapc_plot_options *o,
                                const char *const *labels, size_t rows, double w,
                                double right_extra, double top_extra, double min_row_h)
{
    shapc__frame fr;
    shapc__font f = shapc__font_make(o, 1.0, 0);
    double label_h, row_h;
    frame_columns(cr, o, labels, rows, 0, w, right_extra, &fr, &label_h);
    row_h = label_h + 6 > min_row_h ? label_h + 6 : min_row_h;
    return SHAPC__PAD + title_height(cr, o, w) + top_extra + row_h * (double)rows + 4 +
           shapc__xaxis_height(cr, &f, 1) + SHAPC__PAD;
}

void shapc__frame_layout(cairo_t *cr, const shapc_plot_options *o, const char *const *labels,
                         size_t rows, double x, double y, double w, double h, double right_extra,
                         double top_extra, shapc__frame *fr)
{
    shapc__font f = shapc__font_make(o, 1.0, 0);
    double label_h, line_h, bottom;
    memset(fr, 0, sizeof *fr);
    frame_columns(cr, o, labels, rows, x, w, right_extra, fr, &label_h);
    fr->rows = rows;
    fr->title_y = y + SHAPC__PAD;
    fr->top = y + SHAPC__PAD + title_height(cr, o, w) + top_extra;
    bottom = y + h - SHAPC__PAD - shapc__xaxis_height(cr, &f, 1);
    fr->axis_y = bottom;
    fr->row_h = (bottom - 4 - fr->top) / (double)(rows ? rows : 1);
    if (fr->row_h < 1)
        fr->row_h = 1;
    shapc__text_measure(cr, &f, "Ag", NULL, &line_h);
    fr->max_lines = (int)floor(fr->row_h / line_h);
    if (fr->max_lines < 1)
        fr->max_lines = 1;
}

void shapc__frame_label(cairo_t *cr, const shapc_plot_options *o, const shapc__frame *fr,
                        size_t i, const char *label)
{
    shapc__font f = shapc__font_make(o, 1.0, 0);
    PangoLayout *l =
        shapc__text_layout(cr, &f, label, fr->label_w + 0.5, fr->max_lines, PANGO_ALIGN_RIGHT);
    double yc = fr->top + ((double)i + 0.5) * fr->row_h;
    shapc__set_rgb(cr, shapc__color_text());
    shapc__text_show(cr, l, fr->label_right, yc, 1.0, 0.5);
    g_object_unref(l);
}

void shapc__frame_title(cairo_t *cr, const shapc_plot_options *o, double x, double w,
                        const shapc__frame *fr)
{
    shapc__font tf = shapc__font_make(o, 1.2, 1);
    PangoLayout *l;
    if (!o->title || !o->title[0])
        return;
    l = shapc__text_layout(cr, &tf, o->title, w - 2 * SHAPC__PAD, 0, PANGO_ALIGN_CENTER);
    shapc__set_rgb(cr, shapc__color_text());
    shapc__text_show(cr, l, x + w / 2, fr->title_y, 0.5, 0);
    g_object_unref(l);
}

/* ---- files ---- */

shapc_status shapc__plot_check(const char *path, const shapc_plot_options *o, shapc_error *err)
{
    shapc__canvas_kind kind;
    shapc_status st = shapc__canvas_kind_of(path, &kind, err);
    if (st != SHAPC_OK)
        return st;
    if (o->width < 0 || o->height < 0 || !(o->dpi > 0) || o->max_display < 1)
        return shapc_error_set(err, SHAPC_EINVAL,
                               "%s: bad plot options (negative size, dpi <= 0 or max_display 0)",
                               path);
    return SHAPC_OK;
}

shapc_status shapc__plot_to_file(const char *path, const shapc_plot_options *o, double w,
                                 double h, shapc__draw_fn draw, const void *ctx,
                                 shapc_error *err)
{
    shapc__canvas cv;
    shapc_status st = shapc__canvas_open(&cv, path, w, h, o->dpi, err);
    if (st != SHAPC_OK)
        return st;
    st = draw(cv.cr, 0, 0, w, h, o, ctx, err);
    if (st != SHAPC_OK) {
        shapc__canvas_abort(&cv);
        return st;
    }
    return shapc__canvas_save(&cv, err);
}
