// SPDX-License-Identifier: GPL-2.0-or-later
/* The midpoint rule for 2 MiB windows. */
#include "test.h"

#include "core/hugewin.h"

static void test_aligned_region_owns_its_windows(void **state)
{
	uint64_t first, end;

	(void)state;
	assert_true(udamos_owned_windows(MiB(4), MiB(10), &first, &end));
	assert_int_equal(first, MiB(4));
	assert_int_equal(end, MiB(10));
}

static void test_partial_windows_go_by_midpoint(void **state)
{
	uint64_t first, end;

	(void)state;
	/* [4.5M, 9.2M): owns 4M (mid 5M) and 6M (mid 7M); 8M's midpoint
	 * 9M is inside too; not 10M (mid 11M). */
	assert_true(udamos_owned_windows(MiB(4) + KiB(512), MiB(9) + KiB(200), &first, &end));
	assert_int_equal(first, MiB(4));
	assert_int_equal(end, MiB(10));
	/* [5.2M, 8.9M): 4M's midpoint 5M is outside; 8M's 9M is outside. */
	assert_true(udamos_owned_windows(MiB(5) + KiB(200), MiB(8) + KiB(900), &first, &end));
	assert_int_equal(first, MiB(6));
	assert_int_equal(end, MiB(8));
	/* The midpoint itself is inclusive at the start, exclusive at the end. */
	assert_true(udamos_owned_windows(MiB(5), MiB(6), &first, &end));
	assert_int_equal(first, MiB(4));
	assert_int_equal(end, MiB(6));
	assert_false(udamos_owned_windows(MiB(4), MiB(5), &first, &end));
}

static void test_adjacent_regions_share_no_window_and_lose_none(void **state)
{
	uint64_t f1, e1, f2, e2;

	(void)state;
	/* Split at 7.3M: the window at 6M (mid 7M) goes left, 8M right. */
	assert_true(udamos_owned_windows(MiB(4), MiB(7) + KiB(300), &f1, &e1));
	assert_true(udamos_owned_windows(MiB(7) + KiB(300), MiB(12), &f2, &e2));
	assert_int_equal(e1, MiB(8));
	assert_int_equal(f2, MiB(8));
	assert_int_equal(e2, MiB(12));
}

static void test_small_and_low_regions(void **state)
{
	uint64_t first, end;

	(void)state;
	assert_false(udamos_owned_windows(MiB(3) + KiB(4), MiB(3) + KiB(8), &first, &end));
	assert_false(udamos_owned_windows(0, KiB(4), &first, &end));
	assert_true(udamos_owned_windows(0, MiB(2), &first, &end));
	assert_int_equal(first, 0);
	assert_int_equal(end, MiB(2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aligned_region_owns_its_windows),
		cmocka_unit_test(test_partial_windows_go_by_midpoint),
		cmocka_unit_test(test_adjacent_regions_share_no_window_and_lose_none),
		cmocka_unit_test(test_small_and_low_regions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
