// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The flush's window; see flushpick.h.
 */
#include "core/flushpick.h"

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * The first window at or after from that overlaps both a region and a
 * mapped range (any region, with no ranges given); both lists sorted.
 */
static bool first_window_from(const struct udamos_snapshot *sn, uint64_t window_size,
			      const struct udamos_addr_range *mapped, size_t nr_mapped,
			      uint64_t from, uint64_t *window)
{
	uint64_t mask = window_size - 1;
	size_t m = 0;

	for (size_t i = 0; i < sn->nr_regions; i++) {
		const struct udamos_region *r = &sn->regions[i];
		uint64_t lo = max64(r->start, from), hi = r->end;

		if (nr_mapped) {
			while (m < nr_mapped && mapped[m].end <= lo)
				m++;
			if (m == nr_mapped)
				return false;
			/* Not in this region: the next region may still hold it. */
			if (mapped[m].start >= r->end)
				continue;
			lo = max64(lo, mapped[m].start);
			hi = min64(hi, mapped[m].end);
		}
		if (lo < hi) {
			*window = lo & ~mask;
			return true;
		}
	}
	return false;
}

/* The next window at or after the cursor, in address order, wrapping. */
static bool next_in_turn(const struct udamos_snapshot *sn, uint64_t window_size,
			 const struct udamos_addr_range *mapped, size_t nr_mapped,
			 struct udamos_flush_pick *st, uint64_t *window)
{
	if (first_window_from(sn, window_size, mapped, nr_mapped, st->cursor, window) ||
	    first_window_from(sn, window_size, mapped, nr_mapped, 0, window)) {
		st->cursor = *window + window_size;
		return true;
	}
	return false;
}

bool udamos_flush_peak(const struct udamos_snapshot *sn, uint64_t window_size,
		       uint64_t *window)
{
	struct udamos_seen_peak peak = { 0 };

	if (!sn || !window_size)
		return false;
	if (sn->seen_peak.stated)
		peak = sn->seen_peak;
	else
		for (size_t i = 0; i < sn->nr_regions; i++)
			if (sn->regions[i].nr_accesses > peak.nr_accesses)
				peak = (struct udamos_seen_peak){ true, sn->regions[i].nr_accesses,
								  sn->regions[i].start };
	if (!peak.nr_accesses)
		return false;
	*window = peak.addr & ~(window_size - 1);
	return true;
}

bool udamos_flush_pick(const struct udamos_snapshot *sn, uint64_t window_size,
		       const struct udamos_addr_range *mapped, size_t nr_mapped,
		       struct udamos_flush_pick *st, struct udamos_flush_plan *plan)
{
	plan->n = plan->next = 0;
	if (!sn || !sn->nr_regions || !window_size)
		return false;
	if (udamos_flush_peak(sn, window_size, &plan->window[0])) {
		plan->n = 1;
		return true;
	}
	while (plan->n < UDAMOS_FLUSH_PLAN &&
	       next_in_turn(sn, window_size, mapped, nr_mapped, st, &plan->window[plan->n]))
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
