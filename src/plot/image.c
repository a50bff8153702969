/* image.c - shap's image plot (shap.image_plot): a grid of instances x (input + one panel per
 * explained class).
 *
 * Each class panel shows the input in grey at 15% opacity on white (shap's alpha=0.15) under
 * the red-transparent-blue overlay of phi: opacity grows with |phi| up to the figure's limit,
 * the 99.9th percentile of |phi| over every panel (shap's max_val; symmetric, so white means
 * zero, and one colour bar serves every row). Pixels are composed here, in double precision,
 * into one opaque image per panel which cairo scales with nearest-neighbour filtering: crisp
 * pixels in PNG and PDF, and in SVG once canvas.c has marked the images pixelated. Group
 * outlines (superpixels, patches) are vector lines along the pixel edges where the group
 * changes, drawn on the class panels only: the input panel stays the plain input. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/axes.h"
#include "plot/colors.h"
#include "plot/options.h"
#include "plot/text.h"
#include "shapc/plot.h"
#include "util/alloc.h"

#define GAP 8.0

typedef struct img_layout {
    double pw, ph;      /* panel size */
    double label_h;     /* title line above each panel */
    double x0, y0;      /* top-left of the grid */
    double cb_h;        /* colour bar block height */
} img_layout;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double colorbar_block(cairo_t *cr, const shapc_plot_options *o)
{
    shapc__font f = shapc__font_make(o, 1.0, 0);
    return 8 + 10 + shapc__xaxis_height(cr, &f, 1);
}

static double label_height(cairo_t *cr, const shapc_plot_options *o)
{
    shapc__font f = shapc__font_make(o, 0.9, 0);
    double th;
    shapc__text_measure(cr, &f, "Ag", NULL, &th);
    return th + 3;
}

static double title_block(cairo_t *cr, const shapc_plot_options *o)
{
    shapc__font tf = shapc__font_make(o, 1.2, 1);
    double th;
    if (!o->title || !o->title[0])
        return 0;
    shapc__text_measure(cr, &tf, o->title, NULL, &th);
    return th + 6;
}

static void layout(cairo_t *cr, const shapc_plot_options *o, const shapc_plot_image_data *d,
                   double x, double y, double w, double h, img_layout *L)
{
    double cols = (double)(d->p + 1), rows = (double)d->n;
    double aspect = (double)d->hgt / (double)d->wid, avail_h, grid_w;
    L->label_h = label_height(cr, o);
    L->cb_h = colorbar_block(cr, o);
    L->pw = (w - 2 * SHAPC__PAD - (cols - 1) * GAP) / cols;
    avail_h = h - 2 * SHAPC__PAD - title_block(cr, o) - L->cb_h - rows * (L->label_h + GAP);
    if (L->pw * aspect * rows > avail_h)
        L->pw = avail_h / (rows * aspect);
    if (L->pw < 1)
        L->pw = 1;
    L->ph = L->pw * aspect;
    grid_w = cols * L->pw + (cols - 1) * GAP;
    L->x0 = x + (w - grid_w) / 2;
    L->y0 = y + SHAPC__PAD + title_block(cr, o);
}

/* Display value in [0,1] of every pixel's channels, scaled by the image's own range. */
static void image_range(const float *img, size_t count, double *lo, double *hi)
{
    size_t i;
    *lo = HUGE_VAL;
    *hi = -HUGE_VAL;
    for (i = 0; i < count; i++)
        if (img[i] == img[i]) {
            if ((double)img[i] < *lo)
                *lo = img[i];
            if ((double)img[i] > *hi)
                *hi = img[i];
        }
    if (!(*hi > *lo)) {
        *lo = *lo == HUGE_VAL ? 0 : *lo;
        *hi = *lo + 1;
    }
}

static uint32_t pack(double r, double g, double b)
{
    uint32_t R = (uint32_t)lround(r * 255), G = (uint32_t)lround(g * 255),
             B = (uint32_t)lround(b * 255);
    return (R << 16) | (G << 8) | B;
}

/* Fills an RGB24 surface of (hgt * up, wid * up) pixels, each data pixel an up x up block:
 * phi == NULL draws the input itself, else the faded grey + overlay. */
