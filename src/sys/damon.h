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

/*
 * A running kdamond as its owner set it up, read without writing a file:
 * from DAMON sysfs (idx), or from a DAMON module's parameters
 * (DAMON_RECLAIM, DAMON_LRU_SORT: module set).
 */
#define UDAMOS_FOREIGN_MAX_RANGES 64
#define UDAMOS_FOREIGN_MAX_TARGETS 64

struct udamos_foreign_kdamond {
	char name[48];		/* "kdamond 0", "module damon_reclaim" */
	char dir[200];		/* its sysfs directory, "" for a module */
	char module[32];	/* module name, "" for sysfs */
	int pid;
	char ops[16];
	uint64_t sample_us, aggr_us;
	bool tuned;		/* it has an intervals goal: the kernel tunes them */
	/* paddr: the physical ranges it monitors */
	uint64_t ranges[UDAMOS_FOREIGN_MAX_RANGES][2];
	size_t nr_ranges;
	/* vaddr: its targets' PIDs, in its target order */
	int target_pids[UDAMOS_FOREIGN_MAX_TARGETS];
	size_t nr_targets;
};

/* Kernel-thread, sysfs and module facts of a running kdamond; 0 or -errno
 * (-ENOENT when it is not running). */
int udamos_foreign_read_sysfs(const char *root, unsigned idx,
			      struct udamos_foreign_kdamond *out);
int udamos_foreign_read_module(const char *module, struct udamos_foreign_kdamond *out);

/* The DAMON modules whose kdamond can be read (NULL-terminated). */
extern const char *const udamos_damon_modules[];

/*
 * Is it still the kdamond we attached to (same pid, operations set, and
 * running)?  0 with its current facts in now, or -ESTALE with why saying
 * what changed.
 */
int udamos_foreign_check(const struct udamos_foreign_kdamond *k, const char *root,
			 unsigned idx, struct udamos_foreign_kdamond *now, char *why, size_t len);

#endif
