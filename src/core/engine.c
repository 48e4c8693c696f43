// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The DAMOS engine.  Per aggregation and per due scheme it: checks the
 * watermarks, starts a quota interval when due, collects the regions that
 * match the access pattern, ranks them when the quota binds, splits them
 * at addr-filter edges, judges core filters, hands the rest to the
 * actuator and accounts what happened.
 *
 * Ages: the kernel resets a region's age when any action but stat is
 * applied to it.  Sources fed by kernel DAMON cannot have their ages reset
 * from here, so the engine keeps the reset itself: a short list of ranges
 * and the time an action touched them.  A region is judged in pieces cut
 * at those ranges' edges, each piece's age capped by the resets covering
 * it, as the kernel splits a region where a quota cut an action short.
 * Capping the whole region instead would keep its untouched remainder
 * young, and each interval would spend its quota on the touched start
 * again: a large hot region would never be finished.
 */
#include "udamos/engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/agereset.h"
#include "core/filter.h"
#include "core/hugewin.h"
#include "core/quota.h"
#include "core/tablefill.h"
#include "core/tablehold.h"
#include "core/vec.h"
#include "core/wmark.h"

struct candidate {
	uint32_t target;
	uint32_t score;
	struct udamos_region region;
	uint32_t max_nr_accesses;
	uint64_t aggr_us;
	uint64_t table_huge;	/* huge bytes in its page table, where ranked by it */
};

void udamos_engine_init(struct udamos_engine *e, struct udamos_scheme *schemes,
			size_t nr_schemes, struct udamos_actuator actuator,
			struct udamos_env env)
{
	memset(e, 0, sizeof(*e));
	e->schemes = schemes;
	e->nr_schemes = nr_schemes;
	e->actuator = actuator;
	e->env = env;
}

void udamos_engine_release(struct udamos_engine *e)
{
	udamos_resets_release(&e->resets);
}

bool udamos_engine_target_gone(const struct udamos_engine *e, uint32_t target)
{
	return target < 64 && (e->gone_targets >> target & 1);
}

static void mark_gone(struct udamos_engine *e, uint32_t target)
{
	if (target < 64)
		e->gone_targets |= 1ULL << target;
}

/*
 * How long ago a reset may still matter: the largest age bound in use,
 * or for ever where a quota ranks by age.  There the reset is what keeps
 * a region acted on behind the rest, as the kernel's own reset of the
 * region's age does until the region ages again; forgotten once past the
 * age bound (none, with an age of 0 or more), the oldest regions, done
 * already, came first each time, and the quota was spent on them (seen:
 * a collapse of a uniformly hot range stalled at its first 17 windows,
 * charged for the huge windows its filter rejected).  The list stays
 * bounded by the ranges acted on (core/agereset.h).
 */
static uint64_t reset_horizon_us(const struct udamos_engine *e, uint64_t aggr_us)
{
	uint64_t horizon = 0;

	for (size_t i = 0; i < e->nr_schemes; i++) {
		const struct udamos_scheme *s = &e->schemes[i];
		const struct udamos_pattern *p = &s->pattern;
		uint64_t bound = p->age.max != UDAMOS_UNLIMITED ? p->age.max : p->age.min;

		if (udamos_quota_bounded(&s->quota) && s->quota.weight_age)
			return UINT64_MAX;

		if (p->age_unit == UDAMOS_AGE_AGGRS)
			bound = bound > UINT64_MAX / aggr_us ? UINT64_MAX : bound * aggr_us;
		if (bound > horizon)
			horizon = bound;
	}
	return horizon;
}

/* The age of [start, end), capped by every reset that covers it. */
static uint32_t effective_age(const struct udamos_engine *e, uint32_t target,
			      uint32_t age, uint64_t start, uint64_t end, uint64_t now_us,
			      uint64_t aggr_us)
{
	const struct udamos_age_resets *rs = &e->resets;

	for (size_t i = udamos_resets_first(rs, target, start);
	     i < rs->nr && rs->v[i].target == target && rs->v[i].start < end; i++) {
		uint64_t t = rs->v[i].time_us;
		uint64_t since = now_us > t ? (now_us - t) / aggr_us : 0;

		if (since < age)
			age = (uint32_t)since;
	}
	return age;
}

