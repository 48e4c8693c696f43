// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The shared source; see shared.h.  Nothing here writes a file of the
 * kdamond: the only writes are to our own trace instance.
 */
#include "source/shared.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/projection.h"
#include "core/vec.h"
#include "source/frames.h"
#include "source/kmon.h"
#include "sys/clock.h"
#include "sys/procfs.h"

/* How often the kdamond is checked to be the one we attached to. */
#define CHECK_US 1000000ULL

struct shared {
	struct udamos_kmon_source ks;	/* first: see kmon.h */
	struct udamos_shared_cfg cfg;
	struct udamos_shared_choice c;
	bool paddr;
	struct udamos_frames_set frames;	/* paddr */
	int *their_idx;				/* vaddr: per target, or -1 */
	struct udamos_ages_set ages;	/* vaddr's; paddr's are in frames */
	struct udamos_extent *ext;
	size_t cap_ext;
	struct udamos_region *phys;		/* paddr: all its regions */
	size_t cap_phys;
	struct udamos_snapshot *snaps;
	struct udamos_mon_attrs attrs;		/* its intervals, as they are now */
	uint64_t ratio;				/* aggr / sample, as its owner set */
	uint64_t next_check_us;
	char failure[256];
};

static int watched_index(const struct udamos_foreign_kdamond *k, pid_t pid)
{
	for (size_t j = 0; j < k->nr_targets; j++)
		if (k->target_pids[j] == pid)
			return (int)j;
	return -1;
}

/* Bytes of frames [s, e) inside the ranges k monitors. */
static uint64_t inside(const struct udamos_foreign_kdamond *k, uint64_t s, uint64_t e)
{
	uint64_t sum = 0;

	for (size_t r = 0; r < k->nr_ranges; r++) {
		uint64_t lo = s > k->ranges[r][0] ? s : k->ranges[r][0];
		uint64_t hi = e < k->ranges[r][1] ? e : k->ranges[r][1];

		sum += hi > lo ? hi - lo : 0;
	}
	return sum;
}

/* Bytes of the targets' memory k watches, and their resident bytes. */
static void measure(const struct udamos_shared_cfg *cfg, const struct udamos_frames_set *fr,
		    struct udamos_shared_choice *c)
{
	c->watched = c->resident = 0;
	for (size_t i = 0; i < cfg->nr_targets; i++) {
		const struct udamos_frames *f = &fr->f[i];

		c->resident += f->resident_pages * udamos_page_size();
		if (strcmp(c->k.ops, "paddr")) {
			if (watched_index(&c->k, cfg->targets[i].pid) >= 0)
				c->watched += f->resident_pages * udamos_page_size();
			continue;
		}
		for (size_t e = 0; e < f->nr_ext; e++)
			c->watched += inside(&c->k, f->ext[e].pfn * udamos_page_size(),
					     (f->ext[e].pfn + f->ext[e].npages) * udamos_page_size());
	}
}

static void consider(const struct udamos_shared_cfg *cfg, const struct udamos_frames_set *fr,
		     struct udamos_shared_choice *cand, struct udamos_shared_choice *best,
		     bool *found)
{
	if (strcmp(cand->k.ops, "paddr") && strcmp(cand->k.ops, "vaddr"))
		return;		/* fvaddr: fixed ranges of no one process */
	measure(cfg, fr, cand);
	if (!*found || cand->watched > best->watched)
		*best = *cand;
	*found = true;
}

int udamos_shared_find(const struct udamos_shared_cfg *cfg, struct udamos_shared_choice *out,
		       char *why, size_t len)
{
	struct udamos_frames_set fr;
	struct udamos_damon_view v;
	struct udamos_shared_choice cand;
	bool found = false;
	int err = udamos_frames_set_init(&fr, cfg->targets, cfg->nr_targets,
					 UDAMOS_FRAMES_REFRESH_US, NULL);

	if (err)
		return err;
	err = udamos_frames_refresh(&fr, true, NULL);
	if (err) {
		udamos_frames_explain(err, why, len);
		udamos_frames_set_release(&fr);
		return err;
	}
	if (!udamos_damon_view(cfg->damon_root, &v)) {
		for (unsigned i = 0; i < v.nr_kdamonds && i < UDAMOS_MAX_KDAMONDS; i++) {
			memset(&cand, 0, sizeof(cand));
			cand.idx = i;
			if (!udamos_foreign_read_sysfs(cfg->damon_root, i, &cand.k))
				consider(cfg, &fr, &cand, out, &found);
		}
	}
	for (size_t m = 0; udamos_damon_modules[m]; m++) {
		memset(&cand, 0, sizeof(cand));
		if (!udamos_foreign_read_module(udamos_damon_modules[m], &cand.k))
			consider(cfg, &fr, &cand, out, &found);
	}
	udamos_frames_set_release(&fr);
	if (!found) {
		snprintf(why, len, "no running kdamond to share: none in %s, and no DAMON "
			 "module (damon_reclaim, damon_lru_sort) enabled", cfg->damon_root);
		return -ENOENT;
	}
	return 0;
}

