/* coalition.h - the coalitions KernelSHAP evaluates, and how they are chosen.
 *
 * A coalition over M players is stored by its smaller side: a sorted list T of player
 * indices plus a flag `complement`; the coalition is T itself (flag 0) or all players but T
 * (flag 1). Shapley-kernel coalitions are mostly very small or very large, so |T| stays small
 * and every cost that follows |T| (building masked rows, assembling Z^T W Z) is
 * min(|S|, M - |S|) rather than M.
 *
 * Each coalition carries its regression weight and a batch number: 0 for coalitions from
 * complete enumeration of a size (deterministic), 1..B for sampled pairs (independent batches
 * used for the standard errors). */
#ifndef SHAPC_KERNEL_COALITION_H
#define SHAPC_KERNEL_COALITION_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/rng.h"
#include "shapc/status.h"

typedef struct shapc__coalitions {
    size_t m;           /* players */
    size_t n;           /* coalitions stored */
    size_t cap;         /* allocated coalitions */
    size_t *start;      /* (cap + 1): T of coalition i is idx[start[i] .. start[i+1]) */
    uint32_t *idx;      /* player indices, sorted within each coalition */
    size_t idx_cap;
    uint8_t *complement;
    double *weight;
    uint32_t *batch;
    size_t n_batches;   /* B: batches actually used by sampled pairs (0 if none) */
    size_t n_sampled_sizes; /* sizes in 1..m-1 left to sampling (not enumerated) */
    size_t *batch_pairs; /* (B + 1) pairs per batch, [0] unused */
    int exact;          /* every coalition of every size enumerated */
} shapc__coalitions;

/* Releases storage; the struct may be reused after shapc__coalitions_init. */
void shapc__coalitions_init(shapc__coalitions *c);
void shapc__coalitions_free(shapc__coalitions *c);

/* Chooses coalitions for m >= 2 players with a budget of nsamples (>= 1):
 *  - if nsamples >= 2^m - 2: all coalitions, Shapley-kernel weights (exact);
 *  - else shap's scheme: whole sizes enumerated from the extremes (1 and m-1, then 2 and m-2,
 *    ...) while the budget covers them at their kernel weight, then pairs (T, complement of T)
 *    with the size drawn from the kernel's remaining mass and T uniform, dealt round-robin
 *    into n_batches batches. At least 2 pairs are drawn when sizes remain, so a tiny budget
 *    can overrun by up to 3 coalitions rather than drop the unenumerated sizes.
 * Weights are on the scale where the kernel's total mass over sizes 1..m-1 is 1. */
shapc_status shapc__coalitions_generate(shapc__coalitions *c, size_t m, size_t nsamples,
                                        size_t n_batches, int leverage, shapc__rng *rng,
                                        shapc_error *err);

/* Leverage-score sampling (Musco & Witter, ICLR 2025), called by _generate when leverage is
 * set and the budget is not exhaustive; c is initialised with c->m set and no coalitions.
 * Every coalition size gets an equal share of the budget (water-filled: sizes with fewer
 * coalitions than their share are enumerated and the rest redistributed); in each remaining
 * size class, pairs (T, complement of T) are drawn uniformly WITHOUT replacement and weighted
 * by kernel weight / inclusion probability (Horvitz-Thompson), so the normal equations are
 * unbiased. Implemented in leverage.c. */
shapc_status shapc__coalitions_leverage(shapc__coalitions *c, size_t nsamples, size_t n_batches,
                                        shapc__rng *rng, shapc_error *err);

/* ---- building blocks shared by the samplers ---- */

/* C(m, s) as a double (exact below 2^53). */
double shapc__binom(size_t m, size_t s);
/* Grows storage for `more` coalitions holding `more_idx` player indices in all. */
shapc_status shapc__coalitions_reserve(shapc__coalitions *c, size_t more, size_t more_idx,
                                       shapc_error *err);
/* Appends one coalition (storage reserved); t may already sit at its destination. */
void shapc__coalitions_push(shapc__coalitions *c, const uint32_t *t, size_t nt, int complement,
                            double w, uint32_t batch);
/* Adds every subset of size s, and its complement if paired, each with weight w, batch 0. */
shapc_status shapc__coalitions_enumerate_size(shapc__coalitions *c, size_t m, size_t s,
                                              int paired, double w, shapc_error *err);
/* 1 if coalitions i and i + 1 are a pair: the same T, one of them complemented. Samplers
 * store pairs next to each other, so costs that follow T can be paid once per pair. */
int shapc__coalitions_is_pair(const shapc__coalitions *c, size_t i);
/* Sorts s distinct values below m in place: insertion sort when s is small, else by marking
 * them in `seen` (m bytes, all zero on entry and on return) and reading them back in order,
 * O(m) where qsort would cost O(s log s) comparator calls. */
void shapc__sort_distinct(uint32_t *t, size_t s, size_t m, unsigned char *seen);

#endif /* SHAPC_KERNEL_COALITION_H */
