/* wls.c - constrained weighted least squares for KernelSHAP (see wls.h). */
#include "kernel/wls.h"

#include <math.h>
#include <string.h>

#include "util/alloc.h"
#include "util/linalg.h"

/* ---- assembly of A = Z'WZ and b = Z'Wy from small-side coalitions -------------------------
 * A complemented coalition z = 1 - 1_T contributes w (11' - 1 1_T' - 1_T 1' + 1_T 1_T'): the
 * dense part is kept as a scalar and a vector and added once at the end, so each coalition
 * costs |T|^2 + |T| K instead of M^2 + M K. Coalitions whose small side is large (|T| > M/8,
 * common under leverage sampling, which spreads the budget over all sizes) are cheaper as
 * dense rows sqrt(w) z fed to dsyrk in blocks: BLAS-3 speed outweighs the extra flops. */
#define DENSE_BLOCK 128

static void flush_dense(size_t m, size_t *rows, double *zd, double *ad)
{
    if (*rows) {
        shapc__dsyrk_upper(m, *rows, zd, ad);
        *rows = 0;
    }
}

static void assemble(const shapc__coalitions *c, const double *y, size_t k, double *a, double *b,
                     double *u_acc, double *b_all, double *zd, double *ad)
{
    const size_t m = c->m;
    double c0 = 0.0;
    size_t rows = 0;
    for (size_t i = 0; i < c->n; i++) {
        const uint32_t *t = c->idx + c->start[i];
        const size_t nt = c->start[i + 1] - c->start[i];
        const double w = c->weight[i];
        const double *yi = y ? y + i * k : NULL;
        if (!a) {
            /* b only */
        } else if (zd && nt * 8 > m) {
            double *row = zd + rows * m;
            const double sw = sqrt(w), in = c->complement[i] ? 0.0 : sw;
            for (size_t j = 0; j < m; j++)
                row[j] = sw - in;
            for (size_t p = 0; p < nt; p++)
                row[t[p]] = in;
            if (++rows == DENSE_BLOCK)
                flush_dense(m, &rows, zd, ad);
        } else {
            for (size_t p = 0; p < nt; p++)
                for (size_t q = 0; q < nt; q++)
                    a[(size_t)t[p] * m + t[q]] += w;
            if (c->complement[i]) {
                c0 += w;
                for (size_t p = 0; p < nt; p++)
                    u_acc[t[p]] += w;
            }
        }
        if (!yi) {
            /* A only */
        } else if (!c->complement[i]) {
            for (size_t p = 0; p < nt; p++)
                for (size_t o = 0; o < k; o++)
                    b[(size_t)t[p] * k + o] += w * yi[o];
        } else {
            for (size_t o = 0; o < k; o++)
                b_all[o] += w * yi[o];
            for (size_t p = 0; p < nt; p++)
                for (size_t o = 0; o < k; o++)
                    b[(size_t)t[p] * k + o] -= w * yi[o];
        }
    }
    if (zd)
        flush_dense(m, &rows, zd, ad);
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; a && j < m; j++) {
            a[i * m + j] += c0 - u_acc[i] - u_acc[j];
            if (ad)
                a[i * m + j] += i <= j ? ad[i * m + j] : ad[j * m + i];
        }
        for (size_t o = 0; y && o < k; o++)
            b[i * k + o] += b_all[o];
    }
}

/* Factorises a copy of A; if A is singular (a player never separated from another by the
 * sampled coalitions) retries with a growing ridge, the minimum-change regularisation. */
static int factorise(size_t m, const double *a, double *f)
{
    double trace = 0.0;
    for (size_t i = 0; i < m; i++)
        trace += a[i * m + i];
    double ridge = 0.0;
    for (int attempt = 0; attempt < 6; attempt++) {
        memcpy(f, a, m * m * sizeof *f);
        for (size_t i = 0; i < m; i++)
            f[i * m + i] += ridge;
        if (shapc__dpotrf(m, f) == 0)
            return 0;
        ridge = ridge == 0.0 ? 1e-12 * (trace / (double)m + 1e-300) : ridge * 100.0;
    }
    return -1;
}

