/* onnx_plan.c - layout, fusion and buffer planning of a compiled ONNX graph.
 *
 * Layout. ONNX images are NCHW; conv.c's im2col + sgemm, and shapc's own image rows, are
 * channels-last. Rather than transposing around every convolution, each rank-4 float tensor
 * is stored in whichever layout its producer wrote: convolutions and pooling write NHWC;
 * BatchNormalization, global pooling and elementwise operators work in either (constant
 * operands of a broadcast get a permuted copy); anything else gets an explicit conversion node
 * in front. A conversion of a tensor with one channel, or one pixel, moves nothing and becomes
 * an alias. (onnxruntime's NHWC transformer follows the same idea.)
 *
 * Fusion. Conv followed by BatchNormalization folds the normalisation into the convolution's
 * weights and bias (w' = w * s, b' = (b - mean) * s + beta, s = gamma / sqrt(var + eps), as
 * in Jacob et al. 2018, section 3.2); Relu or Clip after Conv, Gemm, MatMul, Add or
 * BatchNormalization is applied by that kernel to its own output. Both save a pass over
 * memory per layer and change results only by rounding.
 *
 * Buffers. Reshape-like operators and elided conversions alias their input; elementwise
 * operators write over an input that dies at that node. Everything else gets a buffer whose
 * life ends at its last reader; onnx_exec.c packs live buffers into one arena per run. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/onnx_plan.h"
#include "util/alloc.h"

typedef struct lay_ctx {
    shapc__ox_graph *g;
    int *to_nhwc, *to_nchw; /* (n0) conversion of each original value, or -1 */
    size_t n0;
    int *order;             /* the new execution order */
    size_t n_order, cap;
    shapc_error *err;
} lay_ctx;

static shapc_status lay_oom(lay_ctx *c)
{
    return shapc_error_set(c->err, SHAPC_ENOMEM, "%s: out of memory", c->g->path);
}

static int dims_const(const shapc__ox_value *v, size_t from)
{
    for (size_t r = from; r < v->rank; r++)
        if (v->dim[r].a != 0)
            return 0;
    return 1;
}

/* The value v stored in the other layout (to_nhwc: 1 -> NHWC), made once and reused. */
static shapc_status converted(lay_ctx *c, int v, int to_nhwc, int *out)
{
    shapc__ox_graph *g = c->g;
    int *cache = to_nhwc ? c->to_nhwc : c->to_nchw;
    char name[600];
    int nv = -1, ni = -1;
    if ((size_t)v < c->n0 && cache[v] >= 0) {
        *out = cache[v];
        return SHAPC_OK;
    }
    snprintf(name, sizeof name, "%s#%s", g->values[v].name, to_nhwc ? "nhwc" : "nchw");
    if ((nv = shapc__ox_add_value(g, name)) < 0 ||
        (ni = shapc__ox_add_node(g, to_nhwc ? SHAPC__OX_OP_TO_NHWC : SHAPC__OX_OP_TO_NCHW, 1, 1,
                                 name)) < 0)
        return lay_oom(c);
    shapc__ox_value *src = &g->values[v], *dst = &g->values[nv];
    dst->dtype = src->dtype;
    dst->rank = src->rank;
    memcpy(dst->dim, src->dim, sizeof dst->dim);
    dst->shaped = 1;
    dst->nhwc = to_nhwc;
    dst->producer = ni;
    g->nodes[ni].in[0] = v;
    g->nodes[ni].out[0] = nv;
    src->n_uses++;
    /* One channel or one pixel: NCHW and NHWC hold the same bytes. */
    g->nodes[ni].alias = dims_const(src, 1) && (src->dim[1].b == 1 ||
                                                src->dim[2].b * src->dim[3].b == 1);
    c->order[c->n_order++] = ni;
    if ((size_t)v < c->n0)
        cache[v] = nv;
    *out = nv;
    return SHAPC_OK;
}

