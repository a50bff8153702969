/* bar_stacked.c - shap's multi-output summary (shap.summary_plot(list_of_arrays, X), the
 * default for several outputs): one horizontal bar per feature, its length the feature's
 * mean |phi| summed over the outputs, cut into one segment per output.
 *
 * As shap draws it (shap/plots/_beeswarm.py, summary_legacy with multi_class): features are
 * ordered by their total, the largest on top; classes are ordered by their mean |phi| over
 * all features, the largest first, and that order is both the order of the segments from
 * left to right and the order of the legend; the i-th class in that order takes colour
 * red_blue_circle(i / k). Where shap simply drops the features beyond max_display, we fold
 * them into "Sum of N other features" like every other row plot here, segment by segment,
 * so the bars still add up to the whole model. The legend sits in its own column at the
 * right (matplotlib's "best" placement can cover bars; a column never does) and breaks into
 * several columns when the classes do not fit the plot's height. */
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

#define SWATCH 9.0      /* legend colour square, points */
#define LEGEND_GAP 14.0 /* between the data area and the legend */

typedef struct stk_ctx {
    const double *imp; /* (m, k) */
    size_t m, k;
    const char *const *names;
    const char *const *class_names;
} stk_ctx;

/* What the plot shows, derived from the data once. */
typedef struct stk_plan {
    shapc__rows rows;   /* features by total, the tail folded */
    size_t *corder;     /* (k) classes by mean |phi|, descending */
    char **clabels;     /* (k) legend labels in corder order (owned) */
    double *seg;        /* (rows, k) segment lengths, columns in corder order */
    double hi;          /* the longest bar */
} stk_plan;

static void plan_release(stk_plan *p, size_t k)
{
    size_t c;
    if (p->clabels)
        for (c = 0; c < k; c++)
            shapc__free(p->clabels[c]);
    shapc__free(p->clabels);
    shapc__rows_free(&p->rows);
    shapc__free(p->corder);
    shapc__free(p->seg);
    memset(p, 0, sizeof *p);
}

static shapc_status plan_make(const stk_ctx *c, size_t max_display, stk_plan *p,
                              shapc_error *err)
{
    double *total = shapc__calloc(c->m, sizeof *total);
    double *ctotal = shapc__calloc(c->k, sizeof *ctotal);
    size_t i, j, cc, r;
    shapc_status st;
    memset(p, 0, sizeof *p);
    if (!total || !ctotal)
        goto oom;
    for (j = 0; j < c->m; j++)
        for (cc = 0; cc < c->k; cc++) {
            total[j] += c->imp[j * c->k + cc];
            ctotal[cc] += c->imp[j * c->k + cc];
        }
    st = shapc__rows_make(total, c->m, c->names, max_display, &p->rows, err);
    if (st != SHAPC_OK) {
        shapc__free(total);
        shapc__free(ctotal);
        return st;
    }
    p->corder = shapc__order_desc(ctotal, c->k);
    p->clabels = shapc__calloc(c->k, sizeof *p->clabels);
    p->seg = shapc__calloc(p->rows.rows * c->k, sizeof *p->seg);
    if (!p->corder || !p->clabels || !p->seg)
        goto oom;
    for (i = 0; i < c->k; i++) {
        size_t cls = p->corder[i];
        char buf[32];
        const char *name = c->class_names && c->class_names[cls] ? c->class_names[cls] : NULL;
        if (!name) {
            snprintf(buf, sizeof buf, "Class %zu", cls); /* shap's default class name */
            name = buf;
        }
        p->clabels[i] = shapc__strdup(name);
        if (!p->clabels[i])
            goto oom;
    }
    for (r = 0; r < p->rows.rows; r++) {
        size_t last = shapc__rows_is_sum(&p->rows, c->m, r) ? c->m : r + 1;
        double len = 0;
        for (i = 0; i < c->k; i++) {
            double s = 0;
            for (j = r; j < last; j++)
                s += c->imp[p->rows.order[j] * c->k + p->corder[i]];
            p->seg[r * c->k + i] = s;
            len += s;
        }
        if (len > p->hi)
            p->hi = len;
    }
    shapc__free(total);
    shapc__free(ctotal);
    return SHAPC_OK;
oom:
    shapc__free(total);
    shapc__free(ctotal);
    plan_release(p, c->k);
    return shapc_error_set(err, SHAPC_ENOMEM, "stacked bar: out of memory");
}

/* ---- legend ---- */

