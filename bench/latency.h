/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the latency probe and bench/latency share: log-linear histograms of
 * operation latency (16 steps per power of two, so a percentile read from
 * them is within 6.25% of the true one), in a file both map.
 */
#ifndef UDAMOS_BENCH_LATENCY_H
#define UDAMOS_BENCH_LATENCY_H

#include <stdint.h>

#define LAT_SUB 16
#define LAT_BUCKETS (64 * LAT_SUB)

struct lat_hist {
	uint64_t n;
	uint64_t max_ns;
	uint64_t b[LAT_BUCKETS];
};

struct lat_shared {
	int ready;
	uint64_t base, hot;		/* the hot set's address and size */
	struct lat_hist read;		/* 8 random reads of the hot set */
	struct lat_hist mm;		/* mmap, 64 page faults, munmap */
};

static inline unsigned lat_bucket(uint64_t ns)
{
	unsigned msb;

	if (ns < LAT_SUB)
		return (unsigned)ns;
	msb = 63 - (unsigned)__builtin_clzll(ns);
	/* The power of two, then the next four bits below it. */
	return (msb - 3) * LAT_SUB + (unsigned)((ns >> (msb - 4)) & (LAT_SUB - 1));
}

/* The smallest latency a bucket holds. */
static inline uint64_t lat_bucket_floor(unsigned b)
{
	unsigned msb;

	if (b < LAT_SUB)
		return b;
	msb = b / LAT_SUB + 3;
	return (1ULL << msb) | ((uint64_t)(b % LAT_SUB) << (msb - 4));
}

static inline void lat_note(struct lat_hist *h, uint64_t ns)
{
	h->b[lat_bucket(ns)]++;
	h->n++;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

static inline void lat_merge(struct lat_hist *to, const struct lat_hist *from)
{
	to->n += from->n;
	for (unsigned b = 0; b < LAT_BUCKETS; b++)
		to->b[b] += from->b[b];
	if (from->max_ns > to->max_ns)
		to->max_ns = from->max_ns;
}

/* The q quantile (0-1), as the floor of the bucket that holds it. */
static inline uint64_t lat_percentile(const struct lat_hist *h, double q)
{
	uint64_t want = (uint64_t)((double)h->n * q), seen = 0;

	for (unsigned b = 0; b < LAT_BUCKETS; b++) {
		seen += h->b[b];
		if (seen > want)
			return lat_bucket_floor(b);
	}
	return h->max_ns;
}

#endif
