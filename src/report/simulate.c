// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Offline simulation of schemes on a recording; see simulate.h.
 */
#include "report/simulate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"
#include "udamos/engine.h"

/*
 * The replay's hugepage_mem_bp: a recording holds no node-wide memory
 * figures, so its targets' anonymous mappings stand for the memory in use.
 */
static uint64_t huge_bytes(const struct udamos_sim *s, uint32_t t, uint64_t now,
			   uint64_t *anon_out)
{
	const struct udamos_rec_ranges *anon = udamos_rec_ranges_at(s->rec, UDAMOS_REC_ANON, t, now);
	uint64_t huge = 0, anon_sz = 0;

	for (size_t i = 0; anon && i < anon->nr; i++) {
		anon_sz += anon->r[i].end - anon->r[i].start;
		huge += udamos_dryrun_huge_bytes(&s->dry.targets[t], anon->r[i].start,
						 anon->r[i].end);
	}
	if (anon_out)
		*anon_out = anon_sz;
	return huge;
}

static int goal_metric(void *ctx, enum udamos_goal_metric m, const void *reader,
		       uint64_t *value)
{
	struct udamos_sim *s = ctx;
	uint64_t huge = 0, anon = 0, a;

	(void)reader;
	if (m != UDAMOS_GOAL_HUGEPAGE_MEM_BP)
		return -ENODATA;	/* not in recordings */
	for (uint32_t t = 0; t < s->dry.nr_targets; t++) {
		huge += huge_bytes(s, t, s->dry.now_us, &a);
		anon += a;
	}
	if (!anon)
		return -ENODATA;
	*value = huge / anon * 10000 + huge % anon * 10000 / anon;
	return 0;
}

static int sim_huge_bytes(void *ctx, uint32_t target, uint64_t start, uint64_t end,
			  uint64_t *out)
{
	struct udamos_sim *s = ctx;

	if (target >= s->dry.nr_targets)
		return -ESRCH;
	*out = udamos_dryrun_huge_bytes(&s->dry.targets[target], start, end);
	return 0;
}

static void note_quota(struct udamos_sim *s, const struct udamos_scheme *schemes, size_t nr)
{
	for (size_t i = 0; i < nr && i < UDAMOS_SIM_MAX_SCHEMES; i++) {
		const struct udamos_scheme_state *st = &schemes[i].state;

		if (st->reset_at_us != s->last_reset[i] && s->last_reset[i] &&
		    !udamos_reserve(&s->quota[i], &s->cap_quota[i], s->nr_quota[i] + 1,
				    sizeof(*s->quota[i])))
			s->quota[i][s->nr_quota[i]++] = (struct udamos_sim_quota){
				s->last_reset[i], s->last_charged[i], s->last_esz[i] };
		s->last_reset[i] = st->reset_at_us;
		s->last_charged[i] = st->charged_sz;
		s->last_esz[i] = st->esz;
	}
}

static int replay(struct udamos_sim *s, struct udamos_scheme *schemes, size_t nr)
{
	const struct udamos_recording *rec = s->rec;
	struct udamos_engine e;
	int err = 0;

	udamos_engine_init(&e, schemes, nr,
			   (struct udamos_actuator){ udamos_dryrun_apply, &s->dry },
			   (struct udamos_env){ .goal_metric = goal_metric,
						.huge_bytes = sim_huge_bytes, .ctx = s });
	e.hold_tables = s->hold_tables;
	for (size_t i = 0; i < rec->nr_snaps && !err;) {
		size_t j = i;
		uint64_t now = rec->snaps[i].time_us;

		/* One aggregation: the consecutive snapshots of one time. */
		while (j < rec->nr_snaps && rec->snaps[j].time_us == now)
			j++;
		s->dry.now_us = now;
		for (uint32_t t = 0; t < s->dry.nr_targets; t++) {
			s->dry.targets[t].vmas = udamos_rec_ranges_at(rec, UDAMOS_REC_VMAS, t, now);
			s->dry.targets[t].anon = udamos_rec_ranges_at(rec, UDAMOS_REC_ANON, t, now);
			s->dry.targets[t].huge = udamos_rec_ranges_at(rec, UDAMOS_REC_HUGE, t, now);
		}
		err = udamos_engine_feed(&e, &rec->snaps[i], j - i);
		note_quota(s, schemes, nr);
		i = j;
	}
	udamos_engine_release(&e);
	return err;
}

bool udamos_sim_holds(enum udamos_collapse_hold hold, const struct udamos_recording *rec)
{
	if (hold == UDAMOS_COLLAPSE_HOLD_AUTO && !strcmp(rec->monitor, "oracle"))
		return false;
	return udamos_collapse_hold_wanted(hold, rec->fault_ns);
}

int udamos_sim_run(struct udamos_sim *s, const struct udamos_recording *rec,
		   struct udamos_scheme *schemes, size_t nr, enum udamos_collapse_hold hold)
{
	int err;

	memset(s, 0, sizeof(*s));
	/* Windows are the recording kernel's, not this one's. */
	if (!rec->nr_snaps || nr > UDAMOS_SIM_MAX_SCHEMES ||
	    udamos_geometry_set(rec->page_size, rec->huge_size))
		return -EINVAL;
	s->rec = rec;
	s->hold_tables = udamos_sim_holds(hold, rec);
	s->dry.nr_targets = rec->nr_targets;
	s->dry.targets = calloc(rec->nr_targets ? rec->nr_targets : 1, sizeof(*s->dry.targets));
	if (!s->dry.targets)
		return -ENOMEM;
	s->dry.schemes = schemes;
	s->t0_us = rec->snaps[0].time_us;
	s->t_end_us = rec->snaps[rec->nr_snaps - 1].time_us;
	for (uint32_t t = 0; t < s->dry.nr_targets; t++) {
		s->dry.targets[t].huge = udamos_rec_ranges_at(rec, UDAMOS_REC_HUGE, t, s->t0_us);
		s->huge_start += huge_bytes(s, t, s->t0_us, NULL);
	}
	err = replay(s, schemes, nr);
	for (uint32_t t = 0; !err && t < s->dry.nr_targets; t++)
		s->huge_end += huge_bytes(s, t, s->t_end_us, NULL);
	return err;
}

void udamos_sim_release(struct udamos_sim *s)
{
	for (size_t i = 0; i < UDAMOS_SIM_MAX_SCHEMES; i++)
		free(s->quota[i]);
	udamos_dryrun_release(&s->dry);
	free(s->dry.targets);
	memset(s, 0, sizeof(*s));
}