/* Cut points of r at the edges of resets inside it; returns how many. */
static size_t reset_cuts(const struct udamos_engine *e, uint32_t target,
			 const struct udamos_region *r, uint64_t **cuts, size_t *cap)
{
	const struct udamos_age_resets *rs = &e->resets;
	size_t first = udamos_resets_first(rs, target, r->start), n = 0, last = first;

	while (last < rs->nr && rs->v[last].target == target && rs->v[last].start < r->end)
		last++;
	if (udamos_reserve(cuts, cap, 2 * (last - first) + 2, sizeof(**cuts)))
		return 0;
	(*cuts)[n++] = r->start;
	for (size_t i = first; i < last; i++) {
		const struct udamos_age_reset *x = &rs->v[i];

		if (x->start > r->start)
			(*cuts)[n++] = x->start;
		if (x->end < r->end)
			(*cuts)[n++] = x->end;
	}
	(*cuts)[n++] = r->end;
	return n;
}

static int tried_push(struct udamos_scheme_state *st, uint32_t target,
		      const struct udamos_region *r, uint64_t passed)
{
	if (udamos_reserve(&st->tried, &st->cap_tried, st->nr_tried + 1, sizeof(*st->tried)))
		return -ENOMEM;
	st->tried[st->nr_tried++] = (struct udamos_tried_region){
		.target = target, .region = *r, .sz_filter_passed = passed,
	};
	return 0;
}

static int by_score_desc(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	return x->region.start < y->region.start ? -1 : x->region.start > y->region.start;
}

/*
 * Equal scores, for collapse: the candidate whose page table already has
 * the most huge windows goes first, then address order as the kernel's.
 * Where a hypervisor shadows the guest's page tables (PVM), a table that
 * maps both huge and small pages makes its small pages several times
 * slower to reach (bench/mixed_table); finishing a started table before
 * starting the next leaves fewer tables mixed.  collapse_scope table
 * goes further and takes the rest of the table at once (fill_table).
 */
static int by_score_then_table(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->table_huge != y->table_huge)
		return x->table_huge > y->table_huge ? -1 : 1;
	return by_score_desc(a, b);
}

/* Huge bytes in the table holding start: the target's regions there. */
static uint64_t table_huge_bytes(const struct udamos_env *env,
				 const struct udamos_snapshot *sn, uint64_t start)
{
	uint64_t span = udamos_table_span(), lo = start / span * span;
	uint64_t hi = lo > UINT64_MAX - span ? UINT64_MAX : lo + span, total = 0;

	for (size_t k = 0; k < sn->nr_regions; k++) {
		uint64_t first, end, h;

		if (sn->regions[k].end <= lo || sn->regions[k].start >= hi)
			continue;
		if (udamos_owned_windows(sn->regions[k].start > lo ? sn->regions[k].start : lo,
					 sn->regions[k].end < hi ? sn->regions[k].end : hi,
					 &first, &end) &&
		    !env->huge_bytes(env->ctx, sn->target, first, end, &h))
			total += h;
	}
	return total;
}

static const struct udamos_snapshot *snapshot_of(const struct udamos_snapshot *snaps,
						size_t nr_snaps, uint32_t target)
{
	for (size_t k = 0; k < nr_snaps; k++)
		if (snaps[k].target == target)
			return &snaps[k];
	return NULL;
}

/*
 * Reorders the candidates that tie at the score where the quota runs
 * out.  Those above it are all applied and those below none, so only
 * that tie decides which windows are done, and only its tables are read.
 */
static void order_tie_by_table(const struct udamos_engine *e, const struct udamos_scheme *s,
			       const struct udamos_snapshot *snaps, size_t nr_snaps,
			       struct candidate *c, size_t n)
{
	uint64_t remaining = udamos_quota_remaining(s), sum = 0;
	size_t cut = 0, lo, hi;

