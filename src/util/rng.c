/* rng.c - xoshiro256** with splitmix64 seeding (see rng.h). */
#include "util/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* 128-bit product for Lemire's bounded draw; __extension__ keeps -Wpedantic quiet. */
__extension__ typedef unsigned __int128 shapc__u128;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void shapc__rng_seed(shapc__rng *rng, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

uint64_t shapc__rng_next(shapc__rng *rng)
{
    uint64_t *s = rng->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double shapc__rng_uniform(shapc__rng *rng)
{
    return (double)(shapc__rng_next(rng) >> 11) * 0x1.0p-53;
}

size_t shapc__rng_below(shapc__rng *rng, size_t n)
{
    /* Lemire's nearly divisionless method on 64-bit words. */
    uint64_t x = shapc__rng_next(rng);
    shapc__u128 m = (shapc__u128)x * (uint64_t)n;
    uint64_t l = (uint64_t)m;
    if (l < (uint64_t)n) {
        uint64_t t = (0 - (uint64_t)n) % (uint64_t)n;
        while (l < t) {
            x = shapc__rng_next(rng);
            m = (shapc__u128)x * (uint64_t)n;
            l = (uint64_t)m;
        }
    }
    return (size_t)(m >> 64);
}
