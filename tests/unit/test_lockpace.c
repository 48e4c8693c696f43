// SPDX-License-Identifier: GPL-2.0-or-later
/* Collapse's pace from the target's minor-fault rate. */
#include "test.h"

#include "core/lockpace.h"
#include "core/units.h"

#define FAST 200000000ULL	/* 200 ms per second */
#define SLOW 50000000ULL	/* 50 ms per second */
#define S 1000000ULL		/* one second, in us */

static void test_quiet_target_gets_the_fast_pace(void **state)
{
	struct udamos_lock_pace p;

	(void)state;
	udamos_lock_pace_init(&p, FAST, SLOW);
	/* The first reading is a baseline, whatever the count. */
	assert_int_equal(udamos_lock_pace_feed(&p, 5000000, 1 * S), FAST);
	/* A server reading what it holds: 10 faults a second. */
	for (uint64_t t = 2; t < 60; t++)
		assert_int_equal(udamos_lock_pace_feed(&p, 5000000 + 10 * t, t * S), FAST);
	assert_int_equal(p.nr_churn_readings, 0);
}

static void test_churning_target_gets_the_slow_pace_then_fast_again(void **state)
{
	struct udamos_lock_pace p;
	uint64_t faults = 0, t = 1;

	(void)state;
	udamos_lock_pace_init(&p, FAST, SLOW);
	udamos_lock_pace_feed(&p, faults, t * S);
	/* The probe's 64 faults every 2 ms: 32000 a second, read every 5 s. */
	for (int i = 0; i < 3; i++) {
		t += 5;
		faults += 5 * 32000;
		assert_int_equal(udamos_lock_pace_feed(&p, faults, t * S), SLOW);
	}
	/* Churning, it saves up half an aggregation's allowance, at least
	 * a second's, and never more than a quiet target. */
	assert_int_equal(udamos_lock_pace_span(&p, t * S, 10, 5 * S), 2);
	assert_int_equal(udamos_lock_pace_span(&p, t * S, 10, S / 10), 1);
	assert_int_equal(udamos_lock_pace_span(&p, t * S, 10, 60 * S), 10);
	/* Quiet again: held slow for the hold, then fast. */
	t += 5;
	assert_int_equal(udamos_lock_pace_feed(&p, faults, t * S), SLOW);
	assert_int_equal(udamos_lock_pace_now(&p, t * S + UDAMOS_CHURN_HOLD_US), FAST);
	t += 10;
	assert_int_equal(udamos_lock_pace_feed(&p, faults, t * S), FAST);
	assert_int_equal(udamos_lock_pace_span(&p, t * S, 10, 5 * S), 10);
	assert_int_equal(p.nr_churn_readings, 3);
}

static void test_rate_at_the_threshold_counts(void **state)
{
	struct udamos_lock_pace p;

	(void)state;
	udamos_lock_pace_init(&p, FAST, SLOW);
	udamos_lock_pace_feed(&p, 0, S);
	/* Just under, over 100 ms (one aggregation of a kdamond of our own). */
	assert_int_equal(udamos_lock_pace_feed(&p, UDAMOS_CHURN_FAULTS_PER_S / 10 - 1,
					       S + S / 10), FAST);
	assert_int_equal(udamos_lock_pace_feed(&p, 2 * (UDAMOS_CHURN_FAULTS_PER_S / 10) - 1,
					       S + 2 * (S / 10)), SLOW);
}

static void test_count_going_down_restarts_the_baseline(void **state)
{
	struct udamos_lock_pace p;

	(void)state;
	udamos_lock_pace_init(&p, FAST, SLOW);
	udamos_lock_pace_feed(&p, 900000, S);
	/* Another process under the PID: its count is no rate against ours. */
	assert_int_equal(udamos_lock_pace_feed(&p, 100, 2 * S), FAST);
	assert_int_equal(udamos_lock_pace_feed(&p, 150, 3 * S), FAST);
	assert_int_equal(p.nr_churn_readings, 0);
}

static void test_churning_target_is_spaced_quiet_one_not(void **state)
{
	struct udamos_lock_pace p;
	uint64_t faults = 0;

	(void)state;
	udamos_lock_pace_init(&p, FAST, SLOW);
	udamos_lock_pace_feed(&p, faults, S);
	assert_false(udamos_lock_pace_spaced(&p, S));
	faults += 32000;
	udamos_lock_pace_feed(&p, faults, 2 * S);
	assert_true(udamos_lock_pace_spaced(&p, 2 * S));
	assert_false(udamos_lock_pace_spaced(&p, 2 * S + UDAMOS_CHURN_HOLD_US));
}

