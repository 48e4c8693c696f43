// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Report computations; see report.h.
 */
#include "report/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"

double udamos_rate_pct(const struct udamos_region *r, uint32_t max_nr_accesses)
{
	double pct = max_nr_accesses ? 100.0 * r->nr_accesses / max_nr_accesses : 0;

	return pct > 100 ? 100 : pct;
}

uint64_t udamos_wss(const struct udamos_snapshot *s, double min_pct)
{
	uint64_t sz = 0;

	for (size_t i = 0; i < s->nr_regions; i++)
		if (s->regions[i].nr_accesses && udamos_rate_pct(&s->regions[i], s->max_nr_accesses) >= min_pct)
			sz += udamos_region_size(&s->regions[i]);
	return sz;
}

uint64_t udamos_ranges_overlap(const struct udamos_rec_range *r, size_t nr, uint64_t start,
			       uint64_t end)
{
	uint64_t sz = 0;

	for (size_t i = 0; i < nr && r[i].start < end; i++) {
		uint64_t a = r[i].start > start ? r[i].start : start;
		uint64_t b = r[i].end < end ? r[i].end : end;

		sz += b > a ? b - a : 0;
	}
	return sz;
}

/* The ranges ever monitored, merged, with the accesses seen in each. */
struct extent {
	uint64_t start, end;
	double heat;
};

