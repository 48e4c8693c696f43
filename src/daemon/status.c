// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's view for `udamos status`: JSON (json-c) and text.
 */
#include "daemon/view.h"

#include <inttypes.h>
#include <stddef.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

static json_object *stats_json(const struct udamos_stats *st)
{
	json_object *o = json_object_new_object(), *fails = json_object_new_object();

	json_object_object_add(o, "nr_tried", json_object_new_uint64(st->nr_tried));
	json_object_object_add(o, "sz_tried", json_object_new_uint64(st->sz_tried));
	json_object_object_add(o, "nr_applied", json_object_new_uint64(st->nr_applied));
	json_object_object_add(o, "sz_applied", json_object_new_uint64(st->sz_applied));
	json_object_object_add(o, "sz_ops_filter_passed",
			       json_object_new_uint64(st->sz_ops_filter_passed));
	json_object_object_add(o, "qt_exceeds", json_object_new_uint64(st->qt_exceeds));
	json_object_object_add(o, "sz_table_filled", json_object_new_uint64(st->sz_table_filled));
	json_object_object_add(o, "nr_tables_held", json_object_new_uint64(st->nr_tables_held));
	for (int e = 0; e < UDAMOS_NR_FAIL_SLOTS; e++)
		json_object_object_add(fails, udamos_fail_slot_name((enum udamos_fail_slot)e),
				       json_object_new_uint64(st->nr_failed[e]));
	json_object_object_add(o, "failures", fails);
	return o;
}

static json_object *scheme_json(const struct udamos_scheme_view *s)
{
	json_object *o = json_object_new_object(), *goals = json_object_new_array();

	json_object_object_add(o, "context", json_object_new_string(s->context));
	json_object_object_add(o, "index", json_object_new_uint64(s->index));
	json_object_object_add(o, "action", json_object_new_string(s->action));
	json_object_object_add(o, "stats", stats_json(&s->stats));
	json_object_object_add(o, "effective_quota_bytes",
			       json_object_new_uint64(s->effective_quota_bytes));
	for (size_t g = 0; g < s->nr_goals; g++) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "metric", json_object_new_string(s->goal_metric[g]));
		json_object_object_add(j, "target", json_object_new_uint64(s->goal_target[g]));
		json_object_object_add(j, "current", json_object_new_uint64(s->goal_current[g]));
		json_object_array_add(goals, j);
	}
	json_object_object_add(o, "goals", goals);
	return o;
}

static json_object *target_json(const struct udamos_target_view *t)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "pid", json_object_new_int(t->pid));
	json_object_object_add(o, "context", json_object_new_string(t->context));
	json_object_object_add(o, "comm", json_object_new_string(t->comm));
	json_object_object_add(o, "measured", json_object_new_boolean(t->measured));
	json_object_object_add(o, "rss", json_object_new_uint64(t->rss));
	json_object_object_add(o, "anon_huge", json_object_new_uint64(t->anon_huge));
	json_object_object_add(o, "hot", json_object_new_uint64(t->hot));
	json_object_object_add(o, "hot_huge", json_object_new_uint64(t->hot_huge));
	json_object_object_add(o, "hot_coverage_pct", json_object_new_double(
		t->hot ? 100.0 * (double)t->hot_huge / (double)t->hot : 100.0));
	json_object_object_add(o, "madvise_ms", json_object_new_double((double)t->lock.madvise_ns / 1e6));
	json_object_object_add(o, "mmap_lock_budget_ms", json_object_new_double(
		(double)t->lock.allowance_ns / 1e6));
	json_object_object_add(o, "churning", json_object_new_boolean(t->lock.spaced));
	json_object_object_add(o, "spacing_ms", json_object_new_double(
		(double)t->lock.spacing_ns / 1e6));
	json_object_object_add(o, "longest_burst_ms", json_object_new_double(
		(double)t->lock.burst_max_ns / 1e6));
	json_object_object_add(o, "paced", json_object_new_uint64(t->lock.nr_paced));
	return o;
}

