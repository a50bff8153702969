/* coalition.c - choosing KernelSHAP's coalitions (see coalition.h).
 *
 * The enumerate-then-sample scheme follows shap's KernelExplainer (Lundberg & Lee 2017,
 * shap/explainers/_kernel.py): size classes {s, M-s} carry the Shapley kernel's mass
 * (M-1)/(s(M-s)); a class is enumerated completely when the remaining budget, spread by the
 * remaining mass, gives each of its coalitions at least one sample. Unlike shap, every sampled
 * coalition is paired with its complement, including the middle size of even M (antithetic
 * pairs lower the variance and make batches symmetric), and duplicates are kept rather than
 * merged: with equal per-sample weights both give the same normal equations. */
#include "kernel/coalition.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

void shapc__coalitions_init(shapc__coalitions *c) { memset(c, 0, sizeof *c); }

void shapc__coalitions_free(shapc__coalitions *c)
{
    shapc__free(c->start);
    shapc__free(c->idx);
    shapc__free(c->complement);
    shapc__free(c->weight);
    shapc__free(c->batch);
    shapc__free(c->batch_pairs);
    shapc__coalitions_init(c);
}

/* Grows storage for `more` coalitions holding `more_idx` indices in all. */
shapc_status shapc__coalitions_reserve(shapc__coalitions *c, size_t more, size_t more_idx,
                                       shapc_error *err)
{
    size_t need, need_idx;
    if (!shapc__add_size(c->n, more, &need) ||
        !shapc__add_size(c->start[c->n], more_idx, &need_idx))
        return shapc_error_set(err, SHAPC_ERANGE, "coalition budget overflows memory sizes");
    if (need > c->cap) {
        size_t cap = c->cap ? c->cap : 64;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        size_t *start = shapc__realloc(c->start, (cap + 1) * sizeof *start);
        if (!start)
            goto oom;
        c->start = start;
        uint8_t *comp = shapc__realloc(c->complement, cap * sizeof *comp);
        if (!comp)
            goto oom;
        c->complement = comp;
        double *w = shapc__realloc(c->weight, cap * sizeof *w);
        if (!w)
            goto oom;
        c->weight = w;
        uint32_t *b = shapc__realloc(c->batch, cap * sizeof *b);
        if (!b)
            goto oom;
        c->batch = b;
        c->cap = cap;
    }
    if (need_idx > c->idx_cap) {
        size_t cap = c->idx_cap ? c->idx_cap : 256;
        while (cap < need_idx)
            cap = cap > SIZE_MAX / 2 ? need_idx : cap * 2;
        size_t bytes;
        if (!shapc__mul_size(cap, sizeof *c->idx, &bytes))
            return shapc_error_set(err, SHAPC_ERANGE, "coalition storage overflows");
        uint32_t *idx = shapc__realloc(c->idx, bytes);
        if (!idx)
            goto oom;
        c->idx = idx;
        c->idx_cap = cap;
    }
    return SHAPC_OK;
oom:
    return shapc_error_set(err, SHAPC_ENOMEM, "out of memory storing %zu coalitions", need);
}

/* Appends one coalition; storage must have been reserved. */
void shapc__coalitions_push(shapc__coalitions *c, const uint32_t *t, size_t nt, int complement,
                            double w, uint32_t batch)
{
    size_t at = c->start[c->n];
    memmove(c->idx + at, t, nt * sizeof *t); /* t may already sit at its destination */
    c->complement[c->n] = (uint8_t)complement;
    c->weight[c->n] = w;
    c->batch[c->n] = batch;
    c->start[c->n + 1] = at + nt;
    c->n++;
}

/* C(m, s) as a double (exact while below 2^53, which every enumerated size is). */
double shapc__binom(size_t m, size_t s)
{
    double r = 1.0;
    for (size_t i = 1; i <= s; i++)
        r = r * (double)(m - s + i) / (double)i;
    return floor(r + 0.5);
}

