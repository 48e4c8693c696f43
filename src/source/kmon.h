/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A kdamond's stream of results, shared by the kernel DAMON sources: for
 * one of udamos's own, acquire it (kdamond.h's rules), check the kernel
 * offers the operations set and start it; for one someone else runs, only
 * attach.  Either way, collect each aggregation's regions, per target,
 * from the damon_aggregated tracepoint, and run the blind-spot flusher
 * while waiting for them.
 */
#ifndef UDAMOS_SOURCE_KMON_H
#define UDAMOS_SOURCE_KMON_H

#include <stdio.h>

#include "source/flusher.h"
#include "sys/kdamond.h"
#include "sys/tracefs.h"
#include "core/regions.h"
#include "udamos/source.h"
#include "udamos/snapshot.h"

struct udamos_kmon_target {
	struct udamos_region *r;
	size_t nr, cap;
	uint32_t expect;	/* nr_regions the kernel announced */
};

struct udamos_kmon {
	struct udamos_kdamond kd;
	struct udamos_trace trace;
	struct udamos_kmon_target *t;
	size_t nr_targets;
	bool complete;
	struct udamos_flusher flusher;	/* runs while we wait for events */
	uint64_t checked_us;		/* when our kdamond was last seen running */
	char failure[256];		/* why monitoring stopped, for people */
};

/* Makes m safe to stop before it was started. */
void udamos_kmon_init(struct udamos_kmon *m);

/*
 * Acquires a kdamond, checks that the kernel has cfg->ops, configures and
 * starts it, and opens its event stream; undo steps go into g, which is
 * rearmed.  Returns 0, or -errno with a one-line reason: -EOPNOTSUPP when
 * the operations set is missing, others as udamos_kdamond_acquire().
 */
int udamos_kmon_start(struct udamos_kmon *m, const char *root, struct udamos_guard *g,
		      FILE *log, const struct udamos_kdamond_cfg *cfg, size_t nr_targets,
		      char *why, size_t len);

/*
 * Opens the event stream of a kdamond that is running already (ours, or
 * one we only read): nr_targets is its number of targets.  No sysfs file
 * of the kdamond is written.  0 or -errno with why.
 */
int udamos_kmon_attach(struct udamos_kmon *m, int kdamond_pid, size_t nr_targets,
		       struct udamos_guard *g, char *why, size_t len);

/*
 * Sets up the blind-spot flusher (source/flusher.h) for these targets,
 * under a monitor sampling as in a.  0 or -errno with why.
 */
int udamos_kmon_flusher_setup(struct udamos_kmon *m, struct udamos_target *targets,
			      size_t nr, const struct udamos_flush_cfg *cfg,
			      const struct udamos_mon_attrs *a, char *why, size_t len);
/* Aims the flusher at the hottest windows of these snapshots. */
void udamos_kmon_hint_flusher(struct udamos_kmon *m, const struct udamos_snapshot *snaps,
			      size_t n);

/*
 * Waits for the next complete aggregation (every target's regions) and
 * leaves it in m->t.  0, -EINTR once *stop is set, -ETIMEDOUT after
 * timeout_us without one, or another -errno.
 */
int udamos_kmon_next(struct udamos_kmon *m, uint64_t timeout_us, volatile int *stop);

int udamos_kmon_kernel_pid(const struct udamos_kmon *m);
void udamos_kmon_stop(struct udamos_kmon *m);

/* A kdamond configuration with these monitoring attributes. */
struct udamos_kdamond_cfg udamos_kmon_cfg(const char *ops, const struct udamos_mon_attrs *a);

/*
 * Stamps a snapshot of target i taken now under these attributes.  Where
 * the flusher makes up for the blind spot, a page in constant use can be
 * seen only in the samples that follow a flush: the maximum is that many,
 * and counts are clamped to it, so rates mean the same either way.
 */
void udamos_kmon_stamp(const struct udamos_kmon *m, struct udamos_snapshot *sn,
		       uint32_t target, const struct udamos_mon_attrs *a);

/*
 * The head of every kernel DAMON source: with it first in the source's
 * struct, one kernel_pid op serves them all.
 */
struct udamos_kmon_source {
	struct udamos_source base;
	struct udamos_kmon mon;
};

int udamos_kmon_source_pid(struct udamos_source *src);
uint64_t udamos_kmon_source_flushes(struct udamos_source *src);
/* Why our kdamond's monitoring stopped (source ops' failure), or NULL. */
const char *udamos_kmon_source_failure(struct udamos_source *src);

#endif
