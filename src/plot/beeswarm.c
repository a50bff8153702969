/* beeswarm.c - shap's beeswarm summary plot (shap.plots.beeswarm / summary_plot).
 *
 * One row per feature, most important (mean |phi|) on top; each instance is a dot at its SHAP
 * value, coloured by the feature's value clipped to its 5th-95th percentile (shap's rule,
 * falling back to 1st-99th and min-max for near-constant features). Dots that would overlap
 * are stacked vertically inside their row: the x axis is cut into bins one dot wide and the
 * k-th dot of a bin (in instance order) goes to layer 0, +1, -1, +2, -2, ... - shap does the
 * same but breaks ties with random numbers; ours depend only on the input, so the same input
 * gives the same picture. Layers are compressed to fit the row when a bin is crowded. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot/axes.h"
#include "plot/colors.h"
#include "plot/options.h"
#include "plot/rows.h"
#include "plot/text.h"
#include "shapc/plot.h"
#include "util/alloc.h"

typedef struct bee_ctx {
    const double *phi;
    const float *values;
    size_t n, m;
    const char *const *names;
} bee_ctx;

/* phi of instance i in displayed row r. */
static double row_phi(const bee_ctx *c, const shapc__rows *rs, size_t r, size_t i)
{
    size_t k;
    double s = 0;
    if (!shapc__rows_is_sum(rs, c->m, r))
        return c->phi[i * c->m + rs->order[r]];
    for (k = r; k < c->m; k++)
        s += c->phi[i * c->m + rs->order[k]];
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* shap's colour range for one feature: 5th-95th percentile, then 1-99, then min-max. */
static void value_range(const float *values, size_t n, size_t m, size_t j, double *scratch,
                        double *vmin, double *vmax)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++) {
        float v = values[i * m + j];
        if (v == v)
            scratch[k++] = v;
    }
    *vmin = *vmax = 0;
    if (k == 0)
        return;
    qsort(scratch, k, sizeof *scratch, cmp_double);
    *vmin = shapc__percentile_sorted(scratch, k, 5);
    *vmax = shapc__percentile_sorted(scratch, k, 95);
    if (*vmin == *vmax) {
        *vmin = shapc__percentile_sorted(scratch, k, 1);
        *vmax = shapc__percentile_sorted(scratch, k, 99);
        if (*vmin == *vmax) {
            *vmin = scratch[0];
            *vmax = scratch[k - 1];
        }
    }
    if (*vmin > *vmax)
        *vmin = *vmax;
}

static double colorbar_width(cairo_t *cr, const shapc_plot_options *o)
{
    shapc__font f = shapc__font_make(o, 1.0, 0), sf = shapc__font_make(o, 0.9, 0);
    double wh, wl, lh;
    shapc__text_measure(cr, &sf, "High", &wh, NULL);
    shapc__text_measure(cr, &sf, "Low", &wl, NULL);
    shapc__text_measure(cr, &f, "Feature value", NULL, &lh);
    return 12 + 8 + 4 + (wh > wl ? wh : wl) + 4 + lh;
}

static void draw_colorbar(cairo_t *cr, const shapc_plot_options *o, double x, double y0,
                          double y1)
{
    shapc__font f = shapc__font_make(o, 1.0, 0), sf = shapc__font_make(o, 0.9, 0);
    cairo_pattern_t *grad;
    double wh, wl, bw = 8;
    int s;
    x += 12;
    grad = cairo_pattern_create_linear(0, y1, 0, y0);
    for (s = 0; s <= 16; s++) {
        shapc__rgb c = shapc__red_blue(s / 16.0);
        cairo_pattern_add_color_stop_rgb(grad, s / 16.0, c.r, c.g, c.b);
    }
    cairo_rectangle(cr, x, y0, bw, y1 - y0);
    cairo_set_source(cr, grad);
    cairo_fill(cr);
    cairo_pattern_destroy(grad);
    shapc__set_rgb(cr, shapc__color_text());
    shapc__text_measure(cr, &sf, "High", &wh, NULL);
    shapc__text_measure(cr, &sf, "Low", &wl, NULL);
    shapc__text_draw(cr, &sf, "High", x + bw + 4, y0, 0, 0);
    shapc__text_draw(cr, &sf, "Low", x + bw + 4, y1, 0, 1);
    {
        double tw = wh > wl ? wh : wl, lh;
        shapc__text_measure(cr, &f, "Feature value", NULL, &lh);
        shapc__text_draw_vertical(cr, &f, "Feature value", x + bw + 4 + tw + 4 + lh / 2,
                                  (y0 + y1) / 2);
    }
}