typedef struct legend_geom {
    double line_h;   /* one entry */
    double col_w;    /* one column: swatch, gap, the widest (ellipsized) label */
    double text_w;   /* label width limit */
    size_t per_col;  /* entries per column */
    size_t cols;
} legend_geom;

/* Legend geometry for `avail_h` points of height (0: one column). Labels are limited to a
 * quarter of the plot width so a long class name cannot squeeze the bars away. */
static void legend_measure(cairo_t *cr, const shapc_plot_options *o, const stk_plan *p,
                           size_t k, double w, double avail_h, legend_geom *g)
{
    shapc__font f = shapc__font_make(o, 0.9, 0);
    double th, widest = 0, tw;
    size_t i;
    shapc__text_measure(cr, &f, "Ag", NULL, &th);
    g->line_h = th * 1.35;
    g->text_w = w * 0.25;
    for (i = 0; i < k; i++) {
        shapc__text_measure(cr, &f, p->clabels[i], &tw, NULL);
        if (tw > widest)
            widest = tw;
    }
    if (widest > g->text_w)
        widest = g->text_w;
    g->col_w = SWATCH + 5 + widest + 8;
    g->per_col = k;
    if (avail_h > 0 && (double)k * g->line_h > avail_h) {
        g->per_col = (size_t)floor(avail_h / g->line_h);
        if (g->per_col < 1)
            g->per_col = 1;
    }
    g->cols = (k + g->per_col - 1) / g->per_col;
}

static void legend_draw(cairo_t *cr, const shapc_plot_options *o, const stk_plan *p, size_t k,
                        const legend_geom *g, double x0, double y0)
{
    shapc__font f = shapc__font_make(o, 0.9, 0);
    size_t i;
    for (i = 0; i < k; i++) {
        double lx = x0 + (double)(i / g->per_col) * g->col_w;
        double yc = y0 + ((double)(i % g->per_col) + 0.5) * g->line_h;
        PangoLayout *l;
        shapc__set_rgb(cr, shapc__red_blue_circle((double)i / (double)k));
        cairo_rectangle(cr, lx, yc - SWATCH / 2, SWATCH, SWATCH);
        cairo_fill(cr);
        l = shapc__text_layout(cr, &f, p->clabels[i], g->text_w, 1, PANGO_ALIGN_LEFT);
        shapc__set_rgb(cr, shapc__color_text());
        shapc__text_show(cr, l, lx + SWATCH + 5, yc, 0, 0.5);
        g_object_unref(l);
    }
}

/* ---- drawing ---- */

static shapc_status stk_draw(cairo_t *cr, double x, double y, double w, double h,
                             const shapc_plot_options *o, const void *vctx, shapc_error *err)
{
    const stk_ctx *c = vctx;
    shapc__font f = shapc__font_make(o, 1.0, 0);
    stk_plan p;
    shapc__frame fr;
    legend_geom g;
    double hi, x_zero;
    size_t r, i;
    shapc_status st = plan_make(c, o->max_display, &p, err);
    if (st != SHAPC_OK)
        return st;
    hi = p.hi > 0 ? p.hi * 1.05 : 1; /* matplotlib's 5% margin past the longest bar */

    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    /* The legend's columns depend on the rows' height, which depends on the legend's width:
     * lay out with one column, then again if the classes need more. */
    legend_measure(cr, o, &p, c->k, w, 0, &g);
    shapc__frame_layout(cr, o, (const char *const *)p.rows.labels, p.rows.rows, x, y, w, h,
                        g.col_w + LEGEND_GAP, 0, &fr);
    legend_measure(cr, o, &p, c->k, w, fr.axis_y - fr.top, &g);
    if (g.cols > 1)
        shapc__frame_layout(cr, o, (const char *const *)p.rows.labels, p.rows.rows, x, y, w,
                            h, (double)g.cols * g.col_w + LEGEND_GAP, 0, &fr);
    shapc__frame_title(cr, o, x, w, &fr);
    x_zero = shapc__xmap(0, 0, hi, fr.x0, fr.x1);
    for (r = 0; r < p.rows.rows; r++) {
        double yc = fr.top + ((double)r + 0.5) * fr.row_h, left = 0;
        double bh = fr.row_h * 0.7 < 18 ? fr.row_h * 0.7 : 18;
        shapc__frame_label(cr, o, &fr, r, p.rows.labels[r]);
        for (i = 0; i < c->k; i++) {
            double len = p.seg[r * c->k + i];
            double xa = shapc__xmap(left, 0, hi, fr.x0, fr.x1);
            double xb = shapc__xmap(left + len, 0, hi, fr.x0, fr.x1);
            left += len;
            if (!(len > 0))
                continue;
            shapc__set_rgb(cr, shapc__red_blue_circle((double)i / (double)c->k));
            cairo_rectangle(cr, xa, yc - bh / 2, xb - xa, bh);
            cairo_fill(cr);
        }
    }
    shapc__set_rgb(cr, shapc__color_grid());
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, x_zero, fr.top);
    cairo_line_to(cr, x_zero, fr.axis_y);
    cairo_stroke(cr);
    shapc__xaxis(cr, &f, fr.x0, fr.x1, fr.axis_y, 0, hi,
                 o->xlabel ? o->xlabel : "mean(|SHAP value|)");
    legend_draw(cr, o, &p, c->k, &g, fr.x1 + LEGEND_GAP, fr.top);
    cairo_restore(cr);
    plan_release(&p, c->k);
    return SHAPC_OK;
}

