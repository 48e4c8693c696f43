// SPDX-License-Identifier: GPL-2.0-or-later
/* Access-pattern matching at the edges of its ranges, names, validation. */
#include "test.h"

#include <stdlib.h>
#include <string.h>

#include "udamos/scheme.h"

/* Does a region of this size, hit count and age match s's pattern? */
static bool match(const struct udamos_scheme *s, uint64_t sz, uint32_t nr, uint32_t age,
		  uint32_t max_nr_accesses, uint64_t aggr_us)
{
	struct udamos_region r = { .start = 0, .end = sz, .nr_accesses = nr, .age = age };

	return udamos_pattern_match(&s->pattern, &r, max_nr_accesses, aggr_us);
}

static void test_size_edges_are_closed(void **state)
{
	struct udamos_scheme s;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_STAT);
	s.pattern.sz = (struct udamos_range){ MiB(2), MiB(4) };
	assert_true(match(&s, MiB(2), 0, 0, 20, 100000));
	assert_true(match(&s, MiB(4), 0, 0, 20, 100000));
	assert_false(match(&s, MiB(2) - KiB(4), 0, 0, 20, 100000));
	assert_false(match(&s, MiB(4) + KiB(4), 0, 0, 20, 100000));
}

static void test_rate_in_percent_is_exact_at_edges(void **state)
{
	struct udamos_scheme s;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_STAT);
	s.pattern.rate_unit = UDAMOS_RATE_BP;
	s.pattern.rate = (struct udamos_range){ 2500, 5000 };	/* 25%..50% */
	/* With 20 samples: 5 hits is exactly 25%, 10 exactly 50%. */
	assert_true(match(&s, MiB(2), 5, 0, 20, 100000));
	assert_true(match(&s, MiB(2), 10, 0, 20, 100000));
	assert_false(match(&s, MiB(2), 4, 0, 20, 100000));
	assert_false(match(&s, MiB(2), 11, 0, 20, 100000));
	/* The same region under another sampling ratio: 5 of 10 is 50%. */
	assert_true(match(&s, MiB(2), 5, 0, 10, 100000));
	assert_false(match(&s, MiB(2), 6, 0, 10, 100000));
}

static void test_rate_raw(void **state)
{
	struct udamos_scheme s;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_STAT);
	s.pattern.rate = (struct udamos_range){ 3, 3 };
	assert_true(match(&s, MiB(2), 3, 0, 20, 100000));
	assert_false(match(&s, MiB(2), 2, 0, 20, 100000));
	assert_false(match(&s, MiB(2), 4, 0, 20, 100000));
}

static void test_age_in_time_and_in_aggregations(void **state)
{
	struct udamos_scheme s;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_STAT);
	s.pattern.age_unit = UDAMOS_AGE_US;
	s.pattern.age = (struct udamos_range){ 2000000, 3000000 };	/* 2..3 s */
	assert_true(match(&s, MiB(2), 0, 20, 20, 100000));		/* 20 x 100 ms = 2 s */
	assert_false(match(&s, MiB(2), 0, 19, 20, 100000));
	assert_true(match(&s, MiB(2), 0, 30, 20, 100000));
	assert_false(match(&s, MiB(2), 0, 31, 20, 100000));
	/* With a 1 s aggregation, age 2 is already 2 s. */
	assert_true(match(&s, MiB(2), 0, 2, 20, 1000000));
	s.pattern.age_unit = UDAMOS_AGE_AGGRS;
	s.pattern.age = (struct udamos_range){ 5, UDAMOS_UNLIMITED };
	assert_true(match(&s, MiB(2), 0, 5, 20, 100000));
	assert_false(match(&s, MiB(2), 0, 4, 20, 100000));
}

/*
 * The lower size bound is judged on the run of adjacent regions that
 * match the access rate and age: a hot range monitored as 7.5 MiB and
 * 1 MiB (DAMON will not merge past total / min_nr_regions) is one 8.5 MiB
 * extent, while a gap, or a cold neighbour, ends a run.
 */
