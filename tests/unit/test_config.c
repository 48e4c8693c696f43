// SPDX-License-Identifier: GPL-2.0-or-later
/* Scheme options and JSON scheme files, good and bad. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/scheme_args.h"
#include "config/scheme_fields.h"
#include "config/scheme_json.h"

/* Parses argv as the run command would; returns the last result. */
static int parse(char **argv, int argc, struct udamos_scheme **v, size_t *n,
		 char *why, size_t len)
{
	int err = 0;

	for (int i = 0; i < argc; i++) {
		err = udamos_scheme_arg(v, n, argc, argv, &i, why, len);
		if (err < 0)
			return err;
	}
	return err;
}

static void test_full_command_line(void **state)
{
	char *argv[] = {
		"--damos_action", "collapse",
		"--damos_sz_region", "2M", "max",
		"--damos_access_rate", "5%", "100%",
		"--damos_age", "2s", "max",
		"--damos_apply_interval", "1s",
		"--damos_quotas", "200ms", "512M", "1s", "0", "1", "1",
		"--damos_quota_goal", "hugepage_mem_bp", "1000",
		"--damos_quota_goal_tuner", "temporal",
		"--damos_wmarks", "free_mem_rate", "5s", "500", "400", "50",
		"--damos_filter", "huge", "matching",
		"--damos_filter", "addr", "matching", "0x1000", "0x3000", "allow",
		"--damos_collapse_scope", "table",
		"--damos_action", "pageout",
		"--damos_apply_by", "kernel",
	};
	struct udamos_scheme *v = NULL;
	size_t n = 0;
	char why[256];
	struct udamos_scheme *s;

	(void)state;
	assert_int_equal(parse(argv, sizeof(argv) / sizeof(argv[0]), &v, &n, why, sizeof(why)), 1);
	assert_int_equal(n, 2);
	s = &v[0];
	assert_int_equal(s->action, UDAMOS_ACTION_COLLAPSE);
	assert_int_equal(s->pattern.sz.min, MiB(2));
	assert_int_equal(s->pattern.sz.max, UDAMOS_UNLIMITED);
	assert_int_equal(s->pattern.rate_unit, UDAMOS_RATE_BP);
	assert_int_equal(s->pattern.rate.min, 500);
	assert_int_equal(s->pattern.rate.max, 10000);
	assert_int_equal(s->pattern.age_unit, UDAMOS_AGE_US);
	assert_int_equal(s->pattern.age.min, 2000000);
	assert_int_equal(s->apply_interval_us, 1000000);
	assert_int_equal(s->quota.ms, 200);
	assert_int_equal(s->quota.sz, MiB(512));
	assert_int_equal(s->quota.reset_interval_ms, 1000);
	assert_int_equal(s->quota.weight_rate, 1);
	assert_int_equal(s->quota.nr_goals, 1);
	assert_int_equal(s->quota.goals[0].metric, UDAMOS_GOAL_HUGEPAGE_MEM_BP);
	assert_int_equal(s->quota.tuner, UDAMOS_TUNER_TEMPORAL);
	assert_int_equal(s->wmarks.metric, UDAMOS_WMARK_FREE_MEM_RATE);
	assert_int_equal(s->wmarks.interval_us, 5000000);
	assert_int_equal(s->wmarks.low, 50);
	assert_int_equal(s->nr_filters, 2);
	assert_int_equal(s->filters[0].type, UDAMOS_FILTER_HUGE);
	assert_false(s->filters[0].allow);
	assert_int_equal(s->filters[1].addr_end, 0x3000);
	assert_true(s->filters[1].allow);
	assert_int_equal(s->apply_by, UDAMOS_APPLY_BY_AUTO);
	assert_int_equal(s->collapse_scope, UDAMOS_COLLAPSE_SCOPE_TABLE);
	assert_int_equal(v[1].action, UDAMOS_ACTION_PAGEOUT);
	assert_int_equal(v[1].collapse_scope, UDAMOS_COLLAPSE_SCOPE_WINDOW);
	assert_int_equal(v[1].apply_by, UDAMOS_APPLY_BY_KERNEL);
	udamos_schemes_free(v, n);
}

