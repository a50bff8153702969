/* waterfall.c - shap's waterfall plot for one instance.
 *
 * Rows, top to bottom, are the features with the largest |phi|; the last row folds the rest
 * into "N other features". Arrows are stacked from the bottom: the bottom row starts at the
 * base value E[f(X)], each row starts where the row below ended, and the top row ends at
 * f(x). Red arrows point right (phi > 0), blue arrows left. Each arrow carries its value,
 * inside when it fits and beside the head otherwise; row labels read "value = name". */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot/axes.h"
#include "plot/colors.h"
#include "plot/options.h"
#include "plot/text.h"
#include "shapc/plot.h"
#include "util/alloc.h"

typedef struct wf_ctx {
    const double *phi;
    const float *values;
    size_t m;
    const char *const *names;
    double base, fx;
} wf_ctx;

typedef struct wf_rows {
    size_t rows;
    size_t *order;  /* features by |phi| */
    char **labels;  /* (rows) */
    double *val;    /* (rows) phi of each displayed row */
} wf_rows;

static void wf_rows_free(wf_rows *w)
{
    size_t i;
    if (w->labels)
        for (i = 0; i < w->rows; i++)
            shapc__free(w->labels[i]);
    shapc__free(w->labels);
    shapc__free(w->order);
    shapc__free(w->val);
    memset(w, 0, sizeof *w);
}

static shapc_status wf_rows_make(const wf_ctx *c, size_t max_display, wf_rows *w,
                                 shapc_error *err)
{
    double *absphi = shapc__calloc(c->m, sizeof *absphi);
    size_t i, k;
    memset(w, 0, sizeof *w);
    if (!absphi)
        goto oom;
    for (i = 0; i < c->m; i++)
        absphi[i] = fabs(c->phi[i]);
    w->rows = c->m <= max_display ? c->m : max_display;
    w->order = shapc__order_desc(absphi, c->m);
    shapc__free(absphi);
    w->labels = shapc__calloc(w->rows, sizeof *w->labels);
    w->val = shapc__calloc(w->rows, sizeof *w->val);
    if (!w->order || !w->labels || !w->val)
        goto oom;
    for (i = 0; i < w->rows; i++) {
        char buf[96];
        if (c->m > max_display && i == w->rows - 1) {
            w->val[i] = 0;
            for (k = i; k < c->m; k++)
                w->val[i] += c->phi[w->order[k]];
            snprintf(buf, sizeof buf, "%zu other features", c->m - i);
            w->labels[i] = shapc__strdup(buf);
        } else {
            size_t j = w->order[i];
            const char *name = c->names && c->names[j] ? c->names[j] : NULL;
            size_t len;
            char fb[48], vb[48];
            if (!name) {
                snprintf(fb, sizeof fb, "Feature %zu", j);
                name = fb;
            }
            w->val[i] = c->phi[j];
            vb[0] = 0;
            if (c->values) {
                float v = c->values[j];
                if (v == v)
                    snprintf(vb, sizeof vb, "%.4g = ", (double)v);
                else
                    snprintf(vb, sizeof vb, "missing = ");
            }
            len = strlen(vb) + strlen(name) + 1;
            w->labels[i] = shapc__malloc(len);
            if (w->labels[i])
                snprintf(w->labels[i], len, "%s%s", vb, name);
        }
        if (!w->labels[i])
            goto oom;
    }
    return SHAPC_OK;
oom:
    wf_rows_free(w);
    return shapc_error_set(err, SHAPC_ENOMEM, "waterfall: out of memory");
}

static double top_extra(cairo_t *cr, const shapc_plot_options *o)
{
    shapc__font f = shapc__font_make(o, 1.0, 0);
    double th;
    shapc__text_measure(cr, &f, "f(x)", NULL, &th);
    return th + 8;
}

/* The x range: every arrow end, base and f(x), plus room beside the arrow heads for values
 * that do not fit inside. Returns the span of the values themselves. */
