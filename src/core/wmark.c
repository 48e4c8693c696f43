// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Watermark state machine; see wmark.h.
 */
#include "core/wmark.h"

bool udamos_wmark_active(struct udamos_scheme *s, uint64_t now_us,
			 const struct udamos_env *env)
{
	const struct udamos_watermarks *w = &s->wmarks;
	struct udamos_scheme_state *st = &s->state;
	uint32_t m;

	if (w->metric == UDAMOS_WMARK_NONE)
		return true;
	if (now_us < st->wmark_next_check_us)
		return st->wmark_active;
	st->wmark_next_check_us = now_us + w->interval_us;
	/* An unreadable metric keeps the last decision rather than flapping. */
	if (!env->free_mem_rate || env->free_mem_rate(env->ctx, &m))
		return st->wmark_active;
	if (m > w->high || m < w->low)
		st->wmark_active = false;
	else if (m < w->mid)
		st->wmark_active = true;
	return st->wmark_active;
}
