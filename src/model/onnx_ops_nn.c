/* onnx_ops_nn.c - the image operators: Conv (groups, strides, pads, dilations),
 * BatchNormalization (inference), MaxPool, AveragePool, GlobalAveragePool, and the layout
 * conversions onnx_plan.c inserts.
 *
 * Convolution and pooling read and write channels-last tensors (onnx_plan.c arranges it), so
 * they reuse conv.c: the general window (shapc__window), its im2col and its pooling walk.
 * Three convolution paths:
 *   - 1x1, stride 1, no padding, one group: Y (N*H*W, M) = X (N*H*W, C) W^T, one sgemm for
 *     the whole batch (the expand and project layers of an inverted residual block);
 *   - depthwise (one input channel per group): direct loops, contiguous over channels - as
 *     an im2col + sgemm it would be M products of one column each;
 *   - anything else: im2col per image and group, one sgemm per group.
 * Output sizes follow the ONNX spec: floor((in + pads - dil*(k-1) - 1) / stride) + 1, with
 * ceil for pooling's ceil_mode, and auto_pad SAME_UPPER/SAME_LOWER giving ceil(in / stride). */
#include <math.h>
#include <string.h>

#include "model/conv.h"
#include "model/onnx_ops.h"
#include "util/alloc.h"
#include "util/linalg.h"

/* ======================================================================================== */
/* window attributes                                                                        */
/* ======================================================================================== */

/* Reads kernel_shape (or takes kh, kw from the weights), strides, dilations, pads and
 * auto_pad into nd->at, and the output spatial size into *oh, *ow. */
static shapc_status window_attrs(shapc__ox_ictx *c, size_t in_h, size_t in_w, size_t kh,
                                 size_t kw, int pool, size_t *oh, size_t *ow)
{
    shapc__ox_attrs *at = &c->nd->at;
    shapc_status st = SHAPC_OK;
    int64_t v[SHAPC__OX_MAX_RANK], ceil_mode = 0;
    size_t n = 0;
    char pad[32] = "NOTSET";
    at->sh = at->sw = at->dh = at->dw = 1;
    at->pt = at->pl = at->pb = at->pr = 0;
    if (shapc__ox_attr_ints(c, "kernel_shape", SHAPC__OX_MAX_RANK, v, &n, &st)) {
        if (n != 2 || v[0] < 1 || v[1] < 1 || v[0] > (1 << 20) || v[1] > (1 << 20))
            return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "kernel_shape must be two positive "
                                  "sizes (2-D operators only)");
        if (!pool && ((size_t)v[0] != kh || (size_t)v[1] != kw))
            return shapc__ox_fail(c, SHAPC_ESHAPE, "kernel_shape does not match the weights");
        kh = (size_t)v[0];
        kw = (size_t)v[1];
    } else if (pool && st == SHAPC_OK) {
        return shapc__ox_fail(c, SHAPC_EFORMAT, "has no kernel_shape");
    }
    if (shapc__ox_attr_ints(c, "strides", SHAPC__OX_MAX_RANK, v, &n, &st)) {
        if (n != 2 || v[0] < 1 || v[1] < 1 || v[0] > (1 << 20) || v[1] > (1 << 20))
            return shapc__ox_fail(c, SHAPC_EFORMAT, "strides must be two positive sizes");
        at->sh = (size_t)v[0];
        at->sw = (size_t)v[1];
    }
    if (shapc__ox_attr_ints(c, "dilations", SHAPC__OX_MAX_RANK, v, &n, &st)) {
        if (n != 2 || v[0] < 1 || v[1] < 1 || v[0] > (1 << 20) || v[1] > (1 << 20))
            return shapc__ox_fail(c, SHAPC_EFORMAT, "dilations must be two positive sizes");
        at->dh = (size_t)v[0];
        at->dw = (size_t)v[1];
    }
    if (shapc__ox_attr_ints(c, "pads", SHAPC__OX_MAX_RANK, v, &n, &st)) {
        if (n != 4 || v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0 || v[0] > (1 << 20) ||
            v[1] > (1 << 20) || v[2] > (1 << 20) || v[3] > (1 << 20))
            return shapc__ox_fail(c, SHAPC_EFORMAT, "pads must be four non-negative sizes");
        at->pt = (size_t)v[0];
        at->pl = (size_t)v[1];
        at->pb = (size_t)v[2];
        at->pr = (size_t)v[3];
    }
    shapc__ox_attr_string(c, "auto_pad", pad, sizeof pad, &st);
    if (pool)
        shapc__ox_attr_int(c, "ceil_mode", &ceil_mode, &st);
    if (st != SHAPC_OK)
        return st;
    at->kh = kh;
    at->kw = kw;
    at->ceil_mode = ceil_mode != 0;
    const size_t ekh = (kh - 1) * at->dh + 1, ekw = (kw - 1) * at->dw + 1;
    if (strcmp(pad, "SAME_UPPER") == 0 || strcmp(pad, "SAME_LOWER") == 0) {
        size_t tot_h, tot_w;
        *oh = (in_h + at->sh - 1) / at->sh;
        *ow = (in_w + at->sw - 1) / at->sw;
        tot_h = (*oh - 1) * at->sh + ekh > in_h ? (*oh - 1) * at->sh + ekh - in_h : 0;
        tot_w = (*ow - 1) * at->sw + ekw > in_w ? (*ow - 1) * at->sw + ekw - in_w : 0;
        int upper = pad[5] == 'U';
        at->pt = upper ? tot_h / 2 : tot_h - tot_h / 2;
        at->pl = upper ? tot_w / 2 : tot_w - tot_w / 2;
        at->pb = tot_h - at->pt;
        at->pr = tot_w - at->pl;
        return SHAPC_OK;
    }
    if (strcmp(pad, "VALID") == 0)
        at->pt = at->pl = at->pb = at->pr = 0;
    else if (strcmp(pad, "NOTSET") != 0)
        return shapc__ox_fail(c, SHAPC_EFORMAT, "unknown auto_pad '%s'", pad);
    const size_t ph = in_h + at->pt + at->pb, pw = in_w + at->pl + at->pr;
    if (ekh > ph || ekw > pw)
        return shapc__ox_fail(c, SHAPC_ESHAPE, "the %zux%zu window is larger than the padded "
                              "%zux%zu input", ekh, ekw, ph, pw);
    *oh = (ph - ekh) / at->sh + 1;
    *ow = (pw - ekw) / at->sw + 1;
    if (at->ceil_mode) {
        *oh += (ph - ekh) % at->sh != 0;
        *ow += (pw - ekw) % at->sw != 0;
    }
    return SHAPC_OK;
}

