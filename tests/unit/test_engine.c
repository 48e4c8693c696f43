// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The DAMOS engine against a recording actuator: apply intervals, quota
 * ranking and charging, reset intervals, watermarks, filters, stats,
 * tried regions, age resets and targets that exit.
 */
#include "test.h"

#include <string.h>

#include "udamos/engine.h"

#define AGGR 100000ULL

struct call {
	uint32_t target;
	uint64_t start, end;
	size_t nr_ops;
	bool default_allow;
};

struct mock {
	struct call calls[64];
	size_t n;
	uint64_t elapsed_ns;
	uint32_t gone_target;	/* UINT32_MAX: none */
	uint32_t free_rate;
	uint64_t passed_div;	/* sz_filter_passed = size / passed_div */
};

static void mock_apply(void *ctx, const struct udamos_apply_req *req,
		       struct udamos_apply_res *res)
{
	struct mock *m = ctx;

	if (m->n < 64)
		m->calls[m->n++] = (struct call){ req->target, req->start, req->end,
			req->nr_ops_filters, req->ops_default_allow };
	res->sz_applied = req->end - req->start;
	res->sz_filter_passed = (req->end - req->start) / (m->passed_div ? m->passed_div : 1);
	res->elapsed_ns = m->elapsed_ns;
	if (req->target == m->gone_target)
		res->target_gone = true;
}

static int mock_free_rate(void *ctx, uint32_t *permil)
{
	*permil = ((struct mock *)ctx)->free_rate;
	return 0;
}

static struct udamos_engine engine(struct udamos_scheme *s, size_t n, struct mock *m)
{
	struct udamos_engine e;

	memset(m, 0, sizeof(*m));
	m->gone_target = UINT32_MAX;
	udamos_engine_init(&e, s, n, (struct udamos_actuator){ mock_apply, m },
			   (struct udamos_env){ .free_mem_rate = mock_free_rate, .ctx = m });
	return e;
}

static struct udamos_snapshot snap(uint32_t target, uint64_t t, struct udamos_region *r,
				   size_t n)
{
	return (struct udamos_snapshot){ .target = target, .time_us = t, .aggr_us = AGGR,
		.max_nr_accesses = 20, .nr_regions = n, .regions = r };
}

static void test_apply_interval(void **state)
{
	struct udamos_region r = { 0, MiB(2), 1, 0 };
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_STAT);
	s.apply_interval_us = 300000;
	e = engine(&s, 1, &m);
	for (uint64_t t = 1; t <= 10; t++) {
		struct udamos_snapshot sn = snap(0, t * AGGR, &r, 1);

		assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	}
	/* At 100 ms, then 400, 700 and 1000 ms. */
	assert_int_equal(m.n, 4);
	assert_int_equal(s.stats.nr_tried, 4);
	/* stat applies nothing and leaves ages alone. */
	assert_int_equal(e.nr_resets, 0);
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

static void test_binding_quota_ranks_hottest_first(void **state)
{
	struct udamos_region r[4] = {
		{ 0, MiB(2), 5, 0 }, { MiB(2), MiB(4), 20, 0 },
		{ MiB(4), MiB(6), 10, 0 }, { MiB(6), MiB(8), 15, 0 },
	};
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;
	struct udamos_snapshot sn = snap(0, AGGR, r, 4);

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLLAPSE);
	s.quota.sz = MiB(4);
	s.quota.weight_rate = 1;
	e = engine(&s, 1, &m);
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	/* 4 MiB buys two regions: the 20-hit one, then the 15-hit one. */
	assert_int_equal(m.n, 2);
	assert_int_equal(m.calls[0].start, MiB(2));
	assert_int_equal(m.calls[1].start, MiB(6));
	assert_int_equal(s.stats.nr_tried, 2);
	assert_int_equal(s.stats.sz_tried, MiB(4));
	assert_int_equal(s.stats.sz_applied, MiB(4));
	assert_int_equal(s.stats.qt_exceeds, 1);
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

static void test_cold_action_ranks_coldest_first(void **state)
{
	struct udamos_region r[3] = {
		{ 0, MiB(2), 5, 0 }, { MiB(2), MiB(4), 0, 0 }, { MiB(4), MiB(6), 10, 0 },
	};
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;
	struct udamos_snapshot sn = snap(0, AGGR, r, 3);

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_PAGEOUT);
	s.quota.sz = MiB(2);
	s.quota.weight_rate = 1;
	e = engine(&s, 1, &m);
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.calls[0].start, MiB(2));
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

