/* slic.c - SLIC superpixels (Achanta et al., TPAMI 2012) for image player groups.
 *
 * k-means over (colour, position) with each centre searching only a 2S x 2S window around it
 * (S = grid interval), distance sqrt(dc^2 + (ds / S)^2 m^2); then connectivity is enforced:
 * every 4-connected piece smaller than S^2 / 4 joins an adjacent region, and labels are
 * renumbered 0..n-1 in raster order, so the result is deterministic and every region is
 * connected - which KernelSHAP players over an image should be. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "shapc/image.h"
#include "util/alloc.h"

#define SLIC_ITERATIONS 10

typedef struct centre {
    double y, x;
    double col[4];
} centre;

/* Channels rescaled to 0..100 so compactness means the same whatever the input units. */
static void rescale(const float *img, size_t n, size_t c, double *out)
{
    for (size_t ch = 0; ch < c; ch++) {
        double lo = DBL_MAX, hi = -DBL_MAX;
        for (size_t i = 0; i < n; i++) {
            const double v = (double)img[i * c + ch];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        const double span = hi > lo ? hi - lo : 1.0;
        for (size_t i = 0; i < n; i++)
            out[i * c + ch] = ((double)img[i * c + ch] - lo) / span * 100.0;
    }
}

/* Relabels 4-connected pieces; pieces below min_size merge into the previous neighbour's
 * label. labels in: k-means assignment; out: contiguous ids. Returns the region count. */
static size_t enforce_connectivity(int32_t *labels, size_t h, size_t w, size_t min_size,
                                   int32_t *out, size_t *stack)
{
    const size_t n = h * w;
    for (size_t i = 0; i < n; i++)
        out[i] = -1;
    int32_t next = 0;
    for (size_t start = 0; start < n; start++) {
        if (out[start] >= 0)
            continue;
        /* The label of an already-numbered 4-neighbour, for merging a tiny piece. */
        int32_t adjacent = -1;
        const size_t sy = start / w, sx = start % w;
        if (sx > 0 && out[start - 1] >= 0)
            adjacent = out[start - 1];
        else if (sy > 0 && out[start - w] >= 0)
            adjacent = out[start - w];
        size_t top = 0, count = 0;
        stack[top++] = start;
        out[start] = next;
        const int32_t want = labels[start];
        while (top) {
            const size_t p = stack[--top];
            stack[n - 1 - count++] = p; /* members, stored from the end */
            const size_t y = p / w, x = p % w;
            const size_t nb[4] = {x > 0 ? p - 1 : SIZE_MAX, x + 1 < w ? p + 1 : SIZE_MAX,
                                  y > 0 ? p - w : SIZE_MAX, y + 1 < h ? p + w : SIZE_MAX};
            for (int k = 0; k < 4; k++)
                if (nb[k] != SIZE_MAX && out[nb[k]] < 0 && labels[nb[k]] == want) {
                    out[nb[k]] = next;
                    stack[top++] = nb[k];
                }
        }
        if (count < min_size && adjacent >= 0) {
            for (size_t q = 0; q < count; q++)
                out[stack[n - 1 - q]] = adjacent;
        } else {
            next++;
        }
    }
    return (size_t)next;
}

shapc_status shapc_image_slic(const float *image, size_t h, size_t w, size_t c, size_t n_segments,
                        double compactness, int32_t *labels, size_t *n_labels, shapc_error *err)
{
    size_t n;
    if (!image || !labels || !n_labels || h == 0 || w == 0 || c == 0 || c > 4 ||
        !shapc__mul_size(h, w, &n) || n > ((size_t)1 << 28))
        return shapc_error_set(err, SHAPC_EINVAL, "slic: bad image size %zux%zux%zu", h, w, c);
    if (n_segments == 0 || n_segments > n)
        return shapc_error_set(err, SHAPC_EINVAL, "slic: %zu segments for %zu pixels",
                               n_segments, n);
    if (!(compactness > 0.0))
        return shapc_error_set(err, SHAPC_EINVAL, "slic: compactness must be > 0");
    for (size_t i = 0; i < n * c; i++)
        if (!isfinite(image[i]))
            return shapc_error_set(err, SHAPC_ENONFINITE, "slic: pixel %zu is not finite",
                                   i / c);

    const double step = sqrt((double)n / (double)n_segments);
    const size_t gy = (size_t)fmax(1.0, floor((double)h / step + 0.5));
    const size_t gx = (size_t)fmax(1.0, floor((double)w / step + 0.5));
    const size_t k = gy * gx;
    shapc_status st = SHAPC_OK;
    double *col = shapc__malloc(n * c * sizeof *col);
    double *dist = shapc__malloc(n * sizeof *dist);
    int32_t *assign = shapc__malloc(n * sizeof *assign);
    size_t *stack = shapc__malloc(n * sizeof *stack);
    centre *cs = shapc__calloc(k, sizeof *cs);
    double *acc = shapc__calloc(k * (c + 3), sizeof *acc);
    if (!col || !dist || !assign || !stack || !cs || !acc) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "slic: out of memory");
        goto done;
    }
    rescale(image, n, c, col);
    for (size_t iy = 0; iy < gy; iy++)
        for (size_t ix = 0; ix < gx; ix++) {
            centre *ce = &cs[iy * gx + ix];
            ce->y = ((double)iy + 0.5) * (double)h / (double)gy;
            ce->x = ((double)ix + 0.5) * (double)w / (double)gx;
            const size_t p = (size_t)ce->y * w + (size_t)ce->x;
            memcpy(ce->col, col + p * c, c * sizeof *col);
        }
    const double sy = (double)h / (double)gy, sx = (double)w / (double)gx;
    const double s = sqrt(sy * sx), ratio = (compactness / s) * (compactness / s);
    for (size_t i = 0; i < n; i++)
        assign[i] = 0;
    for (int it = 0; it < SLIC_ITERATIONS; it++) {
        for (size_t i = 0; i < n; i++)
            dist[i] = DBL_MAX;
        for (size_t q = 0; q < k; q++) {
            const centre *ce = &cs[q];
            const long y0 = (long)floor(ce->y - s), y1 = (long)ceil(ce->y + s);
            const long x0 = (long)floor(ce->x - s), x1 = (long)ceil(ce->x + s);
            for (long y = y0 < 0 ? 0 : y0; y < y1 && y < (long)h; y++)
                for (long x = x0 < 0 ? 0 : x0; x < x1 && x < (long)w; x++) {
                    const size_t p = (size_t)y * w + (size_t)x;
                    double dc = 0.0;
                    for (size_t ch = 0; ch < c; ch++) {
                        const double v = col[p * c + ch] - ce->col[ch];
                        dc += v * v;
                    }
                    const double dy = (double)y + 0.5 - ce->y, dx = (double)x + 0.5 - ce->x;
                    const double dd = dc + (dy * dy + dx * dx) * ratio;
                    if (dd < dist[p]) {
                        dist[p] = dd;
                        assign[p] = (int32_t)q;
                    }
                }
        }
        memset(acc, 0, k * (c + 3) * sizeof *acc);
        for (size_t p = 0; p < n; p++) {
            double *a = acc + (size_t)assign[p] * (c + 3);
            a[0] += 1.0;
            a[1] += (double)(p / w) + 0.5;
            a[2] += (double)(p % w) + 0.5;
            for (size_t ch = 0; ch < c; ch++)
                a[3 + ch] += col[p * c + ch];
        }
        for (size_t q = 0; q < k; q++) {
            const double *a = acc + q * (c + 3);
            if (a[0] == 0.0)
                continue; /* an empty cluster keeps its centre */
            cs[q].y = a[1] / a[0];
            cs[q].x = a[2] / a[0];
            for (size_t ch = 0; ch < c; ch++)
                cs[q].col[ch] = a[3 + ch] / a[0];
        }
    }
    const size_t min_size = (size_t)(s * s / 4.0);
    *n_labels = enforce_connectivity(assign, h, w, min_size, labels, stack);
done:
    shapc__free(col);
    shapc__free(dist);
    shapc__free(assign);
    shapc__free(stack);
    shapc__free(cs);
    shapc__free(acc);
    return st;
}
