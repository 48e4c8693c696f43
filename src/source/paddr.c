// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The paddr source; see paddr.h.
 */
#include "source/paddr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/projection.h"
#include "core/vec.h"
#include "sys/clock.h"
#include "source/kmon.h"

/* Mappings larger than this are address-space reservations, not memory. */
#define MAX_VMA_SCAN (1ULL << 40)

struct per_target {
	struct udamos_extent *ext;
	size_t nr_ext, cap_ext;
	struct udamos_projection proj;	/* rebuilt at every pagemap read */
	struct udamos_window_ages ages;	/* kept across rebuilds */
};

struct paddr {
	struct udamos_kmon_source ks;	/* first: see kmon.h */
	struct udamos_paddr_cfg cfg;
	struct per_target *t;
	struct udamos_snapshot *snaps;
	uint64_t (*ranges)[2];
	size_t nr_ranges;
	uint64_t next_refresh_us;
	uint64_t first_read_us;
};

void udamos_paddr_default_attrs(struct udamos_mon_attrs *attrs)
{
	/* With DAMON's default 10..1000 regions, physical monitoring missed a
	 * third of the hot windows; 1000..10000 found them all (see
	 * ../shared/reference/kernel-paths.md). */
	attrs->sample_us = 5000;
	attrs->aggr_us = 100000;
	attrs->update_us = 1000000;
	attrs->min_nr_regions = 1000;
	attrs->max_nr_regions = 10000;
}

static int read_extents(struct paddr *p, size_t i)
{
	struct udamos_target *t = &p->cfg.targets[i];
	struct per_target *pt = &p->t[i];
	int err;

	pt->nr_ext = 0;
	if (t->gone) {
		udamos_projection_release(&pt->proj);
		return 0;
	}
	t->vmas_fresh = false;
	err = udamos_target_vmas(t);
	for (size_t v = 0; !err && v < t->nr_vmas; v++) {
		if (!t->vmas[v].readable || t->vmas[v].end - t->vmas[v].start > MAX_VMA_SCAN)
			continue;
		err = udamos_pagemap_extents(&t->pm, t->vmas[v].start, t->vmas[v].end,
					     &pt->ext, &pt->nr_ext, &pt->cap_ext);
	}
	if (err == -ESRCH) {
		t->gone = true;
		pt->nr_ext = 0;
		udamos_projection_release(&pt->proj);
		return 0;
	}
	if (!err) {
		udamos_extents_by_pfn(pt->ext, &pt->nr_ext);
		udamos_projection_release(&pt->proj);
		err = udamos_projection_build(&pt->proj, pt->ext, pt->nr_ext);
	}
	return err;
}

/* The physical ranges covering every target's extents. */
static int compute_ranges(struct paddr *p, uint64_t (**out)[2], size_t *nr)
{
	size_t n = 0, cap = 0, max = p->cfg.attrs.max_nr_regions / 4;
	struct udamos_extent *all = NULL;
	uint64_t (*r)[2];

	for (size_t i = 0; i < p->cfg.nr_targets; i++) {
		if (udamos_reserve(&all, &cap, n + p->t[i].nr_ext + 1, sizeof(*all))) {
			free(all);
			return -ENOMEM;
		}
		memcpy(all + n, p->t[i].ext, p->t[i].nr_ext * sizeof(*all));
		n += p->t[i].nr_ext;
	}
	udamos_extents_by_pfn(all, &n);
	r = malloc((max ? max : 1) * sizeof(*r));
	if (!all || !r || !n) {
		free(all);
		free(r);
		return n ? -ENOMEM : -ESRCH;
	}
	*nr = udamos_phys_ranges(all, n, max ? max : 1, r);
	*out = r;
	free(all);
	return 0;
}

/* True when some extent lies outside the monitored ranges. */
static bool uncovered(const struct paddr *p)
{
	for (size_t i = 0; i < p->cfg.nr_targets; i++) {
		const struct per_target *pt = &p->t[i];
		size_t r = 0;

		/* Extents and ranges are both sorted by frame. */
		for (size_t e = 0; e < pt->nr_ext; e++) {
			uint64_t s = pt->ext[e].pfn * UDAMOS_PAGE_SIZE;
			uint64_t end = s + pt->ext[e].npages * UDAMOS_PAGE_SIZE;

			while (r < p->nr_ranges && p->ranges[r][1] <= s)
				r++;
			if (r == p->nr_ranges || p->ranges[r][0] > s || p->ranges[r][1] < end)
				return true;
		}
	}
	return false;
}

/* Waits long enough that reading page frames stays within its budget. */
static uint64_t next_refresh_in(const struct paddr *p, uint64_t took_us)
{
	uint64_t budgeted = took_us * 1000 / UDAMOS_PADDR_REFRESH_BUDGET_PERMIL;

	return budgeted > p->cfg.refresh_us ? budgeted : p->cfg.refresh_us;
}

