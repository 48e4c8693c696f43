// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Age resets: the newest reset wins where ranges overlap, the list stays
 * sorted and disjoint, and it is bounded however often ranges are reset.
 */
#include "test.h"

#include "core/agereset.h"

static void check_sorted_disjoint(const struct udamos_age_resets *rs)
{
	for (size_t i = 0; i < rs->nr; i++) {
		assert_true(rs->v[i].start < rs->v[i].end);
		if (i && rs->v[i].target == rs->v[i - 1].target)
			assert_true(rs->v[i - 1].end <= rs->v[i].start);
		if (i)
			assert_true(rs->v[i - 1].target <= rs->v[i].target);
	}
}

static void test_newer_overrides_older(void **state)
{
	struct udamos_age_resets rs = { 0 };

	(void)state;
	assert_int_equal(udamos_resets_add(&rs, 0, MiB(0), MiB(10), 100), 0);
	assert_int_equal(udamos_resets_add(&rs, 0, MiB(4), MiB(6), 200), 0);
	check_sorted_disjoint(&rs);
	/* [0,4) at 100, [4,6) at 200, [6,10) at 100. */
	assert_int_equal(rs.nr, 3);
	assert_int_equal(rs.v[0].end, MiB(4));
	assert_int_equal(rs.v[1].time_us, 200);
	assert_int_equal(rs.v[2].start, MiB(6));
	assert_int_equal(rs.v[2].time_us, 100);
	/* Covering everything replaces everything. */
	assert_int_equal(udamos_resets_add(&rs, 0, 0, MiB(20), 300), 0);
	assert_int_equal(rs.nr, 1);
	udamos_resets_release(&rs);
}

static void test_same_moment_neighbours_merge(void **state)
{
	struct udamos_age_resets rs = { 0 };

	(void)state;
	for (uint64_t w = 0; w < 512; w++)
		assert_int_equal(udamos_resets_add(&rs, 1, MiB(2) * w, MiB(2) * (w + 1), 7), 0);
	assert_int_equal(rs.nr, 1);
	assert_int_equal(rs.v[0].end, MiB(1024));
	udamos_resets_release(&rs);
}

static void test_targets_kept_apart(void **state)
{
	struct udamos_age_resets rs = { 0 };

	(void)state;
	udamos_resets_add(&rs, 2, 0, MiB(2), 1);
	udamos_resets_add(&rs, 0, 0, MiB(2), 2);
	udamos_resets_add(&rs, 1, 0, MiB(2), 3);
	check_sorted_disjoint(&rs);
	assert_int_equal(rs.nr, 3);
	assert_int_equal(udamos_resets_first(&rs, 1, 0), 1);
	assert_int_equal(udamos_resets_first(&rs, 1, MiB(2)), 2);
	assert_int_equal(udamos_resets_first(&rs, 3, 0), 3);
	udamos_resets_release(&rs);
}

/* Past the cap, neighbours merge with the newer time: never unbounded. */
static void test_capped(void **state)
{
	struct udamos_age_resets rs = { 0 };

	(void)state;
	for (uint64_t w = 0; w < UDAMOS_AGE_RESETS_MAX + 10; w++)
		assert_int_equal(udamos_resets_add(&rs, 0, MiB(4) * w, MiB(4) * w + MiB(2), w), 0);
	assert_true(rs.nr <= UDAMOS_AGE_RESETS_MAX);
	check_sorted_disjoint(&rs);
	udamos_resets_release(&rs);
}

static void test_prune(void **state)
{
	struct udamos_age_resets rs = { 0 };

	(void)state;
	udamos_resets_add(&rs, 0, 0, MiB(2), 100);
	udamos_resets_add(&rs, 0, MiB(4), MiB(6), 900);
	udamos_resets_prune(&rs, 1000, 500);
	assert_int_equal(rs.nr, 1);
	assert_int_equal(rs.v[0].time_us, 900);
	udamos_resets_release(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newer_overrides_older),
		cmocka_unit_test(test_same_moment_neighbours_merge),
		cmocka_unit_test(test_targets_kept_apart),
		cmocka_unit_test(test_capped),
		cmocka_unit_test(test_prune),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