static int cmp_start(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

static int cmp_heat(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;

	return (x->heat < y->heat) - (x->heat > y->heat);
}

/* Sorts and merges overlapping or touching extents; returns how many remain. */
static size_t merge(struct extent *e, size_t n)
{
	size_t m = 0;

	if (n)
		qsort(e, n, sizeof(*e), cmp_start);
	for (size_t i = 0; i < n; i++) {
		if (m && e[i].start <= e[m - 1].end) {
			if (e[i].end > e[m - 1].end)
				e[m - 1].end = e[i].end;
			e[m - 1].heat += e[i].heat;
		} else {
			e[m++] = e[i];
		}
	}
	return m;
}

static int monitored_extents(const struct udamos_recording *rec, uint32_t target,
			     struct extent **out, size_t *nr)
{
	struct extent *e = NULL;
	size_t n = 0, cap = 0;

	for (size_t s = 0; s < rec->nr_snaps; s++) {
		const struct udamos_snapshot *sn = &rec->snaps[s];

		if (sn->target != target)
			continue;
		for (size_t i = 0; i < sn->nr_regions; i++) {
			if (udamos_reserve(&e, &cap, n + 1, sizeof(*e))) {
				free(e);
				return -ENOMEM;
			}
			e[n++] = (struct extent){ sn->regions[i].start, sn->regions[i].end,
				(double)sn->regions[i].nr_accesses *
				(double)udamos_region_size(&sn->regions[i]) };
		}
		/* Merge as we go, so memory stays that of the extents. */
		if (n > 4096 || s + 1 == rec->nr_snaps) {
			n = merge(e, n);
		}
	}
	*out = e;
	*nr = n;
	return 0;
}

/* The default axis: hottest extents holding 99% of the accesses. */
static int default_axis(struct extent *e, size_t n, struct udamos_heatmap *h)
{
	double total = 0, kept = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		total += e[i].heat;
	if (n)
		qsort(e, n, sizeof(*e), cmp_heat);
	while (k < n && (k == 0 || kept < 0.99 * total || (total == 0 && k < n)))
		kept += e[k++].heat;
	qsort(e, k, sizeof(*e), cmp_start);
	h->segs = calloc(k ? k : 1, sizeof(*h->segs));
	if (!h->segs)
		return -ENOMEM;
	for (size_t i = 0; i < k; i++) {
		h->segs[i] = (struct udamos_rec_range){ e[i].start, e[i].end };
		h->axis_bytes += e[i].end - e[i].start;
	}
	h->nr_segs = k;
	return 0;
}

uint64_t udamos_heatmap_row_addr(const struct udamos_heatmap *h, size_t row)
{
	uint64_t off = (uint64_t)((double)h->axis_bytes * (double)row / (double)h->rows);

	for (size_t i = 0; i < h->nr_segs; i++) {
		uint64_t len = h->segs[i].end - h->segs[i].start;

		if (off < len)	/* page aligned: rows name pages */
			return (h->segs[i].start + off) & ~(udamos_page_size() - 1);
		off -= len;
	}
	return h->nr_segs ? h->segs[h->nr_segs - 1].end : 0;
}

/* Adds a region's rate to the rows it covers on the axis. */
static void splat(struct udamos_heatmap *h, double *w, size_t col, uint64_t start, uint64_t end,
		  double pct)
{
	uint64_t axis_off = 0;
	double per_row = (double)h->axis_bytes / (double)h->rows;

	for (size_t i = 0; i < h->nr_segs; i++) {
		const struct udamos_rec_range *g = &h->segs[i];
		uint64_t a = start > g->start ? start : g->start;
		uint64_t b = end < g->end ? end : g->end;

		if (a < b) {
			double x0 = (double)(axis_off + a - g->start), x1 = (double)(axis_off + b - g->start);
			size_t r0 = (size_t)(x0 / per_row), r1 = (size_t)((x1 - 1) / per_row);

			for (size_t r = r0; r <= r1 && r < h->rows; r++) {
				double lo = r * per_row, hi = lo + per_row;
				double ov = (x1 < hi ? x1 : hi) - (x0 > lo ? x0 : lo);

				h->cell[r * h->cols + col] += pct * ov;
				w[r * h->cols + col] += ov;
			}
		}
		axis_off += g->end - g->start;
	}
}

static size_t col_of(const struct udamos_heatmap *h, uint64_t t)
{
	return (size_t)((double)(t - h->t0_us) * (double)h->cols / (double)(h->t1_us - h->t0_us));
}

int udamos_heatmap_build(const struct udamos_recording *rec, uint32_t target, size_t rows,
			 size_t cols, uint64_t t_from, uint64_t t_to, uint64_t a_from,
			 uint64_t a_to, struct udamos_heatmap *h)
{
	uint64_t first = UINT64_MAX, last = 0;
	struct extent *e = NULL;
	size_t n = 0;
	double *w;
	int err;

	memset(h, 0, sizeof(*h));
	for (size_t s = 0; s < rec->nr_snaps; s++) {
		if (rec->snaps[s].target != target)
			continue;
		first = rec->snaps[s].time_us < first ? rec->snaps[s].time_us : first;
		last = rec->snaps[s].time_us > last ? rec->snaps[s].time_us : last;
	}
	if (first == UINT64_MAX || !rows || !cols)
		return -ENOENT;
	/* The first snapshot covers the aggregation before it. */
	for (size_t s = 0; s < rec->nr_snaps; s++)
		if (rec->snaps[s].target == target) {
			first -= rec->snaps[s].aggr_us < first ? rec->snaps[s].aggr_us : first;
			break;
		}
	h->t0_us = first + t_from;
	h->t1_us = t_to ? first + t_to : last + 1;
	if (h->t1_us <= h->t0_us)
		return -ENOENT;
	if (a_from < a_to) {
		h->segs = malloc(sizeof(*h->segs));
		if (!h->segs)
			return -ENOMEM;
		h->segs[0] = (struct udamos_rec_range){ a_from, a_to };
		h->nr_segs = 1;
		h->axis_bytes = a_to - a_from;
	} else {
		err = monitored_extents(rec, target, &e, &n);
		if (!err)
			err = default_axis(e, n, h);
		free(e);
		if (err)
			return err;
	}
	if (!h->axis_bytes) {
		udamos_heatmap_free(h);
		return -ENOENT;
	}
	h->rows = rows;
	h->cols = cols;
	h->cell = calloc(rows * cols, sizeof(*h->cell));
	w = calloc(rows * cols, sizeof(*w));
	if (!h->cell || !w) {
		free(w);
		udamos_heatmap_free(h);
		return -ENOMEM;
	}
	for (size_t s = 0; s < rec->nr_snaps; s++) {
		const struct udamos_snapshot *sn = &rec->snaps[s];
		uint64_t from = sn->time_us > sn->aggr_us ? sn->time_us - sn->aggr_us : 0;
		size_t c0, c1;

		if (sn->target != target || sn->time_us < h->t0_us || sn->time_us >= h->t1_us)
			continue;
		/* A snapshot stands for its whole aggregation interval. */
		from = from > h->t0_us ? from : h->t0_us;
		c0 = col_of(h, from);
		c1 = col_of(h, sn->time_us);
		for (size_t col = c0; col <= c1 && col < cols; col++)
			for (size_t i = 0; i < sn->nr_regions; i++)
				splat(h, w, col, sn->regions[i].start, sn->regions[i].end,
				      udamos_rate_pct(&sn->regions[i], sn->max_nr_accesses));
	}
	for (size_t i = 0; i < rows * cols; i++)
		h->cell[i] = w[i] > 0 ? h->cell[i] / w[i] : -1;
	free(w);
	return 0;
}

void udamos_heatmap_free(struct udamos_heatmap *h)
{
	free(h->cell);
	free(h->segs);
	memset(h, 0, sizeof(*h));
}
