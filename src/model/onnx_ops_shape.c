/* onnx_ops_shape.c - the shape and tensor operators: Flatten, Reshape, Squeeze, Unsqueeze,
 * Identity and Dropout (inference: all views of their input, no copy), Transpose, Concat,
 * Gather (the embedding lookup of token ids), Shape and Constant.
 *
 * Shape arguments (Reshape targets, Squeeze/Unsqueeze axes from opset 13) must be known at
 * load time; exporters compute them from Shape(x), which onnx_infer.c folds with the batch
 * size as a symbol, so a target may read "B, -1". Reshape then solves for -1 over dims that
 * are linear in B (onnx_graph.h). */
#include <string.h>

#include "model/onnx_ops.h"

static size_t elem_size(const shapc__ox_tensor *t) { return t->i ? 8 : 4; }

static void *data_of(const shapc__ox_tensor *t) { return t->i ? (void *)t->i : (void *)t->f; }

/* Views: their kernel only runs when the planner could not alias (a constant input, or
 * folding), and then copies. */
static shapc_status run_view(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                             shapc__ox_tensor *out, shapc_error *err)
{
    (void)nd;
    (void)err;
    if (data_of(out) != data_of(&in[0]) && out->count)
        memcpy(data_of(out), data_of(&in[0]), out->count * elem_size(out));
    return SHAPC_OK;
}

/* A constant int64 input's values (symbolic), or NULL with the failure recorded. */
static const shapc__sdim *const_ints(shapc__ox_ictx *c, size_t k, size_t *n, shapc_status *st)
{
    shapc__ox_value *v = shapc__ox_in(c, k);
    if (!v || v->kind != SHAPC__OX_CONST || v->dtype != SHAPC__OX_I64 || v->rank > 1) {
        *st = shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "input %zu%s%s%s must be a constant 1-D "
                             "int64 tensor (computed at run time: not supported)", k,
                             v ? " ('" : "", v ? v->name : "", v ? "')" : "");
        return NULL;
    }
    *n = shapc__ox_count(v, 1);
    return v->sym;
}

/* Symbolic product of dims [from, to) of v; 0 when two factors depend on the batch. */
static int sd_prod(const shapc__sdim *dim, size_t from, size_t to, shapc__sdim *out)
{
    shapc__sdim p = shapc__sd(1);
    for (size_t k = from; k < to; k++)
        if (!shapc__sd_mul(p, dim[k], &p))
            return 0;
    *out = p;
    return 1;
}

/* ======================================================================================== */
/* Flatten, Reshape                                                                         */
/* ======================================================================================== */

static shapc_status infer_flatten(shapc__ox_ictx *c)
{
    shapc__ox_value *x;
    shapc_status st = SHAPC_OK;
    int64_t axis = 1;
    size_t ax;
    shapc__sdim dim[2];
    if ((st = shapc__ox_need_inputs(c, 1, 1)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK)
        return st;
    x = shapc__ox_in(c, 0);
    shapc__ox_attr_int(c, "axis", &axis, &st);
    if (st != SHAPC_OK || (st = shapc__ox_axis(c, axis, x->rank, 1, &ax)) != SHAPC_OK)
        return st;
    if (!sd_prod(x->dim, 0, ax, &dim[0]) || !sd_prod(x->dim, ax, x->rank, &dim[1]))
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "flattening would multiply the batch size "
                              "by itself");
    return shapc__ox_set_out(c, 0, x->dtype, 2, dim);
}

/* q = p / d for dims linear in the batch, when exact; 0 otherwise. */
static int sd_div(shapc__sdim p, shapc__sdim d, shapc__sdim *q)
{
    if (d.a == 0) {
        if (d.b <= 0 || p.a % d.b != 0 || p.b % d.b != 0)
            return 0;
        q->a = p.a / d.b;
        q->b = p.b / d.b;
        return 1;
    }
    /* a batch-dependent divisor leaves a plain number r with p = r * d */
    int64_t r = d.a ? p.a / d.a : 0;
    if (r < 0 || p.a != r * d.a || p.b != r * d.b)
        return 0;
    *q = shapc__sd(r);
    return 1;
}