static void test_gap_keeps_calls_to_their_share_of_time(void **state)
{
	const uint64_t ms = 1000000;

	(void)state;
	/* 50 ms a second: a 20 ms call is followed by 380 ms of nothing, so
	 * the call and its gap hold the lock a twentieth of the time. */
	assert_int_equal(udamos_lock_pace_gap_ns(20 * ms, 50 * ms), 380 * ms);
	assert_int_equal(udamos_lock_pace_gap_ns(60 * ms, 200 * ms), 240 * ms);
	/* Short calls, where the share alone would let dozens a second
	 * through: they start a period apart. */
	assert_int_equal(udamos_lock_pace_gap_ns(6 * ms, 50 * ms),
			 UDAMOS_SPACED_CALL_PERIOD_NS - 6 * ms);
	assert_int_equal(udamos_lock_pace_gap_ns(ms / 2, 25 * ms),
			 UDAMOS_SPACED_CALL_PERIOD_NS - ms / 2);
	/* No limit, or a whole second: calls may follow each other. */
	assert_int_equal(udamos_lock_pace_gap_ns(6 * ms, 0), 0);
	assert_int_equal(udamos_lock_pace_gap_ns(6 * ms, 1000 * ms), 0);
	assert_int_equal(udamos_lock_pace_gap_ns(6 * ms, 2000 * ms), 0);
	/* Absurd inputs saturate instead of wrapping. */
	assert_true(udamos_lock_pace_gap_ns(UINT64_MAX, 1) == UINT64_MAX);
}

static void test_quiet_target_rests_as_long_as_each_call(void **state)
{
	const uint64_t ms = 1000000;

	(void)state;
	/* No two calls back to back: the target is held for one call, then
	 * left alone at least as long. */
	assert_int_equal(udamos_lock_pace_rest_ns(5 * ms), 5 * ms);
	assert_int_equal(udamos_lock_pace_rest_ns(150 * ms), 150 * ms);
	/* A short call's rest is still long enough to part the two in the
	 * run's report of stretches. */
	assert_int_equal(udamos_lock_pace_rest_ns(ms / 2), UDAMOS_REST_MIN_NS);
	assert_int_equal(udamos_lock_pace_rest_ns(0), UDAMOS_REST_MIN_NS);
}

static void test_churner_keeps_the_fast_pace_where_spacing_is_off(void **state)
{
	struct udamos_lock_pace p;
	uint64_t faults = 0, t = 1;

	(void)state;
	udamos_lock_pace_init(&p, FAST, 0);
	udamos_lock_pace_feed(&p, faults, t * S);
	for (int i = 0; i < 3; i++) {
		t += 5;
		faults += 5 * 32000;
		assert_int_equal(udamos_lock_pace_feed(&p, faults, t * S), FAST);
		assert_false(udamos_lock_pace_spaced(&p, t * S));
		assert_int_equal(udamos_lock_pace_span(&p, t * S, 10, 5 * S), 10);
	}
	/* Still seen churning, for the report. */
	assert_int_equal(p.nr_churn_readings, 3);
}

static void test_spacing_is_left_out_only_where_faults_are_dear(void **state)
{
	(void)state;
	/* auto: this project's PVM guests (15 us a fault) against the
	 * microsecond of a hardware page walk; not timed counts as cheap. */
	assert_false(udamos_churn_spacing_wanted(UDAMOS_CHURN_SPACING_AUTO, 15000));
	assert_false(udamos_churn_spacing_wanted(UDAMOS_CHURN_SPACING_AUTO,
						 UDAMOS_SLOW_FAULT_NS));
	assert_true(udamos_churn_spacing_wanted(UDAMOS_CHURN_SPACING_AUTO,
						UDAMOS_SLOW_FAULT_NS - 1));
	assert_true(udamos_churn_spacing_wanted(UDAMOS_CHURN_SPACING_AUTO, 900));
	assert_true(udamos_churn_spacing_wanted(UDAMOS_CHURN_SPACING_AUTO, 0));
	/* Asked for, either way, whatever a fault costs. */
	assert_true(udamos_churn_spacing_wanted(UDAMOS_CHURN_SPACING_ON, 15000));
	assert_false(udamos_churn_spacing_wanted(UDAMOS_CHURN_SPACING_OFF, 900));
	/* Read as every auto/on/off option is. */
	assert_int_equal(udamos_parse_auto_on_off("off"), UDAMOS_CHURN_SPACING_OFF);
	assert_int_equal(udamos_parse_auto_on_off("auto"), UDAMOS_CHURN_SPACING_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_target_gets_the_fast_pace),
		cmocka_unit_test(test_quiet_target_rests_as_long_as_each_call),
		cmocka_unit_test(test_churning_target_gets_the_slow_pace_then_fast_again),
		cmocka_unit_test(test_rate_at_the_threshold_counts),
		cmocka_unit_test(test_count_going_down_restarts_the_baseline),
		cmocka_unit_test(test_churning_target_is_spaced_quiet_one_not),
		cmocka_unit_test(test_gap_keeps_calls_to_their_share_of_time),
		cmocka_unit_test(test_churner_keeps_the_fast_pace_where_spacing_is_off),
		cmocka_unit_test(test_spacing_is_left_out_only_where_faults_are_dear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
