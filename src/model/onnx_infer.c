/* onnx_infer.c - compiling an ONNX graph: topological order, shape inference, folding.
 *
 * Kahn's algorithm orders the nodes (whatever remains unordered lies on a cycle, refused).
 * Then every node's output shapes are inferred in that order, with dims symbolic in the batch
 * size B (onnx_graph.h). A node whose inputs are all known at load time - initializers,
 * Constant nodes, the dims of any tensor read by Shape - is folded: its own kernel runs on
 * them once, or, when the result depends on B (a Gather from Shape(x) is B itself), at
 * B = 1, 2, 3, 4, keeping the result only if it is linear in B (an int64 a * B + b per
 * element) or independent of it (float data). That is how exporters' reshape-target
 * subgraphs disappear. Nodes whose outputs nobody needs are then dropped, and onnx_plan.c
 * lays out and plans what is left. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/onnx_ops.h"
#include "model/onnx_plan.h"
#include "model/onnx_proto.h"
#include "util/alloc.h"

/* ======================================================================================== */
/* the operator table                                                                       */
/* ======================================================================================== */

const shapc__ox_op_info *shapc__ox_op_info_of(shapc__ox_op op)
{
    const shapc__ox_op_info *i;
    if ((i = shapc__ox_info_elem(op)) || (i = shapc__ox_info_linalg(op)) ||
        (i = shapc__ox_info_nn(op)) || (i = shapc__ox_info_shape(op)))
        return i;
    return NULL;
}

/* ======================================================================================== */
/* helpers for inference functions                                                          */
/* ======================================================================================== */

void shapc__ox_node_prefix(const shapc__ox_graph *g, const shapc__ox_node *nd, char *buf,
                           size_t cap)
{
    snprintf(buf, cap, "%s: node '%s' (%s, opset %lld): ", g->path, nd->name,
             shapc__ox_op_name(nd->op), (long long)g->opset);
}

shapc_status shapc__ox_fail(shapc__ox_ictx *c, shapc_status st, const char *fmt, ...)
{
    char pre[256], msg[SHAPC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    shapc__ox_node_prefix(c->g, c->nd, pre, sizeof pre);
    return shapc_error_set(c->err, st, "%s%s", pre, msg);
}

shapc__ox_value *shapc__ox_in(shapc__ox_ictx *c, size_t k)
{
    return k < c->nd->n_in && c->nd->in[k] >= 0 ? &c->g->values[c->nd->in[k]] : NULL;
}

shapc__ox_value *shapc__ox_out(shapc__ox_ictx *c, size_t k)
{
    return k < c->nd->n_out && c->nd->out[k] >= 0 ? &c->g->values[c->nd->out[k]] : NULL;
}

shapc_status shapc__ox_need_inputs(shapc__ox_ictx *c, size_t min, size_t max)
{
    if (c->nd->n_in < min || c->nd->n_in > max)
        return shapc__ox_fail(c, SHAPC_EFORMAT, "takes %zu to %zu inputs, not %zu", min, max,
                              c->nd->n_in);
    for (size_t k = 0; k < min; k++)
        if (!shapc__ox_in(c, k))
            return shapc__ox_fail(c, SHAPC_EFORMAT, "required input %zu is empty", k);
    return SHAPC_OK;
}

shapc_status shapc__ox_need_type(shapc__ox_ictx *c, size_t k, int dtype)
{
    shapc__ox_value *v = shapc__ox_in(c, k);
    if (!v)
        return shapc__ox_fail(c, SHAPC_EFORMAT, "required input %zu is empty", k);
    if (v->dtype != dtype)
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "input '%s' is %s, expected %s", v->name,
                              v->dtype == SHAPC__OX_I64 ? "INT64" : "FLOAT",
                              dtype == SHAPC__OX_I64 ? "INT64" : "FLOAT");
    return SHAPC_OK;
}

shapc_status shapc__ox_only_outputs(shapc__ox_ictx *c, size_t n)
{
    for (size_t k = n; k < c->nd->n_out; k++)
        if (c->nd->out[k] >= 0)
            return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "output %zu ('%s') is not supported "
                                  "(inference only)", k, c->g->values[c->nd->out[k]].name);
    if (c->nd->n_out == 0 || c->nd->out[0] < 0)
        return shapc__ox_fail(c, SHAPC_EFORMAT, "has no output");
    return SHAPC_OK;
}

