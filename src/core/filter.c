// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Filter evaluation; see filter.h.
 */
#include "core/filter.h"

bool udamos_filter_is_core(enum udamos_filter_type type)
{
	return type == UDAMOS_FILTER_ADDR || type == UDAMOS_FILTER_TARGET;
}

static bool raw_match(const struct udamos_filter *f,
		      const struct udamos_mem_attrs *m)
{
	switch (f->type) {
	case UDAMOS_FILTER_ADDR:
		/* The engine splits regions at filter edges beforehand, so a
		 * piece lies wholly inside or outside. */
		return m->start >= f->addr_start && m->end <= f->addr_end;
	case UDAMOS_FILTER_TARGET:
		return m->target == f->target;
	case UDAMOS_FILTER_ANON:
		return m->anon;
	case UDAMOS_FILTER_HUGE:
		return m->huge;
	case UDAMOS_FILTER_POPULATED:
		return m->populated_bp >= f->min_populated_bp;
	default:
		return false;
	}
}

enum udamos_verdict udamos_filters_judge(const struct udamos_filter *f, size_t n,
					 bool core, const struct udamos_mem_attrs *m)
{
	for (size_t i = 0; i < n; i++) {
		if (udamos_filter_is_core(f[i].type) != core)
			continue;
		if (raw_match(&f[i], m) == f[i].matching)
			return f[i].allow ? UDAMOS_ALLOW : UDAMOS_REJECT;
	}
	return UDAMOS_NO_MATCH;
}

bool udamos_filters_default_allow(const struct udamos_filter *f, size_t n)
{
	return n ? !f[n - 1].allow : true;
}

bool udamos_ops_filters_allow(const struct udamos_filter *f, size_t n,
			      bool default_allow,
			      const struct udamos_mem_attrs *m)
{
	switch (udamos_filters_judge(f, n, false, m)) {
	case UDAMOS_ALLOW:
		return true;
	case UDAMOS_REJECT:
		return false;
	default:
		return default_allow;
	}
}