static shapc_status infer_reshape(shapc__ox_ictx *c)
{
    shapc__ox_value *x;
    const shapc__sdim *t;
    shapc_status st = SHAPC_OK;
    int64_t allowzero = 0;
    size_t n = 0, infer_at = SIZE_MAX;
    shapc__sdim dim[SHAPC__OX_MAX_RANK], total, known = shapc__sd(1);
    if ((st = shapc__ox_need_inputs(c, 2, 2)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK)
        return st;
    x = shapc__ox_in(c, 0);
    if (!(t = const_ints(c, 1, &n, &st)))
        return st;
    shapc__ox_attr_int(c, "allowzero", &allowzero, &st);
    if (st != SHAPC_OK)
        return st;
    if (n > SHAPC__OX_MAX_RANK)
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "target rank %zu exceeds %d", n,
                              SHAPC__OX_MAX_RANK);
    if (!sd_prod(x->dim, 0, x->rank, &total))
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "input size is not linear in the batch");
    for (size_t k = 0; k < n; k++) {
        dim[k] = t[k];
        if (t[k].a == 0 && t[k].b == 0 && !allowzero) {
            if (k >= x->rank)
                return shapc__ox_fail(c, SHAPC_ESHAPE, "target dimension %zu copies a "
                                      "dimension the input does not have", k);
            dim[k] = x->dim[k];
        } else if (t[k].a == 0 && t[k].b == -1) {
            if (infer_at != SIZE_MAX)
                return shapc__ox_fail(c, SHAPC_EFORMAT, "more than one target dimension is -1");
            infer_at = k;
            continue;
        } else if (t[k].a < 0 || (t[k].a == 0 && t[k].b < 0)) {
            return shapc__ox_fail(c, SHAPC_EFORMAT, "target dimension %zu is %lld", k,
                                  (long long)t[k].b);
        }
        if (!shapc__sd_mul(known, dim[k], &known))
            return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "target size is not linear in the "
                                  "batch");
    }
    if (infer_at != SIZE_MAX) {
        if (!sd_div(total, known, &dim[infer_at]))
            return shapc__ox_fail(c, SHAPC_ESHAPE, "cannot reshape '%s' (%lld%s elements) to "
                                  "the target: sizes do not divide", x->name,
                                  (long long)(total.a ? total.a : total.b),
                                  total.a ? " x batch" : "");
    } else if (!shapc__sd_eq(total, known)) {
        return shapc__ox_fail(c, SHAPC_ESHAPE, "cannot reshape '%s': the target holds a "
                              "different number of elements", x->name);
    }
    return shapc__ox_set_out(c, 0, x->dtype, n, dim);
}

/* ======================================================================================== */
/* Squeeze, Unsqueeze, Identity, Dropout                                                    */
/* ======================================================================================== */

/* Axes from the attribute (opset < 13) or the constant second input. */
static shapc_status read_axes(shapc__ox_ictx *c, int64_t *axes, size_t *n, int *given)
{
    shapc_status st = SHAPC_OK;
    *given = 0;
    *n = 0;
    if (c->g->opset < 13) {
        *given = shapc__ox_attr_ints(c, "axes", SHAPC__OX_MAX_RANK, axes, n, &st);
        return st;
    }
    if (!shapc__ox_in(c, 1))
        return SHAPC_OK;
    const shapc__sdim *a = const_ints(c, 1, n, &st);
    if (!a)
        return st;
    if (*n > SHAPC__OX_MAX_RANK)
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "too many axes");
    for (size_t k = 0; k < *n; k++) {
        if (a[k].a != 0)
            return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "axes depend on the batch size");
        axes[k] = a[k].b;
    }
    *given = 1;
    return SHAPC_OK;
}

