// SPDX-License-Identifier: GPL-2.0-or-later
/* Schemes in the kernel's units, for delegation. */
#include "test.h"

#include <string.h>

#include "core/kscheme.h"

static void test_percent_and_time_become_counts(void **state)
{
	struct udamos_scheme s;
	struct udamos_kscheme k;
	char why[128];

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_HUGEPAGE);
	s.pattern.sz = (struct udamos_range){ MiB(2), UDAMOS_UNLIMITED };
	s.pattern.rate_unit = UDAMOS_RATE_BP;
	s.pattern.rate = (struct udamos_range){ 500, 5250 };	/* 5% .. 52.5% */
	s.pattern.age_unit = UDAMOS_AGE_US;
	s.pattern.age = (struct udamos_range){ 2050000, 10000000 };	/* 2.05 s .. 10 s */
	s.quota.ms = 10;
	s.quota.sz = MiB(128);
	assert_int_equal(udamos_kscheme_from(&s, 5000, 100000, &k, why, sizeof(why)), 0);
	assert_string_equal(k.action, "hugepage");
	/* 20 samples: 5% is exactly 1; 52.5% is 10.5, down to 10. */
	assert_int_equal(k.nr_min, 1);
	assert_int_equal(k.nr_max, 10);
	/* 2.05 s is 20.5 aggregations: up to 21; 10 s is 100. */
	assert_int_equal(k.age_min, 21);
	assert_int_equal(k.age_max, 100);
	assert_int_equal(k.sz_min, MiB(2));
	assert_int_equal(k.sz_max, UDAMOS_UNLIMITED);
	assert_int_equal(k.quota_ms, 10);
	assert_int_equal(k.quota_bytes, MiB(128));
	assert_string_equal(k.wmark_metric, "none");
}

static void test_unbounded_and_raw(void **state)
{
	struct udamos_scheme s;
	struct udamos_kscheme k;
	char why[128];

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_NOHUGEPAGE);	/* raw, aggregations */
	s.pattern.rate = (struct udamos_range){ 0, 0 };
	s.pattern.age = (struct udamos_range){ 50, UDAMOS_UNLIMITED };
	assert_int_equal(udamos_kscheme_from(&s, 5000, 100000, &k, why, sizeof(why)), 0);
	assert_int_equal(k.nr_min, 0);
	assert_int_equal(k.nr_max, 0);
	assert_int_equal(k.age_min, 50);
	assert_int_equal(k.age_max, UINT32_MAX);
	s.pattern.rate.max = UDAMOS_UNLIMITED;
	assert_int_equal(udamos_kscheme_from(&s, 5000, 100000, &k, why, sizeof(why)), 0);
	assert_int_equal(k.nr_max, 20);
}

static void test_what_cannot_be_delegated_yet(void **state)
{
	struct udamos_scheme s;
	struct udamos_kscheme k;
	char why[160];

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_HUGEPAGE);
	s.filters[0] = (struct udamos_filter){ .type = UDAMOS_FILTER_ANON, .matching = true };
	s.nr_filters = 1;
	assert_int_equal(udamos_kscheme_from(&s, 5000, 100000, &k, why, sizeof(why)), -22);
	assert_non_null(strstr(why, "filters"));
	s.nr_filters = 0;
	s.quota.nr_goals = 1;
	assert_int_equal(udamos_kscheme_from(&s, 5000, 100000, &k, why, sizeof(why)), -22);
	assert_non_null(strstr(why, "goals"));
	assert_true(udamos_action_needs_kernel(UDAMOS_ACTION_HUGEPAGE));
	assert_false(udamos_action_needs_kernel(UDAMOS_ACTION_COLLAPSE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percent_and_time_become_counts),
		cmocka_unit_test(test_unbounded_and_raw),
		cmocka_unit_test(test_what_cannot_be_delegated_yet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
