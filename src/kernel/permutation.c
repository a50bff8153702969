/* permutation.c - the permutation estimator: antithetic orderings walked against background
 * rows (docs/algorithm.md, "Permutation sampling").
 *
 * For one background row b the game v_b(S) = f(x_S, b_notS) has Shapley values that average
 * the marginal contributions met when x's players are switched in one at a time over all
 * orderings pi (Strumbelj & Kononenko 2014). With the identity link the interventional value
 * is the weighted mean over b of these, so one sample is: a background row, an ordering pi
 * and its reverse (antithetic: Mitchell et al., JMLR 2022), each walked from b to x, the two
 * walks' contributions averaged. A walk has M + 1 rows whose ends f(b) and f(x) are known,
 * and only the players where b differs from x change the row, so it costs |D_b| - 1
 * evaluations. Each walk's contributions sum to f(x) - f(b) exactly.
 *
 * Which rows (perm_stats.h):
 *   - Stratified, when the budget covers every background row at least twice: the rows are
 *     walked in cycles, each a random permutation of the rows with positive weight, and the
 *     estimate is sum_j w_j mean_j. About half of the samples' variance on Fashion-MNIST
 *     pixels is between background rows (docs/performance.md); this design has none of it,
 *     and it sums to f(x) - sum_j w_j f(b_j) = f(x) - base exactly.
 *   - Independent draws by weight otherwise (few samples per row, e.g. a background of
 *     60,000 rows): the mean misses base by the drawn rows' deviation, so f(b_t) serves as a
 *     control variate with known mean: phi = mean(s) - beta (mean(c) - base), beta_i =
 *     Cov(s_i, c) / Var(c). Since sum_i s_ti = f(x) - c_t, sum_i beta_i = -1 and the estimate
 *     sums to f(x) - base exactly.
 *   - With the logit link v(S) = logit(E_w f(x_S, B)) is not an average over rows, so every
 *     ordering pair is walked against the whole background, the link applied at each step.
 * What rounding leaves of the constraint is spread over the players by their variances.
 *
 * Determinism: pair t's ordering comes from a stream seeded by (seed, x, t), its rows from
 * the design (cycle permutations seeded by (seed, x, cycle), or draws seeded by (seed, x,
 * t)); pairs are grouped into jobs of a fixed size (from M and the rows per pair alone), and
 * the samples of each round of jobs are added to the moments in pair order, so the result is
 * the same for any thread count and --tol stops at the same pair. */
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "kernel/kernel_impl.h"
#include "kernel/perm_stats.h"
#include "kernel/rng.h"
#include "kernel/walk.h"
#include "util/alloc.h"
#include "util/parallel.h"

#define JOB_ROWS 2048 /* pairs per job: until their rows reach this (at most MAX_JOB_PAIRS) */
#define MAX_JOB_PAIRS 64
#define ROUND_JOBS 16 /* jobs run between two updates of the moments */
#define MIN_PAIRS 4
/* Share of the budget allocated equally over the rows (the rest by Neyman allocation): a
 * defensive mixture, so a row whose first samples understated its variance still gets some.
 * Measured on Fashion-MNIST pixels (docs/performance.md): 0 and 0.1 alike, 0.5 lets the worst
 * output's error grow from 0.18 to 0.20, equal allocation (1) to 0.26. */
#define DEFENSIVE 0.1 /* even a tiny budget draws these (the standard errors need them) */
/* The stratified design keeps moments per background row: at most this many rows and bytes. */
#define STRAT_MAX_ROWS 4096
#define STRAT_MAX_BYTES ((size_t)256 << 20)

/* ---- one explanation ------------------------------------------------------------------------ */