	if (s->action != UDAMOS_ACTION_COLLAPSE || !e->env.huge_bytes)
		return;
	while (cut < n && sum < remaining) {
		uint64_t sz = c[cut].region.end - c[cut].region.start;

		sum = sz > UINT64_MAX - sum ? UINT64_MAX : sum + sz;
		if (sum < remaining)
			cut++;
	}
	if (cut >= n)
		return;
	for (lo = cut; lo > 0 && c[lo - 1].score == c[cut].score; lo--)
		;
	for (hi = cut + 1; hi < n && c[hi].score == c[cut].score; hi++)
		;
	for (size_t i = lo; i < hi; i++) {
		uint64_t table = c[i].region.start / udamos_table_span();
		const struct udamos_snapshot *sn;

		/* Candidates of one table lie together after the address sort. */
		if (i > lo && c[i - 1].target == c[i].target &&
		    c[i - 1].region.start / udamos_table_span() == table) {
			c[i].table_huge = c[i - 1].table_huge;
			continue;
		}
		sn = snapshot_of(snaps, nr_snaps, c[i].target);
		if (sn)
			c[i].table_huge = table_huge_bytes(&e->env, sn, c[i].region.start);
	}
	qsort(c + lo, hi - lo, sizeof(*c), by_score_then_table);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int collect(struct udamos_engine *e, struct udamos_scheme *s,
		   const struct udamos_snapshot *snaps, size_t nr_snaps,
		   struct candidate **out, size_t *nr_out)
{
	bool hot = udamos_action_wants_hot(s->action);
	size_t n = 0, cap = 0, cap_cuts = 0, cap_extent = 0;
	struct candidate *c = NULL;
	uint64_t *cuts = NULL, *extent = NULL;