/* Adds every subset of size s (and, if paired, its complement), each with weight w. */
shapc_status shapc__coalitions_enumerate_size(shapc__coalitions *c, size_t m, size_t s, int paired,
                                              double w, shapc_error *err)
{
    double count = shapc__binom(m, s) * (paired ? 2.0 : 1.0);
    if (count > (double)(SIZE_MAX / (s + 1)))
        return shapc_error_set(err, SHAPC_ERANGE, "cannot enumerate C(%zu, %zu) coalitions",
                               m, s);
    shapc_status st = shapc__coalitions_reserve(c, (size_t)count, (size_t)count * s, err);
    if (st != SHAPC_OK)
        return st;
    uint32_t comb[64];
    uint32_t *t = s <= 64 ? comb : shapc__malloc(s * sizeof *t);
    if (!t)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory enumerating coalitions");
    for (size_t i = 0; i < s; i++)
        t[i] = (uint32_t)i;
    for (;;) {
        shapc__coalitions_push(c, t, s, 0, w, 0);
        if (paired)
            shapc__coalitions_push(c, t, s, 1, w, 0);
        /* Next combination in lexicographic order. */
        size_t i = s;
        while (i > 0 && t[i - 1] == (uint32_t)(m - s + i - 1))
            i--;
        if (i == 0)
            break;
        t[i - 1]++;
        for (size_t j = i; j < s; j++)
            t[j] = t[j - 1] + 1;
    }
    if (t != comb)
        shapc__free(t);
    return SHAPC_OK;
}

int shapc__coalitions_is_pair(const shapc__coalitions *c, size_t i)
{
    const size_t nt = c->start[i + 1] - c->start[i];
    return i + 1 < c->n && c->complement[i] != c->complement[i + 1] &&
           c->start[i + 2] - c->start[i + 1] == nt &&
           memcmp(c->idx + c->start[i], c->idx + c->start[i + 1], nt * sizeof *c->idx) == 0;
}

void shapc__sort_distinct(uint32_t *t, size_t s, size_t m, unsigned char *seen)
{
    if (s * s <= 4 * m) {
        for (size_t i = 1; i < s; i++) {
            const uint32_t v = t[i];
            size_t j = i;
            for (; j > 0 && t[j - 1] > v; j--)
                t[j] = t[j - 1];
            t[j] = v;
        }
        return;
    }
    for (size_t i = 0; i < s; i++)
        seen[t[i]] = 1;
    size_t n = 0;
    for (size_t p = 0; n < s; p++)
        if (seen[p]) {
            seen[p] = 0;
            t[n++] = (uint32_t)p;
        }
}