/* Rewires input k of node ni to the other layout. */
static shapc_status convert_input(lay_ctx *c, int ni, size_t k, int to_nhwc)
{
    int v = c->g->nodes[ni].in[k], nv;
    shapc_status st = converted(c, v, to_nhwc, &nv);
    if (st != SHAPC_OK)
        return st;
    c->g->nodes[ni].in[k] = nv;
    c->g->values[v].n_uses--;
    c->g->values[nv].n_uses++;
    return SHAPC_OK;
}

/* A copy of constant v (rank <= 4, right-aligned to rank 4) stored NHWC, for broadcasting
 * against an NHWC tensor. */
static shapc_status permuted_const(lay_ctx *c, int v, int *out)
{
    shapc__ox_graph *g = c->g;
    char name[600];
    size_t d[4] = {1, 1, 1, 1}, r = g->values[v].rank;
    int nv;
    for (size_t k = 0; k < r; k++)
        d[4 - r + k] = (size_t)g->values[v].dim[k].b;
    snprintf(name, sizeof name, "%s#nhwc", g->values[v].name);
    if ((nv = shapc__ox_add_value(g, name)) < 0)
        return lay_oom(c);
    shapc__ox_value *src = &g->values[v], *dst = &g->values[nv];
    size_t count = d[0] * d[1] * d[2] * d[3];
    if (!(dst->data = shapc__malloc((count + 1) * sizeof *dst->data)))
        return lay_oom(c);
    for (size_t n = 0; n < d[0]; n++)
        for (size_t y = 0; y < d[2]; y++)
            for (size_t x = 0; x < d[3]; x++)
                for (size_t ch = 0; ch < d[1]; ch++)
                    dst->data[((n * d[2] + y) * d[3] + x) * d[1] + ch] =
                        src->data[((n * d[1] + ch) * d[2] + y) * d[3] + x];
    dst->dtype = SHAPC__OX_F32;
    dst->kind = SHAPC__OX_CONST;
    dst->rank = 4;
    for (size_t k = 0; k < 4; k++)
        dst->dim[k] = shapc__sd((int64_t)d[k]);
    dst->shaped = 1;
    dst->nhwc = 1;
    *out = nv;
    return SHAPC_OK;
}

static int is_nhwc(const shapc__ox_graph *g, int v) { return v >= 0 && g->values[v].nhwc; }

static shapc_status lay_binary(lay_ctx *c, int ni)
{
    shapc__ox_graph *g = c->g;
    int a = g->nodes[ni].in[0], b = g->nodes[ni].in[1];
    shapc_status st;
    if (!is_nhwc(g, a) && !is_nhwc(g, b))
        return SHAPC_OK;
    for (size_t k = 0; k < 2; k++) {
        int v = g->nodes[ni].in[k], other = g->nodes[ni].in[1 - k];
        const shapc__ox_value *val = &g->values[v];
        if (val->nhwc || !is_nhwc(g, other))
            continue;
        if (val->kind == SHAPC__OX_CONST && val->rank <= 4 && val->dtype == SHAPC__OX_F32) {
            int nv = -1;
            if (shapc__ox_count(val, 1) == 1)
                continue; /* a scalar broadcasts the same in any layout */
            if ((st = permuted_const(c, v, &nv)) != SHAPC_OK)
                return st;
            g->nodes[ni].in[k] = nv;
            g->values[v].n_uses--;
            g->values[nv].n_uses++;
        } else if (val->kind == SHAPC__OX_RUNTIME && val->rank == 4) {
            if ((st = convert_input(c, ni, k, 1)) != SHAPC_OK)
                return st;
        } else {
            if ((st = convert_input(c, ni, 1 - k, 0)) != SHAPC_OK)
                return st;
        }
    }
    return SHAPC_OK;
}

