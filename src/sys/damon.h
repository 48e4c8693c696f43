/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's DAMON sysfs interface: a read-only view of every kdamond,
 * configuration of one kdamond, and state commands.  Paths are relative to
 * a root (normally /sys/kernel/mm/damon/admin) so tests can use a fake tree.
 */
#ifndef UDAMOS_SYS_DAMON_H
#define UDAMOS_SYS_DAMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/kscheme.h"

#define UDAMOS_DAMON_ROOT "/sys/kernel/mm/damon/admin"
#define UDAMOS_MAX_KDAMONDS 16

struct udamos_kdamond_view {
	unsigned idx;
	bool on;
	int pid;
	char ops[16];		/* context 0's operations set, "" if none */
	char actions[96];	/* its schemes' actions, comma separated */
};

struct udamos_damon_view {
	bool present;
	unsigned nr_kdamonds;
	struct udamos_kdamond_view kd[UDAMOS_MAX_KDAMONDS];
};

/* Reads every kdamond's state.  0, or -ENOENT without DAMON sysfs. */
int udamos_damon_view(const char *root, struct udamos_damon_view *v);

/* "paddr, kdamond 3 (pid 77): pageout": a kdamond in one phrase. */
void udamos_kdamond_describe(const struct udamos_kdamond_view *k, char *buf, size_t len);

int udamos_damon_read(const char *path, char *buf, size_t len);
int udamos_damon_write(const char *path, const char *value);
int udamos_damon_write_u64(const char *path, uint64_t value);

/*
 * Writes a command to a kdamond's state file.  The kernel answers EBUSY
 * while an earlier command is in flight, so this retries for a while.
 */
int udamos_kdamond_command(const char *kd_dir, const char *cmd);

struct udamos_kdamond_cfg {
	const char *ops;		/* "paddr" or "vaddr" */
	uint64_t sample_us, aggr_us, update_us;
	uint32_t min_nr_regions, max_nr_regions;
	/* vaddr: one target per pid.  paddr: one target, these regions. */
	const int *pids;
	size_t nr_pids;
	const uint64_t (*regions)[2];
	size_t nr_regions;
	/* Schemes the kernel applies itself (delegated), in kernel units. */
	const struct udamos_kscheme *schemes;
	size_t nr_schemes;
};

/*
 * Writes a whole context under kd_dir.  Returns 0, or -errno with a reason
 * in why; -ENOSYS when the kernel lacks what a delegated scheme needs.
 */
int udamos_kdamond_configure(const char *kd_dir, const struct udamos_kdamond_cfg *cfg,
			     char *why, size_t len);

/*
 * Writes the current values udamos measured for the goals it feeds
 * (udamos_kgoal.fed) and has a running kdamond take them.  0 or -errno.
 */
int udamos_kdamond_feed_goals(const char *kd_dir, const struct udamos_kscheme *schemes,
			      size_t nr_schemes);

/*
 * Reads the kernel's stats of scheme idx into out (after asking the kernel
 * to refresh them).  0 or -errno.
 */
int udamos_kdamond_scheme_stats(const char *kd_dir, size_t idx, struct udamos_stats *out);

/* Rewrites only the target's regions (for a running kdamond: commit after). */
int udamos_kdamond_write_regions(const char *kd_dir, const uint64_t (*regions)[2],
				 size_t nr);

#endif
