/* exact.c - exact Shapley values by enumerating every coalition in Gray-code order.
 *
 * v(S) = link(sum_j w_j f(x_S, b_j)) for all 2^M coalitions S, then
 *     phi_i = sum_{S not containing i} |S|! (M - |S| - 1)! / M! (v(S + i) - v(S)),
 * the definition itself (Shapley 1953), O(M 2^M) once v is known.
 *
 * Per background row b_r only the players D_r where b_r differs from x matter, so its
 * 2^|D_r| masked rows are visited in the binary-reflected Gray code over D_r: consecutive
 * rows differ in one player, which on the first-stage fast path is one vector add (walk.h).
 * The first row is b_r and the last (all of D_r) is x, both known: 2^|D_r| - 2 evaluations.
 * Row r's outputs, a table over the subsets of D_r, are added into v with weight w_r; a
 * coalition S reads the entry of S intersected with D_r.
 *
 * Threads: a job is one background row; jobs run in rounds whose tables are added to v in
 * row order, so the sums (and the result) do not depend on the thread count. */
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "kernel/kernel_impl.h"
#include "kernel/walk.h"
#include "util/alloc.h"
#include "util/parallel.h"

#define ROUND_ROWS 8 /* background rows whose tables are kept before they are added */
/* Steps between re-anchorings of the walker's float state: drift stays within a few
 * roundings while the sum afresh (|D_r| vector adds) costs under a tenth of the steps. */
#define ANCHOR_STEPS 256

typedef struct exact_job_scratch {
    shapc__walker walker;
    size_t table_slot; /* which round slot the sink writes */
} exact_job_scratch;

typedef struct exact {
    const shapc_kernel *kr;
    shapc__session *ss;
    const float *x, *fx;
    const size_t *players;
    size_t m, k;
    size_t row0, n_round; /* background rows of the round in progress */
    float *tables;        /* (ROUND_ROWS, 2^m, k) */
    uint32_t *dmask;      /* (ROUND_ROWS) D_r as a bit mask over players */
    atomic_size_t n_evals;
} exact;

typedef struct exact_sink_ctx {
    exact *ex;
    float *table;
} exact_sink_ctx;

static shapc_status exact_sink(void *ctx, size_t n, const shapc__walk_tag *tags,
                               const float *const *outs, shapc_error *err)
{
    (void)err;
    exact_sink_ctx *sc = ctx;
    const size_t k = sc->ex->k;
    for (size_t e = 0; e < n; e++)
        memcpy(sc->table + (size_t)tags[e].pos * k, outs[e], k * sizeof *sc->table);
    return SHAPC_OK;
}

static shapc_status exact_job(void *ctx, size_t job, size_t worker, shapc_error *err)
{
    exact *ex = ctx;
    const shapc_kernel *kr = ex->kr;
    const size_t k = ex->k, r = ex->row0 + job;
    shapc__worker *wk = &ex->ss->workers[worker];
    if (!wk->walker) {
        wk->walker = shapc__malloc(sizeof *wk->walker);
        if (!wk->walker)
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        shapc__walker_init(wk->walker);
    }
    shapc__walker *w = wk->walker;
    exact_sink_ctx sc = {ex, ex->tables + job * ((size_t)1 << ex->m) * k};
    shapc_status st =
        shapc__walker_setup(w, kr, ex->x, ex->players, ex->m, ex->fx, exact_sink, &sc, err);
    if (st != SHAPC_OK)
        return st;
    shapc__walker_begin(w, r);
    const size_t n = w->n_diff;
    uint32_t dm = 0;
    for (size_t s = 0; s < n; s++)
        dm |= (uint32_t)1 << w->diff[s];
    ex->dmask[job] = dm;
    const size_t full = ((size_t)1 << n) - 1;
    memcpy(sc.table, kr->fbg + r * k, k * sizeof *sc.table);
    if (n > 0)
        memcpy(sc.table + full * k, ex->fx, k * sizeof *sc.table);
    size_t gray = 0;
    for (size_t step = 1; step < ((size_t)1 << n); step++) {
        const unsigned bit = (unsigned)__builtin_ctzll((unsigned long long)step);
        gray ^= (size_t)1 << bit;
        const shapc__walk_tag tag = {0, 0, (uint32_t)gray};
        if (step % ANCHOR_STEPS == 0 || gray == full) {
            shapc__walker_set(w, gray);
            if (gray == full)
                continue; /* x: known */
            st = shapc__walker_emit(w, tag, err);
        } else {
            st = shapc__walker_step(w, bit, (gray >> bit) & 1u, tag, err);
        }
        if (st != SHAPC_OK)
            return st;
    }
    if ((st = shapc__walker_flush(w, err)) != SHAPC_OK)
        return st;
    atomic_fetch_add(&ex->n_evals, w->n_evals);
    return shapc__kernel_poll(kr) ? shapc_error_set(err, SHAPC_ECANCELED, "canceled") : SHAPC_OK;
}

size_t shapc__exact_rows(const shapc_kernel *kr, const float *x, const size_t *players, size_t m,
                         size_t limit)
{
    if (m > SHAPC__EXACT_MAX_PLAYERS)
        return SIZE_MAX;
    size_t total = 0;
    for (size_t r = 0; r < kr->n_bg; r++) {
        const size_t n = shapc__row_diff(kr, x, players, m, r, NULL);
        const size_t rows = n >= 2 ? ((size_t)1 << n) - 2 : 0;
        if (rows > limit - total)
            return SIZE_MAX;
        total += rows;
    }
    return total;
}

