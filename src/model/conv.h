/* conv.h - geometry and single-image kernels of the convolutional layer kinds.
 *
 * All images are channels-last (NHWC without the N: one row of the batch is one image laid out
 * (h, w, c) row-major). Conv2d is im2col + one cblas_sgemm per image; pooling is direct loops.
 * Everything here is pure: the caller owns every buffer. */
#ifndef SHAPC_MODEL_CONV_H
#define SHAPC_MODEL_CONV_H

#include <stddef.h>

#include "shapc/model.h"

/* Resolved geometry of a spatial layer (padding turned into top/left offsets). */
typedef struct shapc__geom {
    size_t in_h, in_w, in_c;
    size_t out_h, out_w, out_c;
    size_t kh, kw, stride;
    size_t pad_top, pad_left;
} shapc__geom;

/* "dense", "conv2d", "maxpool", "avgpool", "global_avgpool", "flatten"; NULL if unknown. */
const char *shapc__layer_kind_name(shapc_layer_kind kind);

/* Checks a layer's kind-specific fields (geometry, n_in / n_out against it, the identity
 * activation of weightless kinds) and fills *g (zeroed for dense and flatten). Returns 1 when
 * valid; otherwise 0 and a short reason in why[0, cap) ("kernel 5x5 is larger than the 3x3
 * input with valid padding"). geo is the layer's geometry (may be NULL for dense and
 * flatten). Does not look at weights, bias or chaining. */
int shapc__layer_check(const shapc_layer_spec *ly, const shapc_layer_geometry *geo,
                       shapc__geom *g, char *why, size_t cap);

/* 1 if the kind has weights and bias (dense, conv2d). */
int shapc__layer_has_weights(shapc_layer_kind kind);

/* Number of weights of a checked layer (g from shapc__layer_check): n_in * n_out (dense),
 * out_c * kh * kw * in_c (conv2d), 0 otherwise; bias count: n_out, out_c, 0. */
size_t shapc__layer_n_weights(const shapc_layer_spec *ly, const shapc__geom *g);
size_t shapc__layer_n_bias(const shapc_layer_spec *ly, const shapc__geom *g);

/* im2col scratch floats one conv2d image needs: out_h * out_w * kh * kw * in_c. */
size_t shapc__conv_col_floats(const shapc__geom *g);

/* The general window of one spatial operator over one channels-last image, as ONNX
 * describes Conv and pooling: separate strides and dilations per axis, padding before each
 * axis (padding after is implied by out_h / out_w: window cells past the image read as
 * padding), and a slice of channels [c0, c0 + cn) of the in_c stored per pixel (one group of a
 * grouped convolution). Sizes are checked by the caller: every index fits in size_t. */
typedef struct shapc__window {
    size_t in_h, in_w, in_c;
    size_t c0, cn;
    size_t out_h, out_w, kh, kw;
    size_t stride_h, stride_w, dil_h, dil_w;
    size_t pad_top, pad_left;
} shapc__window;

/* The window of a native layer's resolved geometry (all channels, no dilation). */
shapc__window shapc__window_of(const shapc__geom *g);

/* col (out_h * out_w, kh * kw * cn) = the receptive field of every output position, in
 * (ky, kx, channel) order, zeros for padding. */
void shapc__im2col(const shapc__window *w, const float *x, float *col);

/* y (out_h, out_w, cn) = max, or mean, over each window's cells of x (in_h, in_w, in_c)
 * channels [c0, c0 + cn). Padding never wins a max; a mean divides by the in-image cells, or
 * with count_pad by the cells inside the padded image (pad_bottom / pad_right after it).
 * A window with no cell in the image gives -inf (max) or 0 (mean). */
void shapc__pool_window(const shapc__window *w, const float *x, float *y, int is_max,
                        int count_pad, size_t pad_bottom, size_t pad_right);

/* y (out_h, out_w, out_c) = conv(x (in_h, in_w, in_c)) + bias, before any activation.
 * w (out_c, kh, kw, in_c); col holds shapc__conv_col_floats(g) floats. */
void shapc__conv2d_image(const shapc__geom *g, const float *w, const float *bias,
                         const float *x, float *y, float *col);
/* Max / mean over each window's in-bounds cells (padding never contributes). */
void shapc__maxpool_image(const shapc__geom *g, const float *x, float *y);
void shapc__avgpool_image(const shapc__geom *g, const float *x, float *y);
/* y (in_c) = mean over all in_h * in_w positions of x. */
void shapc__global_avgpool_image(const shapc__geom *g, const float *x, float *y);

#endif /* SHAPC_MODEL_CONV_H */
