// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Quota arithmetic and priority scoring; see quota.h.
 */
#include "core/quota.h"

#include "core/coverage.h"

static uint32_t log2_floor(uint64_t v)
{
	return v ? 63 - (uint32_t)__builtin_clzll(v) : 0;
}

static uint32_t scale(uint64_t v, uint64_t max)
{
	if (!max)
		return 0;
	return v >= max ? UDAMOS_MAX_SCORE : (uint32_t)(v * UDAMOS_MAX_SCORE / max);
}

uint32_t udamos_score(const struct udamos_quota *q, bool hot,
		      const struct udamos_region *r, uint32_t max_nr_accesses,
		      uint64_t aggr_us)
{
	uint64_t pages = (r->end - r->start) / udamos_page_size();
	uint64_t age_s = (uint64_t)r->age * aggr_us / 1000000;
	/* Logarithmic: a region 2 h old is not 7200 times better than 1 s. */
	uint32_t size_sub = scale(log2_floor(pages), 36);
	uint32_t age_sub = scale(age_s ? log2_floor(age_s) + 1 : 0, 32);
	uint32_t rate_sub = scale(r->nr_accesses, max_nr_accesses);
	uint64_t wsum = (uint64_t)q->weight_sz + q->weight_rate + q->weight_age;
	uint32_t rate_part, age_part;

	if (hot) {
		rate_part = rate_sub;
		/* Age means "stably hot" only while the region is accessed. */
		age_part = rate_sub ? age_sub : 0;
	} else {
		rate_part = UDAMOS_MAX_SCORE - rate_sub;
		age_part = rate_sub ? 0 : age_sub;
	}
	if (!wsum)
		return rate_part;
	return (uint32_t)(((uint64_t)q->weight_sz * size_sub +
			   (uint64_t)q->weight_rate * rate_part +
			   (uint64_t)q->weight_age * age_part) / wsum);
}

bool udamos_quota_bounded(const struct udamos_quota *q)
{
	return q->ms || q->sz || q->nr_goals;
}