static void set_intervals(struct shared *s, uint64_t sample_us, uint64_t aggr_us)
{
	s->attrs.sample_us = sample_us;
	s->attrs.aggr_us = aggr_us;
}

/* Is it still the kdamond we attached to?  Follows its intervals. */
static int check(struct shared *s, bool now)
{
	struct udamos_foreign_kdamond cur;
	uint64_t t = udamos_now_us();
	int err;

	if (!now && t < s->next_check_us)
		return 0;
	s->next_check_us = t + CHECK_US;
	err = udamos_foreign_check(&s->c.k, s->cfg.damon_root, s->c.idx, &cur, s->failure,
				   sizeof(s->failure));
	if (err)
		return err;
	if (s->ks.mon.trace.tuned_sample_us)
		set_intervals(s, s->ks.mon.trace.tuned_sample_us,
			      s->ks.mon.trace.tuned_sample_us * s->ratio);
	else if (!cur.tuned)
		set_intervals(s, cur.sample_us, cur.aggr_us);
	return 0;
}

/* Waits for an aggregation, checking on the kdamond while none comes. */
static int wait_aggregation(struct shared *s)
{
	uint64_t waited = 0, patience = 10 * s->attrs.aggr_us + 30000000;

	for (;;) {
		uint64_t slice = 2 * s->attrs.aggr_us + 1000000;
		int err = udamos_kmon_next(&s->ks.mon, slice, s->cfg.stop);

		if (err != -ETIMEDOUT)
			return err ? err : check(s, false);
		err = check(s, true);
		if (err)
			return err;
		waited += slice;
		if (waited >= patience) {
			snprintf(s->failure, sizeof(s->failure), "%s (pid %d) runs, but no "
				 "damon_aggregated event came for %llu s; udamos stops acting",
				 s->c.k.name, s->c.k.pid, (unsigned long long)(waited / 1000000));
			return -ETIMEDOUT;
		}
	}
}