static shapc_status infer_squeeze(shapc__ox_ictx *c)
{
    shapc__ox_value *x;
    int64_t axes[SHAPC__OX_MAX_RANK];
    size_t n, r = 0;
    int given;
    unsigned mask = 0;
    shapc__sdim dim[SHAPC__OX_MAX_RANK];
    shapc_status st;
    if ((st = shapc__ox_need_inputs(c, 1, 2)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK ||
        (st = read_axes(c, axes, &n, &given)) != SHAPC_OK)
        return st;
    x = shapc__ox_in(c, 0);
    for (size_t k = 0; k < n; k++) {
        size_t a;
        if ((st = shapc__ox_axis(c, axes[k], x->rank, 0, &a)) != SHAPC_OK)
            return st;
        if (!shapc__sd_is(x->dim[a], 1))
            return shapc__ox_fail(c, SHAPC_ESHAPE, "axis %zu of '%s' is not 1", a, x->name);
        mask |= 1u << a;
    }
    for (size_t k = 0; k < x->rank; k++) {
        if (!given && shapc__sd_is(x->dim[k], 1))
            continue;
        if (!(mask >> k & 1u))
            dim[r++] = x->dim[k];
    }
    return shapc__ox_set_out(c, 0, x->dtype, r, dim);
}

static shapc_status infer_unsqueeze(shapc__ox_ictx *c)
{
    shapc__ox_value *x;
    int64_t axes[SHAPC__OX_MAX_RANK];
    size_t n, r, j = 0;
    int given;
    unsigned mask = 0;
    shapc__sdim dim[SHAPC__OX_MAX_RANK];
    shapc_status st;
    if ((st = shapc__ox_need_inputs(c, 1, 2)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK ||
        (st = read_axes(c, axes, &n, &given)) != SHAPC_OK)
        return st;
    x = shapc__ox_in(c, 0);
    if (!given || (r = x->rank + n) > SHAPC__OX_MAX_RANK)
        return shapc__ox_fail(c, SHAPC_EFORMAT, "needs axes (and at most rank %d)",
                              SHAPC__OX_MAX_RANK);
    for (size_t k = 0; k < n; k++) {
        size_t a;
        if ((st = shapc__ox_axis(c, axes[k], r, 0, &a)) != SHAPC_OK)
            return st;
        if (mask >> a & 1u)
            return shapc__ox_fail(c, SHAPC_EFORMAT, "axis %zu repeats", a);
        mask |= 1u << a;
    }
    for (size_t k = 0; k < r; k++)
        dim[k] = mask >> k & 1u ? shapc__sd(1) : x->dim[j++];
    return shapc__ox_set_out(c, 0, x->dtype, r, dim);
}

static shapc_status infer_identity(shapc__ox_ictx *c)
{
    shapc__ox_value *x;
    shapc_status st;
    const size_t max_in = c->nd->op == SHAPC__OX_OP_DROPOUT ? 3 : 1;
    if ((st = shapc__ox_need_inputs(c, 1, max_in)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK)
        return st;
    if (c->nd->op == SHAPC__OX_OP_DROPOUT && shapc__ox_in(c, 2)) {
        shapc__ox_value *t = shapc__ox_in(c, 2);
        if (t->kind != SHAPC__OX_CONST || !t->sym || shapc__ox_count(t, 1) != 1 ||
            t->sym[0].b != 0)
            return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "training mode is not supported");
    }
    x = shapc__ox_in(c, 0);
    return shapc__ox_set_out(c, 0, x->dtype, x->rank, x->dim);
}

/* ======================================================================================== */
/* Transpose                                                                                */
/* ======================================================================================== */

static shapc_status run_transpose(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                                  shapc__ox_tensor *out, shapc_error *err)
{
    const shapc__ox_tensor *x = &in[0];
    const size_t r = x->rank, es = elem_size(out);
    size_t istride[SHAPC__OX_MAX_RANK], s[SHAPC__OX_MAX_RANK], idx[SHAPC__OX_MAX_RANK] = {0};
    size_t acc = 1, off = 0;
    const unsigned char *src = data_of(x);
    unsigned char *dst = data_of(out);
    (void)err;
    for (size_t k = r; k-- > 0;) {
        istride[k] = acc;
        acc *= x->dim[k];
    }
    for (size_t k = 0; k < r; k++)
        s[k] = istride[nd->at.ints[k]]; /* input stride of output axis k */
    if (out->count == 0)
        return SHAPC_OK;
    /* Runs of `run` elements stay contiguous when the permutation keeps the last axes (the
     * (0, 2, 1, 3) head split of attention): copy them whole. */
    size_t keep = r, run = 1;
    while (keep > 0 && nd->at.ints[keep - 1] == (int64_t)(keep - 1) &&
           (keep == r || s[keep - 1] == run)) {
        run *= out->dim[keep - 1];
        keep--;
    }
    if (run > 1) {
        for (size_t i = 0; i < out->count; i += run) {
            memcpy(dst + i * es, src + off * es, run * es);
            for (size_t k = keep; k-- > 0;) {
                off += s[k];
                if (++idx[k] < out->dim[k])
                    break;
                off -= s[k] * out->dim[k];
                idx[k] = 0;
            }
        }
        return SHAPC_OK;
    }
    /* element by element; floats (the common case) without a memcpy call each */
    const float *fs = out->f ? in[0].f : NULL;
    for (size_t i = 0; i < out->count; i++) {
        if (fs)
            out->f[i] = fs[off];
        else
            memcpy(dst + i * es, src + off * es, es);
        for (size_t k = r; k-- > 0;) {
            off += s[k];
            if (++idx[k] < out->dim[k])
                break;
            off -= s[k] * out->dim[k];
            idx[k] = 0;
        }
    }
    return SHAPC_OK;
}

static shapc_status infer_transpose(shapc__ox_ictx *c)
{
    shapc__ox_attrs *at = &c->nd->at;
    shapc__ox_value *x;
    shapc_status st = SHAPC_OK;
    size_t n = 0;
    unsigned seen = 0;
    shapc__sdim dim[SHAPC__OX_MAX_RANK];
    if ((st = shapc__ox_need_inputs(c, 1, 1)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK)
        return st;
    x = shapc__ox_in(c, 0);
    if (!shapc__ox_attr_ints(c, "perm", SHAPC__OX_MAX_RANK, at->ints, &n, &st)) {
        if (st != SHAPC_OK)
            return st;
        for (n = 0; n < x->rank; n++)
            at->ints[n] = (int64_t)(x->rank - 1 - n);
    }
    if (n != x->rank)
        return shapc__ox_fail(c, SHAPC_EFORMAT, "perm has %zu entries for rank %zu", n, x->rank);
    for (size_t k = 0; k < n; k++) {
        if (at->ints[k] < 0 || at->ints[k] >= (int64_t)n || (seen >> at->ints[k] & 1u))
            return shapc__ox_fail(c, SHAPC_EFORMAT, "perm is not a permutation");
        seen |= 1u << at->ints[k];
        dim[k] = x->dim[at->ints[k]];
    }
    at->n_ints = n;
    return shapc__ox_set_out(c, 0, x->dtype, n, dim);
}

/* ======================================================================================== */
/* Concat                                                                                   */
/* ======================================================================================== */

static shapc_status run_concat(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                               shapc__ox_tensor *out, shapc_error *err)
{
    const size_t axis = (size_t)nd->at.axis, es = elem_size(out);
    size_t outer = 1, orow = 0;
    unsigned char *dst = data_of(out);
    (void)err;
    for (size_t k = 0; k < axis; k++)
        outer *= out->dim[k];
    for (size_t i = 0; i < nd->n_in; i++)
        orow += in[i].count / (outer ? outer : 1);
    for (size_t o = 0; o < outer; o++) {
        size_t at = 0;
        for (size_t i = 0; i < nd->n_in; i++) {
            size_t row = in[i].count / (outer ? outer : 1);
            if (row)
                memcpy(dst + (o * orow + at) * es, (const unsigned char *)data_of(&in[i]) +
                       o * row * es, row * es);
            at += row;
        }
    }
    return SHAPC_OK;
}

static shapc_status infer_concat(shapc__ox_ictx *c)
{
    shapc__ox_value *x;
    shapc_status st = SHAPC_OK;
    int64_t axis = 0;
    size_t ax;
    shapc__sdim dim[SHAPC__OX_MAX_RANK];
    if (c->nd->n_in < 1 || (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK)
        return st != SHAPC_OK ? st : shapc__ox_fail(c, SHAPC_EFORMAT, "has no inputs");
    for (size_t i = 0; i < c->nd->n_in; i++)
        if (!shapc__ox_in(c, i))
            return shapc__ox_fail(c, SHAPC_EFORMAT, "input %zu is empty", i);
    x = shapc__ox_in(c, 0);
    if (!shapc__ox_attr_int(c, "axis", &axis, &st))
        return st != SHAPC_OK ? st : shapc__ox_fail(c, SHAPC_EFORMAT, "has no axis");
    if ((st = shapc__ox_axis(c, axis, x->rank, 0, &ax)) != SHAPC_OK)
        return st;
    c->nd->at.axis = (int64_t)ax;
    memcpy(dim, x->dim, sizeof dim);
    for (size_t i = 1; i < c->nd->n_in; i++) {
        shapc__ox_value *y = shapc__ox_in(c, i);
        if (y->dtype != x->dtype || y->rank != x->rank)
            return shapc__ox_fail(c, SHAPC_ESHAPE, "'%s' and '%s' differ in type or rank",
                                  x->name, y->name);
        for (size_t k = 0; k < x->rank; k++) {
            if (k == ax) {
                if (__builtin_add_overflow(dim[k].a, y->dim[k].a, &dim[k].a) ||
                    __builtin_add_overflow(dim[k].b, y->dim[k].b, &dim[k].b))
                    return shapc__ox_fail(c, SHAPC_ERANGE, "output too large");
            } else if (!shapc__sd_eq(y->dim[k], x->dim[k])) {
                return shapc__ox_fail(c, SHAPC_ESHAPE, "'%s' and '%s' differ outside axis %zu",
                                      x->name, y->name, ax);
            }
        }
    }
    return shapc__ox_set_out(c, 0, x->dtype, x->rank, dim);
}

/* ======================================================================================== */
/* Gather                                                                                   */
/* ======================================================================================== */

static shapc_status run_gather(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                               shapc__ox_tensor *out, shapc_error *err)
{
    const shapc__ox_tensor *x = &in[0], *ix = &in[1];
    const size_t axis = (size_t)nd->at.axis, es = elem_size(out), n = x->dim[axis];
    size_t outer = 1, inner = 1;
    const unsigned char *src = data_of(x);
    unsigned char *dst = data_of(out);
    for (size_t k = 0; k < axis; k++)
        outer *= x->dim[k];
    for (size_t k = axis + 1; k < x->rank; k++)
        inner *= x->dim[k];
    if (out->count == 0)
        return SHAPC_OK;
    for (size_t j = 0; j < ix->count; j++) /* checked once, before anything is written */
        if (ix->i[j] < -(int64_t)n || ix->i[j] >= (int64_t)n)
            return shapc_error_set(err, SHAPC_EMODEL, "node '%s' (Gather): index %lld is out of "
                                   "range for an axis of %zu", nd->name, (long long)ix->i[j], n);
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < ix->count; j++) {
            size_t at = (size_t)(ix->i[j] < 0 ? ix->i[j] + (int64_t)n : ix->i[j]);
            memcpy(dst + (o * ix->count + j) * inner * es, src + (o * n + at) * inner * es,
                   inner * es);
        }
    return SHAPC_OK;
}

static shapc_status infer_gather(shapc__ox_ictx *c)
{
    shapc__ox_value *x, *ix;
    shapc_status st = SHAPC_OK;
    int64_t axis = 0;
    size_t ax, r = 0;
    shapc__sdim dim[SHAPC__OX_MAX_RANK];
    if ((st = shapc__ox_need_inputs(c, 2, 2)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 1, SHAPC__OX_I64)) != SHAPC_OK)
        return st;
    x = shapc__ox_in(c, 0);
    ix = shapc__ox_in(c, 1);
    shapc__ox_attr_int(c, "axis", &axis, &st);
    if (st != SHAPC_OK || (st = shapc__ox_axis(c, axis, x->rank, 0, &ax)) != SHAPC_OK)
        return st;
    c->nd->at.axis = (int64_t)ax;
    if (x->rank + ix->rank - 1 > SHAPC__OX_MAX_RANK)
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "output rank exceeds %d",
                              SHAPC__OX_MAX_RANK);
    if (ix->kind == SHAPC__OX_CONST && x->kind != SHAPC__OX_CONST) {
        size_t n = shapc__ox_count(ix, 1);
        for (size_t k = 0; k < n; k++)
            if (ix->sym[k].a != 0)
                return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "indices depend on the batch "
                                      "size");
    }
    for (size_t k = 0; k < ax; k++)
        dim[r++] = x->dim[k];
    for (size_t k = 0; k < ix->rank; k++)
        dim[r++] = ix->dim[k];
    for (size_t k = ax + 1; k < x->rank; k++)
        dim[r++] = x->dim[k];
    return shapc__ox_set_out(c, 0, x->dtype, r, dim);
}

