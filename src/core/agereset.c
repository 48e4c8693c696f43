// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's age resets; see agereset.h.
 */
#include "core/agereset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"

size_t udamos_resets_first(const struct udamos_age_resets *rs, uint32_t target, uint64_t addr)
{
	size_t lo = 0, hi = rs->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct udamos_age_reset *x = &rs->v[mid];

		if (x->target < target || (x->target == target && x->end <= addr))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Replaces v[from, to) with the n entries of with. */
static int splice(struct udamos_age_resets *rs, size_t from, size_t to,
		  const struct udamos_age_reset *with, size_t n)
{
	size_t nr = rs->nr - (to - from) + n;

	if (udamos_reserve(&rs->v, &rs->cap, nr, sizeof(*rs->v)))
		return -ENOMEM;
	memmove(&rs->v[from + n], &rs->v[to], (rs->nr - to) * sizeof(*rs->v));
	memcpy(&rs->v[from], with, n * sizeof(*with));
	rs->nr = nr;
	return 0;
}

static uint64_t newer(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Halves the list: each pair of one target's neighbours becomes one. */
static void coalesce(struct udamos_age_resets *rs)
{
	size_t out = 0;

	for (size_t i = 0; i < rs->nr; i++) {
		struct udamos_age_reset *last = out ? &rs->v[out - 1] : NULL;

		if (last && (i & 1) && last->target == rs->v[i].target) {
			last->end = rs->v[i].end;
			last->time_us = newer(last->time_us, rs->v[i].time_us);
			continue;
		}
		rs->v[out++] = rs->v[i];
	}
	rs->nr = out;
}

int udamos_resets_add(struct udamos_age_resets *rs, uint32_t target, uint64_t start,
		      uint64_t end, uint64_t now_us)
{
	struct udamos_age_reset with[3];
	size_t i, j, n = 0;
	int err;

	if (start >= end)
		return 0;
	i = udamos_resets_first(rs, target, start);
	/* The same moment's reset just before: grow it instead. */
	if (i > 0 && rs->v[i - 1].target == target && rs->v[i - 1].end == start &&
	    rs->v[i - 1].time_us == now_us)
		start = rs->v[--i].start;
	for (j = i; j < rs->nr && rs->v[j].target == target && rs->v[j].start < end; j++)
		;
	if (i < j && rs->v[i].start < start)
		with[n++] = (struct udamos_age_reset){ target, rs->v[i].start, start,
						       rs->v[i].time_us };
	with[n++] = (struct udamos_age_reset){ target, start, end, now_us };
	if (i < j && rs->v[j - 1].end > end)
		with[n++] = (struct udamos_age_reset){ target, end, rs->v[j - 1].end,
						       rs->v[j - 1].time_us };
	err = splice(rs, i, j, with, n);
	if (!err && rs->nr > UDAMOS_AGE_RESETS_MAX)
		coalesce(rs);
	return err;
}

void udamos_resets_prune(struct udamos_age_resets *rs, uint64_t now_us, uint64_t horizon_us)
{
	size_t out = 0;

	if (horizon_us == UINT64_MAX)
		return;	/* kept for ever: an age-ranked quota's (core/engine.c) */
	for (size_t i = 0; i < rs->nr; i++)
		if (rs->v[i].time_us >= now_us || now_us - rs->v[i].time_us <= horizon_us)
			rs->v[out++] = rs->v[i];
	rs->nr = out;
}

void udamos_resets_release(struct udamos_age_resets *rs)
{
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}
