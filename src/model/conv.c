/* conv.c - geometry checks and single-image kernels of conv2d and pooling layers.
 *
 * Channels-last layout everywhere. Conv2d gathers each output position's receptive field
 * (ky, kx, c order, zeros for padding) into one row of an im2col matrix Col (P, K), P =
 * out_h * out_w, K = kh * kw * in_c, then Y (P, out_c) = Col W^T with W (out_c, K) row-major:
 * the same sgemm shape as a dense layer, and Y is already channels-last. */
#include "model/conv.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/native.h"
#include "util/alloc.h"

const char *shapc__layer_kind_name(shapc_layer_kind kind)
{
    switch (kind) {
    case SHAPC_LAYER_DENSE:
        return "dense";
    case SHAPC_LAYER_CONV2D:
        return "conv2d";
    case SHAPC_LAYER_MAXPOOL:
        return "maxpool";
    case SHAPC_LAYER_AVGPOOL:
        return "avgpool";
    case SHAPC_LAYER_GLOBAL_AVGPOOL:
        return "global_avgpool";
    case SHAPC_LAYER_FLATTEN:
        return "flatten";
    }
    return NULL;
}

int shapc__layer_has_weights(shapc_layer_kind kind)
{
    return kind == SHAPC_LAYER_DENSE || kind == SHAPC_LAYER_CONV2D;
}

/* One spatial axis: output size and leading padding, or 0 with a reason. */
static int axis(size_t in, size_t k, size_t stride, shapc_padding pad, const char *name,
                size_t *out, size_t *lead, char *why, size_t cap)
{
    if (pad == SHAPC_PAD_VALID) {
        if (k > in) {
            snprintf(why, cap, "kernel %s %zu is larger than the input %s %zu with valid "
                     "padding", name, k, name, in);
            return 0;
        }
        *out = (in - k) / stride + 1;
        *lead = 0;
        return 1;
    }
    *out = in / stride + (in % stride != 0);
    size_t span = (*out - 1) * stride + k; /* all <= 2^31 - 1 each: no overflow in size_t */
    *lead = span > in ? (span - in) / 2 : 0;
    return 1;
}