typedef struct perm {
    const shapc_kernel *kr;
    shapc__session *ss;
    uint64_t epoch; /* walkers' cache key for this x (0: no cache) */
    const float *x;
    const size_t *players;
    size_t m, k;
    const float *fx; /* (k) f(x), raw */
    uint64_t stream; /* hash of x */
    size_t rows_per; /* background rows per pair (R) */
    int all_bg;      /* the whole background, by weight, for every pair */
    int strat;       /* rows in cycles of permutations (R = 1) */
    uint32_t *pos;   /* (n_pos) rows with positive weight, ascending */
    size_t n_pos;
    uint32_t *cycle; /* (n_pos) the current cycle's permutation of pos */
    size_t cycle_no; /* which cycle it is, or SIZE_MAX */
    /* stratified: after two cycles, pairs go where they lower the error most (allocate) */
    size_t *cost;      /* (n_bg) rows a pair on row j costs */
    double *count;     /* (n_bg) pairs given to row j so far (this round's included) */
    double *target;    /* (n_bg) pairs row j should get of the whole budget */
    double *inv_scale; /* (k) allocate's scratch */
    size_t pairs_per_job;
    /* the round in progress */
    size_t pair0, n_pairs_round;
    uint32_t *round_rows; /* (round pairs, R) */
    double *round_s;      /* (round pairs, m, k) samples */
    double *round_c;      /* (round pairs, k) */
} perm;

static void order_rng(const perm *pm, size_t t, shapc__rng *rng)
{
    shapc__rng_seed(rng, pm->kr->opt.seed,
                    pm->stream ^ ((uint64_t)(t + 1) * 0x9e3779b97f4a7c15ULL));
}

/* The background rows of pair t into rows (R of them; all rows for all_bg). */
static void pair_rows(perm *pm, size_t t, uint32_t *rows)
{
    const shapc_kernel *kr = pm->kr;
    if (pm->all_bg) {
        for (size_t r = 0; r < kr->n_bg; r++)
            rows[r] = (uint32_t)r;
        return;
    }
    shapc__rng rng;
    if (pm->strat) {
        const size_t c = t / pm->n_pos;
        if (c != pm->cycle_no) {
            shapc__rng_seed(&rng, kr->opt.seed,
                            pm->stream ^ 0x5bf03635f0b3d26bULL ^ ((uint64_t)(c + 1) << 20));
            memcpy(pm->cycle, pm->pos, pm->n_pos * sizeof *pm->cycle);
            for (size_t i = pm->n_pos - 1; i > 0; i--) {
                const size_t j = shapc__rng_below(&rng, i + 1);
                const uint32_t tmp = pm->cycle[i];
                pm->cycle[i] = pm->cycle[j];
                pm->cycle[j] = tmp;
            }
            pm->cycle_no = c;
        }
        rows[0] = pm->cycle[t % pm->n_pos];
        return;
    }
    shapc__rng_seed(&rng, kr->opt.seed,
                    pm->stream ^ 0xd6e8feb86659fd93ULL ^
                        ((uint64_t)(t + 1) * 0xa0761d6478bd642fULL));
    for (size_t ri = 0; ri < pm->rows_per; ri++)
        rows[ri] = (uint32_t)shapc__kernel_draw_row(kr, &rng);
}

/* Weight of the ri-th row of a pair. */
static double row_weight(const perm *pm, const uint32_t *rows, size_t ri)
{
    return pm->all_bg ? pm->kr->bg_w[rows[ri]] : 1.0 / (double)pm->rows_per;
}

/* ---- a job: a few pairs ------------------------------------------------------------------------
 */

/* Per-worker scratch for a job (grown, kept in the session's worker). */
typedef struct shapc__perm_scratch {
    shapc__walker walker;
    const uint32_t *rows; /* (G, R) the job's background rows (in the round's plan) */
    uint32_t *order;      /* (G, m) orderings */
    double *vd;           /* (G, 2, m, k) change of v at each step of each walk */
    double *v0;           /* (G, k) sum_r w_r f(b_r) */
    double *s;            /* (m, k) one sample */
    double *c;            /* (k) */
    double *prev;         /* (k) the walk's last output (outputs live only until the next flush) */
    size_t sizes[6];
    /* sink state */
    const perm *pm;
    uint32_t cur_sample, cur_ref, cur_dir;
    int have_cur;
} perm_scratch;

