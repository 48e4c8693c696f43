// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The paddr source; see paddr.h.
 */
#include "source/paddr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "source/frames.h"
#include "source/kmon.h"

struct paddr {
	struct udamos_kmon_source ks;	/* first: see kmon.h */
	struct udamos_paddr_cfg cfg;
	struct udamos_frames_set frames;
	struct udamos_snapshot *snaps;
	uint64_t (*ranges)[2];
	size_t nr_ranges;
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

/* The physical ranges covering every target's extents. */
static int compute_ranges(struct paddr *p, uint64_t (**out)[2], size_t *nr)
{
	size_t n, max = p->cfg.attrs.max_nr_regions / 4;
	struct udamos_extent *all;
	uint64_t (*r)[2];
	int err = udamos_frames_all(&p->frames, &all, &n);

	if (err)
		return err;
	r = malloc((max ? max : 1) * sizeof(*r));
	if (!r || !n) {
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
	for (size_t i = 0; i < p->frames.nr; i++) {
		const struct udamos_frames *f = &p->frames.f[i];
		size_t r = 0;

		/* Extents and ranges are both sorted by frame. */
		for (size_t e = 0; e < f->nr_ext; e++) {
			uint64_t s = f->ext[e].pfn * udamos_page_size();
			uint64_t end = s + f->ext[e].npages * udamos_page_size();

			while (r < p->nr_ranges && p->ranges[r][1] <= s)
				r++;
			if (r == p->nr_ranges || p->ranges[r][0] > s || p->ranges[r][1] < end)
				return true;
		}
	}
	return false;
}

static int refresh(struct paddr *p, bool first)
{
	uint64_t (*ranges)[2];
	size_t nr;
	int err = udamos_frames_refresh(&p->frames, first, NULL);

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
	err = refresh(p, false);
	if (err && err != -ESRCH)
		return err;
	for (size_t i = 0; i < p->cfg.nr_targets; i++) {
		struct udamos_snapshot *sn = &p->snaps[i];

		err = udamos_frames_project(&p->frames, i, phys->r, phys->nr, sn);
		if (err)
			return err;
		udamos_kmon_stamp(&p->ks.mon, sn, (uint32_t)i, a);
	}
	udamos_kmon_hint_flusher(&p->ks.mon, p->snaps, p->cfg.nr_targets);
	*snaps = p->snaps;
	*nr = p->cfg.nr_targets;
	return 0;
}

static void paddr_destroy(struct udamos_source *src)
{
	struct paddr *p = (struct paddr *)src;

	udamos_kmon_stop(&p->ks.mon);
	for (size_t i = 0; p->snaps && i < p->cfg.nr_targets; i++)
		udamos_snapshot_release(&p->snaps[i]);
	udamos_frames_set_release(&p->frames);
	free(p->snaps);
	free(p->ranges);
	free(p);
}

static int paddr_coverage(struct udamos_source *src, size_t i, uint64_t *monitored,
			  uint64_t *resident)
{
	udamos_frames_coverage(&((struct paddr *)src)->frames, i, monitored, resident);
	return 0;
}

/* A projection's smoothed rates need this many aggregations from idle. */
static unsigned paddr_settle(struct udamos_source *src)
{
	(void)src;
	return UDAMOS_PROJ_SMOOTHED_SETTLE;
}

static const struct udamos_source_ops paddr_ops = {
	.name = "paddr",
	.next = paddr_next,
	.destroy = paddr_destroy,
	.kernel_pid = udamos_kmon_source_pid,
	.failure = udamos_kmon_source_failure,
	.coverage = paddr_coverage,
	.flushes = udamos_kmon_source_flushes,
	.settle = paddr_settle,
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
	p->snaps = calloc(cfg->nr_targets, sizeof(*p->snaps));
	err = udamos_frames_set_init(&p->frames, cfg->targets, cfg->nr_targets,
				     cfg->refresh_us, cfg->ages);
	if (err || !p->snaps) {
		paddr_destroy(&p->ks.base);
		return -ENOMEM;
	}
	err = refresh(p, true);
	if (err) {
		udamos_frames_explain(err, why, len);
		paddr_destroy(&p->ks.base);
		return err;
	}
	kc = udamos_kmon_cfg("paddr", &cfg->attrs);
	kc.regions = (const uint64_t (*)[2])p->ranges;
	kc.nr_regions = p->nr_ranges;
	err = udamos_kmon_start(&p->ks.mon, cfg->damon_root, cfg->guard, cfg->log, &kc, 1,
				why, len);
	if (!err)
		err = udamos_kmon_flusher_setup(&p->ks.mon, cfg->targets, cfg->nr_targets,
						&cfg->flush, &cfg->attrs, why, len);
	if (err) {
		paddr_destroy(&p->ks.base);
		return err;
	}
	*out = &p->ks.base;
	return 0;
}