/* The input of a 2-D operator: rank 4, constant channels and spatial size. */
static shapc_status image_input(shapc__ox_ictx *c, shapc__ox_value **x)
{
    shapc_status st;
    if ((st = shapc__ox_need_type(c, 0, SHAPC__OX_F32)) != SHAPC_OK)
        return st;
    *x = shapc__ox_in(c, 0);
    if ((*x)->rank != 4)
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "input '%s' has rank %zu: only 2-D "
                              "images (N, C, H, W) are supported", (*x)->name, (*x)->rank);
    for (size_t r = 1; r < 4; r++)
        if ((*x)->dim[r].a != 0)
            return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "channels and image size must not "
                                  "depend on the batch");
    return SHAPC_OK;
}

static shapc__window window_from(const shapc__ox_attrs *at, const shapc__ox_tensor *x,
                                 const shapc__ox_tensor *y)
{
    shapc__window w = {x->dim[2], x->dim[3], x->dim[1], 0,      x->dim[1], y->dim[2],
                       y->dim[3], at->kh,    at->kw,    at->sh, at->sw,    at->dh,
                       at->dw,    at->pt,    at->pl};
    return w;
}

/* ======================================================================================== */
/* Conv                                                                                     */
/* ======================================================================================== */

/* dst[m] += tap[m] * src[m * step / mult]: the three shapes of a depthwise tap, written so
 * the compiler vectorises the first two (restrict: the buffers never overlap). */
static void dw_tap(float *restrict dst, const float *restrict tap, const float *restrict src,
                   size_t M, size_t mult, size_t in_c)
{
    if (mult == 1) {
        for (size_t m = 0; m < M; m++)
            dst[m] += tap[m] * src[m];
    } else if (in_c == 1) {
        const float v = src[0];
        for (size_t m = 0; m < M; m++)
            dst[m] += tap[m] * v;
    } else {
        for (size_t m = 0; m < M; m++)
            dst[m] += tap[m] * src[m / mult];
    }
}

