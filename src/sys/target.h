/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An opened target process: its pidfd (the only handle actions use), a
 * cache of its mappings, and its pagemap for huge-page checks.
 */
#ifndef UDAMOS_SYS_TARGET_H
#define UDAMOS_SYS_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/regions.h"
#include "sys/pagemap.h"
#include "sys/procfs.h"

struct udamos_target {
	pid_t pid;
	int pidfd;
	/* When it started (clock ticks since boot; 0 if unread): with the
	 * PID, which process it is, across the runs of a daemon. */
	uint64_t start_ticks;
	struct udamos_pagemap pm;
	struct udamos_vma *vmas;
	size_t nr_vmas;
	bool vmas_fresh;
	/* Mappings looked up one by one this pass (sorted), through maps_fd;
	 * maps_fd -1 once the kernel has shown it lacks the lookup. */
	int maps_fd;
	struct udamos_vma *looked_up;
	size_t nr_looked_up, cap_looked_up;
	bool looked_up_fresh;
	/* What finding mappings cost: whole reads of /proc/PID/maps and
	 * single lookups. */
	uint64_t nr_maps_reads, nr_vma_lookups;
	bool gone;
	bool no_collapse;	/* THP disabled by the target itself */
	/* An action moved some of its pages to other frames (collapse,
	 * pageout): sources that project page frames must re-read them
	 * before judging those windows again. */
	bool frames_moved;
};

/* Returns 0, -ESRCH (no such process) or another -errno. */
int udamos_target_open(struct udamos_target *t, pid_t pid);
void udamos_target_close(struct udamos_target *t);
/* Re-reads the mappings unless already fresh; -ESRCH once gone. */
int udamos_target_vmas(struct udamos_target *t);
/* The mapping that wholly contains [start, end), or NULL. */
const struct udamos_vma *udamos_target_vma_of(const struct udamos_target *t,
					      uint64_t start, uint64_t end);
/* Index of the first mapping ending above addr (nr_vmas if none). */
size_t udamos_target_vma_from(const struct udamos_target *t, uint64_t addr);

/*
 * The mapping holding addr, or the first one above it, as of this pass:
 * one kernel lookup per mapping per pass where the kernel has them, one
 * read of the whole list per pass where it does not.  0, -ENOENT (none),
 * -ESRCH (gone), or another -errno.
 */
int udamos_target_vma_at(struct udamos_target *t, uint64_t addr, struct udamos_vma *out);

/*
 * The mappings as they are now, as address ranges (the readable ones only
 * if readable_only), into *buf, grown as needed and the caller's to free.
 * The list is read afresh and left stale for the next user: the pass that
 * acts on the target starts later.  0, -ESRCH (gone) or another -errno.
 */
int udamos_target_ranges_now(struct udamos_target *t, bool readable_only,
			     struct udamos_addr_range **buf, size_t *cap, size_t *n);

/* Starts a pass: mappings looked up or read before may have changed. */
void udamos_target_new_pass(struct udamos_target *t);

#endif
