// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Scheme vocabulary: action, filter and goal names, the access-pattern
 * test, the documented default scheme and consistency checks.
 */
#include "udamos/scheme.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "core/vec.h"

static const char *const action_names[UDAMOS_NR_ACTIONS] = {
	[UDAMOS_ACTION_COLLAPSE] = "collapse",
	[UDAMOS_ACTION_PAGEOUT] = "pageout",
	[UDAMOS_ACTION_COLD] = "cold",
	[UDAMOS_ACTION_WILLNEED] = "willneed",
	[UDAMOS_ACTION_HUGEPAGE] = "hugepage",
	[UDAMOS_ACTION_NOHUGEPAGE] = "nohugepage",
	[UDAMOS_ACTION_STAT] = "stat",
};

static const char *const filter_names[UDAMOS_NR_FILTER_TYPES] = {
	[UDAMOS_FILTER_ADDR] = "addr",
	[UDAMOS_FILTER_TARGET] = "target",
	[UDAMOS_FILTER_ANON] = "anon",
	[UDAMOS_FILTER_HUGE] = "huge",
	[UDAMOS_FILTER_POPULATED] = "populated",
};

static const char *const goal_names[UDAMOS_NR_GOAL_METRICS] = {
	[UDAMOS_GOAL_USER_INPUT] = "user_input",
	[UDAMOS_GOAL_HUGEPAGE_MEM_BP] = "hugepage_mem_bp",
	[UDAMOS_GOAL_SOME_MEM_PSI_US] = "some_mem_psi_us",
	[UDAMOS_GOAL_NODE_MEM_USED_BP] = "node_mem_used_bp",
	[UDAMOS_GOAL_NODE_MEM_FREE_BP] = "node_mem_free_bp",
	[UDAMOS_GOAL_HOT_COVERAGE_BP] = "hot_coverage_bp",
};

static const char *const fail_names[UDAMOS_NR_FAIL_SLOTS] = {
	[UDAMOS_FAIL_EAGAIN] = "EAGAIN",
	[UDAMOS_FAIL_ENOMEM] = "ENOMEM",
	[UDAMOS_FAIL_EBUSY] = "EBUSY",
	[UDAMOS_FAIL_EINVAL] = "EINVAL",
	[UDAMOS_FAIL_EFAULT] = "EFAULT",
	[UDAMOS_FAIL_EPERM] = "EPERM",
	[UDAMOS_FAIL_ESRCH] = "ESRCH",
	[UDAMOS_FAIL_OTHER] = "other",
};

static const char *const scope_names[] = {
	[UDAMOS_COLLAPSE_SCOPE_WINDOW] = "window",
	[UDAMOS_COLLAPSE_SCOPE_TABLE] = "table",
};

const char *udamos_collapse_scope_name(enum udamos_collapse_scope scope)
{
	return (size_t)scope < sizeof(scope_names) / sizeof(scope_names[0]) ?
	       scope_names[scope] : "?";
}

int udamos_collapse_scope_parse(const char *name, enum udamos_collapse_scope *out)
{
	int i = udamos_name_index(scope_names, sizeof(scope_names) / sizeof(scope_names[0]),
				  name);

	if (i < 0)
		return -EINVAL;
	*out = (enum udamos_collapse_scope)i;
	return 0;
}

const char *udamos_action_name(enum udamos_action action)
{
	return action < UDAMOS_NR_ACTIONS ? action_names[action] : "?";
}

int udamos_action_parse(const char *name, enum udamos_action *out)
{
	int i = udamos_name_index(action_names, UDAMOS_NR_ACTIONS, name);

	if (i < 0)
		return -EINVAL;
	*out = (enum udamos_action)i;
	return 0;
}

bool udamos_action_wants_hot(enum udamos_action action)
{
	switch (action) {
	case UDAMOS_ACTION_COLLAPSE:
	case UDAMOS_ACTION_HUGEPAGE:
	case UDAMOS_ACTION_WILLNEED:
	case UDAMOS_ACTION_STAT:
		return true;
	default:
		return false;
	}
}

const char *udamos_filter_type_name(enum udamos_filter_type type)
{
	return type < UDAMOS_NR_FILTER_TYPES ? filter_names[type] : "?";
}

int udamos_filter_type_parse(const char *name, enum udamos_filter_type *out)
{
	int i = udamos_name_index(filter_names, UDAMOS_NR_FILTER_TYPES, name);

	if (i < 0)
		return -EINVAL;
	*out = (enum udamos_filter_type)i;
	return 0;
}

const char *udamos_goal_metric_name(enum udamos_goal_metric metric)
{
	return metric < UDAMOS_NR_GOAL_METRICS ? goal_names[metric] : "?";
}

int udamos_goal_metric_parse(const char *name, enum udamos_goal_metric *out)
{
	int i = udamos_name_index(goal_names, UDAMOS_NR_GOAL_METRICS, name);

	if (i < 0)
		return -EINVAL;
	*out = (enum udamos_goal_metric)i;
	return 0;
}