/* Depthwise (one input channel per group; a single-channel image is the case in_c = 1):
 * group g reads input channel g and writes channels [g*mult, (g+1)*mult). wt (kh, kw, M).
 * Each output pixel starts from the bias and gets its activation while still in cache. */
static void conv_depthwise(const shapc__window *w, size_t N, size_t M, const float *wt,
                           const float *bias, const shapc__ox_attrs *at, const float *x,
                           float *y)
{
    const size_t mult = M / w->in_c;
    for (size_t n = 0; n < N; n++) {
        const float *img = x + n * w->in_h * w->in_w * w->in_c;
        for (size_t oy = 0; oy < w->out_h; oy++) {
            for (size_t ox = 0; ox < w->out_w; ox++) {
                float *dst = y + ((n * w->out_h + oy) * w->out_w + ox) * M;
                if (bias)
                    memcpy(dst, bias, M * sizeof *dst);
                else
                    memset(dst, 0, M * sizeof *dst);
                for (size_t ky = 0; ky < w->kh; ky++) {
                    size_t py = oy * w->stride_h + ky * w->dil_h;
                    if (py < w->pad_top || py - w->pad_top >= w->in_h)
                        continue;
                    for (size_t kx = 0; kx < w->kw; kx++) {
                        size_t px = ox * w->stride_w + kx * w->dil_w;
                        if (px < w->pad_left || px - w->pad_left >= w->in_w)
                            continue;
                        dw_tap(dst, wt + (ky * w->kw + kx) * M,
                               img + ((py - w->pad_top) * w->in_w + (px - w->pad_left)) * w->in_c,
                               M, mult, w->in_c);
                    }
                }
                shapc__ox_apply_act(at, dst, M);
            }
        }
    }
}

/* out rows (P, M) = bias, so a following sgemm with beta = 1 adds the products to it. */
static void fill_bias(float *out, size_t P, size_t M, const float *bias)
{
    for (size_t p = 0; p < P; p++)
        memcpy(out + p * M, bias, M * sizeof *out);
}

static shapc_status run_conv(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                             shapc__ox_tensor *out, shapc_error *err)
{
    const shapc__ox_attrs *at = &nd->at;
    const shapc__ox_tensor *x = &in[0], *wt = &in[1], *b = &in[2];
    const size_t N = x->dim[0], C = x->dim[1], M = out->dim[1], G = (size_t)at->group;
    const size_t Cg = C / G, Mg = M / G, taps = at->kh * at->kw, K = taps * Cg;
    const size_t P = out->dim[2] * out->dim[3], HW = x->dim[2] * x->dim[3];
    shapc__window w = window_from(at, x, out);
    float *perm = NULL, *col = NULL;
    if (out->count == 0)
        return SHAPC_OK;
    if (P > SHAPC__OX_BLAS_MAX || K > SHAPC__OX_BLAS_MAX || M > SHAPC__OX_BLAS_MAX ||
        N * HW > SHAPC__OX_BLAS_MAX)
        return shapc_error_set(err, SHAPC_ERANGE, "node '%s' (Conv): too large for BLAS",
                               nd->name);
    /* Weights to the order of the path taken: ONNX stores (M, Cg, kh, kw). */
    if (!(perm = shapc__malloc((M * K + 1) * sizeof *perm)))
        goto oom;
    const float *bias = b->f && b->count == M ? b->f : NULL;
    if (taps == 1 && at->sh == 1 && at->sw == 1 && at->pt + at->pl + at->pb + at->pr == 0 &&
        G == 1) {
        if (bias)
            fill_bias(out->f, N * HW, M, bias);
        shapc__sgemm(0, 1, N * HW, M, C, 1.0f, x->f, C, wt->f, C, bias ? 1.0f : 0.0f, out->f,
                     M);
    } else if (Cg == 1) {
        for (size_t m = 0; m < M; m++) /* (kh, kw, M): contiguous over channels */
            for (size_t t = 0; t < taps; t++)
                perm[t * M + m] = wt->f[m * taps + t];
        conv_depthwise(&w, N, M, perm, bias, at, x->f, out->f);
        shapc__free(perm);
        return SHAPC_OK;
    } else {
        for (size_t m = 0; m < M; m++) /* (M, kh, kw, Cg): conv.c's im2col order */
            for (size_t c = 0; c < Cg; c++)
                for (size_t t = 0; t < taps; t++)
                    perm[(m * taps + t) * Cg + c] = wt->f[(m * Cg + c) * taps + t];
        if (!(col = shapc__malloc((P * K + 1) * sizeof *col)))
            goto oom;
        w.cn = Cg;
        if (bias)
            fill_bias(out->f, N * P, M, bias);
        for (size_t n = 0; n < N; n++) {
            const float *img = x->f + n * HW * C;
            float *dst = out->f + n * P * M;
            for (size_t g = 0; g < G; g++) {
                w.c0 = g * Cg;
                shapc__im2col(&w, img, col);
                shapc__sgemm(0, 1, P, Mg, K, 1.0f, col, K, perm + g * Mg * K, K,
                             bias ? 1.0f : 0.0f, dst + g * Mg, M);
            }
        }
    }
    shapc__ox_apply_act(at, out->f, out->count);
    shapc__free(perm);
    shapc__free(col);
    return SHAPC_OK;
oom:
    shapc__free(perm);
    shapc__free(col);
    return shapc_error_set(err, SHAPC_ENOMEM, "node '%s' (Conv): out of memory", nd->name);
}