static void test_region_larger_than_quota_is_cut(void **state)
{
	struct udamos_region r = { 0, MiB(8), 10, 0 };
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;
	struct udamos_snapshot sn = snap(0, AGGR, &r, 1);

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLD);
	s.quota.sz = MiB(3);
	e = engine(&s, 1, &m);
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.calls[0].end, MiB(3));
	assert_int_equal(s.state.charged_sz, MiB(3));
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

static void test_reset_interval_renews_quota(void **state)
{
	struct udamos_region r[2] = { { 0, MiB(2), 10, 0 }, { MiB(2), MiB(4), 10, 0 } };
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLD);
	s.quota.sz = MiB(2);
	s.quota.reset_interval_ms = 1000;
	e = engine(&s, 1, &m);
	for (uint64_t t = 1; t <= 11; t++) {
		struct udamos_snapshot sn = snap(0, t * AGGR, r, 2);

		assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
		if (t == 10) {
			/* 100 ms .. 1000 ms is one interval: one region. */
			assert_int_equal(m.n, 1);
			assert_int_equal(s.stats.qt_exceeds, 1);
		}
	}
	/* At 1100 ms a new interval starts and buys one more. */
	assert_int_equal(m.n, 2);
	assert_int_equal(s.stats.qt_exceeds, 2);
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

static void test_time_quota_from_measured_throughput(void **state)
{
	struct udamos_region r[3] = {
		{ 0, MiB(1), 10, 0 }, { MiB(1), MiB(2), 10, 0 }, { MiB(2), MiB(3), 10, 0 },
	};
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;
	struct udamos_snapshot sn = snap(0, AGGR, r, 3);

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLD);
	s.quota.ms = 1;
	e = engine(&s, 1, &m);
	m.elapsed_ns = 2000000;		/* every call takes 2 ms */
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	/* The first call used up the 1 ms budget by itself. */
	assert_int_equal(m.n, 1);
	/* Next interval: 1 MiB per 2 ms is 512 KiB per ms of quota. */
	sn.time_us = AGGR + 1000000;
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.calls[1].end - m.calls[1].start, KiB(512));
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

static void test_watermarks_switch_scheme(void **state)
{
	static const struct { uint32_t rate; bool applies; } steps[] = {
		{ 600, false },	/* above high: off */
		{ 450, false },	/* between mid and high, was off: stays off */
		{ 300, true },	/* between low and mid: on */
		{ 450, true },	/* between mid and high, was on: stays on */
		{ 50, false },	/* below low: off */
		{ 300, true },
	};
	struct udamos_region r = { 0, MiB(2), 10, 0 };
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_STAT);
	s.wmarks = (struct udamos_watermarks){ UDAMOS_WMARK_FREE_MEM_RATE, 1, 500, 400, 100 };
	e = engine(&s, 1, &m);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct udamos_snapshot sn = snap(0, (i + 1) * AGGR, &r, 1);
		size_t before = m.n;

		m.free_rate = steps[i].rate;
		assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
		assert_int_equal(m.n - before, steps[i].applies ? 1 : 0);
	}
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

static void test_addr_filter_splits_region(void **state)
{
	struct udamos_region r = { 0, MiB(4), 10, 0 };
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;
	struct udamos_snapshot sn = snap(0, AGGR, &r, 1);

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLD);
	s.filters[0] = (struct udamos_filter){ .type = UDAMOS_FILTER_ADDR, .matching = true,
		.allow = false, .addr_start = MiB(1), .addr_end = MiB(3) };
	s.nr_filters = 1;
	e = engine(&s, 1, &m);
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.calls[0].start, 0);
	assert_int_equal(m.calls[0].end, MiB(1));
	assert_int_equal(m.calls[1].start, MiB(3));
	assert_int_equal(m.calls[1].end, MiB(4));
	assert_int_equal(s.stats.sz_tried, MiB(2));
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

static void test_target_filter_and_ops_filters(void **state)
{
	struct udamos_region r = { 0, MiB(2), 10, 0 };
	struct udamos_snapshot sn[2] = { snap(0, AGGR, &r, 1), snap(1, AGGR, &r, 1) };
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLD);
	s.filters[0] = (struct udamos_filter){ .type = UDAMOS_FILTER_ANON, .matching = true,
		.allow = false };
	s.filters[1] = (struct udamos_filter){ .type = UDAMOS_FILTER_TARGET, .matching = true,
		.allow = false, .target = 0 };
	s.nr_filters = 2;
	e = engine(&s, 1, &m);
	assert_int_equal(udamos_engine_feed(&e, sn, 2), 0);
	/* Target 0 rejected by the core filter; target 1 goes to the
	 * actuator with the anon filter to judge, default allow (the last
	 * filter rejects). */
	assert_int_equal(m.n, 1);
	assert_int_equal(m.calls[0].target, 1);
	assert_int_equal(m.calls[0].nr_ops, 1);
	assert_true(m.calls[0].default_allow);
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