static double extent(const wf_ctx *c, const wf_rows *wr, double *lo, double *hi)
{
    double acc = c->base, span;
    size_t i;
    *lo = *hi = c->base;
    for (i = wr->rows; i-- > 0;) {
        acc += wr->val[i];
        *lo = acc < *lo ? acc : *lo;
        *hi = acc > *hi ? acc : *hi;
    }
    *lo = c->fx < *lo ? c->fx : *lo;
    *hi = c->fx > *hi ? c->fx : *hi;
    span = *hi - *lo > 0 ? *hi - *lo : 1;
    *lo -= span * 0.12;
    *hi += span * 0.12;
    return span;
}

/* The axis label: xlabel, else "log-odds" under the logit link, else none (shap's
 * waterfall has none). */
static const char *axis_label(const shapc_plot_options *o)
{
    if (o->xlabel)
        return o->xlabel;
    return o->link == 1 ? "log-odds" : NULL;
}

/* Height of the extra line an axis label (or a factored-out power of ten) takes. */
static double label_line(cairo_t *cr, const shapc_plot_options *o, const char *label,
                         double lo, double hi)
{
    shapc__font f = shapc__font_make(o, 1.0, 0);
    double th;
    if (!(label && label[0]) && shapc__xaxis_exponent(lo, hi) == 0)
        return 0;
    shapc__text_measure(cr, &f, "Ag", NULL, &th);
    return th + 4;
}

/* " (p = 0.912)" under the logit link: the probability a log-odds value stands for. */
static const char *prob_note(const shapc_plot_options *o, double v, char *buf, size_t cap)
{
    if (o->link != 1) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf, cap, " (p = %.3g)", 1.0 / (1.0 + exp(-v)));
    return buf;
}

static void arrow(cairo_t *cr, double xs, double xe, double yc, double bh)
{
    double len = fabs(xe - xs), dir = xe >= xs ? 1 : -1;
    double head = bh * 0.5 < len ? bh * 0.5 : len;
    cairo_move_to(cr, xs, yc - bh / 2);
    cairo_line_to(cr, xe - dir * head, yc - bh / 2);
    cairo_line_to(cr, xe, yc);
    cairo_line_to(cr, xe - dir * head, yc + bh / 2);
    cairo_line_to(cr, xs, yc + bh / 2);
    cairo_close_path(cr);
    cairo_fill(cr);
}