uint64_t udamos_goal_feedback(uint64_t last, uint64_t score_bp)
{
	uint64_t next;

	if (last < UDAMOS_QUOTA_MIN_GOAL_SZ)
		last = UDAMOS_QUOTA_MIN_GOAL_SZ;
	if (score_bp >= 20000)
		return UDAMOS_QUOTA_MIN_GOAL_SZ;
	if (score_bp < 10000) {
		/* Under the goal: grow in proportion to the shortfall, at
		 * most doubling per interval. */
		uint64_t step = last / 10000 * (10000 - score_bp) +
			last % 10000 * (10000 - score_bp) / 10000;

		next = last + step < last ? UINT64_MAX : last + step;
	} else {
		uint64_t step = last / 10000 * (score_bp - 10000) +
			last % 10000 * (score_bp - 10000) / 10000;

		next = last - step;
	}
	return next < UDAMOS_QUOTA_MIN_GOAL_SZ ? UDAMOS_QUOTA_MIN_GOAL_SZ : next;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Quotas come from the command line: absurd ones saturate, never wrap. */
static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Achievement of the best-achieved goal, in basis points of its target. */
static int goal_score(struct udamos_scheme *s, const struct udamos_env *env,
		      const struct udamos_snapshot *snaps, size_t nr_snaps, uint64_t *score_bp)
{
	struct udamos_quota *q = &s->quota;
	bool any = false;

	*score_bp = 0;
	for (size_t i = 0; i < q->nr_goals; i++) {
		struct udamos_goal *g = &q->goals[i];
		struct udamos_coverage cov;
		uint64_t cur, bp;

		if (g->metric == UDAMOS_GOAL_USER_INPUT) {
			cur = g->current_value;
		} else if (g->metric == UDAMOS_GOAL_HOT_COVERAGE_BP) {
			if (udamos_hot_coverage(&s->pattern, env, snaps, nr_snaps, &cov))
				continue;
			cur = udamos_coverage_bp(&cov);
			g->hot_bytes = cov.hot;
		} else if (!env->goal_metric || env->goal_metric(env->ctx, g->metric, g, &cur)) {
			continue;
		}
		/* Shown with the effective quota (stats, --json, report). */
		g->current_value = cur;
		bp = g->target_value ? sat_mul(cur, 10000) / g->target_value : 20000;
		if (bp > *score_bp)
			*score_bp = bp;
		any = true;
	}
	return any ? 0 : -1;
}

void udamos_quota_tick(struct udamos_scheme *s, uint64_t now_us,
		       const struct udamos_env *env, const struct udamos_snapshot *snaps,
		       size_t nr_snaps)
{
	struct udamos_quota *q = &s->quota;
	struct udamos_scheme_state *st = &s->state;
	uint64_t interval_us = sat_mul(q->reset_interval_ms, 1000);
	uint64_t esz = UINT64_MAX, score, span = 1;

	if (st->esz && now_us >= st->reset_at_us && now_us - st->reset_at_us < interval_us)
		return;
	if (st->esz && interval_us && now_us > st->reset_at_us)
		span = (now_us - st->reset_at_us) / interval_us;
	st->span = (uint32_t)(span < 1 ? 1 : span > UDAMOS_QUOTA_MAX_SPAN ?
			      UDAMOS_QUOTA_MAX_SPAN : span);
	st->reset_at_us = now_us;
	st->charged_sz = 0;
	st->charged_ns = 0;
	st->exceeded_this_interval = false;

	if (q->ms) {
		uint64_t tput = UDAMOS_QUOTA_INITIAL_TPUT;

		if (st->total_charged_ns)
			tput = (uint64_t)((unsigned __int128)st->total_charged_sz *
					  1000000 / st->total_charged_ns);
		esz = min_u64(esz, sat_mul(tput, sat_mul(q->ms, st->span)));
	}
	if (q->sz)
		esz = min_u64(esz, sat_mul(q->sz, st->span));
	if (q->nr_goals && !goal_score(s, env, snaps, nr_snaps, &score)) {
		if (q->tuner == UDAMOS_TUNER_TEMPORAL) {
			if (score >= 10000)
				esz = 0;
		} else {
			if (!st->esz_goal)
				st->esz_goal = min_u64(esz, 4ULL << 20);
			st->esz_goal = udamos_goal_feedback(st->esz_goal, score);
			esz = min_u64(esz, sat_mul(st->esz_goal, st->span));
		}
	}
	/* esz 0 is stored as 1 byte below so "unset" stays distinguishable;
	 * remaining() treats anything under a page as exhausted. */
	st->esz = esz ? esz : 1;
}

uint64_t udamos_quota_remaining_ns(const struct udamos_scheme *s)
{
	const struct udamos_scheme_state *st = &s->state;
	uint64_t budget;

	if (!s->quota.ms)
		return UINT64_MAX;
	budget = sat_mul(sat_mul(s->quota.ms, 1000000), st->span ? st->span : 1);
	return st->charged_ns >= budget ? 0 : budget - st->charged_ns;
}

uint64_t udamos_quota_remaining(const struct udamos_scheme *s)
{
	const struct udamos_scheme_state *st = &s->state;

	if (!udamos_quota_bounded(&s->quota))
		return UINT64_MAX;
	if (!udamos_quota_remaining_ns(s))
		return 0;
	if (st->esz == UINT64_MAX)
		return UINT64_MAX;
	if (st->charged_sz >= st->esz || st->esz - st->charged_sz < udamos_page_size())
		return 0;
	return st->esz - st->charged_sz;
}

void udamos_quota_charge(struct udamos_scheme *s, uint64_t sz, uint64_t ns)
{
	struct udamos_scheme_state *st = &s->state;

	st->charged_sz += sz;
	st->charged_ns += ns;
	st->total_charged_sz += sz;
	st->total_charged_ns += ns;
}