static void test_stats_and_tried_regions(void **state)
{
	struct udamos_region r[2] = { { 0, MiB(4), 10, 3 }, { MiB(4), MiB(6), 0, 3 } };
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;
	struct udamos_snapshot sn = snap(0, AGGR, r, 2);

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_STAT);
	s.pattern.rate = (struct udamos_range){ 1, UDAMOS_UNLIMITED };
	e = engine(&s, 1, &m);
	m.passed_div = 4;
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	assert_int_equal(s.stats.nr_tried, 1);
	assert_int_equal(s.stats.sz_tried, MiB(4));
	assert_int_equal(s.stats.sz_ops_filter_passed, MiB(1));
	assert_int_equal(s.state.nr_tried, 1);
	assert_int_equal(s.state.tried[0].region.end, MiB(4));
	assert_int_equal(s.state.tried[0].region.nr_accesses, 10);
	assert_int_equal(s.state.tried[0].sz_filter_passed, MiB(1));
	/* The list holds the last apply only. */
	sn.time_us += AGGR;
	r[0].nr_accesses = 0;
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	assert_int_equal(s.state.nr_tried, 0);
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

static void test_action_resets_age(void **state)
{
	struct udamos_region r = { 0, MiB(2), 10, 10 };
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLD);
	s.pattern.age = (struct udamos_range){ 3, UDAMOS_UNLIMITED };
	e = engine(&s, 1, &m);
	for (uint64_t t = 1; t <= 5; t++) {
		struct udamos_snapshot sn = snap(0, t * AGGR, &r, 1);

		r.age++;	/* the source never resets it */
		assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	}
	/* Applied at 100 ms; ages 1, 2 after it are too young; at 400 ms
	 * three aggregations have passed and it matches again. */
	assert_int_equal(m.n, 2);
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

static void test_gone_target_is_dropped(void **state)
{
	struct udamos_region r = { 0, MiB(2), 10, 0 };
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLD);
	e = engine(&s, 1, &m);
	m.gone_target = 0;
	for (uint64_t t = 1; t <= 3; t++) {
		struct udamos_snapshot sn[2] = { snap(0, t * AGGR, &r, 1), snap(1, t * AGGR, &r, 1) };

		assert_int_equal(udamos_engine_feed(&e, sn, 2), 0);
	}
	assert_true(udamos_engine_target_gone(&e, 0));
	assert_false(udamos_engine_target_gone(&e, 1));
	/* Target 0 once, then never again; target 1 every time. */
	assert_int_equal(m.n, 4);
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

static void test_temporal_goal_stops_when_met(void **state)
{
	struct udamos_region r = { 0, MiB(2), 10, 0 };
	struct udamos_scheme s;
	struct mock m;
	struct udamos_engine e;
	struct udamos_snapshot sn = snap(0, AGGR, &r, 1);

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLLAPSE);
	s.quota.sz = MiB(64);
	s.quota.tuner = UDAMOS_TUNER_TEMPORAL;
	s.quota.goals[0] = (struct udamos_goal){ UDAMOS_GOAL_USER_INPUT, 100, 50 };
	s.quota.nr_goals = 1;
	e = engine(&s, 1, &m);
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	assert_int_equal(m.n, 1);		/* under the goal: full quota */
	s.quota.goals[0].current_value = 150;
	sn.time_us += 1000000;
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	assert_int_equal(m.n, 1);		/* met: nothing */
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_interval),
		cmocka_unit_test(test_binding_quota_ranks_hottest_first),
		cmocka_unit_test(test_cold_action_ranks_coldest_first),
		cmocka_unit_test(test_region_larger_than_quota_is_cut),
		cmocka_unit_test(test_reset_interval_renews_quota),
		cmocka_unit_test(test_time_quota_from_measured_throughput),
		cmocka_unit_test(test_watermarks_switch_scheme),
		cmocka_unit_test(test_addr_filter_splits_region),
		cmocka_unit_test(test_target_filter_and_ops_filters),
		cmocka_unit_test(test_stats_and_tried_regions),
		cmocka_unit_test(test_action_resets_age),
		cmocka_unit_test(test_gone_target_is_dropped),
		cmocka_unit_test(test_temporal_goal_stops_when_met),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