static void expect_bad(char **argv, int argc, const char *needle)
{
	struct udamos_scheme *v = NULL;
	size_t n = 0;
	char why[256] = "";

	assert_int_equal(parse(argv, argc, &v, &n, why, sizeof(why)), -22);
	if (!strstr(why, needle))
		fail_msg("'%s' does not mention '%s'", why, needle);
	assert_null(strchr(why, '\n'));
	udamos_schemes_free(v, n);
}

static void test_bad_options_name_the_input(void **state)
{
	(void)state;
	expect_bad((char *[]){ "--damos_action", "colapse" }, 2, "--damos_action: 'colapse'");
	expect_bad((char *[]){ "--damos_action", "collapse", "--damos_sz_region", "2X", "max" },
		   5, "'2X' is not a size");
	expect_bad((char *[]){ "--damos_action", "collapse", "--damos_sz_region", "4M", "2M" },
		   5, "MIN <= MAX");
	expect_bad((char *[]){ "--damos_action", "collapse", "--damos_age", "5s" },
		   4, "--damos_age: needs 2 values");
	expect_bad((char *[]){ "--damos_sz_region", "2M", "max" }, 3, "give --damos_action first");
	expect_bad((char *[]){ "--damos_action", "stat", "--damos_filter", "hot", "matching" },
		   5, "'hot' is not a filter type");
	expect_bad((char *[]){ "--damos_action", "stat", "--damos_wmarks", "free_mem_rate", "1s",
			       "100", "400", "50" }, 8, "high >= mid >= low");
	expect_bad((char *[]){ "--damos_action", "stat", "--damos_access_rate", "5%", "10" },
		   5, "mix a percentage and a raw count");
	expect_bad((char *[]){ "--damos_action", "stat", "--damos_quotas", "10ms", "1G" },
		   5, "needs 3 values");
	expect_bad((char *[]){ "--damos_action", "stat", "--damos_apply_interval", "soon" },
		   4, "'soon' is not a time");
	expect_bad((char *[]){ "--damos_action", "stat", "--damos_apply_by", "cpu" },
		   4, "use auto, udamos or kernel");
}

static const char good_json[] =
	"{\"schemes\": [{\"action\": \"collapse\","
	" \"access_pattern\": {\"sz_region\": [\"2M\", \"max\"],"
	"   \"access_rate\": [\"5%\", \"100%\"], \"age\": [\"2s\", \"max\"]},"
	" \"apply_interval\": \"100ms\","
	" \"quotas\": {\"time\": 200, \"size\": \"512M\", \"reset_interval\": \"1s\","
	"   \"weights\": {\"sz\": 0, \"access_rate\": 1, \"age\": 1},"
	"   \"goals\": [{\"metric\": \"hugepage_mem_bp\", \"target\": 1000}],"
	"   \"tuner\": \"temporal\"},"
	" \"watermarks\": {\"metric\": \"free_mem_rate\", \"interval\": \"5s\","
	"   \"high\": 500, \"mid\": 400, \"low\": 50},"
	" \"filters\": [{\"type\": \"huge\", \"matching\": true, \"allow\": false},"
	"   {\"type\": \"addr\", \"start\": \"0x1000\", \"end\": \"0x2000\", \"allow\": true}],"
	" \"apply_by\": \"udamos\", \"collapse_scope\": \"table\"}]}";

