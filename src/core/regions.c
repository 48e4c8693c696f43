// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The region algorithm: region bookkeeping for one target.  See regions.h
 * for the contract; the comments here explain the choices.
 */
#include "core/regions.h"

#include "core/vec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGE udamos_page_size()

void udamos_mon_attrs_default(struct udamos_mon_attrs *attrs)
{
	attrs->sample_us = 5000;
	attrs->aggr_us = 100000;
	attrs->update_us = 1000000;
	attrs->min_nr_regions = 10;
	attrs->max_nr_regions = 1000;
}

void udamos_regionset_release(struct udamos_regionset *rs)
{
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

static int reserve(struct udamos_regionset *rs, size_t want)
{
	return udamos_reserve(&rs->r, &rs->cap, want, sizeof(*rs->r));
}

/* Inserts a copy of proto at index i, shifting the tail. */
static int insert_at(struct udamos_regionset *rs, size_t i,
		     const struct udamos_mon_region *proto)
{
	if (reserve(rs, rs->nr + 1))
		return -ENOMEM;
	memmove(&rs->r[i + 1], &rs->r[i], (rs->nr - i) * sizeof(*rs->r));
	rs->r[i] = *proto;
	rs->nr++;
	return 0;
}

static void remove_at(struct udamos_regionset *rs, size_t i)
{
	memmove(&rs->r[i], &rs->r[i + 1], (rs->nr - i - 1) * sizeof(*rs->r));
	rs->nr--;
}

uint64_t udamos_regionset_total(const struct udamos_regionset *rs)
{
	uint64_t total = 0;

	for (size_t i = 0; i < rs->nr; i++)
		total += rs->r[i].end - rs->r[i].start;
	return total;
}

int udamos_regionset_init(struct udamos_regionset *rs,
			  const struct udamos_addr_range *ranges, size_t n,
			  uint32_t min_nr_regions)
{
	uint64_t total = 0;

	memset(rs, 0, sizeof(*rs));
	for (size_t i = 0; i < n; i++) {
		if (ranges[i].start % PAGE || ranges[i].end % PAGE ||
		    ranges[i].end <= ranges[i].start)
			return -EINVAL;
		if (i && ranges[i].start < ranges[i - 1].end)
			return -EINVAL;
		total += ranges[i].end - ranges[i].start;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t sz = ranges[i].end - ranges[i].start;
		uint64_t pages = sz / PAGE;
		/* Pieces in proportion to size, so small ranges are not
		 * over-resolved at the expense of large ones. */
		uint64_t pieces = total ? (min_nr_regions * sz + total - 1) / total : 1;
		uint64_t step;

		if (!pages)	/* under a page: nothing to monitor */
			continue;
		if (pieces < 1)
			pieces = 1;
		if (pieces > pages)
			pieces = pages;
		step = pages / pieces * PAGE;
		for (uint64_t k = 0; k < pieces; k++) {
			struct udamos_mon_region r = {
				.start = ranges[i].start + k * step,
				.end = k + 1 == pieces ? ranges[i].end :
					ranges[i].start + (k + 1) * step,
			};
			if (insert_at(rs, rs->nr, &r)) {
				udamos_regionset_release(rs);
				return -ENOMEM;
			}
		}
	}
	return 0;
}

size_t udamos_ranges_from_mappings(const struct udamos_addr_range *maps,
				   size_t n, struct udamos_addr_range out[3])
{
	size_t gap1 = 0, gap2 = 0;	/* indices i: gap between i-1 and i */
	uint64_t sz1 = 0, sz2 = 0;
	size_t cuts[2], nr_cuts = 0, nr_out = 0;
	uint64_t from;

	if (!n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		uint64_t gap = maps[i].start > maps[i - 1].end ?
			maps[i].start - maps[i - 1].end : 0;

		if (gap > sz1) {
			sz2 = sz1, gap2 = gap1;
			sz1 = gap, gap1 = i;
		} else if (gap > sz2) {
			sz2 = gap, gap2 = i;
		}
	}
	if (sz1)
		cuts[nr_cuts++] = gap1;
	if (sz2)
		cuts[nr_cuts++] = gap2;
	if (nr_cuts == 2 && cuts[0] > cuts[1]) {
		size_t t = cuts[0];

		cuts[0] = cuts[1];
		cuts[1] = t;
	}
	from = maps[0].start;
	for (size_t c = 0; c < nr_cuts; c++) {
		out[nr_out].start = from;
		out[nr_out].end = maps[cuts[c] - 1].end;
		nr_out++;
		from = maps[cuts[c]].start;
	}
	out[nr_out].start = from;
	out[nr_out].end = maps[n - 1].end;
	return nr_out + 1;
}

void udamos_regionset_prepare(struct udamos_regionset *rs,
			      udamos_draw_fn draw, void *draw_ctx)
{
	for (size_t i = 0; i < rs->nr; i++) {
		struct udamos_mon_region *r = &rs->r[i];
		uint64_t pages = (r->end - r->start) / PAGE;

		r->sample_addr = r->start + draw(draw_ctx, pages) * PAGE;
	}
}

void udamos_regionset_check(struct udamos_regionset *rs,
			    bool (*accessed)(void *ctx, uint64_t addr),
			    void *ctx)
{
	for (size_t i = 0; i < rs->nr; i++)
		if (accessed(ctx, rs->r[i].sample_addr))
			rs->r[i].nr_accesses++;
}

static uint32_t absdiff(uint32_t a, uint32_t b)
{
	return a > b ? a - b : b - a;
}

/* Size-weighted mean, so a merge keeps the bytes' total access count. */
static uint32_t weighted(uint32_t a, uint64_t sa, uint32_t b, uint64_t sb)
{
	return (uint32_t)(((uint64_t)a * sa + (uint64_t)b * sb) / (sa + sb));
}

static void merge_pass(struct udamos_regionset *rs, uint32_t threshold,
		       uint64_t sz_limit)
{
	size_t out = 0;

	for (size_t i = 0; i < rs->nr; i++) {
		struct udamos_mon_region *cur = &rs->r[i];
		struct udamos_mon_region *prev = out ? &rs->r[out - 1] : NULL;
		uint64_t sp, sc;

		if (prev && prev->end == cur->start &&
		    absdiff(prev->nr_accesses, cur->nr_accesses) <= threshold &&
		    (sp = prev->end - prev->start) +
		    (sc = cur->end - cur->start) <= sz_limit) {
			prev->nr_accesses = weighted(prev->nr_accesses, sp,
						     cur->nr_accesses, sc);
			prev->last_nr_accesses = weighted(prev->last_nr_accesses,
							  sp, cur->last_nr_accesses, sc);
			prev->age = weighted(prev->age, sp, cur->age, sc);
			prev->end = cur->end;
			continue;
		}
		rs->r[out++] = *cur;
	}
	rs->nr = out;
}

void udamos_regionset_merge(struct udamos_regionset *rs, uint32_t threshold,
			    uint32_t max_nr_accesses,
			    const struct udamos_mon_attrs *attrs)
{
	uint64_t sz_limit = udamos_regionset_total(rs) /
		(attrs->min_nr_regions ? attrs->min_nr_regions : 1);

	if (sz_limit < PAGE)
		sz_limit = PAGE;
	/*
	 * Age is judged once per aggregation, against the threshold the
	 * caller gives, before merging mixes neighbours' histories.
	 */
	for (size_t i = 0; i < rs->nr; i++) {
		struct udamos_mon_region *r = &rs->r[i];
		bool zero_flip = (r->nr_accesses == 0) != (r->last_nr_accesses == 0);

		if (absdiff(r->nr_accesses, r->last_nr_accesses) > threshold ||
		    zero_flip)
			r->age = 0;
		else if (r->age < UINT32_MAX)
			r->age++;
	}
	for (;;) {
		merge_pass(rs, threshold, sz_limit);
		if (rs->nr <= attrs->max_nr_regions || threshold > max_nr_accesses)
			break;
		threshold = threshold ? threshold * 2 : 1;
	}
}

void udamos_regionset_reset_aggregated(struct udamos_regionset *rs)
{
	for (size_t i = 0; i < rs->nr; i++) {
		rs->r[i].last_nr_accesses = rs->r[i].nr_accesses;
		rs->r[i].nr_accesses = 0;
	}
}

int udamos_regionset_split(struct udamos_regionset *rs,
			   const struct udamos_mon_attrs *attrs,
			   udamos_draw_fn draw, void *draw_ctx)
{
	size_t nr = rs->nr, pieces = 2;

	/* Splitting must never be what pushes us past the maximum. */
	if (nr > attrs->max_nr_regions / 2)
		return 0;
	/* A count that stopped changing suggests a structure two-way
	 * splits keep missing, such as a hot band in a region's middle. */
	if (rs->nr_at_last_split == nr && nr < attrs->max_nr_regions / 3)
		pieces = 3;
	rs->nr_at_last_split = nr;

	if (reserve(rs, nr * pieces))
		return -ENOMEM;
	for (size_t i = rs->nr; i-- > 0;) {
		/* Walk backwards so inserts do not disturb unvisited regions;
		 * each cut is taken from the remaining right-hand part. */
		for (size_t k = 1; k < pieces; k++) {
			struct udamos_mon_region *r = &rs->r[i + k - 1];
			uint64_t pages = (r->end - r->start) / PAGE;
			struct udamos_mon_region right;
			uint64_t cut;

			if (pages < 2)
				break;
			cut = r->start + (1 + draw(draw_ctx, pages - 1)) * PAGE;
			right = *r;
			right.start = cut;
			r->end = cut;
			if (insert_at(rs, i + k, &right))
				return -ENOMEM;
		}
	}
	return 0;
}

int udamos_regionset_set_ranges(struct udamos_regionset *rs,
				const struct udamos_addr_range *ranges,
				size_t n)
{
	size_t i = 0;

	/* Drop regions that no range touches; clip the rest. */
	while (i < rs->nr) {
		struct udamos_mon_region *r = &rs->r[i];
		bool keep = false;

		for (size_t k = 0; k < n; k++) {
			if (r->start < ranges[k].end && ranges[k].start < r->end) {
				keep = true;
				break;
			}
		}
		if (!keep)
			remove_at(rs, i);
		else
			i++;
	}
	for (size_t k = 0; k < n; k++) {
		const struct udamos_addr_range *g = &ranges[k];
		size_t first = SIZE_MAX, last = SIZE_MAX;

		for (i = 0; i < rs->nr; i++) {
			if (rs->r[i].start < g->end && g->start < rs->r[i].end) {
				if (first == SIZE_MAX)
					first = i;
				last = i;
			}
		}
		if (first == SIZE_MAX) {
			struct udamos_mon_region fresh = {
				.start = g->start, .end = g->end,
			};

			for (i = 0; i < rs->nr && rs->r[i].start < g->start; i++)
				;
			if (insert_at(rs, i, &fresh))
				return -ENOMEM;
			continue;
		}
		rs->r[first].start = g->start;
		rs->r[last].end = g->end;
	}
	/* A region spanning two ranges is clipped to the first one. */
	for (i = 0; i + 1 < rs->nr; i++)
		if (rs->r[i].end > rs->r[i + 1].start)
			rs->r[i].end = rs->r[i + 1].start;
	for (i = 0; i < rs->nr;) {
		if (rs->r[i].end <= rs->r[i].start)
			remove_at(rs, i);
		else
			i++;
	}
	return 0;
}

int udamos_regionset_export(const struct udamos_regionset *rs,
			    struct udamos_snapshot *snap)
{
	struct udamos_region *out = realloc(snap->regions,
					    (rs->nr ? rs->nr : 1) * sizeof(*out));

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < rs->nr; i++) {
		out[i].start = rs->r[i].start;
		out[i].end = rs->r[i].end;
		out[i].nr_accesses = rs->r[i].nr_accesses;
		out[i].age = rs->r[i].age;
	}
	snap->regions = out;
	snap->nr_regions = rs->nr;
	return 0;
}