	for (size_t i = 0; i < nr_snaps; i++) {
		const struct udamos_snapshot *sn = &snaps[i];

		if (udamos_engine_target_gone(e, sn->target) ||
		    (s->targets && (sn->target >= 64 || !(s->targets >> sn->target & 1))))
			continue;
		if (udamos_pattern_extents(&s->pattern, sn, &extent, &cap_extent)) {
			free(c);
			free(cuts);
			return -ENOMEM;
		}
		for (size_t k = 0; k < sn->nr_regions; k++) {
			size_t nr_cuts = reset_cuts(e, sn->target, &sn->regions[k], &cuts, &cap_cuts);

			if (!nr_cuts) {
				free(c);
				free(cuts);
				free(extent);
				return -ENOMEM;
			}
			qsort(cuts, nr_cuts, sizeof(*cuts), cmp_u64);
			for (size_t p = 0; p + 1 < nr_cuts; p++) {
				struct udamos_region r = sn->regions[k], judged = r;

				if (cuts[p] == cuts[p + 1])
					continue;
				r.start = cuts[p];
				r.end = cuts[p + 1];
				r.age = effective_age(e, sn->target, r.age, r.start, r.end,
						      sn->time_us, sn->aggr_us);
				/* A reset cuts the region only to give its pieces
				 * their own ages: the size bounds are judged on the
				 * region (and its extent), or the sliver a reset
				 * leaves past a 2 MiB bound would never be taken. */
				judged.age = r.age;
				if (!udamos_pattern_match_extent(&s->pattern, &judged, extent[k],
								 sn->max_nr_accesses, sn->aggr_us))
					continue;
				if (udamos_reserve(&c, &cap, n + 1, sizeof(*c))) {
					free(c);
					free(cuts);
					free(extent);
					return -ENOMEM;
				}
				c[n++] = (struct candidate){
					.target = sn->target, .region = r,
					.max_nr_accesses = sn->max_nr_accesses,
					.aggr_us = sn->aggr_us,
					.score = udamos_score(&s->quota, hot, &r,
							      sn->max_nr_accesses, sn->aggr_us),
				};
			}
		}
	}
	free(cuts);
	free(extent);
	/* Ranking only matters when not everything can be applied; address
	 * order otherwise keeps runs reproducible and cache friendly. */
	if (n > 1 && udamos_quota_bounded(&s->quota)) {
		qsort(c, n, sizeof(*c), by_score_desc);
		order_tie_by_table(e, s, snaps, nr_snaps, c, n);
	}
	*out = c;
	*nr_out = n;
	return 0;
}

/*
 * Cuts [start, end) at the edges of addr filters so that each piece lies
 * wholly inside or outside every filter.  cuts[0..n] bound n pieces.
 */
static size_t addr_cuts(const struct udamos_scheme *s, uint64_t start,
			uint64_t end, uint64_t cuts[2 * UDAMOS_MAX_FILTERS + 2])
{
	size_t n = 0, pieces = 1;

	cuts[n++] = start;
	for (size_t i = 0; i < s->nr_filters; i++) {
		const struct udamos_filter *f = &s->filters[i];

		if (f->type != UDAMOS_FILTER_ADDR)
			continue;
		if (f->addr_start > start && f->addr_start < end)
			cuts[n++] = f->addr_start;
		if (f->addr_end > start && f->addr_end < end)
			cuts[n++] = f->addr_end;
	}
	qsort(cuts + 1, n - 1, sizeof(*cuts), cmp_u64);
	for (size_t i = 1; i < n; i++)
		if (cuts[i] != cuts[pieces - 1])
			cuts[pieces++] = cuts[i];
	cuts[pieces] = end;
	return pieces;
}

/* fill: the rest of a page table (fill_table), not a tried region. */
static void account(struct udamos_scheme *s, const struct udamos_apply_res *res, bool fill)
{
	s->stats.sz_applied += res->sz_applied;
	if (fill) {
		s->stats.sz_table_filled += res->sz_applied;
	} else {
		if (res->sz_applied)
			s->stats.nr_applied++;
		s->stats.sz_ops_filter_passed += res->sz_filter_passed;
	}
	for (int i = 0; i < UDAMOS_NR_FAIL_SLOTS; i++)
		s->stats.nr_failed[i] += res->nr_failed[i];
}

/*
 * Hands [start, end) of target to the actuator unless a core filter
 * rejects it; false when nothing was asked.
 */
static bool actuate(struct udamos_engine *e, struct udamos_scheme *s, uint32_t target,
		    uint64_t start, uint64_t end, const struct udamos_filter *ops,
		    size_t nr_ops, struct udamos_apply_res *res)
{
	struct udamos_mem_attrs attrs = {
		.target = target, .start = start, .end = end,
	};
	struct udamos_apply_req req = {
		.scheme = s, .target = target, .start = start, .end = end,
		.ops_filters = ops, .nr_ops_filters = nr_ops,
		.ops_default_allow = udamos_filters_default_allow(s->filters, s->nr_filters),
		.budget_ns = udamos_quota_remaining_ns(s),
	};

	switch (udamos_filters_judge(s->filters, s->nr_filters, true, &attrs)) {
	case UDAMOS_REJECT:
		return false;
	case UDAMOS_ALLOW:
		/* First match decides: an allowing core filter settles it. */
		req.nr_ops_filters = 0;
		req.ops_default_allow = true;
		break;
	default:
		if (!nr_ops && !req.ops_default_allow)
			return false;
		break;
	}
	e->actuator.apply(e->actuator.ctx, &req, res);
	return true;
}

/*
 * collapse_scope table: the rest of target's page table number table,
 * whatever the access pattern says of it, under the scheme's own filters
 * and quota and never in file-backed memory.  Charged what it collapsed
 * and the time it took; not a tried region.
 */
static int fill_table(struct udamos_engine *e, struct udamos_scheme *s, uint32_t target,
		      uint64_t table, uint64_t now_us, const struct udamos_filter *ops,
		      size_t nr_ops)
{
	uint64_t span = udamos_table_span(), lo = table * span;
	uint64_t hi = lo > UINT64_MAX - span ? UINT64_MAX : lo + span;
	uint64_t cuts[2 * UDAMOS_MAX_FILTERS + 2];
	struct udamos_filter fill_ops[UDAMOS_MAX_FILTERS + 1] = {
		{ .type = UDAMOS_FILTER_ANON, .matching = false, .allow = false },
	};
	struct udamos_table_fill *f;
	size_t nr_pieces;
	bool due;

	if (udamos_engine_target_gone(e, target))
		return 0;
	f = udamos_table_fill_get(&s->state, target, table, now_us, &due);
	if (!due)
		return 0;
	memcpy(fill_ops + 1, ops, nr_ops * sizeof(*ops));
	nr_pieces = addr_cuts(s, f->next_addr > lo ? f->next_addr : lo, hi, cuts);
	for (size_t p = 0; p < nr_pieces; p++) {
		struct udamos_apply_res res = { 0 };
		uint64_t end = cuts[p + 1];
		int err;

		if (udamos_quota_remaining(s) < udamos_page_size()) {
			udamos_table_fill_stop(f, cuts[p]);
			return 0;
		}
		if (!actuate(e, s, target, cuts[p], end, fill_ops, nr_ops + 1, &res))
			continue;
		account(s, &res, true);
		udamos_quota_charge(s, res.sz_applied, res.elapsed_ns);
		if (res.stopped && res.stopped_at >= cuts[p] && res.stopped_at < end)
			end = res.stopped_at;
		if (res.target_gone) {
			mark_gone(e, target);
			return 0;
		}
		err = end > cuts[p] ? udamos_resets_add(&e->resets, target, cuts[p], end, now_us) : 0;
		if (err || res.stopped) {
			udamos_table_fill_stop(f, end);
			return err;
		}
	}
	udamos_table_fill_finish(f, now_us);
	return 0;
}

/* Goes on with the tables whose fill the quota or the lock cut short. */
static int resume_fills(struct udamos_engine *e, struct udamos_scheme *s, uint64_t now_us,
			const struct udamos_filter *ops, size_t nr_ops)
{
	int err = 0;

	if (s->collapse_scope != UDAMOS_COLLAPSE_SCOPE_TABLE)
		return 0;
	for (size_t i = 0; i < s->state.nr_fills && !err; i++) {
		const struct udamos_table_fill *f = &s->state.fills[i];

		if (!udamos_table_fill_finished(f))
			err = fill_table(e, s, f->target, f->table, now_us, ops, nr_ops);
	}
	return err;
}

static int apply_piece(struct udamos_engine *e, struct udamos_scheme *s,
		       const struct candidate *c, uint64_t start, uint64_t end,
		       uint64_t now_us, const struct udamos_filter *ops,
		       size_t nr_ops)
{
	struct udamos_region piece = c->region;
	struct udamos_apply_res res = { 0 };
	uint64_t span = udamos_table_span();
	int err = 0;

	piece.start = start;
	piece.end = end;
	if (!actuate(e, s, c->target, start, end, ops, nr_ops, &res))
		return 0;
	s->stats.nr_tried++;
	s->stats.sz_tried += end - start;
	account(s, &res, false);
	if (res.stopped && res.stopped_at >= start && res.stopped_at < end)
		end = res.stopped_at;
	udamos_quota_charge(s, end - start, res.elapsed_ns);
	if (res.stopped || udamos_quota_remaining(s) < udamos_page_size()) {
		s->state.charge_from = true;
		s->state.charge_target_from = c->target;
		s->state.charge_addr_from = end;
	}
	if (res.target_gone)
		mark_gone(e, c->target);
	if (tried_push(&s->state, c->target, &piece, res.sz_filter_passed))
		return -ENOMEM;
	if (s->action != UDAMOS_ACTION_STAT && end > start)
		err = udamos_resets_add(&e->resets, c->target, start, end, now_us);
	/* A table this collapse began is finished now, in one go. */
	if (s->collapse_scope == UDAMOS_COLLAPSE_SCOPE_TABLE && res.sz_filter_passed &&
	    !res.stopped)
		for (uint64_t t = start / span; !err && t <= (end - 1) / span; t++)
			err = fill_table(e, s, c->target, t, now_us, ops, nr_ops);
	return err;
}

static uint64_t table_of(const struct candidate *c)
{
	return c->region.start / udamos_table_span();
}

static int by_target_table(const void *a, const void *b)
{
	const struct candidate *x = *(const struct candidate *const *)a;
	const struct candidate *y = *(const struct candidate *const *)b;

	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	return table_of(x) < table_of(y) ? -1 : table_of(x) > table_of(y);
}

/* One target's snapshot, walked through its page tables in address
 * order as hold_unsettled visits them, so each region is read once. */
struct table_walk {
	const struct udamos_engine *e;
	uint32_t sn_target;
	const struct udamos_snapshot *sn;
	size_t next;
	uint64_t table;
};

/* Bytes of the walk's snapshot in page table number table, asked in
 * increasing order of table. */
static uint64_t table_watched(struct table_walk *w, uint64_t table)
{
	uint64_t span = udamos_table_span(), lo = table * span, total = 0;
	uint64_t hi = lo > UINT64_MAX - span ? UINT64_MAX : lo + span;

	w->table = table;
	if (!w->sn)
		return 0;
	while (w->next < w->sn->nr_regions && w->sn->regions[w->next].end <= lo)
		w->next++;
	for (size_t i = w->next; i < w->sn->nr_regions && w->sn->regions[i].start < hi; i++) {
		const struct udamos_region *r = &w->sn->regions[i];
		uint64_t s = r->start > lo ? r->start : lo, end = r->end < hi ? r->end : hi;

		total += end - s;
	}
	return total;
}

/* Whether the walk's current table maps a huge page now. */
static bool table_mixed(void *ctx)
{
	const struct table_walk *w = ctx;

	return w->e->env.huge_bytes && w->sn &&
	       table_huge_bytes(&w->e->env, w->sn, w->table * udamos_table_span()) > 0;
}

/*
 * collapse_hold: empties the candidates of every page table whose hot
 * set the monitor is still finding (core/tablehold.h), so that they are
 * neither tried nor charged, and the quota goes to the tables let go.
 * A candidate belongs to the table its start is in.
 */
static int hold_unsettled(struct udamos_engine *e, struct udamos_scheme *s,
			 const struct udamos_snapshot *snaps, size_t nr_snaps,
			 struct candidate *c, size_t n, uint64_t now_us)
{
	struct candidate **by_table;
	struct table_walk walk = { 0 };

