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

bool udamos_scheme_wants_kernel(const struct udamos_scheme *s)
{
	if (s->apply_by == UDAMOS_APPLY_BY_AUTO)
		return udamos_action_needs_kernel(s->action);
	return s->apply_by == UDAMOS_APPLY_BY_KERNEL;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/*
 * The kernel's vaddr operations set judges no type filters (anon, memcg,
 * hugepage_size...) for madvise actions: it would silently ignore them.
 * Only the core filters, addr and target, carry over.
 *
 * Kernels before 6.14 have reject filters only.  A list of rejects means
 * the same there, and one allow filter is one reject of the complement;
 * anything else needs the kernel's allow filters.
 */
static int translate_filters(const struct udamos_scheme *s, struct udamos_kscheme *out,
			     char *why, size_t len)
{
	bool any_allow = false;

	for (size_t i = 0; i < s->nr_filters; i++) {
		const struct udamos_filter *f = &s->filters[i];

		if (f->type != UDAMOS_FILTER_ADDR && f->type != UDAMOS_FILTER_TARGET) {
			snprintf(why, len, "%s: the kernel's vaddr operations set ignores '%s' "
				 "filters for this action; drop the filter%s",
				 udamos_action_name(s->action), udamos_filter_type_name(f->type),
				 udamos_action_needs_kernel(s->action) ? "" :
				 ", or let udamos apply the scheme (apply_by udamos)");
			return -EINVAL;
		}
		out->filters[i] = (struct udamos_kfilter){
			.type = udamos_filter_type_name(f->type), .matching = f->matching,
			.allow = f->allow, .addr_start = f->addr_start,
			.addr_end = f->addr_end, .target_idx = f->target,
		};
		any_allow |= f->allow;
	}
	out->nr_filters = s->nr_filters;
	if (any_allow && s->nr_filters == 1) {
		out->filters[0].allow = false;
		out->filters[0].matching = !out->filters[0].matching;
		any_allow = false;
	}
	out->needs_allow = any_allow;
	return 0;
}

/*
 * The kernel measures PSI stall per reset interval as udamos does, so that
 * goal is native; user_input carries the operator's value.  The others are
 * measured by udamos and fed through user_input.
 */
static int translate_goals(const struct udamos_quota *q, struct udamos_kscheme *out,
			   char *why, size_t len)
{
	for (size_t i = 0; i < q->nr_goals; i++) {
		const struct udamos_goal *g = &q->goals[i];
		bool native = g->metric == UDAMOS_GOAL_USER_INPUT ||
			      g->metric == UDAMOS_GOAL_SOME_MEM_PSI_US;

		if (g->metric == UDAMOS_GOAL_HOT_COVERAGE_BP) {
			snprintf(why, len, "the hot_coverage_bp goal is measured by udamos's "
				 "engine on the schemes it applies; let udamos apply the scheme "
				 "(apply_by udamos) or use hugepage_mem_bp");
			return -EINVAL;
		}

		out->goals[i] = (struct udamos_kgoal){
			.metric = native ? udamos_goal_metric_name(g->metric) : "user_input",
			.target_value = g->target_value,
			.current_value = g->metric == UDAMOS_GOAL_USER_INPUT ? g->current_value : 0,
			.fed = !native, .source = g->metric,
		};
	}
	out->nr_goals = q->nr_goals;
	out->tuner = q->tuner == UDAMOS_TUNER_TEMPORAL ? "temporal" : NULL;
	return 0;
}

int udamos_kscheme_from(const struct udamos_scheme *s, uint64_t sample_us, uint64_t aggr_us,
			struct udamos_kscheme *out, char *why, size_t len)
{
	const struct udamos_pattern *p = &s->pattern;
	uint64_t max_nr = aggr_us / sample_us;

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
	if (s->targets) {
		snprintf(why, len, "%s: a scheme for some of the targets only (a daemon "
			 "context among several) cannot be applied by the kdamond, which serves "
			 "every context; let udamos apply it (apply_by udamos)",
			 udamos_action_name(s->action));
		return -EINVAL;
	}
	if (translate_filters(s, out, why, len) || translate_goals(&s->quota, out, why, len))
		return -EINVAL;
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