/* Swarm offsets (in layers) for one row: bins one dot wide along x. */
static void swarm_layers(const double *px, size_t n, double bin_w, double lo_px, long *layer,
                         size_t *bin_count, size_t n_bins)
{
    size_t i;
    memset(bin_count, 0, n_bins * sizeof *bin_count);
    for (i = 0; i < n; i++) {
        double b = floor((px[i] - lo_px) / bin_w);
        size_t bi = b < 0 ? 0 : b >= (double)n_bins ? n_bins - 1 : (size_t)b;
        size_t k = bin_count[bi]++;
        layer[i] = k == 0 ? 0 : (k % 2 ? (long)((k + 1) / 2) : -(long)(k / 2));
    }
}

static shapc_status bee_draw(cairo_t *cr, double x, double y, double w, double h,
                             const shapc_plot_options *o, const void *vctx, shapc_error *err)
{
    const bee_ctx *c = vctx;
    shapc__font f = shapc__font_make(o, 1.0, 0);
    shapc__rows rs;
    shapc__frame fr;
    double *imp = NULL, *px = NULL, *scratch = NULL;
    long *layer = NULL;
    size_t *bins = NULL, n_bins, i, j, r;
    double lo = 0, hi = 0, cbw, radius = 2.4;
    shapc_status st;

    imp = shapc__calloc(c->m, sizeof *imp);
    if (!imp)
        return shapc_error_set(err, SHAPC_ENOMEM, "beeswarm: out of memory");
    for (i = 0; i < c->n; i++)
        for (j = 0; j < c->m; j++)
            imp[j] += fabs(c->phi[i * c->m + j]);
    st = shapc__rows_make(imp, c->m, c->names, o->max_display, &rs, err);
    shapc__free(imp);
    if (st != SHAPC_OK)
        return st;

    for (r = 0; r < rs.rows; r++)
        for (i = 0; i < c->n; i++) {
            double v = row_phi(c, &rs, r, i);
            if (v < lo)
                lo = v;
            if (v > hi)
                hi = v;
        }
    if (hi - lo <= 0) {
        lo -= 1;
        hi += 1;
    } else {
        double padx = (hi - lo) * 0.05;
        lo -= padx;
        hi += padx;
    }

    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    cbw = c->values ? colorbar_width(cr, o) : 0;
    shapc__frame_layout(cr, o, (const char *const *)rs.labels, rs.rows, x, y, w, h, cbw, 0,
                        &fr);
    shapc__frame_title(cr, o, x, w, &fr);

    n_bins = (size_t)ceil((fr.x1 - fr.x0 + 4 * radius) / (radius * 2)) + 1;
    px = shapc__calloc(c->n, sizeof *px);
    layer = shapc__calloc(c->n, sizeof *layer);
    bins = shapc__calloc(n_bins, sizeof *bins);
    scratch = shapc__calloc(c->n, sizeof *scratch);
    if (!px || !layer || !bins || !scratch) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "beeswarm: out of memory");
        goto done;
    }

    /* Row guides and the zero line under the dots. */
    cairo_set_line_width(cr, 0.6);
    for (r = 0; r < rs.rows; r++) {
        double yc = fr.top + ((double)r + 0.5) * fr.row_h;
        static const double dash[] = {1.0, 2.0};
        shapc__set_rgb(cr, shapc__color_grid());
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, fr.x0, yc);
        cairo_line_to(cr, fr.x1, yc);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        shapc__frame_label(cr, o, &fr, r, rs.labels[r]);
    }
    shapc__set_rgb(cr, shapc__color_grid());
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, shapc__xmap(0, lo, hi, fr.x0, fr.x1), fr.top);
    cairo_line_to(cr, shapc__xmap(0, lo, hi, fr.x0, fr.x1), fr.axis_y);
    cairo_stroke(cr);

    for (r = 0; r < rs.rows; r++) {
        double yc = fr.top + ((double)r + 0.5) * fr.row_h, vmin = 0, vmax = 0, step;
        long max_layer = 0;
        int sum_row = shapc__rows_is_sum(&rs, c->m, r);
        size_t feat = sum_row ? 0 : rs.order[r];
        for (i = 0; i < c->n; i++)
            px[i] = shapc__xmap(row_phi(c, &rs, r, i), lo, hi, fr.x0, fr.x1);
        swarm_layers(px, c->n, radius * 2, fr.x0 - 2 * radius, layer, bins, n_bins);
        for (i = 0; i < c->n; i++)
            if (labs(layer[i]) > max_layer)
                max_layer = labs(layer[i]);
        /* Layers are radius*1.6 apart (slight overlap reads as density), squeezed to fit
         * 90% of the row when a bin is crowded. */
        step = radius * 1.6;
        if (max_layer > 0 && step * (double)max_layer > 0.45 * fr.row_h - radius)
            step = (0.45 * fr.row_h - radius) / (double)max_layer;
        if (step < 0)
            step = 0;
        if (c->values && !sum_row)
            value_range(c->values, c->n, c->m, feat, scratch, &vmin, &vmax);
        for (i = 0; i < c->n; i++) {
            shapc__rgb col = shapc__color_missing();
            if (c->values && !sum_row) {
                double v = c->values[i * c->m + feat];
                if (v == v) {
                    double t = vmax > vmin ? (v - vmin) / (vmax - vmin) : 0.5;
                    col = shapc__red_blue(t);
                }
            }
            shapc__set_rgb(cr, col);
            cairo_arc(cr, px[i], yc + step * (double)layer[i], radius, 0,
                      2 * 3.14159265358979323846);
            cairo_fill(cr);
        }
    }

    shapc__xaxis(cr, &f, fr.x0, fr.x1, fr.axis_y, lo, hi,
                 o->xlabel ? o->xlabel : "SHAP value (impact on model output)");
    if (c->values)
        draw_colorbar(cr, o, fr.x1, fr.top + fr.row_h * 0.1,
                      fr.top + fr.row_h * ((double)rs.rows - 0.1));
    st = SHAPC_OK;
