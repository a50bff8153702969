/* permutation.c - the permutation estimator: antithetic orderings walked against sampled
 * background rows (docs/algorithm.md, "Permutation sampling").
 *
 * For one background row b the game v_b(S) = f(x_S, b_notS) has Shapley values that average
 * over orderings pi of the players of the marginal contributions met when x's players are
 * switched in one at a time, in pi's order (Strumbelj & Kononenko 2014). With the identity
 * link the interventional value is the weighted mean over b of these, so one sample is: a
 * background row drawn by its weight, an ordering pi and its reverse (antithetic: Mitchell et
 * al., JMLR 2022), each walked from b to x, the two walks' contributions averaged. A walk has
 * M + 1 rows whose ends f(b) and f(x) are known, and only the players where b differs from x
 * change the row, so it costs |D_b| - 1 evaluations. Each walk's contributions sum to
 * f(x) - f(b) exactly.
 *
 * Efficiency. The mean of n samples sums to f(x) - mean f(b_t), off from f(x) - E_w f(B) by
 * the drawn rows' deviation. c_t = f(b_t) is a control variate with known mean (the base
 * value): phi = mean(s) - beta (mean(c) - base), beta_i = Cov(s_i, c) / Var(c), per output.
 * Since sum_i s_ti = f(x) - c_t, sum_i beta_i = -1, so the estimate sums to f(x) - base
 * exactly; it is the optimal linear adjustment and the standard errors follow from the
 * residuals s_i - beta_i c (n - 2 degrees of freedom). What rounding leaves of the
 * constraint is spread over the players in proportion to their variances.
 *
 * With the logit link v(S) = logit(E_w f(x_S, B)) is not an average over rows, so each
 * ordering pair is walked against the whole background (weights w_j) and the link applied at
 * every step; c_t is then the base value itself and no adjustment is needed.
 *
 * Determinism: sample t draws its rows and ordering from a stream seeded by (seed, x, t);
 * samples are grouped into jobs of a fixed size (from M and the rows per sample alone), jobs
 * run in rounds and their running statistics are merged in job order (Chan et al.'s update),
 * so the result is the same for any thread count and --tol stops at the same sample. */
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "kernel/kernel_impl.h"
#include "kernel/rng.h"
#include "kernel/walk.h"
#include "util/alloc.h"
#include "util/parallel.h"

#define JOB_ROWS 2048 /* pairs per job: until their rows reach this (at most MAX_JOB_PAIRS) */
#define MAX_JOB_PAIRS 64
#define ROUND_JOBS 16 /* jobs run between two merges */
#define MIN_PAIRS 4   /* even a tiny budget draws these (the standard errors need them) */

/* ---- running statistics of the samples (s_t (m, k), c_t (k)) ------------------------------ */

typedef struct pstats {
    double n;
    double *mean_s, *m2_s, *c2_sc; /* (m, k): mean, sum of squares, co-moment with c */
    double *mean_c, *m2_c;         /* (k) */
} pstats;

static int pstats_alloc(pstats *p, size_t mk, size_t k)
{
    memset(p, 0, sizeof *p);
    double *blk = shapc__calloc(3 * mk + 2 * k, sizeof *blk);
    if (!blk)
        return 0;
    p->mean_s = blk;
    p->m2_s = blk + mk;
    p->c2_sc = blk + 2 * mk;
    p->mean_c = blk + 3 * mk;
    p->m2_c = blk + 3 * mk + k;
    return 1;
}

static void pstats_clear(pstats *p, size_t mk, size_t k)
{
    p->n = 0.0;
    memset(p->mean_s, 0, (3 * mk + 2 * k) * sizeof *p->mean_s);
}

static void pstats_free(pstats *p)
{
    shapc__free(p->mean_s);
}

