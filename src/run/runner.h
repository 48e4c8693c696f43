/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A live run: opens the targets, checks the kernel and our privileges,
 * then feeds the source's snapshots to the engine, which acts through the
 * madvise actuator, until the duration ends, every target exits or a
 * signal asks us to stop.  Shared by `udamos run` and later interfaces.
 */
#ifndef UDAMOS_RUN_RUNNER_H
#define UDAMOS_RUN_RUNNER_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/agecarry.h"
#include "core/lockpace.h"
#include "core/regions.h"
#include "core/tablehold.h"
#include "source/flusher.h"
#include "sys/hugewarm.h"
#include "udamos/scheme.h"

/* Exit statuses, also used by the CLI. */
enum udamos_status {
	UDAMOS_OK = 0,
	UDAMOS_ERR_RUNTIME = 1,	/* something failed while running */
	UDAMOS_ERR_INPUT = 2,	/* bad command line, file or PID */
	UDAMOS_ERR_ENV = 3,	/* missing privilege or kernel feature */
};

#define UDAMOS_MAX_TARGETS 64

struct udamos_run_result;

struct udamos_run_cfg {
	pid_t pids[UDAMOS_MAX_TARGETS];
	size_t nr_pids;
	struct udamos_scheme *schemes;	/* borrowed; stats are filled in */
	size_t nr_schemes;
	const char *source;		/* see source/select.h; NULL: auto */
	struct udamos_mon_attrs attrs;
	bool attrs_given;		/* else each source picks its defaults */
	uint64_t duration_us;		/* 0: until the targets exit */
	FILE *log;			/* one-line notices; NULL: silent */
	FILE *progress;			/* live status line; NULL: none */
	/* Called after every aggregation (the demo's live view, the daemon's
	 * status); returning false ends the run there, as a success. */
	bool (*on_tick)(void *ctx, const struct udamos_run_result *res);
	void *tick_ctx;
	/* Called with every aggregation's snapshots, before schemes apply
	 * (the recorder).  A nonzero return stops the run as a failure. */
	int (*on_snapshots)(void *ctx, const struct udamos_snapshot *snaps, size_t nr);
	void *snapshots_ctx;
	struct udamos_flush_cfg flush;	/* the accessed-bit blind spot */
	/* Per target: process_madvise() time allowed per second, and zeroed
	 * memory collapse may add.  0: the default; UINT64_MAX: no limit. */
	uint64_t lock_ns_per_s;
	uint64_t bloat_budget;
	enum udamos_collapse_warm collapse_warm;
	enum udamos_churn_spacing churn_spacing;
	enum udamos_collapse_hold collapse_hold;
	/* How often to measure each target's memory and hot-set coverage
	 * for the result (the daemon's status); 0: never. */
	uint64_t target_stats_us;
	/* Window ages kept from this run for the next (the daemon's, which
	 * starts a new run for each new target), in and out; NULL: none. */
	struct udamos_age_carry *carry;
};

/* The defaults, chosen from bench/latency's figures (docs/performance.md):
 * the allowance, and the one a target that churns its mappings gets. */
#define UDAMOS_DEFAULT_LOCK_NS_PER_S (200ULL * 1000 * 1000)
#define UDAMOS_CHURN_LOCK_NS_PER_S (25ULL * 1000 * 1000)
#define UDAMOS_DEFAULT_BLOAT_HUGE_PAGES 32

struct udamos_run_target {
	pid_t pid;
	bool exited;
	bool collapsible;		/* THP not disabled by the target */
	uint64_t anon_huge_before, anon_huge_after;
	uint64_t rss_after;
	/* Of its resident memory, what the monitor watched at the last
	 * aggregation (the rest is unknown, and nothing acts on it). */
	uint64_t watched, resident;
	bool coverage_known;
	/* What acting cost it (action/madvise.h has the meanings). */
	uint64_t bloat, nr_bloat_skipped;
	struct udamos_lock_use lock;
	uint64_t nr_maps_reads, nr_vma_lookups;
	/* At the last measurement (cfg target_stats_us): its memory, and its
	 * hot set as the first collapse scheme acting on it calls hot. */
	bool measured;
	uint64_t rss_now, anon_huge_now, hot, hot_huge;
};

struct udamos_run_result {
	char source[16];		/* the monitoring source used */
	char monitor[192];		/* that monitor, in a phrase */
	struct udamos_run_target targets[UDAMOS_MAX_TARGETS];
	size_t nr_targets;
	uint64_t elapsed_us;
	uint64_t cpu_us;		/* udamos's own CPU time */
	uint64_t kernel_cpu_us;		/* the source's kdamond, if any */
	uint64_t tlb_flushes;		/* made for the accessed-bit blind spot */
	/* Huge pages made ready before collapses, and udamos's time on them
	 * (its own, not the targets': see sys/hugewarm.h). */
	bool collapse_warm;
	uint64_t nr_warmed, warm_ns;
	/* Whether churning targets' calls were spaced, and the minor fault's
	 * cost that decided it (0: not timed; core/lockpace.h). */
	bool churn_spacing;
	uint64_t fault_ns;
	/* Whether collapse schemes held page tables until their hot set
	 * settled (core/tablehold.h), decided by the same cost. */
	bool collapse_hold;
	uint64_t nr_aggregations;
	/* Aggregations before the source's rates say what is hot (its
	 * settle op): a run with fewer has not seen its targets yet. */
	unsigned settle_aggregations;
	/* nr_accesses at 100% in the last aggregation: less than aggr/sample
	 * where the blind-spot flusher lets only some samples see a page. */
	uint32_t max_nr_accesses;
	bool interrupted;		/* stopped by SIGINT/SIGTERM */
	/* The target a refusal at start is about (it exited, THP disabled,
	 * no access), so that a caller that found it can leave it out. */
	pid_t refused_pid;
};

/*
 * Runs to the end.  Returns a udamos_status; for anything but UDAMOS_OK,
 * why holds one line naming the input or the missing piece and the fix.
 */
enum udamos_status udamos_run(const struct udamos_run_cfg *cfg,
			      struct udamos_run_result *res, char *why,
			      size_t why_len);

/* Installs SIGINT/SIGTERM handlers that make a running udamos_run() stop. */
void udamos_run_install_signals(void);
/* Set by those handlers; exposed for loops outside udamos_run(). */
extern volatile int udamos_stop_requested;

#endif
