/* onnx_ops_linalg.c - Gemm, MatMul, Softmax, LayerNormalization and ReduceMean.
 *
 * Gemm and MatMul are single cblas_sgemm calls (util/linalg.h) whenever the right operand is
 * one matrix - a weight - however many leading batch axes the left one has: (..., M, K) rows
 * are contiguous, so they form one (prod, K) matrix. Batched products (attention) loop one
 * sgemm per broadcast batch index. Softmax over a contiguous axis reuses the native
 * networks' blocked, max-subtracted implementation (activation.c), so an ONNX export of a
 * model.bin network rounds the same way. Reductions and normalisations accumulate in double. */
#include <math.h>
#include <string.h>

#include "model/activation.h"
#include "model/onnx_ops.h"
#include "util/alloc.h"
#include "util/linalg.h"

static shapc_status too_large(const shapc__ox_node *nd, shapc_error *err)
{
    return shapc_error_set(err, SHAPC_ERANGE, "node '%s' (%s): matrix too large for BLAS",
                           nd->name, shapc__ox_op_name(nd->op));
}

/* ======================================================================================== */
/* Gemm: Y = alpha op(A) op(B) + beta C                                                     */
/* ======================================================================================== */

static shapc_status run_gemm(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                             shapc__ox_tensor *out, shapc_error *err)
{
    const shapc__ox_attrs *at = &nd->at;
    const size_t M = out->dim[0], N = out->dim[1];
    const size_t K = at->trans_a ? in[0].dim[0] : in[0].dim[1];
    const shapc__ox_tensor *c = &in[2];
    float beta = 0.0f;
    if (M > SHAPC__OX_BLAS_MAX || N > SHAPC__OX_BLAS_MAX || K > SHAPC__OX_BLAS_MAX)
        return too_large(nd, err);
    if (out->count == 0)
        return SHAPC_OK;
    if (c->f && c->count > 0 && at->beta != 0.0f) {
        /* C broadcasts to (M, N): a scalar, (N), (1, N), (M, 1) or (M, N) */
        const size_t cr = c->rank == 2 ? c->dim[0] : 1, cc = c->rank >= 1 ? c->dim[c->rank - 1] : 1;
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++)
                out->f[i * N + j] = at->beta * c->f[(cr == 1 ? 0 : i) * cc + (cc == 1 ? 0 : j)];
        beta = 1.0f;
    }
    if (K == 0) {
        if (beta == 0.0f)
            memset(out->f, 0, out->count * sizeof *out->f);
    } else {
        shapc__sgemm(at->trans_a, at->trans_b, M, N, K, at->alpha, in[0].f, at->trans_a ? M : K,
                     in[1].f, at->trans_b ? K : N, beta, out->f, N);
    }
    shapc__ox_apply_act(at, out->f, out->count);
    return SHAPC_OK;
}

static shapc_status infer_gemm(shapc__ox_ictx *c)
{
    shapc__ox_attrs *at = &c->nd->at;
    shapc__ox_value *a, *b, *cv;
    shapc_status st = SHAPC_OK;
    int64_t ta = 0, tb = 0;
    shapc__sdim dim[2], ka, kb;
    if ((st = shapc__ox_need_inputs(c, 2, 3)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 0, SHAPC__OX_F32)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 1, SHAPC__OX_F32)) != SHAPC_OK)
        return st;
    at->alpha = at->beta = 1.0f;
    shapc__ox_attr_int(c, "transA", &ta, &st);
    shapc__ox_attr_int(c, "transB", &tb, &st);
    shapc__ox_attr_float(c, "alpha", &at->alpha, &st);
    shapc__ox_attr_float(c, "beta", &at->beta, &st);
    if (st != SHAPC_OK)
        return st;
    at->trans_a = ta != 0;
    at->trans_b = tb != 0;
    a = shapc__ox_in(c, 0);
    b = shapc__ox_in(c, 1);
    if (a->rank != 2 || b->rank != 2)
        return shapc__ox_fail(c, SHAPC_ESHAPE, "A and B must be matrices (ranks %zu and %zu)",
                              a->rank, b->rank);
    dim[0] = a->dim[at->trans_a ? 1 : 0];
    ka = a->dim[at->trans_a ? 0 : 1];
    kb = b->dim[at->trans_b ? 1 : 0];
    dim[1] = b->dim[at->trans_b ? 0 : 1];
    if (!shapc__sd_eq(ka, kb) || dim[1].a != 0 || ka.a != 0)
        return shapc__ox_fail(c, SHAPC_ESHAPE, "inner dimensions of '%s' and '%s' differ",
                              a->name, b->name);
    if ((cv = shapc__ox_in(c, 2)) != NULL) {
        if (cv->dtype != SHAPC__OX_F32 || cv->rank > 2 ||
            (cv->rank >= 1 && !shapc__sd_is(cv->dim[cv->rank - 1], 1) &&
             !shapc__sd_eq(cv->dim[cv->rank - 1], dim[1])) ||
            (cv->rank == 2 && !shapc__sd_is(cv->dim[0], 1) && !shapc__sd_eq(cv->dim[0], dim[0])))
            return shapc__ox_fail(c, SHAPC_ESHAPE, "C '%s' does not broadcast to the output",
                                  cv->name);
    }
    return shapc__ox_set_out(c, 0, SHAPC__OX_F32, 2, dim);
}