shapc_status shapc__ox_set_out(shapc__ox_ictx *c, size_t k, int dtype, size_t rank,
                               const shapc__sdim *dim)
{
    shapc__ox_value *v = shapc__ox_out(c, k);
    int64_t n1 = 1;
    if (!v)
        return SHAPC_OK;
    if (rank > SHAPC__OX_MAX_RANK)
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "output rank %zu exceeds %d", rank,
                              SHAPC__OX_MAX_RANK);
    for (size_t r = 0; r < rank; r++) {
        int64_t at1;
        if (dim[r].a < 0 || dim[r].a > SHAPC__OX_MAX_ELEMS || dim[r].b < -SHAPC__OX_MAX_ELEMS ||
            dim[r].b > SHAPC__OX_MAX_ELEMS || (at1 = dim[r].a + dim[r].b) < 0 ||
            (dim[r].a == 0 && dim[r].b < 0))
            return shapc__ox_fail(c, SHAPC_ERANGE, "output '%s' dimension %zu is out of range",
                                  v->name, r);
        if (at1 != 0 && n1 > SHAPC__OX_MAX_ELEMS / at1)
            return shapc__ox_fail(c, SHAPC_ERANGE, "output '%s' would hold more than 2^28 "
                                  "elements per batch row", v->name);
        n1 *= at1;
    }
    v->dtype = dtype;
    v->rank = rank;
    memset(v->dim, 0, sizeof v->dim);
    memcpy(v->dim, dim, rank * sizeof *dim);
    v->shaped = 1;
    return SHAPC_OK;
}

static const Onnx__AttributeProto *find_attr(shapc__ox_ictx *c, const char *name)
{
    const Onnx__NodeProto *np = c->nd->proto;
    if (!np)
        return NULL;
    for (size_t i = 0; i < np->n_attribute; i++)
        if (np->attribute[i]->name && strcmp(np->attribute[i]->name, name) == 0)
            return np->attribute[i];
    return NULL;
}

static int attr_type_is(const Onnx__AttributeProto *a, Onnx__AttributeProto__AttributeType t)
{
    return a->has_type && a->type == t;
}

int shapc__ox_attr_int(shapc__ox_ictx *c, const char *name, int64_t *v, shapc_status *st)
{
    const Onnx__AttributeProto *a = find_attr(c, name);
    if (!a)
        return 0;
    if (!attr_type_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT)) {
        *st = shapc__ox_fail(c, SHAPC_EFORMAT, "attribute '%s' is not an integer", name);
        return 0;
    }
    *v = a->i;
    return 1;
}

int shapc__ox_attr_float(shapc__ox_ictx *c, const char *name, float *v, shapc_status *st)
{
    const Onnx__AttributeProto *a = find_attr(c, name);
    if (!a)
        return 0;
    if (!attr_type_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT)) {
        *st = shapc__ox_fail(c, SHAPC_EFORMAT, "attribute '%s' is not a float", name);
        return 0;
    }
    *v = a->f;
    return 1;
}

int shapc__ox_attr_ints(shapc__ox_ictx *c, const char *name, size_t max, int64_t *v, size_t *n,
                        shapc_status *st)
{
    const Onnx__AttributeProto *a = find_attr(c, name);
    if (!a)
        return 0;
    if (!attr_type_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS)) {
        *st = shapc__ox_fail(c, SHAPC_EFORMAT, "attribute '%s' is not a list of integers",
                             name);
        return 0;
    }
    if (a->n_ints > max) {
        *st = shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "attribute '%s' has %zu values (at most "
                             "%zu)", name, a->n_ints, max);
        return 0;
    }
    if (a->n_ints)
        memcpy(v, a->ints, a->n_ints * sizeof *v);
    *n = a->n_ints;
    return 1;
}

int shapc__ox_attr_string(shapc__ox_ictx *c, const char *name, char *v, size_t cap,
                          shapc_status *st)
{
    const Onnx__AttributeProto *a = find_attr(c, name);
    size_t n;
    if (!a)
        return 0;
    if (!attr_type_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING) || !a->has_s) {
        *st = shapc__ox_fail(c, SHAPC_EFORMAT, "attribute '%s' is not a string", name);
        return 0;
    }
    n = a->s.len < cap - 1 ? a->s.len : cap - 1;
    if (n)
        memcpy(v, a->s.data, n);
    v[n] = '\0';
    return 1;
}

