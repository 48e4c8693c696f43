/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A source produces snapshots, one per target per aggregation interval.
 * Every monitoring backend (synthetic model, kernel DAMON, replay) is a
 * source; consumers only see this interface.
 */
#ifndef UDAMOS_SOURCE_H
#define UDAMOS_SOURCE_H

#include "udamos/scheme.h"
#include "udamos/snapshot.h"

struct udamos_source;

struct udamos_source_ops {
	const char *name;
	/*
	 * Blocks until the next aggregation, then fills snaps[0..nr_targets)
	 * (owned by the source, valid until the next call).  Returns 0,
	 * -EINTR when interrupted, or another negative errno.
	 */
	int (*next)(struct udamos_source *src, struct udamos_snapshot **snaps,
		    size_t *nr_snaps);
	void (*destroy)(struct udamos_source *src);
	/* The kernel thread doing the monitoring, if any, so that its CPU
	 * time can be reported with ours (beside it, for a kdamond that is
	 * someone else's: the shared source); optional. */
	int (*kernel_pid)(struct udamos_source *src);
	/* Stats of the idx-th scheme the kernel applies for us; optional. */
	int (*scheme_stats)(struct udamos_source *src, size_t idx,
			    struct udamos_stats *out);
	/* Hands the kernel the goal values udamos measured for the schemes
	 * it applies, current[scheme][goal]; optional. */
	int (*feed_goals)(struct udamos_source *src,
			  const uint64_t (*current)[UDAMOS_MAX_GOALS], size_t nr_schemes);
	/*
	 * How much of target i's resident memory the monitor watches, in
	 * bytes; memory it does not watch is unknown, never cold, and gets no
	 * region.  Optional: without it, everything is watched.
	 */
	int (*coverage)(struct udamos_source *src, size_t i, uint64_t *monitored,
			uint64_t *resident);
	/* TLB flushes made for the accessed-bit blind spot; optional. */
	uint64_t (*flushes)(struct udamos_source *src);
	/* The monitor in a phrase, for people ("kdamond 0 (pid 79, paddr)");
	 * optional: the name says it. */
	void (*describe)(struct udamos_source *src, char *buf, size_t len);
	/* After next() failed: why, in one line, if the source knows. */
	const char *(*failure)(struct udamos_source *src);
	/* Aggregations before its rates say what is hot (a projection's
	 * are smoothed from idle); optional: one. */
	unsigned (*settle)(struct udamos_source *src);
	/* Handed the hot set (the oracle) rather than finding it: there is
	 * no more of it to wait for (core/tablehold.h). */
	bool handed_hot_set;
};

struct udamos_source {
	const struct udamos_source_ops *ops;
};

static inline int udamos_source_next(struct udamos_source *src,
				     struct udamos_snapshot **snaps,
				     size_t *nr)
{
	return src->ops->next(src, snaps, nr);
}

static inline void udamos_source_destroy(struct udamos_source *src)
{
	if (src)
		src->ops->destroy(src);
}

#endif
