// SPDX-License-Identifier: GPL-2.0-or-later
/* Priority scores, effective quota sizes and the goal feedback. */
#include "test.h"

#include "core/quota.h"

static void test_hot_and_cold_scores(void **state)
{
	struct udamos_quota q = { .weight_rate = 1 };
	struct udamos_region full = { 0, MiB(2), 20, 0 }, half = { 0, MiB(2), 10, 0 };
	struct udamos_region idle = { 0, MiB(2), 0, 0 };

	(void)state;
	assert_int_equal(udamos_score(&q, true, &full, 20, 100000), 1000);
	assert_int_equal(udamos_score(&q, true, &half, 20, 100000), 500);
	assert_int_equal(udamos_score(&q, false, &half, 20, 100000), 500);
	assert_int_equal(udamos_score(&q, false, &idle, 20, 100000), 1000);
}

static void test_age_counts_only_with_matching_activity(void **state)
{
	struct udamos_quota q = { .weight_age = 1 };
	/* 40 aggregations of 100 ms: 4 s, log2 bucket 3 of 32. */
	struct udamos_region hot_old = { 0, MiB(2), 10, 40 }, idle_old = { 0, MiB(2), 0, 40 };

	(void)state;
	assert_int_equal(udamos_score(&q, true, &hot_old, 20, 100000), 3 * 1000 / 32);
	assert_int_equal(udamos_score(&q, true, &idle_old, 20, 100000), 0);
	assert_int_equal(udamos_score(&q, false, &idle_old, 20, 100000), 3 * 1000 / 32);
	assert_int_equal(udamos_score(&q, false, &hot_old, 20, 100000), 0);
}

static void test_feedback_is_proportional(void **state)
{
	(void)state;
	assert_int_equal(udamos_goal_feedback(MiB(1), 10000), MiB(1));
	assert_int_equal(udamos_goal_feedback(MiB(1), 5000), MiB(1) + KiB(512));
	assert_int_equal(udamos_goal_feedback(MiB(1), 0), MiB(2));
	assert_int_equal(udamos_goal_feedback(MiB(1), 15000), KiB(512));
	assert_int_equal(udamos_goal_feedback(MiB(1), 20000), UDAMOS_QUOTA_MIN_GOAL_SZ);
	assert_int_equal(udamos_goal_feedback(KiB(64), 19999), UDAMOS_QUOTA_MIN_GOAL_SZ);
}

static void test_effective_size_takes_the_smaller(void **state)
{
	struct udamos_scheme s;
	struct udamos_env env = { 0 };

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLLAPSE);
	s.quota.ms = 10;
	udamos_quota_tick(&s, 1, &env, NULL, 0);
	/* Untimed: 4 MiB per ms assumed, so 40 MiB. */
	assert_int_equal(s.state.esz, MiB(40));
	s.quota.sz = MiB(8);
	udamos_quota_tick(&s, 1 + 1000000, &env, NULL, 0);
	assert_int_equal(s.state.esz, MiB(8));
	/* Measured: 1 MiB in 1 ms, so 10 ms buy 10 MiB; size 64 MiB. */
	s.quota.sz = MiB(64);
	udamos_quota_charge(&s, MiB(1), 1000000);
	udamos_quota_tick(&s, 1 + 2000000, &env, NULL, 0);
	assert_int_equal(s.state.esz, MiB(10));
	assert_int_equal(udamos_quota_remaining(&s), MiB(10));
	udamos_quota_charge(&s, MiB(4), 100000);
	assert_int_equal(udamos_quota_remaining(&s), MiB(6));
	/* Running past the time budget ends the interval's work. */
	udamos_quota_charge(&s, 0, 10000000);
	assert_int_equal(udamos_quota_remaining(&s), 0);
}

/* Absurd quotas from the command line saturate: a size quota times the
 * span of elapsed intervals must not wrap to a tiny budget. */
