/* blur.c - the Gaussian blur baseline of an image (include/shapc/image.h): a separable
 * filter, rows then columns, with replicated edges. */
#include <math.h>
#include <stdlib.h>

#include "shapc/image.h"
#include "util/alloc.h"

shapc_status shapc_image_blur(const float *x, size_t h, size_t w, size_t c, double sigma,
                              float *out, shapc_error *err)
{
    size_t pixels, cells;
    if (h == 0 || w == 0 || c == 0 || !x || !out)
        return shapc_error_set(err, SHAPC_EINVAL, "image blur: zero size or NULL image");
    if (!shapc__mul_size(h, w, &pixels) || !shapc__mul_size(pixels, c, &cells))
        return shapc_error_set(err, SHAPC_ERANGE, "image of %zux%zux%zu is too large", h, w,
                               c);
    if (!(sigma > 0.0))
        sigma = (double)(h > w ? h : w) / 8.0;
    if (sigma < 1.0)
        sigma = 1.0;
    const size_t radius = (size_t)ceil(3.0 * sigma);
    double *kern = shapc__malloc((radius + 1) * sizeof *kern);
    double *tmp = shapc__malloc(cells * sizeof *tmp);
    if (!kern || !tmp) {
        shapc__free(kern);
        shapc__free(tmp);
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for the blur");
    }
    double ksum = 0.0;
    for (size_t t = 0; t <= radius; t++) {
        kern[t] = exp(-0.5 * (double)(t * t) / (sigma * sigma));
        ksum += t == 0 ? kern[t] : 2.0 * kern[t];
    }
    for (size_t t = 0; t <= radius; t++)
        kern[t] /= ksum;
    /* Separable: rows then columns; out-of-image taps take the nearest edge pixel. */
    for (size_t y = 0; y < h; y++)
        for (size_t xx = 0; xx < w; xx++)
            for (size_t k = 0; k < c; k++) {
                double s = 0.0;
                for (long t = -(long)radius; t <= (long)radius; t++) {
                    long q = (long)xx + t;
                    q = q < 0 ? 0 : q >= (long)w ? (long)w - 1 : q;
                    s += kern[labs(t)] * (double)x[(y * w + (size_t)q) * c + k];
                }
                tmp[(y * w + xx) * c + k] = s;
            }
    for (size_t y = 0; y < h; y++)
        for (size_t xx = 0; xx < w; xx++)
            for (size_t k = 0; k < c; k++) {
                double s = 0.0;
                for (long t = -(long)radius; t <= (long)radius; t++) {
                    long q = (long)y + t;
                    q = q < 0 ? 0 : q >= (long)h ? (long)h - 1 : q;
                    s += kern[labs(t)] * tmp[((size_t)q * w + xx) * c + k];
                }
                out[(y * w + xx) * c + k] = (float)s;
            }
    shapc__free(kern);
    shapc__free(tmp);
    return SHAPC_OK;
}
