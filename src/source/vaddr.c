// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vaddr source; see vaddr.h.
 */
#include "source/vaddr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/projection.h"
#include "core/vec.h"
#include "source/kmon.h"
#include "sys/clock.h"

struct vaddr {
	struct udamos_kmon_source ks;	/* first: see kmon.h */
	struct udamos_vaddr_cfg cfg;
	struct udamos_snapshot *snaps;
	struct udamos_ages_set ages;
	struct udamos_extent *ext;
	size_t cap_ext;
	struct udamos_kscheme *kschemes;	/* our copy: goal values change */
};

void udamos_vaddr_default_attrs(struct udamos_mon_attrs *attrs)
{
	udamos_mon_attrs_default(attrs);
	attrs->update_us = 1000000;
	/* At least 100 regions: with DAMON's 10, a region may span a tenth of
	 * the address space, hot and cold windows alike, and the window view
	 * would give the cold ones the mixed rate. */
	attrs->min_nr_regions = 100;
}

static int vaddr_next(struct udamos_source *src, struct udamos_snapshot **snaps, size_t *nr)
{
	struct vaddr *v = (struct vaddr *)src;
	const struct udamos_mon_attrs *a = &v->cfg.attrs;
	int err = udamos_kmon_next(&v->ks.mon, 10 * a->aggr_us + 5000000, v->cfg.stop);

	if (err)
		return err;
	for (size_t i = 0; i < v->cfg.nr_targets; i++) {
		const struct udamos_kmon_target *t = &v->ks.mon.t[i];
		struct udamos_snapshot *sn = &v->snaps[i];

		/* Identity extents: frame numbers stand for virtual pages, so
		 * the regions are their own "physical" snapshot. */
		if (udamos_reserve(&v->ext, &v->cap_ext, t->nr + 1, sizeof(*v->ext)))
			return -ENOMEM;
		for (size_t k = 0; k < t->nr; k++)
			v->ext[k] = (struct udamos_extent){
				.vaddr = t->r[k].start, .pfn = t->r[k].start / udamos_page_size(),
				.npages = (t->r[k].end - t->r[k].start) / udamos_page_size(),
			};
		err = udamos_project(v->ext, t->nr, t->r, t->nr, &v->ages.per_target[i], sn);
		if (err)
			return err;
		udamos_kmon_stamp(&v->ks.mon, sn, (uint32_t)i, a);
	}
	udamos_kmon_hint_flusher(&v->ks.mon, v->snaps, v->cfg.nr_targets);
	*snaps = v->snaps;
	*nr = v->cfg.nr_targets;
	return 0;
}

static void vaddr_destroy(struct udamos_source *src)
{
	struct vaddr *v = (struct vaddr *)src;

	udamos_kmon_stop(&v->ks.mon);
	for (size_t i = 0; v->snaps && i < v->cfg.nr_targets; i++)
		udamos_snapshot_release(&v->snaps[i]);
	udamos_ages_set_release(&v->ages, v->cfg.nr_targets);
	free(v->snaps);
	free(v->ext);
	free(v->kschemes);
	free(v);
}

static int vaddr_scheme_stats(struct udamos_source *src, size_t idx,
			      struct udamos_stats *out)
{
	return udamos_kdamond_scheme_stats(((struct vaddr *)src)->ks.mon.kd.dir, idx, out);
}

static int vaddr_feed_goals(struct udamos_source *src,
			    const uint64_t (*current)[UDAMOS_MAX_GOALS], size_t nr_schemes)
{
	struct vaddr *v = (struct vaddr *)src;
	struct udamos_kscheme *k = v->kschemes;
	bool changed = false;

	for (size_t i = 0; i < nr_schemes && i < v->cfg.nr_schemes; i++) {
		for (size_t g = 0; g < k[i].nr_goals; g++) {
			changed |= k[i].goals[g].fed && k[i].goals[g].current_value != current[i][g];
			k[i].goals[g].current_value = current[i][g];
		}
	}
	/* Each commit is a kdamond command, which also gets in the way of
	 * the operator's own (a pending tried-regions update, seen on 6.12):
	 * only when a value moved. */
	return changed ? udamos_kdamond_feed_goals(v->ks.mon.kd.dir, k, v->cfg.nr_schemes) : 0;
}

static const struct udamos_source_ops vaddr_ops = {
	.name = "vaddr",
	.next = vaddr_next,
	.destroy = vaddr_destroy,
	.kernel_pid = udamos_kmon_source_pid,
	.failure = udamos_kmon_source_failure,
	.scheme_stats = vaddr_scheme_stats,
	.feed_goals = vaddr_feed_goals,
	.flushes = udamos_kmon_source_flushes,
};

int udamos_vaddr_create(const struct udamos_vaddr_cfg *cfg, struct udamos_source **out,
			char *why, size_t len)
{
	struct vaddr *v = calloc(1, sizeof(*v));
	int pids[64];
	struct udamos_kdamond_cfg kc;
	int err;

	if (!v)
		return -ENOMEM;
	v->ks.base.ops = &vaddr_ops;
	v->cfg = *cfg;
	udamos_kmon_init(&v->ks.mon);
	v->snaps = calloc(cfg->nr_targets, sizeof(*v->snaps));
	if (cfg->nr_schemes) {
		v->kschemes = calloc(cfg->nr_schemes, sizeof(*v->kschemes));
		if (v->kschemes)
			memcpy(v->kschemes, cfg->schemes, cfg->nr_schemes * sizeof(*v->kschemes));
	}
	if (!v->snaps || udamos_ages_set_init(&v->ages, cfg->ages, cfg->nr_targets) ||
	    cfg->nr_targets > 64 ||
	    (cfg->nr_schemes && !v->kschemes)) {
		vaddr_destroy(&v->ks.base);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->nr_targets; i++)
		pids[i] = cfg->targets[i].pid;
	kc = udamos_kmon_cfg("vaddr", &cfg->attrs);
	kc.pids = pids;
	kc.nr_pids = cfg->nr_targets;
	kc.schemes = cfg->schemes;
	kc.nr_schemes = cfg->nr_schemes;
	err = udamos_kmon_start(&v->ks.mon, cfg->damon_root, cfg->guard, cfg->log, &kc,
				cfg->nr_targets, why, len);
	if (!err)
		err = udamos_kmon_flusher_setup(&v->ks.mon, cfg->targets, cfg->nr_targets,
						&cfg->flush, &cfg->attrs, why, len);
	if (err) {
		vaddr_destroy(&v->ks.base);
		return err;
	}
	*out = &v->ks.base;
	return 0;
}