static shapc_status infer_conv(shapc__ox_ictx *c)
{
    shapc__ox_value *x, *w, *b;
    shapc_status st = SHAPC_OK;
    int64_t group = 1;
    size_t oh, ow, C, M;
    shapc__sdim dim[4];
    if ((st = shapc__ox_need_inputs(c, 2, 3)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK ||
        (st = image_input(c, &x)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 1, SHAPC__OX_F32)) != SHAPC_OK)
        return st;
    w = shapc__ox_in(c, 1);
    shapc__ox_attr_int(c, "group", &group, &st);
    if (st != SHAPC_OK)
        return st;
    C = (size_t)x->dim[1].b;
    if (w->rank != 4 || w->dim[0].a || w->dim[1].a || w->dim[2].a || w->dim[3].a)
        return shapc__ox_fail(c, SHAPC_ESHAPE, "weights '%s' must be (M, C/group, kh, kw)",
                              w->name);
    M = (size_t)w->dim[0].b;
    if (group < 1 || (size_t)group > C || C % (size_t)group != 0 || M % (size_t)group != 0 ||
        (size_t)w->dim[1].b * (size_t)group != C || M == 0)
        return shapc__ox_fail(c, SHAPC_ESHAPE, "weights '%s' (%lld x %lld) and group %lld do "
                              "not fit %zu input channels", w->name, (long long)w->dim[0].b,
                              (long long)w->dim[1].b, (long long)group, C);
    c->nd->at.group = group;
    if ((b = shapc__ox_in(c, 2)) != NULL &&
        (b->dtype != SHAPC__OX_F32 || b->rank != 1 || !shapc__sd_is(b->dim[0], (int64_t)M)))
        return shapc__ox_fail(c, SHAPC_ESHAPE, "bias '%s' must hold %zu values", b->name, M);
    if ((st = window_attrs(c, (size_t)x->dim[2].b, (size_t)x->dim[3].b, (size_t)w->dim[2].b,
                           (size_t)w->dim[3].b, 0, &oh, &ow)) != SHAPC_OK)
        return st;
    dim[0] = x->dim[0];
    dim[1] = shapc__sd((int64_t)M);
    dim[2] = shapc__sd((int64_t)oh);
    dim[3] = shapc__sd((int64_t)ow);
    return shapc__ox_set_out(c, 0, SHAPC__OX_F32, 4, dim);
}

/* ======================================================================================== */
/* pooling                                                                                  */
/* ======================================================================================== */

static shapc_status run_pool(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                             shapc__ox_tensor *out, shapc_error *err)
{
    const shapc__ox_tensor *x = &in[0];
    const shapc__window w = window_from(&nd->at, x, out);
    const size_t N = x->dim[0], isz = x->count / (N ? N : 1), osz = out->count / (N ? N : 1);
    (void)err;
    for (size_t n = 0; n < N; n++)
        shapc__pool_window(&w, x->f + n * isz, out->f + n * osz, nd->op == SHAPC__OX_OP_MAXPOOL,
                           nd->at.count_include_pad, nd->at.pb, nd->at.pr);
    return SHAPC_OK;
}

