/* onnx_stage.c - the first-stage capability (first_stage.h) of ONNX models.
 *
 * When the graph starts with a dense layer on the flattened input, the explainer may update
 * that layer's pre-activations feature by feature instead of evaluating masked rows from
 * scratch (src/kernel/masked.c, walk.c). The pattern looked for, each value read by exactly
 * one node:
 *
 *   input -> [Add/Sub/Mul/Div with a constant]* -> [Flatten/Reshape/Squeeze/Unsqueeze/
 *   Identity/Dropout, layout conversions]* -> Gemm (B constant) | MatMul (constant matrix)
 *   -> [Add of a constant bias] -> [Relu/LeakyRelu/Clip/Sigmoid/Tanh, or one fused] -> rest
 *
 * The stage's parts: preprocess = the graph's own nodes before the dense layer (so the
 * arithmetic is the graph's), with the feature order of raw (channels-last) rows restored;
 * preact = xp W^T + b with W^T stored (d, h) and its rows permuted the same way (a layout
 * conversion before Flatten reorders features: shapc's (H, W, C) rows against the exporter's
 * (C, H, W) flattening); activate = the activation; finish = the graph after it, bound to
 * the activated tensor. */
#include <math.h>
#include <string.h>

#include "model/onnx_model.h"
#include "model/onnx_ops.h"
#include "util/alloc.h"
#include "util/linalg.h"

/* The position of the only live node reading v, or -1 (none, several, or a graph output). */
static int sole_reader(const shapc__ox_graph *g, int v)
{
    int at = -1;
    for (size_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v)
            return -1;
    for (size_t p = 0; p < g->n_order; p++) {
        const shapc__ox_node *nd = &g->nodes[g->order[p]];
        for (size_t k = 0; k < nd->n_in; k++)
            if (nd->in[k] == v) {
                if (at >= 0 && at != (int)p)
                    return -1;
                at = (int)p;
            }
    }
    return at;
}

static int is_const_f(const shapc__ox_graph *g, int v)
{
    return v >= 0 && g->values[v].kind == SHAPC__OX_CONST && g->values[v].dtype == SHAPC__OX_F32;
}

static int same_dims(const shapc__ox_value *a, const shapc__ox_value *b)
{
    if (a->rank != b->rank)
        return 0;
    for (size_t r = 0; r < a->rank; r++)
        if (!shapc__sd_eq(a->dim[r], b->dim[r]))
            return 0;
    return 1;
}

/* (B, per-row d) with the batch leading and nothing else depending on it. */
static int batch_rows(const shapc__ox_value *v, size_t d)
{
    size_t p = 1;
    if (v->rank == 0 || v->dim[0].a != 1 || v->dim[0].b != 0)
        return 0;
    for (size_t r = 1; r < v->rank; r++) {
        if (v->dim[r].a != 0)
            return 0;
        p *= (size_t)v->dim[r].b;
    }
    return p == d;
}

/* A layout conversion of (C, H*W) per row: new[q] = old[src(q)]. */
static void permute_conv(size_t *perm, size_t *tmp, size_t C, size_t P, int to_nhwc)
{
    for (size_t ch = 0; ch < C; ch++)
        for (size_t p = 0; p < P; p++) {
            if (to_nhwc)
                tmp[p * C + ch] = perm[ch * P + p];
            else
                tmp[ch * P + p] = perm[p * C + ch];
        }
    memcpy(perm, tmp, C * P * sizeof *perm);
}

/* ---- the stage's functions (ctx = the adapter) ---- */

static void stage_preprocess(const void *ctx, const float *x, size_t rows, float *xp)
{
    const shapc__onnx_model *om = ctx;
    shapc_error err = {0};
    if (om->pre_nodes == 0) {
        memcpy(xp, x, rows * om->d * sizeof *xp);
    } else if (!om->perm) {
        if (shapc__onnx_run_rows(om, 0, om->dense_pos, om->in_v, x, om->dense_in, xp, rows,
                                 &err) != SHAPC_OK)
            goto failed;
        return;
    } else {
        float *tmp = shapc__malloc(rows * om->d * sizeof *tmp + 1);
        if (!tmp || shapc__onnx_run_rows(om, 0, om->dense_pos, om->in_v, x, om->dense_in, tmp,
                                         rows, &err) != SHAPC_OK) {
            shapc__free(tmp);
            goto failed;
        }
        for (size_t r = 0; r < rows; r++)
            for (size_t q = 0; q < om->d; q++)
                xp[r * om->d + om->perm[q]] = tmp[r * om->d + q];
        shapc__free(tmp);
    }
    return;
failed:
    /* preprocess cannot report: NaN rows make the model's output non-finite, which the
     * explainer reports as a model failure on that row */
    for (size_t i = 0; i < rows * om->d; i++)
        xp[i] = (float)NAN;
}