enum udamos_fail_slot udamos_fail_slot_of(int err)
{
	switch (err) {
	case EAGAIN: return UDAMOS_FAIL_EAGAIN;
	case ENOMEM: return UDAMOS_FAIL_ENOMEM;
	case EBUSY: return UDAMOS_FAIL_EBUSY;
	case EINVAL: return UDAMOS_FAIL_EINVAL;
	case EFAULT: return UDAMOS_FAIL_EFAULT;
	case EPERM: return UDAMOS_FAIL_EPERM;
	case ESRCH: return UDAMOS_FAIL_ESRCH;
	default: return UDAMOS_FAIL_OTHER;
	}
}

const char *udamos_fail_slot_name(enum udamos_fail_slot slot)
{
	return slot < UDAMOS_NR_FAIL_SLOTS ? fail_names[slot] : "?";
}

void udamos_scheme_init(struct udamos_scheme *s, enum udamos_action action)
{
	memset(s, 0, sizeof(*s));
	s->action = action;
	s->pattern.sz.max = UDAMOS_UNLIMITED;
	s->pattern.rate.max = UDAMOS_UNLIMITED;
	s->pattern.rate_unit = UDAMOS_RATE_RAW;
	s->pattern.age.max = UDAMOS_UNLIMITED;
	s->pattern.age_unit = UDAMOS_AGE_AGGRS;
	s->quota.reset_interval_ms = 1000;
	s->quota.tuner = UDAMOS_TUNER_CONSIST;
	s->wmarks.metric = UDAMOS_WMARK_NONE;
}

void udamos_scheme_default_collapse(struct udamos_scheme *s)
{
	udamos_scheme_init(s, UDAMOS_ACTION_COLLAPSE);
	/* Regions smaller than a huge page rarely own a whole window. */
	s->pattern.sz.min = udamos_huge_size();
	/*
	 * Hot: touched in at least half of the samples it could be seen in.
	 * Physical monitoring first mixes a cold window's frames with hot
	 * ones' in one region, and such windows read up to 40% for tens of
	 * seconds; hot ones read 60-100% (docs/schemes.md has the counts).
	 */
	s->pattern.rate_unit = UDAMOS_RATE_BP;
	s->pattern.rate.min = 5000;
	s->pattern.rate.max = 10000;
	/* Aged: hot for 5 s, so short bursts and one noisy aggregation do not
	 * cost huge pages. */
	s->pattern.age_unit = UDAMOS_AGE_US;
	s->pattern.age.min = 5000000;
	/* At most 200 ms of collapsing and 256 huge pages (512 MiB with 2 MiB
	 * ones) per second, while under 95% of the hot memory is in huge
	 * pages, and nothing once that is reached: a server whose hot set
	 * grows gets the whole quota at once, a covered one costs nothing. */
	s->quota.ms = 200;
	s->quota.sz = 256 * udamos_huge_size();
	s->quota.reset_interval_ms = 1000;
	s->quota.goals[0] = (struct udamos_goal){
		.metric = UDAMOS_GOAL_HOT_COVERAGE_BP, .target_value = 9500,
	};
	s->quota.nr_goals = 1;
	s->quota.tuner = UDAMOS_TUNER_TEMPORAL;
	s->quota.weight_sz = 0;
	s->quota.weight_rate = 1;
	s->quota.weight_age = 1;
	/* Windows that already are huge pages cost quota for nothing. */
	s->filters[0] = (struct udamos_filter){
		.type = UDAMOS_FILTER_HUGE, .matching = true, .allow = false,
	};
	/*
	 * MADV_COLLAPSE fills a window's missing pages with zeroes, whatever
	 * khugepaged's max_ptes_none says.  A window must be 7/8 populated:
	 * at most 64 of 512 pages filled, so what collapse adds stays under
	 * 1/7 of what was there.  Hot heap windows are whole; the ones this
	 * leaves are a heap's or a stack's growing edge.
	 */
	s->filters[1] = (struct udamos_filter){
		.type = UDAMOS_FILTER_POPULATED, .matching = false, .allow = false,
		.min_populated_bp = UDAMOS_DEFAULT_MIN_POPULATED_BP,
	};
	s->nr_filters = 2;
}

void udamos_scheme_release(struct udamos_scheme *s)
{
	free(s->state.tried);
	s->state.tried = NULL;
	s->state.nr_tried = s->state.cap_tried = 0;
}

