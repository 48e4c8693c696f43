/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vaddr source: kernel DAMON's own virtual-address monitoring of the
 * targets, for kernels that build DAMON with the vaddr operations set
 * (most distributions').
 *
 * The kernel's regions are virtual already, but like paddr's they are cut
 * and re-merged with sampling noise, and their ages reset with it: a
 * steadily hot range can stay a crowd of small, young regions.  So they go
 * through the same window view as paddr (core/projection.h, with frames
 * standing for virtual pages): 2 MiB windows with page-weighted rates and
 * smoothed ages.  Both kernel sources then mean the same to schemes.
 */
#ifndef UDAMOS_SOURCE_VADDR_H
#define UDAMOS_SOURCE_VADDR_H

#include <stdio.h>

#include "core/kscheme.h"
#include "core/regions.h"
#include "source/flusher.h"
#include "sys/guard.h"
#include "sys/target.h"
#include "udamos/source.h"

struct udamos_vaddr_cfg {
	struct udamos_target *targets;	/* borrowed */
	size_t nr_targets;
	struct udamos_mon_attrs attrs;
	const char *damon_root;
	struct udamos_guard *guard;	/* undo steps go here; rearmed */
	FILE *log;
	volatile int *stop;
	/* Schemes to install in the kdamond (delegated), kernel units. */
	const struct udamos_kscheme *schemes;
	size_t nr_schemes;
	struct udamos_flush_cfg flush;	/* the accessed-bit blind spot */
	/* Window ages per target, kept by the caller from run to run
	 * (core/agecarry.h); NULL: the source keeps its own for the run. */
	struct udamos_window_ages *ages;
};

/*
 * DAMON's field defaults, except that mappings are re-read every second
 * (the kernel's default of 60 s leaves new memory unseen for a minute) and
 * there are at least 100 regions (see vaddr.c).
 */
void udamos_vaddr_default_attrs(struct udamos_mon_attrs *attrs);

/* As udamos_paddr_create(); -EOPNOTSUPP when the kernel has no vaddr. */
int udamos_vaddr_create(const struct udamos_vaddr_cfg *cfg, struct udamos_source **out,
			char *why, size_t len);

#endif