static shapc_status wf_draw(cairo_t *cr, double x, double y, double w, double h,
                            const shapc_plot_options *o, const void *vctx, shapc_error *err)
{
    const wf_ctx *c = vctx;
    shapc__font f = shapc__font_make(o, 1.0, 0), vf = shapc__font_make(o, 0.9, 0);
    wf_rows wr;
    shapc__frame fr;
    double lo, hi, acc, span, th, extra;
    size_t r, i;
    const char *label = axis_label(o);
    char buf[160], vbuf[64], pbuf[64];
    shapc_status st = wf_rows_make(c, o->max_display, &wr, err);
    if (st != SHAPC_OK)
        return st;

    span = extent(c, &wr, &lo, &hi);

    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    /* E[f(X)] takes the line under the tick labels; an axis label the one below it. */
    extra = label_line(cr, o, label, lo, hi);
    shapc__frame_layout(cr, o, (const char *const *)wr.labels, wr.rows, x, y, w, h - extra, 0,
                        top_extra(cr, o), &fr);
    shapc__frame_title(cr, o, x, w, &fr);
    shapc__text_measure(cr, &vf, "0", NULL, &th);

    /* Row guides. */
    for (r = 0; r < wr.rows; r++) {
        double yc = fr.top + ((double)r + 0.5) * fr.row_h;
        static const double dash[] = {1.0, 2.0};
        shapc__set_rgb(cr, shapc__color_grid());
        cairo_set_line_width(cr, 0.5);
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, fr.x0, yc);
        cairo_line_to(cr, fr.x1, yc);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        shapc__frame_label(cr, o, &fr, r, wr.labels[r]);
    }

    /* Base and f(x) guides: dashed verticals from the axis / to the top label. */
    {
        static const double dash[] = {3.0, 2.0};
        double xb = shapc__xmap(c->base, lo, hi, fr.x0, fr.x1);
        double xf = shapc__xmap(c->fx, lo, hi, fr.x0, fr.x1);
        shapc__set_rgb(cr, shapc__color_missing());
        cairo_set_line_width(cr, 0.6);
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, xb, fr.top + fr.row_h * ((double)wr.rows - 0.5));
        cairo_line_to(cr, xb, fr.axis_y);
        cairo_move_to(cr, xf, fr.top + fr.row_h * 0.5);
        cairo_line_to(cr, xf, fr.top - 2);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        shapc__fmt_scaled(vbuf, sizeof vbuf, c->fx, span, 0);
        snprintf(buf, sizeof buf, "f(x) = %s%s", vbuf, prob_note(o, c->fx, pbuf, sizeof pbuf));
        shapc__set_rgb(cr, shapc__color_text());
        {
            double tw;
            shapc__text_measure(cr, &f, buf, &tw, NULL);
            if (xf - tw / 2 < x + SHAPC__PAD)
                xf = x + SHAPC__PAD + tw / 2;
            if (xf + tw / 2 > x + w - SHAPC__PAD)
                xf = x + w - SHAPC__PAD - tw / 2;
        }
        shapc__text_draw(cr, &f, buf, xf, fr.top - 3, 0.5, 1);
    }

    /* Arrows, bottom-up from the base. */
    acc = c->base;
    for (i = wr.rows; i-- > 0;) {
        double yc = fr.top + ((double)i + 0.5) * fr.row_h;
        double bh = fr.row_h * 0.7 < 20 ? fr.row_h * 0.7 : 20;
        double xs = shapc__xmap(acc, lo, hi, fr.x0, fr.x1);
        double xe = shapc__xmap(acc + wr.val[i], lo, hi, fr.x0, fr.x1);
        double tw;
        shapc__rgb col = wr.val[i] >= 0 ? shapc__color_pos() : shapc__color_neg();
        /* Thin connector from the previous arrow's end. */
        if (i + 1 < wr.rows) {
            shapc__set_rgb(cr, shapc__color_missing());
            cairo_set_line_width(cr, 0.5);
            cairo_move_to(cr, xs, yc + bh / 2);
            cairo_line_to(cr, xs, yc + fr.row_h - bh / 2);
            cairo_stroke(cr);
        }
        shapc__set_rgb(cr, col);
        arrow(cr, xs, xe, yc, bh);
        shapc__fmt_scaled(buf, sizeof buf, wr.val[i], span, 1);
        shapc__text_measure(cr, &vf, buf, &tw, NULL);
        if (tw + bh * 0.5 + 6 < fabs(xe - xs) && th < bh) {
            cairo_set_source_rgb(cr, 1, 1, 1);
            shapc__text_draw(cr, &vf, buf, (xs + xe) / 2 - (xe >= xs ? 1 : -1) * bh * 0.25, yc,
                             0.5, 0.5);
        } else if (xe >= xs ? xe + 3 + tw <= fr.x1 : xe - 3 - tw >= fr.x0) {
            shapc__text_draw(cr, &vf, buf, xe + (xe >= xs ? 3 : -3), yc, xe >= xs ? 0 : 1, 0.5);
        } else {
            /* No room beyond the head (a long label near the edge): beside the tail. */
            shapc__text_draw(cr, &vf, buf, xs + (xe >= xs ? -3 : 3), yc, xe >= xs ? 1 : 0, 0.5);
        }
        acc += wr.val[i];
    }

    shapc__xaxis(cr, &f, fr.x0, fr.x1, fr.axis_y, lo, hi, NULL);
    {
        double lh, xb = shapc__xmap(c->base, lo, hi, fr.x0, fr.x1), tw;
        shapc__text_measure(cr, &f, "0", NULL, &lh);
        shapc__fmt_scaled(vbuf, sizeof vbuf, c->base, span, 0);
        snprintf(buf, sizeof buf, "E[f(X)] = %s%s", vbuf,
                 prob_note(o, c->base, pbuf, sizeof pbuf));
        shapc__text_measure(cr, &f, buf, &tw, NULL);
        if (xb - tw / 2 < x + SHAPC__PAD)
            xb = x + SHAPC__PAD + tw / 2;
        if (xb + tw / 2 > x + w - SHAPC__PAD)
            xb = x + w - SHAPC__PAD - tw / 2;
        shapc__set_rgb(cr, shapc__color_text());
        shapc__text_draw(cr, &f, buf, xb, fr.axis_y + 6 + lh + 4, 0.5, 0);
        if (extra > 0) {
            char lbuf[512];
            shapc__axis_label(lbuf, sizeof lbuf, label, shapc__xaxis_exponent(lo, hi));
            shapc__text_draw(cr, &f, lbuf, (fr.x0 + fr.x1) / 2, fr.axis_y + 6 + 2 * (lh + 4),
                             0.5, 0);
        }
    }
    cairo_restore(cr);
    wf_rows_free(&wr);
    return SHAPC_OK;
}

