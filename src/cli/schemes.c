// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Arguments every command takes the same way (schemes, PIDs); see cli.h.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/units.h"
#include "config/scheme_fields.h"
#include "config/scheme_json.h"
#include "core/lockpace.h"
#include "core/quota.h"
#include "source/select.h"

int cli_finish_schemes(const char *file, struct udamos_scheme **schemes, size_t *nr)
{
	char why[512];

	if (file && *nr)
		return cli_fail(UDAMOS_ERR_INPUT, "--schemes: give either a scheme file or "
				"--damos_* options, not both");
	if (file && udamos_schemes_from_file(file, schemes, nr, why, sizeof(why)))
		return cli_fail(UDAMOS_ERR_INPUT, "--schemes %s", why);
	if (!*nr) {
		if (!udamos_schemes_push(schemes, nr, UDAMOS_ACTION_COLLAPSE))
			return cli_fail(UDAMOS_ERR_RUNTIME, "out of memory");
		udamos_scheme_default_collapse(&(*schemes)[0]);
	}
	for (size_t i = 0; i < *nr; i++)
		if (udamos_scheme_validate(&(*schemes)[i], why, sizeof(why)))
			return cli_fail(UDAMOS_ERR_INPUT, "scheme %zu (%s): %s", i,
					udamos_action_name((*schemes)[i].action), why);
	return 0;
}

/* An auto/on/off option's value as 0, 1 or 2 (udamos_parse_auto_on_off's
 * order); else a one-line error naming the option and what auto does. */
static int auto_on_off(const char *opt, const char *v, const char *auto_does, int *out)
{
	int i = udamos_parse_auto_on_off(v);

	if (i < 0)
		return cli_fail(UDAMOS_ERR_INPUT, "%s %s: use auto (%s), on or off", opt,
				v ? v : "(nothing)", auto_does);
	*out = i;
	return 0;
}

int cli_parse_tlb_flush(const char *v, struct udamos_flush_cfg *out)
{
	int i = 0, err = auto_on_off("--tlb_flush", v, "flush only where the accessed-bit probe "
				 "finds the blind spot", &i);

	out->mode = err ? out->mode : (enum udamos_tlb_flush)i;
	return err;
}

int cli_parse_collapse_warm(const char *v, enum udamos_collapse_warm *out)
{
	int i = 0, err = auto_on_off("--collapse_warm", v, "where a virtio balloon reports free "
				 "pages to the VM's host", &i);

	*out = err ? *out : (enum udamos_collapse_warm)i;
	return err;
}

int cli_parse_churn_spacing(const char *v, enum udamos_churn_spacing *out)
{
	int i = 0, err = auto_on_off("--churn_spacing", v, "spaced unless a page fault costs "
				 UDAMOS_SLOW_FAULT_TEXT " here", &i);

	*out = err ? *out : (enum udamos_churn_spacing)i;
	return err;
}

int cli_parse_collapse_hold(const char *v, enum udamos_collapse_hold *out)
{
	int i = 0, err = auto_on_off("--collapse_hold", v, "held where a page fault costs "
				 UDAMOS_SLOW_FAULT_TEXT, &i);

	*out = err ? *out : (enum udamos_collapse_hold)i;
	return err;
}

int cli_parse_limit(const char *opt, const char *v, bool time, uint64_t *out)
{
	int err;

	if (v && !strcmp(v, "none")) {
		*out = UINT64_MAX;
		return 0;
	}
	err = time ? udamos_parse_time_us(v, 1000, out) : udamos_parse_size(v, out);
	if (err || !*out || *out == UDAMOS_UNLIMITED)
		return cli_fail(UDAMOS_ERR_INPUT, "%s %s: not a positive %s; use e.g. %s, or "
				"none", opt, v ? v : "(nothing)", time ? "time" : "size",
				time ? "50ms" : "64M");
	if (time)
		*out *= 1000;	/* to ns */
	return 0;
}

void cli_target_costs_json(struct json_object *j, const struct udamos_run_target *t)
{
	json_object_object_add(j, "bloat_bytes", json_object_new_uint64(t->bloat));
	json_object_object_add(j, "windows_left_for_bloat_budget",
			       json_object_new_uint64(t->nr_bloat_skipped));
	json_object_object_add(j, "madvise_ms", json_object_new_double((double)t->lock.madvise_ns / 1e6));
	json_object_object_add(j, "paced", json_object_new_uint64(t->lock.nr_paced));
	json_object_object_add(j, "mmap_lock_budget_ms",
			       json_object_new_double((double)t->lock.allowance_ns / 1e6));
	json_object_object_add(j, "churn_readings", json_object_new_uint64(t->lock.nr_churn_readings));
	json_object_object_add(j, "spacing_ms",
			       json_object_new_double((double)t->lock.spacing_ns / 1e6));
	json_object_object_add(j, "longest_burst_ms",
			       json_object_new_double((double)t->lock.burst_max_ns / 1e6));
	json_object_object_add(j, "longest_call_ms",
			       json_object_new_double((double)t->lock.call_max_ns / 1e6));
	json_object_object_add(j, "maps_reads", json_object_new_uint64(t->nr_maps_reads));
	json_object_object_add(j, "vma_lookups", json_object_new_uint64(t->nr_vma_lookups));
}

