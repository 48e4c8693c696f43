/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A scheme in the kernel's DAMOS units, for schemes udamos delegates to
 * kernel DAMON (hugepage and nohugepage on another process cannot be done
 * from user space).  Rates become nr_accesses counts and ages aggregation
 * counts, both judged against the kdamond's own intervals.
 */
#ifndef UDAMOS_CORE_KSCHEME_H
#define UDAMOS_CORE_KSCHEME_H

#include "udamos/scheme.h"

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
};

/*
 * Translates s for a kdamond sampling every sample_us and aggregating
 * every aggr_us.  Returns 0, or -EINVAL with a reason for what cannot be
 * delegated yet.
 */
int udamos_kscheme_from(const struct udamos_scheme *s, uint64_t sample_us, uint64_t aggr_us,
			struct udamos_kscheme *out, char *why, size_t len);

/* True for actions that only kernel DAMON can apply to another process. */
bool udamos_action_needs_kernel(enum udamos_action action);

#endif
