// SPDX-License-Identifier: GPL-2.0-or-later
/* Window ages carried from one run to the next, per process. */
#include "test.h"

#include "core/agecarry.h"

#define PFN(a) ((a) / 4096)

/* One aggregation of a window hot at 3 of 3, through physical regions. */
static uint32_t age_after_one(struct udamos_window_ages *ages)
{
	struct udamos_extent e = { 0, PFN(MiB(10)), 512 };
	struct udamos_region phys = { MiB(10), MiB(12), 3, 0 };
	struct udamos_snapshot sn = { 0 };
	struct udamos_projection p;
	uint32_t age;

	assert_int_equal(udamos_projection_build(&p, &e, 1), 0);
	assert_int_equal(udamos_projection_run(&p, &phys, 1, ages, UDAMOS_PROJ_RATE_SMOOTHED,
					       &sn), 0);
	age = sn.regions[0].age;
	udamos_snapshot_release(&sn);
	udamos_projection_release(&p);
	return age;
}

/* A run that follows another goes on with the ages it left. */
static void test_ages_go_on_in_the_next_run(void **state)
{
	struct udamos_age_carry c = { 0 };
	struct udamos_window_ages run1 = { 0 }, run2;
	uint32_t age = 0;

	(void)state;
	for (int i = 0; i < 20; i++)
		age = age_after_one(&run1);
	assert_true(age >= 4);
	assert_int_equal(udamos_age_carry_keep(&c, 100, 5555, &run1), 0);
	assert_int_equal(run1.n, 0);	/* moved, not copied */
	udamos_age_carry_take(&c, 100, 5555, &run2);
	assert_int_equal(c.n, 0);
	assert_int_equal(age_after_one(&run2), age + 1);
	udamos_window_ages_release(&run2);
	udamos_age_carry_release(&c);
}

/* A PID now held by another process (another start time) starts afresh,
 * and what was kept for the old one is dropped. */
static void test_reused_pid_starts_afresh(void **state)
{
	struct udamos_age_carry c = { 0 };
	struct udamos_window_ages a = { 0 }, b;

	(void)state;
	for (int i = 0; i < 20; i++)
		age_after_one(&a);
	assert_int_equal(udamos_age_carry_keep(&c, 100, 5555, &a), 0);
	udamos_age_carry_take(&c, 100, 7777, &b);
	assert_int_equal(b.n, 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(age_after_one(&b), 0);
	udamos_window_ages_release(&b);
	udamos_age_carry_release(&c);
}

/* Keeping again replaces; other processes' entries stay. */
static void test_keep_replaces_and_others_stay(void **state)
{
	struct udamos_age_carry c = { 0 };
	struct udamos_window_ages a = { 0 }, b = { 0 }, out;

	(void)state;
	age_after_one(&a);
	age_after_one(&b);
	assert_int_equal(udamos_age_carry_keep(&c, 1, 10, &a), 0);
	assert_int_equal(udamos_age_carry_keep(&c, 2, 20, &b), 0);
	age_after_one(&a);
	assert_int_equal(udamos_age_carry_keep(&c, 1, 10, &a), 0);
	assert_int_equal(c.n, 2);
	udamos_age_carry_take(&c, 2, 20, &out);
	assert_int_equal(out.n, 1);
	udamos_window_ages_release(&out);
	udamos_age_carry_take(&c, 3, 30, &out);	/* never kept */
	assert_int_equal(out.n, 0);
	assert_int_equal(c.n, 1);
	udamos_age_carry_release(&c);
	assert_int_equal(c.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ages_go_on_in_the_next_run),
		cmocka_unit_test(test_reused_pid_starts_afresh),
		cmocka_unit_test(test_keep_replaces_and_others_stay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
