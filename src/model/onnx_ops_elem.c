/* onnx_ops_elem.c - elementwise ONNX operators: Add, Sub, Mul, Div, Pow with numpy
 * broadcasting (ONNX "multidirectional broadcasting", onnx/docs/Broadcasting.md); Sqrt, Erf,
 * Relu, LeakyRelu, Clip, Sigmoid, Tanh; Cast.
 *
 * Broadcasting runs over the tensors' storage order (an NHWC tensor is broadcast as
 * (N, H, W, C); onnx_plan.c gives constant operands a matching copy). Adjacent axes along
 * which both operands either advance contiguously or both stay put are merged first, so a
 * bias over channels, a scalar or two equal shapes all become one long inner loop. NaN
 * propagates through every activation (x < 0 ? 0 : x keeps NaN; fmaxf would not). */
#include <math.h>
#include <string.h>

#include "model/onnx_ops.h"
#include "util/alloc.h"

#ifdef SHAPC_HAVE_LIBMVEC
/* As in activation.c: tells GCC that glibc's libmvec has vector erff and tanhf (this file is
 * built with -fno-math-errno), without -ffast-math's other relaxations. */
__attribute__((__simd__("notinbranch"))) extern float erff(float);
__attribute__((__simd__("notinbranch"))) extern float tanhf(float);
#endif

/* ======================================================================================== */
/* fused activations                                                                        */
/* ======================================================================================== */

void shapc__ox_apply_act(const shapc__ox_attrs *at, float *y, size_t n)
{
    if (at->act == SHAPC__OX_ACT_RELU) {
        for (size_t i = 0; i < n; i++)
            y[i] = y[i] < 0.0f ? 0.0f : y[i];
    } else if (at->act == SHAPC__OX_ACT_CLIP) {
        const float lo = at->act_lo, hi = at->act_hi;
        for (size_t i = 0; i < n; i++)
            y[i] = y[i] < lo ? lo : (y[i] > hi ? hi : y[i]);
    }
}

/* ======================================================================================== */
/* broadcasting                                                                             */
/* ======================================================================================== */

/* Storage-order dims of t. */
static void storage_dims(const shapc__ox_tensor *t, size_t *d)
{
    if (t->nhwc && t->rank == 4) {
        d[0] = t->dim[0];
        d[1] = t->dim[2];
        d[2] = t->dim[3];
        d[3] = t->dim[1];
    } else {
        memcpy(d, t->dim, t->rank * sizeof *d);
    }
}

typedef struct bcast {
    size_t rank;                      /* after merging */
    size_t dim[SHAPC__OX_MAX_RANK];   /* output dims */
    size_t sa[SHAPC__OX_MAX_RANK], sb[SHAPC__OX_MAX_RANK]; /* element strides, 0 = broadcast */
} bcast;