static void test_json_matches_command_line(void **state)
{
	struct udamos_scheme *v = NULL;
	size_t n = 0;
	char why[256];

	(void)state;
	assert_int_equal(udamos_schemes_from_json(good_json, &v, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].action, UDAMOS_ACTION_COLLAPSE);
	assert_int_equal(v[0].pattern.sz.min, MiB(2));
	assert_int_equal(v[0].pattern.rate.min, 500);
	assert_int_equal(v[0].pattern.age.min, 2000000);
	assert_int_equal(v[0].apply_interval_us, 100000);
	assert_int_equal(v[0].quota.ms, 200);		/* bare number: ms */
	assert_int_equal(v[0].quota.sz, MiB(512));
	assert_int_equal(v[0].quota.weight_age, 1);
	assert_int_equal(v[0].quota.nr_goals, 1);
	assert_int_equal(v[0].quota.tuner, UDAMOS_TUNER_TEMPORAL);
	assert_int_equal(v[0].wmarks.high, 500);
	assert_int_equal(v[0].nr_filters, 2);
	assert_int_equal(v[0].filters[1].addr_start, 0x1000);
	assert_int_equal(v[0].apply_by, UDAMOS_APPLY_BY_UDAMOS);
	assert_int_equal(v[0].collapse_scope, UDAMOS_COLLAPSE_SCOPE_TABLE);
	udamos_schemes_free(v, n);
}

static void expect_bad_json(const char *text, const char *needle)
{
	struct udamos_scheme *v = NULL;
	size_t n = 0;
	char why[384] = "";

	assert_int_equal(udamos_schemes_from_json(text, &v, &n, why, sizeof(why)), -22);
	if (!strstr(why, needle))
		fail_msg("'%s' does not mention '%s'", why, needle);
	udamos_schemes_free(v, n);
}

static void test_bad_json_names_the_path(void **state)
{
	(void)state;
	expect_bad_json("{\"schemes\": [{\"action\": \"collapse\",}", "malformed JSON");
	expect_bad_json("{\"schemes\": [{\"action\": \"collapse\", \"acess_pattern\": {}}]}",
			"schemes[0].acess_pattern: unknown key");
	expect_bad_json("{\"schemes\": [{\"action\": \"collapse\", \"access_pattern\":"
			" {\"sz_region\": [\"2X\", \"max\"]}}]}",
			"schemes[0].access_pattern.sz_region: '2X' is not a size");
	expect_bad_json("{\"schemes\": [{\"access_pattern\": {}}]}", "missing \"action\"");
	expect_bad_json("{\"schemes\": []}", "no schemes");
	expect_bad_json("[{\"action\": \"stat\", \"access_pattern\": {\"age\": [\"9s\", \"1s\"]}}]",
			"MIN <= MAX");
	expect_bad_json("{\"schemes\": [{\"action\": \"stat\", \"filters\": [{\"matching\": true}]}]}",
			"needs \"type\"");
	expect_bad_json("[{\"action\": \"hugepage\", \"apply_by\": \"udamos\"}]",
			"hugepage cannot be applied by udamos");
	expect_bad_json("[{\"action\": \"collapse\", \"collapse_scope\": \"vma\"}]",
			"schemes[0].collapse_scope: 'vma' is not a collapse scope; use window or table");
	expect_bad_json("[{\"action\": \"pageout\", \"collapse_scope\": \"table\"}]",
			"collapse_scope table is for the collapse action");
	expect_bad_json("[{\"action\": \"collapse\", \"collapse_scope\": \"table\","
			" \"apply_by\": \"kernel\"}]", "kernel DAMON cannot apply it");
}

static void test_file_errors(void **state)
{
	struct udamos_scheme *v = NULL;
	size_t n = 0;
	char why[512], path[] = "/tmp/udamos-test-XXXXXX";
	int fd;

	(void)state;
	assert_int_equal(udamos_schemes_from_file("/nonexistent/schemes.json", &v, &n, why,
						  sizeof(why)), -22);
	assert_non_null(strstr(why, "/nonexistent/schemes.json: cannot read"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good_json, strlen(good_json)), (ssize_t)strlen(good_json));
	close(fd);
	assert_int_equal(udamos_schemes_from_file(path, &v, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 1);
	unlink(path);
	udamos_schemes_free(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_command_line),
		cmocka_unit_test(test_bad_options_name_the_input),
		cmocka_unit_test(test_json_matches_command_line),
		cmocka_unit_test(test_bad_json_names_the_path),
		cmocka_unit_test(test_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
