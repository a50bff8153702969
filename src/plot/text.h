/* text.h - pango text helpers: every label is measured before space is given to it. */
#ifndef SHAPC_PLOT_TEXT_H
#define SHAPC_PLOT_TEXT_H

#include <cairo.h>
#include <pango/pangocairo.h>

#include "shapc/plot.h"

typedef struct shapc__font {
    const char *family; /* never NULL */
    double size;        /* points (user units) */
    int bold;
} shapc__font;

/* The options' family and size times `scale`. */
shapc__font shapc__font_make(const shapc_plot_options *o, double scale, int bold);

/* A layout for s in the context's user space. wrap_w > 0 wraps at that width (word, then
 * character); max_lines > 0 ellipsizes after that many lines. Free with g_object_unref. */
PangoLayout *shapc__text_layout(cairo_t *cr, const shapc__font *f, const char *s, double wrap_w,
                                int max_lines, PangoAlignment align);
/* Logical size of a layout in user units. */
void shapc__text_extent(PangoLayout *layout, double *w, double *h);
/* Draws the layout with its logical box anchored at (x, y): ax 0/0.5/1 = left/centre/right,
 * ay 0/0.5/1 = top/middle/bottom. Uses the current source colour. */
void shapc__text_show(cairo_t *cr, PangoLayout *layout, double x, double y, double ax, double ay);

/* One-line conveniences. */
void shapc__text_measure(cairo_t *cr, const shapc__font *f, const char *s, double *w, double *h);
void shapc__text_draw(cairo_t *cr, const shapc__font *f, const char *s, double x, double y,
                      double ax, double ay);
/* Text rotated 90 degrees counter-clockwise (reads bottom to top), centred on (x, y). */
void shapc__text_draw_vertical(cairo_t *cr, const shapc__font *f, const char *s, double x,
                               double y);

/* A scratch context (1x1 image surface) for measuring text before a canvas exists.
 * Release with cairo_destroy (the surface goes with it). */
cairo_t *shapc__text_scratch(void);

#endif