shapc_status shapc__ox_constant_from_attr(shapc__ox_ictx *c)
{
    const Onnx__NodeProto *np = c->nd->proto;
    shapc__ox_value *v = shapc__ox_out(c, 0);
    shapc__ox_tdata td;
    shapc_status st;
    char what[300];
    memset(&td, 0, sizeof td);
    if (!np || np->n_attribute != 1 || !np->attribute[0]->name)
        return shapc__ox_fail(c, SHAPC_EFORMAT, "needs exactly one value attribute");
    const Onnx__AttributeProto *a = np->attribute[0];
    if (strcmp(a->name, "value") == 0 && a->t) {
        snprintf(what, sizeof what, "node '%s' value", c->nd->name);
        if ((st = shapc__ox_tensor_decode(a->t, c->g->path, what, &td, c->err)) != SHAPC_OK)
            return st;
    } else if (strcmp(a->name, "value_float") == 0 &&
               attr_type_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT)) {
        td.dtype = SHAPC__OX_F32;
        td.count = 1;
        if (!(td.f = shapc__malloc(sizeof *td.f)))
            return shapc__ox_fail(c, SHAPC_ENOMEM, "out of memory");
        td.f[0] = a->f;
    } else if (strcmp(a->name, "value_int") == 0 &&
               attr_type_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT)) {
        td.dtype = SHAPC__OX_I64;
        td.count = 1;
        if (!(td.i = shapc__malloc(sizeof *td.i)))
            return shapc__ox_fail(c, SHAPC_ENOMEM, "out of memory");
        td.i[0] = a->i;
    } else if (strcmp(a->name, "value_floats") == 0 &&
               attr_type_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS)) {
        td.dtype = SHAPC__OX_F32;
        td.rank = 1;
        td.count = a->n_floats;
        td.dims[0] = (int64_t)a->n_floats;
        if (!(td.f = shapc__malloc((td.count + 1) * sizeof *td.f)))
            return shapc__ox_fail(c, SHAPC_ENOMEM, "out of memory");
        if (td.count)
            memcpy(td.f, a->floats, td.count * sizeof *td.f);
    } else if (strcmp(a->name, "value_ints") == 0 &&
               attr_type_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS)) {
        td.dtype = SHAPC__OX_I64;
        td.rank = 1;
        td.count = a->n_ints;
        td.dims[0] = (int64_t)a->n_ints;
        if (!(td.i = shapc__malloc((td.count + 1) * sizeof *td.i)))
            return shapc__ox_fail(c, SHAPC_ENOMEM, "out of memory");
        if (td.count)
            memcpy(td.i, a->ints, td.count * sizeof *td.i);
    } else {
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "value attribute '%s' is not supported",
                              a->name);
    }
    if (!v) {
        shapc__ox_tdata_free(&td);
        return shapc__ox_fail(c, SHAPC_EFORMAT, "has no output");
    }
    v->dtype = td.dtype;
    v->kind = SHAPC__OX_CONST;
    v->rank = td.rank;
    for (size_t r = 0; r < td.rank; r++)
        v->dim[r] = shapc__sd(td.dims[r]);
    v->shaped = 1;
    v->data = td.f;
    if (td.dtype == SHAPC__OX_I64) {
        v->sym = shapc__calloc(td.count + 1, sizeof *v->sym);
        if (!v->sym) {
            shapc__ox_tdata_free(&td);
            return shapc__ox_fail(c, SHAPC_ENOMEM, "out of memory");
        }
        for (size_t k = 0; k < td.count; k++)
            v->sym[k] = shapc__sd(td.i[k]);
        shapc__free(td.i);
    }
    return SHAPC_OK;
}

shapc_status shapc__ox_axis(shapc__ox_ictx *c, int64_t axis, size_t rank, int allow_end,
                            size_t *out)
{
    const int64_t r = (int64_t)rank;
    if (axis < -r || axis > r || (axis == r && !allow_end))
        return shapc__ox_fail(c, SHAPC_EFORMAT, "axis %lld is out of range for rank %zu",
                              (long long)axis, rank);
    *out = (size_t)(axis < 0 ? axis + r : axis);
    return SHAPC_OK;
}

