// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The dry-run actuator; see dryrun.h.
 */
#include "action/dryrun.h"

#include <stdlib.h>
#include <string.h>

#include "core/filter.h"
#include "core/hugewin.h"
#include "core/vec.h"
#include "report/report.h"

static bool inside(const struct udamos_rec_ranges *rr, uint64_t start, uint64_t end)
{
	return rr && udamos_ranges_overlap(rr->r, rr->nr, start, end) == end - start;
}

/* Index of the first collapsed window at or above w. */
static size_t collapsed_from(const struct udamos_dryrun_target *t, uint64_t w)
{
	size_t lo = 0, hi = t->nr_collapsed;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->collapsed[mid] < w)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool in_collapsed(const struct udamos_dryrun_target *t, uint64_t w)
{
	size_t i = collapsed_from(t, w);

	return i < t->nr_collapsed && t->collapsed[i] == w;
}

uint64_t udamos_dryrun_huge_bytes(const struct udamos_dryrun_target *t, uint64_t start,
				  uint64_t end)
{
	uint64_t mask = udamos_huge_size() - 1, lo = (start + mask) & ~mask, hi = end & ~mask;
	uint64_t bytes = 0;

	if (start > UINT64_MAX - mask || lo >= hi)
		return 0;
	/* By ranges, never window by window: a recorded range may span the
	 * whole address space. */
	for (size_t i = 0; t->huge && i < t->huge->nr; i++) {
		const struct udamos_rec_range *h = &t->huge->r[i];
		uint64_t a = h->start > UINT64_MAX - mask ? UINT64_MAX : (h->start + mask) & ~mask;
		uint64_t b = h->end & ~mask;

		a = a > lo ? a : lo;
		b = b < hi ? b : hi;
		if (a < b)
			bytes += b - a;
	}
	for (size_t i = collapsed_from(t, lo); i < t->nr_collapsed && t->collapsed[i] < hi; i++)
		if (!inside(t->huge, t->collapsed[i], t->collapsed[i] + udamos_huge_size()))
			bytes += udamos_huge_size();
	/* Overlapping ranges (only a corrupted recording has them) count once. */
	return bytes < hi - lo ? bytes : hi - lo;
}

bool udamos_dryrun_is_huge(const struct udamos_dryrun_target *t, uint64_t addr)
{
	uint64_t w = addr & ~(udamos_huge_size() - 1);

	return inside(t->huge, w, w + udamos_huge_size()) || in_collapsed(t, w);
}

static int mark_collapsed(struct udamos_dryrun_target *t, uint64_t w)
{
	size_t i = t->nr_collapsed;

	if (udamos_reserve(&t->collapsed, &t->cap_collapsed, t->nr_collapsed + 1,
			   sizeof(*t->collapsed)))
		return -1;
	while (i > 0 && t->collapsed[i - 1] > w) {
		t->collapsed[i] = t->collapsed[i - 1];
		i--;
	}
	t->collapsed[i] = w;
	t->nr_collapsed++;
	return 0;
}

static void note(struct udamos_dryrun *d, const struct udamos_apply_req *req, uint64_t start,
		 uint64_t end, uint64_t bytes)
{
	struct udamos_dryrun_event *last = d->nr_events ? &d->events[d->nr_events - 1] : NULL;
	uint32_t scheme = (uint32_t)(req->scheme - d->schemes);

	/* One event per contiguous run within one apply. */
	if (last && last->time_us == d->now_us && last->target == req->target &&
	    last->scheme == scheme && last->end == start) {
		last->end = end;
		last->bytes += bytes;
		return;
	}
	if (udamos_reserve(&d->events, &d->cap_events, d->nr_events + 1, sizeof(*d->events)))
		return;
	d->events[d->nr_events++] = (struct udamos_dryrun_event){
		d->now_us, req->target, scheme, start, end, bytes };
}

static bool passes(const struct udamos_apply_req *req, const struct udamos_dryrun_target *t,
		   uint64_t start, uint64_t end)
{
	struct udamos_mem_attrs attrs = {
		.target = req->target, .start = start, .end = end,
		.anon = inside(t->anon, start, end),
		.huge = udamos_dryrun_is_huge(t, start),
		/* Recordings do not say how full windows are: a replay takes
		 * them as whole, so it shows what the populated filter would
		 * leave only as an upper bound on what is collapsed. */
		.populated_bp = 10000,
	};

	return udamos_ops_filters_allow(req->ops_filters, req->nr_ops_filters,
					req->ops_default_allow, &attrs);
}

/* The mapping holding [start, end) whole, as the live actuator requires. */
static bool one_mapping(const struct udamos_rec_ranges *vmas, uint64_t start, uint64_t end)
{
	for (size_t i = 0; vmas && i < vmas->nr; i++)
		if (vmas->r[i].start <= start && end <= vmas->r[i].end)
			return true;
	return false;
}

void udamos_dryrun_apply(void *ctx, const struct udamos_apply_req *req,
			 struct udamos_apply_res *res)
{
	struct udamos_dryrun *d = ctx;
	struct udamos_dryrun_target *t = &d->targets[req->target];
	enum udamos_action action = req->scheme->action;
	uint64_t first, end;

	if (action == UDAMOS_ACTION_COLLAPSE) {
		if (!udamos_owned_windows(req->start, req->end, &first, &end))
			return;
		for (uint64_t w = first; w < end; w += udamos_huge_size()) {
			if (!one_mapping(t->vmas, w, w + udamos_huge_size()) ||
			    !passes(req, t, w, w + udamos_huge_size()))
				continue;
			res->sz_filter_passed += udamos_huge_size();
			res->sz_applied += udamos_huge_size();
			if (!udamos_dryrun_is_huge(t, w))
				mark_collapsed(t, w);
			note(d, req, w, w + udamos_huge_size(), udamos_huge_size());
		}
		return;
	}
	/* The others: every mapped piece that passes, judged per window. */
	for (size_t i = 0; t->vmas && i < t->vmas->nr; i++) {
		uint64_t s = t->vmas->r[i].start > req->start ? t->vmas->r[i].start : req->start;
		uint64_t e = t->vmas->r[i].end < req->end ? t->vmas->r[i].end : req->end;

		while (s < e) {
			uint64_t piece_end = (s & ~(udamos_huge_size() - 1)) + udamos_huge_size();

			if (piece_end > e)
				piece_end = e;
			if (passes(req, t, s, piece_end)) {
				res->sz_filter_passed += piece_end - s;
				if (action != UDAMOS_ACTION_STAT) {
					res->sz_applied += piece_end - s;
					note(d, req, s, piece_end, piece_end - s);
				}
			}
			s = piece_end;
		}
	}
}

void udamos_dryrun_release(struct udamos_dryrun *d)
{
	for (size_t i = 0; i < d->nr_targets; i++)
		free(d->targets[i].collapsed);
	free(d->events);
	d->events = NULL;
	d->nr_events = d->cap_events = 0;
}
