/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A scheme in the kernel's DAMOS units, for schemes udamos delegates to a
 * vaddr kdamond: hugepage and nohugepage on another process (which user
 * space cannot do), and any kernel-capable action the operator asks the
 * kernel to run.  Rates become nr_accesses counts and ages aggregation
 * counts, judged against the kdamond's own intervals; filters and quota
 * goals become the kernel's, or a clear reason why they cannot.
 */
#ifndef UDAMOS_CORE_KSCHEME_H
#define UDAMOS_CORE_KSCHEME_H

#include "udamos/scheme.h"

struct udamos_kfilter {
	const char *type;		/* "addr" or "target" */
	bool matching;
	bool allow;
	uint64_t addr_start, addr_end;
	uint32_t target_idx;
};

struct udamos_kgoal {
	const char *metric;		/* the kernel's metric name */
	uint64_t target_value;
	uint64_t current_value;
	/*
	 * udamos measures the metric itself and feeds it to the kernel as
	 * user_input, because the kernel has no such metric or measures
	 * something else under the name (hugepage_mem_bp is per target
	 * here, node_mem_* whole-system).
	 */
	bool fed;
	enum udamos_goal_metric source;
};

struct udamos_kscheme {
	const char *action;
	uint64_t sz_min, sz_max;
	uint32_t nr_min, nr_max;
	uint32_t age_min, age_max;
	uint64_t apply_interval_us;
	uint64_t quota_ms, quota_bytes, quota_reset_ms;
	uint32_t weight_sz, weight_nr, weight_age;
	const char *wmark_metric;
	uint64_t wmark_interval_us;
	uint32_t wmark_high, wmark_mid, wmark_low;
	struct udamos_kfilter filters[UDAMOS_MAX_FILTERS];
	size_t nr_filters;
	/* Some filter allows: needs a kernel with allow filters (6.14+). */
	bool needs_allow;
	struct udamos_kgoal goals[UDAMOS_MAX_GOALS];
	size_t nr_goals;
	const char *tuner;		/* NULL: the kernel's default, consist */
};

/*
 * Translates s for a kdamond sampling every sample_us and aggregating
 * every aggr_us.  Returns 0, or -EINVAL with a reason for what the kernel
 * cannot do for this scheme.
 */
int udamos_kscheme_from(const struct udamos_scheme *s, uint64_t sample_us, uint64_t aggr_us,
			struct udamos_kscheme *out, char *why, size_t len);

/* True for actions that only kernel DAMON can apply to another process. */
bool udamos_action_needs_kernel(enum udamos_action action);

/* True when kernel DAMON, not udamos, is to apply the scheme. */
bool udamos_scheme_wants_kernel(const struct udamos_scheme *s);

#endif