/* ======================================================================================== */
/* MatMul: numpy matmul                                                                     */
/* ======================================================================================== */

static shapc_status run_matmul(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                               shapc__ox_tensor *out, shapc_error *err)
{
    const shapc__ox_tensor *a = &in[0], *b = &in[1];
    const size_t ra = a->rank, rb = b->rank;
    const size_t M = ra >= 2 ? a->dim[ra - 2] : 1, K = a->dim[ra - 1];
    const size_t N = rb >= 2 ? b->dim[rb - 1] : 1;
    size_t batch = 1, rbatch = out->rank >= 2 ? out->rank - 2 : 0;
    if (ra == 1 && rb >= 2)
        rbatch = out->rank - 1;
    if (M > SHAPC__OX_BLAS_MAX || N > SHAPC__OX_BLAS_MAX || K > SHAPC__OX_BLAS_MAX)
        return too_large(nd, err);
    if (out->count == 0)
        return SHAPC_OK;
    if (K == 0) {
        memset(out->f, 0, out->count * sizeof *out->f);
        shapc__ox_apply_act(&nd->at, out->f, out->count);
        return SHAPC_OK;
    }
    if (rb <= 2) {
        /* one weight matrix: every leading row of A at once */
        size_t rows = a->count / K;
        if (rows > SHAPC__OX_BLAS_MAX)
            return too_large(nd, err);
        shapc__sgemm(0, 0, rows, N, K, 1.0f, a->f, K, b->f, N, 0.0f, out->f, N);
        shapc__ox_apply_act(&nd->at, out->f, out->count);
        return SHAPC_OK;
    }
    /* batched: broadcast the batch axes of A and B against the output's */
    size_t ob[SHAPC__OX_MAX_RANK], sa[SHAPC__OX_MAX_RANK], sb[SHAPC__OX_MAX_RANK];
    size_t idx[SHAPC__OX_MAX_RANK] = {0}, accA = M * K, accB = K * N, offa = 0, offb = 0;
    const size_t bra = ra >= 2 ? ra - 2 : 0, brb = rb - 2;
    for (size_t k = rbatch; k-- > 0;) {
        size_t da = k + bra >= rbatch ? a->dim[k + bra - rbatch] : 1;
        size_t db = k + brb >= rbatch ? b->dim[k + brb - rbatch] : 1;
        ob[k] = out->dim[k];
        sa[k] = da == 1 ? 0 : accA;
        sb[k] = db == 1 ? 0 : accB;
        accA *= da;
        accB *= db;
        batch *= ob[k];
    }
    for (size_t t = 0; t < batch; t++) {
        shapc__sgemm(0, 0, M, N, K, 1.0f, a->f + offa, K, b->f + offb, N, 0.0f,
                     out->f + t * M * N, N);
        for (size_t k = rbatch; k-- > 0;) {
            offa += sa[k];
            offb += sb[k];
            if (++idx[k] < ob[k])
                break;
            offa -= sa[k] * ob[k];
            offb -= sb[k] * ob[k];
            idx[k] = 0;
        }
    }
    shapc__ox_apply_act(&nd->at, out->f, out->count);
    return SHAPC_OK;
}

