// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Page tables held until their hot set settles; see tablehold.h.
 */
#include "core/tablehold.h"

#include "core/lockpace.h"
#include "core/units.h"

_Static_assert(UDAMOS_COLLAPSE_HOLD_ON == 1 && UDAMOS_COLLAPSE_HOLD_OFF == 2,
	       "udamos_parse_auto_on_off's order");

bool udamos_collapse_hold_wanted(enum udamos_collapse_hold mode, uint64_t fault_ns)
{
	if (mode != UDAMOS_COLLAPSE_HOLD_AUTO)
		return mode == UDAMOS_COLLAPSE_HOLD_ON;
	return fault_ns >= UDAMOS_SLOW_FAULT_NS;
}

/* An entry to reuse: one not seen for UDAMOS_HOLD_FORGET_US, else a
 * table already taken (seen longest ago), else none: a new table is then
 * taken unheld, which only costs it the wait's gain. */
static struct udamos_table_hold *slot_for(struct udamos_scheme_state *st, uint64_t now_us)
{
	struct udamos_table_hold *pick = NULL;

	if (st->nr_holds < UDAMOS_MAX_TABLE_HOLDS)
		return &st->holds[st->nr_holds++];
	for (size_t i = 0; i < st->nr_holds; i++) {
		struct udamos_table_hold *t = &st->holds[i];

		if (now_us - t->seen_us >= UDAMOS_HOLD_FORGET_US)
			return t;
		if (t->taken && (!pick || t->seen_us < pick->seen_us))
			pick = t;
	}
	return pick;
}

static struct udamos_table_hold *find(struct udamos_scheme_state *st, uint32_t target,
					uint64_t table)
{
	for (size_t i = 0; i < st->nr_holds; i++)
		if (st->holds[i].target == target && st->holds[i].table == table)
			return &st->holds[i];
	return NULL;
}

static bool settled(const struct udamos_table_hold *t, const struct udamos_hold_seen *seen,
		    uint64_t now_us)
{
	uint64_t quiet = seen->aggr_us > UDAMOS_HOLD_QUIET_US / 2 ? 2 * seen->aggr_us :
			 UDAMOS_HOLD_QUIET_US;

	return now_us - t->grew_us >= quiet &&
	       t->hot_bytes >= seen->watched_bytes >> UDAMOS_HOLD_SHARE_SHIFT;
}

enum udamos_hold_verdict udamos_table_hold_judge(struct udamos_scheme *s,
					       const struct udamos_hold_seen *seen,
					       uint64_t now_us, udamos_table_mixed_fn mixed,
					       void *ctx)
{
	struct udamos_table_hold *t = find(&s->state, seen->target, seen->table);

	if (t && now_us - t->seen_us >= UDAMOS_HOLD_FORGET_US)
		t->seen_us = 0;		/* forgotten: judged afresh, in place */
	if (!t || !t->seen_us) {
		t = t ? t : slot_for(&s->state, now_us);
		if (!t)
			return UDAMOS_HOLD_TAKE;
		*t = (struct udamos_table_hold){
			.target = seen->target, .table = seen->table,
			.first_us = now_us, .grew_us = now_us, .seen_us = now_us ? now_us : 1,
			.hot_bytes = seen->hot_bytes, .taken = mixed(ctx),
		};
		if (t->taken)
			return UDAMOS_HOLD_TAKE;
		s->stats.nr_tables_held++;
		return UDAMOS_HOLD_WAIT;
	}
	t->seen_us = now_us ? now_us : 1;
	if (t->taken)
		return UDAMOS_HOLD_TAKE;
	if (seen->hot_bytes > t->hot_bytes + (t->hot_bytes >> UDAMOS_HOLD_GROWTH_SHIFT))
		t->grew_us = now_us;
	if (seen->hot_bytes > t->hot_bytes)
		t->hot_bytes = seen->hot_bytes;
	if (settled(t, seen, now_us) || now_us - t->first_us >= UDAMOS_HOLD_MAX_US) {
		t->taken = true;
		return UDAMOS_HOLD_TAKE;
	}
	return UDAMOS_HOLD_WAIT;
}