/* v over all masks += w * table of a row whose differing players are dm (a table over the
 * subsets of dm, bit s standing for dm's s-th lowest player). Each coalition S reads the
 * entry of S & dm: for every subset of dm, the masks that extend it by players outside dm. */
static void add_table(double *v, size_t m, size_t k, const float *table, uint32_t dm, double w)
{
    const uint32_t all = (uint32_t)(((uint64_t)1 << m) - 1), rest = all & ~dm;
    uint32_t bits[32];
    size_t n = 0;
    for (uint32_t p = 0; p < (uint32_t)m; p++)
        if (dm >> p & 1u)
            bits[n++] = p;
    if (rest == 0) {
        /* Every player differs (the common case): the table is v's layout already. */
        for (size_t s = 0; s < ((size_t)1 << m) * k; s++)
            v[s] += w * (double)table[s];
        return;
    }
    for (size_t sub = 0; sub < ((size_t)1 << n); sub++) {
        uint32_t base = 0;
        for (size_t s = 0; s < n; s++)
            if (sub >> s & 1u)
                base |= (uint32_t)1 << bits[s];
        const float *t = table + sub * k;
        /* every subset e of rest, including 0 and rest itself */
        uint32_t e = 0;
        do {
            double *vs = v + (size_t)(base | e) * k;
            for (size_t o = 0; o < k; o++)
                vs[o] += w * (double)t[o];
            e = (e - rest) & rest;
        } while (e != 0);
    }
}

shapc_status shapc__exact_explain(const shapc_kernel *kr, shapc__session *ss, const float *x,
                                  const float *fx, const double *fxl, const size_t *players,
                                  size_t m, double *phi, size_t *n_evals, shapc_error *err)
{
    const size_t k = kr->k, n_masks = (size_t)1 << m;
    exact ex = {.kr = kr, .ss = ss, .x = x, .fx = fx, .players = players, .m = m, .k = k};
    atomic_init(&ex.n_evals, 0);
    size_t cells, tcells;
    if (m > SHAPC__EXACT_MAX_PLAYERS || !shapc__mul_size(n_masks, k, &cells) ||
        !shapc__mul_size(cells, ROUND_ROWS, &tcells))
        return shapc_error_set(err, SHAPC_ERANGE, "%zu players are too many to enumerate", m);
    double *v = shapc__calloc(cells, sizeof *v);
    ex.tables = shapc__malloc(tcells * sizeof *ex.tables);
    ex.dmask = shapc__malloc(ROUND_ROWS * sizeof *ex.dmask);
    double *wt = shapc__malloc((m + 1) * sizeof *wt); /* indexed by popcount: 0..m */
    shapc_status st = SHAPC_OK;
    if (!v || !ex.tables || !ex.dmask || !wt) {
        st =
            shapc_error_set(err, SHAPC_ENOMEM, "out of memory enumerating %zu coalitions", n_masks);
        goto done;
    }
    if ((st = shapc__session_workers(ss, ss->n_threads, err)) != SHAPC_OK)
        goto done;
    for (size_t r0 = 0; r0 < kr->n_bg; r0 += ROUND_ROWS) {
        ex.row0 = r0;
        ex.n_round = kr->n_bg - r0 < ROUND_ROWS ? kr->n_bg - r0 : ROUND_ROWS;
        st = shapc__parallel_run(ss->n_threads, ex.n_round, exact_job, &ex, err);
        if (st != SHAPC_OK)
            goto done;
        for (size_t j = 0; j < ex.n_round; j++)
            add_table(v, m, k, ex.tables + j * cells, ex.dmask[j], kr->bg_w[r0 + j]);
    }
    /* v(S) in link units; v(empty) and v(all) are the base and link(f(x)) exactly, so the
     * values sum to link(f(x)) - base whatever the rounding inside. */
    for (size_t s = 0; s < n_masks; s++)
        for (size_t o = 0; o < k; o++)
            v[s * k + o] = shapc__apply_link(kr->opt.link, v[s * k + o]);
    for (size_t o = 0; o < k; o++) {
        v[o] = kr->base[o];
        v[(n_masks - 1) * k + o] = fxl[o];
    }
    /* wt[s] = s! (m - s - 1)! / m! = 1 / (m C(m-1, s)) */
    for (size_t s = 0; s < m; s++)
        wt[s] = 1.0 / ((double)m * shapc__binom(m - 1, s));
    wt[m] = 0.0; /* read for the full coalition, which adds no player */
    memset(phi, 0, m * k * sizeof *phi);
    for (size_t mask = 0; mask < n_masks; mask++) {
        const double ws = wt[__builtin_popcountll((unsigned long long)mask)];
        const double *vs = v + mask * k;
        for (size_t i = 0; i < m; i++) {
            if (mask >> i & 1u)
                continue;
            const double *vi = v + (mask | (size_t)1 << i) * k;
            for (size_t o = 0; o < k; o++)
                phi[i * k + o] += ws * (vi[o] - vs[o]);
        }
    }
    *n_evals += atomic_load(&ex.n_evals);
done:
    shapc__free(v);
    shapc__free(ex.tables);
    shapc__free(ex.dmask);
    shapc__free(wt);
    return st;
}
