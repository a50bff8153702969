/* plotutil.c - see plotutil.h. */
#include "plotutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

png_img png_load(const char *path)
{
    png_img im;
    im.s = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(im.s), CAIRO_STATUS_SUCCESS);
    cairo_surface_flush(im.s);
    im.w = cairo_image_surface_get_width(im.s);
    im.h = cairo_image_surface_get_height(im.s);
    im.stride = cairo_image_surface_get_stride(im.s);
    im.data = cairo_image_surface_get_data(im.s);
    return im;
}

void px(const png_img *im, int x, int y, int *r, int *g, int *b)
{
    unsigned v;
    memcpy(&v, im->data + (size_t)y * (size_t)im->stride + (size_t)x * 4, 4);
    *r = (int)((v >> 16) & 255);
    *g = (int)((v >> 8) & 255);
    *b = (int)(v & 255);
}

int is_red(int r, int g, int b) { return r > 235 && g < 40 && b > 50 && b < 120; }
int is_blue(int r, int g, int b) { return r < 50 && g > 110 && g < 160 && b > 220; }
int is_white(int r, int g, int b) { return r == 255 && g == 255 && b == 255; }

/* Centroid and count of pixels matching pred inside [x0, x1) x [0, h). */
long find(const png_img *im, int (*pred)(int, int, int), int x0, int x1, double *cx,
          double *cy)
{
    long n = 0;
    double sx = 0, sy = 0;
    int x, y, r, g, b;
    for (y = 0; y < im->h; y++)
        for (x = x0; x < x1; x++) {
            px(im, x, y, &r, &g, &b);
            if (pred(r, g, b)) {
                n++;
                sx += x;
                sy += y;
            }
        }
    if (cx)
        *cx = n ? sx / (double)n : -1;
    if (cy)
        *cy = n ? sy / (double)n : -1;
    return n;
}

static int cmp_u32(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

size_t distinct_colours(const png_img *im)
{
    size_t n = (size_t)im->w * (size_t)im->h, i, k = 0;
    unsigned *v = malloc(n * sizeof *v);
    int x, y;
    assert_non_null(v);
    for (y = 0; y < im->h; y++)
        for (x = 0; x < im->w; x++) {
            memcpy(&v[k], im->data + (size_t)y * (size_t)im->stride + (size_t)x * 4, 4);
            v[k++] &= 0xffffffu;
        }
    qsort(v, n, sizeof *v, cmp_u32);
    for (i = 1, k = 1; i < n; i++)
        if (v[i] != v[i - 1])
            k++;
    free(v);
    return k;
}

long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fclose(f);
    return n;
}

long count_in(const png_img *im, int (*pred)(int, int, int), int x0, int x1, int y0, int y1)
{
    long n = 0;
    int x, y, r, g, b;
    for (y = y0 < 0 ? 0 : y0; y < y1 && y < im->h; y++)
        for (x = x0 < 0 ? 0 : x0; x < x1 && x < im->w; x++) {
            px(im, x, y, &r, &g, &b);
            if (pred(r, g, b))
                n++;
        }
    return n;
}

size_t bands(const png_img *im, int (*pred)(int, int, int), int x0, int x1, int *y0s,
             int *y1s, size_t cap)
{
    size_t n = 0;
    int y, in = 0;
    for (y = 0; y <= im->h; y++) {
        int hit = y < im->h && count_in(im, pred, x0, x1, y, y + 1) > 0;
        if (hit && !in) {
            if (n < cap)
                y0s[n] = y;
            in = 1;
        } else if (!hit && in) {
            if (n < cap)
                y1s[n] = y;
            n++;
            in = 0;
        }
    }
    return n;
}