/* Welford's update with one sample. */
static void pstats_add(pstats *p, size_t m, size_t k, const double *s, const double *c)
{
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

/* dst <- dst merged with src (Chan, Golub & LeVeque 1979). */
static void pstats_merge(pstats *dst, const pstats *src, size_t m, size_t k)
{
    if (src->n == 0.0)
        return;
    const double na = dst->n, nb = src->n, n = na + nb, f = na * nb / n;
    for (size_t o = 0; o < k; o++) {
        const double dc = src->mean_c[o] - dst->mean_c[o];
        for (size_t i = 0; i < m; i++) {
            const size_t q = i * k + o;
            const double ds = src->mean_s[q] - dst->mean_s[q];
            dst->m2_s[q] += src->m2_s[q] + ds * ds * f;
            dst->c2_sc[q] += src->c2_sc[q] + ds * dc * f;
            dst->mean_s[q] += ds * nb / n;
        }
        dst->m2_c[o] += src->m2_c[o] + dc * dc * f;
        dst->mean_c[o] += dc * nb / n;
    }
    dst->n = n;
}

/* phi, se (m, k) from the statistics: the control-variate estimate, its standard errors, and
 * the rounding left of sum phi = delta spread by variance. */
static void pstats_estimate(const pstats *p, size_t m, size_t k, const double *base,
                            const double *delta, double *phi, double *se)
{
    const double n = p->n;
    for (size_t o = 0; o < k; o++) {
        /* Var(c) relative to its scale: below rounding the rows' outputs are all equal. */
        const double scale = fabs(p->mean_c[o]) + 1e-300;
        const int cv = n >= 3.0 && p->m2_c[o] / n > 1e-24 * scale * scale;
        double var_sum = 0.0, phi_sum = 0.0;
        for (size_t i = 0; i < m; i++) {
            const size_t q = i * k + o;
            double est = p->mean_s[q], res = p->m2_s[q];
            double dof = n - 1.0;
            if (cv) {
                const double beta = p->c2_sc[q] / p->m2_c[o];
                est -= beta * (p->mean_c[o] - base[o]);
                res -= beta * p->c2_sc[q];
                dof = n - 2.0;
            }
            const double var = dof > 0.0 ? fmax(res, 0.0) / dof / n : (double)INFINITY;
            phi[q] = est;
            se[q] = sqrt(var);
            var_sum += var;
            phi_sum += est;
        }
        const double left = delta[o] - phi_sum;
        for (size_t i = 0; i < m; i++) {
            const size_t q = i * k + o;
            const double share =
                var_sum > 0.0 && isfinite(var_sum) ? se[q] * se[q] / var_sum : 1.0 / (double)m;
            phi[q] += left * share;
        }
    }
}

/* ---- one explanation's plan ------------------------------------------------------------------ */

typedef struct perm {
    const shapc_kernel *kr;
    shapc__session *ss;
    const float *x;
    const size_t *players;
    size_t m, k;
    const float *fx; /* (k) f(x), raw */
    uint64_t stream; /* hash of x */
    size_t rows_per; /* background rows per pair (R) */
    int all_bg;      /* the whole background, by weight, for every pair */
    size_t pairs_per_job;
    size_t pair0, n_pairs_round; /* the round in progress */
    pstats *job_stats;           /* (ROUND_JOBS) */
} perm;

/* Pair t's stream: its background rows first, then its ordering. */
static void pair_rng(const perm *pm, size_t t, shapc__rng *rng)
{
    shapc__rng_seed(rng, pm->kr->opt.seed,
                    pm->stream ^ ((uint64_t)(t + 1) * 0x9e3779b97f4a7c15ULL));
}

/* Background row r of pair t (ri-th of R) in rows[ri]. */
static void draw_rows(const perm *pm, shapc__rng *rng, uint32_t *rows)
{
    const shapc_kernel *kr = pm->kr;
    if (pm->all_bg) {
        for (size_t r = 0; r < kr->n_bg; r++)
            rows[r] = (uint32_t)r;
        return;
    }
    for (size_t ri = 0; ri < pm->rows_per; ri++)
        rows[ri] = (uint32_t)shapc__kernel_draw_row(kr, rng);
}

/* ---- a job: a few pairs ------------------------------------------------------------------------
 */

/* Per-worker scratch for a job (grown, kept in the session's worker). */
typedef struct shapc__perm_scratch {
    shapc__walker walker;
    uint32_t *rows;  /* (G, R) drawn background rows */
    uint32_t *order; /* (G, m) orderings */
    double *vd;      /* (G, 2, m, k) change of v at each step of each walk */
    double *v0;      /* (G, k) sum_r w_r f(b_r) */
    double *s;       /* (m, k) one sample */
    double *c;       /* (k) */
    size_t sizes[6];
    /* sink state */
    const perm *pm;
    uint32_t cur_sample, cur_ref, cur_dir;
    int have_cur;
    double *prev; /* (k) the walk's last output (outputs live only until the next flush) */
    size_t prev_size;
} perm_scratch;

void shapc__perm_scratch_free(perm_scratch *ps)
{
    if (!ps)
        return;
    shapc__walker_free(&ps->walker);
    shapc__free(ps->rows);
    shapc__free(ps->order);
    shapc__free(ps->vd);
    shapc__free(ps->v0);
    shapc__free(ps->s);
    shapc__free(ps->c);
    shapc__free(ps->prev);
    shapc__free(ps);
}

static int ensure(void *p, size_t *have, size_t n, size_t sz)
{
    void **pp = p;
    if (*pp && n <= *have)
        return 1;
    size_t bytes;
    if (!shapc__mul_size(n ? n : 1, sz, &bytes))
        return 0;
    void *q = shapc__malloc(bytes);
    if (!q)
        return 0;
    shapc__free(*pp);
    *pp = q;
    *have = n ? n : 1;
    return 1;
}

/* Weight of the ri-th row of a pair. */
static double row_weight(const perm *pm, const uint32_t *rows, size_t ri)
{
    return pm->all_bg ? pm->kr->bg_w[rows[ri]] : 1.0 / (double)pm->rows_per;
}

static shapc_status perm_sink(void *ctx, size_t n, const shapc__walk_tag *tags,
                              const float *const *outs, shapc_error *err)
{
    (void)err;
    perm_scratch *ps = ctx;
    const perm *pm = ps->pm;
    const size_t m = pm->m, k = pm->k, R = pm->rows_per;
    for (size_t e = 0; e < n; e++) {
        const uint32_t smp = tags[e].sample, ref = tags[e].ref, dir = tags[e].pos & 1u;
        const size_t step = tags[e].pos >> 1;
        const uint32_t *rows = ps->rows + (size_t)smp * R;
        if (!ps->have_cur || smp != ps->cur_sample || ref != ps->cur_ref || dir != ps->cur_dir) {
            /* A new walk: it starts from b_r. */
            const float *fb = pm->kr->fbg + (size_t)rows[ref] * k;
            for (size_t o = 0; o < k; o++)
                ps->prev[o] = (double)fb[o];
            ps->cur_sample = smp;
            ps->cur_ref = ref;
            ps->cur_dir = dir;
            ps->have_cur = 1;
        }
        const double w = row_weight(pm, rows, ref);
        double *vd = ps->vd + (((size_t)smp * 2 + dir) * m + step) * k;
        for (size_t o = 0; o < k; o++) {
            vd[o] += w * ((double)outs[e][o] - ps->prev[o]);
            ps->prev[o] = (double)outs[e][o];
        }
    }
    return SHAPC_OK;
}

typedef struct round_task {
    perm *pm;
    atomic_size_t n_evals;
} round_task;

/* Makes the worker's scratch hold G pairs and sets its walker up for this explanation. */
static shapc_status prepare_scratch(perm_scratch **slot, const perm *pm, size_t G, shapc_error *err)
{
    const size_t m = pm->m, k = pm->k, R = pm->rows_per;
    perm_scratch *ps = *slot;
    if (!ps) {
        ps = shapc__calloc(1, sizeof *ps);
        if (!ps)
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        shapc__walker_init(&ps->walker);
        *slot = ps;
    }
    size_t gr, gm, n_vd, gk;
    if (!shapc__mul_size(G, R, &gr) || !shapc__mul_size(G, m, &gm) ||
        !shapc__mul_size(gm, 2 * k, &n_vd) || !shapc__mul_size(G, k, &gk) ||
        !ensure(&ps->rows, &ps->sizes[0], gr, sizeof(uint32_t)) ||
        !ensure(&ps->order, &ps->sizes[1], gm, sizeof(uint32_t)) ||
        !ensure(&ps->vd, &ps->sizes[2], n_vd, sizeof(double)) ||
        !ensure(&ps->v0, &ps->sizes[3], gk, sizeof(double)) ||
        !ensure(&ps->s, &ps->sizes[4], m * k, sizeof(double)) ||
        !ensure(&ps->c, &ps->sizes[5], k, sizeof(double)) ||
        !ensure(&ps->prev, &ps->prev_size, k, sizeof(double)))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu pairs of walks", G);
    shapc_status st =
        shapc__walker_setup(&ps->walker, pm->kr, pm->x, pm->players, m, pm->fx, perm_sink, ps, err);
    if (st != SHAPC_OK)
        return st;
    ps->pm = pm;
    ps->have_cur = 0;
    memset(ps->vd, 0, n_vd * sizeof *ps->vd);
    return SHAPC_OK;
}

/* Emits pair p's walks: its ordering ps->order[p] and the reverse, each against the pair's
 * background rows ps->rows[p]; v0 gets sum_r w_r f(b_r). */
static shapc_status walk_pair(perm_scratch *ps, const perm *pm, size_t p, shapc_error *err)
{
    const shapc_kernel *kr = pm->kr;
    const size_t m = pm->m, k = pm->k, R = pm->rows_per;
    const uint32_t *rows = ps->rows + p * R, *pi = ps->order + p * m;
    shapc__walker *w = &ps->walker;
    double *v0 = ps->v0 + p * k;
    memset(v0, 0, k * sizeof *v0);
    for (size_t ri = 0; ri < R; ri++) {
        const double wr = row_weight(pm, rows, ri);
        for (size_t o = 0; o < k; o++)
            v0[o] += wr * (double)kr->fbg[(size_t)rows[ri] * k + o];
        shapc__walker_begin(w, rows[ri]);
        const size_t nd = w->n_diff;
        if (nd == 0)
            continue;
        for (uint32_t dir = 0; dir < 2; dir++) {
            if (dir)
                shapc__walker_restart(w);
            size_t seen = 0;
            for (size_t step = 0; step < m && seen < nd; step++) {
                const uint32_t s = w->slot[pi[dir ? m - 1 - step : step]];
                if (s == UINT32_MAX)
                    continue;
                const shapc__walk_tag tag = {(uint32_t)p, (uint32_t)ri,
                                             (uint32_t)(step << 1) | dir};
                shapc_status st;
                if (++seen == nd) {
                    st = shapc__walker_emit_known(w, tag, pm->fx, err);
                } else {
                    shapc__walker_toggle(w, s, 1);
                    st = shapc__walker_emit(w, tag, err);
                }
                if (st != SHAPC_OK)
                    return st;
            }
        }
    }
    return SHAPC_OK;
}

/* Pair p's sample once its rows are consumed: ps->s (m, k), the average of its two walks'
 * contributions in link units, and ps->c (k) = link(v0). */
static void finish_pair(perm_scratch *ps, const perm *pm, size_t p)
{
    const shapc_kernel *kr = pm->kr;
    const size_t m = pm->m, k = pm->k;
    const int logit = kr->opt.link == SHAPC_LINK_LOGIT;
    const uint32_t *pi = ps->order + p * m;
    const double *v0 = ps->v0 + p * k;
    memset(ps->s, 0, m * k * sizeof *ps->s);
    for (size_t o = 0; o < k; o++)
        ps->c[o] = shapc__apply_link(kr->opt.link, v0[o]);
    for (uint32_t dir = 0; dir < 2; dir++) {
        const double *vd = ps->vd + (p * 2 + dir) * m * k;
        for (size_t o = 0; o < k; o++) {
            double v = v0[o], lv = ps->c[o];
            for (size_t step = 0; step < m; step++) {
                const size_t player = pi[dir ? m - 1 - step : step];
                const double dv = vd[step * k + o];
                if (!logit) {
                    ps->s[player * k + o] += 0.5 * dv;
                } else if (dv != 0.0) {
                    v += dv;
                    const double lnew = shapc__apply_link(kr->opt.link, v);
                    ps->s[player * k + o] += 0.5 * (lnew - lv);
                    lv = lnew;
                }
            }
        }
    }
}

static shapc_status perm_job(void *ctx, size_t job, size_t worker, shapc_error *err)
{
    round_task *rt = ctx;
    perm *pm = rt->pm;
    const shapc_kernel *kr = pm->kr;
    const size_t m = pm->m, k = pm->k, G = pm->pairs_per_job;
    const size_t R = pm->rows_per;
    const size_t t0 = pm->pair0 + job * G;
    const size_t end = pm->pair0 + pm->n_pairs_round;
    const size_t np = end - t0 < G ? end - t0 : G;
    shapc__worker *wk = &pm->ss->workers[worker];
    shapc_status st = prepare_scratch(&wk->perm, pm, G, err);
    if (st != SHAPC_OK)
        return st;
    perm_scratch *ps = wk->perm;
    for (size_t p = 0; p < np; p++) {
        shapc__rng rng;
        pair_rng(pm, t0 + p, &rng);
        uint32_t *rows = ps->rows + p * R, *pi = ps->order + p * m;
        draw_rows(pm, &rng, rows);
        /* Fisher-Yates */
        for (size_t i = 0; i < m; i++)
            pi[i] = (uint32_t)i;
        for (size_t i = m - 1; i > 0; i--) {
            const size_t j = shapc__rng_below(&rng, i + 1);
            const uint32_t tmp = pi[i];
            pi[i] = pi[j];
            pi[j] = tmp;
        }
        if ((st = walk_pair(ps, pm, p, err)) != SHAPC_OK)
            return st;
    }
    if ((st = shapc__walker_flush(&ps->walker, err)) != SHAPC_OK)
        return st;
    atomic_fetch_add(&rt->n_evals, ps->walker.n_evals);
    /* The job's samples, in order, into its statistics. */
    pstats *js = &pm->job_stats[job];
    pstats_clear(js, m * k, k);
    for (size_t p = 0; p < np; p++) {
        finish_pair(ps, pm, p);
        pstats_add(js, m, k, ps->s, ps->c);
    }
    return shapc__kernel_poll(kr) ? shapc_error_set(err, SHAPC_ECANCELED, "canceled") : SHAPC_OK;
}

/* ---- the driver ------------------------------------------------------------------------------ */

/* Rows pair t costs: 2 (|D_r| - 1) per background row with |D_r| >= 1. */
static size_t pair_cost(const perm *pm, size_t t, uint32_t *rows)
{
    const size_t R = pm->rows_per;
    shapc__rng rng;
    pair_rng(pm, t, &rng);
    draw_rows(pm, &rng, rows);
    size_t cost = 0;
    for (size_t ri = 0; ri < R; ri++) {
        const size_t nd = shapc__row_diff(pm->kr, pm->x, pm->players, pm->m, rows[ri], NULL);
        cost += nd > 1 ? 2 * (nd - 1) : 0;
    }
    return cost;
}

shapc_status shapc__permutation_explain(const shapc_kernel *kr, shapc__session *ss, const float *x,
                                        const float *fx, const size_t *players, size_t m,
                                        size_t budget, const double *delta, double *phi, double *se,
                                        size_t *n_pairs, size_t *n_evals, shapc_error *err)
{
    const size_t k = kr->k;
    perm pm = {.kr = kr, .ss = ss, .x = x, .players = players, .m = m, .k = k, .fx = fx};
    pm.stream = shapc__hash_bytes(x, kr->d * sizeof *x);
    pm.all_bg = kr->opt.link == SHAPC_LINK_LOGIT || kr->opt.bg_per_sample >= kr->n_bg;
    pm.rows_per = pm.all_bg ? kr->n_bg : (kr->opt.bg_per_sample ? kr->opt.bg_per_sample : 1);
    const size_t R = pm.rows_per;
    /* Pairs per job: a fixed function of M and R, so the grouping never depends on threads. */
    const size_t per_pair = 2 * R * (m > 1 ? m - 1 : 1);
    size_t G = JOB_ROWS / per_pair;
    pm.pairs_per_job = G < 1 ? 1 : (G > MAX_JOB_PAIRS ? MAX_JOB_PAIRS : G);

    shapc_status st = SHAPC_OK;
    pstats total, job_stats[ROUND_JOBS];
    memset(&total, 0, sizeof total);
    memset(job_stats, 0, sizeof job_stats);
    uint32_t *rows = shapc__malloc((R ? R : 1) * sizeof *rows);
    int ok = rows != NULL && pstats_alloc(&total, m * k, k);
    for (size_t j = 0; ok && j < ROUND_JOBS; j++)
        ok = pstats_alloc(&job_stats[j], m * k, k);
    if (!ok) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu players", m);
        goto done;
    }
    pm.job_stats = job_stats;
    if ((st = shapc__session_workers(ss, ss->n_threads, err)) != SHAPC_OK)
        goto done;

    /* How many pairs the budget buys: each pair's cost is known from its rows before it is
     * walked. The whole background costs the same for every pair. */
    size_t planned = 0, spent = 0;
    {
        size_t all_cost = 0;
        if (pm.all_bg)
            all_cost = pair_cost(&pm, 0, rows);
        for (;;) {
            const size_t c = pm.all_bg ? all_cost : pair_cost(&pm, planned, rows);
            const size_t cc = c ? c : 1; /* a free pair still counts, so this ends */
            if (planned >= MIN_PAIRS && spent + cc > budget)
                break;
            spent += cc;
            planned++;
        }
    }

    /* Rounds of jobs; with --tol a check after a round where the errors could first pass. */
    const double tol = kr->opt.tol;
    size_t done = 0, check = planned;
    if (tol > 0.0) {
        const size_t first = planned / 8 > 16 ? planned / 8 : 16;
        check = first < planned ? first : planned;
    }
    round_task rt = {.pm = &pm};
    atomic_init(&rt.n_evals, 0);
    while (done < planned) {
        const size_t target = check < planned ? check : planned;
        while (done < target) {
            const size_t max_round = ROUND_JOBS * pm.pairs_per_job;
            pm.pair0 = done;
            pm.n_pairs_round = target - done < max_round ? target - done : max_round;
            const size_t n_jobs = (pm.n_pairs_round + pm.pairs_per_job - 1) / pm.pairs_per_job;
            st = shapc__parallel_run(ss->n_threads, n_jobs, perm_job, &rt, err);
            if (st != SHAPC_OK)
                goto done;
            for (size_t j = 0; j < n_jobs; j++)
                pstats_merge(&total, &job_stats[j], m, k);
            done += pm.n_pairs_round;
        }
        if (tol > 0.0 && done < planned) {
            pstats_estimate(&total, m, k, kr->base, delta, phi, se);
            const double q = shapc__tol_shortfall(m, k, phi, se, tol);
            if (q <= 1.0)
                break;
            /* Errors go as 1 / sqrt(pairs). */
            const double need = (double)done * q * q * 1.05;
            check = need > (double)planned ? planned : (size_t)need + 1;
        }
    }
    pstats_estimate(&total, m, k, kr->base, delta, phi, se);
    *n_pairs = done;
    *n_evals += atomic_load(&rt.n_evals);
done:
    shapc__free(rows);
    pstats_free(&total);
    for (size_t j = 0; j < ROUND_JOBS; j++)
        pstats_free(&job_stats[j]);
    return st;
}

