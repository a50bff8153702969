/* colors.h - shap's palette and colour maps. */
#ifndef SHAPC_PLOT_COLORS_H
#define SHAPC_PLOT_COLORS_H

#include <cairo.h>

typedef struct shapc__rgb {
    double r, g, b; /* 0..1 */
} shapc__rgb;

shapc__rgb shapc__color_pos(void);     /* #ff0051, positive SHAP values */
shapc__rgb shapc__color_neg(void);     /* #008bfb, negative SHAP values */
shapc__rgb shapc__color_missing(void); /* grey for missing feature values */
shapc__rgb shapc__color_text(void);    /* dark grey for labels and axes */
shapc__rgb shapc__color_grid(void);    /* light grey for grid and zero lines */

/* red_blue: blue (t = 0, low) through purple to red (t = 1, high); t is clamped. */
shapc__rgb shapc__red_blue(double t);

/* shap's red_blue_circle, its cycle of class colours: t in [0, 0.5] runs from the blue
 * through purple to the red, t in [0.5, 1] from the red back to the blue through orange,
 * yellow and green; t is wrapped into [0, 1). Class i of k takes t = i / k. */
shapc__rgb shapc__red_blue_circle(double t);

/* red-transparent-blue overlay for the image plot: v in [-1, 1] (clamped) gives the colour
 * (blue for v < 0, red for v > 0) and its opacity |v|. */
void shapc__red_transparent_blue(double v, shapc__rgb *rgb, double *alpha);

/* A colour bar: the rectangle (x, y, w, h) shaded left to right from v = -1 to v = 1 with
 * map's colour at map's opacity over white, outlined in grid grey. */
void shapc__colour_bar(cairo_t *cr, double x, double y, double w, double h,
                       void (*map)(double v, shapc__rgb *rgb, double *alpha));

void shapc__set_rgb(cairo_t *cr, shapc__rgb c);
void shapc__set_rgba(cairo_t *cr, shapc__rgb c, double alpha);

#endif
