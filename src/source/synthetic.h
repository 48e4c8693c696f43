/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The synthetic source: runs the user-space region algorithm against an
 * access model instead of page tables.  The monitored ranges come from a
 * callback (a live process's mappings, or fixed ranges in tests), and time
 * is either virtual (as fast as possible, for tests and simulation) or
 * paced to the wall clock (for live runs against a process).
 */
#ifndef UDAMOS_SOURCE_SYNTHETIC_H
#define UDAMOS_SOURCE_SYNTHETIC_H

#include <stdbool.h>

#include "core/regions.h"
#include "source/model.h"
#include "udamos/source.h"

/* Fills the current monitoring ranges of a target; returns 0 or -errno. */
typedef int (*udamos_ranges_fn)(void *ctx, uint32_t target,
				struct udamos_addr_range **ranges, size_t *n);

struct udamos_synthetic_cfg {
	const struct udamos_model *model;	/* borrowed */
	struct udamos_mon_attrs attrs;
	uint32_t nr_targets;
	udamos_ranges_fn ranges;
	void *ranges_ctx;
	/* Wall-clock pacing; the source returns -EINTR when *stop is set. */
	bool realtime;
	volatile int *stop;
};

/* Returns 0 and a new source, or a negative errno. */
int udamos_synthetic_create(const struct udamos_synthetic_cfg *cfg,
			    struct udamos_source **out);

#endif
