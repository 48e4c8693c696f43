// SPDX-License-Identifier: GPL-2.0-or-later
/* Sizes, times, rates and ages as people type them. */
#include "test.h"

#include <errno.h>

#include "core/units.h"

static void test_sizes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(udamos_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(udamos_parse_size("2M", &v), 0);
	assert_int_equal(v, MiB(2));
	assert_int_equal(udamos_parse_size("2MiB", &v), 0);
	assert_int_equal(v, MiB(2));
	assert_int_equal(udamos_parse_size("1.5G", &v), 0);
	assert_int_equal(v, MiB(1536));
	assert_int_equal(udamos_parse_size("max", &v), 0);
	assert_int_equal(v, UDAMOS_UNLIMITED);
	assert_int_equal(udamos_parse_size("min", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(udamos_parse_size("2X", &v), -22);
	assert_int_equal(udamos_parse_size("-1", &v), -22);
	assert_int_equal(udamos_parse_size("", &v), -22);
	assert_int_equal(udamos_parse_size("M", &v), -22);
	assert_int_equal(udamos_parse_size("1e3", &v), -22);
	assert_int_equal(udamos_parse_size("99999999999T", &v), -22);
}

static void test_times(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(udamos_parse_time_us("100ms", 1, &v), 0);
	assert_int_equal(v, 100000);
	assert_int_equal(udamos_parse_time_us("5s", 1, &v), 0);
	assert_int_equal(v, 5000000);
	assert_int_equal(udamos_parse_time_us("2m", 1, &v), 0);
	assert_int_equal(v, 120000000);
	assert_int_equal(udamos_parse_time_us("250us", 1, &v), 0);
	assert_int_equal(v, 250);
	assert_int_equal(udamos_parse_time_us("5", 1000000, &v), 0);
	assert_int_equal(v, 5000000);
	assert_int_equal(udamos_parse_time_us("5", 1000, &v), 0);
	assert_int_equal(v, 5000);
	assert_int_equal(udamos_parse_time_us("5x", 1, &v), -22);
	assert_int_equal(udamos_parse_time_us("s", 1, &v), -22);
}

static void test_rates(void **state)
{
	enum udamos_rate_unit u = UDAMOS_RATE_RAW;
	uint64_t v;

	(void)state;
	assert_int_equal(udamos_parse_rate("5%", &v, &u), 0);
	assert_int_equal(v, 500);
	assert_int_equal(u, UDAMOS_RATE_BP);
	assert_int_equal(udamos_parse_rate("5.5%", &v, &u), 0);
	assert_int_equal(v, 550);
	assert_int_equal(udamos_parse_rate("12", &v, &u), 0);
	assert_int_equal(v, 12);
	assert_int_equal(u, UDAMOS_RATE_RAW);
	assert_int_equal(udamos_parse_rate("101%", &v, &u), -22);
	assert_int_equal(udamos_parse_rate("5%%", &v, &u), -22);
	assert_int_equal(udamos_parse_rate("hot", &v, &u), -22);
}

static void test_ages(void **state)
{
	enum udamos_age_unit u;
	uint64_t v;

	(void)state;
	assert_int_equal(udamos_parse_age("2s", &v, &u), 0);
	assert_int_equal(v, 2000000);
	assert_int_equal(u, UDAMOS_AGE_US);
	assert_int_equal(udamos_parse_age("50", &v, &u), 0);
	assert_int_equal(v, 50);
	assert_int_equal(u, UDAMOS_AGE_AGGRS);
	assert_int_equal(udamos_parse_age("old", &v, &u), -22);
}

/* Gaps in a table (NULL) never match, nor does a missing name. */
static void test_name_index(void **state)
{
	static const char *const names[] = { "auto", NULL, "off" };

	(void)state;
	assert_int_equal(udamos_name_index(names, 3, "auto"), 0);
	assert_int_equal(udamos_name_index(names, 3, "off"), 2);
	assert_int_equal(udamos_name_index(names, 3, "on"), -1);
	assert_int_equal(udamos_name_index(names, 3, ""), -1);
	assert_int_equal(udamos_name_index(names, 3, NULL), -1);
	assert_int_equal(udamos_name_index(names, 2, "off"), -1);
}

/* Every auto/on/off option reads its value here; anything else, and no
 * value at all, is refused. */
static void test_auto_on_off(void **state)
{
	(void)state;
	assert_int_equal(udamos_parse_auto_on_off("auto"), 0);
	assert_int_equal(udamos_parse_auto_on_off("on"), 1);
	assert_int_equal(udamos_parse_auto_on_off("off"), 2);
	assert_int_equal(udamos_parse_auto_on_off("sometimes"), -EINVAL);
	assert_int_equal(udamos_parse_auto_on_off("On"), -EINVAL);
	assert_int_equal(udamos_parse_auto_on_off(NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_ages),
		cmocka_unit_test(test_name_index),
		cmocka_unit_test(test_auto_on_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