/* Strides of a and b over the output's storage dims, merged. 0 on a shape mismatch. */
static int bcast_setup(const shapc__ox_tensor *a, const shapc__ox_tensor *b, bcast *bc)
{
    size_t da[SHAPC__OX_MAX_RANK], db[SHAPC__OX_MAX_RANK], r = a->rank > b->rank ? a->rank : b->rank;
    size_t fa[SHAPC__OX_MAX_RANK], fb[SHAPC__OX_MAX_RANK], dim[SHAPC__OX_MAX_RANK];
    size_t sa[SHAPC__OX_MAX_RANK], sb[SHAPC__OX_MAX_RANK], acc_a = 1, acc_b = 1;
    storage_dims(a, da);
    storage_dims(b, db);
    for (size_t k = 0; k < r; k++) {
        fa[k] = k < r - a->rank ? 1 : da[k - (r - a->rank)];
        fb[k] = k < r - b->rank ? 1 : db[k - (r - b->rank)];
        if (fa[k] != fb[k] && fa[k] != 1 && fb[k] != 1)
            return 0;
        dim[k] = fa[k] == 1 ? fb[k] : fa[k];
    }
    for (size_t k = r; k-- > 0;) {
        sa[k] = fa[k] == 1 && dim[k] != 1 ? 0 : acc_a;
        sb[k] = fb[k] == 1 && dim[k] != 1 ? 0 : acc_b;
        acc_a *= fa[k];
        acc_b *= fb[k];
    }
    /* merge axis k into k+1 when both operands walk them as one */
    bc->rank = 0;
    for (size_t k = 0; k < r; k++) {
        if (dim[k] == 1)
            continue;
        if (bc->rank > 0) {
            size_t j = bc->rank - 1;
            int ok_a = (bc->sa[j] == 0 && sa[k] == 0) || (bc->sa[j] == sa[k] * dim[k] && sa[k]);
            int ok_b = (bc->sb[j] == 0 && sb[k] == 0) || (bc->sb[j] == sb[k] * dim[k] && sb[k]);
            if (ok_a && ok_b) {
                bc->dim[j] *= dim[k];
                bc->sa[j] = sa[k];
                bc->sb[j] = sb[k];
                continue;
            }
        }
        bc->dim[bc->rank] = dim[k];
        bc->sa[bc->rank] = sa[k];
        bc->sb[bc->rank] = sb[k];
        bc->rank++;
    }
    if (bc->rank == 0) {
        bc->rank = 1;
        bc->dim[0] = 1;
        bc->sa[0] = bc->sb[0] = 1;
    }
    return 1;
}

#define INNER_F(NAME, EXPR)                                                                   \
    static void NAME(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n) \
    {                                                                                         \
        if (sa == 1 && sb == 1) {                                                             \
            for (size_t i = 0; i < n; i++) {                                                  \
                const float x = a[i], z = b[i];                                               \
                y[i] = (EXPR);                                                                \
            }                                                                                 \
        } else if (sa == 1 && sb == 0) {                                                      \
            const float z = b[0];                                                             \
            for (size_t i = 0; i < n; i++) {                                                  \
                const float x = a[i];                                                         \
                y[i] = (EXPR);                                                                \
            }                                                                                 \
        } else {                                                                              \
            for (size_t i = 0; i < n; i++) {                                                  \
                const float x = a[i * sa], z = b[i * sb];                                     \
                y[i] = (EXPR);                                                                \
            }                                                                                 \
        }                                                                                     \
    }

INNER_F(inner_add, x + z)
INNER_F(inner_sub, x - z)
INNER_F(inner_mul, x * z)
INNER_F(inner_div, x / z)
INNER_F(inner_pow, powf(x, z))

typedef void (*inner_fn)(const float *, size_t, const float *, size_t, float *, size_t);

/* Integer arithmetic for shape computations (folded at load): checked, never undefined. */
static int int_op(shapc__ox_op op, int64_t x, int64_t z, int64_t *y)
{
    switch (op) {
    case SHAPC__OX_OP_ADD:
        return !__builtin_add_overflow(x, z, y);
    case SHAPC__OX_OP_SUB:
        return !__builtin_sub_overflow(x, z, y);
    case SHAPC__OX_OP_MUL:
        return !__builtin_mul_overflow(x, z, y);
    case SHAPC__OX_OP_DIV:
        if (z == 0 || (x == INT64_MIN && z == -1))
            return 0;
        *y = x / z;
        if ((x % z != 0) && ((x < 0) != (z < 0)))
            (*y)--; /* numpy's floor division, which the ONNX reference uses */
        return 1;
    default:
        return 0;
    }
}