static cairo_surface_t *panel_surface(const shapc_plot_image_data *d, const float *img,
                                      const double *phi, double lim, size_t up)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(d->wid * up),
                                                    (int)(d->hgt * up));
    unsigned char *data;
    int stride;
    size_t r, c, npx = d->hgt * d->wid, u;
    double lo, hi;
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        return s;
    cairo_surface_flush(s);
    data = cairo_image_surface_get_data(s);
    stride = cairo_image_surface_get_stride(s);
    image_range(img, npx * d->c, &lo, &hi);
    for (r = 0; r < d->hgt; r++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)stride * r * up);
        for (c = 0; c < d->wid; c++) {
            const float *px = img + (r * d->wid + c) * d->c;
            double rgb[3], g;
            uint32_t v32;
            size_t k;
            for (k = 0; k < 3; k++) {
                double v = px[d->c == 3 ? k : 0];
                rgb[k] = v == v ? (v - lo) / (hi - lo) : 0.5;
            }
            if (!phi) {
                v32 = pack(rgb[0], rgb[1], rgb[2]);
            } else {
                shapc__rgb oc;
                double a;
                g = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
                g = 0.85 + 0.15 * g;
                shapc__red_transparent_blue(phi[r * d->wid + c] / lim, &oc, &a);
                v32 = pack(g * (1 - a) + oc.r * a, g * (1 - a) + oc.g * a,
                           g * (1 - a) + oc.b * a);
            }
            for (u = 0; u < up; u++)
                row[c * up + u] = v32;
        }
        for (u = 1; u < up; u++)
            memcpy(data + (size_t)stride * (r * up + u), row, d->wid * up * sizeof *row);
    }
    cairo_surface_mark_dirty(s);
    return s;
}

/* Pixel replication for SVG targets. Viewers that ignore image-rendering (librsvg 2.54,
 * Debian 12's) smooth an embedded image as they scale it; replicated to about two image
 * pixels per point of the panel, the smoothing only softens the block edges by a fraction
 * of a data pixel. PNG and PDF need none: cairo's nearest filter and /Interpolate false
 * already keep pixels sharp. */
static size_t svg_upscale(cairo_t *cr, const shapc_plot_image_data *d, double pw)
{
    double f;
    if (cairo_surface_get_type(cairo_get_target(cr)) != CAIRO_SURFACE_TYPE_SVG)
        return 1;
    f = ceil(2 * pw / (double)d->wid);
    while (f > 1 && f * (double)(d->wid > d->hgt ? d->wid : d->hgt) > 2048)
        f--;
    return f < 1 ? 1 : (size_t)f;
}

static void paint_panel(cairo_t *cr, cairo_surface_t *s, const shapc_plot_image_data *d,
                        size_t up, double x, double y, double pw, double ph)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, pw / (double)(d->wid * up), ph / (double)(d->hgt * up));
    cairo_set_source_surface(cr, s, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    /* paint, not fill: cairo's SVG writer then places the <image> itself under a transform
     * (where image-rendering applies) instead of inside a <pattern> tile, which renderers
     * such as librsvg rasterise at the image's size and then scale smoothly. */
    cairo_paint(cr);
    cairo_restore(cr);
    shapc__set_rgb(cr, shapc__color_grid());
    cairo_set_line_width(cr, 0.5);
    cairo_rectangle(cr, x, y, pw, ph);
    cairo_stroke(cr);
}

static void draw_colorbar(cairo_t *cr, const shapc_plot_options *o, double cx, double y,
                          double width, double lim)
{
    shapc__font f = shapc__font_make(o, 1.0, 0);
    shapc__colour_bar(cr, cx - width / 2, y, width, 10, shapc__red_transparent_blue);
    shapc__xaxis(cr, &f, cx - width / 2, cx + width / 2, y + 10, -lim, lim,
                 o->xlabel ? o->xlabel : "SHAP value");
}

/* Thin lines along the pixel edges of a panel where neighbouring pixels' groups differ;
 * runs along a row or column are merged into one segment each. */