static shapc_status stk_check(const double *imp, size_t m, size_t k, shapc_error *err)
{
    size_t mk, j;
    if (!imp || m == 0 || k == 0)
        return shapc_error_set(err, SHAPC_EINVAL,
                               "stacked bar: need importance (m, k) with m >= 1, k >= 1");
    if (!shapc__mul_size(m, k, &mk) || !shapc__mul_size(mk, sizeof(double), &j))
        return shapc_error_set(err, SHAPC_ERANGE, "stacked bar: %zu x %zu values overflow", m,
                               k);
    for (j = 0; j < mk; j++) {
        if (!isfinite(imp[j]))
            return shapc_error_set(err, SHAPC_ENONFINITE,
                                   "stacked bar: feature %zu, class %zu is not finite", j / k,
                                   j % k);
        if (imp[j] < 0)
            return shapc_error_set(err, SHAPC_EINVAL,
                                   "stacked bar: feature %zu, class %zu is negative (%g): "
                                   "segments are mean |SHAP value|", j / k, j % k, imp[j]);
    }
    return SHAPC_OK;
}

shapc_status shapc_plot_bar_stacked_draw(cairo_t *cr, double x, double y, double w, double h,
                                         const shapc_plot_options *options,
                                         const double *importance, size_t m, size_t k,
                                         const char *const *names,
                                         const char *const *class_names, shapc_error *err)
{
    shapc_plot_options o;
    stk_ctx c = {importance, m, k, names, class_names};
    shapc_status st = shapc__plot_options_read(options, &o, "stacked bar", err);
    if (st == SHAPC_OK)
        st = stk_check(importance, m, k, err);
    if (st != SHAPC_OK)
        return st;
    if (!cr || !(w > 0 && h > 0) || o.max_display < 1)
        return shapc_error_set(err, SHAPC_EINVAL, "stacked bar: need a context, a rectangle "
                                                  "and max_display >= 1");
    return stk_draw(cr, x, y, w, h, &o, &c, err);
}

shapc_status shapc_plot_bar_stacked(const char *path, const shapc_plot_options *options,
                                    const double *importance, size_t m, size_t k,
                                    const char *const *names, const char *const *class_names,
                                    shapc_error *err)
{
    shapc_plot_options o;
    stk_ctx c = {importance, m, k, names, class_names};
    double w, h;
    shapc_status st = shapc__plot_options_read(options, &o, "stacked bar", err);
    if (st == SHAPC_OK)
        st = shapc__plot_check(path, &o, err);
    if (st == SHAPC_OK)
        st = stk_check(importance, m, k, err);
    if (st != SHAPC_OK)
        return st;
    w = o.width > 0 ? o.width : 576;
    h = o.height;
    if (!(h > 0)) {
        /* Rows as the bar plot's, and tall enough for the legend in one column. */
        cairo_t *scr = shapc__text_scratch();
        stk_plan p;
        legend_geom g;
        double hl;
        st = plan_make(&c, o.max_display, &p, err);
        if (st != SHAPC_OK) {
            cairo_destroy(scr);
            return st;
        }
        legend_measure(scr, &o, &p, k, w, 0, &g);
        h = shapc__frame_pref_height(scr, &o, (const char *const *)p.rows.labels, p.rows.rows,
                                     w, g.col_w + LEGEND_GAP, 0, 24);
        hl = shapc__frame_pref_height(scr, &o, (const char *const *)p.rows.labels, 1, w,
                                      g.col_w + LEGEND_GAP, 0, (double)k * g.line_h + 4);
        if (hl > h)
            h = hl;
        plan_release(&p, k);
        cairo_destroy(scr);
    }
    return shapc__plot_to_file(path, &o, w, h, stk_draw, &c, err);
}