done:
    cairo_restore(cr);
    shapc__free(px);
    shapc__free(layer);
    shapc__free(bins);
    shapc__free(scratch);
    shapc__rows_free(&rs);
    return st;
}

static shapc_status bee_check(const shapc_plot_options *o, const double *phi, size_t n, size_t m,
                              shapc_error *err)
{
    size_t nm;
    if (!phi || n == 0 || m == 0 || !shapc__mul_size(n, m, &nm))
        return shapc_error_set(err, SHAPC_EINVAL, "beeswarm: need phi with n >= 1, m >= 1");
    if (o->max_display < 1)
        return shapc_error_set(err, SHAPC_EINVAL, "beeswarm: max_display must be >= 1");
    return SHAPC_OK;
}

shapc_status shapc_plot_beeswarm_draw(cairo_t *cr, double x, double y, double w, double h,
                                      const shapc_plot_options *options, const double *phi,
                                      const float *values, size_t n, size_t m,
                                      const char *const *names, shapc_error *err)
{
    shapc_plot_options o;
    bee_ctx c = {phi, values, n, m, names};
    shapc_status st = shapc__plot_options_read(options, &o, "beeswarm", err);
    if (st == SHAPC_OK)
        st = bee_check(&o, phi, n, m, err);
    if (st != SHAPC_OK)
        return st;
    if (!cr || !(w > 0 && h > 0))
        return shapc_error_set(err, SHAPC_EINVAL, "beeswarm: need a context and a rectangle");
    return bee_draw(cr, x, y, w, h, &o, &c, err);
}

shapc_status shapc_plot_beeswarm(const char *path, const shapc_plot_options *options,
                                 const double *phi, const float *values, size_t n, size_t m,
                                 const char *const *names, shapc_error *err)
{
    shapc_plot_options o;
    bee_ctx c = {phi, values, n, m, names};
    double w, h;
    shapc_status st = shapc__plot_options_read(options, &o, "beeswarm", err);
    if (st == SHAPC_OK)
        st = shapc__plot_check(path, &o, err);
    if (st == SHAPC_OK)
        st = bee_check(&o, phi, n, m, err);
    if (st != SHAPC_OK)
        return st;
    w = o.width > 0 ? o.width : 576; /* shap: 8 inches */
    h = o.height;
    if (!(h > 0)) {
        /* Rows of at least 0.4 inch, as shap's "auto" plot size. */
        cairo_t *scr = shapc__text_scratch();
        shapc__rows rs;
        double *imp = shapc__calloc(m, sizeof *imp);
        size_t i, j;
        if (!imp) {
            cairo_destroy(scr);
            return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
        }
        for (i = 0; i < n; i++)
            for (j = 0; j < m; j++)
                imp[j] += fabs(phi[i * m + j]);
        st = shapc__rows_make(imp, m, names, o.max_display, &rs, err);
        shapc__free(imp);
        if (st != SHAPC_OK) {
            cairo_destroy(scr);
            return st;
        }
        h = shapc__frame_pref_height(scr, &o, (const char *const *)rs.labels, rs.rows, w,
                                     values ? colorbar_width(scr, &o) : 0, 0, 28.8);
        shapc__rows_free(&rs);
        cairo_destroy(scr);
    }
    return shapc__plot_to_file(path, &o, w, h, bee_draw, &c, err);
}