static void test_absurd_quotas_saturate(void **state)
{
	struct udamos_scheme s;
	struct udamos_env env = { 0 };

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLLAPSE);
	s.quota.sz = UINT64_MAX / 3;
	s.quota.ms = UINT64_MAX / 7;
	s.quota.reset_interval_ms = UINT64_MAX / 5;
	udamos_quota_tick(&s, 1, &env, NULL, 0);
	assert_true(s.state.esz >= UINT64_MAX / 3);
	assert_true(udamos_quota_remaining(&s) >= UINT64_MAX / 3);
	assert_true(udamos_quota_remaining_ns(&s) > 0);
	/* Ten intervals later, the span multiplies: still no wrap. */
	s.quota.reset_interval_ms = 1000;
	udamos_quota_tick(&s, 1 + 10000000, &env, NULL, 0);
	udamos_quota_tick(&s, 1 + 20000000, &env, NULL, 0);
	assert_true(s.state.esz >= UINT64_MAX / 3);
	udamos_scheme_release(&s);
}

/* Applies every 5 s under a 1 s quota get 5 s of it: the rate holds. */
static void test_quota_is_a_rate_across_long_applies(void **state)
{
	struct udamos_env env = { 0 };
	struct udamos_scheme s;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLLAPSE);
	s.quota.sz = MiB(8);
	s.quota.ms = 100;
	udamos_quota_tick(&s, 1, &env, NULL, 0);
	assert_int_equal(s.state.esz, MiB(8));
	udamos_quota_tick(&s, 1 + 5000000, &env, NULL, 0);
	assert_int_equal(s.state.span, 5);
	assert_int_equal(s.state.esz, MiB(40));
	/* The time budget spans as far: 499 ms leave room, 500 ms none. */
	udamos_quota_charge(&s, MiB(1), 499000000);
	assert_int_equal(udamos_quota_remaining(&s), MiB(39));
	udamos_quota_charge(&s, 0, 1000000);
	assert_int_equal(udamos_quota_remaining(&s), 0);
	/* A long pause does not bank more than UDAMOS_QUOTA_MAX_SPAN (size
	 * alone: the slow charge above taught the time quota a low speed). */
	s.quota.ms = 0;
	udamos_quota_tick(&s, 1 + 5000000 + 3600000000ULL, &env, NULL, 0);
	assert_int_equal(s.state.span, UDAMOS_QUOTA_MAX_SPAN);
	assert_int_equal(s.state.esz, MiB(8) * UDAMOS_QUOTA_MAX_SPAN);
}

static int psi_like(void *ctx, enum udamos_goal_metric m, const void *reader, uint64_t *v)
{
	(void)reader;
	(void)m;
	*v = *(uint64_t *)ctx;
	return 0;
}

static void test_consist_goal_grows_and_shrinks(void **state)
{
	uint64_t current = 0;
	struct udamos_env env = { .goal_metric = psi_like, .ctx = &current };
	struct udamos_scheme s;
	uint64_t first;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLLAPSE);
	s.quota.sz = MiB(512);
	s.quota.goals[0] = (struct udamos_goal){
		.metric = UDAMOS_GOAL_HUGEPAGE_MEM_BP, .target_value = 1000, .current_value = 0,
	};
	s.quota.nr_goals = 1;
	udamos_quota_tick(&s, 1, &env, NULL, 0);
	first = s.state.esz;
	assert_int_equal(first, MiB(8));	/* 4 MiB start, doubled at 0% */
	current = 500;				/* half way */
	udamos_quota_tick(&s, 1 + 1000000, &env, NULL, 0);
	assert_int_equal(s.state.esz, MiB(12));
	current = 1500;				/* overshot by half */
	udamos_quota_tick(&s, 1 + 2000000, &env, NULL, 0);
	assert_int_equal(s.state.esz, MiB(6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hot_and_cold_scores),
		cmocka_unit_test(test_age_counts_only_with_matching_activity),
		cmocka_unit_test(test_feedback_is_proportional),
		cmocka_unit_test(test_effective_size_takes_the_smaller),
		cmocka_unit_test(test_consist_goal_grows_and_shrinks),
		cmocka_unit_test(test_absurd_quotas_saturate),
		cmocka_unit_test(test_quota_is_a_rate_across_long_applies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