static int refresh(struct paddr *p, bool first)
{
	uint64_t (*ranges)[2];
	size_t nr;
	int err = 0;

	for (size_t i = 0; i < p->cfg.nr_targets && !err; i++)
		err = read_extents(p, i);
	if (err)
		return err;
	if (!first && !uncovered(p))
		return 0;
	err = compute_ranges(p, &ranges, &nr);
	if (err)
		return err;
	free(p->ranges);
	p->ranges = ranges;
	p->nr_ranges = nr;
	if (first)
		return 0;
	/* Pages moved outside what the kdamond watches: follow them. */
	err = udamos_kdamond_write_regions(p->ks.mon.kd.dir, (const uint64_t (*)[2])ranges, nr);
	return err ? err : udamos_kdamond_command(p->ks.mon.kd.dir, "commit");
}

static int paddr_next(struct udamos_source *src, struct udamos_snapshot **snaps, size_t *nr)
{
	struct paddr *p = (struct paddr *)src;
	const struct udamos_mon_attrs *a = &p->cfg.attrs;
	const struct udamos_kmon_target *phys = &p->ks.mon.t[0];
	int err = udamos_kmon_next(&p->ks.mon, 10 * a->aggr_us + 5000000, p->cfg.stop);

	if (err)
		return err;
	if (udamos_now_us() >= p->next_refresh_us) {
		uint64_t t0 = udamos_now_us(), took;

		err = refresh(p, false);
		if (err && err != -ESRCH)
			return err;
		took = udamos_now_us() - t0;
		p->next_refresh_us = udamos_now_us() + next_refresh_in(p, took);
	}
	for (size_t i = 0; i < p->cfg.nr_targets; i++) {
		struct udamos_snapshot *sn = &p->snaps[i];

		err = udamos_projection_run(&p->t[i].proj, phys->r, phys->nr,
					    &p->t[i].ages, sn);
		if (err)
			return err;
		udamos_kmon_stamp(sn, (uint32_t)i, a);
	}
	*snaps = p->snaps;
	*nr = p->cfg.nr_targets;
	return 0;
}

static void paddr_destroy(struct udamos_source *src)
{
	struct paddr *p = (struct paddr *)src;

	udamos_kmon_stop(&p->ks.mon);
	for (size_t i = 0; i < p->cfg.nr_targets; i++) {
		free(p->t[i].ext);
		udamos_projection_release(&p->t[i].proj);
		udamos_window_ages_release(&p->t[i].ages);
		udamos_snapshot_release(&p->snaps[i]);
	}
	free(p->t);
	free(p->snaps);
	free(p->ranges);
	free(p);
}

static const struct udamos_source_ops paddr_ops = {
	.name = "paddr",
	.next = paddr_next,
	.destroy = paddr_destroy,
	.kernel_pid = udamos_kmon_source_pid,
};

int udamos_paddr_create(const struct udamos_paddr_cfg *cfg, struct udamos_source **out,
			char *why, size_t len)
{
	struct paddr *p = calloc(1, sizeof(*p));
	struct udamos_kdamond_cfg kc;
	int err;

	if (!p)
		return -ENOMEM;
	p->ks.base.ops = &paddr_ops;
	p->cfg = *cfg;
	udamos_kmon_init(&p->ks.mon);
	p->t = calloc(cfg->nr_targets, sizeof(*p->t));
	p->snaps = calloc(cfg->nr_targets, sizeof(*p->snaps));
	if (!p->t || !p->snaps) {
		paddr_destroy(&p->ks.base);
		return -ENOMEM;
	}
	p->first_read_us = udamos_now_us();
	err = refresh(p, true);
	p->first_read_us = udamos_now_us() - p->first_read_us;
	if (err) {
		if (err == -EPERM || err == -EACCES)
			snprintf(why, len, "kernel DAMON sources need the page frames of the "
				 "targets, and /proc/PID/pagemap shows them only with "
				 "CAP_SYS_ADMIN; run udamos as root");
		else if (err == -ESRCH)
			snprintf(why, len, "the targets have no resident memory to monitor");
		else
			snprintf(why, len, "reading the targets' page frames: %s", strerror(-err));
		paddr_destroy(&p->ks.base);
		return err;
	}
	kc = udamos_kmon_cfg("paddr", &cfg->attrs);
	kc.regions = (const uint64_t (*)[2])p->ranges;
	kc.nr_regions = p->nr_ranges;
	err = udamos_kmon_start(&p->ks.mon, cfg->damon_root, cfg->guard, cfg->log, &kc, 1,
				why, len);
	if (err) {
		paddr_destroy(&p->ks.base);
		return err;
	}
	p->next_refresh_us = udamos_now_us() + next_refresh_in(p, p->first_read_us);
	*out = &p->ks.base;
	return 0;
}
