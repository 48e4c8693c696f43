/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DAMOS engine: applies schemes to snapshots with the kernel's
 * semantics (apply intervals, quotas with prioritization and goals,
 * watermarks, filters, stats, tried regions).  It knows nothing of address
 * spaces or syscalls: actions go through an actuator, and metrics come from
 * an environment, both supplied by the caller.  That keeps it testable on
 * synthetic data and lets a dry-run actuator replay recordings.
 */
#ifndef UDAMOS_ENGINE_H
#define UDAMOS_ENGINE_H

#include "udamos/scheme.h"
#include "udamos/snapshot.h"

/* One request to act on [start, end) of one target. */
struct udamos_apply_req {
	const struct udamos_scheme *scheme;
	uint32_t target;
	uint64_t start, end;
	/* The scheme's ops filters (anon, huge), for the actuator to judge. */
	const struct udamos_filter *ops_filters;
	size_t nr_ops_filters;
	/* The filters' verdict for memory that none of them matches. */
	bool ops_default_allow;
	/* What is left of the time quota (UINT64_MAX: none): the actuator
	 * stops between windows once it is spent. */
	uint64_t budget_ns;
};

struct udamos_apply_res {
	uint64_t sz_applied;
	uint64_t sz_filter_passed;
	uint64_t elapsed_ns;	/* charged against the time quota */
	uint32_t nr_failed[UDAMOS_NR_FAIL_SLOTS];
	bool target_gone;	/* the target exited; stop acting on it */
	/* The actuator stopped short at stopped_at (its time or lock
	 * allowance ran out): only what it went through is charged and has
	 * its age reset, so the rest stays eligible for the next apply. */
	bool stopped;
	uint64_t stopped_at;
};

struct udamos_actuator {
	void (*apply)(void *ctx, const struct udamos_apply_req *req,
		      struct udamos_apply_res *res);
	void *ctx;
};

/* Values the engine reads from the system; all in the goal's units. */
struct udamos_env {
	/* Returns 0 and sets *value, or a negative errno.  reader names the
	 * goal asking: a metric measured as a change since the last reading
	 * (PSI stall time) keeps one last reading per reader, or two goals
	 * would take each other's deltas. */
	int (*goal_metric)(void *ctx, enum udamos_goal_metric metric, const void *reader,
			   uint64_t *value);
	/* Free memory per thousand of total. */
	int (*free_mem_rate)(void *ctx, uint32_t *permil);
	/* Bytes of target's memory in [start, end), a run of whole huge-page
	 * windows, that are huge pages now.  NULL: unknown. */
	int (*huge_bytes)(void *ctx, uint32_t target, uint64_t start, uint64_t end,
			  uint64_t *out);
	void *ctx;
};

/* A range whose age was reset by an action; see core/agereset.h. */
struct udamos_age_reset {
	uint32_t target;
	uint64_t start, end;
	uint64_t time_us;
};

struct udamos_age_resets {
	struct udamos_age_reset *v;	/* sorted by (target, start), disjoint */
	size_t nr, cap;
};

struct udamos_engine {
	struct udamos_scheme *schemes;
	size_t nr_schemes;
	struct udamos_actuator actuator;
	struct udamos_env env;

	struct udamos_age_resets resets;

	uint64_t gone_targets;	/* bitmap of targets that exited (< 64) */

	/* collapse_hold: a window-scope collapse scheme holds each page
	 * table's first collapse until the monitor stops finding more of the
	 * table hot (core/tablehold.h).  Off after init; the caller turns
	 * it on where page tables are shadowed by the host. */
	bool hold_tables;
};

/* The engine borrows schemes; they must outlive it. */
void udamos_engine_init(struct udamos_engine *e, struct udamos_scheme *schemes,
			size_t nr_schemes, struct udamos_actuator actuator,
			struct udamos_env env);
void udamos_engine_release(struct udamos_engine *e);

/*
 * Feeds one aggregation's snapshots (one per target, all with the same
 * time_us) and applies every scheme whose apply interval has come.
 * Returns 0, -ENOMEM, or -EINVAL for a snapshot with aggr_us 0.
 */
int udamos_engine_feed(struct udamos_engine *e,
		       const struct udamos_snapshot *snaps, size_t nr_snaps);

bool udamos_engine_target_gone(const struct udamos_engine *e, uint32_t target);

#endif
