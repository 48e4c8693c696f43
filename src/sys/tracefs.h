/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A private tracefs instance streaming one kdamond's damon_aggregated
 * events: every region of every aggregation, as the kernel produces them,
 * without polling sysfs directory by directory.  Its own instance keeps
 * other tracing users undisturbed; a filter on each event keeps other
 * kdamonds' events out.
 */
#ifndef UDAMOS_SYS_TRACEFS_H
#define UDAMOS_SYS_TRACEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/guard.h"
#include "udamos/snapshot.h"

struct udamos_trace {
	char mnt[128];
	char inst[200];
	bool mounted;
	int pipe_fd;
	char buf[65536];
	size_t len;
	/* The sampling interval DAMON last tuned itself to (6.15+, when the
	 * kdamond has an intervals goal), or 0. */
	uint64_t tuned_sample_us;
};

/*
 * Opens an instance for the kdamond with this pid; undo steps (instance
 * removal, unmount if we mounted tracefs) go into g.  0 or -errno, with a
 * reason in why.
 */
int udamos_trace_open(struct udamos_trace *t, int kdamond_pid, struct udamos_guard *g,
		      char *why, size_t len);
void udamos_trace_close(struct udamos_trace *t);
/*
 * Removes the trace instance at inst_path; if the tracefs it was made in
 * has been unmounted meanwhile (the instance lives on in the kernel),
 * through a mount of its own.  For udamos_trace_close and the guard.
 * 0, or -EBUSY while the process that made it lives (then the kernel
 * still counts that process's use of the unmounted tracefs).  With
 * owner_gone (the guard, after udamos died), EBUSY is retried for a while.
 */
int udamos_trace_remove_instance(const char *inst_path, bool owner_gone);

/* One damon_aggregated event. */
struct udamos_trace_region {
	uint32_t target_id;
	uint32_t nr_regions;
	struct udamos_region region;
};

/* Parses one trace line; false for lines that are not damon_aggregated.
 * Which kdamond a line came from is not checked: the instance's filter
 * lets only the monitored kdamond's events in. */
bool udamos_trace_parse(const char *line, struct udamos_trace_region *out);
/* Parses a damon_monitor_intervals_tune line; false for other lines. */
bool udamos_trace_parse_tune(const char *line, uint64_t *sample_us);

/*
 * Waits up to timeout_ms for events and hands each parsed one to fn
 * (interval tuning events update t->tuned_sample_us instead).
 * Returns the number handed over, or -errno.
 */
int udamos_trace_poll(struct udamos_trace *t, int timeout_ms,
		      void (*fn)(void *ctx, const struct udamos_trace_region *r), void *ctx);

#endif
