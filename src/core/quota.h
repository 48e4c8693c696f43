/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Quotas: turning time and size limits and goals into an effective size
 * per reset interval, charging it, and ranking regions when it binds.
 */
#ifndef UDAMOS_CORE_QUOTA_H
#define UDAMOS_CORE_QUOTA_H

#include "udamos/engine.h"

#define UDAMOS_MAX_SCORE 1000U
/* Assumed bytes per ms before any action has been timed. */
#define UDAMOS_QUOTA_INITIAL_TPUT (4ULL << 20)
/* The goal tuners never go below this, so feedback can always recover. */
#define UDAMOS_QUOTA_MIN_GOAL_SZ (64ULL << 10)

/*
 * Priority in [0, UDAMOS_MAX_SCORE] from the quota's weights.  For hot
 * actions the score grows with access rate and with how long a region has
 * been accessed; for cold actions, with idleness and how long it has been
 * idle.  Larger regions score higher in both, since they cost fewer calls
 * per byte.
 */
uint32_t udamos_score(const struct udamos_quota *q, bool hot,
		      const struct udamos_region *r, uint32_t max_nr_accesses,
		      uint64_t aggr_us);

/* True when the scheme has any limit, so ranking matters. */
bool udamos_quota_bounded(const struct udamos_quota *q);

/*
 * A quota is a rate.  When applies come less often than reset intervals
 * (a monitor that aggregates every 5 s under a 1 s quota), the interval
 * that starts at an apply stands for every reset interval since the last
 * one, up to this many, so the rate holds whatever the monitor's
 * intervals.  The kernel grants one interval's quota per apply instead.
 */
#define UDAMOS_QUOTA_MAX_SPAN 10

/*
 * Starts a new reset interval when one is due (or on first use):
 * recomputes the effective size from the time quota (through the measured
 * throughput), the size quota and the goals, for the span above.  The
 * snapshots are this aggregation's, for hot_coverage_bp; each goal's
 * current_value is left at what was measured.
 */
void udamos_quota_tick(struct udamos_scheme *s, uint64_t now_us,
		       const struct udamos_env *env, const struct udamos_snapshot *snaps,
		       size_t nr_snaps);

/* Bytes that may still be charged in this interval (UINT64_MAX: any). */
/* Time left of the ms quota this interval, in ns; UINT64_MAX without one. */
uint64_t udamos_quota_remaining_ns(const struct udamos_scheme *s);
uint64_t udamos_quota_remaining(const struct udamos_scheme *s);

void udamos_quota_charge(struct udamos_scheme *s, uint64_t sz, uint64_t ns);

/* The proportional ("consist") tuner: next size from last and score. */
uint64_t udamos_goal_feedback(uint64_t last, uint64_t score_bp);

#endif
