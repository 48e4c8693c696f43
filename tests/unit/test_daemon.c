// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's pure parts: its config (what it takes, and one line naming
 * the field for what it refuses), target selectors, and the view's
 * renderings (Prometheus text and status JSON agree).
 */
#include "test.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/view.h"

static void test_config_takes_a_full_example(void **state)
{
	static const char text[] =
		"{\"monitoring\": {\"source\": \"shared\", \"intervals\": [\"5ms\", \"100ms\", \"1s\"],"
		" \"nr_regions\": [10, 500], \"tlb_flush\": \"on\"},"
		" \"contexts\": [{\"name\": \"db\", \"targets\": {\"comm\": \"mariadb*\","
		"   \"min_rss\": \"256M\"},"
		"   \"schemes\": [{\"action\": \"stat\"}, {\"action\": \"collapse\"}]},"
		"  {\"targets\": {\"cgroup\": \"/system.slice/redis.service\", \"pids\": [7, 9]},"
		"   \"monitoring\": {\"source\": \"shared\", \"intervals\": [\"5ms\", \"100ms\", \"1s\"],"
		"   \"nr_regions\": [10, 500], \"tlb_flush\": \"on\"}}],"
		" \"discovery_interval\": \"500ms\", \"mmap_lock_budget\": \"50ms\","
		" \"bloat_budget\": \"64M\", \"collapse_warm\": \"off\", \"churn_spacing\": \"on\","
		" \"collapse_hold\": \"off\", \"metrics\": {\"textfile\": \"/var/lib/x/udamos.prom\"},"
		" \"control_socket\": \"/run/u.sock\"}";
	struct udamos_daemon_cfg c;
	char why[512] = "";

	(void)state;
	assert_int_equal(udamos_daemon_cfg_parse(text, "t.json", &c, why, sizeof(why)), 0);
	assert_int_equal(c.nr_contexts, 2);
	assert_string_equal(c.contexts[0].name, "db");
	assert_string_equal(c.contexts[1].name, "context1");
	assert_int_equal(c.contexts[0].nr_schemes, 2);
	/* A context without schemes gets the default collapse scheme. */
	assert_int_equal(c.contexts[1].nr_schemes, 1);
	assert_int_equal(c.contexts[1].schemes[0].action, UDAMOS_ACTION_COLLAPSE);
	assert_int_equal(c.contexts[0].sel.min_rss, MiB(256));
	assert_int_equal(c.contexts[1].sel.nr_pids, 2);
	assert_string_equal(c.source, "shared");
	assert_true(c.attrs_given);
	assert_int_equal(c.attrs.max_nr_regions, 500);
	assert_int_equal(c.flush.mode, UDAMOS_TLB_FLUSH_ON);
	assert_int_equal(c.discovery_us, 500000);
	assert_int_equal(c.lock_ns_per_s, 50ULL * 1000 * 1000);
	assert_int_equal(c.bloat_budget, MiB(64));
	assert_int_equal(c.collapse_warm, UDAMOS_WARM_OFF);
	assert_int_equal(c.churn_spacing, UDAMOS_CHURN_SPACING_ON);
	assert_int_equal(c.collapse_hold, UDAMOS_COLLAPSE_HOLD_OFF);
	assert_string_equal(c.metrics_textfile, "/var/lib/x/udamos.prom");
	assert_string_equal(c.control_socket, "/run/u.sock");
	udamos_daemon_cfg_release(&c);
}

static void test_config_defaults(void **state)
{
	struct udamos_daemon_cfg c;
	char why[512] = "";

	(void)state;
	assert_int_equal(udamos_daemon_cfg_parse("{\"contexts\": [{\"targets\": {\"pids\": [1]}}]}",
						 "t.json", &c, why, sizeof(why)), 0);
	assert_null(c.source);
	assert_string_equal(c.control_socket, UDAMOS_DAEMON_DEFAULT_SOCKET);
	assert_int_equal(c.discovery_us, UDAMOS_DAEMON_DEFAULT_DISCOVERY_US);
	assert_null(c.metrics_textfile);
	assert_int_equal(c.collapse_warm, UDAMOS_WARM_AUTO);
	assert_int_equal(c.churn_spacing, UDAMOS_CHURN_SPACING_AUTO);
	assert_int_equal(c.collapse_hold, UDAMOS_COLLAPSE_HOLD_AUTO);
	udamos_daemon_cfg_release(&c);
}

