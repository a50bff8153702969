/* textplot.c - the text plot shap draws only as HTML, here as PNG/SVG/PDF.
 *
 * Tokens flow in reading order and wrap at the rectangle's width; each token sits on a
 * background of the positive (red) or negative (blue) colour whose opacity is |phi| relative
 * to the largest |phi| of the document. Tokens are shaped one by one with pango, so any UTF-8
 * script renders (CJK needs a font that covers it, e.g. Noto CJK; fontconfig picks it as a
 * fallback automatically). A token carries its own leading space; at the start of a line the
 * space is dropped so lines stay flush left. A token "\n" starts a new line. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot/axes.h"
#include "plot/colors.h"
#include "plot/options.h"
#include "plot/text.h"
#include "shapc/plot.h"
#include "util/alloc.h"

#define TOKEN_OPACITY 0.85 /* of the strongest token's background */

typedef struct txt_ctx {
    const char *const *tokens;
    const double *phi;
    size_t t;
    double base, fx;
} txt_ctx;

static double max_abs(const double *phi, size_t t)
{
    double m = 0;
    size_t i;
    for (i = 0; i < t; i++)
        if (fabs(phi[i]) > m)
            m = fabs(phi[i]);
    return m > 0 ? m : 1;
}

/* The header: the title, a line "base value .. f(x) .. max |SHAP value| ..", and the colour
 * legend - a small bar from -max |phi| (blue) through white to +max |phi| (red), shaded as the
 * token backgrounds are, with its scale below. The legend sits right of the line when the
 * width allows, else under it. Offsets are from the top of the plot's rectangle. */
typedef struct txt_header {
    char line[256];
    double title_h;       /* title block (0 without a title) */
    double line_y;        /* top of the text line */
    double bar_x, bar_y;  /* legend bar, relative to the rectangle's left and top */
    double height;        /* the whole header, padding included */
    double mx;            /* the legend's limit: max |phi| */
} txt_header;

#define LEGEND_W 150.0
#define LEGEND_BAR_H 8.0

static void header_layout(cairo_t *cr, const shapc_plot_options *o, const txt_ctx *c, double w,
                          txt_header *hd)
{
    shapc__font f = shapc__font_make(o, 1.0, 0);
    double th, lw, label_w, legend_h, scale;
    char b1[64], b2[64], b3[64];
    hd->mx = max_abs(c->phi, c->t);
    scale = fabs(c->fx - c->base) > hd->mx ? fabs(c->fx - c->base) : hd->mx;
    shapc__fmt_scaled(b1, sizeof b1, c->base, scale, 0);
    shapc__fmt_scaled(b2, sizeof b2, c->fx, scale, 0);
    shapc__fmt_scaled(b3, sizeof b3, hd->mx, scale, 0);
    snprintf(hd->line, sizeof hd->line, "base value %s    f(x) %s    max |SHAP value| %s", b1,
             b2, b3);
    hd->title_h = 0;
    if (o->title && o->title[0]) {
        shapc__font tf = shapc__font_make(o, 1.2, 1);
        shapc__text_measure(cr, &tf, o->title, NULL, &hd->title_h);
        hd->title_h += 6;
    }
    shapc__text_measure(cr, &f, hd->line, &lw, &th);
    shapc__text_measure(cr, &f, "SHAP value", &label_w, NULL);
    legend_h = LEGEND_BAR_H + shapc__xaxis_height(cr, &f, 1);
    hd->line_y = SHAPC__PAD + hd->title_h;
    if (SHAPC__PAD + lw + 24 + label_w + 6 + LEGEND_W + 12 + SHAPC__PAD <= w) {
        hd->bar_x = w - SHAPC__PAD - 12 - LEGEND_W;
        hd->bar_y = hd->line_y + (th - LEGEND_BAR_H) / 2;
        hd->height = hd->line_y + (th > legend_h ? th : (th - LEGEND_BAR_H) / 2 + legend_h);
    } else {
        hd->bar_x = SHAPC__PAD + label_w + 6;
        hd->bar_y = hd->line_y + th + 6;
        hd->height = hd->bar_y + legend_h;
    }
    hd->height += 10;
}

/* The token background at phi / max |phi| = v: colour at opacity 0.85 |v|. */
static void token_colour(double v, shapc__rgb *rgb, double *alpha)
{
    *rgb = v < 0 ? shapc__color_neg() : shapc__color_pos();
    *alpha = fabs(v) * TOKEN_OPACITY;
}

static void legend_draw(cairo_t *cr, const shapc_plot_options *o, const txt_header *hd,
                        double x, double y)
{
    shapc__font f = shapc__font_make(o, 1.0, 0);
    double x0 = x + hd->bar_x, y0 = y + hd->bar_y;
    shapc__colour_bar(cr, x0, y0, LEGEND_W, LEGEND_BAR_H, token_colour);
    shapc__xaxis(cr, &f, x0, x0 + LEGEND_W, y0 + LEGEND_BAR_H, -hd->mx, hd->mx, "");
    shapc__set_rgb(cr, shapc__color_text());
    shapc__text_draw(cr, &f, "SHAP value", x0 - 6, y0 + LEGEND_BAR_H / 2, 1, 0.5);
}