static void test_extent_is_the_matching_run(void **state)
{
	struct udamos_region r[] = {
		{ 0, MiB(7) + KiB(512), 20, 10 },
		{ MiB(7) + KiB(512), MiB(8) + KiB(512), 20, 10 },
		{ MiB(8) + KiB(512), MiB(20), 0, 10 },
		{ MiB(20), MiB(21), 20, 10 },		/* alone among cold */
		{ MiB(21), MiB(30), 0, 10 },
		{ MiB(31), MiB(32), 20, 10 },		/* after a gap */
	};
	struct udamos_snapshot sn = { .max_nr_accesses = 20, .aggr_us = 100000,
		.nr_regions = 6, .regions = r };
	uint64_t *extent = NULL;
	size_t cap = 0;
	struct udamos_scheme s;

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_STAT);
	s.pattern.sz = (struct udamos_range){ MiB(2), MiB(16) };
	s.pattern.rate = (struct udamos_range){ 10, UDAMOS_UNLIMITED };
	assert_int_equal(udamos_pattern_extents(&s.pattern, &sn, &extent, &cap), 0);
	assert_int_equal(extent[0], MiB(8) + KiB(512));
	assert_int_equal(extent[1], MiB(8) + KiB(512));
	assert_int_equal(extent[2], r[2].end - r[2].start);	/* not matching: itself */
	assert_int_equal(extent[3], MiB(1));
	assert_int_equal(extent[5], MiB(1));
	assert_true(udamos_pattern_match_extent(&s.pattern, &r[1], extent[1], 20, 100000));
	assert_false(udamos_pattern_match(&s.pattern, &r[1], 20, 100000));
	assert_false(udamos_pattern_match_extent(&s.pattern, &r[3], extent[3], 20, 100000));
	assert_false(udamos_pattern_match_extent(&s.pattern, &r[5], extent[5], 20, 100000));
	/* The upper bound stays the region's own: a run longer than 16 MiB
	 * does not make its regions too large. */
	r[2].nr_accesses = 20;
	r[3].nr_accesses = 20;
	assert_int_equal(udamos_pattern_extents(&s.pattern, &sn, &extent, &cap), 0);
	assert_true(extent[3] > MiB(16));
	assert_true(udamos_pattern_match_extent(&s.pattern, &r[3], extent[3], 20, 100000));
	free(extent);
}

static void test_names_round_trip(void **state)
{
	enum udamos_action a;
	enum udamos_filter_type f;
	enum udamos_goal_metric g;

	(void)state;
	for (int i = 0; i < UDAMOS_NR_ACTIONS; i++) {
		assert_int_equal(udamos_action_parse(udamos_action_name(i), &a), 0);
		assert_int_equal(a, i);
	}
	assert_int_equal(udamos_action_parse("colapse", &a), -22);
	assert_int_equal(udamos_filter_type_parse("huge", &f), 0);
	assert_int_equal(f, UDAMOS_FILTER_HUGE);
	assert_int_equal(udamos_goal_metric_parse("hugepage_mem_bp", &g), 0);
	assert_int_equal(g, UDAMOS_GOAL_HUGEPAGE_MEM_BP);
	assert_true(udamos_action_wants_hot(UDAMOS_ACTION_COLLAPSE));
	assert_false(udamos_action_wants_hot(UDAMOS_ACTION_PAGEOUT));
}

static void test_validate_names_the_problem(void **state)
{
	struct udamos_scheme s;
	char why[160];

	(void)state;
	udamos_scheme_default_collapse(&s);
	assert_int_equal(udamos_scheme_validate(&s, why, sizeof(why)), 0);
	s.pattern.sz = (struct udamos_range){ MiB(4), MiB(2) };
	assert_int_equal(udamos_scheme_validate(&s, why, sizeof(why)), -22);
	assert_non_null(strstr(why, "size range"));
	udamos_scheme_default_collapse(&s);
	s.wmarks = (struct udamos_watermarks){ UDAMOS_WMARK_FREE_MEM_RATE, 1000, 100, 200, 50 };
	assert_int_equal(udamos_scheme_validate(&s, why, sizeof(why)), -22);
	assert_non_null(strstr(why, "high >= mid >= low"));
}

static void test_default_collapse_is_documented_shape(void **state)
{
	struct udamos_scheme s;

	(void)state;
	udamos_scheme_default_collapse(&s);
	assert_int_equal(s.action, UDAMOS_ACTION_COLLAPSE);
	assert_int_equal(s.pattern.sz.min, MiB(2));
	assert_int_equal(s.pattern.rate_unit, UDAMOS_RATE_BP);
	assert_int_equal(s.pattern.rate.min, 5000);
	assert_int_equal(s.pattern.age.min, 5000000);
	assert_int_equal(s.quota.ms, 200);
	assert_int_equal(s.quota.sz, MiB(512));
	assert_int_equal(s.nr_filters, 2);
	assert_int_equal(s.filters[0].type, UDAMOS_FILTER_HUGE);
	assert_false(s.filters[0].allow);
	/* Rejects windows under 7/8 populated. */
	assert_int_equal(s.filters[1].type, UDAMOS_FILTER_POPULATED);
	assert_false(s.filters[1].matching);
	assert_false(s.filters[1].allow);
	assert_int_equal(s.filters[1].min_populated_bp, 8750);
	/* Full quota until 95% of the hot memory is huge, then none. */
	assert_int_equal(s.quota.nr_goals, 1);
	assert_int_equal(s.quota.goals[0].metric, UDAMOS_GOAL_HOT_COVERAGE_BP);
	assert_int_equal(s.quota.goals[0].target_value, 9500);
	assert_int_equal(s.quota.tuner, UDAMOS_TUNER_TEMPORAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_edges_are_closed),
		cmocka_unit_test(test_rate_in_percent_is_exact_at_edges),
		cmocka_unit_test(test_rate_raw),
		cmocka_unit_test(test_age_in_time_and_in_aggregations),
		cmocka_unit_test(test_extent_is_the_matching_run),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_validate_names_the_problem),
		cmocka_unit_test(test_default_collapse_is_documented_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