void shapc__perm_scratch_free(perm_scratch *ps)
{
    if (!ps)
        return;
    shapc__walker_free(&ps->walker);
    shapc__free(ps->order);
    shapc__free(ps->vd);
    shapc__free(ps->v0);
    shapc__free(ps->s);
    shapc__free(ps->c);
    shapc__free(ps->prev);
    shapc__free(ps);
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

/* Makes the scratch hold G pairs whose rows are `rows` and sets its walker up. */
static shapc_status prepare_scratch(perm_scratch **slot, const perm *pm, size_t G,
                                    const uint32_t *rows, shapc_error *err)
{
    const size_t m = pm->m, k = pm->k;
    perm_scratch *ps = *slot;
    if (!ps) {
        ps = shapc__calloc(1, sizeof *ps);
        if (!ps)
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        shapc__walker_init(&ps->walker);
        *slot = ps;
    }
    size_t gm, n_vd, gk;
    if (!shapc__mul_size(G, m, &gm) || !shapc__mul_size(gm, 2 * k, &n_vd) ||
        !shapc__mul_size(G, k, &gk) ||
        !shapc__ensure(&ps->order, &ps->sizes[0], gm, sizeof *ps->order) ||
        !shapc__ensure(&ps->vd, &ps->sizes[1], n_vd, sizeof *ps->vd) ||
        !shapc__ensure(&ps->v0, &ps->sizes[2], gk, sizeof *ps->v0) ||
        !shapc__ensure(&ps->s, &ps->sizes[3], m * k, sizeof *ps->s) ||
        !shapc__ensure(&ps->c, &ps->sizes[4], k, sizeof *ps->c) ||
        !shapc__ensure(&ps->prev, &ps->sizes[5], k, sizeof *ps->prev))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu pairs of walks", G);
    shapc_status st =
        shapc__walker_setup(&ps->walker, pm->kr, pm->x, pm->players, m, pm->fx, perm_sink, ps, err);
    if (st != SHAPC_OK)
        return st;
    shapc__walker_cache(&ps->walker, pm->epoch); /* a row's start and shares, kept for x */
    ps->pm = pm;
    ps->rows = rows;
    ps->have_cur = 0;
    memset(ps->vd, 0, n_vd * sizeof *ps->vd);
    return SHAPC_OK;
}

/* Emits pair p's walks: its ordering ps->order[p] and the reverse, each against the pair's
 * background rows; v0 gets sum_r w_r f(b_r). */
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
                    st = shapc__walker_step(w, s, 1, tag, err);
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

typedef struct round_task {
    perm *pm;
    atomic_size_t n_evals;
} round_task;

static shapc_status perm_job(void *ctx, size_t job, size_t worker, shapc_error *err)
{
    round_task *rt = ctx;
    perm *pm = rt->pm;
    const shapc_kernel *kr = pm->kr;
    const size_t m = pm->m, k = pm->k, G = pm->pairs_per_job, R = pm->rows_per;
    const size_t first = job * G; /* within the round */
    const size_t np = pm->n_pairs_round - first < G ? pm->n_pairs_round - first : G;
    shapc__worker *wk = &pm->ss->workers[worker];
    shapc_status st = prepare_scratch(&wk->perm, pm, G, pm->round_rows + first * R, err);
    if (st != SHAPC_OK)
        return st;
    perm_scratch *ps = wk->perm;
    for (size_t p = 0; p < np; p++) {
        shapc__rng rng;
        order_rng(pm, pm->pair0 + first + p, &rng);
        uint32_t *pi = ps->order + p * m;
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
    for (size_t p = 0; p < np; p++) {
        finish_pair(ps, pm, p);
        memcpy(pm->round_s + (first + p) * m * k, ps->s, m * k * sizeof *ps->s);
        memcpy(pm->round_c + (first + p) * k, ps->c, k * sizeof *ps->c);
    }
    return shapc__kernel_poll(kr) ? shapc_error_set(err, SHAPC_ECANCELED, "canceled") : SHAPC_OK;
}

/* ---- the driver ------------------------------------------------------------------------------ */

/* Rows a pair costs: 2 (|D_r| - 1) per background row with |D_r| >= 1, at least 1 so that
 * the budget always ends the sampling. */
static size_t pair_cost(const perm *pm, const uint32_t *rows)
{
    size_t cost = 0;
    for (size_t ri = 0; ri < pm->rows_per; ri++) {
        const size_t nd = shapc__row_diff(pm->kr, pm->x, pm->players, pm->m, rows[ri], NULL);
        cost += nd > 1 ? 2 * (nd - 1) : 0;
    }
    return cost ? cost : 1;
}

/* Chooses the design: stratified if the budget walks every positive-weight row twice and
 * its moments fit. */
static void choose_design(perm *pm, size_t budget)
{
    pm->strat = 0;
    if (pm->kr->perm_design == 1 || pm->all_bg || pm->rows_per != 1 || pm->n_pos > STRAT_MAX_ROWS ||
        pm->n_pos * pm->m * pm->k > STRAT_MAX_BYTES / (2 * sizeof(double)))
        return;
    size_t cycle = 0;
    for (size_t a = 0; a < pm->n_pos; a++) {
        const uint32_t r = pm->pos[a];
        pm->cost[r] = pair_cost(pm, &r);
        cycle += pm->cost[r];
        if (cycle > budget / 2)
            return;
    }
    pm->strat = 1;
}

/* Neyman allocation with costs (Cochran 1977, 5.5): the variance sum_j w_j^2 S_j^2 / n_j of
 * the stratified estimate is smallest for a budget sum_j n_j c_j = B at
 * n_j = B w_j S_j / sqrt(c_j) / sum_l w_l S_l sqrt(c_l). One walk serves every output, so
 * S_j^2 sums the row's within-row variances over players and outputs, each output scaled by
 * its squared norm ||phi_o||^2 (what the relative errors the user sees are made of; floored
 * at 1% of the largest, so an output with nothing to explain does not take the budget).
 * Called after two cycles, when every row has two samples, and again as the samples grow;
 * DEFENSIVE of the budget stays equally allocated. Adaptive allocation of this kind leaves
 * the estimate consistent (its bias, through the dependence of n_j on the row's own variance
 * estimate, vanishes with the samples; the unbiasedness test over 200 seeds holds). */
static void allocate(perm *pm, const shapc__rstats *r, const double *phi, size_t budget)
{
    const size_t m = pm->m, k = pm->k, mk = m * k;
    const double *w = pm->kr->bg_w;
    double *inv = pm->inv_scale, top = 0.0;
    for (size_t o = 0; o < k; o++) {
        inv[o] = 0.0;
        for (size_t i = 0; i < m; i++)
            inv[o] += phi[i * k + o] * phi[i * k + o];
        top = fmax(top, inv[o]);
    }
    for (size_t o = 0; o < k; o++) {
        const double scale = fmax(inv[o], 0.01 * top);
        inv[o] = scale > 0.0 ? 1.0 / scale : 1.0;
    }
    double denom = 0.0;
    for (size_t a = 0; a < pm->n_pos; a++) {
        const uint32_t j = pm->pos[a];
        const double *m2 = r->m2_s + j * mk;
        double v = 0.0;
        for (size_t i = 0; i < m; i++)
            for (size_t o = 0; o < k; o++)
                v += m2[i * k + o] * inv[o];
        v /= r->n[j] - 1.0;
        pm->target[j] = w[j] * sqrt(v) / sqrt((double)pm->cost[j]);
        denom += pm->target[j] * (double)pm->cost[j];
    }
    double cycle = 0.0;
    for (size_t a = 0; a < pm->n_pos; a++)
        cycle += (double)pm->cost[pm->pos[a]];
    for (size_t a = 0; a < pm->n_pos; a++) {
        const uint32_t j = pm->pos[a];
        const double neyman = denom > 0.0 ? pm->target[j] * (double)budget / denom : 0.0;
        pm->target[j] = DEFENSIVE * (double)budget / cycle + (1.0 - DEFENSIVE) * neyman;
    }
}

/* The row the next pair goes to once allocated: the one furthest behind its target in
 * proportion (lowest index among ties), so that every row advances towards its share at the
 * same pace and an early stop (--tol) finds them all in proportion. */
static uint32_t next_row(const perm *pm)
{
    uint32_t best = pm->pos[0];
    double lag = INFINITY;
    for (size_t a = 0; a < pm->n_pos; a++) {
        const uint32_t j = pm->pos[a];
        if (!(pm->target[j] > 0.0))
            continue;
        const double r = pm->count[j] / pm->target[j];
        if (r < lag) {
            lag = r;
            best = j;
        }
    }
    return best;
}

shapc_status shapc__permutation_explain(const shapc_kernel *kr, shapc__session *ss, const float *x,
                                        const float *fx, const size_t *players, size_t m,
                                        size_t budget, const double *delta, double *phi, double *se,
                                        size_t *n_pairs, size_t *n_evals, shapc_error *err)
{
    const size_t k = kr->k;
    perm pm = {.kr = kr, .ss = ss, .x = x, .players = players, .m = m, .k = k, .fx = fx};
    pm.stream = shapc__hash_bytes(x, kr->d * sizeof *x);
    pm.epoch = ++ss->walk_epoch;
    pm.all_bg = kr->opt.link == SHAPC_LINK_LOGIT || kr->opt.bg_per_sample >= kr->n_bg;
    pm.rows_per = pm.all_bg ? kr->n_bg : (kr->opt.bg_per_sample ? kr->opt.bg_per_sample : 1);
    pm.cycle_no = SIZE_MAX;
    const size_t R = pm.rows_per;
    /* Pairs per job: a fixed function of M and R, so the grouping never depends on threads. */
    const size_t per_pair = 2 * R * (m > 1 ? m - 1 : 1);
    const size_t G = JOB_ROWS / per_pair;
    pm.pairs_per_job = G < 1 ? 1 : (G > MAX_JOB_PAIRS ? MAX_JOB_PAIRS : G);
    const size_t round_cap = ROUND_JOBS * pm.pairs_per_job;

    shapc_status st = SHAPC_OK;
    shapc__pstats total;
    shapc__rstats strata;
    memset(&strata, 0, sizeof strata);
    pm.pos = shapc__malloc(kr->n_bg * sizeof *pm.pos);
    pm.cycle = shapc__malloc(kr->n_bg * sizeof *pm.cycle);
    pm.cost = shapc__calloc(kr->n_bg, sizeof *pm.cost);
    pm.count = shapc__calloc(kr->n_bg, sizeof *pm.count);
    pm.target = shapc__calloc(kr->n_bg, sizeof *pm.target);
    pm.inv_scale = shapc__malloc(k * sizeof *pm.inv_scale);
    size_t rr, rs;
    int ok = shapc__pstats_init(&total, m, k) && pm.pos && pm.cycle && pm.cost && pm.count &&
             pm.target && pm.inv_scale && shapc__mul_size(round_cap, R, &rr) &&
             shapc__mul_size(round_cap, m * k, &rs);
    if (ok) {
        pm.round_rows = shapc__malloc(rr * sizeof *pm.round_rows);
        pm.round_s = shapc__malloc(rs * sizeof *pm.round_s);
        pm.round_c = shapc__malloc(round_cap * k * sizeof *pm.round_c);
        ok = pm.round_rows && pm.round_s && pm.round_c;
    }
    if (!ok) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu players", m);
        goto done;
    }
    for (size_t r = 0; r < kr->n_bg; r++)
        if (kr->bg_w[r] > 0.0)
            pm.pos[pm.n_pos++] = (uint32_t)r;
    choose_design(&pm, budget);
    if (pm.strat && !shapc__rstats_init(&strata, kr->n_bg, m, k)) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu players", m);
        goto done;
    }
    if ((st = shapc__session_workers(ss, ss->n_threads, err)) != SHAPC_OK)
        goto done;

    /* Rounds of jobs while the budget lasts; each pair's cost is known from its rows before
     * it is walked. With --tol, checks where the errors could first pass. */
    const double tol = kr->opt.tol;
    const size_t first_check = pm.strat ? 2 * pm.n_pos : 16;
    size_t done_pairs = 0, spent = 0, check = tol > 0.0 ? first_check : SIZE_MAX;
    int exhausted = 0;
    round_task rt = {.pm = &pm};
    atomic_init(&rt.n_evals, 0);
    const size_t cycles_end = pm.strat ? 2 * pm.n_pos : 0;
    size_t next_alloc = cycles_end;
    while (!exhausted) {
        size_t n = 0;
        /* The allocation after the cycles, renewed as the samples grow by half. */
        if (pm.strat && done_pairs >= next_alloc && kr->perm_design != 2) {
            shapc__rstats_estimate(&strata, pm.pos, pm.n_pos, kr->bg_w, phi, se);
            allocate(&pm, &strata, phi, budget);
            next_alloc = done_pairs + done_pairs / 2;
        }
        while (n < round_cap && done_pairs + n < check) {
            uint32_t *rows = pm.round_rows + n * R;
            const size_t t = done_pairs + n;
            if (pm.strat && t >= cycles_end && kr->perm_design != 2) {
                rows[0] = next_row(&pm);
            } else {
                pair_rows(&pm, t, rows);
            }
            const size_t c = pm.strat ? pm.cost[rows[0]] : pair_cost(&pm, rows);
            if (done_pairs + n >= MIN_PAIRS && c > budget - (spent < budget ? spent : budget)) {
                exhausted = 1;
                break;
            }
            spent += c;
            if (pm.strat)
                pm.count[rows[0]] += 1.0;
            n++;
            /* The first round after the cycles ends there, so the allocation sees them. */
            if (pm.strat && t + 1 == cycles_end)
                break;
        }
        if (n > 0) {
            pm.pair0 = done_pairs;
            pm.n_pairs_round = n;
            const size_t n_jobs = (n + pm.pairs_per_job - 1) / pm.pairs_per_job;
            st = shapc__parallel_run(ss->n_threads, n_jobs, perm_job, &rt, err);
            if (st != SHAPC_OK)
                goto done;
            for (size_t p = 0; p < n; p++) {
                if (pm.strat)
                    shapc__rstats_add(&strata, pm.round_rows[p], pm.round_s + p * m * k);
                else
                    shapc__pstats_add(&total, pm.round_s + p * m * k, pm.round_c + p * k);
            }
            done_pairs += n;
        }
        if (done_pairs < check)
            continue; /* the round was full: more before the check */
        if (exhausted)
            break;
        /* A --tol check. */
        if (pm.strat)
            shapc__rstats_estimate(&strata, pm.pos, pm.n_pos, kr->bg_w, phi, se);
        else
            shapc__pstats_estimate(&total, kr->base, phi, se);
        const double q = shapc__tol_shortfall(m, k, phi, se, tol);
        if (q <= 1.0)
            break;
        /* Errors go as 1 / sqrt(pairs) - and faster while the early ones, from few samples
         * per row, are inflated for their few degrees of freedom: at most 4x per step. */
        const double need = fmin((double)done_pairs * q * q * 1.05, 4.0 * (double)done_pairs);
        check = need > (double)SIZE_MAX / 2 ? SIZE_MAX : (size_t)need + 1;
    }
    if (pm.strat)
        shapc__rstats_estimate(&strata, pm.pos, pm.n_pos, kr->bg_w, phi, se);
    else
        shapc__pstats_estimate(&total, kr->base, phi, se);
    shapc__efficiency_fix(m, k, delta, phi, se);
    *n_pairs = done_pairs;
    *n_evals += atomic_load(&rt.n_evals);
done:
    shapc__pstats_free(&total);
    shapc__rstats_free(&strata);
    shapc__free(pm.pos);
    shapc__free(pm.cycle);
    shapc__free(pm.cost);
    shapc__free(pm.count);
    shapc__free(pm.target);
    shapc__free(pm.inv_scale);
    shapc__free(pm.round_rows);
    shapc__free(pm.round_s);
    shapc__free(pm.round_c);
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
        st = prepare_scratch(&ps, &pm, 1, rows, err);
    if (st == SHAPC_OK) {
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
