/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DAMON region algorithm in user space: one target's regions, their
 * per-aggregation access counts, merging of similar neighbours, random
 * splitting and age.  Sources that sample accesses themselves (the
 * synthetic model, replays with their own sampling) drive it; kernel DAMON
 * sources do not need it because the kernel runs its own.
 */
#ifndef UDAMOS_CORE_REGIONS_H
#define UDAMOS_CORE_REGIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "udamos/snapshot.h"

struct udamos_addr_range {
	uint64_t start, end;
};

struct udamos_mon_attrs {
	uint64_t sample_us;
	uint64_t aggr_us;
	uint64_t update_us;	/* how often the monitored ranges are re-read */
	uint32_t min_nr_regions;
	uint32_t max_nr_regions;
};

/* Field defaults: 5 ms, 100 ms, 1 s, 10..1000. */
void udamos_mon_attrs_default(struct udamos_mon_attrs *attrs);
static inline bool udamos_mon_attrs_same(const struct udamos_mon_attrs *a,
					 const struct udamos_mon_attrs *b)
{
	return a->sample_us == b->sample_us && a->aggr_us == b->aggr_us &&
	       a->update_us == b->update_us && a->min_nr_regions == b->min_nr_regions &&
	       a->max_nr_regions == b->max_nr_regions;
}

static inline uint32_t udamos_mon_max_nr_accesses(const struct udamos_mon_attrs *a)
{
	return (uint32_t)(a->aggr_us / a->sample_us);
}

struct udamos_mon_region {
	uint64_t start, end;
	uint32_t nr_accesses;
	uint32_t last_nr_accesses;
	uint32_t age;
	uint64_t sample_addr;
};

struct udamos_regionset {
	struct udamos_mon_region *r;
	size_t nr, cap;
	size_t nr_at_last_split;
};

void udamos_regionset_release(struct udamos_regionset *rs);

/*
 * Covers the ranges (sorted, disjoint, page aligned) with regions, split
 * evenly so that there are at least min_nr_regions in total.
 * Returns 0 or -ENOMEM / -EINVAL.
 */
int udamos_regionset_init(struct udamos_regionset *rs,
			  const struct udamos_addr_range *ranges, size_t n,
			  uint32_t min_nr_regions);

/*
 * Chooses, per vaddr's convention, the initial monitoring ranges from a
 * sorted list of mappings: everything from the first to the last mapping,
 * cut into three ranges at the two largest gaps.  Returns how many ranges
 * were written into out (at most 3).
 */
size_t udamos_ranges_from_mappings(const struct udamos_addr_range *maps,
				   size_t n, struct udamos_addr_range out[3]);

/* Picks one random page per region to check for the next sample. */
void udamos_regionset_prepare(struct udamos_regionset *rs,
			      udamos_draw_fn draw, void *draw_ctx);

/* Counts a hit for each region whose sampled page was accessed. */
void udamos_regionset_check(struct udamos_regionset *rs,
			    bool (*accessed)(void *ctx, uint64_t addr),
			    void *ctx);

/*
 * End of an aggregation: updates ages against the previous aggregation,
 * then merges adjacent regions whose rates differ by at most threshold and
 * whose combined size is at most total/min_nr_regions, raising the
 * threshold while there are more than max_nr_regions.
 */
void udamos_regionset_merge(struct udamos_regionset *rs, uint32_t threshold,
			    uint32_t max_nr_accesses,
			    const struct udamos_mon_attrs *attrs);

/* Starts the next aggregation: current counts become the previous ones. */
void udamos_regionset_reset_aggregated(struct udamos_regionset *rs);

/*
 * Splits each region into two (or three, when the count stopped growing)
 * pieces of random size, unless that could exceed max_nr_regions.
 * Returns 0 or -ENOMEM.
 */
int udamos_regionset_split(struct udamos_regionset *rs,
			   const struct udamos_mon_attrs *attrs,
			   udamos_draw_fn draw, void *draw_ctx);

/*
 * Follows a change of the monitored ranges: drops regions outside every
 * range and stretches the edge regions of each range to its bounds,
 * keeping the access history of what stays.  Returns 0 or -ENOMEM.
 */
int udamos_regionset_set_ranges(struct udamos_regionset *rs,
				const struct udamos_addr_range *ranges,
				size_t n);

uint64_t udamos_regionset_total(const struct udamos_regionset *rs);

/* Exports the current regions into snap->regions (allocated/resized). */
int udamos_regionset_export(const struct udamos_regionset *rs,
			    struct udamos_snapshot *snap);

#endif