static shapc_status infer_matmul(shapc__ox_ictx *c)
{
    shapc__ox_value *a, *b;
    shapc__sdim dim[SHAPC__OX_MAX_RANK];
    size_t ra, rb, nb, r = 0;
    shapc_status st;
    if ((st = shapc__ox_need_inputs(c, 2, 2)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 0, SHAPC__OX_F32)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 1, SHAPC__OX_F32)) != SHAPC_OK)
        return st;
    a = shapc__ox_in(c, 0);
    b = shapc__ox_in(c, 1);
    ra = a->rank;
    rb = b->rank;
    if (ra == 0 || rb == 0)
        return shapc__ox_fail(c, SHAPC_ESHAPE, "operands must not be scalars");
    if (!shapc__sd_eq(a->dim[ra - 1], b->dim[rb >= 2 ? rb - 2 : 0]) || a->dim[ra - 1].a != 0)
        return shapc__ox_fail(c, SHAPC_ESHAPE, "inner dimensions of '%s' and '%s' differ",
                              a->name, b->name);
    nb = (ra > 2 ? ra - 2 : 0) > (rb > 2 ? rb - 2 : 0) ? ra - 2 : (rb > 2 ? rb - 2 : 0);
    for (size_t k = 0; k < nb; k++) {
        size_t ka = ra > 2 ? ra - 2 : 0, kb = rb > 2 ? rb - 2 : 0;
        shapc__sdim da = k + ka >= nb ? a->dim[k + ka - nb] : shapc__sd(1);
        shapc__sdim db = k + kb >= nb ? b->dim[k + kb - nb] : shapc__sd(1);
        if (!shapc__sd_broadcast(da, db, &dim[r++]))
            return shapc__ox_fail(c, SHAPC_ESHAPE, "batch axes of '%s' and '%s' do not "
                                  "broadcast", a->name, b->name);
    }
    if (ra >= 2)
        dim[r++] = a->dim[ra - 2];
    if (rb >= 2)
        dim[r++] = b->dim[rb - 1];
    return shapc__ox_set_out(c, 0, SHAPC__OX_F32, r, dim);
}

/* ======================================================================================== */
/* Softmax                                                                                  */
/* ======================================================================================== */

static shapc_status run_softmax(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                                shapc__ox_tensor *out, shapc_error *err)
{
    const size_t axis = (size_t)nd->at.axis;
    size_t outer = 1, n = 1, inner = 1;
    (void)err;
    for (size_t k = 0; k < in[0].rank; k++) {
        if (k < axis)
            outer *= in[0].dim[k];
        else if (k == axis || nd->at.keepdims) /* keepdims: opset < 13 coerces to 2-D */
            n *= in[0].dim[k];
        else
            inner *= in[0].dim[k];
    }
    if (out->count == 0)
        return SHAPC_OK;
    if (out->f != in[0].f)
        memcpy(out->f, in[0].f, out->count * sizeof *out->f);
    if (inner == 1) {
        shapc__activate_rows(SHAPC_ACT_SOFTMAX, out->f, outer, n);
        return SHAPC_OK;
    }
    for (size_t o = 0; o < outer; o++) {
        for (size_t i = 0; i < inner; i++) {
            float *y = out->f + o * n * inner + i, mx = y[0];
            double s = 0.0;
            for (size_t k = 1; k < n; k++)
                mx = y[k * inner] > mx ? y[k * inner] : mx;
            for (size_t k = 0; k < n; k++) {
                const float d = y[k * inner] - mx; /* below e^-87: 0, as activation.c does */
                y[k * inner] = d < -87.0f ? 0.0f : expf(d);
                s += (double)y[k * inner];
            }
            for (size_t k = 0; k < n; k++)
                y[k * inner] = (float)((double)y[k * inner] / s);
        }
    }
    return SHAPC_OK;
}

static shapc_status infer_softmax(shapc__ox_ictx *c)
{
    shapc__ox_value *x;
    shapc_status st = SHAPC_OK;
    int64_t axis = c->g->opset >= 13 ? -1 : 1;
    size_t ax;
    if ((st = shapc__ox_need_inputs(c, 1, 1)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 0, SHAPC__OX_F32)) != SHAPC_OK)
        return st;
    shapc__ox_attr_int(c, "axis", &axis, &st);
    x = shapc__ox_in(c, 0);
    if (st != SHAPC_OK || (st = shapc__ox_axis(c, axis, x->rank, 0, &ax)) != SHAPC_OK)
        return st;
    c->nd->at.axis = (int64_t)ax;
    c->nd->at.keepdims = c->g->opset < 13;
    for (size_t k = ax; k < x->rank; k++)
        if (x->dim[k].a != 0 && (k == ax || c->nd->at.keepdims))
            return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "softmax over the batch axis mixes "
                                  "rows: not supported");
    return shapc__ox_set_out(c, 0, SHAPC__OX_F32, x->rank, x->dim);
}