/* Decides node ni's input layouts (inserting conversions) and its output's layout. */
static shapc_status lay_node(lay_ctx *c, int ni)
{
    shapc__ox_graph *g = c->g;
    const shapc__ox_op op = g->nodes[ni].op;
    const unsigned flags = shapc__ox_op_info_of(op)->flags;
    shapc_status st = SHAPC_OK;
    int out_nhwc = 0;
    if (op == SHAPC__OX_OP_CONV || op == SHAPC__OX_OP_MAXPOOL || op == SHAPC__OX_OP_AVGPOOL) {
        if (!is_nhwc(g, g->nodes[ni].in[0]) && (st = convert_input(c, ni, 0, 1)) != SHAPC_OK)
            return st;
        out_nhwc = 1;
    } else if (op == SHAPC__OX_OP_BATCHNORM || op == SHAPC__OX_OP_GAVGPOOL) {
        out_nhwc = op == SHAPC__OX_OP_BATCHNORM && is_nhwc(g, g->nodes[ni].in[0]);
    } else if (flags & SHAPC__OX_F_BINARY) {
        if ((st = lay_binary(c, ni)) != SHAPC_OK)
            return st;
        out_nhwc = is_nhwc(g, g->nodes[ni].in[0]) || is_nhwc(g, g->nodes[ni].in[1]);
    } else if (flags & SHAPC__OX_F_UNARY) {
        out_nhwc = is_nhwc(g, g->nodes[ni].in[0]);
    } else {
        for (size_t k = 0; k < g->nodes[ni].n_in; k++)
            if (is_nhwc(g, g->nodes[ni].in[k]) && (st = convert_input(c, ni, k, 0)) != SHAPC_OK)
                return st;
    }
    for (size_t k = 0; k < g->nodes[ni].n_out; k++) {
        int v = g->nodes[ni].out[k];
        if (v >= 0)
            g->values[v].nhwc = out_nhwc && k == 0 && g->values[v].rank == 4 &&
                                g->values[v].dtype == SHAPC__OX_F32;
    }
    c->order[c->n_order++] = ni;
    return SHAPC_OK;
}

static shapc_status layout(shapc__ox_graph *g, const shapc__ox_compile_opts *o, shapc_error *err)
{
    lay_ctx c;
    shapc_status st = SHAPC_OK;
    memset(&c, 0, sizeof c);
    c.g = g;
    c.err = err;
    c.n0 = g->n_values;
    c.cap = g->n_order + 2 * g->n_values + g->n_outputs + 1;
    c.to_nhwc = shapc__malloc((c.n0 + 1) * sizeof *c.to_nhwc);
    c.to_nchw = shapc__malloc((c.n0 + 1) * sizeof *c.to_nchw);
    c.order = shapc__malloc(c.cap * sizeof *c.order);
    if (!c.to_nhwc || !c.to_nchw || !c.order) {
        st = lay_oom(&c);
        goto done;
    }
    for (size_t v = 0; v < c.n0; v++)
        c.to_nhwc[v] = c.to_nchw[v] = -1;
    for (size_t i = 0; i < g->n_inputs; i++) {
        shapc__ox_value *v = &g->values[g->inputs[i]];
        v->nhwc = o->input_nhwc && v->rank == 4 && v->dtype == SHAPC__OX_F32;
    }
    for (size_t p = 0; p < g->n_order && st == SHAPC_OK; p++)
        st = lay_node(&c, g->order[p]);
    for (size_t i = 0; i < g->n_outputs && st == SHAPC_OK; i++) {
        int v = g->outputs[i], nv;
        if (!is_nhwc(g, v))
            continue;
        if ((st = converted(&c, v, 0, &nv)) == SHAPC_OK) {
            g->outputs[i] = nv;
            g->values[v].n_uses--;
            g->values[nv].n_uses++;
        }
    }
    if (st == SHAPC_OK) {
        shapc__free(g->order);
        g->order = c.order;
        g->n_order = c.n_order;
        c.order = NULL;
    }
done:
    shapc__free(c.to_nhwc);
    shapc__free(c.to_nchw);
    shapc__free(c.order);
    return st;
}

/* ======================================================================================== */
/* fusion                                                                                   */
/* ======================================================================================== */

