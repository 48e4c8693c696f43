/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DAMOS filters: which memory a scheme may touch.  The first filter that
 * matches decides; memory no filter matches gets the opposite of the last
 * filter's verdict (an allow-list rejects the rest, a reject-list allows
 * it).  Core filters (addr, target) are judged by the engine per region;
 * ops filters (anon, huge) by the actuator per piece of memory.
 */
#ifndef UDAMOS_CORE_FILTER_H
#define UDAMOS_CORE_FILTER_H

#include "udamos/scheme.h"

/* What is known of a piece of memory when filters judge it. */
struct udamos_mem_attrs {
	uint32_t target;
	uint64_t start, end;
	bool anon;
	bool huge;
	uint32_t populated_bp;	/* of the window holding the piece */
};

enum udamos_verdict { UDAMOS_NO_MATCH, UDAMOS_ALLOW, UDAMOS_REJECT };

bool udamos_filter_is_core(enum udamos_filter_type type);

/* Verdict of the first filter of the given kind (core or ops) that matches. */
enum udamos_verdict udamos_filters_judge(const struct udamos_filter *f, size_t n,
					 bool core, const struct udamos_mem_attrs *m);

/* The verdict for memory that no filter matches. */
bool udamos_filters_default_allow(const struct udamos_filter *f, size_t n);

/* Full decision for ops filters, as an actuator needs it. */
bool udamos_ops_filters_allow(const struct udamos_filter *f, size_t n,
			      bool default_allow,
			      const struct udamos_mem_attrs *m);

#endif