static shapc_status wf_check(const double *phi, size_t m, double base, double fx,
                             shapc_error *err)
{
    size_t j;
    if (!phi || m == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "waterfall: need m >= 1 values");
    if (!isfinite(base) || !isfinite(fx))
        return shapc_error_set(err, SHAPC_ENONFINITE, "waterfall: base or f(x) not finite");
    for (j = 0; j < m; j++)
        if (!isfinite(phi[j]))
            return shapc_error_set(err, SHAPC_ENONFINITE, "waterfall: phi %zu is not finite",
                                   j);
    return SHAPC_OK;
}

shapc_status shapc_plot_waterfall_draw(cairo_t *cr, double x, double y, double w, double h,
                                       const shapc_plot_options *options, const double *phi,
                                       const float *values, size_t m, const char *const *names,
                                       double base, double fx, shapc_error *err)
{
    shapc_plot_options o;
    wf_ctx c = {phi, values, m, names, base, fx};
    shapc_status st = shapc__plot_options_read(options, &o, "waterfall", err);
    if (st == SHAPC_OK)
        st = wf_check(phi, m, base, fx, err);
    if (st != SHAPC_OK)
        return st;
    if (!cr || !(w > 0 && h > 0) || o.max_display < 1)
        return shapc_error_set(err, SHAPC_EINVAL,
                               "waterfall: need a context, a rectangle and max_display >= 1");
    return wf_draw(cr, x, y, w, h, &o, &c, err);
}

shapc_status shapc_plot_waterfall(const char *path, const shapc_plot_options *options,
                                  const double *phi, const float *values, size_t m,
                                  const char *const *names, double base, double fx,
                                  shapc_error *err)
{
    shapc_plot_options o;
    wf_ctx c = {phi, values, m, names, base, fx};
    double w, h;
    shapc_status st = shapc__plot_options_read(options, &o, "waterfall", err);
    if (st == SHAPC_OK)
        st = shapc__plot_check(path, &o, err);
    if (st == SHAPC_OK)
        st = wf_check(phi, m, base, fx, err);
    if (st != SHAPC_OK)
        return st;
    w = o.width > 0 ? o.width : 576;
    h = o.height;
    if (!(h > 0)) {
        cairo_t *scr = shapc__text_scratch();
        wf_rows wr;
        double lo, hi;
        st = wf_rows_make(&c, o.max_display, &wr, err);
        if (st != SHAPC_OK) {
            cairo_destroy(scr);
            return st;
        }
        extent(&c, &wr, &lo, &hi);
        h = shapc__frame_pref_height(scr, &o, (const char *const *)wr.labels, wr.rows, w, 0,
                                     top_extra(scr, &o), 28) +
            label_line(scr, &o, axis_label(&o), lo, hi);
        wf_rows_free(&wr);
        cairo_destroy(scr);
    }
    return shapc__plot_to_file(path, &o, w, h, wf_draw, &c, err);
}