int shapc__sd_mul(shapc__sdim x, shapc__sdim y, shapc__sdim *out)
{
    const int64_t lim = (int64_t)1 << 40;
    if (x.a != 0 && y.a != 0)
        return 0;
    if (x.a != 0) {
        shapc__sdim t = x;
        x = y;
        y = t;
    }
    /* x is constant: x.b * (y.a B + y.b) */
    if (x.b < -lim || x.b > lim || y.a > lim || y.b < -lim || y.b > lim)
        return 0;
    return !__builtin_mul_overflow(x.b, y.a, &out->a) &&
           !__builtin_mul_overflow(x.b, y.b, &out->b);
}

int shapc__sd_broadcast(shapc__sdim x, shapc__sdim y, shapc__sdim *out)
{
    if (shapc__sd_eq(x, y) || shapc__sd_is(y, 1))
        *out = x;
    else if (shapc__sd_is(x, 1))
        *out = y;
    else
        return 0;
    return 1;
}

int shapc__ox_broadcast_dims(const shapc__ox_tensor *a, const shapc__ox_tensor *b, size_t *rank,
                             size_t *dim)
{
    size_t r = a->rank > b->rank ? a->rank : b->rank;
    for (size_t k = 0; k < r; k++) {
        size_t da = k < r - a->rank ? 1 : a->dim[k - (r - a->rank)];
        size_t db = k < r - b->rank ? 1 : b->dim[k - (r - b->rank)];
        if (da != db && da != 1 && db != 1)
            return 0;
        dim[k] = da == 1 ? db : da;
    }
    *rank = r;
    return 1;
}

size_t shapc__ox_count(const shapc__ox_value *v, size_t n)
{
    size_t c = 1;
    for (size_t r = 0; r < v->rank; r++) {
        int64_t d = v->dim[r].a * (int64_t)n + v->dim[r].b;
        if (d < 0 || !shapc__mul_size(c, (size_t)d, &c))
            return 0;
    }
    return c;
}

/* ======================================================================================== */
/* topological order                                                                        */
/* ======================================================================================== */

static shapc_status topo_sort(shapc__ox_graph *g, shapc_error *err)
{
    size_t n = g->n_nodes, head = 0, tail = 0;
    int *indeg = shapc__calloc(n + 1, sizeof *indeg);
    int *queue = shapc__malloc((n + 1) * sizeof *queue);
    int *first = NULL, *next = NULL; /* consumer lists: (value -> node) edges */
    size_t n_edges = 0;
    shapc_status st = SHAPC_OK;
    for (size_t i = 0; i < n; i++)
        n_edges += g->nodes[i].n_in;
    first = shapc__malloc((g->n_values + 1) * sizeof *first);
    next = shapc__malloc((n_edges + 1) * 2 * sizeof *next); /* pairs (node, next edge) */
    if (!indeg || !queue || !first || !next) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", g->path);
        goto done;
    }
    for (size_t v = 0; v < g->n_values; v++)
        first[v] = -1;
    n_edges = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < g->nodes[i].n_in; k++) {
            int v = g->nodes[i].in[k];
            if (v < 0 || g->values[v].producer < 0)
                continue;
            indeg[i]++;
            next[2 * n_edges] = (int)i;
            next[2 * n_edges + 1] = first[v];
            first[v] = (int)n_edges++;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (indeg[i] == 0)
            queue[tail++] = (int)i;
    while (head < tail) {
        int i = queue[head++];
        for (size_t o = 0; o < g->nodes[i].n_out; o++) {
            int v = g->nodes[i].out[o];
            for (int e = v >= 0 ? first[v] : -1; e >= 0; e = next[2 * e + 1])
                if (--indeg[next[2 * e]] == 0)
                    queue[tail++] = next[2 * e];
        }
    }
    if (tail < n) {
        size_t i = 0;
        while (indeg[i] == 0)
            i++;
        st = shapc_error_set(err, SHAPC_EFORMAT, "%s: the graph has a cycle through node '%s' "
                             "(%s)", g->path, g->nodes[i].name, shapc__ox_op_name(g->nodes[i].op));
        goto done;
    }
    g->order = queue;
    g->n_order = n;
    queue = NULL;
done:
    shapc__free(indeg);
    shapc__free(queue);
    shapc__free(first);
    shapc__free(next);
    return st;
}

/* ======================================================================================== */
/* folding                                                                                  */
/* ======================================================================================== */