static int is_graph_output(const shapc__ox_graph *g, int v)
{
    for (size_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v)
            return 1;
    return 0;
}

static int is_const(const shapc__ox_graph *g, int v)
{
    return v >= 0 && g->values[v].kind == SHAPC__OX_CONST && g->values[v].dtype == SHAPC__OX_F32;
}

/* New constant value holding `data` (taken) with g->values[like]'s dims. -1 on ENOMEM. */
static int new_const(shapc__ox_graph *g, const char *name, float *data, size_t rank,
                     const shapc__sdim *dim)
{
    int v = shapc__ox_add_value(g, name);
    if (v < 0) {
        shapc__free(data);
        return -1;
    }
    shapc__ox_value *val = &g->values[v];
    val->data = data;
    val->dtype = SHAPC__OX_F32;
    val->kind = SHAPC__OX_CONST;
    val->rank = rank;
    memcpy(val->dim, dim, rank * sizeof *dim);
    val->shaped = 1;
    return v;
}

/* Conv (node ci) followed by BatchNormalization (node bi): folds the normalisation. */
static shapc_status fuse_bn(shapc__ox_graph *g, int ci, int bi, shapc_error *err)
{
    shapc__ox_node *cv = &g->nodes[ci], *bn = &g->nodes[bi];
    const shapc__ox_value *w = &g->values[cv->in[1]];
    const size_t oc = (size_t)w->dim[0].b, per = shapc__ox_count(w, 1) / (oc ? oc : 1);
    const float *gam = g->values[bn->in[1]].data, *bet = g->values[bn->in[2]].data;
    const float *mean = g->values[bn->in[3]].data, *var = g->values[bn->in[4]].data;
    const float *bias = cv->n_in > 2 && cv->in[2] >= 0 ? g->values[cv->in[2]].data : NULL;
    float *nw = shapc__malloc((oc * per + 1) * sizeof *nw);
    float *nb = shapc__malloc((oc + 1) * sizeof *nb);
    shapc__sdim bd = shapc__sd((int64_t)oc), wd[SHAPC__OX_MAX_RANK];
    char name[600];
    int wv, bv;
    if (!nw || !nb) {
        shapc__free(nw);
        shapc__free(nb);
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", g->path);
    }
    for (size_t o = 0; o < oc; o++) {
        double s = (double)gam[o] / sqrt((double)var[o] + (double)bn->at.epsilon);
        for (size_t k = 0; k < per; k++)
            nw[o * per + k] = (float)((double)w->data[o * per + k] * s);
        nb[o] = (float)(((bias ? (double)bias[o] : 0.0) - (double)mean[o]) * s + (double)bet[o]);
    }
    memcpy(wd, w->dim, sizeof wd);
    snprintf(name, sizeof name, "%s#bn.w", cv->name);
    if ((wv = new_const(g, name, nw, w->rank, wd)) < 0) {
        shapc__free(nb);
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", g->path);
    }
    snprintf(name, sizeof name, "%s#bn.b", g->nodes[ci].name);
    if ((bv = new_const(g, name, nb, 1, &bd)) < 0)
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", g->path);
    cv = &g->nodes[ci];
    bn = &g->nodes[bi];
    if (cv->n_in < 3) {
        int *in = shapc__realloc(cv->in, 3 * sizeof *in);
        if (!in)
            return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", g->path);
        cv->in = in;
        cv->n_in = 3;
    }
    cv->in[1] = wv;
    cv->in[2] = bv;
    g->values[cv->out[0]].n_uses = 0;
    cv->out[0] = bn->out[0];
    g->values[cv->out[0]].producer = ci;
    bn->dead = 1;
    return SHAPC_OK;
}

