// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hot_coverage_bp: what counts as hot (size and rate, not age), what
 * counts as covered, and the default collapse scheme's goal: the whole
 * quota while the hot set is not in huge pages, none once it is.
 */
#include "test.h"

#include <errno.h>
#include <string.h>

#include "core/coverage.h"
#include "core/quota.h"
#include "udamos/engine.h"

#define AGGR 100000ULL

/* Huge pages at or above this address, in the mock's memory. */
struct mem {
	uint64_t huge_from;
	size_t nr_calls;
};

static int mock_huge(void *ctx, uint32_t target, uint64_t start, uint64_t end,
		     uint64_t *out)
{
	struct mem *m = ctx;

	(void)target;
	*out = end <= m->huge_from ? 0 : end - (start > m->huge_from ? start : m->huge_from);
	return 0;
}

static void count_call(void *ctx, const struct udamos_apply_req *req,
		       struct udamos_apply_res *res)
{
	((struct mem *)ctx)->nr_calls++;
	res->sz_applied = req->end - req->start;
	res->sz_filter_passed = res->sz_applied;
}

/* 0-64 MiB hot and young, 64-128 MiB hot and old, 128-256 MiB cold. */
static struct udamos_region regions[3];

static struct udamos_snapshot snap(uint64_t t_us, uint32_t age)
{
	regions[0] = (struct udamos_region){ 0, MiB(64), 18, 0 };
	regions[1] = (struct udamos_region){ MiB(64), MiB(128), 20, age };
	regions[2] = (struct udamos_region){ MiB(128), MiB(256), 0, age };
	return (struct udamos_snapshot){ .time_us = t_us, .aggr_us = AGGR,
		.max_nr_accesses = 20, .nr_regions = 3, .regions = regions };
}

static void test_hot_is_size_and_rate_not_age(void **state)
{
	struct udamos_scheme s;
	struct mem m = { .huge_from = MiB(96) };
	struct udamos_env env = { .huge_bytes = mock_huge, .ctx = &m };
	struct udamos_snapshot sn = snap(AGGR, 100);
	struct udamos_coverage c;

	(void)state;
	udamos_scheme_default_collapse(&s);
	assert_int_equal(udamos_hot_coverage(&s.pattern, &env, &sn, 1, &c), 0);
	/* The young hot region counts: collapse resets age, and what it
	 * collapsed is still hot. */
	assert_int_equal(c.hot, MiB(128));
	assert_int_equal(c.huge, MiB(32));
	assert_int_equal(udamos_coverage_bp(&c), 2500);
	/* Nothing hot: nothing to cover. */
	c = (struct udamos_coverage){ 0 };
	assert_int_equal(udamos_coverage_bp(&c), 10000);
	/* An environment that cannot tell huge pages gives no reading. */
	env.huge_bytes = NULL;
	assert_int_equal(udamos_hot_coverage(&s.pattern, &env, &sn, 1, &c), -ENODATA);
	udamos_scheme_release(&s);
}

/* A hot set of 8192 windows is read through 1024 of them, evenly. */
static void test_large_hot_sets_are_sampled(void **state)
{
	struct udamos_scheme s;
	struct mem m = { .huge_from = GiB(4) };
	struct udamos_env env = { .huge_bytes = mock_huge, .ctx = &m };
	struct udamos_region r = { 0, GiB(16), 20, 100 };
	struct udamos_snapshot sn = { .time_us = AGGR, .aggr_us = AGGR, .max_nr_accesses = 20,
		.nr_regions = 1, .regions = &r };
	struct udamos_coverage c;

	(void)state;
	udamos_scheme_default_collapse(&s);
	assert_int_equal(udamos_hot_coverage(&s.pattern, &env, &sn, 1, &c), 0);
	assert_int_equal(c.hot, GiB(16));
	assert_int_equal(c.huge, GiB(12));
	assert_int_equal(udamos_coverage_bp(&c), 7500);
	udamos_scheme_release(&s);
}

static void test_default_scheme_stops_once_covered(void **state)
{
	struct udamos_scheme s;
	struct mem m = { .huge_from = UINT64_MAX };
	struct udamos_engine e;
	struct udamos_snapshot sn;
	uint64_t t = AGGR;

	(void)state;
	udamos_scheme_default_collapse(&s);
	udamos_engine_init(&e, &s, 1, (struct udamos_actuator){ count_call, &m },
			   (struct udamos_env){ .huge_bytes = mock_huge, .ctx = &m });
	/* Uncovered: the old hot region is collapsed with the whole quota. */
	sn = snap(t, 100);
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	assert_int_equal(m.nr_calls, 1);
	assert_int_equal(s.quota.goals[0].current_value, 0);
	assert_int_equal(s.state.esz, s.quota.sz);
	/* Then the hot set is huge: from the next reset interval, no quota,
	 * no calls, although an old hot region is still there. */
	m.huge_from = 0;
	for (int i = 0; i < 20; i++) {
		t += AGGR;
		sn = snap(t, 100);
		assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	}
	assert_int_equal(s.quota.goals[0].current_value, 10000);
	assert_true(udamos_quota_remaining(&s) == 0);
	assert_true(s.quota.goals[0].hot_bytes > 0);	/* covered, not empty */
	size_t calls = m.nr_calls;

	t += 2000000;
	sn = snap(t, 100);
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	assert_int_equal(m.nr_calls, calls);
	/* New hot memory, not huge: the quota is back. */
	m.huge_from = MiB(128);
	t += 2000000;
	sn = snap(t, 100);
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	assert_int_equal(m.nr_calls, calls + 1);
	/* Nothing reads hot: met by definition, and the goal says on what. */
	t += 2000000;
	sn = snap(t, 100);
	regions[0].nr_accesses = regions[1].nr_accesses = 0;
	assert_int_equal(udamos_engine_feed(&e, &sn, 1), 0);
	assert_int_equal(s.quota.goals[0].current_value, 10000);
	assert_int_equal(s.quota.goals[0].hot_bytes, 0);
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hot_is_size_and_rate_not_age),
		cmocka_unit_test(test_large_hot_sets_are_sampled),
		cmocka_unit_test(test_default_scheme_stops_once_covered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
