/* leverage.c - leverage-score coalition sampling (Musco & Witter, "Provably Accurate Shapley
 * Value Estimation via Leverage Score Sampling", ICLR 2025).
 *
 * The leverage scores of KernelSHAP's (projected) design are equal across coalition sizes, so
 * each size s = 1..M-1 gets the same share of the budget. Within a size class {s, M-s}, pairs
 * (T, complement of T) are drawn uniformly without replacement; a coalition's inclusion
 * probability p is then (expected pairs) / (pairs in the class), and its regression weight is
 * the Shapley kernel weight divided by p, which keeps Z'WZ and Z'Wy unbiased. The expected
 * pair counts are rounded randomly and systematically (one uniform offset over their running
 * sum), so p stays exact for fractional shares and the total stays within the budget. The efficiency constraint is enforced exactly by the solver (wls.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/coalition.h"
#include "util/alloc.h"

/* Shapley kernel weight of one coalition of size s (up to a common factor). */
static double kernel_weight(size_t m, size_t s)
{
    return (double)(m - 1) / (shapc__binom(m, s) * (double)s * (double)(m - s));
}

static uint64_t hash_set(const uint32_t *t, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (size_t i = 0; i < n; i++) {
        h ^= t[i] + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
        h *= 0xff51afd7ed558ccdULL;
    }
    return h | 1; /* 0 marks an empty slot */
}

/* Inserts h into the open-addressing table; returns 0 if it was already there. A 64-bit hash
 * collision between distinct sets would drop one draw - probability ~k^2 / 2^64. */
static int insert(uint64_t *table, size_t mask, uint64_t h)
{
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        if (table[i] == h)
            return 0;
        if (table[i] == 0) {
            table[i] = h;
            return 1;
        }
    }
}

/* Complement of the sorted s-subset t of {0..m-1}, written to out (sorted). */
static void complement_of(const uint32_t *t, size_t s, size_t m, uint32_t *out)
{
    size_t j = 0, n = 0;
    for (uint32_t p = 0; p < (uint32_t)m; p++) {
        if (j < s && t[j] == p)
            j++;
        else
            out[n++] = p;
    }
}

shapc_status shapc__coalitions_leverage(shapc__coalitions *c, size_t nsamples, size_t n_batches,
                                        shapc__rng *rng, shapc_error *err)
{
    const size_t m = c->m, n_sizes = m / 2, n_paired = (m - 1) / 2;
    shapc_status st = SHAPC_OK;
    double *share = shapc__calloc(n_sizes + 1, sizeof *share); /* expected pairs per class */
    size_t *pairs = shapc__calloc(n_sizes + 1, sizeof *pairs);
    unsigned char *full = shapc__calloc(n_sizes + 1, 1);
    uint32_t *perm = shapc__malloc(m * sizeof *perm);
    uint32_t *t = shapc__malloc(m * sizeof *t);
    uint32_t *u = shapc__malloc(m * sizeof *u);
    unsigned char *seen = shapc__calloc(m, 1);
    uint64_t *table = NULL;
    if (!share || !pairs || !full || !perm || !t || !u || !seen) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        goto done;
    }

    /* Water-filling: equal budget per size; a class with fewer coalitions than its share is
     * enumerated and the remainder shared again. */
    double budget = (double)nsamples, sizes_left = (double)(m - 1);
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t s = 1; s <= n_sizes; s++) {
            if (full[s])
                continue;
            const double n_sz = s <= n_paired ? 2.0 : 1.0;
            const double count = shapc__binom(m, s) * n_sz;
            /* Enumerate also when the share exceeds half the class: rejection sampling of
             * distinct sets would then be slow, and enumeration is cheaper and exact. */
            if (count <= 2.0 * budget / sizes_left * n_sz) {
                full[s] = 1;
                budget -= count;
                sizes_left -= n_sz;
                changed = 1;
            }
        }
        if (sizes_left <= 0.0 || budget <= 0.0)
            break;
    }
    size_t total_pairs = 0, max_pairs = 0;
    c->n_sampled_sizes = m - 1;
    /* Systematic rounding of the expected pair counts: one uniform u, and class s gets
     * floor(C_s + u) - floor(C_{s-1} + u) pairs with C the cumulative shares. Each count is
     * its share rounded down or up with the exact probability (so inclusion probabilities
     * stay share / class size), and the total never exceeds the budget's pairs rounded up. */
    const double offset = shapc__rng_uniform(rng);
    double cum = 0.0;
    for (size_t s = 1; s <= n_sizes; s++) {
        const int paired = s <= n_paired;
        if (full[s]) {
            c->n_sampled_sizes -= paired ? 2 : 1;
            st = shapc__coalitions_enumerate_size(c, m, s, paired, kernel_weight(m, s), err);
            if (st != SHAPC_OK)
                goto done;
            continue;
        }
        share[s] = budget > 0.0 ? budget / sizes_left * (paired ? 2.0 : 1.0) / 2.0 : 0.0;
        const double lo = floor(cum + offset);
        cum += share[s];
        pairs[s] = (size_t)(floor(cum + offset) - lo);
        total_pairs += pairs[s];
        if (pairs[s] > max_pairs)
            max_pairs = pairs[s];
    }
    c->exact = total_pairs == 0 && budget >= 0.0 && sizes_left <= 0.0;
    if (total_pairs == 0)
        goto done;

    const size_t b = n_batches < total_pairs ? n_batches : total_pairs;
    c->n_batches = b;
    c->batch_pairs = shapc__calloc(b + 1, sizeof *c->batch_pairs);
    size_t slots = 16;
    while (slots < 2 * max_pairs)
        slots *= 2;
    table = shapc__malloc(slots * sizeof *table);
    if (!c->batch_pairs || !table) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < m; i++)
        perm[i] = (uint32_t)i;
    size_t dealt = 0;
    for (size_t s = 1; s <= n_sizes; s++) {
        if (pairs[s] == 0)
            continue;
        const int middle = 2 * s == m;
        /* Pairs in the class: unordered {T, N\T}; for the middle size both have size s. */
        const double class_pairs = shapc__binom(m, s) / (middle ? 2.0 : 1.0);
        const double w = kernel_weight(m, s) * class_pairs / share[s];
        memset(table, 0, slots * sizeof *table);
        for (size_t p = 0; p < pairs[s];) {
            for (size_t i = 0; i < s; i++) {
                size_t j = i + shapc__rng_below(rng, m - i);
                uint32_t tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
            }
            memcpy(t, perm, s * sizeof *t);
            shapc__sort_distinct(t, s, m, seen);
            if (middle && t[0] != 0) { /* canonical member of the pair holds player 0 */
                complement_of(t, s, m, u);
                memcpy(t, u, s * sizeof *t);
            }
            if (!insert(table, slots - 1, hash_set(t, s)))
                continue; /* without replacement: redraw */
            st = shapc__coalitions_reserve(c, 2, 2 * s, err);
            if (st != SHAPC_OK)
                goto done;
            const uint32_t batch = (uint32_t)(dealt % b) + 1;
            shapc__coalitions_push(c, t, s, 0, w, batch);
            shapc__coalitions_push(c, c->idx + c->start[c->n - 1], s, 1, w, batch);
            c->batch_pairs[batch]++;
            dealt++;
            p++;
        }
    }
done:
    shapc__free(share);
    shapc__free(pairs);
    shapc__free(full);
    shapc__free(perm);
    shapc__free(t);
    shapc__free(u);
    shapc__free(seen);
    shapc__free(table);
    return st;
}
