// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Text-to-field setters shared by the CLI and JSON readers.
 */
#include "config/scheme_fields.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/units.h"

#define SIZE_HINT "use a number with an optional unit B, K, M, G or T, or 'max' (e.g. 2M)"
#define TIME_HINT "use a number with a unit us, ms, s, m or h, or 'max' (e.g. 100ms)"

static int why(struct udamos_why w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w.buf, w.len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int udamos_set_action(struct udamos_scheme *s, const char *v, struct udamos_why w)
{
	if (udamos_action_parse(v, &s->action))
		return why(w, "'%s' is not an action; use collapse, pageout, cold, "
			   "willneed, hugepage, nohugepage or stat", v);
	return 0;
}

static int check_order(uint64_t min, uint64_t max, const char *a, const char *b,
		       struct udamos_why w)
{
	if (min > max)
		return why(w, "min '%s' is above max '%s'; give MIN MAX with MIN <= MAX", a, b);
	return 0;
}

int udamos_set_sz_range(struct udamos_scheme *s, const char *min, const char *max,
			struct udamos_why w)
{
	uint64_t lo, hi;

	if (udamos_parse_size(min, &lo))
		return why(w, "'%s' is not a size; " SIZE_HINT, min);
	if (udamos_parse_size(max, &hi))
		return why(w, "'%s' is not a size; " SIZE_HINT, max);
	if (check_order(lo, hi, min, max, w))
		return -EINVAL;
	s->pattern.sz = (struct udamos_range){ lo, hi };
	return 0;
}

/*
 * Both bounds of a range whose values come in one of two kinds (percent
 * or raw count; time or aggregations).  "min"/"max" take the other
 * bound's kind; two bare keywords take dflt.
 */
typedef int (*kind_parser)(const char *s, uint64_t *out, int *kind);

static int set_kinded_range(const char *min, const char *max, kind_parser parse,
			    const char *what, const char *example, const char *kinds, int dflt,
			    struct udamos_range *range, int *kind, struct udamos_why w)
{
	int k1 = -1, k2 = -1;
	uint64_t lo, hi;

	if (parse(min, &lo, &k1))
		return why(w, "'%s' is not %s; use %s", min, what, example);
	if (parse(max, &hi, &k2))
		return why(w, "'%s' is not %s; use %s", max, what, example);
	if (k1 >= 0 && k2 >= 0 && k1 != k2)
		return why(w, "'%s' and '%s' mix %s; use one kind", min, max, kinds);
	if (check_order(lo, hi, min, max, w))
		return -EINVAL;
	*range = (struct udamos_range){ lo, hi };
	*kind = k1 >= 0 ? k1 : k2 >= 0 ? k2 : dflt;
	return 0;
}

static bool is_bound_word(const char *s)
{
	return !strcasecmp(s, "min") || !strcasecmp(s, "max");
}

static int rate_kind(const char *s, uint64_t *out, int *kind)
{
	enum udamos_rate_unit u;
	int err = udamos_parse_rate(s, out, &u);

	if (!err && !is_bound_word(s))
		*kind = (int)u;
	return err;
}

static int age_kind(const char *s, uint64_t *out, int *kind)
{
	enum udamos_age_unit u;
	int err = udamos_parse_age(s, out, &u);

	if (!err && !is_bound_word(s))
		*kind = (int)u;
	return err;
}

int udamos_set_rate_range(struct udamos_scheme *s, const char *min, const char *max,
			  struct udamos_why w)
{
	int kind = 0;

	if (set_kinded_range(min, max, rate_kind, "an access rate",
			     "a percentage like 5% or a raw nr_accesses count",
			     "a percentage and a raw count", UDAMOS_RATE_BP, &s->pattern.rate, &kind, w))
		return -EINVAL;
	s->pattern.rate_unit = (enum udamos_rate_unit)kind;
	if (kind == UDAMOS_RATE_BP && s->pattern.rate.max > 10000)
		s->pattern.rate.max = 10000;
	return 0;
}

int udamos_set_age_range(struct udamos_scheme *s, const char *min, const char *max,
			 struct udamos_why w)
{
	int kind = 0;

	if (set_kinded_range(min, max, age_kind, "an age",
			     "a time like 2s, a count of aggregation intervals, or max",
			     "a time and a count of aggregations", UDAMOS_AGE_AGGRS, &s->pattern.age, &kind, w))
		return -EINVAL;
	s->pattern.age_unit = (enum udamos_age_unit)kind;
	return 0;
}

static int parse_time(const char *v, uint64_t bare_us, uint64_t *out, struct udamos_why w)
{
	if (udamos_parse_time_us(v, bare_us, out) || *out == UDAMOS_UNLIMITED)
		return why(w, "'%s' is not a time; " TIME_HINT, v);
	return 0;
}

int udamos_set_apply_interval(struct udamos_scheme *s, const char *v, struct udamos_why w)
{
	return parse_time(v, 1, &s->apply_interval_us, w);
}

int udamos_set_quota_time(struct udamos_scheme *s, const char *v, struct udamos_why w)
{
	uint64_t us;

	if (parse_time(v, 1000, &us, w))
		return -EINVAL;
	s->quota.ms = (us + 999) / 1000;
	return 0;
}

int udamos_set_quota_size(struct udamos_scheme *s, const char *v, struct udamos_why w)
{
	uint64_t sz;

	if (udamos_parse_size(v, &sz))
		return why(w, "'%s' is not a size; " SIZE_HINT, v);
	s->quota.sz = sz == UDAMOS_UNLIMITED ? 0 : sz;
	return 0;
}

int udamos_set_quota_reset(struct udamos_scheme *s, const char *v, struct udamos_why w)
{
	uint64_t us;

	if (parse_time(v, 1000, &us, w))
		return -EINVAL;
	if (us < 1000)
		return why(w, "reset interval '%s' is under 1 ms; use at least 1ms (e.g. 1s)", v);
	s->quota.reset_interval_ms = us / 1000;
	return 0;
}

static int parse_weight(const char *v, uint32_t *out, struct udamos_why w)
{
	uint64_t x;

	if (udamos_parse_u64(v, &x) || x > 1000000)
		return why(w, "'%s' is not a weight; use a whole number from 0 to 1000000", v);
	*out = (uint32_t)x;
	return 0;
}

int udamos_set_quota_weights(struct udamos_scheme *s, const char *sz,
			     const char *rate, const char *age, struct udamos_why w)
{
	if (parse_weight(sz, &s->quota.weight_sz, w) ||
	    parse_weight(rate, &s->quota.weight_rate, w) ||
	    parse_weight(age, &s->quota.weight_age, w))
		return -EINVAL;
	return 0;
}

int udamos_add_quota_goal(struct udamos_scheme *s, const char *metric,
			  const char *target, const char *current, struct udamos_why w)
{
	struct udamos_goal g = { 0 };

	if (s->quota.nr_goals == UDAMOS_MAX_GOALS)
		return why(w, "more than %d quota goals; remove some", UDAMOS_MAX_GOALS);
	if (udamos_goal_metric_parse(metric, &g.metric))
		return why(w, "'%s' is not a goal metric; use user_input, hugepage_mem_bp, "
			   "some_mem_psi_us, node_mem_used_bp or node_mem_free_bp", metric);
	if (udamos_parse_u64(target, &g.target_value) || !g.target_value)
		return why(w, "goal target '%s' is not a positive whole number", target);
	if (current && udamos_parse_u64(current, &g.current_value))
		return why(w, "goal current value '%s' is not a whole number", current);
	s->quota.goals[s->quota.nr_goals++] = g;
	return 0;
}

int udamos_set_quota_tuner(struct udamos_scheme *s, const char *v, struct udamos_why w)
{
	if (!strcmp(v, "consist"))
		s->quota.tuner = UDAMOS_TUNER_CONSIST;
	else if (!strcmp(v, "temporal"))
		s->quota.tuner = UDAMOS_TUNER_TEMPORAL;
	else
		return why(w, "'%s' is not a goal tuner; use consist or temporal", v);
	return 0;
}

int udamos_set_apply_by(struct udamos_scheme *s, const char *v, struct udamos_why w)
{
	static const char *const names[] = { "auto", "udamos", "kernel" };
	int i = udamos_name_index(names, sizeof(names) / sizeof(names[0]), v);

	if (i >= 0) {
		s->apply_by = (enum udamos_apply_by)i;
		return 0;
	}
	return why(w, "'%s' is not who applies a scheme; use auto, udamos or kernel", v);
}

int udamos_set_collapse_scope(struct udamos_scheme *s, const char *v, struct udamos_why w)
{
	if (!udamos_collapse_scope_parse(v, &s->collapse_scope))
		return 0;
	return why(w, "'%s' is not a collapse scope; use window or table", v);
}

static int parse_permil(const char *v, uint32_t *out, struct udamos_why w)
{
	uint64_t x;

	if (udamos_parse_u64(v, &x) || x > 1000)
		return why(w, "watermark '%s' is not per thousand; use 0 to 1000", v);
	*out = (uint32_t)x;
	return 0;
}

int udamos_set_wmarks(struct udamos_scheme *s, const char *metric,
		      const char *interval, const char *high, const char *mid,
		      const char *low, struct udamos_why w)
{
	struct udamos_watermarks m = { 0 };

	if (!strcmp(metric, "none"))
		m.metric = UDAMOS_WMARK_NONE;
	else if (!strcmp(metric, "free_mem_rate"))
		m.metric = UDAMOS_WMARK_FREE_MEM_RATE;
	else
		return why(w, "'%s' is not a watermark metric; use free_mem_rate or none", metric);
	if (parse_time(interval, 1, &m.interval_us, w) ||
	    parse_permil(high, &m.high, w) || parse_permil(mid, &m.mid, w) ||
	    parse_permil(low, &m.low, w))
		return -EINVAL;
	if (m.metric != UDAMOS_WMARK_NONE && !(m.high >= m.mid && m.mid >= m.low))
		return why(w, "watermarks %s %s %s are not ordered; need high >= mid >= low",
			   high, mid, low);
	if (m.metric != UDAMOS_WMARK_NONE && !m.interval_us)
		return why(w, "watermark interval '%s' is 0; use a positive time like 5s", interval);
	s->wmarks = m;
	return 0;
}

int udamos_add_filter(struct udamos_scheme *s, const char *type, bool matching,
		      const char *const *args, size_t nr_args, bool allow,
		      struct udamos_why w)
{
	struct udamos_filter f = { .matching = matching, .allow = allow };
	uint64_t x;

	if (s->nr_filters == UDAMOS_MAX_FILTERS)
		return why(w, "more than %d filters; remove some", UDAMOS_MAX_FILTERS);
	if (udamos_filter_type_parse(type, &f.type))
		return why(w, "'%s' is not a filter type; use addr, target, anon, huge or "
			   "populated", type);
	switch (f.type) {
	case UDAMOS_FILTER_ADDR:
		if (nr_args != 2)
			return why(w, "addr filter needs START END (e.g. addr matching 0x7f0000000000 0x7f0040000000)");
		if (udamos_parse_u64(args[0], &f.addr_start) ||
		    udamos_parse_u64(args[1], &f.addr_end))
			return why(w, "addr filter range '%s %s' is not two addresses", args[0], args[1]);
		if (f.addr_start >= f.addr_end)
			return why(w, "addr filter range '%s %s' is empty; START must be below END",
				   args[0], args[1]);
		break;
	case UDAMOS_FILTER_TARGET:
		if (nr_args != 1 || udamos_parse_u64(args[0], &x) || x > UINT32_MAX)
			return why(w, "target filter needs one target index (e.g. target matching 0)");
		f.target = (uint32_t)x;
		break;
	case UDAMOS_FILTER_POPULATED: {
		enum udamos_rate_unit unit = UDAMOS_RATE_RAW;

		if (nr_args != 1 || udamos_parse_rate(args[0], &x, &unit) ||
		    unit != UDAMOS_RATE_BP)
			return why(w, "populated filter needs the share of a window's pages that "
				   "must be present, as a percentage (e.g. populated nomatching "
				   "87.5%% reject)");
		f.min_populated_bp = (uint32_t)x;
		break;
	}
	default:
		if (nr_args)
			return why(w, "%s filter takes no arguments; remove '%s'", type, args[0]);
		break;
	}
	s->filters[s->nr_filters++] = f;
	return 0;
}

struct udamos_scheme *udamos_schemes_push(struct udamos_scheme **v, size_t *n,
					  enum udamos_action action)
{
	struct udamos_scheme *grown = realloc(*v, (*n + 1) * sizeof(*grown));

	if (!grown)
		return NULL;
	*v = grown;
	udamos_scheme_init(&grown[*n], action);
	return &grown[(*n)++];
}

void udamos_schemes_free(struct udamos_scheme *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		udamos_scheme_release(&v[i]);
	free(v);
}