/* 1 if every present input is known at load time (Shape only needs its input's dims). */
static int foldable(const shapc__ox_graph *g, const shapc__ox_node *nd)
{
    if (nd->op == SHAPC__OX_OP_SHAPE)
        return 1;
    /* their kernels read channels-last data, which constants are not (onnx_plan.c) */
    if (nd->op == SHAPC__OX_OP_CONV || nd->op == SHAPC__OX_OP_MAXPOOL ||
        nd->op == SHAPC__OX_OP_AVGPOOL)
        return 0;
    for (size_t k = 0; k < nd->n_in; k++)
        if (nd->in[k] >= 0 && g->values[nd->in[k]].kind != SHAPC__OX_CONST)
            return 0;
    for (size_t k = 0; k < nd->n_out; k++) {
        const shapc__ox_value *v = nd->out[k] >= 0 ? &g->values[nd->out[k]] : NULL;
        for (size_t r = 0; v && r < v->rank; r++)
            if (v->dim[r].a != 0)
                return 0;
    }
    return 1;
}

/* 1 if the node's inputs differ between batch sizes (so folding must sample several). */
static int batch_dependent(const shapc__ox_graph *g, const shapc__ox_node *nd)
{
    for (size_t k = 0; k < nd->n_in; k++) {
        const shapc__ox_value *v = nd->in[k] >= 0 ? &g->values[nd->in[k]] : NULL;
        if (!v)
            continue;
        if (nd->op == SHAPC__OX_OP_SHAPE) {
            for (size_t r = 0; r < v->rank; r++)
                if (v->dim[r].a != 0)
                    return 1;
        } else if (v->sym) {
            size_t n = shapc__ox_count(v, 1);
            for (size_t i = 0; i < n; i++)
                if (v->sym[i].a != 0)
                    return 1;
        }
    }
    return 0;
}

static void tensor_dims(const shapc__ox_value *v, size_t b, shapc__ox_tensor *t)
{
    t->rank = v->rank;
    t->count = 1;
    for (size_t r = 0; r < v->rank; r++) {
        t->dim[r] = (size_t)(v->dim[r].a * (int64_t)b + v->dim[r].b);
        t->count *= t->dim[r];
    }
}

#define FOLD_SAMPLES 4
/* Elements a folded constant may hold: a few kilobytes of file can describe a broadcast of
 * two vectors into 2^28 values, which is refused rather than allocated. */
#define FOLD_MAX_ELEMS ((size_t)1 << 24)

/* Runs node nd's kernel on its known inputs at batch sizes 1..4 (once when nothing depends on
 * the batch) and makes its outputs constants. */
