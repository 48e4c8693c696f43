// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The targets' page frames; see frames.h.
 */
#include "source/frames.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/vec.h"
#include "sys/clock.h"

/* Mappings larger than this are address-space reservations, not memory. */
#define MAX_VMA_SCAN (1ULL << 40)

int udamos_frames_set_init(struct udamos_frames_set *s, struct udamos_target *targets,
			   size_t nr, uint64_t refresh_us, struct udamos_window_ages *ages)
{
	memset(s, 0, sizeof(*s));
	s->targets = targets;
	s->nr = nr;
	s->refresh_us = refresh_us;
	s->f = calloc(nr ? nr : 1, sizeof(*s->f));
	if (!s->f || udamos_ages_set_init(&s->ages, ages, nr)) {
		udamos_frames_set_release(s);
		return -ENOMEM;
	}
	return 0;
}

void udamos_frames_set_release(struct udamos_frames_set *s)
{
	for (size_t i = 0; s->f && i < s->nr; i++) {
		free(s->f[i].ext);
		udamos_projection_release(&s->f[i].proj);
	}
	udamos_ages_set_release(&s->ages, s->nr);
	free(s->f);
	s->f = NULL;
}

static int read_and_build(struct udamos_frames *f, struct udamos_target *t);

static void forget(struct udamos_frames *f)
{
	f->nr_ext = 0;
	f->resident_pages = 0;
	udamos_projection_release(&f->proj);
}

static int read_one(struct udamos_frames *f, struct udamos_target *t)
{
	struct udamos_projection before = f->proj;
	int err;

	memset(&f->proj, 0, sizeof(f->proj));	/* kept in before until compared */
	f->nr_ext = 0;
	f->resident_pages = 0;
	err = read_and_build(f, t);
	/* The first read has nothing to compare with: all is new then. */
	if (!err && before.nw)
		f->moved_windows += udamos_projection_settle(&f->proj, before.win, before.nw);
	udamos_projection_release(&before);
	return err;
}

static int read_and_build(struct udamos_frames *f, struct udamos_target *t)
{
	int err;

	t->frames_moved = false;
	if (t->gone)
		return 0;
	t->vmas_fresh = false;
	err = udamos_target_vmas(t);
	for (size_t v = 0; !err && v < t->nr_vmas; v++) {
		if (!t->vmas[v].readable || t->vmas[v].end - t->vmas[v].start > MAX_VMA_SCAN)
			continue;
		err = udamos_pagemap_extents(&t->pm, t->vmas[v].start, t->vmas[v].end,
					     &f->ext, &f->nr_ext, &f->cap_ext);
	}
	if (err == -ESRCH) {
		t->gone = true;
		forget(f);
		return 0;
	}
	if (err)
		return err;
	udamos_extents_by_pfn(f->ext, &f->nr_ext);
	for (size_t e = 0; e < f->nr_ext; e++)
		f->resident_pages += f->ext[e].npages;
	return udamos_projection_build(&f->proj, f->ext, f->nr_ext);
}

int udamos_frames_refresh(struct udamos_frames_set *s, bool force, bool *all)
{
	uint64_t t0 = udamos_now_us(), took, budgeted;
	bool everyone = force || t0 >= s->next_refresh_us;
	bool any_left = false;

	/*
	 * A collapse in one target moves the others' frames too: the huge
	 * page is made by compaction, which migrates any process's movable
	 * pages out of the way.  A window read through the frames it left
	 * would take the rate of whatever uses them now, perhaps another
	 * target's hot huge page.  So a move anywhere re-reads everyone.
	 */
	for (size_t i = 0; i < s->nr; i++)
		everyone |= s->targets[i].frames_moved;

	if (all)
		*all = everyone;
	for (size_t i = 0; i < s->nr; i++) {
		int err = 0;

		if (everyone)
			err = read_one(&s->f[i], &s->targets[i]);
		if (err)
			return err;
		any_left |= s->f[i].nr_ext > 0;
	}
	if (!everyone)
		return any_left ? 0 : -ESRCH;
	took = udamos_now_us() - t0;
	s->last_read_took_us = took;
	budgeted = took * 1000 / UDAMOS_FRAMES_BUDGET_PERMIL;
	s->next_refresh_us = udamos_now_us() +
		(budgeted > s->refresh_us ? budgeted : s->refresh_us);
	return any_left ? 0 : -ESRCH;
}

int udamos_frames_project(struct udamos_frames_set *s, size_t i,
			  const struct udamos_region *phys, size_t n,
			  struct udamos_snapshot *out)
{
	struct udamos_frames *f = &s->f[i];
	int err = udamos_projection_run(&f->proj, phys, n, &s->ages.per_target[i],
					 UDAMOS_PROJ_RATE_SMOOTHED, out);

	f->monitored_pages = 0;
	for (size_t w = 0; !err && w < f->proj.nw; w++)
		f->monitored_pages += f->proj.win[w].pages;
	return err;
}

void udamos_frames_coverage(const struct udamos_frames_set *s, size_t i,
			    uint64_t *monitored, uint64_t *resident)
{
	*monitored = s->f[i].monitored_pages * udamos_page_size();
	*resident = s->f[i].resident_pages * udamos_page_size();
}

int udamos_frames_all(const struct udamos_frames_set *s, struct udamos_extent **out,
		      size_t *n)
{
	struct udamos_extent *all = NULL;
	size_t nr = 0, cap = 0;

	for (size_t i = 0; i < s->nr; i++) {
		if (udamos_reserve(&all, &cap, nr + s->f[i].nr_ext + 1, sizeof(*all))) {
			free(all);
			return -ENOMEM;
		}
		if (s->f[i].nr_ext)
			memcpy(all + nr, s->f[i].ext, s->f[i].nr_ext * sizeof(*all));
		nr += s->f[i].nr_ext;
	}
	udamos_extents_by_pfn(all, &nr);
	*out = all;
	*n = nr;
	return 0;
}

/* The reason for a failed first read of page frames. */
void udamos_frames_explain(int err, char *why, size_t len)
{
	if (err == -EPERM || err == -EACCES)
		snprintf(why, len, "kernel DAMON sources need the page frames of the targets, "
			 "and /proc/PID/pagemap shows them only with CAP_SYS_ADMIN; run udamos "
			 "as root");
	else if (err == -ESRCH)
		snprintf(why, len, "the targets have no resident memory to monitor");
	else
		snprintf(why, len, "reading the targets' page frames: %s", strerror(-err));
}

