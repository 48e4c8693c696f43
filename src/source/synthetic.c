// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The synthetic source; see synthetic.h.  Each aggregation runs all its
 * sampling intervals back to back against the model (the model, not the
 * clock, decides what was accessed), then, when paced, sleeps until the
 * aggregation's wall-clock end.
 */
#include "source/synthetic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sys/clock.h"

struct synth_target {
	struct udamos_regionset rs;
};

struct synthetic {
	struct udamos_source base;
	struct udamos_synthetic_cfg cfg;
	struct udamos_rng rng;
	struct synth_target *targets;
	struct udamos_snapshot *snaps;
	uint64_t start_us;	/* wall clock at creation, when paced */
	uint64_t elapsed_us;	/* monitoring time covered so far */
	uint64_t next_update_us;
};

struct access_probe {
	struct synthetic *s;
	uint64_t t_us;
};

static bool sampled_accessed(void *ctx, uint64_t addr)
{
	struct access_probe *probe = ctx;
	double p = udamos_model_prob(probe->s->cfg.model, probe->t_us, addr);

	return p > 0.0 && udamos_rng_unit(&probe->s->rng) < p;
}

static int load_ranges(struct synthetic *s, uint32_t t, bool first)
{
	struct udamos_addr_range *ranges = NULL;
	size_t n = 0;
	int err = s->cfg.ranges(s->cfg.ranges_ctx, t, &ranges, &n);

	if (err)
		return err;
	if (first)
		err = udamos_regionset_init(&s->targets[t].rs, ranges, n,
					    s->cfg.attrs.min_nr_regions);
	else
		err = udamos_regionset_set_ranges(&s->targets[t].rs, ranges, n);
	free(ranges);
	return err;
}

static int synthetic_next(struct udamos_source *src,
			  struct udamos_snapshot **snaps, size_t *nr)
{
	struct synthetic *s = (struct synthetic *)src;
	const struct udamos_mon_attrs *a = &s->cfg.attrs;
	uint32_t max_nr = udamos_mon_max_nr_accesses(a);
	struct access_probe probe = { .s = s };
	int err;

	if (s->cfg.stop && *s->cfg.stop)
		return -EINTR;
	if (s->elapsed_us >= s->next_update_us) {
		for (uint32_t t = 0; t < s->cfg.nr_targets; t++) {
			err = load_ranges(s, t, false);
			/* A target that vanished keeps its last regions; the
			 * runner notices the exit through its pidfd. */
			if (err && err != -ESRCH && err != -ENOENT)
				return err;
		}
		s->next_update_us = s->elapsed_us + a->update_us;
	}
	for (uint32_t i = 0; i < max_nr; i++) {
		probe.t_us = s->elapsed_us + (uint64_t)i * a->sample_us;
		for (uint32_t t = 0; t < s->cfg.nr_targets; t++) {
			udamos_regionset_prepare(&s->targets[t].rs, udamos_rng_below, &s->rng);
			udamos_regionset_check(&s->targets[t].rs, sampled_accessed, &probe);
		}
	}
	s->elapsed_us += a->aggr_us;
	if (s->cfg.realtime) {
		err = udamos_sleep_until_us(s->start_us + s->elapsed_us, s->cfg.stop);
		if (err)
			return err;
	}
	for (uint32_t t = 0; t < s->cfg.nr_targets; t++) {
		struct udamos_regionset *rs = &s->targets[t].rs;
		struct udamos_snapshot *snap = &s->snaps[t];

		udamos_regionset_merge(rs, max_nr / 10, max_nr, a);
		err = udamos_regionset_export(rs, snap);
		if (err)
			return err;
		snap->target = t;
		snap->time_us = s->cfg.realtime ? s->start_us + s->elapsed_us : s->elapsed_us;
		snap->aggr_us = a->aggr_us;
		snap->max_nr_accesses = max_nr;
		udamos_regionset_reset_aggregated(rs);
		err = udamos_regionset_split(rs, a, udamos_rng_below, &s->rng);
		if (err)
			return err;
	}
	*snaps = s->snaps;
	*nr = s->cfg.nr_targets;
	return 0;
}

static void synthetic_destroy(struct udamos_source *src)
{
	struct synthetic *s = (struct synthetic *)src;

	for (uint32_t t = 0; t < s->cfg.nr_targets; t++) {
		udamos_regionset_release(&s->targets[t].rs);
		udamos_snapshot_release(&s->snaps[t]);
	}
	free(s->targets);
	free(s->snaps);
	free(s);
}

static const struct udamos_source_ops synthetic_ops = {
	.name = "oracle",
	.next = synthetic_next,
	.destroy = synthetic_destroy,
	.handed_hot_set = true,
};

int udamos_synthetic_create(const struct udamos_synthetic_cfg *cfg,
			    struct udamos_source **out)
{
	struct synthetic *s = calloc(1, sizeof(*s));
	int err = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->base.ops = &synthetic_ops;
	s->cfg = *cfg;
	udamos_rng_seed(&s->rng, cfg->model->seed);
	s->targets = calloc(cfg->nr_targets, sizeof(*s->targets));
	s->snaps = calloc(cfg->nr_targets, sizeof(*s->snaps));
	if (!s->targets || !s->snaps)
		goto fail;
	for (uint32_t t = 0; t < cfg->nr_targets; t++) {
		err = load_ranges(s, t, true);
		if (err)
			goto fail;
	}
	s->next_update_us = cfg->attrs.update_us;
	if (cfg->realtime)
		s->start_us = udamos_now_us();
	*out = &s->base;
	return 0;
fail:
	synthetic_destroy(&s->base);
	return err;
}