/* x (m, nrhs) holds A^-1 r; projects each column onto sum zero: x - u (1'x) / (1'u). */
static void project(size_t m, size_t nrhs, double *x, const double *u, double sum_u,
                    const double *target)
{
    for (size_t o = 0; o < nrhs; o++) {
        double s = 0.0;
        for (size_t j = 0; j < m; j++)
            s += x[j * nrhs + o];
        const double lambda = (s - (target ? target[o] : 0.0)) / sum_u;
        for (size_t j = 0; j < m; j++)
            x[j * nrhs + o] -= u[j] * lambda;
    }
}

/* Standard errors by linearised batch means: batch b's estimate differs from the pooled one
 * by dphi_b = P(A^-1 r_b) with r_b = (P/P_b) g_b - sum_c g_c, g_b = Z_b'W_b(y_b - Z_b phi),
 * and P the projection onto sum zero; se = sqrt(sum_b dphi_b^2 / (B (B - 1))). */
static shapc_status batch_errors(const shapc__coalitions *c, const double *y, size_t k,
                                 const double *f, const double *u, double sum_u,
                                 const double *phi, double *se, shapc_error *err)
{
    const size_t m = c->m, nb = c->n_batches;
    size_t pairs = 0, nrhs, cells;
    for (size_t bi = 1; bi <= nb; bi++)
        pairs += c->batch_pairs[bi];
    if (!shapc__mul_size(nb, k, &nrhs) || !shapc__mul_size(m, nrhs, &cells))
        return shapc_error_set(err, SHAPC_ERANGE, "standard-error system too large");
    double *g = shapc__calloc(cells, sizeof *g);        /* (m, nb*k): column block b-1 */
    double *g_all = shapc__calloc(nrhs, sizeof *g_all); /* dense part of each column */
    double *phi_sum = shapc__calloc(k, sizeof *phi_sum);
    double *res = shapc__calloc(k, sizeof *res);
    if (!g || !g_all || !phi_sum || !res) {
        shapc__free(g);
        shapc__free(g_all);
        shapc__free(phi_sum);
        shapc__free(res);
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for standard errors");
    }
    for (size_t j = 0; j < m; j++)
        for (size_t o = 0; o < k; o++)
            phi_sum[o] += phi[j * k + o];
    for (size_t i = 0; i < c->n; i++) {
        if (c->batch[i] == 0)
            continue;
        const size_t col = (size_t)(c->batch[i] - 1) * k;
        const uint32_t *t = c->idx + c->start[i];
        const size_t nt = c->start[i + 1] - c->start[i];
        const double w = c->weight[i];
        for (size_t o = 0; o < k; o++) {
            double zphi = 0.0;
            for (size_t p = 0; p < nt; p++)
                zphi += phi[(size_t)t[p] * k + o];
            if (c->complement[i])
                zphi = phi_sum[o] - zphi;
            res[o] = w * (y[i * k + o] - zphi);
        }
        const double sign = c->complement[i] ? -1.0 : 1.0;
        for (size_t o = 0; o < k; o++) {
            if (c->complement[i])
                g_all[col + o] += res[o];
            for (size_t p = 0; p < nt; p++)
                g[(size_t)t[p] * nrhs + col + o] += sign * res[o];
        }
    }
    /* r_b = (P / P_b) g_b - sum_c g_c, row by row. */
    for (size_t j = 0; j < m; j++) {
        double *row = g + j * nrhs;
        for (size_t o = 0; o < k; o++) {
            double total = 0.0;
            for (size_t bi = 0; bi < nb; bi++) {
                row[bi * k + o] += g_all[bi * k + o];
                total += row[bi * k + o];
            }
            for (size_t bi = 0; bi < nb; bi++) {
                const double scale = (double)pairs / (double)c->batch_pairs[bi + 1];
                row[bi * k + o] = scale * row[bi * k + o] - total;
            }
        }
    }
    shapc_status st = SHAPC_OK;
    if (shapc__dpotrs(m, f, nrhs, g) != 0) {
        st = shapc_error_set(err, SHAPC_ELINALG, "standard-error solve failed");
    } else {
        project(m, nrhs, g, u, sum_u, NULL);
        const double denom = (double)nb * (double)(nb - 1);
        for (size_t j = 0; j < m; j++)
            for (size_t o = 0; o < k; o++) {
                double ss = 0.0;
                for (size_t bi = 0; bi < nb; bi++) {
                    const double v = g[j * nrhs + bi * k + o];
                    ss += v * v;
                }
                se[j * k + o] = sqrt(ss / denom);
            }
    }
    shapc__free(g);
    shapc__free(g_all);
    shapc__free(phi_sum);
    shapc__free(res);
    return st;
}