/* ======================================================================================== */
/* LayerNormalization (opset 17)                                                            */
/* ======================================================================================== */

static shapc_status run_layernorm(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                                  shapc__ox_tensor *out, shapc_error *err)
{
    const size_t axis = (size_t)nd->at.axis;
    const shapc__ox_tensor *x = &in[0], *sc = &in[1], *bi = &in[2];
    size_t outer = 1, n = 1;
    (void)err;
    for (size_t k = 0; k < x->rank; k++)
        *(k < axis ? &outer : &n) *= x->dim[k];
    for (size_t o = 0; o < outer; o++) {
        const float *xr = x->f + o * n;
        float *y = out[0].f + o * n;
        double mean = 0.0, var = 0.0, inv;
        for (size_t k = 0; k < n; k++)
            mean += (double)xr[k];
        mean /= (double)n;
        for (size_t k = 0; k < n; k++)
            var += ((double)xr[k] - mean) * ((double)xr[k] - mean);
        var /= (double)n;
        inv = 1.0 / sqrt(var + (double)nd->at.epsilon);
        /* statistics in double, the per-value arithmetic in float */
        const float m = (float)mean, iv = (float)inv;
        const int full_s = sc->count != 1, full_b = bi->f && bi->count > 1;
        const float s0 = sc->f[0], b0 = bi->f && bi->count ? bi->f[0] : 0.0f;
        for (size_t k = 0; k < n; k++)
            y[k] = (xr[k] - m) * iv * (full_s ? sc->f[k] : s0) + (full_b ? bi->f[k] : b0);
        if (out[1].f)
            out[1].f[o] = (float)mean;
        if (out[2].f)
            out[2].f[o] = (float)inv;
    }
    return SHAPC_OK;
}

static shapc_status infer_layernorm(shapc__ox_ictx *c)
{
    shapc__ox_value *x, *sc, *bi;
    shapc_status st = SHAPC_OK;
    int64_t axis = -1, stash = 1;
    size_t ax, n = 1;
    shapc__sdim sdim[SHAPC__OX_MAX_RANK];
    if ((st = shapc__ox_need_inputs(c, 2, 3)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 0, SHAPC__OX_F32)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 1, SHAPC__OX_F32)) != SHAPC_OK)
        return st;
    c->nd->at.epsilon = 1e-5f;
    shapc__ox_attr_int(c, "axis", &axis, &st);
    shapc__ox_attr_int(c, "stash_type", &stash, &st);
    shapc__ox_attr_float(c, "epsilon", &c->nd->at.epsilon, &st);
    x = shapc__ox_in(c, 0);
    if (st != SHAPC_OK || (st = shapc__ox_axis(c, axis, x->rank, 0, &ax)) != SHAPC_OK)
        return st;
    c->nd->at.axis = (int64_t)ax;
    for (size_t k = 0; k < x->rank; k++) {
        if (k >= ax) {
            if (x->dim[k].a != 0)
                return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "normalising over the batch axis "
                                      "mixes rows: not supported");
            n *= (size_t)x->dim[k].b;
        }
        sdim[k] = k < ax ? x->dim[k] : shapc__sd(1);
    }
    sc = shapc__ox_in(c, 1);
    bi = shapc__ox_in(c, 2);
    if (shapc__ox_count(sc, 1) != n && shapc__ox_count(sc, 1) != 1)
        return shapc__ox_fail(c, SHAPC_ESHAPE, "scale '%s' does not match the normalised shape",
                              sc->name);
    if (bi && (bi->dtype != SHAPC__OX_F32 ||
               (shapc__ox_count(bi, 1) != n && shapc__ox_count(bi, 1) != 1)))
        return shapc__ox_fail(c, SHAPC_ESHAPE, "bias '%s' does not match the normalised shape",
                              bi->name);
    if ((st = shapc__ox_set_out(c, 0, SHAPC__OX_F32, x->rank, x->dim)) != SHAPC_OK ||
        (st = shapc__ox_set_out(c, 1, SHAPC__OX_F32, x->rank, sdim)) != SHAPC_OK)
        return st;
    return shapc__ox_set_out(c, 2, SHAPC__OX_F32, x->rank, sdim);
}

/* ======================================================================================== */
/* ReduceMean                                                                               */
/* ======================================================================================== */