shapc_status shapc__coalitions_generate(shapc__coalitions *c, size_t m, size_t nsamples,
                                        size_t n_batches, int leverage, shapc__rng *rng,
                                        shapc_error *err)
{
    shapc_status st = SHAPC_OK;
    double *wv = NULL, *rem = NULL, *cdf = NULL;
    uint32_t *perm = NULL;
    unsigned char *seen = NULL;

    shapc__coalitions_free(c);
    if (m < 2 || m > UINT32_MAX || nsamples == 0 || n_batches == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "coalitions need m >= 2 and a budget");
    c->m = m;
    c->start = shapc__calloc(1, sizeof *c->start);
    if (!c->start)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");

    const size_t n_sizes = m / 2;            /* ceil((m-1)/2): size classes {s, m-s} */
    const size_t n_paired = (m - 1) / 2;     /* classes where s != m-s */
    wv = shapc__calloc(n_sizes + 1, sizeof *wv);
    rem = shapc__calloc(n_sizes + 1, sizeof *rem);
    cdf = shapc__calloc(n_sizes + 1, sizeof *cdf);
    if (!wv || !rem || !cdf) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        goto done;
    }
    double total = 0.0;
    for (size_t s = 1; s <= n_sizes; s++) {
        wv[s] = (double)(m - 1) / ((double)s * (double)(m - s));
        if (s <= n_paired)
            wv[s] *= 2.0;
        total += wv[s];
    }
    for (size_t s = 1; s <= n_sizes; s++)
        rem[s] = wv[s] /= total;

    /* Exact when the budget covers all 2^m - 2 coalitions. */
    const int all = m < 63 && (double)nsamples >= ldexp(1.0, (int)m) - 2.0;
    if (leverage && !all) {
        st = shapc__coalitions_leverage(c, nsamples, n_batches, rng, err);
        goto done;
    }
    double left = (double)nsamples;
    size_t n_full = 0;
    c->n_sampled_sizes = m - 1;
    for (size_t s = 1; s <= n_sizes; s++) {
        const int paired = s <= n_paired;
        const double n_sub = shapc__binom(m, s) * (paired ? 2.0 : 1.0);
        if (!all && left * rem[s] / n_sub < 1.0 - 1e-8)
            break;
        n_full++;
        c->n_sampled_sizes -= paired ? 2 : 1;
        left -= n_sub;
        if (rem[s] < 1.0) {
            const double scale = 1.0 - rem[s];
            for (size_t r = 1; r <= n_sizes; r++)
                rem[r] /= scale;
        }
        double w = wv[s] / shapc__binom(m, s);
        if (paired)
            w /= 2.0;
        st = shapc__coalitions_enumerate_size(c, m, s, paired, w, err);
        if (st != SHAPC_OK)
            goto done;
    }
    c->exact = n_full == n_sizes;
    if (c->exact)
        goto done;

    /* Sample pairs (T, complement of T) for the remaining size classes. */
    double w_left = 0.0;
    for (size_t s = n_full + 1; s <= n_sizes; s++) {
        w_left += wv[s];
        cdf[s] = w_left;
    }
    size_t pairs = left > 0.0 ? (size_t)(left / 2.0) : 0;
    if (pairs < 2)
        pairs = 2;
    const size_t b = n_batches < pairs ? n_batches : pairs;
    const double w_pair_member = w_left / (2.0 * (double)pairs);
    c->n_batches = b;
    c->batch_pairs = shapc__calloc(b + 1, sizeof *c->batch_pairs);
    perm = shapc__malloc(m * sizeof *perm);
    seen = shapc__calloc(m, 1);
    if (!c->batch_pairs || !perm || !seen) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < m; i++)
        perm[i] = (uint32_t)i;
    for (size_t p = 0; p < pairs; p++) {
        /* Size class by the kernel's remaining mass (inverse CDF, linear scan: few classes
         * carry almost all mass, so the scan stops early). */
        const double u = shapc__rng_uniform(rng) * w_left;
        size_t s = n_full + 1;
        while (s < n_sizes && cdf[s] <= u)
            s++;
        /* Uniform s-subset by partial Fisher-Yates on a persistent permutation: uniform
         * whatever order the previous draws left it in. */
        for (size_t i = 0; i < s; i++) {
            size_t j = i + shapc__rng_below(rng, m - i);
            uint32_t tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        st = shapc__coalitions_reserve(c, 2, 2 * s, err);
        if (st != SHAPC_OK)
            goto done;
        uint32_t *t = c->idx + c->start[c->n];
        memcpy(t, perm, s * sizeof *t);
        shapc__sort_distinct(t, s, m, seen);
        const uint32_t batch = (uint32_t)(p % b) + 1;
        shapc__coalitions_push(c, t, s, 0, w_pair_member, batch);
        shapc__coalitions_push(c, c->idx + c->start[c->n - 1], s, 1, w_pair_member, batch);
        c->batch_pairs[batch]++;
    }

done:
    shapc__free(wv);
    shapc__free(rem);
    shapc__free(cdf);
    shapc__free(perm);
    shapc__free(seen);
    if (st != SHAPC_OK)
        shapc__coalitions_free(c);
    return st;
}