char *udamos_view_json(const struct udamos_daemon_view *v)
{
	static const struct {
		const char *key;
		size_t offset;
	} counters[] = {
		{ "runs", offsetof(struct udamos_daemon_view, runs) },
		{ "reloads", offsetof(struct udamos_daemon_view, reloads) },
		{ "reload_failures", offsetof(struct udamos_daemon_view, reload_failures) },
		{ "targets_attached", offsetof(struct udamos_daemon_view, targets_attached) },
		{ "targets_exited", offsetof(struct udamos_daemon_view, targets_exited) },
		{ "discovery_scans", offsetof(struct udamos_daemon_view, discovery_scans) },
		{ "matching_processes", offsetof(struct udamos_daemon_view, matching) },
	};
	json_object *o = json_object_new_object(), *mon = json_object_new_object();
	json_object *schemes = json_object_new_array(), *targets = json_object_new_array();
	char *text;

	json_object_object_add(o, "config", json_object_new_string(v->config_path));
	json_object_object_add(o, "uptime_s", json_object_new_double((double)v->uptime_us / 1e6));
	json_object_object_add(o, "cpu_s", json_object_new_double((double)v->cpu_us / 1e6));
	json_object_object_add(mon, "running", json_object_new_boolean(v->running));
	json_object_object_add(mon, "source", json_object_new_string(v->source));
	json_object_object_add(mon, "monitor", json_object_new_string(v->monitor));
	json_object_object_add(mon, "watched_pct", json_object_new_double(
		v->resident ? 100.0 * (double)v->watched / (double)v->resident : 100.0));
	json_object_object_add(mon, "kdamond_cpu_s",
			       json_object_new_double((double)v->kernel_cpu_us / 1e6));
	json_object_object_add(mon, "tlb_flushes", json_object_new_uint64(v->tlb_flushes));
	json_object_object_add(mon, "aggregations", json_object_new_uint64(v->aggregations));
	json_object_object_add(o, "warmed_huge_pages", json_object_new_uint64(v->warmed_huge_pages));
	json_object_object_add(o, "warm_s", json_object_new_double((double)v->warm_ns / 1e9));
	json_object_object_add(o, "fault_us", json_object_new_double((double)v->fault_ns / 1e3));
	json_object_object_add(o, "churn_spacing", json_object_new_boolean(v->churn_spacing));
	json_object_object_add(o, "collapse_hold", json_object_new_boolean(v->collapse_hold));
	json_object_object_add(o, "monitor", mon);
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		json_object_object_add(o, counters[i].key, json_object_new_uint64(
			*(const uint64_t *)((const char *)v + counters[i].offset)));
	for (size_t i = 0; i < v->nr_schemes; i++)
		json_object_array_add(schemes, scheme_json(&v->schemes[i]));
	for (size_t i = 0; i < v->nr_targets; i++)
		json_object_array_add(targets, target_json(&v->targets[i]));
	json_object_object_add(o, "schemes", schemes);
	json_object_object_add(o, "targets", targets);
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return text;
}

char *udamos_view_text(const struct udamos_daemon_view *v)
{
	char *text = NULL, a[32], b[32], c[32];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "udamos daemon: config %s, up %.0f s, CPU %.2f s\n", v->config_path,
		(double)v->uptime_us / 1e6, (double)v->cpu_us / 1e6);
	if (v->running)
		fprintf(f, "monitor: %s, watching %.0f%% of the targets' memory, %" PRIu64
			" aggregations, %" PRIu64 " TLB flushes\n", v->monitor,
			v->resident ? 100.0 * (double)v->watched / (double)v->resident : 100.0,
			v->aggregations, v->tlb_flushes);
	else
		fprintf(f, "monitor: none (no target now)\n");
	fprintf(f, "targets: %zu now (%" PRIu64 " processes match), %" PRIu64 " attached, %"
		PRIu64 " exited; %" PRIu64 " reloads, %" PRIu64 " refused\n", v->nr_targets,
		v->matching, v->targets_attached, v->targets_exited, v->reloads,
		v->reload_failures);
	for (size_t i = 0; i < v->nr_targets; i++) {
		const struct udamos_target_view *t = &v->targets[i];

		fprintf(f, "  PID %-7d %-15s [%s]", (int)t->pid, t->comm, t->context);
		if (t->measured)
			fprintf(f, "  rss %s, huge %s, hot set %s (%.0f%% huge)",
				udamos_fmt_size(t->rss, a, sizeof(a)),
				udamos_fmt_size(t->anon_huge, b, sizeof(b)),
				udamos_fmt_size(t->hot, c, sizeof(c)),
				t->hot ? 100.0 * (double)t->hot_huge / (double)t->hot : 100.0);
		fprintf(f, "; madvise %.0f ms (allowance %.0f ms/s%s)", (double)t->lock.madvise_ns / 1e6,
			(double)t->lock.allowance_ns / 1e6, t->lock.spaced ? ", churning: spaced" : "");
		fputc('\n', f);
	}
	for (size_t i = 0; i < v->nr_schemes; i++) {
		const struct udamos_scheme_view *s = &v->schemes[i];

		fprintf(f, "scheme %s/%zu %s: applied %s in %" PRIu64 " regions (tried %s), "
			"quota %s, exceeded %" PRIu64 " times\n", s->context, s->index, s->action,
			udamos_fmt_size(s->stats.sz_applied, a, sizeof(a)), s->stats.nr_applied,
			udamos_fmt_size(s->stats.sz_tried, b, sizeof(b)),
			s->effective_quota_bytes ? udamos_fmt_size(s->effective_quota_bytes, c,
								   sizeof(c)) : "none",
			s->stats.qt_exceeds);
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}