/* Each bad config: refused, one line naming the file and the field. */
static void test_config_refusals_name_the_field(void **state)
{
	static const struct {
		const char *text, *field;
	} bad[] = {
		{ "{\"contexts\": [{\"targets\": {\"cgroup\": \"relative\"}}]}",
		  "contexts[0].targets.cgroup" },
		{ "{\"contexts\": [{\"targets\": {\"cgroup\": \"/a/../b\"}}]}",
		  "contexts[0].targets.cgroup" },
		{ "{\"contexts\": [{\"targets\": {\"min_rss\": \"1G\"}}]}", "contexts[0].targets" },
		{ "{\"contexts\": [{\"targets\": {\"pids\": [1]}, \"colour\": 1}]}", "contexts[0]" },
		{ "{\"contexts\": []}", "contexts" },
		{ "{\"contexts\": [{\"targets\": {\"pids\": [0]}}]}", "contexts[0].targets.pids" },
		{ "{\"contexts\": [{\"targets\": {\"pids\": [1]}, \"schemes\": [{\"action\": \"fly\"}]}]}",
		  "contexts[0].schemes[0].action" },
		{ "{\"contexts\": [{\"name\": \"a\", \"targets\": {\"pids\": [1]}},"
		  " {\"name\": \"a\", \"targets\": {\"pids\": [2]}}]}", "contexts[1]" },
		{ "{\"contexts\": [{\"targets\": {\"pids\": [1]}, \"monitoring\": {\"source\": \"paddr\"}},"
		  " {\"targets\": {\"pids\": [2]}, \"monitoring\": {\"source\": \"vaddr\"}}]}",
		  "contexts[1].monitoring" },
		{ "{\"contexts\": [{\"targets\": {\"pids\": [1]}, \"schemes\": [{\"action\": \"hugepage\"}]},"
		  " {\"targets\": {\"pids\": [2]}}]}", "contexts" },
		{ "{\"contexts\": [{\"targets\": {\"pids\": [1]}}], \"metrics\": {\"textfile\": \"/x.txt\"}}",
		  "metrics.textfile" },
		{ "{\"contexts\": [{\"targets\": {\"pids\": [1]}}], \"monitoring\": {\"source\": \"oracle:hot=0+4K\"}}",
		  "monitoring.source" },
		{ "{\"contexts\": [{\"targets\": {\"pids\": [1]}}], \"discovery_interval\": \"soon\"}",
		  "discovery_interval" },
		{ "{\"contexts\": [{\"targets\": {\"pids\": [1]}}], \"collapse_warm\": \"maybe\"}",
		  "collapse_warm" },
		{ "{\"contexts\": [{\"targets\": {\"pids\": [1]}}], \"churn_spacing\": 1}",
		  "churn_spacing" },
		{ "{\"contexts\": [{\"targets\": {\"pids\": [1]}}], \"collapse_hold\": \"later\"}",
		  "collapse_hold: 'later': give auto, on or off" },
		{ "{\"monitoring\": {\"tlb_flush\": \"often\"}, \"contexts\": [{\"targets\": {\"pids\": [1]}}]}",
		  "monitoring.tlb_flush: 'often'" },
		{ "{\"contexts\": [{\"targets\": {\"pids\": [1]}}]", "malformed JSON" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct udamos_daemon_cfg c;
		char why[512] = "", want[128];

		assert_int_equal(udamos_daemon_cfg_parse(bad[i].text, "t.json", &c, why,
							 sizeof(why)), -EINVAL);
		snprintf(want, sizeof(want), "config t.json: %s", bad[i].field);
		if (strncmp(why, want, strlen(want)))
			fail_msg("case %zu: '%s' does not start with '%s'", i, why, want);
		assert_null(strchr(why, '\n'));
		assert_int_equal(c.nr_contexts, 0);	/* nothing left to free */
	}
}

static void test_selector_matching(void **state)
{
	struct udamos_selector s = { .comm = "redis-*", .cgroup = "/system.slice/a.service",
				     .min_rss = MiB(64) };
	struct udamos_proc_facts p = { .pid = 10, .comm = "redis-server",
				       .cgroup = "/system.slice/a.service/sub", .rss = MiB(65) };

	(void)state;
	assert_true(udamos_selector_match(&s, &p));
	p.rss = MiB(63);
	assert_false(udamos_selector_match(&s, &p));	/* too small */
	p.rss = MiB(65);
	p.cgroup = "/system.slice/a.service2";		/* a sibling, not below */
	assert_false(udamos_selector_match(&s, &p));
	p.cgroup = "/system.slice/a.service";
	p.comm = "memcached";
	assert_false(udamos_selector_match(&s, &p));
	p.comm = NULL;					/* gone while we looked */
	assert_false(udamos_selector_match(&s, &p));

	struct udamos_selector e = { .exe = "*/bin/python3*", .pids = { 3, 10 }, .nr_pids = 2 };
	struct udamos_proc_facts q = { .pid = 10, .exe = "/usr/bin/python3.11", .rss = 1 };

	assert_true(udamos_selector_match(&e, &q));
	q.pid = 11;
	assert_false(udamos_selector_match(&e, &q));
	assert_true(udamos_selector_needs_exe(&e) && !udamos_selector_needs_comm(&e));
}

/* Value of the sample whose line starts with prefix, or -1. */
static double sample(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, n))
			return strtod(p + n, NULL);
	return -1;
}