static shapc_status run_binary(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                               shapc__ox_tensor *out, shapc_error *err)
{
    bcast bc;
    size_t idx[SHAPC__OX_MAX_RANK] = {0}, oa = 0, ob = 0, inner, outer = 1;
    const int is_int = out->i != NULL;
    inner_fn fn = nd->op == SHAPC__OX_OP_ADD   ? inner_add
                  : nd->op == SHAPC__OX_OP_SUB ? inner_sub
                  : nd->op == SHAPC__OX_OP_MUL ? inner_mul
                  : nd->op == SHAPC__OX_OP_DIV ? inner_div
                                               : inner_pow;
    if (nd->op == SHAPC__OX_OP_POW && in[1].i) {
        /* an integer exponent: as float (exact up to 2^24, beyond which powf overflows) */
        shapc__ox_tensor e = in[1], ops[2];
        shapc_status st;
        if (!(e.f = shapc__malloc((e.count + 1) * sizeof *e.f)))
            return shapc_error_set(err, SHAPC_ENOMEM, "node '%s' (Pow): out of memory", nd->name);
        for (size_t k = 0; k < e.count; k++)
            e.f[k] = (float)in[1].i[k];
        e.i = NULL;
        ops[0] = in[0];
        ops[1] = e;
        st = run_binary(nd, ops, out, err);
        shapc__free(e.f);
        return st;
    }
    if (!bcast_setup(&in[0], &in[1], &bc))
        return shapc_error_set(err, SHAPC_ESHAPE, "node '%s' (%s): operand shapes do not "
                               "broadcast", nd->name, shapc__ox_op_name(nd->op));
    if (out->count == 0)
        return SHAPC_OK;
    inner = bc.dim[bc.rank - 1];
    for (size_t k = 0; k + 1 < bc.rank; k++)
        outer *= bc.dim[k];
    for (size_t o = 0, y = 0; o < outer; o++, y += inner) {
        if (is_int) {
            for (size_t i = 0; i < inner; i++)
                if (!int_op(nd->op, in[0].i[oa + i * bc.sa[bc.rank - 1]],
                            in[1].i[ob + i * bc.sb[bc.rank - 1]], &out->i[y + i]))
                    return shapc_error_set(err, SHAPC_ERANGE, "node '%s' (%s): integer overflow "
                                           "or division by zero", nd->name,
                                           shapc__ox_op_name(nd->op));
        } else {
            fn(in[0].f + oa, bc.sa[bc.rank - 1], in[1].f + ob, bc.sb[bc.rank - 1], out->f + y,
               inner);
        }
        /* odometer over the outer axes */
        for (size_t k = bc.rank - 1; k-- > 0;) {
            oa += bc.sa[k];
            ob += bc.sb[k];
            if (++idx[k] < bc.dim[k])
                break;
            oa -= bc.sa[k] * bc.dim[k];
            ob -= bc.sb[k] * bc.dim[k];
            idx[k] = 0;
        }
    }
    if (!is_int)
        shapc__ox_apply_act(&nd->at, out->f, out->count);
    return SHAPC_OK;
}

static shapc_status infer_binary(shapc__ox_ictx *c)
{
    shapc__ox_value *a, *b;
    shapc__sdim dim[SHAPC__OX_MAX_RANK];
    size_t r;
    shapc_status st;
    if ((st = shapc__ox_need_inputs(c, 2, 2)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK)
        return st;
    a = shapc__ox_in(c, 0);
    b = shapc__ox_in(c, 1);
    /* Pow may raise floats to integer exponents; everything else takes one element type */
    if (a->dtype != b->dtype && !(c->nd->op == SHAPC__OX_OP_POW && a->dtype == SHAPC__OX_F32))
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "operands '%s' and '%s' have different "
                              "element types", a->name, b->name);
    if (a->dtype == SHAPC__OX_I64 && c->nd->op == SHAPC__OX_OP_POW)
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "integer Pow is not supported");
    r = a->rank > b->rank ? a->rank : b->rank;
    for (size_t k = 0; k < r; k++) {
        shapc__sdim da = k < r - a->rank ? shapc__sd(1) : a->dim[k - (r - a->rank)];
        shapc__sdim db = k < r - b->rank ? shapc__sd(1) : b->dim[k - (r - b->rank)];
        if (!shapc__sd_broadcast(da, db, &dim[k]))
            return shapc__ox_fail(c, SHAPC_ESHAPE, "shapes of '%s' and '%s' do not broadcast "
                                  "(axis %zu)", a->name, b->name, k);
    }
    return shapc__ox_set_out(c, 0, a->dtype, r, dim);
}

