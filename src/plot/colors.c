/* colors.c - shap's colours, so users recognise the plots.
 *
 * shap builds its red_blue map by interpolating in CIE LCh between a blue (L 54, C 70,
 * h 4.6588 rad) and a red (L 54, C 90, h 0.3547 + 2 pi rad): constant lightness, hue swept
 * through purple (shap/plots/colors/_colors.py). We do the same interpolation and convert
 * LCh -> Lab -> XYZ (D65) -> sRGB, clipping out-of-gamut channels. */
#include "plot/colors.h"

#include <math.h>

static shapc__rgb rgb_hex(unsigned v)
{
    shapc__rgb c = {((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0};
    return c;
}

shapc__rgb shapc__color_pos(void) { return rgb_hex(0xff0051); }
shapc__rgb shapc__color_neg(void) { return rgb_hex(0x008bfb); }
shapc__rgb shapc__color_missing(void) { return rgb_hex(0x9a9a9a); }
shapc__rgb shapc__color_text(void) { return rgb_hex(0x333333); }
shapc__rgb shapc__color_grid(void) { return rgb_hex(0xcccccc); }

static double lab_finv(double t)
{
    const double d = 6.0 / 29.0;
    return t > d ? t * t * t : 3 * d * d * (t - 4.0 / 29.0);
}

static double srgb_gamma(double c)
{
    c = c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1 / 2.4) - 0.055;
    return c < 0 ? 0 : c > 1 ? 1 : c;
}

static shapc__rgb lch_to_rgb(double l, double ch, double h)
{
    double a = ch * cos(h), b = ch * sin(h);
    double fy = (l + 16) / 116, fx = fy + a / 500, fz = fy - b / 200;
    double x = 0.95047 * lab_finv(fx), y = 1.0 * lab_finv(fy), z = 1.08883 * lab_finv(fz);
    shapc__rgb c;
    c.r = srgb_gamma(3.2404542 * x - 1.5371385 * y - 0.4985314 * z);
    c.g = srgb_gamma(-0.9692660 * x + 1.8760108 * y + 0.0415560 * z);
    c.b = srgb_gamma(0.0556434 * x - 0.2040259 * y + 1.0572252 * z);
    return c;
}

shapc__rgb shapc__red_blue(double t)
{
    const double pi = 3.14159265358979323846;
    const double h0 = 4.6588, h1 = 0.35470565 + 2 * pi;
    if (!(t >= 0)) /* also NaN */
        t = 0;
    if (t > 1)
        t = 1;
    return lch_to_rgb(54.0, 70.0 + 20.0 * t, h0 + (h1 - h0) * t);
}

shapc__rgb shapc__red_blue_circle(double t)
{
    /* shap/plots/colors/_colors.py: constant lightness 54; chroma and hue interpolated
     * blue -> red over the first half and red -> blue (hue increasing through the warm and
     * green hues) over the second. */
    const double pi = 3.14159265358979323846;
    const double hb = 4.6588, hr = 0.35470565, cb = 70.0, cr = 90.0;
    if (!(t == t) || isinf(t))
        t = 0;
    t -= floor(t);
    if (t <= 0.5) {
        double u = t / 0.5;
        return lch_to_rgb(54.0, cb + (cr - cb) * u, hb + (hr + 2 * pi - hb) * u);
    }
    {
        double u = (t - 0.5) / 0.5;
        return lch_to_rgb(54.0, cr + (cb - cr) * u, hr + (hb - hr) * u);
    }
}

void shapc__red_transparent_blue(double v, shapc__rgb *rgb, double *alpha)
{
    /* shap's red_transparent_blue endpoints: (30, 136, 229) and (255, 13, 87). */
    static const shapc__rgb blue = {30 / 255.0, 136 / 255.0, 229 / 255.0};
    static const shapc__rgb red = {255 / 255.0, 13 / 255.0, 87 / 255.0};
    if (!(v == v))
        v = 0;
    if (v > 1)
        v = 1;
    if (v < -1)
        v = -1;
    *rgb = v < 0 ? blue : red;
    *alpha = fabs(v);
}

void shapc__colour_bar(cairo_t *cr, double x, double y, double w, double h,
                       void (*map)(double v, shapc__rgb *rgb, double *alpha))
{
    cairo_pattern_t *grad = cairo_pattern_create_linear(x, 0, x + w, 0);
    int s;
    /* 21 stops: both maps are piecewise smooth in |v| with a kink at 0, which a stop hits. */
    for (s = 0; s <= 20; s++) {
        shapc__rgb c;
        double a;
        map(-1 + s / 10.0, &c, &a);
        cairo_pattern_add_color_stop_rgb(grad, s / 20.0, 1 - a + c.r * a, 1 - a + c.g * a,
                                         1 - a + c.b * a);
    }
    cairo_rectangle(cr, x, y, w, h);
    cairo_set_source(cr, grad);
    cairo_fill_preserve(cr);
    cairo_pattern_destroy(grad);
    shapc__set_rgb(cr, shapc__color_grid());
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
}

void shapc__set_rgb(cairo_t *cr, shapc__rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

void shapc__set_rgba(cairo_t *cr, shapc__rgb c, double alpha)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}