static void stage_preact(const void *ctx, const float *xp, size_t rows, float *pre)
{
    const shapc__onnx_model *om = ctx;
    for (size_t r = 0; r < rows; r++)
        memcpy(pre + r * om->h, om->bias, om->h * sizeof *pre);
    for (size_t r0 = 0; r0 < rows; r0 += SHAPC__OX_BLAS_MAX) {
        size_t m = rows - r0 < SHAPC__OX_BLAS_MAX ? rows - r0 : SHAPC__OX_BLAS_MAX;
        shapc__sgemm(0, 0, m, om->h, om->d, 1.0f, xp + r0 * om->d, om->d, om->wt, om->h, 1.0f,
                     pre + r0 * om->h, om->h);
    }
}

static void stage_activate(const void *ctx, float *pre, size_t rows)
{
    const shapc__onnx_model *om = ctx;
    const size_t n = rows * om->h;
    if (om->act_pos >= 0) {
        const shapc__ox_node *nd = &om->g->nodes[om->g->order[om->act_pos]];
        shapc__ox_tensor t[2 * SHAPC__OX_MAX_IO];
        shapc_error err = {0};
        memset(t, 0, sizeof t);
        t[0].f = pre;
        t[0].rank = 1;
        t[0].dim[0] = t[0].count = n;
        t[SHAPC__OX_MAX_IO] = t[0];
        for (size_t k = 1; k < nd->n_in && k < SHAPC__OX_MAX_IO; k++)
            if (nd->in[k] >= 0) { /* Clip's constant bounds */
                t[k].f = om->g->values[nd->in[k]].data;
                t[k].count = 1;
            }
        (void)shapc__ox_op_info_of(nd->op)->run(nd, t, t + SHAPC__OX_MAX_IO, &err);
    } else {
        shapc__ox_attrs at;
        memset(&at, 0, sizeof at);
        at.act = om->act;
        at.act_lo = om->act_lo;
        at.act_hi = om->act_hi;
        shapc__ox_apply_act(&at, pre, n);
    }
}

static shapc_status stage_finish(const void *ctx, const float *hid, size_t rows, float *out,
                                 float *scratch, shapc_error *err)
{
    const shapc__onnx_model *om = ctx;
    (void)scratch;
    return shapc__onnx_run_rows(om, om->finish_pos, om->g->n_order, om->act_value, hid,
                                om->out_v, out, rows, err);
}

/* ---- detection ---- */

