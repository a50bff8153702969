/* rounds.c - sampling in rounds until the standard errors are small enough (--tol).
 *
 * kernelshap's convergence rule (Mayer & Watson, R package kernelshap): evaluate the
 * enumerated coalitions, then the sampled batches; at checks (placed as described at
 * shapc__kernel_rounds' loop) solve with the batches so far and stop once every standard error
 * is below tol * (max phi - min phi) of its output, or the budget is spent. The batches are
 * independent paired samples (coalition.c), so any prefix of them is itself a valid, smaller
 * sample: its sampled weights are scaled up by (all pairs) / (pairs so far). Deterministic:
 * the same seed stops at the same round. */
#include <math.h>
#include <string.h>

#include "kernel/kernel_impl.h"
#include "kernel/wls.h"
#include "util/alloc.h"

/* Stable reorder of the coalitions by batch (0 = enumerated first), so every round is a
 * contiguous range. */
static shapc_status sort_by_batch(shapc__coalitions *c, size_t *ends, shapc_error *err)
{
    const size_t nb = c->n_batches, n = c->n, n_idx = c->start[n];
    size_t *first = shapc__calloc(nb + 2, sizeof *first);
    size_t *order = shapc__malloc((n ? n : 1) * sizeof *order);
    size_t *start = shapc__malloc((c->cap + 1) * sizeof *start);
    uint32_t *idx = shapc__malloc((n_idx ? n_idx : 1) * sizeof *idx);
    uint8_t *comp = shapc__malloc(c->cap * sizeof *comp);
    double *w = shapc__malloc(c->cap * sizeof *w);
    uint32_t *batch = shapc__malloc(c->cap * sizeof *batch);
    if (!first || !order || !start || !idx || !comp || !w || !batch) {
        shapc__free(start);
        shapc__free(idx);
        shapc__free(comp);
        shapc__free(w);
        shapc__free(batch);
        shapc__free(first);
        shapc__free(order);
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory ordering coalitions");
    }
    for (size_t i = 0; i < n; i++)
        first[c->batch[i] + 1]++;
    for (size_t b = 1; b <= nb + 1; b++)
        first[b] += first[b - 1];
    for (size_t b = 0; b <= nb; b++)
        ends[b] = first[b + 1];
    /* Coalition i goes to position first[batch]++: a counting sort, stable within a batch. */
    for (size_t i = 0; i < n; i++)
        order[first[c->batch[i]]++] = i;
    start[0] = 0;
    for (size_t p = 0; p < n; p++) {
        const size_t i = order[p], nt = c->start[i + 1] - c->start[i];
        memcpy(idx + start[p], c->idx + c->start[i], nt * sizeof *idx);
        start[p + 1] = start[p] + nt;
        comp[p] = c->complement[i];
        w[p] = c->weight[i];
        batch[p] = c->batch[i];
    }
    shapc__free(first);
    shapc__free(order);
    shapc__free(c->start);
    shapc__free(c->idx);
    shapc__free(c->complement);
    shapc__free(c->weight);
    shapc__free(c->batch);
    c->start = start;
    c->idx = idx;
    c->idx_cap = n_idx ? n_idx : 1;
    c->complement = comp;
    c->weight = w;
    c->batch = batch;
    return SHAPC_OK;
}

/* Coalitions [a, b) of c as a view (shares storage). */
static shapc__coalitions view(const shapc__coalitions *c, size_t a, size_t b)
{
    shapc__coalitions v = *c;
    v.start = c->start + a;
    v.complement = c->complement + a;
    v.weight = c->weight + a;
    v.batch = c->batch + a;
    v.n = b - a;
    return v;
}

/* Infinite when an error is infinite or the range is 0. */
double shapc__tol_shortfall(size_t m, size_t k, const double *phi, const double *se, double tol)
{
    double q = 0.0;
    for (size_t o = 0; o < k; o++) {
        double lo = INFINITY, hi = -INFINITY, worst = 0.0;
        for (size_t j = 0; j < m; j++) {
            lo = fmin(lo, phi[j * k + o]);
            hi = fmax(hi, phi[j * k + o]);
            worst = fmax(worst, se[j * k + o]);
        }
        const double bound = tol * (hi - lo);
        if (bound > 0.0)
            q = fmax(q, worst / bound);
        else if (!(worst <= 0.0))
            q = INFINITY;
    }
    return q;
}

