/* rng.h - the library's private random number generator: xoshiro256** (Blackman & Vigna
 * 2018) seeded through splitmix64, for the explainer's coalitions and permutations and the
 * background helpers' samples and k-means seeding. A value type owned by its user: no global
 * state. */
#ifndef SHAPC_UTIL_RNG_H
#define SHAPC_UTIL_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct shapc__rng {
    uint64_t s[4];
} shapc__rng;

/* Seeds from two 64-bit words (seed, stream): distinct pairs give independent-looking streams. */
void shapc__rng_seed(shapc__rng *rng, uint64_t seed, uint64_t stream);
uint64_t shapc__rng_next(shapc__rng *rng);
/* Uniform double in [0, 1) with 53 random bits. */
double shapc__rng_uniform(shapc__rng *rng);
/* Uniform integer in [0, n), n >= 1, without modulo bias (Lemire 2019). */
size_t shapc__rng_below(shapc__rng *rng, size_t n);

#endif /* SHAPC_UTIL_RNG_H */