static int fail(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int udamos_scheme_validate(const struct udamos_scheme *s, char *why,
			   size_t why_len)
{
	const struct udamos_pattern *p = &s->pattern;
	const struct udamos_watermarks *w = &s->wmarks;

	if (s->action >= UDAMOS_NR_ACTIONS)
		return fail(why, why_len, "unknown action");
	if (s->apply_by == UDAMOS_APPLY_BY_UDAMOS &&
	    (s->action == UDAMOS_ACTION_HUGEPAGE || s->action == UDAMOS_ACTION_NOHUGEPAGE))
		return fail(why, why_len, "%s cannot be applied by udamos: the kernel refuses "
			    "it through process_madvise; use apply_by kernel or auto",
			    udamos_action_name(s->action));
	if (s->collapse_scope == UDAMOS_COLLAPSE_SCOPE_TABLE &&
	    s->action != UDAMOS_ACTION_COLLAPSE)
		return fail(why, why_len, "collapse_scope table is for the collapse action; "
			    "drop it from this %s scheme", udamos_action_name(s->action));
	if (s->collapse_scope == UDAMOS_COLLAPSE_SCOPE_TABLE &&
	    s->apply_by == UDAMOS_APPLY_BY_KERNEL)
		return fail(why, why_len, "collapse_scope table is udamos's own and kernel "
			    "DAMON cannot apply it; use apply_by auto or udamos");
	if (p->sz.min > p->sz.max)
		return fail(why, why_len,
			    "size range: min is above max; give MIN MAX with MIN <= MAX");
	if (p->rate.min > p->rate.max)
		return fail(why, why_len,
			    "access rate range: min is above max; give MIN MAX with MIN <= MAX");
	if (p->rate_unit == UDAMOS_RATE_BP && p->rate.min > 10000)
		return fail(why, why_len,
			    "access rate: min is above 100%%; use a percentage from 0%% to 100%%");
	if (p->age.min > p->age.max)
		return fail(why, why_len,
			    "age range: min is above max; give MIN MAX with MIN <= MAX");
	if ((s->quota.ms || s->quota.sz || s->quota.nr_goals) &&
	    !s->quota.reset_interval_ms)
		return fail(why, why_len,
			    "quota reset interval is 0; give a reset interval such as 1s");
	if (w->metric != UDAMOS_WMARK_NONE) {
		if (!(w->high >= w->mid && w->mid >= w->low))
			return fail(why, why_len,
				    "watermarks must satisfy high >= mid >= low");
		if (w->high > 1000)
			return fail(why, why_len,
				    "watermarks are per thousand; use values from 0 to 1000");
		if (!w->interval_us)
			return fail(why, why_len,
				    "watermark check interval is 0; give an interval such as 5s");
	}
	for (size_t i = 0; i < s->nr_filters; i++) {
		const struct udamos_filter *f = &s->filters[i];

		if (f->type == UDAMOS_FILTER_ADDR && f->addr_start >= f->addr_end)
			return fail(why, why_len,
				    "addr filter: start must be below end");
	}
	return 0;
}

static bool rate_and_age_match(const struct udamos_pattern *p, const struct udamos_region *r,
			       uint32_t max_nr_accesses, uint64_t aggr_us)
{
	uint64_t nr = r->nr_accesses;

	if (p->rate_unit == UDAMOS_RATE_RAW) {
		if (nr < p->rate.min || nr > p->rate.max)
			return false;
	} else {
		/* Cross-multiplied so that range edges compare exactly. */
		uint64_t scaled = nr * 10000;

		if (scaled < p->rate.min * max_nr_accesses)
			return false;
		if (p->rate.max != UDAMOS_UNLIMITED &&
		    scaled > p->rate.max * max_nr_accesses)
			return false;
	}
	if (p->age_unit == UDAMOS_AGE_AGGRS) {
		if (r->age < p->age.min || r->age > p->age.max)
			return false;
	} else {
		uint64_t age_us = (uint64_t)r->age * aggr_us;

		if (age_us < p->age.min || age_us > p->age.max)
			return false;
	}
	return true;
}

bool udamos_pattern_match_extent(const struct udamos_pattern *p,
				 const struct udamos_region *r, uint64_t extent,
				 uint32_t max_nr_accesses, uint64_t aggr_us)
{
	uint64_t sz = r->end - r->start;

	if (extent < p->sz.min || sz > p->sz.max)
		return false;
	return rate_and_age_match(p, r, max_nr_accesses, aggr_us);
}

bool udamos_pattern_match(const struct udamos_pattern *p,
			  const struct udamos_region *r,
			  uint32_t max_nr_accesses, uint64_t aggr_us)
{
	return udamos_pattern_match_extent(p, r, r->end - r->start, max_nr_accesses, aggr_us);
}

int udamos_pattern_extents(const struct udamos_pattern *p, const struct udamos_snapshot *s,
			   uint64_t **extents, size_t *cap)
{
	uint64_t *extent;
	size_t k = 0;

	if (udamos_reserve(extents, cap, s->nr_regions + 1, sizeof(**extents)))
		return -ENOMEM;
	extent = *extents;

	while (k < s->nr_regions) {
		const struct udamos_region *r = s->regions;
		size_t end = k + 1;

		if (!rate_and_age_match(p, &r[k], s->max_nr_accesses, s->aggr_us)) {
			extent[k] = r[k].end - r[k].start;
			k++;
			continue;
		}
		while (end < s->nr_regions && r[end].start == r[end - 1].end &&
		       rate_and_age_match(p, &r[end], s->max_nr_accesses, s->aggr_us))
			end++;
		for (size_t i = k; i < end; i++)
			extent[i] = r[end - 1].end - r[k].start;
		k = end;
	}
	return 0;
}