static void test_metrics_and_json_agree(void **state)
{
	struct udamos_scheme_view sv = { .context = "db", .index = 1, .action = "collapse",
					 .effective_quota_bytes = MiB(512) };
	struct udamos_target_view tv = { .pid = 42, .context = "db", .comm = "we\"ird\\",
					 .rss = MiB(100), .anon_huge = MiB(40), .hot = MiB(50),
					 .hot_huge = MiB(25), .measured = true,
					 .lock = { .madvise_ns = 1500000000, .nr_paced = 9,
						   .allowance_ns = 25000000, .spaced = true,
						   .spacing_ns = 4000000000, .burst_max_ns = 7000000 } };
	struct udamos_daemon_view v = { .config_path = "/etc/u.json", .running = true,
					.cpu_us = 1500000, .schemes = &sv, .nr_schemes = 1,
					.targets = &tv, .nr_targets = 1, .reloads = 2,
					.watched = 3, .resident = 4 };
	json_object *j, *s0, *st, *t0;
	char *m, *js;

	(void)state;
	sv.stats.sz_applied = MiB(6);
	sv.stats.nr_tried = 7;
	sv.stats.nr_failed[UDAMOS_FAIL_EAGAIN] = 3;
	m = udamos_view_metrics(&v);
	js = udamos_view_json(&v);
	assert_non_null(m);
	assert_non_null(js);
	assert_true(sample(m, "udamos_scheme_applied_bytes_total{context=\"db\",scheme=\"1\","
			   "action=\"collapse\"} ") == (double)MiB(6));
	assert_true(sample(m, "udamos_scheme_failures_total{context=\"db\",scheme=\"1\","
			   "action=\"collapse\",errno=\"EAGAIN\"} ") == 3);
	assert_true(sample(m, "udamos_scheme_effective_quota_bytes{context=\"db\",scheme=\"1\","
			   "action=\"collapse\"} ") == (double)MiB(512));
	/* Label values escaped as the format asks. */
	assert_true(sample(m, "udamos_target_hot_coverage_ratio{context=\"db\",pid=\"42\","
			   "comm=\"we\\\"ird\\\\\"} ") == 0.5);
	/* What acting cost the target: its pacing, as an operator watches it. */
#define TARGET_LABELS "{context=\"db\",pid=\"42\",comm=\"we\\\"ird\\\\\"} "
	assert_true(sample(m, "udamos_target_madvise_seconds_total" TARGET_LABELS) == 1.5);
	assert_true(sample(m, "udamos_target_mmap_lock_allowance_seconds" TARGET_LABELS) == 0.025);
	assert_true(sample(m, "udamos_target_churning" TARGET_LABELS) == 1);
	assert_true(sample(m, "udamos_target_collapse_spacing_seconds_total" TARGET_LABELS) == 4);
	assert_true(sample(m, "udamos_target_longest_madvise_burst_seconds" TARGET_LABELS) ==
		    0.007);
	assert_true(sample(m, "udamos_target_paced_total" TARGET_LABELS) == 9);
#undef TARGET_LABELS
	assert_true(sample(m, "udamos_cpu_seconds_total ") == 1.5);
	assert_true(sample(m, "udamos_monitor_watched_ratio ") == 0.75);
	assert_true(sample(m, "udamos_reloads_total ") == 2);
	/* Every family has its HELP and TYPE, counters end in _total. */
	for (const char *p = m; (p = strstr(p, "# TYPE ")); p++) {
		char name[96], type[16];

		assert_int_equal(sscanf(p, "# TYPE %95s %15s", name, type), 2);
		if (!strcmp(type, "counter"))
			assert_non_null(strstr(name, "_total"));
	}
	j = json_tokener_parse(js);
	assert_non_null(j);
	s0 = json_object_array_get_idx(json_object_object_get(j, "schemes"), 0);
	st = json_object_object_get(s0, "stats");
	assert_int_equal(json_object_get_uint64(json_object_object_get(st, "sz_applied")), MiB(6));
	assert_int_equal(json_object_get_uint64(json_object_object_get(s0,
			 "effective_quota_bytes")), MiB(512));
	t0 = json_object_array_get_idx(json_object_object_get(j, "targets"), 0);
	assert_true(json_object_get_double(json_object_object_get(t0, "mmap_lock_budget_ms")) == 25);
	assert_true(json_object_get_boolean(json_object_object_get(t0, "churning")));
	assert_int_equal(json_object_get_uint64(json_object_object_get(t0, "paced")), 9);
	json_object_put(j);
	free(m);
	free(js);
	free(udamos_view_text(&v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_takes_a_full_example),
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_refusals_name_the_field),
		cmocka_unit_test(test_selector_matching),
		cmocka_unit_test(test_metrics_and_json_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