/* Lays the tokens out from (x0, y0) to x1; draws them when draw != 0. Returns the height. */
static double flow(cairo_t *cr, const shapc_plot_options *o, const txt_ctx *c, double x0,
                   double x1, double y0, int draw)
{
    shapc__font f = shapc__font_make(o, 1.2, 0);
    double lh, px = x0, py = y0, mx = max_abs(c->phi, c->t);
    size_t i;
    shapc__text_measure(cr, &f, "Ag", NULL, &lh);
    lh *= 1.45;
    for (i = 0; i < c->t; i++) {
        const char *tok = c->tokens[i] ? c->tokens[i] : "";
        double tw, th;
        PangoLayout *l;
        if (strcmp(tok, "\n") == 0) {
            px = x0;
            py += lh;
            continue;
        }
        if (px == x0)
            while (*tok == ' ')
                tok++;
        l = shapc__text_layout(cr, &f, tok, 0, 0, PANGO_ALIGN_LEFT);
        shapc__text_extent(l, &tw, &th);
        if (px + tw > x1 && px > x0) {
            px = x0;
            py += lh;
            g_object_unref(l);
            while (*tok == ' ')
                tok++;
            l = shapc__text_layout(cr, &f, tok, 0, 0, PANGO_ALIGN_LEFT);
            shapc__text_extent(l, &tw, &th);
        }
        if (draw) {
            double a = fabs(c->phi[i]) / mx;
            /* Background behind the token's glyphs, not its leading space. */
            size_t lead = 0;
            double sw = 0;
            while (tok[lead] == ' ')
                lead++;
            if (lead) {
                char sp[64];
                size_t k = lead < sizeof sp - 1 ? lead : sizeof sp - 1;
                memset(sp, ' ', k);
                sp[k] = 0;
                shapc__text_measure(cr, &f, sp, &sw, NULL);
            }
            if (a > 0.0) {
                shapc__set_rgba(cr, c->phi[i] >= 0 ? shapc__color_pos() : shapc__color_neg(),
                                a * TOKEN_OPACITY);
                cairo_rectangle(cr, px + sw - 1, py + (lh - th) / 2 - 1, tw - sw + 2, th + 2);
                cairo_fill(cr);
            }
            /* Dark text on light backgrounds, white on strong ones. */
            if (a > 0.6)
                cairo_set_source_rgb(cr, 1, 1, 1);
            else
                shapc__set_rgb(cr, shapc__color_text());
            shapc__text_show(cr, l, px, py + lh / 2, 0, 0.5);
        }
        g_object_unref(l);
        px += tw;
    }
    return py + lh - y0;
}

static shapc_status txt_draw(cairo_t *cr, double x, double y, double w, double h,
                             const shapc_plot_options *o, const void *vctx, shapc_error *err)
{
    const txt_ctx *c = vctx;
    shapc__font f = shapc__font_make(o, 1.0, 0);
    txt_header hd;
    (void)err;
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    header_layout(cr, o, c, w, &hd);
    shapc__set_rgb(cr, shapc__color_text());
    if (hd.title_h > 0) {
        shapc__font tf = shapc__font_make(o, 1.2, 1);
        shapc__text_draw(cr, &tf, o->title, x + SHAPC__PAD, y + SHAPC__PAD, 0, 0);
    }
    shapc__text_draw(cr, &f, hd.line, x + SHAPC__PAD, y + hd.line_y, 0, 0);
    legend_draw(cr, o, &hd, x, y);
    flow(cr, o, c, x + SHAPC__PAD, x + w - SHAPC__PAD, y + hd.height, 1);
    cairo_restore(cr);
    return SHAPC_OK;
}

static shapc_status txt_check(const char *const *tokens, const double *phi, size_t t,
                              double base, double fx, shapc_error *err)
{
    size_t i;
    if (!tokens || !phi || t == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "text plot: need t >= 1 tokens and phi");
    if (!isfinite(base) || !isfinite(fx))
        return shapc_error_set(err, SHAPC_ENONFINITE, "text plot: base or f(x) not finite");
    for (i = 0; i < t; i++)
        if (!isfinite(phi[i]))
            return shapc_error_set(err, SHAPC_ENONFINITE, "text plot: phi %zu not finite", i);
    return SHAPC_OK;
}

shapc_status shapc_plot_text_draw(cairo_t *cr, double x, double y, double w, double h,
                                  const shapc_plot_options *options, const char *const *tokens,
                                  const double *phi, size_t t, double base, double fx,
                                  shapc_error *err)
{
    shapc_plot_options o;
    txt_ctx c = {tokens, phi, t, base, fx};
    shapc_status st = shapc__plot_options_read(options, &o, "text plot", err);
    if (st == SHAPC_OK)
        st = txt_check(tokens, phi, t, base, fx, err);
    if (st != SHAPC_OK)
        return st;
    if (!cr || !(w > 0 && h > 0))
        return shapc_error_set(err, SHAPC_EINVAL, "text plot: need a context and a rectangle");
    return txt_draw(cr, x, y, w, h, &o, &c, err);
}

shapc_status shapc_plot_text(const char *path, const shapc_plot_options *options,
                             const char *const *tokens, const double *phi, size_t t, double base,
                             double fx, shapc_error *err)
{
    shapc_plot_options o;
    txt_ctx c = {tokens, phi, t, base, fx};
    double w, h;
    shapc_status st = shapc__plot_options_read(options, &o, "text plot", err);
    if (st == SHAPC_OK)
        st = shapc__plot_check(path, &o, err);
    if (st == SHAPC_OK)
        st = txt_check(tokens, phi, t, base, fx, err);
    if (st != SHAPC_OK)
        return st;
    w = o.width > 0 ? o.width : 576;
    h = o.height;
    if (!(h > 0)) {
        cairo_t *scr = shapc__text_scratch();
        txt_header hd;
        header_layout(scr, &o, &c, w, &hd);
        h = hd.height + SHAPC__PAD + flow(scr, &o, &c, SHAPC__PAD, w - SHAPC__PAD, 0, 0) + 4;
        cairo_destroy(scr);
    }
    return shapc__plot_to_file(path, &o, w, h, txt_draw, &c, err);
}