static shapc_status fold(shapc__ox_ictx *c)
{
    shapc__ox_graph *g = c->g;
    shapc__ox_node *nd = c->nd;
    const shapc__ox_op_info *info = shapc__ox_op_info_of(nd->op);
    const int samples = batch_dependent(g, nd) ? FOLD_SAMPLES : 1;
    /* kernels may look at optional inputs and outputs up to SHAPC__OX_MAX_IO */
    const size_t ni = nd->n_in > SHAPC__OX_MAX_IO ? nd->n_in : SHAPC__OX_MAX_IO;
    const size_t no = nd->n_out > SHAPC__OX_MAX_IO ? nd->n_out : SHAPC__OX_MAX_IO;
    shapc__ox_tensor *in = shapc__calloc(ni, sizeof *in);
    shapc__ox_tensor *out = shapc__calloc(no * FOLD_SAMPLES, sizeof *out);
    int64_t **ibuf = shapc__calloc(ni * FOLD_SAMPLES, sizeof *ibuf);
    shapc_status st = SHAPC_OK;
    if (!in || !out || !ibuf) {
        st = shapc__ox_fail(c, SHAPC_ENOMEM, "out of memory");
        goto done;
    }
    for (int s = 0; s < samples && st == SHAPC_OK; s++) {
        const size_t b = (size_t)s + 1;
        for (size_t k = 0; k < nd->n_in; k++) {
            const shapc__ox_value *v = nd->in[k] >= 0 ? &g->values[nd->in[k]] : NULL;
            memset(&in[k], 0, sizeof in[k]);
            if (!v)
                continue;
            tensor_dims(v, b, &in[k]);
            if (v->kind != SHAPC__OX_CONST)
                continue; /* Shape's input: dims only */
            if (v->dtype == SHAPC__OX_F32) {
                in[k].f = v->data;
            } else {
                int64_t *p = shapc__malloc((in[k].count + 1) * sizeof *p);
                if (!p) {
                    st = shapc__ox_fail(c, SHAPC_ENOMEM, "out of memory");
                    goto done;
                }
                for (size_t i = 0; i < in[k].count; i++)
                    if (__builtin_mul_overflow(v->sym[i].a, (int64_t)b, &p[i]) ||
                        __builtin_add_overflow(p[i], v->sym[i].b, &p[i])) {
                        shapc__free(p);
                        st = shapc__ox_fail(c, SHAPC_ERANGE, "input '%s' overflows 64 bits",
                                            v->name);
                        goto done;
                    }
                ibuf[(size_t)s * ni + k] = p;
                in[k].i = p;
            }
        }
        for (size_t k = 0; k < nd->n_out; k++) {
            shapc__ox_tensor *t = &out[(size_t)s * no + k];
            const shapc__ox_value *v = nd->out[k] >= 0 ? &g->values[nd->out[k]] : NULL;
            if (!v)
                continue;
            tensor_dims(v, b, t);
            if (t->count > FOLD_MAX_ELEMS) {
                st = shapc__ox_fail(c, SHAPC_ERANGE, "folding '%s' would make a constant of "
                                    "%zu elements (at most 2^24)", v->name, t->count);
                goto done;
            }
            if (v->dtype == SHAPC__OX_F32)
                t->f = shapc__malloc((t->count + 1) * sizeof *t->f);
            else
                t->i = shapc__malloc((t->count + 1) * sizeof *t->i);
            if (!t->f && !t->i) {
                st = shapc__ox_fail(c, SHAPC_ENOMEM, "out of memory");
                goto done;
            }
        }
        if ((st = info->run(nd, in, &out[(size_t)s * no], c->err)) != SHAPC_OK)
            shapc_error_prefix(c->err, g->path); /* kernels name the node, not the file */
    }
    if (st != SHAPC_OK)
        goto done;
    for (size_t k = 0; k < nd->n_out; k++) {
        shapc__ox_value *v = nd->out[k] >= 0 ? &g->values[nd->out[k]] : NULL;
        shapc__ox_tensor *t0 = &out[k];
        if (!v)
            continue;
        if (v->dtype == SHAPC__OX_F32) {
            for (int s = 1; s < samples; s++)
                if (memcmp(t0->f, out[(size_t)s * no + k].f,
                           t0->count * sizeof *t0->f) != 0) {
                    st = shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "output '%s' is a float "
                                        "computed from the batch size: not supported", v->name);
                    goto done;
                }
            v->data = t0->f;
            t0->f = NULL;
        } else {
            if (!(v->sym = shapc__calloc(t0->count + 1, sizeof *v->sym))) {
                st = shapc__ox_fail(c, SHAPC_ENOMEM, "out of memory");
                goto done;
            }
            for (size_t i = 0; i < t0->count; i++) {
                int64_t r1 = t0->i[i], a = 0, want, b0;
                /* sample s was batch size s + 1: linear means r1 + a * s */
                int bad = samples > 1 && __builtin_sub_overflow(out[no + k].i[i], r1, &a);
                for (int s = 2; s < samples && !bad; s++)
                    bad = __builtin_mul_overflow(a, (int64_t)s, &want) ||
                          __builtin_add_overflow(want, r1, &want) ||
                          out[(size_t)s * no + k].i[i] != want;
                if (bad) {
                    st = shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "output '%s' depends on the "
                                        "batch size in a non-linear way: not supported",
                                        v->name);
                    goto done;
                }
                if (__builtin_sub_overflow(r1, a, &b0)) {
                    st = shapc__ox_fail(c, SHAPC_ERANGE, "output '%s' overflows 64 bits",
                                        v->name);
                    goto done;
                }
                v->sym[i].a = a;
                v->sym[i].b = b0;
            }
        }
        v->kind = SHAPC__OX_CONST;
    }
    nd->dead = 1;
done:
    if (out)
        for (size_t k = 0; k < no * FOLD_SAMPLES; k++) {
            shapc__free(out[k].f);
            shapc__free(out[k].i);
        }
    if (ibuf)
        for (size_t k = 0; k < ni * FOLD_SAMPLES; k++)
            shapc__free(ibuf[k]);
    shapc__free(in);
    shapc__free(out);
    shapc__free(ibuf);
    return st;
}

/* ======================================================================================== */
/* the driver                                                                               */
/* ======================================================================================== */