	s->state.sz_held = 0;
	if (!e->hold_tables || s->action != UDAMOS_ACTION_COLLAPSE ||
	    s->collapse_scope != UDAMOS_COLLAPSE_SCOPE_WINDOW || !n)
		return 0;
	by_table = malloc(n * sizeof(*by_table));
	if (!by_table)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		by_table[i] = &c[i];
	qsort(by_table, n, sizeof(*by_table), by_target_table);
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		struct udamos_hold_seen seen = {
			.target = by_table[lo]->target, .table = table_of(by_table[lo]),
			.aggr_us = by_table[lo]->aggr_us,
		};

		if (!lo || seen.target != walk.sn_target)
			walk = (struct table_walk){ .e = e, .sn_target = seen.target,
				.sn = snapshot_of(snaps, nr_snaps, seen.target) };
		for (hi = lo; hi < n && by_table[hi]->target == seen.target &&
			      table_of(by_table[hi]) == seen.table; hi++)
			seen.hot_bytes += by_table[hi]->region.end - by_table[hi]->region.start;
		seen.watched_bytes = table_watched(&walk, seen.table);
		if (udamos_table_hold_judge(s, &seen, now_us, table_mixed, &walk) !=
		    UDAMOS_HOLD_WAIT)
			continue;
		s->state.sz_held += seen.hot_bytes;
		for (size_t i = lo; i < hi; i++)
			by_table[i]->region.end = by_table[i]->region.start;
	}
	free(by_table);
	return 0;
}

