// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The flush's window; see flushpick.h.
 */
#include "core/flushpick.h"

/* The next window at or after the cursor, in address order, wrapping. */
static bool next_in_turn(const struct udamos_snapshot *sn, uint64_t window_size,
			 struct udamos_flush_pick *st, uint64_t *window)
{
	uint64_t mask = window_size - 1;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sn->nr_regions; i++) {
			const struct udamos_region *r = &sn->regions[i];
			uint64_t w = r->start & ~mask;

			if (w < st->cursor)
				w = st->cursor & ~mask;
			if (w < r->end) {
				*window = w;
				st->cursor = w + window_size;
				return true;
			}
		}
		st->cursor = 0;
	}
	return false;
}

bool udamos_flush_pick(const struct udamos_snapshot *sn, uint64_t window_size,
		       struct udamos_flush_pick *st, struct udamos_flush_plan *plan)
{
	struct udamos_seen_peak peak = { 0 };
	uint64_t mask = window_size - 1;

	plan->n = plan->next = 0;
	if (!sn || !sn->nr_regions || !window_size)
		return false;
	if (sn->seen_peak.stated)
		peak = sn->seen_peak;
	else
		for (size_t i = 0; i < sn->nr_regions; i++)
			if (sn->regions[i].nr_accesses > peak.nr_accesses)
				peak = (struct udamos_seen_peak){ true, sn->regions[i].nr_accesses,
								  sn->regions[i].start };
	if (peak.nr_accesses) {
		plan->window[plan->n++] = peak.addr & ~mask;
		return true;
	}
	while (plan->n < UDAMOS_FLUSH_PLAN &&
	       next_in_turn(sn, window_size, st, &plan->window[plan->n]))
		plan->n++;
	return plan->n > 0;
}

bool udamos_flush_plan_next(struct udamos_flush_plan *plan, uint64_t *window)
{
	if (!plan->n)
		return false;
	*window = plan->window[plan->next];
	plan->next = (plan->next + 1) % plan->n;
	return true;
}
