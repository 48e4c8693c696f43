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

static void test_ops_filters_are_refused(void **state)
{
	struct udamos_scheme s;
	struct udamos_kscheme k;
	char why[192];

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_HUGEPAGE);
	s.filters[0] = (struct udamos_filter){ .type = UDAMOS_FILTER_ANON, .matching = true };
	s.nr_filters = 1;
	/* The kernel's vaddr ops would ignore it silently: refuse instead. */
	assert_int_equal(udamos_kscheme_from(&s, 5000, 100000, &k, why, sizeof(why)), -22);
	assert_non_null(strstr(why, "'anon'"));
	assert_null(strstr(why, "apply_by udamos"));	/* hugepage has no such way */
	s.action = UDAMOS_ACTION_PAGEOUT;
	assert_int_equal(udamos_kscheme_from(&s, 5000, 100000, &k, why, sizeof(why)), -22);
	assert_non_null(strstr(why, "apply_by udamos"));
	assert_true(udamos_action_needs_kernel(UDAMOS_ACTION_HUGEPAGE));
	assert_false(udamos_action_needs_kernel(UDAMOS_ACTION_COLLAPSE));
}

static void add_addr(struct udamos_scheme *s, bool matching, bool allow, uint64_t a, uint64_t b)
{
	s->filters[s->nr_filters++] = (struct udamos_filter){
		.type = UDAMOS_FILTER_ADDR, .matching = matching, .allow = allow,
		.addr_start = a, .addr_end = b,
	};
}

static void test_filters_fit_old_kernels_when_they_can(void **state)
{
	struct udamos_scheme s;
	struct udamos_kscheme k;
	char why[192];

	(void)state;
	/* One allow filter: reject the complement, no allow file needed. */
	udamos_scheme_init(&s, UDAMOS_ACTION_STAT);
	add_addr(&s, true, true, MiB(2), MiB(4));
	assert_int_equal(udamos_kscheme_from(&s, 5000, 100000, &k, why, sizeof(why)), 0);
	assert_int_equal(k.nr_filters, 1);
	assert_string_equal(k.filters[0].type, "addr");
	assert_false(k.filters[0].allow);
	assert_false(k.filters[0].matching);
	assert_int_equal(k.filters[0].addr_start, MiB(2));
	assert_int_equal(k.filters[0].addr_end, MiB(4));
	assert_false(k.needs_allow);

	/* Rejects only: as given. */
	udamos_scheme_init(&s, UDAMOS_ACTION_STAT);
	add_addr(&s, true, false, 0, MiB(2));
	s.filters[s.nr_filters++] = (struct udamos_filter){
		.type = UDAMOS_FILTER_TARGET, .matching = false, .target = 3 };
	assert_int_equal(udamos_kscheme_from(&s, 5000, 100000, &k, why, sizeof(why)), 0);
	assert_int_equal(k.nr_filters, 2);
	assert_true(k.filters[0].matching);
	assert_string_equal(k.filters[1].type, "target");
	assert_int_equal(k.filters[1].target_idx, 3);
	assert_false(k.filters[1].matching);
	assert_false(k.needs_allow);

	/* Allow then reject: only the kernel's allow filters say that. */
	udamos_scheme_init(&s, UDAMOS_ACTION_STAT);
	add_addr(&s, true, true, 0, MiB(2));
	add_addr(&s, true, false, 0, MiB(4));
	assert_int_equal(udamos_kscheme_from(&s, 5000, 100000, &k, why, sizeof(why)), 0);
	assert_true(k.needs_allow);
	assert_true(k.filters[0].allow);
	assert_true(k.filters[0].matching);
}

static void test_goals(void **state)
{
	struct udamos_scheme s;
	struct udamos_kscheme k;
	char why[192];

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_HUGEPAGE);
	s.quota.reset_interval_ms = 1000;
	s.quota.goals[0] = (struct udamos_goal){
		.metric = UDAMOS_GOAL_HUGEPAGE_MEM_BP, .target_value = 1000, .current_value = 0,
	};
	s.quota.goals[1] = (struct udamos_goal){
		.metric = UDAMOS_GOAL_USER_INPUT, .target_value = 50, .current_value = 7,
	};
	s.quota.goals[2] = (struct udamos_goal){
		.metric = UDAMOS_GOAL_SOME_MEM_PSI_US, .target_value = 1000, .current_value = 0,
	};
	s.quota.goals[3] = (struct udamos_goal){
		.metric = UDAMOS_GOAL_NODE_MEM_FREE_BP, .target_value = 2000, .current_value = 0,
	};
	s.quota.nr_goals = 4;
	s.quota.tuner = UDAMOS_TUNER_TEMPORAL;
	assert_int_equal(udamos_kscheme_from(&s, 5000, 100000, &k, why, sizeof(why)), 0);
	assert_int_equal(k.nr_goals, 4);
	/* Per-target huge memory: measured by udamos, fed as user input. */
	assert_string_equal(k.goals[0].metric, "user_input");
	assert_true(k.goals[0].fed);
	assert_int_equal(k.goals[0].source, UDAMOS_GOAL_HUGEPAGE_MEM_BP);
	assert_int_equal(k.goals[0].target_value, 1000);
	/* The operator's own input goes as is. */
	assert_string_equal(k.goals[1].metric, "user_input");
	assert_false(k.goals[1].fed);
	assert_int_equal(k.goals[1].current_value, 7);
	/* PSI: the kernel measures the same thing itself. */
	assert_string_equal(k.goals[2].metric, "some_mem_psi_us");
	assert_false(k.goals[2].fed);
	assert_true(k.goals[3].fed);
	assert_string_equal(k.tuner, "temporal");
	s.quota.tuner = UDAMOS_TUNER_CONSIST;
	assert_int_equal(udamos_kscheme_from(&s, 5000, 100000, &k, why, sizeof(why)), 0);
	assert_null(k.tuner);
}

static void test_who_applies(void **state)
{
	struct udamos_scheme s;
	char why[192];

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_COLLAPSE);
	assert_false(udamos_scheme_wants_kernel(&s));
	s.apply_by = UDAMOS_APPLY_BY_KERNEL;
	assert_true(udamos_scheme_wants_kernel(&s));
	udamos_scheme_init(&s, UDAMOS_ACTION_NOHUGEPAGE);
	assert_true(udamos_scheme_wants_kernel(&s));
	s.apply_by = UDAMOS_APPLY_BY_UDAMOS;
	assert_int_equal(udamos_scheme_validate(&s, why, sizeof(why)), -22);
	assert_non_null(strstr(why, "nohugepage cannot be applied by udamos"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percent_and_time_become_counts),
		cmocka_unit_test(test_unbounded_and_raw),
		cmocka_unit_test(test_ops_filters_are_refused),
		cmocka_unit_test(test_filters_fit_old_kernels_when_they_can),
		cmocka_unit_test(test_goals),
		cmocka_unit_test(test_who_applies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