static shapc_status infer_pool(shapc__ox_ictx *c)
{
    shapc__ox_value *x;
    shapc_status st = SHAPC_OK;
    int64_t cip = 0, order = 0;
    size_t oh, ow;
    shapc__sdim dim[4];
    if ((st = shapc__ox_need_inputs(c, 1, 1)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK || (st = image_input(c, &x)) != SHAPC_OK)
        return st;
    shapc__ox_attr_int(c, "count_include_pad", &cip, &st);
    shapc__ox_attr_int(c, "storage_order", &order, &st);
    if (st != SHAPC_OK)
        return st;
    if (order != 0)
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "storage_order 1 is not supported");
    c->nd->at.count_include_pad = cip != 0;
    if ((st = window_attrs(c, (size_t)x->dim[2].b, (size_t)x->dim[3].b, 1, 1, 1, &oh, &ow)) !=
        SHAPC_OK)
        return st;
    if (c->nd->op == SHAPC__OX_OP_AVGPOOL && (c->nd->at.dh != 1 || c->nd->at.dw != 1))
        return shapc__ox_fail(c, SHAPC_EFORMAT, "AveragePool takes no dilations");
    dim[0] = x->dim[0];
    dim[1] = x->dim[1];
    dim[2] = shapc__sd((int64_t)oh);
    dim[3] = shapc__sd((int64_t)ow);
    return shapc__ox_set_out(c, 0, SHAPC__OX_F32, 4, dim);
}

static shapc_status run_gap(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                            shapc__ox_tensor *out, shapc_error *err)
{
    const shapc__ox_tensor *x = &in[0];
    const size_t N = x->dim[0], C = x->dim[1];
    const size_t S = N != 0 && C != 0 ? x->count / (N * C) : 0;
    (void)nd;
    (void)err;
    for (size_t n = 0; n < N; n++) {
        const float *img = x->f + n * C * S;
        for (size_t ch = 0; ch < C; ch++) {
            double s = 0.0;
            if (x->nhwc)
                for (size_t p = 0; p < S; p++)
                    s += (double)img[p * C + ch];
            else
                for (size_t p = 0; p < S; p++)
                    s += (double)img[ch * S + p];
            out->f[n * C + ch] = (float)(s / (double)(S ? S : 1));
        }
    }
    return SHAPC_OK;
}

static shapc_status infer_gap(shapc__ox_ictx *c)
{
    shapc__ox_value *x;
    shapc__sdim dim[SHAPC__OX_MAX_RANK];
    shapc_status st;
    if ((st = shapc__ox_need_inputs(c, 1, 1)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 0, SHAPC__OX_F32)) != SHAPC_OK)
        return st;
    x = shapc__ox_in(c, 0);
    if (x->rank < 3)
        return shapc__ox_fail(c, SHAPC_ESHAPE, "input '%s' has rank %zu (at least 3)", x->name,
                              x->rank);
    for (size_t r = 0; r < x->rank; r++) {
        if (r >= 1 && x->dim[r].a != 0)
            return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "channels and image size must not "
                                  "depend on the batch");
        dim[r] = r < 2 ? x->dim[r] : shapc__sd(1);
    }
    return shapc__ox_set_out(c, 0, SHAPC__OX_F32, x->rank, dim);
}

/* ======================================================================================== */
/* BatchNormalization                                                                       */
/* ======================================================================================== */

static shapc_status run_bn(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                           shapc__ox_tensor *out, shapc_error *err)
{
    const shapc__ox_tensor *x = &in[0];
    const size_t N = x->dim[0], C = x->dim[1], S = N != 0 && C != 0 ? x->count / (N * C) : 0;
    float *s = shapc__malloc((2 * C + 1) * sizeof *s), *t;
    if (!s)
        return shapc_error_set(err, SHAPC_ENOMEM, "node '%s' (BatchNormalization): out of "
                               "memory", nd->name);
    t = s + C;
    for (size_t ch = 0; ch < C; ch++) {
        double sc = (double)in[1].f[ch] / sqrt((double)in[4].f[ch] + (double)nd->at.epsilon);
        s[ch] = (float)sc;
        t[ch] = (float)((double)in[2].f[ch] - (double)in[3].f[ch] * sc);
    }
    for (size_t n = 0; n < N; n++) {
        const float *xi = x->f + n * C * S;
        float *yi = out->f + n * C * S;
        if (x->nhwc) {
            for (size_t p = 0; p < S; p++)
                for (size_t ch = 0; ch < C; ch++)
                    yi[p * C + ch] = xi[p * C + ch] * s[ch] + t[ch];
        } else {
            for (size_t ch = 0; ch < C; ch++)
                for (size_t p = 0; p < S; p++)
                    yi[ch * S + p] = xi[ch * S + p] * s[ch] + t[ch];
        }
    }
    shapc__free(s);
    shapc__ox_apply_act(&nd->at, out->f, out->count);
    return SHAPC_OK;
}