/* Once: what the last apply already went through, up to where it stopped. */
static void skip_charged(struct udamos_scheme_state *st, struct candidate *c, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		struct udamos_region *r = &c[i].region;

		if (c[i].target != st->charge_target_from || r->start >= st->charge_addr_from)
			continue;
		r->start = r->end < st->charge_addr_from ? r->end : st->charge_addr_from;
	}
	st->charge_from = false;
}

static int apply_scheme(struct udamos_engine *e, struct udamos_scheme *s,
			const struct udamos_snapshot *snaps, size_t nr_snaps,
			uint64_t now_us)
{
	struct udamos_filter ops[UDAMOS_MAX_FILTERS];
	size_t nr_ops = 0, nr_c;
	struct candidate *c;
	int err;

	for (size_t i = 0; i < s->nr_filters; i++)
		if (!udamos_filter_is_core(s->filters[i].type))
			ops[nr_ops++] = s->filters[i];

	err = collect(e, s, snaps, nr_snaps, &c, &nr_c);
	if (err)
		return err;
	if (s->state.charge_from)
		skip_charged(&s->state, c, nr_c);
	s->state.nr_tried = 0;
	err = hold_unsettled(e, s, snaps, nr_snaps, c, nr_c, now_us);
	if (!err)
		err = resume_fills(e, s, now_us, ops, nr_ops);
	for (size_t i = 0; i < nr_c && !err; i++) {
		uint64_t remaining = udamos_quota_remaining(s);
		uint64_t start = c[i].region.start, end = c[i].region.end;
		uint64_t cuts[2 * UDAMOS_MAX_FILTERS + 2];
		size_t nr_pieces;

		if (udamos_engine_target_gone(e, c[i].target) || start >= end)
			continue;
		if (remaining < udamos_page_size()) {
			if (!s->state.exceeded_this_interval) {
				s->stats.qt_exceeds++;
				s->state.exceeded_this_interval = true;
			}
			break;
		}
		/* A region larger than what is left is cut to fit, as the
		 * kernel does, so the quota is never overrun by one region. */
		if (end - start > remaining)
			end = start + (remaining & ~(udamos_page_size() - 1));
		nr_pieces = addr_cuts(s, start, end, cuts);
		for (size_t p = 0; p < nr_pieces && !err; p++)
			err = apply_piece(e, s, &c[i], cuts[p], cuts[p + 1], now_us,
					  ops, nr_ops);
	}
	free(c);
	return err;
}

