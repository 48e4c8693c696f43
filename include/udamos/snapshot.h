/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The snapshot: the one data type monitoring produces and everything else
 * consumes.  A snapshot is one target's regions at the end of one
 * aggregation interval.  Sources (synthetic, kernel DAMON, replay) fill it;
 * the DAMOS engine, recorders and reports read it.
 */
#ifndef UDAMOS_SNAPSHOT_H
#define UDAMOS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The base page and the PMD huge page sizes are the running kernel's: 4 KiB
 * and 2 MiB on x86_64, 64 KiB and 512 MiB on arm64 with 64 KiB pages.  They
 * are set once at start, before any snapshot exists, from the kernel
 * (sys/thp.h) or from a recording; until then they are 4 KiB and 2 MiB.
 */
struct udamos_geometry {
	uint64_t page_size;
	uint64_t huge_size;
};

extern struct udamos_geometry udamos_geometry;

static inline uint64_t udamos_page_size(void)
{
	return udamos_geometry.page_size;
}

static inline uint64_t udamos_huge_size(void)
{
	return udamos_geometry.huge_size;
}

/*
 * What one page table of PMD entries maps: a huge page per entry, as many
 * entries as a base page holds page-table entries (huge / page of them).
 * 1 GiB with 4 KiB pages, 64 GiB with 16 KiB ones, 4 TiB with 64 KiB.
 */
static inline uint64_t udamos_table_span(void)
{
	return udamos_geometry.huge_size / udamos_geometry.page_size *
	       udamos_geometry.huge_size;
}

/*
 * Both powers of two, the page at least 4 KiB, the huge page 2 to 2^13
 * pages: what Linux has.  set returns 0, or -EINVAL and leaves the
 * geometry as it was.
 */
int udamos_geometry_valid(uint64_t page_size, uint64_t huge_size);
int udamos_geometry_set(uint64_t page_size, uint64_t huge_size);

struct udamos_region {
	uint64_t start;		/* inclusive, page aligned */
	uint64_t end;		/* exclusive, page aligned */
	uint32_t nr_accesses;	/* hits over the aggregation interval */
	uint32_t age;		/* aggregation intervals the rate held steady */
};

/*
 * Where a source saw accesses in one aggregation, before any smoothing:
 * the windows read busiest.  Projection through physical regions gives
 * the regions smoothed rates (core/projection.h), and a smoothed rate
 * stays up for aggregations after its pages went quiet; what needs the
 * pages in use right now (the blind-spot flush, source/flusher.h) asks
 * this.  Sources whose regions carry the rate as seen leave it unstated.
 */
#define UDAMOS_SEEN_PEAKS 8
struct udamos_seen_peak {
	bool stated;
	uint32_t nr_accesses;	/* 0: nothing seen in this aggregation */
	uint32_t n;		/* the first n windows, in address order, */
	uint64_t addr[UDAMOS_SEEN_PEAKS];	/* that read nr_accesses */
};

/* Counts a window read at nr_accesses into the peak. */
void udamos_seen_peak_note(struct udamos_seen_peak *p, uint32_t nr_accesses, uint64_t addr);

struct udamos_snapshot {
	uint32_t target;	/* index in the run's target list */
	uint64_t time_us;	/* monotonic time at the end of the aggregation */
	uint64_t aggr_us;	/* aggregation interval the counts refer to */
	uint32_t max_nr_accesses; /* aggr/sample: nr_accesses at 100% */
	size_t nr_regions;
	struct udamos_region *regions; /* sorted by start, non-overlapping */
	struct udamos_seen_peak seen_peak;
};

static inline uint64_t udamos_region_size(const struct udamos_region *r)
{
	return r->end - r->start;
}

/* Deep copy; returns 0 or -ENOMEM. */
int udamos_snapshot_copy(struct udamos_snapshot *dst,
			 const struct udamos_snapshot *src);
void udamos_snapshot_release(struct udamos_snapshot *snap);

#endif