static shapc_status infer_bn(shapc__ox_ictx *c)
{
    shapc__ox_value *x;
    shapc_status st = SHAPC_OK;
    int64_t training = 0;
    if ((st = shapc__ox_need_inputs(c, 5, 5)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 0, SHAPC__OX_F32)) != SHAPC_OK)
        return st;
    c->nd->at.epsilon = 1e-5f;
    shapc__ox_attr_float(c, "epsilon", &c->nd->at.epsilon, &st);
    shapc__ox_attr_int(c, "training_mode", &training, &st);
    if (st != SHAPC_OK)
        return st;
    if (training)
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "training mode is not supported");
    x = shapc__ox_in(c, 0);
    if (x->rank < 2 || x->dim[1].a != 0)
        return shapc__ox_fail(c, SHAPC_ESHAPE, "input '%s' needs a channel axis", x->name);
    for (size_t k = 1; k < 5; k++) {
        shapc__ox_value *p = shapc__ox_in(c, k);
        if (p->dtype != SHAPC__OX_F32 || p->rank != 1 || !shapc__sd_eq(p->dim[0], x->dim[1]))
            return shapc__ox_fail(c, SHAPC_ESHAPE, "'%s' must hold one value per channel",
                                  p->name);
    }
    return shapc__ox_set_out(c, 0, SHAPC__OX_F32, x->rank, x->dim);
}

/* ======================================================================================== */
/* layout conversions (inserted by onnx_plan.c, never read from a file)                      */
/* ======================================================================================== */

static shapc_status run_layout(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                               shapc__ox_tensor *out, shapc_error *err)
{
    const shapc__ox_tensor *x = &in[0];
    const size_t N = x->dim[0], C = x->dim[1], P = x->dim[2] * x->dim[3];
    const int to_nhwc = nd->op == SHAPC__OX_OP_TO_NHWC;
    (void)err;
    for (size_t n = 0; n < N; n++) {
        const float *src = x->f + n * C * P;
        float *dst = out->f + n * C * P;
        for (size_t ch = 0; ch < C; ch++)
            for (size_t p = 0; p < P; p++) {
                if (to_nhwc)
                    dst[p * C + ch] = src[ch * P + p];
                else
                    dst[ch * P + p] = src[p * C + ch];
            }
    }
    return SHAPC_OK;
}

static shapc_status infer_layout(shapc__ox_ictx *c)
{
    return shapc__ox_fail(c, SHAPC_EFORMAT, "internal operator in a file");
}

/* ======================================================================================== */

static const shapc__ox_op_info CONV = {infer_conv, run_conv, SHAPC__OX_F_NHWC};
static const shapc__ox_op_info POOL = {infer_pool, run_pool, SHAPC__OX_F_NHWC};
static const shapc__ox_op_info GAP = {infer_gap, run_gap, SHAPC__OX_F_NHWC};
static const shapc__ox_op_info BN = {infer_bn, run_bn, SHAPC__OX_F_NHWC};
static const shapc__ox_op_info LAYOUT = {infer_layout, run_layout, 0};

const shapc__ox_op_info *shapc__ox_info_nn(shapc__ox_op op)
{
    switch (op) {
    case SHAPC__OX_OP_CONV:
        return &CONV;
    case SHAPC__OX_OP_MAXPOOL:
    case SHAPC__OX_OP_AVGPOOL:
        return &POOL;
    case SHAPC__OX_OP_GAVGPOOL:
        return &GAP;
    case SHAPC__OX_OP_BATCHNORM:
        return &BN;
    case SHAPC__OX_OP_TO_NHWC:
    case SHAPC__OX_OP_TO_NCHW:
        return &LAYOUT;
    default:
        return NULL;
    }
}
