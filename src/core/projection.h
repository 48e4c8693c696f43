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
 * Projects physical regions (sorted, bytes) through extents sorted by
 * frame into out->regions: one region per 2 MiB window that has monitored
 * pages, adjacent windows with equal rate and age coalesced.  Fills only
 * the regions of out.  Returns 0 or -ENOMEM.
 */
int udamos_project(const struct udamos_extent *ext, size_t n_ext,
		   const struct udamos_region *phys, size_t n_phys,
		   struct udamos_snapshot *out);

#endif