/* The sampled pairs the errors need to come down by the factor q: their variance goes as
 * 1 / (pairs - sizes) with the small-sample factor (wls.c). Never fewer than twice the
 * sampled sizes, below which that factor exceeds 2 (or the errors are infinite). */
static double pairs_needed(double pairs, double sizes, double q)
{
    if (pairs <= sizes)
        return 2.0 * sizes;
    return fmax(2.0 * sizes, sizes + (pairs - sizes) * q * q);
}

shapc_status shapc__kernel_rounds(const shapc_kernel *kr, shapc__session *ss, const float *x,
                                  const float *fx, const size_t *players,
                                  shapc__coalitions *c,
                                  const double *delta, double *y, double *phi, double *se,
                                  size_t *n_used, size_t *n_evals, shapc_error *err)
{
    const size_t nb = c->n_batches, k = kr->k, m = c->m;
    size_t ends[65 + 1];
    if (nb > 64)
        return shapc_error_set(err, SHAPC_EINVAL, "--tol supports at most 64 batches");
    shapc_status st = sort_by_batch(c, ends, err);
    if (st != SHAPC_OK)
        return st;
    double *w = shapc__malloc(c->n * sizeof *w);
    if (!w)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    size_t total_pairs = 0;
    for (size_t b = 1; b <= nb; b++)
        total_pairs += c->batch_pairs[b];
    /* Standard errors from 2-3 batches are too noisy to stop on (1-2 degrees of freedom):
     * the first check comes after 4 batches (or all of them if fewer), and not before the
     * sampled pairs are twice the sampled sizes (below that the errors are infinite or
     * inflated by more than 2). Each later check comes where the errors could first pass,
     * and the batches up to it are evaluated in one go: a far-off target costs one more
     * solve, not one per batch. */
    const double sizes = (double)c->n_sampled_sizes;
    size_t done = 0, check = nb < 4 ? nb : 4, pairs = 0, cum = 0;
    for (size_t r = 1; r <= check; r++)
        cum += c->batch_pairs[r];
    while (check < nb && (double)cum < pairs_needed((double)cum, sizes, 1.0))
        cum += c->batch_pairs[++check];
    /* A check that could save less than a quarter of the budget is not worth its solve. */
    if (4 * cum > 3 * total_pairs)
        check = nb;
    for (;;) {
        for (size_t r = done + 1; r <= check; r++)
            pairs += c->batch_pairs[r];
        /* The batches so far, standing for the whole sampled mass; their design needs no
         * model output, so it is factored while they are evaluated. */
        const double scale = (double)total_pairs / (double)pairs;
        for (size_t i = 0; i < ends[check]; i++)
            w[i] = c->batch[i] ? c->weight[i] * scale : c->weight[i];
        shapc__coalitions prefix = view(c, 0, ends[check]);
        prefix.weight = w;
        prefix.n_batches = check;
        const size_t from = done ? ends[done] : 0;
        shapc__coalitions part = view(c, from, ends[check]);
        shapc__wls_design design;
        memset(&design, 0, sizeof design);
        shapc__wls_factor_task ft = {&prefix, &design};
        shapc__side_job side = {.run = shapc__wls_factor_job, .ctx = &ft};
        st = shapc__masked_evaluate(kr, ss, x, fx, players, &part, y + from * k, n_evals, &side,
                                    err);
        if (st == SHAPC_OK)
            st = shapc__wls_apply(&prefix, &design, y, k, delta, phi, se, ss->n_threads, err);
        shapc__wls_design_free(&design);
        if (st != SHAPC_OK)
            break;
        *n_used = ends[check];
        done = check;
        const double q = shapc__tol_shortfall(m, k, phi, se, kr->opt.tol);
        if (q <= 1.0 || done == nb)
            break;
        const double need = pairs_needed((double)pairs, sizes, q);
        cum = pairs + c->batch_pairs[++check];
        while (check < nb && (double)cum < need)
            cum += c->batch_pairs[++check];
    }
    shapc__free(w);
    return st;
}