/* ======================================================================================== */
/* unary                                                                                    */
/* ======================================================================================== */

static float sigmoid(float x)
{
    /* exp of a non-positive argument only: no overflow for large |x| */
    if (x >= 0.0f)
        return 1.0f / (1.0f + expf(-x));
    const float e = expf(x);
    return e / (1.0f + e);
}

/* y = erf(x) or tanh(x) over n values: vectorised through libmvec where the build found it
 * (AVX2 clone chosen at load time), glibc's scalar functions otherwise. */
#ifdef SHAPC_HAVE_LIBMVEC
__attribute__((target_clones("avx2", "default")))
#endif
static void erf_tanh(int is_erf, const float *x, float *y, size_t n)
{
    if (is_erf)
        for (size_t i = 0; i < n; i++)
            y[i] = erff(x[i]);
    else
        for (size_t i = 0; i < n; i++)
            y[i] = tanhf(x[i]);
}

static shapc_status run_unary(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                              shapc__ox_tensor *out, shapc_error *err)
{
    const float *x = in[0].f;
    float *y = out->f;
    const size_t n = out->count;
    (void)err;
    switch (nd->op) {
    case SHAPC__OX_OP_RELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] < 0.0f ? 0.0f : x[i];
        break;
    case SHAPC__OX_OP_LEAKYRELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] < 0.0f ? nd->at.alpha * x[i] : x[i];
        break;
    case SHAPC__OX_OP_CLIP: {
        const float lo = in[1].f ? in[1].f[0] : nd->at.lo, hi = in[2].f ? in[2].f[0] : nd->at.hi;
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]);
        break;
    }
    case SHAPC__OX_OP_SIGMOID:
        for (size_t i = 0; i < n; i++)
            y[i] = sigmoid(x[i]);
        break;
    case SHAPC__OX_OP_TANH:
        erf_tanh(0, x, y, n);
        break;
    case SHAPC__OX_OP_SQRT:
        for (size_t i = 0; i < n; i++)
            y[i] = sqrtf(x[i]);
        break;
    case SHAPC__OX_OP_ERF:
        erf_tanh(1, x, y, n);
        break;
    default:
        break;
    }
    return SHAPC_OK;
}

/* Clip's min or max: a float scalar, known now (kept in *v) or read at run time; the default
 * when omitted. */
static shapc_status clip_bound(shapc__ox_ictx *c, size_t k, float dflt, float *v)
{
    shapc__ox_value *x = shapc__ox_in(c, k);
    *v = dflt;
    if (!x)
        return SHAPC_OK;
    if (x->dtype != SHAPC__OX_F32 || shapc__ox_count(x, 1) != 1 || x->rank > 1)
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "input '%s' must be a float scalar",
                              x->name);
    if (x->kind == SHAPC__OX_CONST)
        *v = x->data[0];
    return SHAPC_OK;
}

static shapc_status infer_unary(shapc__ox_ictx *c)
{
    shapc__ox_node *nd = c->nd;
    shapc_status st = SHAPC_OK;
    const size_t max_in = nd->op == SHAPC__OX_OP_CLIP ? 3 : 1;
    shapc__ox_value *x;
    if ((st = shapc__ox_need_inputs(c, 1, max_in)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 0, SHAPC__OX_F32)) != SHAPC_OK)
        return st;
    x = shapc__ox_in(c, 0);
    nd->at.alpha = 0.01f;
    shapc__ox_attr_float(c, "alpha", &nd->at.alpha, &st);
    if (st != SHAPC_OK)
        return st;
    if (nd->op == SHAPC__OX_OP_CLIP &&
        ((st = clip_bound(c, 1, -INFINITY, &nd->at.lo)) != SHAPC_OK ||
         (st = clip_bound(c, 2, INFINITY, &nd->at.hi)) != SHAPC_OK))
        return st;
    if (nd->op == SHAPC__OX_OP_RELU) {
        nd->at.lo = 0.0f;
        nd->at.hi = INFINITY;
    }
    return shapc__ox_set_out(c, 0, SHAPC__OX_F32, x->rank, x->dim);
}

