/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Projection of physical-address monitoring onto one process's virtual
 * address space.  Kernel DAMON's paddr ops see page frames; schemes act on
 * virtual 2 MiB windows.  A target's extents (runs of virtually and
 * physically contiguous pages, from pagemap) join the two: each window's
 * access rate is the page-weighted mean of the rates of the physical
 * regions its pages lie in, and likewise its age.
 */
#ifndef UDAMOS_CORE_PROJECTION_H
#define UDAMOS_CORE_PROJECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "udamos/snapshot.h"

/* Virtual pages [vaddr, vaddr + npages pages) on frames [pfn, pfn + npages). */
struct udamos_extent {
	uint64_t vaddr;
	uint64_t pfn;
	uint64_t npages;
};

/*
 * Sorts extents by frame and drops frames that repeat (the shared zero
 * page, KSM pages mapped twice): they say nothing about this mapping.
 */
void udamos_extents_by_pfn(struct udamos_extent *ext, size_t *n);

/*
 * The physical ranges (bytes) to monitor for extents sorted by frame:
 * the extents, with gaps closed as needed to give at most max_ranges
 * ranges.  Returns the count written to out (capacity max_ranges).
 */
size_t udamos_phys_ranges(const struct udamos_extent *ext, size_t n,
			  size_t max_ranges, uint64_t (*out)[2]);

/*
 * Per-window ages.  Physical regions are small and each aggregation takes
 * few samples, so their counts move by more than DAMON's age threshold
 * almost every time and their ages keep resetting; and as DAMON reshapes
 * its regions, a window's projected rate dips and recovers.  Projected
 * naively, a window that is steadily hot would never look aged.  So
 * windows keep their own age: the rate is smoothed (a 1/4 exponential
 * average), and the age resets only when the smoothed rate has halved or
 * doubled since the current run began, or the window turned idle or
 * active.  Noise around a steady rate stays inside that band; a real
 * change of activity leaves it.
 */
struct udamos_window_age {
	uint64_t addr;
	uint32_t smooth16;	/* smoothed rate x 16 */
	uint32_t ref16;		/* smoothed rate when the age run began */
	uint32_t age;
};

struct udamos_window_ages {
	struct udamos_window_age *w;
	size_t n, cap;
};

void udamos_window_ages_release(struct udamos_window_ages *a);

/*
 * Every target's window ages, for a source: the caller's, when it keeps
 * them from one run to the next (core/agecarry.h), or the source's own
 * for the run.
 */
struct udamos_ages_set {
	struct udamos_window_ages *per_target;
	bool owned;
};

/* borrowed: nr entries the caller keeps, or NULL.  0 or -ENOMEM. */
int udamos_ages_set_init(struct udamos_ages_set *s, struct udamos_window_ages *borrowed,
			 size_t nr);
/* Frees the ages only if they were the source's own. */
void udamos_ages_set_release(struct udamos_ages_set *s, size_t nr);

/*
 * What a projection needs from the extents, built once per pagemap read
 * and used every aggregation: the windows they touch, and for each extent
 * the index of its first window.  An extent's windows are contiguous in
 * the sorted window list, so every page's window is index arithmetic.
 */
struct udamos_proj_window {
	uint64_t addr;
	uint64_t pages;		/* monitored pages, this aggregation */
	uint64_t sum_nr;	/* pages x nr_accesses */
	uint64_t sum_age;
	uint64_t sig;		/* which frames back it, as one number */
	bool settling;		/* frames moved: unknown for one aggregation */
};

struct udamos_projection {
	const struct udamos_extent *ext;	/* borrowed, sorted by frame */
	size_t n_ext;
	uint32_t *first_win;
	struct udamos_proj_window *win;
	size_t nw;
};

/* Returns 0 or -ENOMEM; ext must outlive the projection. */
int udamos_projection_build(struct udamos_projection *p, const struct udamos_extent *ext,
			    size_t n);

/*
 * After a new pagemap read: marks the windows of p whose frames differ
 * from those in before (moved by a collapse, compaction or migration, or
 * newly faulted).  A physical region's rate tells what happened to its
 * frames during the aggregation, and a window that just moved there was
 * not among them (a cold window's pages moved into frames a hot window
 * just left still read hot).  So a moved window gets no region in the
 * next aggregation, is unknown there, and starts its age again.
 * Returns how many windows moved.
 */
size_t udamos_projection_settle(struct udamos_projection *p,
				const struct udamos_proj_window *before, size_t n_before);
void udamos_projection_release(struct udamos_projection *p);

/*
 * Which rate a window is given, with ages.  Through physical regions, a
 * cold window whose frames share a region with hot ones reads that
 * region's rate, and with few samples per aggregation (the blind-spot
 * flusher leaves two or three) one aggregation of it reads hot now and
 * then.  Its smoothed rate stays low, so it keeps its age; given the rate
 * as seen, it would match "hot, and aged" in that one aggregation and be
 * collapsed.  So physical projection gives the smoothed rate, the one the
 * age vouches for.  Virtual regions hold no other window's pages, and are
 * given the rate as seen: smoothing would only delay them.
 */
enum udamos_proj_rate {
	UDAMOS_PROJ_RATE_AS_SEEN,
	UDAMOS_PROJ_RATE_SMOOTHED,
};

/*
 * Aggregations before a smoothed rate means something: a window starts
 * idle and moves a quarter of the way to what it reads each time, so a
 * steady rate reads three quarters of itself after five (1 - (3/4)^5),
 * and half after three: a window hot at 70% of the peak reads 50% only
 * after five.  A sixth for the first, which the blind-spot flusher lets
 * see nothing (source/flusher.h).
 */
#define UDAMOS_PROJ_SMOOTHED_SETTLE 6

/* One aggregation through a built projection; see udamos_project(). */
int udamos_projection_run(struct udamos_projection *p, const struct udamos_region *phys,
			  size_t n_phys, struct udamos_window_ages *ages,
			  enum udamos_proj_rate rate, struct udamos_snapshot *out);

/*
 * Projects physical regions (sorted, bytes) through extents sorted by
 * frame into out->regions: one region per 2 MiB window that has monitored
 * pages, adjacent windows with equal rate and age coalesced.  With ages,
 * window ages follow the rule above; without,
 * they are the page-weighted mean of DAMON's.  Fills only the regions and
 * the seen peak (the window busiest as seen, whichever rate the regions
 * carry) of out.  Returns 0 or -ENOMEM.
 */
int udamos_project(const struct udamos_extent *ext, size_t n_ext,
		   const struct udamos_region *phys, size_t n_phys,
		   struct udamos_window_ages *ages, struct udamos_snapshot *out);

#endif