static void draw_outlines(cairo_t *cr, const int32_t *g, size_t hgt, size_t wid, double x,
                          double y, double pw, double ph)
{
    double sx = pw / (double)wid, sy = ph / (double)hgt, lw = sx < sy ? sx : sy;
    size_t r, c, start;
    lw = lw * 0.2 < 0.6 ? lw * 0.2 : 0.6;
    if (lw < 0.25)
        lw = 0.25;
    cairo_save(cr);
    cairo_set_source_rgba(cr, 0.15, 0.15, 0.15, 0.55);
    cairo_set_line_width(cr, lw);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    /* Horizontal edges: between rows r - 1 and r. */
    for (r = 1; r < hgt; r++) {
        for (c = 0; c < wid;) {
            if (g[(r - 1) * wid + c] == g[r * wid + c]) {
                c++;
                continue;
            }
            start = c;
            while (c < wid && g[(r - 1) * wid + c] != g[r * wid + c])
                c++;
            cairo_move_to(cr, x + (double)start * sx, y + (double)r * sy);
            cairo_line_to(cr, x + (double)c * sx, y + (double)r * sy);
        }
    }
    /* Vertical edges: between columns c - 1 and c. */
    for (c = 1; c < wid; c++) {
        for (r = 0; r < hgt;) {
            if (g[r * wid + c - 1] == g[r * wid + c]) {
                r++;
                continue;
            }
            start = r;
            while (r < hgt && g[r * wid + c - 1] != g[r * wid + c])
                r++;
            cairo_move_to(cr, x + (double)c * sx, y + (double)start * sy);
            cairo_line_to(cr, x + (double)c * sx, y + (double)r * sy);
        }
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* The figure's limit: 99.9th percentile of |phi| over every panel (shap's image_plot). */
static double figure_limit(const shapc_plot_image_data *d, double *scratch)
{
    size_t k, cnt = d->n * d->p * d->hgt * d->wid, used = 0;
    double lim;
    for (k = 0; k < cnt; k++)
        if (d->phi[k] == d->phi[k])
            scratch[used++] = fabs(d->phi[k]);
    if (used == 0)
        return 1;
    qsort(scratch, used, sizeof *scratch, cmp_double);
    lim = shapc__percentile_sorted(scratch, used, 99.9);
    return lim > 0 ? lim : (scratch[used - 1] > 0 ? scratch[used - 1] : 1);
}

static shapc_status img_draw(cairo_t *cr, double x, double y, double w, double h,
                             const shapc_plot_options *o, const void *vctx, shapc_error *err)
{
    const shapc_plot_image_data *d = vctx;
    shapc__font lf = shapc__font_make(o, 0.9, 0);
    img_layout L;
    size_t i, k, npx = d->hgt * d->wid, up;
    double *scratch = shapc__calloc(d->n * d->p * npx, sizeof *scratch), lim, yrow;
    shapc_status st = SHAPC_OK;

    if (!scratch)
        return shapc_error_set(err, SHAPC_ENOMEM, "image plot: out of memory");
    lim = figure_limit(d, scratch);
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    layout(cr, o, d, x, y, w, h, &L);
    up = svg_upscale(cr, d, L.pw);
    if (o->title && o->title[0]) {
        shapc__font tf = shapc__font_make(o, 1.2, 1);
        shapc__set_rgb(cr, shapc__color_text());
        shapc__text_draw(cr, &tf, o->title, x + w / 2, y + SHAPC__PAD, 0.5, 0);
    }
    yrow = L.y0;
    for (i = 0; i < d->n; i++) {
        const float *img = d->images + i * npx * d->c;
        cairo_surface_t *s;
        if (d->row_labels && d->row_labels[i]) {
            PangoLayout *pl = shapc__text_layout(cr, &lf, d->row_labels[i], L.pw + GAP * 0.8,
                                                 1, PANGO_ALIGN_CENTER);
            shapc__set_rgb(cr, shapc__color_text());
            shapc__text_show(cr, pl, L.x0 + L.pw / 2, yrow + L.label_h - 2, 0.5, 1);
            g_object_unref(pl);
        }
        for (k = 0; k <= d->p; k++) {
            double px = L.x0 + (double)k * (L.pw + GAP), py = yrow + L.label_h;
            s = panel_surface(d, img, k == 0 ? NULL : d->phi + (i * d->p + k - 1) * npx, lim,
                              up);
            if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
                cairo_surface_destroy(s);
                st = shapc_error_set(err, SHAPC_ENOMEM, "image plot: cannot create image");
                goto done;
            }
            paint_panel(cr, s, d, up, px, py, L.pw, L.ph);
            cairo_surface_destroy(s);
            if (k > 0 && d->groups)
                draw_outlines(cr, d->groups + i * npx, d->hgt, d->wid, px, py, L.pw, L.ph);
            if (k > 0) {
                char buf[256];
                const char *name = d->labels && d->labels[i * d->p + k - 1]
                                       ? d->labels[i * d->p + k - 1]
                                       : NULL;
                char nb[32];
                PangoLayout *pl;
                if (!name) {
                    snprintf(nb, sizeof nb, "class %zu", k - 1);
                    name = nb;
                }
                if (d->probs)
                    snprintf(buf, sizeof buf, "%s (%.2f)", name, d->probs[i * d->p + k - 1]);
                else
                    snprintf(buf, sizeof buf, "%s", name);
                /* One line, ellipsized to the panel width: titles never overlap. */
                pl = shapc__text_layout(cr, &lf, buf, L.pw + GAP * 0.8, 1, PANGO_ALIGN_CENTER);
                shapc__set_rgb(cr, shapc__color_text());
                shapc__text_show(cr, pl, px + L.pw / 2, yrow + L.label_h - 2, 0.5, 1);
                g_object_unref(pl);
            }
        }
        yrow += L.label_h + L.ph + GAP;
    }
    {
        double grid_w = (double)(d->p + 1) * L.pw + (double)d->p * GAP;
        double cbw = grid_w * 0.6 < 320 ? grid_w * 0.6 : 320;
        if (cbw < 120)
            cbw = 120 < w - 2 * SHAPC__PAD ? 120 : w - 2 * SHAPC__PAD;
        draw_colorbar(cr, o, L.x0 + grid_w / 2, yrow + 4, cbw, lim);
    }
done:
    cairo_restore(cr);
    shapc__free(scratch);
    return st;
}

