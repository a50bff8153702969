/* wls.c - constrained weighted least squares for KernelSHAP (see wls.h). */
#include "kernel/wls.h"

#include <math.h>
#include <string.h>

#include "util/alloc.h"
#include "util/linalg.h"
#include "util/parallel.h"

/* ---- assembly of A = Z'WZ and b = Z'Wy from small-side coalitions -------------------------
 * A complemented coalition z = 1 - 1_T contributes w (11' - 1 1_T' - 1_T 1' + 1_T 1_T'): the
 * dense part is kept as a scalar and a vector and added once at the end, so each coalition
 * costs |T|^2 + |T| K instead of M^2 + M K. The two members of a pair (T and its complement,
 * stored next to each other) share their 1_T 1_T' term, paid once with the summed weight.
 * Small sides that are large (|T| > M/8, common under leverage sampling, which spreads the
 * budget over all sizes) are cheaper as dense rows sqrt(w) 1_T fed to dsyrk in blocks:
 * BLAS-3 speed outweighs the extra flops. */
#define DENSE_BLOCK 128

static void flush_dense(size_t m, size_t *rows, const double *zd, double *a)
{
    if (*rows) {
        shapc__dsyrk_lower(m, *rows, zd, a);
        *rows = 0;
    }
}

/* The lower triangle of A (m, m), row-major, zeroed on entry (the factorisation reads no
 * more); u_acc (m) zeroed scratch; zd (DENSE_BLOCK, m) for the dense rows, or NULL. */
static void assemble_a(const shapc__coalitions *c, double *a, double *u_acc, double *zd)
{
    const size_t m = c->m;
    double c0 = 0.0;
    size_t rows = 0;
    for (size_t i = 0; i < c->n; i++) {
        const uint32_t *t = c->idx + c->start[i];
        const size_t nt = c->start[i + 1] - c->start[i];
        const size_t members = shapc__coalitions_is_pair(c, i) ? 2 : 1;
        double w = 0.0;
        for (size_t r = i; r < i + members; r++) {
            w += c->weight[r];
            if (c->complement[r]) {
                c0 += c->weight[r];
                for (size_t p = 0; p < nt; p++)
                    u_acc[t[p]] += c->weight[r];
            }
        }
        i += members - 1;
        if (zd && nt * 8 > m) {
            double *row = zd + rows * m;
            memset(row, 0, m * sizeof *row);
            for (size_t p = 0; p < nt; p++)
                row[t[p]] = sqrt(w);
            if (++rows == DENSE_BLOCK)
                flush_dense(m, &rows, zd, a);
        } else {
            /* t is sorted: the pairs (p, q <= p) are the lower triangle. */
            for (size_t p = 0; p < nt; p++) {
                double *ap = a + (size_t)t[p] * m;
                for (size_t q = 0; q <= p; q++)
                    ap[t[q]] += w;
            }
        }
    }
    if (zd)
        flush_dense(m, &rows, zd, a);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j <= i; j++)
            a[i * m + j] += c0 - u_acc[i] - u_acc[j];
}

/* b = Z'Wy (m, k) for targets y (c->n, k); b and b_all (k) zeroed, net (k) scratch. A pair
 * adds its two members' signed terms to T's rows in one pass. */
static void assemble_b(const shapc__coalitions *c, const double *y, size_t k, double *b,
                       double *b_all, double *net)
{
    const size_t m = c->m;
    for (size_t i = 0, members; i < c->n; i += members) {
        members = shapc__coalitions_is_pair(c, i) ? 2 : 1;
        const uint32_t *t = c->idx + c->start[i];
        const size_t nt = c->start[i + 1] - c->start[i];
        memset(net, 0, k * sizeof *net);
        for (size_t r = i; r < i + members; r++) {
            const double w = c->weight[r];
            const double *yr = y + r * k;
            for (size_t o = 0; o < k; o++) {
                if (c->complement[r]) {
                    b_all[o] += w * yr[o];
                    net[o] -= w * yr[o];
                } else {
                    net[o] += w * yr[o];
                }
            }
        }
        for (size_t p = 0; p < nt; p++) {
            double *bp = b + (size_t)t[p] * k;
            for (size_t o = 0; o < k; o++)
                bp[o] += net[o];
        }
    }
    for (size_t i = 0; i < m; i++)
        for (size_t o = 0; o < k; o++)
            b[i * k + o] += b_all[o];
}

/* Assembles A into f (m, m) and factorises it in place; if A is singular (a player never
 * separated from another by the sampled coalitions) assembles it again with a growing ridge,
 * the minimum-change regularisation. Assembling twice in that rare case is cheaper than
 * copying A (megabytes for hundreds of players) for every row. */
