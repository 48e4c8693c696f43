/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seeded pseudo-random numbers for sampling and splitting.  Deterministic
 * by design: the same seed replays the same run, which is what makes the
 * region algorithm testable.  Not for anything that needs unpredictability.
 */
#ifndef UDAMOS_CORE_RNG_H
#define UDAMOS_CORE_RNG_H

#include <stdint.h>

struct udamos_rng {
	uint64_t state;
};

/* A draw in [0, n); n must be > 0. */
typedef uint64_t (*udamos_draw_fn)(void *ctx, uint64_t n);

static inline void udamos_rng_seed(struct udamos_rng *rng, uint64_t seed)
{
	rng->state = seed;
}

/* splitmix64: small state, good enough equidistribution for sampling. */
static inline uint64_t udamos_rng_next(struct udamos_rng *rng)
{
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Lemire's multiply-shift reduction; the tiny bias is irrelevant here. */
static inline uint64_t udamos_rng_below(void *rng, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)udamos_rng_next(rng) * n) >> 64);
}

/* Uniform in [0, 1). */
static inline double udamos_rng_unit(struct udamos_rng *rng)
{
	return (double)(udamos_rng_next(rng) >> 11) * 0x1.0p-53;
}

#endif