void shapc__wls_design_free(shapc__wls_design *d)
{
    shapc__free(d->f);
    shapc__free(d->u);
    memset(d, 0, sizeof *d);
}

shapc_status shapc__wls_factor(const shapc__coalitions *c, shapc__wls_design *d,
                               shapc_error *err)
{
    const size_t m = c->m;
    size_t mm;
    memset(d, 0, sizeof *d);
    if (!shapc__mul_size(m, m, &mm) || mm > SIZE_MAX / sizeof(double) / 2)
        return shapc_error_set(err, SHAPC_ERANGE, "%zu players: regression too large", m);
    shapc_status st = SHAPC_OK;
    double *a = shapc__calloc(mm, sizeof *a);
    double *u_acc = shapc__calloc(m, sizeof *u_acc);
    /* Dense-row blocks only pay off for larger player counts. */
    const int dense = m >= 64;
    double *zd = dense ? shapc__malloc(DENSE_BLOCK * m * sizeof *zd) : NULL;
    double *ad = dense ? shapc__calloc(mm, sizeof *ad) : NULL;
    d->m = m;
    d->f = shapc__malloc(mm * sizeof *d->f);
    d->u = shapc__malloc(m * sizeof *d->u);
    if (!a || !u_acc || !d->f || !d->u || (dense && (!zd || !ad))) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory for a %zu-player regression", m);
        goto done;
    }
    assemble(c, NULL, 0, a, NULL, u_acc, NULL, zd, ad);
    if (factorise(m, a, d->f) != 0) {
        st = shapc_error_set(err, SHAPC_ELINALG,
                             "the coalition design is singular for %zu players", m);
        goto done;
    }
    /* u = A^-1 1 carries the efficiency constraint. */
    for (size_t j = 0; j < m; j++)
        d->u[j] = 1.0;
    if (shapc__dpotrs(m, d->f, 1, d->u) != 0) {
        st = shapc_error_set(err, SHAPC_ELINALG, "regression solve failed");
        goto done;
    }
    d->sum_u = 0.0;
    for (size_t j = 0; j < m; j++)
        d->sum_u += d->u[j];
done:
    shapc__free(a);
    shapc__free(u_acc);
    shapc__free(zd);
    shapc__free(ad);
    if (st != SHAPC_OK)
        shapc__wls_design_free(d);
    return st;
}

shapc_status shapc__wls_apply(const shapc__coalitions *c, const shapc__wls_design *d,
                              const double *y, size_t k, const double *delta, double *phi,
                              double *se, shapc_error *err)
{
    const size_t m = c->m;
    shapc_status st = SHAPC_OK;
    double *b = shapc__calloc(m * k, sizeof *b);
    double *u_acc = shapc__calloc(m, sizeof *u_acc);
    double *b_all = shapc__calloc(k, sizeof *b_all);
    if (!b || !u_acc || !b_all) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory for a %zu-player regression", m);
        goto done;
    }
    assemble(c, y, k, NULL, b, u_acc, b_all, NULL, NULL);
    if (shapc__dpotrs(m, d->f, k, b) != 0) {
        st = shapc_error_set(err, SHAPC_ELINALG, "regression solve failed");
        goto done;
    }
    memcpy(phi, b, m * k * sizeof *phi);
    project(m, k, phi, d->u, d->sum_u, delta);
    if (se) {
        memset(se, 0, m * k * sizeof *se);
        if (!c->exact && c->n_batches >= 2)
            st = batch_errors(c, y, k, d->f, d->u, d->sum_u, phi, se, err);
    }
done:
    shapc__free(b);
    shapc__free(u_acc);
    shapc__free(b_all);
    return st;
}

shapc_status shapc__wls_solve(const shapc__coalitions *c, const double *y, size_t k,
                              const double *delta, double *phi, double *se, shapc_error *err)
{
    shapc__wls_design d;
    shapc_status st = shapc__wls_factor(c, &d, err);
    if (st == SHAPC_OK)
        st = shapc__wls_apply(c, &d, y, k, delta, phi, se, err);
    shapc__wls_design_free(&d);
    return st;
}