static int assemble_and_factorise(const shapc__coalitions *c, double *f, double *u_acc,
                                  double *zd)
{
    const size_t m = c->m;
    double ridge = 0.0, trace = 0.0;
    for (int attempt = 0; attempt < 6; attempt++) {
        if (attempt > 0) {
            memset(f, 0, m * m * sizeof *f);
            memset(u_acc, 0, m * sizeof *u_acc);
        }
        assemble_a(c, f, u_acc, zd);
        if (attempt == 0)
            for (size_t i = 0; i < m; i++)
                trace += f[i * m + i];
        for (size_t i = 0; i < m; i++)
            f[i * m + i] += ridge;
        if (shapc__dpotrf(m, f) == 0)
            return 0;
        ridge = ridge == 0.0 ? 1e-12 * (trace / (double)m + 1e-300) : ridge * 100.0;
    }
    return -1;
}

/* x (m, nrhs), row stride ld, holds A^-1 r; projects each column onto sum zero (or onto
 * target[o]): x - u (1'x - target) / (1'u). */
static void project(size_t m, size_t nrhs, double *x, size_t ld, const double *u, double sum_u,
                    const double *target)
{
    for (size_t o = 0; o < nrhs; o++) {
        double s = 0.0;
        for (size_t j = 0; j < m; j++)
            s += x[j * ld + o];
        const double lambda = (s - (target ? target[o] : 0.0)) / sum_u;
        for (size_t j = 0; j < m; j++)
            x[j * ld + o] -= u[j] * lambda;
    }
}

/* The standard-error system's columns are solved in blocks of this many, spread over the
 * worker threads; fixed, so every thread count does the same arithmetic. */
#define SE_BLOCK 32

typedef struct se_system {
    size_t m, nrhs;
    const double *f, *u;
    double sum_u;
    double *g;
} se_system;

static shapc_status se_block(void *ctx, size_t job, size_t worker, shapc_error *err)
{
    (void)worker;
    (void)err;
    se_system *s = ctx;
    const size_t c0 = job * SE_BLOCK, nc = s->nrhs - c0 < SE_BLOCK ? s->nrhs - c0 : SE_BLOCK;
    shapc__dpotrs(s->m, s->f, nc, s->g + c0, s->nrhs);
    project(s->m, nc, s->g + c0, s->nrhs, s->u, s->sum_u, NULL);
    return SHAPC_OK;
}

/* Standard errors by linearised batch means: batch b's estimate differs from the pooled one
 * by dphi_b = P(A^-1 r_b) with r_b = (P/P_b) g_b - sum_c g_c, g_b = Z_b'W_b(y_b - Z_b phi),
 * and P the projection onto sum zero; se = sqrt(sum_b dphi_b^2 / (B (B - 1)) * corr).
 *
 * corr is the small-sample factor of clustered sandwich errors (CR1, as in Stata):
 * (n - 1) / (n - p) for n sampled pairs fitting p values. The residuals are shrunk by the
 * fit they come from, the more so the fewer pairs per value; without it the errors of 784
 * pixels at the default budget are half to three quarters of the observed spread
 * (docs/performance.md). p is the sampled part's share of the design's leverage: every
 * coalition size carries an equal share (Musco & Witter), one value's worth, so p is the
 * number of sizes left to sampling. With n <= p the sampled pairs cannot determine the
 * values (the solve needed its ridge): the errors are infinite. */