/* Gives each runtime input its dims: the batch at axis 0 when batch_symbolic, else as
 * declared; every other dimension must be declared. */
static shapc_status shape_inputs(shapc__ox_graph *g, const shapc__ox_compile_opts *o,
                                 shapc_error *err)
{
    for (size_t i = 0; i < g->n_inputs; i++) {
        shapc__ox_value *v = &g->values[g->inputs[i]];
        for (size_t r = 0; r < v->rank; r++) {
            if (o->batch_symbolic && r == 0) {
                v->dim[0].a = 1;
                v->dim[0].b = 0;
            } else if (v->dim[r].b < 0) {
                return shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: graph input '%s' "
                                       "dimension %zu is symbolic: shapc needs every dimension "
                                       "but the batch fixed (export with a fixed size)",
                                       g->path, v->name, r);
            }
        }
        if (o->batch_symbolic && v->rank == 0)
            return shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: graph input '%s' is a scalar: "
                                   "a batch dimension is needed", g->path, v->name);
        v->shaped = 1;
    }
    return SHAPC_OK;
}

/* Drops nodes no graph output depends on (folded ones included). */
static shapc_status drop_dead(shapc__ox_graph *g, shapc_error *err)
{
    char *need = shapc__calloc(g->n_values + 1, 1);
    size_t w = 0;
    if (!need)
        return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", g->path);
    for (size_t i = 0; i < g->n_outputs; i++)
        need[g->outputs[i]] = 1;
    for (size_t p = g->n_order; p-- > 0;) {
        shapc__ox_node *nd = &g->nodes[g->order[p]];
        int live = 0;
        if (nd->dead)
            continue;
        for (size_t k = 0; k < nd->n_out; k++)
            if (nd->out[k] >= 0 && need[nd->out[k]])
                live = 1;
        if (!live) {
            nd->dead = 1;
            continue;
        }
        for (size_t k = 0; k < nd->n_in; k++)
            if (nd->in[k] >= 0)
                need[nd->in[k]] = 1;
    }
    for (size_t p = 0; p < g->n_order; p++)
        if (!g->nodes[g->order[p]].dead)
            g->order[w++] = g->order[p];
    g->n_order = w;
    shapc__free(need);
    return SHAPC_OK;
}

shapc_status shapc__ox_compile(shapc__ox_graph *g, const shapc__ox_compile_opts *o,
                               shapc_error *err)
{
    shapc_status st;
    g->batch_symbolic = o->batch_symbolic;
    if ((st = shape_inputs(g, o, err)) != SHAPC_OK || (st = topo_sort(g, err)) != SHAPC_OK)
        goto done;
    for (size_t p = 0; p < g->n_order; p++) {
        shapc__ox_ictx c = {g, &g->nodes[g->order[p]], g->order[p], err};
        const shapc__ox_op_info *info = shapc__ox_op_info_of(c.nd->op);
        if (!info) {
            st = shapc__ox_fail(&c, SHAPC_EUNSUPPORTED, "operator not supported");
            goto done;
        }
        if ((st = info->infer(&c)) != SHAPC_OK)
            goto done;
        for (size_t k = 0; k < c.nd->n_out; k++)
            if (c.nd->out[k] >= 0 && !g->values[c.nd->out[k]].shaped) {
                st = shapc__ox_fail(&c, SHAPC_EUNSUPPORTED, "output %zu is not supported", k);
                goto done;
            }
        if (c.nd->op == SHAPC__OX_OP_CONSTANT)
            c.nd->dead = 1;
        else if (foldable(g, c.nd) && (st = fold(&c)) != SHAPC_OK)
            goto done;
    }
    for (size_t i = 0; i < g->n_outputs; i++) {
        const shapc__ox_value *v = &g->values[g->outputs[i]];
        if (v->kind == SHAPC__OX_CONST && g->batch_symbolic) {
            st = shapc_error_set(err, SHAPC_EUNSUPPORTED, "%s: graph output '%s' does not "
                                 "depend on the input", g->path, v->name);
            goto done;
        }
    }
    st = drop_dead(g, err);
    if (st == SHAPC_OK)
        st = shapc__ox_plan(g, o, err);
done:
    for (size_t i = 0; i < g->n_nodes; i++)
        g->nodes[i].proto = NULL;
    shapc__ox_unpacked_free(g->proto_model);
    g->proto_model = NULL;
    if (st == SHAPC_OK)
        g->compiled = 1;
    return st;
}
