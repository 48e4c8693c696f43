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

/* The windows read busiest as seen: the source's, or the regions'. */
static struct udamos_seen_peak peak_of(const struct udamos_snapshot *sn)
{
	struct udamos_seen_peak peak = { .stated = true };

	if (sn->seen_peak.stated)
		return sn->seen_peak;
	for (size_t i = 0; i < sn->nr_regions; i++)
		udamos_seen_peak_note(&peak, sn->regions[i].nr_accesses, sn->regions[i].start);
	return peak;
}

bool udamos_flush_has_peak(const struct udamos_snapshot *sn)
{
	if (!sn)
		return false;
	if (sn->seen_peak.stated)
		return sn->seen_peak.nr_accesses;
	/* Asked every aggregation before a pick: the first busy region
	 * answers it, without ranking the rest. */
	for (size_t i = 0; i < sn->nr_regions; i++)
		if (sn->regions[i].nr_accesses)
			return true;
	return false;
}

bool udamos_flush_pick(const struct udamos_snapshot *sn, uint64_t window_size,
		       const struct udamos_addr_range *mapped, size_t nr_mapped,
		       struct udamos_flush_pick *st, struct udamos_flush_plan *plan)
{
	struct udamos_seen_peak peak;

	plan->n = plan->next = 0;
	if (!sn || !sn->nr_regions || !window_size)
		return false;
	peak = peak_of(sn);
	for (uint32_t i = 0; i < peak.n && plan->n < UDAMOS_FLUSH_PLAN; i++) {
		uint64_t w = peak.addr[i] & ~(window_size - 1);

		if (!plan->n || plan->window[plan->n - 1] != w)
			plan->window[plan->n++] = w;
	}
	if (plan->n)
		return true;
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

bool udamos_flush_plan_next_small(struct udamos_flush_plan *plan,
				  bool (*is_huge)(void *ctx, uint64_t window), void *ctx,
				  uint64_t *window)
{
	unsigned first = plan->next;

	for (unsigned tried = 0; tried < plan->n; tried++) {
		uint64_t w;

		udamos_flush_plan_next(plan, &w);
		if (!is_huge(ctx, w)) {
			*window = w;
			return true;
		}
	}
	/* All huge: one of them still keeps itself seen. */
	plan->next = first;
	return udamos_flush_plan_next(plan, window);
}
