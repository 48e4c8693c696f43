// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Retrying writes the kernel refuses with EBUSY for a moment, and the
 * PSI goal metric read by several goals: each keeps its own deltas.
 */
#include "test.h"

#include <errno.h>

#include "core/retry.h"
#include "run/sysenv.h"

static int busy_left;
static unsigned pauses;

static int busy_then_ok(void *ctx)
{
	(void)ctx;
	return busy_left-- > 0 ? -EBUSY : 0;
}

static void no_pause(unsigned ms)
{
	(void)ms;
	pauses++;
}

static void test_busy_retried_until_free(void **state)
{
	(void)state;
	busy_left = 5;
	pauses = 0;
	assert_int_equal(udamos_retry_busy(busy_then_ok, NULL, 10, no_pause), 0);
	assert_int_equal(pauses, 5);
}

static void test_busy_gives_up(void **state)
{
	(void)state;
	busy_left = 100;
	pauses = 0;
	assert_int_equal(udamos_retry_busy(busy_then_ok, NULL, 10, no_pause), -EBUSY);
	assert_int_equal(pauses, 9);
}

static int other_error(void *ctx)
{
	(void)ctx;
	return -EINVAL;
}

static void test_other_errors_not_retried(void **state)
{
	(void)state;
	pauses = 0;
	assert_int_equal(udamos_retry_busy(other_error, NULL, 10, no_pause), -EINVAL);
	assert_int_equal(pauses, 0);
}

/* Two goals reading PSI in turn: each sees the stall since its own last
 * reading, not since the other's. */
static void test_psi_delta_per_reader(void **state)
{
	struct udamos_sysenv se = { 0 };
	int a = 0, b = 0;	/* only their addresses name the readers */
	uint64_t v;

	(void)state;
	assert_int_equal(udamos_sysenv_psi_delta(&se, &a, 1000, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(udamos_sysenv_psi_delta(&se, &b, 1500, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(udamos_sysenv_psi_delta(&se, &a, 3000, &v), 0);
	assert_int_equal(v, 2000);
	assert_int_equal(udamos_sysenv_psi_delta(&se, &b, 3100, &v), 0);
	assert_int_equal(v, 1600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busy_retried_until_free),
		cmocka_unit_test(test_busy_gives_up),
		cmocka_unit_test(test_other_errors_not_retried),
		cmocka_unit_test(test_psi_delta_per_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
