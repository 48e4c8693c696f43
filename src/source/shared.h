/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The shared source: the results of a kdamond that someone else runs (a
 * sysfs kdamond, or a DAMON module's), read and never written.  Where a
 * machine runs DAMON already (DAMON_RECLAIM, LRU_SORT, an operator's own
 * kdamond), the kernel cannot add another, and this is the monitoring the
 * machine offers.
 *
 * Its damon_aggregated events stream through a private trace instance
 * filtered on its pid.  A paddr kdamond's regions are projected through
 * the targets' page frames (source/frames.h) onto their 2 MiB windows; a
 * vaddr kdamond's regions for a target it watches are that target's own.
 * Memory it does not watch gets no region: unknown, never cold, so no
 * scheme acts on it, and coverage() says how much that is.
 *
 * Its intervals are its owner's: rates are scaled by its own maximum, so
 * an access pattern in percent means the same whatever they are, and
 * interval tuning (damon_monitor_intervals_tune) is followed.  When it
 * stops, or comes back with another pid or operations set, next() fails
 * with the reason, and nothing acts on its old results.
 */
#ifndef UDAMOS_SOURCE_SHARED_H
#define UDAMOS_SOURCE_SHARED_H

#include <stdio.h>

#include "source/flusher.h"
#include "sys/damon.h"
#include "sys/guard.h"
#include "sys/target.h"
#include "udamos/source.h"

struct udamos_shared_cfg {
	struct udamos_target *targets;	/* borrowed */
	size_t nr_targets;
	const char *damon_root;
	struct udamos_guard *guard;	/* the trace instance's undo goes here */
	FILE *log;
	volatile int *stop;
	struct udamos_flush_cfg flush;
	/* Window ages per target, kept by the caller from run to run
	 * (core/agecarry.h); NULL: the source keeps its own for the run. */
	struct udamos_window_ages *ages;
};

/* A foreign kdamond and how much of the targets' memory it watches. */
struct udamos_shared_choice {
	struct udamos_foreign_kdamond k;
	unsigned idx;			/* sysfs index, when not a module */
	uint64_t watched, resident;	/* bytes of the targets' memory */
};

/*
 * The running kdamond, not udamos's own, that watches the largest share
 * of the targets' resident memory.  0; -ENOENT when none runs; or -errno
 * with why.
 */
int udamos_shared_find(const struct udamos_shared_cfg *cfg, struct udamos_shared_choice *out,
		       char *why, size_t len);

/* Attaches to the chosen kdamond.  0, or -errno with why. */
int udamos_shared_create(const struct udamos_shared_cfg *cfg,
			 const struct udamos_shared_choice *choice,
			 struct udamos_source **out, char *why, size_t len);

#endif