static int cmp_region(const void *a, const void *b)
{
	const struct udamos_region *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Every region of every one of its targets, in address order. */
static int gather_phys(struct shared *s, size_t *n)
{
	const struct udamos_kmon *m = &s->ks.mon;
	size_t total = 0;

	for (size_t j = 0; j < m->nr_targets; j++)
		total += m->t[j].nr;
	if (udamos_reserve(&s->phys, &s->cap_phys, total + 1, sizeof(*s->phys)))
		return -ENOMEM;
	*n = 0;
	for (size_t j = 0; j < m->nr_targets; j++) {
		memcpy(s->phys + *n, m->t[j].r, m->t[j].nr * sizeof(*s->phys));
		*n += m->t[j].nr;
	}
	if (m->nr_targets > 1)
		qsort(s->phys, *n, sizeof(*s->phys), cmp_region);
	return 0;
}

static int project_vaddr(struct shared *s, size_t i, struct udamos_snapshot *sn)
{
	const struct udamos_kmon_target *t;
	int j = s->their_idx[i];

	if (j < 0 || (size_t)j >= s->ks.mon.nr_targets) {
		sn->nr_regions = 0;	/* not watched: unknown */
		return 0;
	}
	t = &s->ks.mon.t[j];
	if (udamos_reserve(&s->ext, &s->cap_ext, t->nr + 1, sizeof(*s->ext)))
		return -ENOMEM;
	/* Identity extents, as the vaddr source: the regions are virtual. */
	for (size_t k = 0; k < t->nr; k++)
		s->ext[k] = (struct udamos_extent){
			.vaddr = t->r[k].start, .pfn = t->r[k].start / udamos_page_size(),
			.npages = (t->r[k].end - t->r[k].start) / udamos_page_size(),
		};
	return udamos_project(s->ext, t->nr, t->r, t->nr, &s->ages.per_target[i], sn);
}

static int shared_next(struct udamos_source *src, struct udamos_snapshot **snaps, size_t *nr)
{
	struct shared *s = (struct shared *)src;
	size_t n_phys = 0;
	int err = wait_aggregation(s);

	if (err)
		return err;
	if (s->paddr) {
		err = udamos_frames_refresh(&s->frames, false, NULL);
		if (!err || err == -ESRCH)
			err = gather_phys(s, &n_phys);
		if (err)
			return err;
	}
	for (size_t i = 0; i < s->cfg.nr_targets; i++) {
		struct udamos_snapshot *sn = &s->snaps[i];

		err = s->paddr ? udamos_frames_project(&s->frames, i, s->phys, n_phys, sn) :
			project_vaddr(s, i, sn);
		if (err)
			return err;
		udamos_kmon_stamp(&s->ks.mon, sn, (uint32_t)i, &s->attrs);
	}
	udamos_kmon_hint_flusher(&s->ks.mon, s->snaps, s->cfg.nr_targets);
	*snaps = s->snaps;
	*nr = s->cfg.nr_targets;
	return 0;
}

static void shared_destroy(struct udamos_source *src)
{
	struct shared *s = (struct shared *)src;

	/* Only our trace instance: the kdamond is not ours to stop. */
	udamos_kmon_stop(&s->ks.mon);
	for (size_t i = 0; s->snaps && i < s->cfg.nr_targets; i++)
		udamos_snapshot_release(&s->snaps[i]);
	udamos_ages_set_release(&s->ages, s->cfg.nr_targets);
	udamos_frames_set_release(&s->frames);
	free(s->their_idx);
	free(s->ext);
	free(s->phys);
	free(s->snaps);
	free(s);
}

static int shared_coverage(struct udamos_source *src, size_t i, uint64_t *monitored,
			   uint64_t *resident)
{
	struct shared *s = (struct shared *)src;
	struct udamos_target *t = &s->cfg.targets[i];
	struct udamos_mem_usage u;

	if (s->paddr) {
		udamos_frames_coverage(&s->frames, i, monitored, resident);
		return 0;
	}
	if (t->gone || udamos_read_mem_usage(t->pid, t->pidfd, &u))
		return -ESRCH;
	*resident = u.rss;
	*monitored = s->their_idx[i] >= 0 ? u.rss : 0;
	return 0;
}

static void shared_describe(struct udamos_source *src, char *buf, size_t len)
{
	struct shared *s = (struct shared *)src;

	snprintf(buf, len, "%s (pid %d, %s, sampling %llu ms, aggregation %llu ms%s), run "
		 "by someone else and only read", s->c.k.name, s->c.k.pid, s->c.k.ops,
		 (unsigned long long)(s->attrs.sample_us / 1000),
		 (unsigned long long)(s->attrs.aggr_us / 1000),
		 s->c.k.tuned ? ", tuned by the kernel" : "");
}

/* Its CPU is reported beside udamos's, for reference: it is not ours. */
static int shared_kernel_pid(struct udamos_source *src)
{
	return ((struct shared *)src)->c.k.pid;
}

/* Only a paddr kdamond's regions are projected, and smoothed. */
static unsigned shared_settle(struct udamos_source *src)
{
	return ((struct shared *)src)->paddr ? UDAMOS_PROJ_SMOOTHED_SETTLE : 1;
}

static const char *shared_failure(struct udamos_source *src)
{
	struct shared *s = (struct shared *)src;

	return s->failure[0] ? s->failure : NULL;
}

static const struct udamos_source_ops shared_ops = {
	.name = "shared",
	.next = shared_next,
	.destroy = shared_destroy,
	.kernel_pid = shared_kernel_pid,
	.coverage = shared_coverage,
	.flushes = udamos_kmon_source_flushes,
	.describe = shared_describe,
	.failure = shared_failure,
	.settle = shared_settle,
};

int udamos_shared_create(const struct udamos_shared_cfg *cfg,
			 const struct udamos_shared_choice *choice,
			 struct udamos_source **out, char *why, size_t len)
{
	struct shared *s = calloc(1, sizeof(*s));
	size_t n = cfg->nr_targets ? cfg->nr_targets : 1;
	int err;

	if (!s)
		return -ENOMEM;
	s->ks.base.ops = &shared_ops;
	s->cfg = *cfg;
	s->c = *choice;
	s->paddr = !strcmp(choice->k.ops, "paddr");
	udamos_kmon_init(&s->ks.mon);
	udamos_mon_attrs_default(&s->attrs);
	set_intervals(s, choice->k.sample_us, choice->k.aggr_us);
	s->ratio = choice->k.aggr_us / choice->k.sample_us;
	s->snaps = calloc(n, sizeof(*s->snaps));
	s->their_idx = calloc(n, sizeof(*s->their_idx));
	/* The ages go where the projection is: frames for paddr. */
	err = udamos_frames_set_init(&s->frames, cfg->targets, cfg->nr_targets,
				     UDAMOS_FRAMES_REFRESH_US, s->paddr ? cfg->ages : NULL);
	if (!err)
		err = udamos_ages_set_init(&s->ages, s->paddr ? NULL : cfg->ages, n);
	if (err || !s->snaps || !s->their_idx) {
		shared_destroy(&s->ks.base);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->nr_targets; i++)
		s->their_idx[i] = watched_index(&choice->k, cfg->targets[i].pid);
	err = s->paddr ? udamos_frames_refresh(&s->frames, true, NULL) : 0;
	if (err) {
		udamos_frames_explain(err, why, len);
	} else {
		size_t theirs = s->paddr ? (choice->k.nr_targets ? choice->k.nr_targets : 1) :
			choice->k.nr_targets;

		err = udamos_kmon_attach(&s->ks.mon, choice->k.pid, theirs, cfg->guard, why, len);
	}
	if (!err)
		err = udamos_kmon_flusher_setup(&s->ks.mon, cfg->targets, cfg->nr_targets,
						&cfg->flush, &s->attrs, why, len);
	if (err) {
		shared_destroy(&s->ks.base);
		return err;
	}
	s->next_check_us = udamos_now_us() + CHECK_US;
	*out = &s->ks.base;
	return 0;
}