static shapc_status batch_errors(const shapc__coalitions *c, const double *y, size_t k,
                                 const double *f, const double *u, double sum_u,
                                 const double *phi, double *se, size_t n_threads,
                                 shapc_error *err)
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
    double *zt = shapc__calloc(2 * k, sizeof *zt); /* z_T'phi, then the net residual */
    if (!g || !g_all || !phi_sum || !zt) {
        shapc__free(g);
        shapc__free(g_all);
        shapc__free(phi_sum);
        shapc__free(zt);
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for standard errors");
    }
    double *net = zt + k;
    for (size_t j = 0; j < m; j++)
        for (size_t o = 0; o < k; o++)
            phi_sum[o] += phi[j * k + o];
    /* g_b = Z_b'W_b(y_b - Z_b phi); a pair (same T, same batch) touches T's rows once. */
    for (size_t i = 0, members; i < c->n; i += members) {
        members = shapc__coalitions_is_pair(c, i) && c->batch[i] == c->batch[i + 1] ? 2 : 1;
        if (c->batch[i] == 0)
            continue;
        const size_t col = (size_t)(c->batch[i] - 1) * k;
        const uint32_t *t = c->idx + c->start[i];
        const size_t nt = c->start[i + 1] - c->start[i];
        memset(zt, 0, 2 * k * sizeof *zt);
        for (size_t p = 0; p < nt; p++)
            for (size_t o = 0; o < k; o++)
                zt[o] += phi[(size_t)t[p] * k + o];
        for (size_t r = i; r < i + members; r++) {
            const double w = c->weight[r];
            for (size_t o = 0; o < k; o++) {
                if (c->complement[r]) {
                    const double res = w * (y[r * k + o] - (phi_sum[o] - zt[o]));
                    g_all[col + o] += res;
                    net[o] -= res;
                } else {
                    net[o] += w * (y[r * k + o] - zt[o]);
                }
            }
        }
        for (size_t p = 0; p < nt; p++) {
            double *gp = g + (size_t)t[p] * nrhs + col;
            for (size_t o = 0; o < k; o++)
                gp[o] += net[o];
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
    se_system sys = {m, nrhs, f, u, sum_u, g};
    shapc__parallel_run(n_threads, (nrhs + SE_BLOCK - 1) / SE_BLOCK, se_block, &sys, NULL);
    const double n_pairs = (double)pairs, p_sizes = (double)c->n_sampled_sizes;
    const double corr =
        n_pairs > p_sizes ? (n_pairs - 1.0) / (n_pairs - p_sizes) : (double)INFINITY;
    const double denom = (double)nb * (double)(nb - 1) / corr;
    for (size_t j = 0; j < m; j++)
        for (size_t o = 0; o < k; o++) {
            double ss = 0.0;
            for (size_t bi = 0; bi < nb; bi++) {
                const double v = g[j * nrhs + bi * k + o];
                ss += v * v;
            }
            se[j * k + o] = isinf(corr) ? (double)INFINITY : sqrt(ss / denom);
        }
    shapc__free(g);
    shapc__free(g_all);
    shapc__free(phi_sum);
    shapc__free(zt);
    return SHAPC_OK;
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
    if (!shapc__mul_size(m, m, &mm) || mm > SIZE_MAX / sizeof(double))
        return shapc_error_set(err, SHAPC_ERANGE, "%zu players: regression too large", m);
    shapc_status st = SHAPC_OK;
    double *u_acc = shapc__calloc(m, sizeof *u_acc);
    /* Dense-row blocks only pay off for larger player counts. */
    const int dense = m >= 64;
    double *zd = dense ? shapc__malloc(DENSE_BLOCK * m * sizeof *zd) : NULL;
    d->m = m;
    d->f = shapc__calloc(mm, sizeof *d->f);
    d->u = shapc__malloc(m * sizeof *d->u);
    if (!u_acc || !d->f || !d->u || (dense && !zd)) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory for a %zu-player regression", m);
        goto done;
    }
    if (assemble_and_factorise(c, d->f, u_acc, zd) != 0) {
        st = shapc_error_set(err, SHAPC_ELINALG,
                             "the coalition design is singular for %zu players", m);
        goto done;
    }
    /* u = A^-1 1 carries the efficiency constraint. */
    for (size_t j = 0; j < m; j++)
        d->u[j] = 1.0;
    shapc__dpotrs(m, d->f, 1, d->u, 1);
    d->sum_u = 0.0;
    for (size_t j = 0; j < m; j++)
        d->sum_u += d->u[j];
done:
    shapc__free(u_acc);
    shapc__free(zd);
    if (st != SHAPC_OK)
        shapc__wls_design_free(d);
    return st;
}

shapc_status shapc__wls_factor_job(void *ctx, shapc_error *err)
{
    shapc__wls_factor_task *t = ctx;
    return shapc__wls_factor(t->c, t->d, err);
}

shapc_status shapc__wls_apply(const shapc__coalitions *c, const shapc__wls_design *d,
                              const double *y, size_t k, const double *delta, double *phi,
                              double *se, size_t n_threads, shapc_error *err)
{
    const size_t m = c->m;
    shapc_status st = SHAPC_OK;
    double *b = shapc__calloc(m * k, sizeof *b);
    double *b_all = shapc__calloc(2 * k, sizeof *b_all); /* and k of scratch */
    if (!b || !b_all) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory for a %zu-player regression", m);
        goto done;
    }
    assemble_b(c, y, k, b, b_all, b_all + k);
    shapc__dpotrs(m, d->f, k, b, k);
    memcpy(phi, b, m * k * sizeof *phi);
    project(m, k, phi, k, d->u, d->sum_u, delta);
    if (se) {
        memset(se, 0, m * k * sizeof *se);
        if (!c->exact && c->n_batches >= 2)
            st = batch_errors(c, y, k, d->f, d->u, d->sum_u, phi, se, n_threads, err);
    }
done:
    shapc__free(b);
    shapc__free(b_all);
    return st;
}