static shapc_status fuse(shapc__ox_graph *g, shapc_error *err)
{
    shapc_status st;
    for (size_t p = 0; p < g->n_order; p++) {
        shapc__ox_node *nd = &g->nodes[g->order[p]];
        int src, pi;
        if (nd->dead || nd->n_in < 1 || (src = nd->in[0]) < 0)
            continue;
        pi = g->values[src].producer;
        if (pi < 0 || g->nodes[pi].dead || g->values[src].n_uses != 1 || is_graph_output(g, src))
            continue;
        shapc__ox_node *pr = &g->nodes[pi];
        if (nd->op == SHAPC__OX_OP_BATCHNORM && pr->op == SHAPC__OX_OP_CONV &&
            pr->at.act == SHAPC__OX_ACT_NONE && is_const(g, pr->in[1]) &&
            (pr->n_in < 3 || pr->in[2] < 0 || is_const(g, pr->in[2])) && is_const(g, nd->in[1]) &&
            is_const(g, nd->in[2]) && is_const(g, nd->in[3]) && is_const(g, nd->in[4])) {
            if ((st = fuse_bn(g, pi, g->order[p], err)) != SHAPC_OK)
                return st;
            continue;
        }
        if ((nd->op == SHAPC__OX_OP_RELU ||
             (nd->op == SHAPC__OX_OP_CLIP && (nd->n_in < 2 || nd->in[1] < 0 ||
                                              g->values[nd->in[1]].kind == SHAPC__OX_CONST) &&
              (nd->n_in < 3 || nd->in[2] < 0 || g->values[nd->in[2]].kind == SHAPC__OX_CONST))) &&
            pr->at.act == SHAPC__OX_ACT_NONE && g->values[src].dtype == SHAPC__OX_F32 &&
            (pr->op == SHAPC__OX_OP_CONV || pr->op == SHAPC__OX_OP_GEMM ||
             pr->op == SHAPC__OX_OP_MATMUL || pr->op == SHAPC__OX_OP_ADD ||
             pr->op == SHAPC__OX_OP_BATCHNORM) &&
            g->values[nd->out[0]].nhwc == g->values[src].nhwc) {
            pr->at.act = nd->op == SHAPC__OX_OP_RELU ? SHAPC__OX_ACT_RELU : SHAPC__OX_ACT_CLIP;
            pr->at.act_lo = nd->at.lo;
            pr->at.act_hi = nd->at.hi;
            g->values[src].n_uses = 0;
            pr->out[0] = nd->out[0];
            g->values[pr->out[0]].producer = pi;
            nd->dead = 1;
        }
    }
    size_t w = 0;
    for (size_t p = 0; p < g->n_order; p++)
        if (!g->nodes[g->order[p]].dead)
            g->order[w++] = g->order[p];
    g->n_order = w;
    return SHAPC_OK;
}

/* ======================================================================================== */
/* buffers                                                                                  */
/* ======================================================================================== */

static int may_write_over(const shapc__ox_graph *g, const shapc__ox_node *nd)
{
    const unsigned flags = shapc__ox_op_info_of(nd->op)->flags;
    const shapc__ox_value *in, *out;
    if (!(flags & (SHAPC__OX_F_UNARY | SHAPC__OX_F_BINARY)) || nd->in[0] < 0 || nd->out[0] < 0)
        return 0;
    in = &g->values[nd->in[0]];
    out = &g->values[nd->out[0]];
    if (in->kind != SHAPC__OX_RUNTIME || in->dtype != out->dtype || in->rank != out->rank ||
        in->nhwc != out->nhwc)
        return 0;
    for (size_t r = 0; r < in->rank; r++)
        if (!shapc__sd_eq(in->dim[r], out->dim[r]))
            return 0;
    /* The other operand must not be another view of the same memory. */
    if ((flags & SHAPC__OX_F_BINARY) && nd->in[1] >= 0 && nd->in[1] != nd->in[0] &&
        g->values[nd->in[1]].buffer == in->buffer && in->buffer >= 0)
        return 0;
    return 1;
}

