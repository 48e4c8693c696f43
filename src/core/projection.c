// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Physical-to-virtual projection; see projection.h.
 */
#include "core/projection.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"

#define PAGE udamos_page_size()
#define WIN udamos_huge_size()

static int by_pfn(const void *a, const void *b)
{
	const struct udamos_extent *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

void udamos_extents_by_pfn(struct udamos_extent *ext, size_t *n)
{
	uint64_t reach = 0;	/* highest frame end seen so far */
	size_t owner = 0, out = 0;
	bool *dup;

	if (!*n)
		return;
	dup = calloc(*n, sizeof(*dup));
	qsort(ext, *n, sizeof(*ext), by_pfn);
	/* A frame seen twice is shared (the zero page, KSM): it says nothing
	 * about this mapping, so every extent holding one is dropped. */
	for (size_t i = 0; i < *n; i++) {
		if (i && ext[i].pfn < reach) {
			if (dup) {
				dup[i] = true;
				dup[owner] = true;
			}
		}
		if (ext[i].pfn + ext[i].npages > reach) {
			reach = ext[i].pfn + ext[i].npages;
			owner = i;
		}
	}
	for (size_t i = 0; i < *n; i++)
		if (!dup || !dup[i])
			ext[out++] = ext[i];
	free(dup);
	*n = out;
}

size_t udamos_phys_ranges(const struct udamos_extent *ext, size_t n,
			  size_t max_ranges, uint64_t (*out)[2])
{
	if (!n || !max_ranges)
		return 0;
	/* Close ever wider gaps until the ranges fit: 0, 2 MiB, 4 MiB... */
	for (uint64_t gap = 0;; gap = gap ? gap * 2 : WIN) {
		size_t nr = 0;
		bool fits = true;

		for (size_t i = 0; i < n && fits; i++) {
			uint64_t s = ext[i].pfn * PAGE, e = s + ext[i].npages * PAGE;

			if (nr && s <= out[nr - 1][1] + gap) {
				if (e > out[nr - 1][1])
					out[nr - 1][1] = e;
			} else if (nr == max_ranges) {
				fits = false;
			} else {
				out[nr][0] = s;
				out[nr][1] = e;
				nr++;
			}
		}
		if (fits)
			return nr;
	}
}

static int by_addr(const void *a, const void *b)
{
	const struct udamos_proj_window *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static size_t find(const struct udamos_proj_window *w, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* One number per window for the frames behind it: within an extent,
 * frame minus page is constant, so it is mixed in per extent and page. */
static void sign_windows(struct udamos_projection *p)
{
	for (size_t x = 0; x < p->n_ext; x++) {
		const struct udamos_extent *e = &p->ext[x];
		uint64_t delta = e->pfn * PAGE - e->vaddr, vaddr = e->vaddr, pages = e->npages;
		uint64_t mix = (delta ^ (delta >> 29)) * 0xbf58476d1ce4e5b9ULL;
		size_t wi = p->first_win[x];

		while (pages && wi < p->nw) {
			uint64_t in_win = ((vaddr & ~(WIN - 1)) + WIN - vaddr) / PAGE;
			uint64_t take = in_win < pages ? in_win : pages;

			p->win[wi++].sig += (mix ^ (vaddr / PAGE)) * (take | 1);
			vaddr += take * PAGE;
			pages -= take;
		}
	}
}

int udamos_projection_build(struct udamos_projection *p, const struct udamos_extent *ext,
			    size_t n)
{
	struct udamos_proj_window *w = NULL;
	size_t cap = 0, k = 0, out = 0;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < n; i++) {
		uint64_t first = ext[i].vaddr & ~(WIN - 1);
		uint64_t last = (ext[i].vaddr + ext[i].npages * PAGE - 1) & ~(WIN - 1);

		for (uint64_t a = first; a <= last; a += WIN) {
			/* Runs of extents in one window add it once. */
			if (k && w[k - 1].addr == a)
				continue;
			if (udamos_reserve(&w, &cap, k + 1, sizeof(*w))) {
				free(w);
				return -ENOMEM;
			}
			w[k++] = (struct udamos_proj_window){ .addr = a };
		}
	}
	if (k)	/* qsort must not be handed NULL, even for nothing */
		qsort(w, k, sizeof(*w), by_addr);
	for (size_t i = 0; i < k; i++)
		if (!out || w[i].addr != w[out - 1].addr)
			w[out++] = w[i];
	p->first_win = malloc((n ? n : 1) * sizeof(*p->first_win));
	if (!p->first_win) {
		free(w);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		p->first_win[i] = (uint32_t)find(w, out, ext[i].vaddr & ~(WIN - 1));
	p->ext = ext;
	p->n_ext = n;
	p->win = w ? w : calloc(1, sizeof(*w));
	p->nw = out;
	if (!p->win)
		return -ENOMEM;
	sign_windows(p);
	return 0;
}

size_t udamos_projection_settle(struct udamos_projection *p,
				const struct udamos_proj_window *before, size_t n_before)
{
	size_t j = 0, moved = 0;

	for (size_t i = 0; i < p->nw; i++) {
		struct udamos_proj_window *w = &p->win[i];

		while (j < n_before && before[j].addr < w->addr)
			j++;
		w->settling = j == n_before || before[j].addr != w->addr || before[j].sig != w->sig;
		moved += w->settling;
	}
	return moved;
}

void udamos_projection_release(struct udamos_projection *p)
{
	free(p->first_win);
	free(p->win);
	memset(p, 0, sizeof(*p));
}

/* Adds frames [s, e) of extent x, at the given rate and age. */
static void credit(struct udamos_projection *p, size_t x, uint64_t s, uint64_t e,
		   uint32_t nr_accesses, uint32_t age)
{
	const struct udamos_extent *ext = &p->ext[x];
	uint64_t vaddr = ext->vaddr + (s - ext->pfn * PAGE);
	uint64_t pages = (e - s) / PAGE;
	size_t wi = p->first_win[x] +
		(size_t)(((vaddr & ~(WIN - 1)) - (ext->vaddr & ~(WIN - 1))) / WIN);

	while (pages && wi < p->nw) {
		uint64_t in_win = ((vaddr & ~(WIN - 1)) + WIN - vaddr) / PAGE;
		uint64_t take = in_win < pages ? in_win : pages;
		struct udamos_proj_window *w = &p->win[wi++];

		w->pages += take;
		w->sum_nr += take * nr_accesses;
		w->sum_age += take * age;
		vaddr += take * PAGE;
		pages -= take;
	}
}

void udamos_window_ages_release(struct udamos_window_ages *a)
{
	free(a->w);
	memset(a, 0, sizeof(*a));
}

int udamos_ages_set_init(struct udamos_ages_set *s, struct udamos_window_ages *borrowed,
			 size_t nr)
{
	s->owned = !borrowed;
	s->per_target = borrowed ? borrowed : calloc(nr ? nr : 1, sizeof(*s->per_target));
	return s->per_target ? 0 : -ENOMEM;
}

void udamos_ages_set_release(struct udamos_ages_set *s, size_t nr)
{
	if (s->owned && s->per_target) {
		for (size_t i = 0; i < nr; i++)
			udamos_window_ages_release(&s->per_target[i]);
		free(s->per_target);
	}
	s->per_target = NULL;
}

/*
 * Steps the age of the window at addr, seen at rate nr; ages[*cursor..]
 * holds last aggregation's windows, sorted, consumed in address order.
 */
static uint32_t step_age(const struct udamos_window_ages *old, size_t *cursor,
			 uint64_t addr, uint32_t nr, enum udamos_proj_rate rate,
			 struct udamos_window_age *next)
{
	static const struct udamos_window_age idle;
	const struct udamos_window_age *prev = NULL;
	uint32_t now16 = nr * 16;

	while (*cursor < old->n && old->w[*cursor].addr < addr)
		(*cursor)++;
	if (*cursor < old->n && old->w[*cursor].addr == addr)
		prev = &old->w[*cursor];
	if (!prev && rate == UDAMOS_PROJ_RATE_AS_SEEN) {
		*next = (struct udamos_window_age){ addr, now16, now16, 0 };
		return 0;
	}
	/*
	 * A window first seen through physical regions starts idle, not at
	 * the rate of its first aggregation: that one reading is a mixed
	 * region's as often as its own, and as its smoothed start it would
	 * outweigh the next three.  (Every window is first seen at the start
	 * of a run, so a run started again, as the daemon's is for a new
	 * target, would otherwise give every cold window that one chance.)
	 */
	if (!prev)
		prev = &idle;
	*next = *prev;
	next->addr = addr;
	next->smooth16 = prev->smooth16 - prev->smooth16 / 4 + now16 / 4;
	/* A new run starts when the smoothed rate has halved or doubled
	 * since the run began, or the window turned idle or active (idle:
	 * under one sample in the window). */
	if (next->smooth16 * 2 < next->ref16 || next->smooth16 > next->ref16 * 2 ||
	    (next->smooth16 < 16) != (next->ref16 < 16)) {
		next->ref16 = next->smooth16;
		next->age = 0;
	} else if (next->age < UINT32_MAX) {
		next->age++;
	}
	return next->age;
}

int udamos_projection_run(struct udamos_projection *p, const struct udamos_region *phys,
			  size_t n_phys, struct udamos_window_ages *ages,
			  enum udamos_proj_rate rate, struct udamos_snapshot *out)
{
	struct udamos_window_ages next = { 0 };
	struct udamos_seen_peak peak = { .stated = true };
	struct udamos_region *regions = NULL;
	size_t nr = 0, cap = 0, q0 = 0, cursor = 0;

	for (size_t i = 0; i < p->nw; i++)
		p->win[i].pages = p->win[i].sum_nr = p->win[i].sum_age = 0;
	/* Both lists are sorted by physical address: one merge walk. */
	for (size_t i = 0; i < p->n_ext; i++) {
		uint64_t es = p->ext[i].pfn * PAGE, ee = es + p->ext[i].npages * PAGE;

		while (q0 < n_phys && phys[q0].end <= es)
			q0++;
		for (size_t q = q0; q < n_phys && phys[q].start < ee; q++)
			credit(p, i, phys[q].start > es ? phys[q].start : es,
			       phys[q].end < ee ? phys[q].end : ee,
			       phys[q].nr_accesses, phys[q].age);
	}
	if (ages && udamos_reserve(&next.w, &next.cap, p->nw + 1, sizeof(*next.w)))
		return -ENOMEM;
	for (size_t i = 0; i < p->nw; i++) {
		struct udamos_proj_window *w = &p->win[i];
		struct udamos_region r;

		if (w->settling) {
			w->settling = false;	/* one aggregation, then known again */
			continue;
		}
		if (!w->pages)
			continue;
		r = (struct udamos_region){
			.start = w->addr, .end = w->addr + WIN,
			/* Rounded to nearest, so a window of hot pages with a
			 * few cold ones still reads as nearly as hot. */
			.nr_accesses = (uint32_t)((w->sum_nr + w->pages / 2) / w->pages),
			.age = (uint32_t)(w->sum_age / w->pages),
		};
		udamos_seen_peak_note(&peak, r.nr_accesses, r.start);
		if (ages) {
			struct udamos_window_age *wa = &next.w[next.n++];

			r.age = step_age(ages, &cursor, r.start, r.nr_accesses, rate, wa);
			/* The rate the age vouches for, in whole samples
			 * seen: rounded down, so a window whose frames lie
			 * half in hot regions, 1.5 of 3 on average, does not
			 * read 2 of 3 (67%, over the default bar) after each
			 * of its hotter aggregations. */
			if (rate == UDAMOS_PROJ_RATE_SMOOTHED)
				r.nr_accesses = wa->smooth16 / 16;
		}
		if (nr && regions[nr - 1].end == r.start &&
		    regions[nr - 1].nr_accesses == r.nr_accesses &&
		    regions[nr - 1].age == r.age) {
			regions[nr - 1].end = r.end;
			continue;
		}
		if (udamos_reserve(&regions, &cap, nr + 1, sizeof(*regions))) {
			free(regions);
			free(next.w);
			return -ENOMEM;
		}
		regions[nr++] = r;
	}
	if (ages) {
		free(ages->w);
		*ages = next;
	}
	free(out->regions);
	out->regions = regions;
	out->nr_regions = nr;
	out->seen_peak = peak;
	return 0;
}

int udamos_project(const struct udamos_extent *ext, size_t n_ext,
		   const struct udamos_region *phys, size_t n_phys,
		   struct udamos_window_ages *ages, struct udamos_snapshot *out)
{
	struct udamos_projection p;
	int err = udamos_projection_build(&p, ext, n_ext);

	if (!err)
		err = udamos_projection_run(&p, phys, n_phys, ages, UDAMOS_PROJ_RATE_AS_SEEN, out);
	udamos_projection_release(&p);
	return err;
}
