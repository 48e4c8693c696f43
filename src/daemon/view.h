/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the daemon reports, as one plain structure: the status command's
 * JSON and the Prometheus metrics are both drawn from it, so that they
 * can never disagree.  Counters are cumulative over the daemon's life,
 * across runs and reloads.
 */
#ifndef UDAMOS_DAEMON_VIEW_H
#define UDAMOS_DAEMON_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/lockpace.h"
#include "udamos/scheme.h"

struct udamos_scheme_view {
	char context[48];
	size_t index;			/* in its context */
	const char *action;
	struct udamos_stats stats;	/* cumulative */
	uint64_t effective_quota_bytes;	/* 0: none */
	size_t nr_goals;
	const char *goal_metric[UDAMOS_MAX_GOALS];
	uint64_t goal_target[UDAMOS_MAX_GOALS], goal_current[UDAMOS_MAX_GOALS];
};

struct udamos_target_view {
	pid_t pid;
	char context[48];
	char comm[16];
	uint64_t rss, anon_huge;	/* bytes, at the last measurement */
	uint64_t hot, hot_huge;		/* the hot set, and of it in huge pages */
	bool measured;
	/* What acting on it cost its mmap_lock since it was attached. */
	struct udamos_lock_use lock;
};

struct udamos_daemon_view {
	const char *config_path;
	char monitor[192];		/* "" while no run is on */
	char source[16];
	bool running;			/* a run is on (there are targets) */
	uint64_t uptime_us, cpu_us;	/* cpu_us: the daemon's own, cumulative */
	uint64_t kernel_cpu_us;		/* the kdamond's, while udamos ran it */
	uint64_t watched, resident;	/* the monitor's coverage of the targets */
	uint64_t tlb_flushes, aggregations, runs;
	/* Huge pages made ready before collapses, and the daemon's time on
	 * them (sys/hugewarm.h). */
	uint64_t warmed_huge_pages, warm_ns;
	/* What the run on now decided from a fault's cost (run --json's
	 * names): churning targets spaced, page tables held. */
	uint64_t fault_ns;
	bool churn_spacing, collapse_hold;
	uint64_t reloads, reload_failures;
	uint64_t targets_attached, targets_exited;
	uint64_t discovery_scans, matching;	/* matching: at the last scan */
	struct udamos_scheme_view *schemes;
	size_t nr_schemes;
	struct udamos_target_view *targets;
	size_t nr_targets;
};

/* The Prometheus text exposition format; malloc'd. */
char *udamos_view_metrics(const struct udamos_daemon_view *v);
/* `udamos status --json`; malloc'd. */
char *udamos_view_json(const struct udamos_daemon_view *v);
/* `udamos status`, for people; malloc'd. */
char *udamos_view_text(const struct udamos_daemon_view *v);

#endif
