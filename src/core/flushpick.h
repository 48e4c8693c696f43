/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which window of a target the blind-spot flush is aimed at (see
 * sys/blindspot.h).  The kernel flushes only when it clears an accessed
 * bit in the range, so the range must hold pages in use now: the windows
 * the monitor saw busiest in its last aggregation, as seen, not as
 * smoothed (a smoothed rate outlives the pages' use by aggregations, and
 * a flush aimed at a window gone quiet clears nothing and flushes
 * nothing, which leaves the monitor blind).  A hot window's pages are
 * marked accessed again right after each flush, so aiming there sustains
 * itself, with one exception: the monitor's own check clears the bit of
 * the page it samples, without a flush.  In a window of small pages that
 * is one page of 512; in a window that is one huge page it is the whole
 * window, and a flush aimed there next finds nothing to clear, flushes
 * nothing, and from then on nothing in the target is marked again.  So
 * the aim goes round the busiest windows, up to eight, one per flush: one
 * stuck window costs one flush, not the monitor's sight.  Before
 * anything reads hot, windows are taken in turn: pages keep the bit from
 * their first touch until something clears it, so one of them will do.
 * In turn through the target's mappings, not through the regions alone:
 * a vaddr region spans the gaps between mappings, and a static binary's
 * heap lies up to a gigabyte above it, a sweep of hundreds of unmapped
 * windows that flush nothing (the guests' forked demo stayed blind for
 * its whole minute behind one).
 *
 * Always a whole window, aligned: MADV_COLD on part of a huge page would
 * split it.
 */
#ifndef UDAMOS_CORE_FLUSHPICK_H
#define UDAMOS_CORE_FLUSHPICK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/regions.h"
#include "udamos/snapshot.h"

struct udamos_flush_pick {
	uint64_t cursor;	/* next window to try while nothing is hot */
};

/*
 * The windows to flush through until the next snapshot, used in turn, one
 * per flush: the busiest ones; or, while nothing reads busy, the next
 * ones in turn.  One snapshot lasts several flushes (a 10 s aggregation,
 * five), and a window with no accessed bits left (or shared with another
 * process, which MADV_COLD skips, or unmapped) flushes nothing: trying
 * one window per snapshot, the low windows of a forked child's binary and
 * heap took a whole minute.
 */
#define UDAMOS_FLUSH_PLAN 8

struct udamos_flush_plan {
	uint64_t window[UDAMOS_FLUSH_PLAN];	/* aligned to the window size */
	unsigned n, next;
};

/* Did the snapshot see anything busy?  If not, windows are taken in
 * turn, and udamos_flush_pick() wants the target's mappings. */
bool udamos_flush_has_peak(const struct udamos_snapshot *sn);

/*
 * Fills plan from the target's latest snapshot and, for windows in turn,
 * its mappings (sorted; NULL with nr_mapped 0 to take the regions alone);
 * false (plan empty) when there is nothing to try.
 */
bool udamos_flush_pick(const struct udamos_snapshot *sn, uint64_t window_size,
		       const struct udamos_addr_range *mapped, size_t nr_mapped,
		       struct udamos_flush_pick *st, struct udamos_flush_plan *plan);

/* The plan's next window, cycling; false when it is empty. */
bool udamos_flush_plan_next(struct udamos_flush_plan *plan, uint64_t *window);

/*
 * The plan's next window that one huge page does not map (is_huge says,
 * from the target's pagemap), cycling; the next one at all when every
 * window of the plan is huge.  The kernel flushes a range it cleared
 * accessed bits in entry by entry while it spans few of them (on x86, up
 * to 33) and the whole TLB beyond that: a window of small pages is 512
 * entries and its flush is whole, which lets every page the target uses
 * be marked again; a huge window is one entry, and its flush lets that
 * window alone be marked.  Aimed at the busiest windows once the hottest
 * of them were collapsed, the flush left the rest of the hot set unseen:
 * the probe's monitor stopped short of 12-22% of it (docs/performance.md).
 */
bool udamos_flush_plan_next_small(struct udamos_flush_plan *plan,
				  bool (*is_huge)(void *ctx, uint64_t window), void *ctx,
				  uint64_t *window);

#endif