void cli_target_costs_text(FILE *f, const struct udamos_run_target *t, uint64_t bloat_budget)
{
	char a[32], b[32], churn[96] = "";

	if (!bloat_budget)
		bloat_budget = UDAMOS_DEFAULT_BLOAT_HUGE_PAGES * udamos_huge_size();
	/* The sign the pace goes by (core/lockpace.h), and what it cost. */
	if (t->lock.nr_churn_readings)
		snprintf(churn, sizeof(churn), "; it faulted over %d times a second, so calls "
			 "were spaced, %.1f ms apart in all", UDAMOS_CHURN_FAULTS_PER_S,
			 (double)t->lock.spacing_ns / 1e6);
	fprintf(f, "target %d: collapse added %s of zeroed pages (budget %s%s); "
		"process_madvise took %.1f ms, paced %" PRIu64 " times (allowance %.0f ms/s at "
		"the end%s); mappings: %" PRIu64 " full reads, %" PRIu64 " lookups\n", t->pid,
		udamos_fmt_size(t->bloat, a, sizeof(a)),
		bloat_budget == UINT64_MAX ? "none" : udamos_fmt_size(bloat_budget, b, sizeof(b)),
		t->nr_bloat_skipped ? ", reached" : "", (double)t->lock.madvise_ns / 1e6, t->lock.nr_paced,
		(double)t->lock.allowance_ns / 1e6, churn, t->nr_maps_reads, t->nr_vma_lookups);
}

void cli_quota_json(struct json_object *o, const struct udamos_scheme *s)
{
	const struct udamos_scheme_state *st = &s->state;
	json_object *goals = json_object_new_array();

	/* 1 byte stands for "none this interval" (core/quota.c). */
	json_object_object_add(o, "effective_quota_bytes",
			       !udamos_quota_bounded(&s->quota) || st->esz == UINT64_MAX ? NULL :
			       json_object_new_uint64(st->esz <= 1 ? 0 : st->esz));
	json_object_object_add(o, "quota_reset_interval_ms",
			       json_object_new_uint64(s->quota.reset_interval_ms));
	for (size_t i = 0; i < s->quota.nr_goals; i++) {
		const struct udamos_goal *g = &s->quota.goals[i];
		json_object *x = json_object_new_object();

		json_object_object_add(x, "metric",
				       json_object_new_string(udamos_goal_metric_name(g->metric)));
		json_object_object_add(x, "target", json_object_new_uint64(g->target_value));
		json_object_object_add(x, "current", json_object_new_uint64(g->current_value));
		if (g->metric == UDAMOS_GOAL_HOT_COVERAGE_BP)
			json_object_object_add(x, "hot_bytes", json_object_new_uint64(g->hot_bytes));
		json_object_array_add(goals, x);
	}
	json_object_object_add(o, "goals", goals);
	json_object_object_add(o, "tuner", json_object_new_string(
		s->quota.tuner == UDAMOS_TUNER_TEMPORAL ? "temporal" : "consist"));
}

void cli_quota_text(FILE *f, const struct udamos_scheme *s)
{
	const struct udamos_scheme_state *st = &s->state;
	char a[32];

	if (!udamos_quota_bounded(&s->quota) || !st->started)
		return;
	fprintf(f, "  quota: %s per %" PRIu64 " ms at the last reset", st->esz == UINT64_MAX ?
		"unlimited" : udamos_fmt_size(st->esz <= 1 ? 0 : st->esz, a, sizeof(a)),
		s->quota.reset_interval_ms);
	for (size_t i = 0; i < s->quota.nr_goals; i++) {
		const struct udamos_goal *g = &s->quota.goals[i];

		fprintf(f, "%s%s %" PRIu64 " (goal %" PRIu64 "%s)", i ? ", " : "; ",
			udamos_goal_metric_name(g->metric), g->current_value, g->target_value,
			g->metric == UDAMOS_GOAL_HOT_COVERAGE_BP && !g->hot_bytes ?
			"; nothing reads hot" : "");
	}
	if (s->quota.nr_goals)
		fprintf(f, ", %s tuner", s->quota.tuner == UDAMOS_TUNER_TEMPORAL ?
			"temporal" : "consist");
	fputc('\n', f);
}

int cli_check_source(const char *v)
{
	if (!v || !udamos_source_spec_valid(v))
		return cli_fail(UDAMOS_ERR_INPUT, "--source %s: unknown source; use auto, vaddr, "
				"paddr, shared or oracle:MODEL", v ? v : "(nothing)");
	return 0;
}

const char *cli_monitoring_label(const struct udamos_run_result *res)
{
	static char buf[256];

	if (!strcmp(res->source, "oracle"))
		return "the oracle: a model handed the true hot set, not monitoring; its "
			"figures are an upper bound";
	snprintf(buf, sizeof(buf), "%s", res->monitor[0] ? res->monitor : res->source);
	return buf;
}

int cli_parse_pid(const char *v, pid_t *out)
{
	uint64_t x;

	if (udamos_parse_u64(v, &x) || !x || x > 4194304)
		return cli_fail(UDAMOS_ERR_INPUT, "--pid %s: not a process ID; give a "
				"positive number", v);
	*out = (pid_t)x;
	return 0;
}
