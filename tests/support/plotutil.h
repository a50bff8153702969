/* plotutil.h - reading rendered PNGs back in the plot tests: pixels, colour classes,
 * centroids, horizontal bands. */
#ifndef SHAPC_PLOTUTIL_H
#define SHAPC_PLOTUTIL_H

#include <stddef.h>

#include <cairo.h>

typedef struct png_img {
    cairo_surface_t *s;
    int w, h, stride;
    const unsigned char *data;
} png_img;

/* Loads a PNG (fails the test if cairo cannot). Release with cairo_surface_destroy(im.s). */
png_img png_load(const char *path);
void px(const png_img *im, int x, int y, int *r, int *g, int *b);

/* shap's positive red #ff0051 and negative blue #008bfb, with antialiasing tolerance. */
int is_red(int r, int g, int b);
int is_blue(int r, int g, int b);
int is_white(int r, int g, int b);

/* Count and centroid of pixels matching pred inside [x0, x1) x [0, h). */
long find(const png_img *im, int (*pred)(int, int, int), int x0, int x1, double *cx,
          double *cy);
/* Count of pixels matching pred inside [x0, x1) x [y0, y1). */
long count_in(const png_img *im, int (*pred)(int, int, int), int x0, int x1, int y0, int y1);
size_t distinct_colours(const png_img *im);

/* Horizontal bands: maximal runs of image rows y in which some pixel in [x0, x1) matches
 * pred. Writes up to cap (begin, end) pairs into y0s/y1s; returns the number found. */
size_t bands(const png_img *im, int (*pred)(int, int, int), int x0, int x1, int *y0s,
             int *y1s, size_t cap);

long file_size(const char *path);

#endif