static shapc_status img_check(const shapc_plot_image_data *d, shapc_error *err)
{
    size_t t;
    if (!d || !d->images || !d->phi || d->n == 0 || d->p == 0 || d->hgt == 0 || d->wid == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "image plot: need images, phi, n, p >= 1");
    if (d->c != 1 && d->c != 3)
        return shapc_error_set(err, SHAPC_EINVAL, "image plot: %zu channels (need 1 or 3)",
                               d->c);
    if (d->hgt > 32767 || d->wid > 32767 || !shapc__mul_size(d->hgt, d->wid, &t) ||
        !shapc__mul_size(t, d->c, &t) || !shapc__mul_size(t, d->n, &t) ||
        !shapc__mul_size(d->hgt * d->wid, d->p, &t) || !shapc__mul_size(t, d->n, &t) ||
        !shapc__mul_size(t, sizeof(double), &t))
        return shapc_error_set(err, SHAPC_ERANGE, "image plot: image sizes overflow");
    return SHAPC_OK;
}

shapc_status shapc_plot_image_draw(cairo_t *cr, double x, double y, double w, double h,
                                   const shapc_plot_options *options,
                                   const shapc_plot_image_data *data, shapc_error *err)
{
    shapc_plot_options o;
    shapc_status st = shapc__plot_options_read(options, &o, "image plot", err);
    if (st == SHAPC_OK)
        st = img_check(data, err);
    if (st != SHAPC_OK)
        return st;
    if (!cr || !(w > 0 && h > 0))
        return shapc_error_set(err, SHAPC_EINVAL, "image plot: need a context and a rectangle");
    return img_draw(cr, x, y, w, h, &o, data, err);
}

shapc_status shapc_plot_image(const char *path, const shapc_plot_options *options,
                              const shapc_plot_image_data *data, shapc_error *err)
{
    shapc_plot_options o;
    double w, h, pw, aspect;
    cairo_t *scr;
    shapc_status st = shapc__plot_options_read(options, &o, "image plot", err);
    if (st == SHAPC_OK)
        st = shapc__plot_check(path, &o, err);
    if (st == SHAPC_OK)
        st = img_check(data, err);
    if (st != SHAPC_OK)
        return st;
    aspect = (double)data->hgt / (double)data->wid;
    /* Panels about 1.5 inches wide, narrower for many classes. */
    pw = data->p + 1 > 6 ? 80 : 108;
    w = o.width > 0 ? o.width
                    : 2 * SHAPC__PAD + (double)(data->p + 1) * pw + (double)data->p * GAP;
    if (o.width > 0)
        pw = (w - 2 * SHAPC__PAD - (double)data->p * GAP) / (double)(data->p + 1);
    w = w < 200 ? 200 : w;
    h = o.height;
    if (!(h > 0)) {
        scr = shapc__text_scratch();
        h = 2 * SHAPC__PAD + title_block(scr, &o) + colorbar_block(scr, &o) + 4 +
            (double)data->n * (label_height(scr, &o) + pw * aspect + GAP);
        cairo_destroy(scr);
    }
    return shapc__plot_to_file(path, &o, w, h, img_draw, data, err);
}
