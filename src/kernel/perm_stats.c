/* perm_stats.c - running moments and estimates of the permutation estimator (perm_stats.h). */
#include "kernel/perm_stats.h"

#include <math.h>
#include <string.h>

#include "util/alloc.h"

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
    r->scratch = shapc__malloc(2 * mk * sizeof *r->scratch);
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

/* t_{0.975, nu} / z_{0.975}: by Cornish-Fisher expansion of Student's t (Abramowitz & Stegun
 * 26.7.5), within 0.1% of the quantile from nu = 3 up, conservative below. */
static double t_ratio(double nu)
{
    const double z = 1.959963984540054, z3 = z * z * z, z5 = z3 * z * z;
    if (!(nu > 1.0))
        nu = 1.0;
    const double t =
        z + (z3 + z) / (4.0 * nu) + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * nu * nu);
    return t / z;
}

void shapc__rstats_estimate(const shapc__rstats *r, const uint32_t *rows, size_t n_rows,
                            const double *w, double *phi, double *se)
{
    const size_t mk = r->m * r->k;
    double *var = r->scratch, *den = r->scratch + mk;
    memset(phi, 0, mk * sizeof *phi);
    memset(se, 0, mk * sizeof *se);
    memset(var, 0, 2 * mk * sizeof *var);
    /* The pooled within-row variance (se holds it for now), for rows walked once. */
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
    /* phi = sum_j w_j mean_j, var = sum_j w_j^2 s_j^2 / n_j, and the Welch-Satterthwaite
     * degrees of freedom of var, nu = var^2 / sum_j (w_j^2 s_j^2 / n_j)^2 / (n_j - 1). */
    for (size_t a = 0; a < n_rows; a++) {
        const size_t j = rows[a];
        const double nj = r->n[j], wj = w[j], f = wj * wj / nj;
        const double *mean = r->mean_s + j * mk, *m2 = r->m2_s + j * mk;
        for (size_t q = 0; q < mk; q++) {
            phi[q] += wj * mean[q];
            const double term = f * (nj >= 2.0 ? m2[q] / (nj - 1.0) : se[q]);
            var[q] += term;
            den[q] += nj >= 2.0 ? term * term / (nj - 1.0) : term * term / dof;
        }
    }
    /* A value's variance is often carried by a few background rows (a pixel that differs
     * from x in only some of them), whose few samples each give var few degrees of freedom:
     * the errors are scaled by t_{0.975, nu} / 1.96 so that +-1.96 SE stays a 95% interval. */
    for (size_t q = 0; q < mk; q++) {
        if (!isfinite(se[q]))
            continue;
        const double nu = den[q] > 0.0 ? var[q] * var[q] / den[q] : (double)INFINITY;
        se[q] = sqrt(var[q]) * (isfinite(nu) ? t_ratio(nu) : 1.0);
    }
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
