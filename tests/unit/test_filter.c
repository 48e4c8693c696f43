// SPDX-License-Identifier: GPL-2.0-or-later
/* Each filter type, first match, and the default verdict. */
#include "test.h"

#include "core/filter.h"

static struct udamos_mem_attrs mem(uint32_t target, uint64_t start, uint64_t end,
				   bool anon, bool huge)
{
	return (struct udamos_mem_attrs){ target, start, end, anon, huge, 10000 };
}

static void test_addr_filter(void **state)
{
	struct udamos_filter f = { .type = UDAMOS_FILTER_ADDR, .matching = true,
		.allow = false, .addr_start = MiB(2), .addr_end = MiB(4) };
	struct udamos_mem_attrs in = mem(0, MiB(2), MiB(4), true, false);
	struct udamos_mem_attrs out = mem(0, MiB(4), MiB(6), true, false);

	(void)state;
	assert_int_equal(udamos_filters_judge(&f, 1, true, &in), UDAMOS_REJECT);
	assert_int_equal(udamos_filters_judge(&f, 1, true, &out), UDAMOS_NO_MATCH);
	f.matching = false;	/* now it matches everything outside */
	assert_int_equal(udamos_filters_judge(&f, 1, true, &in), UDAMOS_NO_MATCH);
	assert_int_equal(udamos_filters_judge(&f, 1, true, &out), UDAMOS_REJECT);
	/* An ops-side judgement ignores core filters. */
	assert_int_equal(udamos_filters_judge(&f, 1, false, &out), UDAMOS_NO_MATCH);
}

/* The default collapse scheme's filter: reject windows under 7/8 full. */
static void test_populated_filter(void **state)
{
	struct udamos_scheme s;
	struct udamos_mem_attrs full = mem(0, 0, MiB(2), true, false);
	struct udamos_mem_attrs edge = full, half = full;

	(void)state;
	udamos_scheme_default_collapse(&s);
	edge.populated_bp = 8750;		/* 448 of 512 pages */
	half.populated_bp = 5000;
	assert_true(udamos_ops_filters_allow(s.filters, s.nr_filters,
		udamos_filters_default_allow(s.filters, s.nr_filters), &full));
	assert_true(udamos_ops_filters_allow(s.filters, s.nr_filters,
		udamos_filters_default_allow(s.filters, s.nr_filters), &edge));
	assert_false(udamos_ops_filters_allow(s.filters, s.nr_filters,
		udamos_filters_default_allow(s.filters, s.nr_filters), &half));
	udamos_scheme_release(&s);
}

static void test_target_filter(void **state)
{
	struct udamos_filter f = { .type = UDAMOS_FILTER_TARGET, .matching = true,
		.allow = true, .target = 1 };
	struct udamos_mem_attrs t0 = mem(0, 0, MiB(2), true, false);
	struct udamos_mem_attrs t1 = mem(1, 0, MiB(2), true, false);

	(void)state;
	assert_int_equal(udamos_filters_judge(&f, 1, true, &t1), UDAMOS_ALLOW);
	assert_int_equal(udamos_filters_judge(&f, 1, true, &t0), UDAMOS_NO_MATCH);
	/* An allow-list rejects what it does not name. */
	assert_false(udamos_filters_default_allow(&f, 1));
}

static void test_anon_and_huge_filters(void **state)
{
	struct udamos_filter f[2] = {
		{ .type = UDAMOS_FILTER_HUGE, .matching = true, .allow = false },
		{ .type = UDAMOS_FILTER_ANON, .matching = true, .allow = true },
	};
	bool dflt = udamos_filters_default_allow(f, 2);
	struct udamos_mem_attrs anon_small = mem(0, 0, MiB(2), true, false);
	struct udamos_mem_attrs anon_huge = mem(0, 0, MiB(2), true, true);
	struct udamos_mem_attrs file_small = mem(0, 0, MiB(2), false, false);

	(void)state;
	assert_false(dflt);
	assert_true(udamos_ops_filters_allow(f, 2, dflt, &anon_small));
	/* First match decides: the huge reject wins over the anon allow. */
	assert_false(udamos_ops_filters_allow(f, 2, dflt, &anon_huge));
	/* No match: the opposite of the last filter (allow): reject. */
	assert_false(udamos_ops_filters_allow(f, 2, dflt, &file_small));
}

static void test_no_filters_allow_everything(void **state)
{
	struct udamos_mem_attrs m = mem(0, 0, MiB(2), false, true);

	(void)state;
	assert_true(udamos_filters_default_allow(NULL, 0));
	assert_true(udamos_ops_filters_allow(NULL, 0, true, &m));
	assert_true(udamos_filter_is_core(UDAMOS_FILTER_ADDR));
	assert_false(udamos_filter_is_core(UDAMOS_FILTER_HUGE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_filter),
		cmocka_unit_test(test_target_filter),
		cmocka_unit_test(test_anon_and_huge_filters),
		cmocka_unit_test(test_populated_filter),
		cmocka_unit_test(test_no_filters_allow_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
