/* bar.c - shap's bar plot: one bar per feature (usually mean |phi|), most important on top,
 * the value printed at the end of each bar, the tail folded into "Sum of N other features". */
#include <math.h>
#include <stdio.h>

#include "plot/axes.h"
#include "plot/colors.h"
#include "plot/options.h"
#include "plot/rows.h"
#include "plot/text.h"
#include "shapc/plot.h"
#include "util/alloc.h"

typedef struct bar_ctx {
    const double *imp;
    size_t m;
    const char *const *names;
} bar_ctx;

static double row_value(const bar_ctx *c, const shapc__rows *rs, size_t r)
{
    size_t k;
    double s = 0;
    if (!shapc__rows_is_sum(rs, c->m, r))
        return c->imp[rs->order[r]];
    for (k = r; k < c->m; k++)
        s += c->imp[rs->order[k]];
    return s;
}

/* Widest printed value: reserved at the right so labels never leave the canvas. */
static double value_label_width(cairo_t *cr, const shapc_plot_options *o, const bar_ctx *c,
                                const shapc__rows *rs, int dec)
{
    shapc__font f = shapc__font_make(o, 0.9, 0);
    double wmax = 0, tw;
    char buf[64];
    size_t r;
    for (r = 0; r < rs->rows; r++) {
        shapc__fmt_sig(buf, sizeof buf, row_value(c, rs, r), dec, 1);
        shapc__text_measure(cr, &f, buf, &tw, NULL);
        if (tw > wmax)
            wmax = tw;
    }
    return wmax + 6;
}

/* Printed values carry three significant digits each: a folded "other features" row can
 * be 100 times the top feature, and fixed decimals would print the small ones as 0.01. */
static int bar_decimals(const bar_ctx *c, const shapc__rows *rs)
{
    (void)c;
    (void)rs;
    return 3;
}

static shapc_status bar_draw(cairo_t *cr, double x, double y, double w, double h,
                             const shapc_plot_options *o, const void *vctx, shapc_error *err)
{
    const bar_ctx *c = vctx;
    shapc__font f = shapc__font_make(o, 1.0, 0), vf = shapc__font_make(o, 0.9, 0);
    shapc__rows rs;
    shapc__frame fr;
    double lo = 0, hi = 0, vw;
    size_t r;
    int dec;
    char buf[64];
    shapc_status st = shapc__rows_make(c->imp, c->m, c->names, o->max_display, &rs, err);
    if (st != SHAPC_OK)
        return st;
    for (r = 0; r < rs.rows; r++) {
        double v = row_value(c, &rs, r);
        if (v < lo)
            lo = v;
        if (v > hi)
            hi = v;
    }
    if (hi - lo <= 0)
        hi = lo + 1;
    dec = bar_decimals(c, &rs);

    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    vw = value_label_width(cr, o, c, &rs, dec);
    shapc__frame_layout(cr, o, (const char *const *)rs.labels, rs.rows, x, y, w, h, vw,
                        0, &fr);
    if (lo < 0) {
        /* Negative bars print their value on the left: make room there too. */
        fr.x0 += vw;
    }
    shapc__frame_title(cr, o, x, w, &fr);
    for (r = 0; r < rs.rows; r++) {
        double v = row_value(c, &rs, r), yc = fr.top + ((double)r + 0.5) * fr.row_h;
        double bh = fr.row_h * 0.7 < 18 ? fr.row_h * 0.7 : 18;
        double x0 = shapc__xmap(0, lo, hi, fr.x0, fr.x1), x1 = shapc__xmap(v, lo, hi, fr.x0, fr.x1);
        shapc__rgb col = v >= 0 ? shapc__color_pos() : shapc__color_neg();
        shapc__frame_label(cr, o, &fr, r, rs.labels[r]);
        shapc__set_rgb(cr, col);
        cairo_rectangle(cr, x0 < x1 ? x0 : x1, yc - bh / 2, fabs(x1 - x0), bh);
        cairo_fill(cr);
        shapc__fmt_sig(buf, sizeof buf, v, dec, 1);
        shapc__text_draw(cr, &vf, buf, v >= 0 ? x1 + 3 : x1 - 3, yc, v >= 0 ? 0 : 1, 0.5);
    }
    shapc__set_rgb(cr, shapc__color_grid());
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, shapc__xmap(0, lo, hi, fr.x0, fr.x1), fr.top);
    cairo_line_to(cr, shapc__xmap(0, lo, hi, fr.x0, fr.x1), fr.axis_y);
    cairo_stroke(cr);
    shapc__xaxis(cr, &f, fr.x0, fr.x1, fr.axis_y, lo, hi,
                 o->xlabel ? o->xlabel : "mean(|SHAP value|)");
    cairo_restore(cr);
    shapc__rows_free(&rs);
    return SHAPC_OK;
}

static shapc_status bar_check(const double *imp, size_t m, shapc_error *err)
{
    size_t j;
    if (!imp || m == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "bar: need m >= 1 values");
    for (j = 0; j < m; j++)
        if (!isfinite(imp[j]))
            return shapc_error_set(err, SHAPC_ENONFINITE, "bar: value %zu is not finite", j);
    return SHAPC_OK;
}

shapc_status shapc_plot_bar_draw(cairo_t *cr, double x, double y, double w, double h,
                                 const shapc_plot_options *options, const double *importance,
                                 size_t m, const char *const *names, shapc_error *err)
{
    shapc_plot_options o;
    bar_ctx c = {importance, m, names};
    shapc_status st = shapc__plot_options_read(options, &o, "bar", err);
    if (st == SHAPC_OK)
        st = bar_check(importance, m, err);
    if (st != SHAPC_OK)
        return st;
    if (!cr || !(w > 0 && h > 0) || o.max_display < 1)
        return shapc_error_set(err, SHAPC_EINVAL, "bar: need a context, a rectangle and "
                                                  "max_display >= 1");
    return bar_draw(cr, x, y, w, h, &o, &c, err);
}

shapc_status shapc_plot_bar(const char *path, const shapc_plot_options *options,
                            const double *importance, size_t m, const char *const *names,
                            shapc_error *err)
{
    shapc_plot_options o;
    bar_ctx c = {importance, m, names};
    double w, h;
    shapc_status st = shapc__plot_options_read(options, &o, "bar", err);
    if (st == SHAPC_OK)
        st = shapc__plot_check(path, &o, err);
    if (st == SHAPC_OK)
        st = bar_check(importance, m, err);
    if (st != SHAPC_OK)
        return st;
    w = o.width > 0 ? o.width : 576;
    h = o.height;
    if (!(h > 0)) {
        cairo_t *scr = shapc__text_scratch();
        shapc__rows rs;
        st = shapc__rows_make(importance, m, names, o.max_display, &rs, err);
        if (st != SHAPC_OK) {
            cairo_destroy(scr);
            return st;
        }
        h = shapc__frame_pref_height(scr, &o, (const char *const *)rs.labels, rs.rows, w,
                                     value_label_width(scr, &o, &c, &rs, bar_decimals(&c, &rs)),
                                     0, 24);
        shapc__rows_free(&rs);
        cairo_destroy(scr);
    }
    return shapc__plot_to_file(path, &o, w, h, bar_draw, &c, err);
}
