/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hot-set coverage: how much of what a scheme calls hot is already in huge
 * pages.  It is the goal metric collapse is for (hot_coverage_bp): a
 * node-wide ratio such as hugepage_mem_bp also counts cold huge pages,
 * and says nothing of the hot memory still in small ones.
 */
#ifndef UDAMOS_CORE_COVERAGE_H
#define UDAMOS_CORE_COVERAGE_H

#include "udamos/engine.h"

struct udamos_coverage {
	uint64_t hot;		/* bytes of hot huge-page windows */
	uint64_t huge;		/* of those, bytes that are huge pages */
};

/*
 * Hot windows: those a region matching the pattern's size and access-rate
 * bounds owns (core/hugewin.h).  Age is left out: an action resets the
 * age of what it acted on, and collapsed memory is still hot.  Past 1024
 * hot windows an evenly spaced 1024 of them are checked and stand for the
 * rest (each check costs the target a few pagemap reads).  Returns 0, or
 * -ENODATA when env cannot tell huge pages.
 */
int udamos_hot_coverage(const struct udamos_pattern *p, const struct udamos_env *env,
			const struct udamos_snapshot *snaps, size_t nr_snaps,
			struct udamos_coverage *out);

/* In basis points; nothing hot counts as covered (10000). */
uint64_t udamos_coverage_bp(const struct udamos_coverage *c);

#endif
