/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The paddr source: kernel DAMON's physical-address monitoring, projected
 * onto each target's virtual 2 MiB windows.  For kernels that build DAMON
 * without the vaddr operations set.
 *
 * One kdamond monitors the physical ranges holding the targets' pages
 * (from /proc/PID/pagemap, gaps closed only as needed to bound the region
 * count).  Its regions arrive through the damon_aggregated tracepoint at
 * every aggregation; each target's extents project them onto windows.
 * Pagemap is re-read every refresh interval, since collapse, compaction
 * and new allocations move pages; when pages land outside the monitored
 * ranges, the kdamond's regions are committed anew.
 */
#ifndef UDAMOS_SOURCE_PADDR_H
#define UDAMOS_SOURCE_PADDR_H

#include <stdio.h>

#include "core/regions.h"
#include "source/flusher.h"
#include "sys/guard.h"
#include "sys/target.h"
#include "udamos/source.h"

struct udamos_paddr_cfg {
	struct udamos_target *targets;	/* borrowed */
	size_t nr_targets;
	struct udamos_mon_attrs attrs;
	uint64_t refresh_us;		/* pagemap re-read interval */
	const char *damon_root;
	struct udamos_guard *guard;	/* undo steps go here; rearmed */
	FILE *log;
	volatile int *stop;
	struct udamos_flush_cfg flush;	/* the accessed-bit blind spot */
	/* Window ages per target, kept by the caller from run to run
	 * (core/agecarry.h); NULL: the source keeps its own for the run. */
	struct udamos_window_ages *ages;
};

/* Kernel DAMON paddr defaults, from the measurements in docs/design.md. */
void udamos_paddr_default_attrs(struct udamos_mon_attrs *attrs);

/*
 * Starts monitoring.  Returns 0; or -errno with a one-line reason in why:
 * -ENOENT no DAMON sysfs, -EOPNOTSUPP no paddr operations set, -EBUSY
 * DAMON in use by another kdamond, -EACCES/-EPERM not privileged.
 */
int udamos_paddr_create(const struct udamos_paddr_cfg *cfg, struct udamos_source **out,
			char *why, size_t len);

#endif
