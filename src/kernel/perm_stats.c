/* perm_stats.c - running moments and estimates of the permutation estimator (perm_stats.h). */
#include "kernel/perm_stats.h"

#include <math.h>
#include <string.h>

#include "util/alloc.h"

/* Degrees of freedom of the pooled within-row variance in each row's estimate. */
#define SHRINK 2.0

int shapc__pstats_init(shapc__pstats *p, size_t m, size_t k)
{
    memset(p, 0, sizeof *p);
    size_t mk, cells;
    if (!shapc__mul_size(m, k, &mk) || !shapc__mul_size(mk, 3, &cells) ||
        !shapc__add_size(cells, 2 * k, &cells))
        return 0;
    double *blk = shapc__calloc(cells, sizeof *blk);
    if (!blk)
        return 0;
    p->m = m;
    p->k = k;
    p->mean_s = blk;
    p->m2_s = blk + mk;
    p->c2_sc = blk + 2 * mk;
    p->mean_c = blk + 3 * mk;
    p->m2_c = blk + 3 * mk + k;
    return 1;
}

void shapc__pstats_free(shapc__pstats *p)
{
    shapc__free(p->mean_s);
    memset(p, 0, sizeof *p);
}

void shapc__pstats_add(shapc__pstats *p, const double *s, const double *c)
{
    const size_t m = p->m, k = p->k;
    p->n += 1.0;
    const double n = p->n;
    for (size_t o = 0; o < k; o++) {
        const double dc = c[o] - p->mean_c[o];
        p->mean_c[o] += dc / n;
        const double dc_new = c[o] - p->mean_c[o];
        p->m2_c[o] += dc * dc_new;
        for (size_t i = 0; i < m; i++) {
            const size_t q = i * k + o;
            const double ds = s[q] - p->mean_s[q];
            p->mean_s[q] += ds / n;
            p->m2_s[q] += ds * (s[q] - p->mean_s[q]);
            p->c2_sc[q] += ds * dc_new;
        }
    }
}

int shapc__rstats_init(shapc__rstats *r, size_t n_rows, size_t m, size_t k)
{
    memset(r, 0, sizeof *r);
    size_t mk, cells;
    if (!shapc__mul_size(m, k, &mk) || !shapc__mul_size(mk, n_rows, &cells))
        return 0;
    r->n = shapc__calloc(n_rows, sizeof *r->n);
    r->mean_s = shapc__calloc(cells, sizeof *r->mean_s);
    r->m2_s = shapc__calloc(cells, sizeof *r->m2_s);
    r->scratch = shapc__malloc(mk * sizeof *r->scratch);
    if (!r->n || !r->mean_s || !r->m2_s || !r->scratch) {
        shapc__rstats_free(r);
        return 0;
    }
    r->m = m;
    r->k = k;
    r->n_rows = n_rows;
    return 1;
}

void shapc__rstats_free(shapc__rstats *r)
{
    shapc__free(r->n);
    shapc__free(r->mean_s);
    shapc__free(r->m2_s);
    shapc__free(r->scratch);
    memset(r, 0, sizeof *r);
}

void shapc__rstats_add(shapc__rstats *r, size_t row, const double *s)
{
    const size_t mk = r->m * r->k;
    double *mean = r->mean_s + row * mk, *m2 = r->m2_s + row * mk;
    const double n = (r->n[row] += 1.0);
    for (size_t q = 0; q < mk; q++) {
        const double ds = s[q] - mean[q];
        mean[q] += ds / n;
        m2[q] += ds * (s[q] - mean[q]);
    }
}

void shapc__pstats_estimate(const shapc__pstats *p, const double *base, double *phi, double *se)
{
    const size_t m = p->m, k = p->k;
    const double n = p->n;
    for (size_t o = 0; o < k; o++) {
        /* Var(c) relative to its scale: below rounding the rows' outputs are all equal. */
        const double scale = fabs(p->mean_c[o]) + 1e-300;
        const int cv = n >= 3.0 && p->m2_c[o] / n > 1e-24 * scale * scale;
        for (size_t i = 0; i < m; i++) {
            const size_t q = i * k + o;
            double est = p->mean_s[q], res = p->m2_s[q], dof = n - 1.0;
            if (cv) {
                const double beta = p->c2_sc[q] / p->m2_c[o];
                est -= beta * (p->mean_c[o] - base[o]);
                res -= beta * p->c2_sc[q];
                dof = n - 2.0;
            }
            phi[q] = est;
            se[q] = dof > 0.0 ? sqrt(fmax(res, 0.0) / dof / n) : (double)INFINITY;
        }
    }
}

void shapc__rstats_estimate(const shapc__rstats *r, const uint32_t *rows, size_t n_rows,
                            const double *w, double *phi, double *se)
{
    const size_t mk = r->m * r->k;
    memset(phi, 0, mk * sizeof *phi);
    memset(se, 0, mk * sizeof *se);
    /* The pooled within-row variance (se holds its sum of squares for now). */
    double dof = 0.0;
    for (size_t a = 0; a < n_rows; a++) {
        const size_t j = rows[a];
        if (r->n[j] < 2.0)
            continue;
        dof += r->n[j] - 1.0;
        const double *m2 = r->m2_s + j * mk;
        for (size_t q = 0; q < mk; q++)
            se[q] += m2[q];
    }
    for (size_t q = 0; q < mk; q++)
        se[q] = dof > 0.0 ? se[q] / dof : (double)INFINITY;
    /* phi = sum_j w_j mean_j; var = sum_j w_j^2 s_j^2 / n_j, each row's own variance shrunk
     * towards the pooled one by SHRINK degrees of freedom: a row whose first samples happened
     * to vary little gets few more (Neyman allocation), and its own estimate alone would then
     * understate. */
    double *var = r->scratch;
    memset(var, 0, mk * sizeof *var);
    for (size_t a = 0; a < n_rows; a++) {
        const size_t j = rows[a];
        const double nj = r->n[j], wj = w[j];
        const double *mean = r->mean_s + j * mk, *m2 = r->m2_s + j * mk;
        const double f = wj * wj / nj / (nj - 1.0 + SHRINK);
        for (size_t q = 0; q < mk; q++) {
            phi[q] += wj * mean[q];
            var[q] += f * (m2[q] + SHRINK * se[q]);
        }
    }
    for (size_t q = 0; q < mk; q++)
        se[q] = isfinite(se[q]) ? sqrt(var[q]) : (double)INFINITY;
}

void shapc__efficiency_fix(size_t m, size_t k, const double *delta, double *phi, const double *se)
{
    for (size_t o = 0; o < k; o++) {
        double sum = 0.0, var_sum = 0.0;
        for (size_t i = 0; i < m; i++) {
            sum += phi[i * k + o];
            var_sum += se[i * k + o] * se[i * k + o];
        }
        const double left = delta[o] - sum;
        const int by_var = var_sum > 0.0 && isfinite(var_sum);
        for (size_t i = 0; i < m; i++) {
            const double v = se[i * k + o] * se[i * k + o];
            phi[i * k + o] += left * (by_var ? v / var_sum : 1.0 / (double)m);
        }
    }
}