int udamos_engine_feed(struct udamos_engine *e,
		       const struct udamos_snapshot *snaps, size_t nr_snaps)
{
	uint64_t now_us, aggr_us;

	if (!nr_snaps)
		return 0;
	/* Ages and rates are counted in aggregations: none can last 0 us.
	 * A recording may say otherwise; it is refused, not divided by. */
	for (size_t i = 0; i < nr_snaps; i++)
		if (!snaps[i].aggr_us)
			return -EINVAL;
	now_us = snaps[0].time_us;
	aggr_us = snaps[0].aggr_us;
	udamos_resets_prune(&e->resets, now_us, reset_horizon_us(e, aggr_us));

	for (size_t i = 0; i < e->nr_schemes; i++) {
		struct udamos_scheme *s = &e->schemes[i];
		struct udamos_scheme_state *st = &s->state;
		uint64_t interval = s->apply_interval_us ? s->apply_interval_us : aggr_us;
		int err;

		if (s->delegated)
			continue;
		if (!st->started) {
			st->started = true;
			st->next_apply_us = now_us;
		}
		if (now_us < st->next_apply_us)
			continue;
		/* One step, however far time jumped: a recording may leap
		 * years ahead, and a loop would count every interval. */
		st->next_apply_us = now_us + interval - (now_us - st->next_apply_us) % interval;
		if (!udamos_wmark_active(s, now_us, &e->env))
			continue;
		if (udamos_quota_bounded(&s->quota))
			udamos_quota_tick(s, now_us, &e->env, snaps, nr_snaps);
		err = apply_scheme(e, s, snaps, nr_snaps, now_us);
		if (err)
			return err;
	}
	return 0;
}
