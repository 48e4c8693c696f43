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
	struct udamos_source base;
	struct udamos_vaddr_cfg cfg;
	struct udamos_kmon mon;
	struct udamos_snapshot *snaps;
	struct udamos_window_ages *ages;	/* per target */
	struct udamos_extent *ext;
	size_t cap_ext;
};

void udamos_vaddr_default_attrs(struct udamos_mon_attrs *attrs)
{
	udamos_mon_attrs_default(attrs);
	attrs->update_us = 1000000;
}

static int vaddr_next(struct udamos_source *src, struct udamos_snapshot **snaps, size_t *nr)
{
	struct vaddr *v = (struct vaddr *)src;
	const struct udamos_mon_attrs *a = &v->cfg.attrs;
	int err = udamos_kmon_next(&v->mon, 10 * a->aggr_us + 5000000, v->cfg.stop);

	if (err)
		return err;
	for (size_t i = 0; i < v->cfg.nr_targets; i++) {
		const struct udamos_kmon_target *t = &v->mon.t[i];
		struct udamos_snapshot *sn = &v->snaps[i];

		/* Identity extents: frame numbers stand for virtual pages, so
		 * the regions are their own "physical" snapshot. */
		if (udamos_reserve(&v->ext, &v->cap_ext, t->nr + 1, sizeof(*v->ext)))
			return -ENOMEM;
		for (size_t k = 0; k < t->nr; k++)
			v->ext[k] = (struct udamos_extent){
				.vaddr = t->r[k].start, .pfn = t->r[k].start / UDAMOS_PAGE_SIZE,
				.npages = (t->r[k].end - t->r[k].start) / UDAMOS_PAGE_SIZE,
			};
		err = udamos_project(v->ext, t->nr, t->r, t->nr, &v->ages[i], sn);
		if (err)
			return err;
		sn->target = (uint32_t)i;
		sn->time_us = udamos_now_us();
		sn->aggr_us = a->aggr_us;
		sn->max_nr_accesses = udamos_mon_max_nr_accesses(a);
	}
	*snaps = v->snaps;
	*nr = v->cfg.nr_targets;
	return 0;
}

static void vaddr_destroy(struct udamos_source *src)
{
	struct vaddr *v = (struct vaddr *)src;

	udamos_kmon_stop(&v->mon);
	for (size_t i = 0; v->snaps && i < v->cfg.nr_targets; i++)
		udamos_snapshot_release(&v->snaps[i]);
	for (size_t i = 0; v->ages && i < v->cfg.nr_targets; i++)
		udamos_window_ages_release(&v->ages[i]);
	free(v->snaps);
	free(v->ages);
	free(v->ext);
	free(v);
}

static int vaddr_kernel_pid(struct udamos_source *src)
{
	return udamos_kmon_kernel_pid(&((struct vaddr *)src)->mon);
}

static const struct udamos_source_ops vaddr_ops = {
	.name = "vaddr",
	.next = vaddr_next,
	.destroy = vaddr_destroy,
	.kernel_pid = vaddr_kernel_pid,
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
	v->base.ops = &vaddr_ops;
	v->cfg = *cfg;
	udamos_kmon_init(&v->mon);
	v->snaps = calloc(cfg->nr_targets, sizeof(*v->snaps));
	v->ages = calloc(cfg->nr_targets, sizeof(*v->ages));
	if (!v->snaps || !v->ages || cfg->nr_targets > 64) {
		vaddr_destroy(&v->base);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->nr_targets; i++)
		pids[i] = cfg->targets[i].pid;
	kc = (struct udamos_kdamond_cfg){
		.ops = "vaddr", .sample_us = cfg->attrs.sample_us,
		.aggr_us = cfg->attrs.aggr_us, .update_us = cfg->attrs.update_us,
		.min_nr_regions = cfg->attrs.min_nr_regions,
		.max_nr_regions = cfg->attrs.max_nr_regions,
		.pids = pids, .nr_pids = cfg->nr_targets,
	};
	err = udamos_kmon_start(&v->mon, cfg->damon_root, cfg->guard, cfg->log, &kc,
				cfg->nr_targets, why, len);
	if (err) {
		vaddr_destroy(&v->base);
		return err;
	}
	*out = &v->base;
	return 0;
}