static shapc_status run_reducemean(const shapc__ox_node *nd, const shapc__ox_tensor *in,
                                   shapc__ox_tensor *out, shapc_error *err)
{
    const shapc__ox_tensor *x = &in[0];
    size_t ostride[SHAPC__OX_MAX_RANK], idx[SHAPC__OX_MAX_RANK] = {0}, acc = 1, o = 0;
    double *sum;
    unsigned mask = 0;
    for (size_t k = 0; k < nd->at.n_ints; k++)
        mask |= 1u << nd->at.ints[k];
    for (size_t k = x->rank; k-- > 0;) {
        int red = (mask >> k) & 1u;
        ostride[k] = red ? 0 : acc;
        acc *= red ? 1 : x->dim[k];
    }
    if (!(sum = shapc__calloc(out->count + 1, sizeof *sum)))
        return shapc_error_set(err, SHAPC_ENOMEM, "node '%s' (ReduceMean): out of memory",
                               nd->name);
    for (size_t i = 0; i < x->count; i++) {
        sum[o] += (double)x->f[i];
        for (size_t k = x->rank; k-- > 0;) {
            o += ostride[k];
            if (++idx[k] < x->dim[k])
                break;
            o -= ostride[k] * x->dim[k];
            idx[k] = 0;
        }
    }
    const double per = out->count ? (double)x->count / (double)out->count : 1.0;
    for (size_t k = 0; k < out->count; k++)
        out->f[k] = (float)(sum[k] / per);
    shapc__free(sum);
    return SHAPC_OK;
}

static shapc_status infer_reducemean(shapc__ox_ictx *c)
{
    shapc__ox_attrs *at = &c->nd->at;
    shapc__ox_value *x;
    shapc_status st = SHAPC_OK;
    int64_t keep = 1, axes[SHAPC__OX_MAX_RANK];
    size_t n_axes = 0, r = 0;
    unsigned mask = 0;
    shapc__sdim dim[SHAPC__OX_MAX_RANK];
    if ((st = shapc__ox_need_inputs(c, 1, 1)) != SHAPC_OK ||
        (st = shapc__ox_only_outputs(c, 1)) != SHAPC_OK ||
        (st = shapc__ox_need_type(c, 0, SHAPC__OX_F32)) != SHAPC_OK)
        return st;
    x = shapc__ox_in(c, 0);
    shapc__ox_attr_int(c, "keepdims", &keep, &st);
    if (!shapc__ox_attr_ints(c, "axes", SHAPC__OX_MAX_RANK, axes, &n_axes, &st) && st == SHAPC_OK)
        for (n_axes = 0; n_axes < x->rank; n_axes++)
            axes[n_axes] = (int64_t)n_axes;
    if (st != SHAPC_OK)
        return st;
    at->n_ints = 0;
    for (size_t k = 0; k < n_axes; k++) {
        size_t a;
        if ((st = shapc__ox_axis(c, axes[k], x->rank, 0, &a)) != SHAPC_OK)
            return st;
        if (x->dim[a].a != 0)
            return shapc__ox_fail(c, SHAPC_EUNSUPPORTED, "reducing over the batch axis mixes "
                                  "rows: not supported");
        if (!(mask >> a & 1u))
            at->ints[at->n_ints++] = (int64_t)a;
        mask |= 1u << a;
    }
    for (size_t k = 0; k < x->rank; k++) {
        if (!(mask >> k & 1u))
            dim[r++] = x->dim[k];
        else if (keep)
            dim[r++] = shapc__sd(1);
    }
    return shapc__ox_set_out(c, 0, SHAPC__OX_F32, r, dim);
}

/* ======================================================================================== */

static const shapc__ox_op_info GEMM = {infer_gemm, run_gemm, 0};
static const shapc__ox_op_info MATMUL = {infer_matmul, run_matmul, 0};
static const shapc__ox_op_info SOFTMAX = {infer_softmax, run_softmax, 0};
static const shapc__ox_op_info LAYERNORM = {infer_layernorm, run_layernorm, 0};
static const shapc__ox_op_info REDUCEMEAN = {infer_reducemean, run_reducemean, 0};

const shapc__ox_op_info *shapc__ox_info_linalg(shapc__ox_op op)
{
    switch (op) {
    case SHAPC__OX_OP_GEMM:
        return &GEMM;
    case SHAPC__OX_OP_MATMUL:
        return &MATMUL;
    case SHAPC__OX_OP_SOFTMAX:
        return &SOFTMAX;
    case SHAPC__OX_OP_LAYERNORM:
        return &LAYERNORM;
    case SHAPC__OX_OP_REDUCEMEAN:
        return &REDUCEMEAN;
    default:
        return NULL;
    }
}