int shapc__layer_check(const shapc_layer_spec *ly, const shapc_layer_geometry *geo,
                       shapc__geom *g, char *why, size_t cap)
{
    size_t n_in, n_out;
    memset(g, 0, sizeof *g);
    why[0] = '\0';
    if (!shapc__layer_kind_name(ly->kind)) {
        snprintf(why, cap, "unknown kind %d", (int)ly->kind);
        return 0;
    }
    if (ly->kind == SHAPC_LAYER_DENSE)
        return 1;
    if (ly->activation != SHAPC_ACT_IDENTITY && ly->kind != SHAPC_LAYER_CONV2D) {
        snprintf(why, cap, "a %s layer takes the identity activation, not %d",
                 shapc__layer_kind_name(ly->kind), (int)ly->activation);
        return 0;
    }
    if (ly->kind == SHAPC_LAYER_FLATTEN) {
        if (ly->n_in != ly->n_out) {
            snprintf(why, cap, "flatten has n_in %zu but n_out %zu", ly->n_in, ly->n_out);
            return 0;
        }
        return 1;
    }
    if (!geo) {
        snprintf(why, cap, "a %s layer needs its geometry (layer_geometry is NULL)",
                 shapc__layer_kind_name(ly->kind));
        return 0;
    }
    if (geo->in_h == 0 || geo->in_w == 0 || geo->in_c == 0 || geo->in_h > SHAPC__NATIVE_MAX_DIM ||
        geo->in_w > SHAPC__NATIVE_MAX_DIM || geo->in_c > SHAPC__NATIVE_MAX_DIM) {
        snprintf(why, cap, "input image %zux%zux%zu is empty or too large", geo->in_h, geo->in_w,
                 geo->in_c);
        return 0;
    }
    if (!shapc__mul_size(geo->in_h, geo->in_w, &n_in) || !shapc__mul_size(n_in, geo->in_c, &n_in) ||
        n_in != ly->n_in) {
        snprintf(why, cap, "input image %zux%zux%zu does not hold n_in = %zu values", geo->in_h,
                 geo->in_w, geo->in_c, ly->n_in);
        return 0;
    }
    g->in_h = geo->in_h;
    g->in_w = geo->in_w;
    g->in_c = geo->in_c;
    g->out_c = ly->kind == SHAPC_LAYER_CONV2D ? geo->out_c : geo->in_c;
    if (ly->kind == SHAPC_LAYER_CONV2D) {
        if (geo->out_c == 0 || geo->out_c > SHAPC__NATIVE_MAX_DIM) {
            snprintf(why, cap, "conv2d has %zu filters", geo->out_c);
            return 0;
        }
    } else if (geo->out_c != 0 && geo->out_c != geo->in_c) {
        snprintf(why, cap, "a %s layer has out_c %zu but in_c %zu (channel mismatch)",
                 shapc__layer_kind_name(ly->kind), geo->out_c, geo->in_c);
        return 0;
    }
    if (ly->kind == SHAPC_LAYER_GLOBAL_AVGPOOL) {
        if (geo->kernel_h || geo->kernel_w || geo->stride || geo->padding != SHAPC_PAD_VALID) {
            snprintf(why, cap, "global_avgpool takes kernel, stride and padding 0");
            return 0;
        }
        g->out_h = g->out_w = 1;
    } else {
        if (geo->kernel_h == 0 || geo->kernel_w == 0 || geo->kernel_h > SHAPC__NATIVE_MAX_DIM ||
            geo->kernel_w > SHAPC__NATIVE_MAX_DIM) {
            snprintf(why, cap, "kernel %zux%zu is empty or too large", geo->kernel_h,
                     geo->kernel_w);
            return 0;
        }
        if (geo->stride == 0 || geo->stride > SHAPC__NATIVE_MAX_DIM) {
            snprintf(why, cap, "stride %zu is not in 1..2^31-1", geo->stride);
            return 0;
        }
        if (geo->padding != SHAPC_PAD_VALID && geo->padding != SHAPC_PAD_SAME) {
            snprintf(why, cap, "unknown padding %d", (int)geo->padding);
            return 0;
        }
        g->kh = geo->kernel_h;
        g->kw = geo->kernel_w;
        g->stride = geo->stride;
        if (!axis(g->in_h, g->kh, g->stride, geo->padding, "height", &g->out_h, &g->pad_top, why,
                  cap) ||
            !axis(g->in_w, g->kw, g->stride, geo->padding, "width", &g->out_w, &g->pad_left, why,
                  cap))
            return 0;
    }
    if (!shapc__mul_size(g->out_h, g->out_w, &n_out) ||
        !shapc__mul_size(n_out, g->out_c, &n_out) || n_out != ly->n_out) {
        snprintf(why, cap, "output %zux%zux%zu does not match n_out = %zu", g->out_h, g->out_w,
                 g->out_c, ly->n_out);
        return 0;
    }
    if (ly->kind == SHAPC_LAYER_CONV2D) {
        size_t nw, col;
        if (!shapc__mul_size(g->kh, g->kw, &nw) || !shapc__mul_size(nw, g->in_c, &nw) ||
            nw > SHAPC__NATIVE_MAX_DIM || !shapc__mul_size(nw, g->out_c, &nw) ||
            nw > SIZE_MAX / sizeof(float) || !shapc__mul_size(n_out / g->out_c, nw, &col) ||
            col > SIZE_MAX / sizeof(float)) {
            snprintf(why, cap, "conv2d %zux%zu kernel over %zu channels is too large", g->kh,
                     g->kw, g->in_c);
            return 0;
        }
    }
    return 1;
}

size_t shapc__layer_n_weights(const shapc_layer_spec *ly, const shapc__geom *g)
{
    if (ly->kind == SHAPC_LAYER_DENSE)
        return ly->n_in * ly->n_out;
    if (ly->kind == SHAPC_LAYER_CONV2D)
        return g->out_c * g->kh * g->kw * g->in_c;
    return 0;
}

size_t shapc__layer_n_bias(const shapc_layer_spec *ly, const shapc__geom *g)
{
    if (ly->kind == SHAPC_LAYER_DENSE)
        return ly->n_out;
    if (ly->kind == SHAPC_LAYER_CONV2D)
        return g->out_c;
    return 0;
}

size_t shapc__conv_col_floats(const shapc__geom *g)
{
    return g->out_h * g->out_w * g->kh * g->kw * g->in_c; /* checked by shapc__layer_check */
}

shapc__window shapc__window_of(const shapc__geom *g)
{
    shapc__window w = {g->in_h, g->in_w, g->in_c, 0,         g->in_c,   g->out_h,
                       g->out_w, g->kh,   g->kw,   g->stride, g->stride, 1,
                       1,       g->pad_top, g->pad_left};
    return w;
}

/* Input coordinate of output o, kernel tap k: SIZE_MAX when it falls in the padding. */
static size_t src_index(size_t o, size_t k, size_t stride, size_t dil, size_t lead, size_t in)
{
    size_t p = o * stride + k * dil;
    if (p < lead || p - lead >= in)
        return SIZE_MAX;
    return p - lead;
}

