// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The blind-spot flusher; see flusher.h.
 */
#include "source/flusher.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "sys/clock.h"

_Static_assert(UDAMOS_TLB_FLUSH_ON == 1 && UDAMOS_TLB_FLUSH_OFF == 2,
	       "udamos_parse_auto_on_off's order");

int udamos_blindspot_once(struct udamos_blindspot *out)
{
	static struct udamos_blindspot cached;
	static int err = 1;

	if (err > 0)
		err = udamos_blindspot_probe(&cached);
	*out = cached;
	return err;
}

bool udamos_flusher_will_flush(const struct udamos_flush_cfg *cfg)
{
	struct udamos_blindspot b;

	if (cfg->mode != UDAMOS_TLB_FLUSH_AUTO)
		return cfg->mode == UDAMOS_TLB_FLUSH_ON;
	return !udamos_blindspot_once(&b) && b.blind;
}

void udamos_flusher_fit_attrs(struct udamos_mon_attrs *a)
{
	uint64_t sample = UDAMOS_FLUSH_MIN_PERIOD_US / UDAMOS_FLUSH_SAMPLES;

	if (a->sample_us >= sample)
		return;
	a->sample_us = sample;
	a->aggr_us = 10 * sample;
	if (a->update_us < a->aggr_us)
		a->update_us = a->aggr_us;
}

int udamos_flusher_init(struct udamos_flusher *f, struct udamos_target *targets, size_t nr,
			const struct udamos_flush_cfg *cfg, uint64_t sample_us,
			char *why, size_t len)
{
	uint64_t min = cfg->min_period_us ? cfg->min_period_us : UDAMOS_FLUSH_MIN_PERIOD_US;

	memset(f, 0, sizeof(*f));
	f->targets = targets;
	f->nr = nr;
	if (cfg->mode == UDAMOS_TLB_FLUSH_OFF)
		return 0;
	if (cfg->mode == UDAMOS_TLB_FLUSH_AUTO) {
		int err = udamos_blindspot_once(&f->spot);

		if (err) {
			snprintf(why, len, "--tlb_flush auto: the accessed-bit probe failed (%s); "
				 "say --tlb_flush on or off", strerror(-err));
			return err;
		}
		if (!f->spot.blind)
			return 0;
	}
	f->plan = calloc(nr ? nr : 1, sizeof(*f->plan));
	f->pick = calloc(nr ? nr : 1, sizeof(*f->pick));
	f->mapped = calloc(nr ? nr : 1, sizeof(*f->mapped));
	if (!f->plan || !f->pick || !f->mapped) {
		udamos_flusher_release(f);
		return -ENOMEM;
	}
	f->active = true;
	f->period_us = UDAMOS_FLUSH_SAMPLES * sample_us;
	if (f->period_us < min)
		f->period_us = min;
	f->next_us = udamos_now_us();
	return 0;
}

void udamos_flusher_release(struct udamos_flusher *f)
{
	for (size_t t = 0; f->mapped && t < f->nr; t++)
		free(f->mapped[t].r);
	free(f->plan);
	free(f->pick);
	free(f->mapped);
	f->plan = NULL;
	f->pick = NULL;
	f->mapped = NULL;
	f->active = false;
}

/*
 * Target t's readable mappings, for windows in turn; none (the regions
 * alone) if they cannot be read.  Read afresh once a flush period, not
 * each aggregation: every read takes the target's mmap_lock, and an idle
 * target's aggregations come many to a flush.  The list cached for the
 * actuator may be a pass old, and the actuator re-reads in its own pass.
 */
static size_t mapped_ranges(struct udamos_flusher *f, size_t t)
{
	struct udamos_flush_mapped *m = &f->mapped[t];
	uint64_t now = udamos_now_us();

	if (m->read_us && now - m->read_us < f->period_us)
		return m->n;
	m->read_us = now;
	if (udamos_target_ranges_now(&f->targets[t], true, &m->r, &m->cap, &m->n))
		m->n = 0;
	return m->n;
}

void udamos_flusher_hint(struct udamos_flusher *f, const struct udamos_snapshot *snaps,
			 size_t n)
{
	if (!f->active)
		return;
	for (size_t i = 0; i < n; i++) {
		uint32_t t = snaps[i].target;
		size_t nr_mapped = 0;

		if (t >= f->nr)
			continue;
		if (!udamos_flush_has_peak(&snaps[i]))
			nr_mapped = mapped_ranges(f, t);
		udamos_flush_pick(&snaps[i], udamos_huge_size(), f->mapped[t].r, nr_mapped,
				  &f->pick[t], &f->plan[t]);
	}
}

uint64_t udamos_flusher_visible_permil(const struct udamos_flusher *f, uint64_t sample_us)
{
	uint64_t permil;

	if (!f->active || !f->period_us)
		return 1000;
	permil = sample_us * 1000 / f->period_us;
	return permil > 1000 ? 1000 : permil ? permil : 1;
}

static bool window_is_huge(void *target, uint64_t window)
{
	return udamos_window_is_huge(&((struct udamos_target *)target)->pm, window);
}

void udamos_flusher_tick(struct udamos_flusher *f)
{
	uint64_t now = udamos_now_us();

	if (!f->active || now < f->next_us)
		return;
	f->next_us = now + f->period_us;
	for (size_t i = 0; i < f->nr; i++) {
		struct udamos_target *t = &f->targets[i];
		uint64_t window;
		int err;

		if (t->gone ||
		    !udamos_flush_plan_next_small(&f->plan[i], window_is_huge, t, &window))
			continue;
		err = udamos_tlb_flush(t->pidfd, window, udamos_huge_size());
		if (err == -ESRCH)
			t->gone = true;
		else if (!err)
			f->flushes++;
	}
}
