// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Translation of schemes into the kernel's DAMOS units; see kscheme.h.
 */
#include "core/kscheme.h"

#include <errno.h>
#include <stdio.h>

bool udamos_action_needs_kernel(enum udamos_action action)
{
	return action == UDAMOS_ACTION_HUGEPAGE || action == UDAMOS_ACTION_NOHUGEPAGE;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int udamos_kscheme_from(const struct udamos_scheme *s, uint64_t sample_us, uint64_t aggr_us,
			struct udamos_kscheme *out, char *why, size_t len)
{
	const struct udamos_pattern *p = &s->pattern;
	uint64_t max_nr = aggr_us / sample_us;

	if (s->nr_filters) {
		snprintf(why, len, "%s: filters on schemes delegated to kernel DAMON are not "
			 "supported yet; drop the --damos_filter options", udamos_action_name(s->action));
		return -EINVAL;
	}
	if (s->quota.nr_goals) {
		snprintf(why, len, "%s: quota goals on schemes delegated to kernel DAMON are not "
			 "supported yet; drop --damos_quota_goal", udamos_action_name(s->action));
		return -EINVAL;
	}
	*out = (struct udamos_kscheme){
		.action = udamos_action_name(s->action),
		.sz_min = p->sz.min, .sz_max = p->sz.max,
		.apply_interval_us = s->apply_interval_us,
		.quota_ms = s->quota.ms, .quota_bytes = s->quota.sz,
		.quota_reset_ms = s->quota.reset_interval_ms,
		.weight_sz = s->quota.weight_sz, .weight_nr = s->quota.weight_rate,
		.weight_age = s->quota.weight_age,
		.wmark_metric = s->wmarks.metric == UDAMOS_WMARK_NONE ? "none" : "free_mem_rate",
		.wmark_interval_us = s->wmarks.interval_us, .wmark_high = s->wmarks.high,
		.wmark_mid = s->wmarks.mid, .wmark_low = s->wmarks.low,
	};
	/* Closed ranges in counts: round the lower bound up and the upper
	 * bound down, so the kernel matches no region udamos would not. */
	if (p->rate_unit == UDAMOS_RATE_BP) {
		out->nr_min = clamp32((p->rate.min * max_nr + 9999) / 10000);
		out->nr_max = p->rate.max == UDAMOS_UNLIMITED ? clamp32(max_nr) :
			clamp32(p->rate.max * max_nr / 10000);
	} else {
		out->nr_min = clamp32(p->rate.min);
		out->nr_max = p->rate.max == UDAMOS_UNLIMITED ? clamp32(max_nr) : clamp32(p->rate.max);
	}
	if (p->age_unit == UDAMOS_AGE_US) {
		out->age_min = clamp32((p->age.min + aggr_us - 1) / aggr_us);
		out->age_max = p->age.max == UDAMOS_UNLIMITED ? UINT32_MAX :
			clamp32(p->age.max / aggr_us);
	} else {
		out->age_min = clamp32(p->age.min);
		out->age_max = clamp32(p->age.max);
	}
	return 0;
}