int shapc__onnx_stage_detect(shapc__onnx_model *om, shapc__first_stage *out)
{
    const shapc__ox_graph *g = om->g;
    const size_t d = om->d;
    size_t *perm = NULL, *tmp = NULL, h;
    int v = om->in_v, p, pre = 0, conv[16], n_conv = 0;
    const shapc__ox_node *nd;
    /* Walk the chain first; the feature permutation is built only once the dense layer's
     * weights (d x h of them, in the file) have proven d. */
    for (;;) {
        if ((p = sole_reader(g, v)) < 0)
            return 0;
        nd = &g->nodes[g->order[p]];
        if (nd->op == SHAPC__OX_OP_GEMM || nd->op == SHAPC__OX_OP_MATMUL)
            break;
        const shapc__ox_value *o = nd->out[0] >= 0 ? &g->values[nd->out[0]] : NULL;
        if (!o || !batch_rows(o, d) || o->dtype != SHAPC__OX_F32)
            return 0;
        if ((nd->op == SHAPC__OX_OP_ADD || nd->op == SHAPC__OX_OP_SUB ||
             nd->op == SHAPC__OX_OP_MUL || nd->op == SHAPC__OX_OP_DIV) &&
            nd->at.act == SHAPC__OX_ACT_NONE &&
            ((nd->in[0] == v && is_const_f(g, nd->in[1])) ||
             (nd->in[1] == v && is_const_f(g, nd->in[0]))) &&
            same_dims(o, &g->values[v])) {
            pre++; /* elementwise with a constant: run as the graph runs it */
        } else if (nd->op == SHAPC__OX_OP_TO_NCHW || nd->op == SHAPC__OX_OP_TO_NHWC) {
            if (!nd->alias) {
                if (n_conv == (int)(sizeof conv / sizeof conv[0]))
                    return 0;
                conv[n_conv++] = p;
            }
        } else if (!(shapc__ox_op_info_of(nd->op)->flags & SHAPC__OX_F_ALIAS) ||
                   nd->in[0] != v) {
            return 0; /* views (Flatten, Reshape, ...) keep the order of the values */
        }
        v = nd->out[0];
    }
    /* the dense layer */
    const shapc__ox_value *x = &g->values[v];
    int is_gemm = nd->op == SHAPC__OX_OP_GEMM, bias_v = -1;
    float alpha = 1.0f, beta = 1.0f;
    if (x->rank != 2 || nd->in[0] != v || !is_const_f(g, nd->in[1]))
        return 0;
    if (is_gemm) {
        if (nd->at.trans_a)
            return 0;
        alpha = nd->at.alpha;
        beta = nd->at.beta;
        bias_v = nd->n_in > 2 ? nd->in[2] : -1;
        if (bias_v >= 0 && !is_const_f(g, bias_v))
            return 0;
    } else if (nd->op != SHAPC__OX_OP_MATMUL || g->values[nd->in[1]].rank != 2) {
        return 0;
    }
    const shapc__ox_value *w = &g->values[nd->in[1]], *y = &g->values[nd->out[0]];
    h = (size_t)y->dim[1].b;
    if (!batch_rows(y, h) || h == 0 || shapc__ox_count(w, 1) / h != d ||
        (bias_v >= 0 && shapc__ox_count(&g->values[bias_v], 1) != h &&
         shapc__ox_count(&g->values[bias_v], 1) != 1))
        return 0;
    /* the raw feature of each storage index of the dense input */
    if (!(perm = shapc__malloc(d * sizeof *perm)) || !(tmp = shapc__malloc(d * sizeof *tmp))) {
        shapc__free(perm);
        return -1;
    }
    for (size_t q = 0; q < d; q++)
        perm[q] = q;
    for (int i = 0; i < n_conv; i++) {
        const shapc__ox_node *cn = &g->nodes[g->order[conv[i]]];
        const shapc__ox_value *cx = &g->values[cn->in[0]];
        permute_conv(perm, tmp, (size_t)cx->dim[1].b, (size_t)(cx->dim[2].b * cx->dim[3].b),
                     cn->op == SHAPC__OX_OP_TO_NHWC);
    }
    om->dense_pos = (size_t)p;
    om->dense_in = v;
    om->pre_nodes = pre;
    om->h = h;
    om->act = nd->at.act;
    om->act_lo = nd->at.act_lo;
    om->act_hi = nd->at.act_hi;
    om->act_value = nd->out[0];
    om->finish_pos = (size_t)p + 1;
    if (!(om->wt = shapc__malloc(d * h * sizeof *om->wt)) ||
        !(om->bias = shapc__calloc(h, sizeof *om->bias))) {
        shapc__free(om->wt);
        om->wt = NULL;
        shapc__free(perm);
        shapc__free(tmp);
        return -1;
    }
    const int tb = is_gemm && nd->at.trans_b;
    for (size_t q = 0; q < d; q++)
        for (size_t j = 0; j < h; j++)
            om->wt[perm[q] * h + j] = alpha * w->data[tb ? j * d + q : q * h + j];
    if (bias_v >= 0) {
        const shapc__ox_value *c = &g->values[bias_v];
        for (size_t j = 0; j < h; j++)
            om->bias[j] = beta * c->data[shapc__ox_count(c, 1) == 1 ? 0 : j];
    }
    /* a separate bias, then a separate activation */
    int u = nd->out[0], q;
    if (om->act == SHAPC__OX_ACT_NONE && (q = sole_reader(g, u)) >= 0) {
        const shapc__ox_node *b = &g->nodes[g->order[q]];
        int other = b->n_in != 2 ? -1 : b->in[0] == u ? b->in[1] : b->in[0];
        if (b->op == SHAPC__OX_OP_ADD && is_const_f(g, other) &&
            same_dims(&g->values[b->out[0]], &g->values[u]) &&
            (shapc__ox_count(&g->values[other], 1) == h ||
             shapc__ox_count(&g->values[other], 1) == 1)) {
            const shapc__ox_value *c = &g->values[other];
            for (size_t j = 0; j < h; j++)
                om->bias[j] += c->data[shapc__ox_count(c, 1) == 1 ? 0 : j];
            om->act = b->at.act;
            om->act_lo = b->at.act_lo;
            om->act_hi = b->at.act_hi;
            u = b->out[0];
            om->finish_pos = (size_t)q + 1;
        }
    }
    if (om->act == SHAPC__OX_ACT_NONE && (q = sole_reader(g, u)) >= 0) {
        const shapc__ox_node *a = &g->nodes[g->order[q]];
        const shapc__ox_op op = a->op;
        if ((op == SHAPC__OX_OP_RELU || op == SHAPC__OX_OP_LEAKYRELU || op == SHAPC__OX_OP_SIGMOID ||
             op == SHAPC__OX_OP_TANH ||
             (op == SHAPC__OX_OP_CLIP && (a->n_in < 2 || a->in[1] < 0 || is_const_f(g, a->in[1])) &&
              (a->n_in < 3 || a->in[2] < 0 || is_const_f(g, a->in[2])))) &&
            a->in[0] == u && same_dims(&g->values[a->out[0]], &g->values[u])) {
            om->act_pos = q;
            u = a->out[0];
            om->finish_pos = (size_t)q + 1;
        }
    }
    om->act_value = u;
    if (n_conv > 0) {
        om->perm = perm;
        perm = NULL;
    }
    shapc__free(perm);
    shapc__free(tmp);
    om->has_stage = 1;
    {
        const int relu = om->act == SHAPC__OX_ACT_RELU ||
                         (om->act_pos >= 0 &&
                          g->nodes[g->order[om->act_pos]].op == SHAPC__OX_OP_RELU);
        shapc__first_stage s = {
            .d = d,
            .h = h,
            .wt = om->wt,
            .relu = relu,
            .tail_scratch = 0,
            .ctx = om,
            .preprocess = stage_preprocess,
            .preact = stage_preact,
            .activate = stage_activate,
            .finish = stage_finish,
        };
        *out = s;
    }
    return 1;
}