shapc_status shapc__permutation_sample(const shapc_kernel *kr, const float *x,
                                       const size_t *players, size_t m, const uint32_t *order,
                                       const uint32_t *rows, size_t n_rows, double *s, double *c,
                                       shapc_error *err)
{
    const size_t k = kr->k;
    float *fx = shapc__malloc(k * sizeof *fx);
    if (!fx)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    shapc_status st = shapc_model_predict(kr->model, x, 1, fx, err);
    perm pm = {.kr = kr, .x = x, .players = players, .m = m, .k = k, .fx = fx};
    pm.all_bg = kr->opt.link == SHAPC_LINK_LOGIT;
    pm.rows_per = n_rows;
    perm_scratch *ps = NULL;
    if (st == SHAPC_OK)
        st = prepare_scratch(&ps, &pm, 1, err);
    if (st == SHAPC_OK) {
        memcpy(ps->rows, rows, n_rows * sizeof *rows);
        memcpy(ps->order, order, m * sizeof *order);
        st = walk_pair(ps, &pm, 0, err);
    }
    if (st == SHAPC_OK)
        st = shapc__walker_flush(&ps->walker, err);
    if (st == SHAPC_OK) {
        finish_pair(ps, &pm, 0);
        memcpy(s, ps->s, m * k * sizeof *s);
        memcpy(c, ps->c, k * sizeof *c);
    }
    shapc__perm_scratch_free(ps);
    shapc__free(fx);
    return st;
}