static shapc_status assign_buffers(shapc__ox_graph *g, shapc_error *err)
{
    int *last = shapc__malloc((g->n_values + 1) * sizeof *last); /* per value */
    int *blast = shapc__malloc((g->n_values + 1) * sizeof *blast);
    const int end = (int)g->n_order;
    size_t nb = 0;
    if (!last || !blast) {
        shapc__free(last);
        shapc__free(blast);
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", g->path);
    }
    for (size_t v = 0; v < g->n_values; v++) {
        last[v] = -1;
        g->values[v].buffer = -1;
    }
    for (size_t p = 0; p < g->n_order; p++) {
        const shapc__ox_node *nd = &g->nodes[g->order[p]];
        for (size_t k = 0; k < nd->n_in; k++)
            if (nd->in[k] >= 0)
                last[nd->in[k]] = (int)p;
    }
    for (size_t i = 0; i < g->n_outputs; i++)
        last[g->outputs[i]] = end;
    for (size_t i = 0; i < g->n_inputs; i++) {
        shapc__ox_value *v = &g->values[g->inputs[i]];
        v->buffer = (int)nb;
        blast[nb++] = last[g->inputs[i]];
    }
    for (size_t p = 0; p < g->n_order; p++) {
        shapc__ox_node *nd = &g->nodes[g->order[p]];
        for (size_t k = 0; k < nd->n_out; k++) {
            int v = nd->out[k], src = nd->in[0];
            if (v < 0)
                continue;
            shapc__ox_value *val = &g->values[v];
            int b = -1;
            if (k == 0 && nd->alias && g->values[src].kind == SHAPC__OX_RUNTIME) {
                b = g->values[src].buffer;
            } else if (k == 0 && may_write_over(g, nd) && blast[g->values[src].buffer] == (int)p) {
                b = g->values[src].buffer;
                nd->in_place = 1;
            } else if (k == 0 && nd->alias) {
                nd->alias = 0; /* a view of a constant: copied by the kernel instead */
            }
            if (b < 0) {
                b = (int)nb;
                blast[nb++] = -1;
            }
            val->buffer = b;
            if (last[v] > blast[b])
                blast[b] = last[v];
            if (blast[b] < (int)p)
                blast[b] = (int)p; /* an output nobody reads still needs its memory */
        }
    }
    shapc__free(last);
    g->buffer_last = blast;
    g->n_buffers = nb;
    return SHAPC_OK;
}

/* Constant int64 inputs read by kernels: their plain values. */
static shapc_status materialise(shapc__ox_graph *g, shapc_error *err)
{
    for (size_t p = 0; p < g->n_order; p++) {
        const shapc__ox_node *nd = &g->nodes[g->order[p]];
        for (size_t k = 0; k < nd->n_in; k++) {
            shapc__ox_value *v = nd->in[k] >= 0 ? &g->values[nd->in[k]] : NULL;
            size_t n, i;
            if (!v || v->kind != SHAPC__OX_CONST || v->dtype != SHAPC__OX_I64 || v->idata)
                continue;
            n = shapc__ox_count(v, 1);
            for (i = 0; i < n && v->sym[i].a == 0; i++)
                ;
            if (i < n)
                continue; /* depends on the batch: only its dims matter to the kernel */
            if (!(v->idata = shapc__malloc((n + 1) * sizeof *v->idata)))
                return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", g->path);
            for (i = 0; i < n; i++)
                v->idata[i] = v->sym[i].b;
        }
    }
    return SHAPC_OK;
}

shapc_status shapc__ox_plan(shapc__ox_graph *g, const shapc__ox_compile_opts *o,
                            shapc_error *err)
{
    shapc_status st;
    for (size_t p = 0; p < g->n_order; p++) {
        shapc__ox_node *nd = &g->nodes[g->order[p]];
        nd->alias = (shapc__ox_op_info_of(nd->op)->flags & SHAPC__OX_F_ALIAS) != 0;
    }
    if ((st = layout(g, o, err)) != SHAPC_OK || (st = fuse(g, err)) != SHAPC_OK ||
        (st = materialise(g, err)) != SHAPC_OK)
        return st;
    return assign_buffers(g, err);
}