void shapc__im2col(const shapc__window *w, const float *x, float *col)
{
    const size_t cn = w->cn, K = w->kh * w->kw * cn;
    float *row = col;
    for (size_t oy = 0; oy < w->out_h; oy++) {
        for (size_t ox = 0; ox < w->out_w; ox++) {
            for (size_t ky = 0; ky < w->kh; ky++) {
                size_t iy = src_index(oy, ky, w->stride_h, w->dil_h, w->pad_top, w->in_h);
                for (size_t kx = 0; kx < w->kw; kx++) {
                    size_t ix = src_index(ox, kx, w->stride_w, w->dil_w, w->pad_left, w->in_w);
                    float *dst = row + (ky * w->kw + kx) * cn;
                    if (iy == SIZE_MAX || ix == SIZE_MAX)
                        memset(dst, 0, cn * sizeof *dst);
                    else
                        memcpy(dst, x + (iy * w->in_w + ix) * w->in_c + w->c0, cn * sizeof *dst);
                }
            }
            row += K;
        }
    }
}

void shapc__conv2d_image(const shapc__geom *g, const float *w, const float *bias,
                         const float *x, float *y, float *col)
{
    const shapc__window win = shapc__window_of(g);
    const size_t K = g->kh * g->kw * g->in_c, P = g->out_h * g->out_w;
    shapc__im2col(&win, x, col);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)P, (int)g->out_c, (int)K, 1.0f,
                col, (int)K, w, (int)K, 0.0f, y, (int)g->out_c);
    for (size_t p = 0; p < P; p++)
        for (size_t o = 0; o < g->out_c; o++)
            y[p * g->out_c + o] += bias[o];
}

/* 1 if padded coordinate p (p = o * stride + k * dil, padding lead before the image) lies
 * inside the padded image of in + lead + trail cells. */
static int in_padded(size_t p, size_t in, size_t lead, size_t trail)
{
    return p < in + lead + trail;
}

void shapc__pool_window(const shapc__window *w, const float *x, float *y, int is_max,
                        int count_pad, size_t pad_bottom, size_t pad_right)
{
    const size_t cn = w->cn;
    for (size_t oy = 0; oy < w->out_h; oy++) {
        for (size_t ox = 0; ox < w->out_w; ox++) {
            float *dst = y + (oy * w->out_w + ox) * cn;
            size_t count = 0, padded = 0;
            for (size_t ky = 0; ky < w->kh; ky++) {
                size_t py = oy * w->stride_h + ky * w->dil_h;
                size_t iy = src_index(oy, ky, w->stride_h, w->dil_h, w->pad_top, w->in_h);
                for (size_t kx = 0; kx < w->kw; kx++) {
                    size_t px = ox * w->stride_w + kx * w->dil_w;
                    size_t ix = src_index(ox, kx, w->stride_w, w->dil_w, w->pad_left, w->in_w);
                    padded += in_padded(py, w->in_h, w->pad_top, pad_bottom) &&
                              in_padded(px, w->in_w, w->pad_left, pad_right);
                    if (iy == SIZE_MAX || ix == SIZE_MAX)
                        continue;
                    const float *src = x + (iy * w->in_w + ix) * w->in_c + w->c0;
                    for (size_t ch = 0; ch < cn; ch++) {
                        if (count == 0)
                            dst[ch] = src[ch];
                        else if (is_max)
                            dst[ch] = src[ch] > dst[ch] ? src[ch] : dst[ch];
                        else
                            dst[ch] += src[ch];
                    }
                    count++;
                }
            }
            if (count == 0) {
                for (size_t ch = 0; ch < cn; ch++)
                    dst[ch] = is_max ? -INFINITY : 0.0f;
            } else if (!is_max) {
                const float div = (float)(count_pad ? padded : count);
                for (size_t ch = 0; ch < cn; ch++)
                    dst[ch] /= div;
            }
        }
    }
}

void shapc__maxpool_image(const shapc__geom *g, const float *x, float *y)
{
    const shapc__window w = shapc__window_of(g);
    shapc__pool_window(&w, x, y, 1, 0, 0, 0);
}

void shapc__avgpool_image(const shapc__geom *g, const float *x, float *y)
{
    const shapc__window w = shapc__window_of(g);
    shapc__pool_window(&w, x, y, 0, 0, 0, 0);
}

void shapc__global_avgpool_image(const shapc__geom *g, const float *x, float *y)
{
    const size_t c = g->in_c, n = g->in_h * g->in_w;
    for (size_t ch = 0; ch < c; ch++) {
        double s = 0.0;
        for (size_t p = 0; p < n; p++)
            s += (double)x[p * c + ch];
        y[ch] = (float)(s / (double)n);
    }
}