/* ======================================================================================== */
/* Cast                                                                                     */
/* ======================================================================================== */

static int64_t float_to_int(float v)
{
    /* ONNX leaves out-of-range casts undefined; shapc saturates (and maps NaN to 0) so the
     * C conversion never is. */
    if (v != v)
        return 0;
    if (v >= 9.2233715e18f)
        return INT64_MAX;
    if (v <= -9.2233715e18f)
        return INT64_MIN;
    return (int64_t)v;
}

static shapc_status run_cast(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                             shapc__ox_tensor *out, shapc_error *err)
{
    const size_t n = out->count;
    (void)nd;
    (void)err;
    if (n == 0)
        return SHAPC_OK;
    if (out->f && in[0].f)
        memmove(out->f, in[0].f, n * sizeof *out->f);
    else if (out->i && in[0].i)
        memmove(out->i, in[0].i, n * sizeof *out->i);
    else if (out->i)
        for (size_t k = 0; k < n; k++)
            out->i[k] = float_to_int(in[0].f[k]);
    else
        for (size_t k = 0; k < n; k++)
            out->f[k] = (float)in[0].i[k];
    return SHAPC_OK;
}

static shapc_status infer_cast(shapc__ox_ictx *c)
{
    shapc_status st = SHAPC_OK;
    int64_t to = 0;
    shapc__ox_value *x;
    if ((st = shapc__ox_need_inputs(c, 1, 1)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK)
        return st;
    if (!shapc__ox_attr_int(c, "to", &to, &st))
        return st != SHAPC_OK ? st : shapc__ox_fail(c, SHAPC_EFORMAT, "has no 'to' attribute");
    x = shapc__ox_in(c, 0);
    /* INT32 results are held as int64: shapc only uses integers as indices and shapes. */
    if (to == 1)
        c->nd->at.cast_to = SHAPC__OX_F32;
    else if (to == 7 || to == 6)
        c->nd->at.cast_to = SHAPC__OX_I64;
    else
        return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "cast to element type %lld is not "
                              "supported (FLOAT, INT64 and INT32 are)", (long long)to);
    return shapc__ox_set_out(c, 0, c->nd->at.cast_to, x->rank, x->dim);
}

/* ======================================================================================== */

static const shapc__ox_op_info BINARY = {infer_binary, run_binary, SHAPC__OX_F_BINARY};
static const shapc__ox_op_info UNARY = {infer_unary, run_unary, SHAPC__OX_F_UNARY};
static const shapc__ox_op_info CAST = {infer_cast, run_cast, 0};

const shapc__ox_op_info *shapc__ox_info_elem(shapc__ox_op op)
{
    switch (op) {
    case SHAPC__OX_OP_ADD:
    case SHAPC__OX_OP_SUB:
    case SHAPC__OX_OP_MUL:
    case SHAPC__OX_OP_DIV:
    case SHAPC__OX_OP_POW:
        return &BINARY;
    case SHAPC__OX_OP_SQRT:
    case SHAPC__OX_OP_ERF:
    case SHAPC__OX_OP_RELU:
    case SHAPC__OX_OP_LEAKYRELU:
    case SHAPC__OX_OP_CLIP:
    case SHAPC__OX_OP_SIGMOID:
    case SHAPC__OX_OP_TANH:
        return &UNARY;
    case SHAPC__OX_OP_CAST:
        return &CAST;
    default:
        return NULL;
    }
}