/* ======================================================================================== */
/* Shape, Constant                                                                          */
/* ======================================================================================== */

static shapc_status run_shape(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                              shapc__ox_tensor *out, shapc_error *err)
{
    (void)err;
    for (size_t k = 0; k < out->count; k++)
        out->i[k] = (int64_t)in[0].dim[(size_t)nd->at.ints[0] + k];
    return SHAPC_OK;
}

static shapc_status infer_shape(shapc__ox_ictx *c)
{
    shapc__ox_value *x;
    shapc_status st = SHAPC_OK;
    int64_t start = 0, end;
    shapc__sdim n;
    if ((st = shapc__ox_need_inputs(c, 1, 1)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK)
        return st;
    x = shapc__ox_in(c, 0);
    end = (int64_t)x->rank;
    shapc__ox_attr_int(c, "start", &start, &st);
    shapc__ox_attr_int(c, "end", &end, &st);
    if (st != SHAPC_OK)
        return st;
    /* opset 15: negative values count from the end, then clamp to [0, rank] */
    if (start < 0)
        start += (int64_t)x->rank;
    if (end < 0)
        end += (int64_t)x->rank;
    start = start < 0 ? 0 : (start > (int64_t)x->rank ? (int64_t)x->rank : start);
    end = end < 0 ? 0 : (end > (int64_t)x->rank ? (int64_t)x->rank : end);
    if (end < start)
        end = start;
    c->nd->at.ints[0] = start;
    c->nd->at.n_ints = 1;
    n = shapc__sd(end - start);
    return shapc__ox_set_out(c, 0, SHAPC__OX_I64, 1, &n);
}

static shapc_status run_constant(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                                 shapc__ox_tensor *out, shapc_error *err)
{
    (void)nd;
    (void)in;
    (void)out;
    (void)err;
    return SHAPC_OK; /* made a constant at load; never scheduled */
}

static shapc_status infer_constant(shapc__ox_ictx *c)
{
    shapc_status st;
    if (c->nd->n_in != 0)
        return shapc__ox_fail(c, SHAPC_EFORMAT, "takes no inputs");
    if ((st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK)
        return st;
    return shapc__ox_constant_from_attr(c);
}

/* ======================================================================================== */

static const shapc__ox_op_info FLATTEN = {infer_flatten, run_view, SHAPC__OX_F_ALIAS};
static const shapc__ox_op_info RESHAPE = {infer_reshape, run_view, SHAPC__OX_F_ALIAS};
static const shapc__ox_op_info SQUEEZE = {infer_squeeze, run_view, SHAPC__OX_F_ALIAS};
static const shapc__ox_op_info UNSQUEEZE = {infer_unsqueeze, run_view, SHAPC__OX_F_ALIAS};
/* Identity and Dropout keep the layout of their input (like an elementwise operator) */
static const shapc__ox_op_info IDENTITY = {infer_identity, run_view,
                                           SHAPC__OX_F_ALIAS | SHAPC__OX_F_UNARY};
static const shapc__ox_op_info TRANSPOSE = {infer_transpose, run_transpose, 0};
static const shapc__ox_op_info CONCAT = {infer_concat, run_concat, 0};
static const shapc__ox_op_info GATHER = {infer_gather, run_gather, 0};
static const shapc__ox_op_info SHAPE = {infer_shape, run_shape, 0};
static const shapc__ox_op_info CONSTANT = {infer_constant, run_constant, 0};

const shapc__ox_op_info *shapc__ox_info_shape(shapc__ox_op op)
{
    switch (op) {
    case SHAPC__OX_OP_FLATTEN:
        return &FLATTEN;
    case SHAPC__OX_OP_RESHAPE:
        return &RESHAPE;
    case SHAPC__OX_OP_SQUEEZE:
        return &SQUEEZE;
    case SHAPC__OX_OP_UNSQUEEZE:
        return &UNSQUEEZE;
    case SHAPC__OX_OP_IDENTITY:
    case SHAPC__OX_OP_DROPOUT:
        return &IDENTITY;
    case SHAPC__OX_OP_TRANSPOSE:
        return &TRANSPOSE;
    case SHAPC__OX_OP_CONCAT:
        return &CONCAT;
    case SHAPC__OX_OP_GATHER:
        return &GATHER;
    case SHAPC__OX_OP_SHAPE:
        return &SHAPE;
    case SHAPC__OX_OP_CONSTANT:
        return &CONSTANT;
    default:
        return NULL;
    }
}
