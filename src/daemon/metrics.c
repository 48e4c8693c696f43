// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's view in the Prometheus text exposition format (version
 * 0.0.4): one HELP and TYPE line per family, then its samples.  Counters
 * end in _total, sizes are in bytes and times in seconds, as the format's
 * conventions ask.
 */
#include "daemon/view.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* Label values: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP udamos_%s %s\n# TYPE udamos_%s %s\n", name, help, name, type);
}

static void scheme_labels(FILE *f, const struct udamos_scheme_view *s)
{
	fputs("{context=", f);
	label(f, s->context);
	fprintf(f, ",scheme=\"%zu\",action=", s->index);
	label(f, s->action);
}

typedef uint64_t (*stat_of)(const struct udamos_scheme_view *s);
static uint64_t sz_tried(const struct udamos_scheme_view *s) { return s->stats.sz_tried; }
static uint64_t nr_tried(const struct udamos_scheme_view *s) { return s->stats.nr_tried; }
static uint64_t sz_applied(const struct udamos_scheme_view *s) { return s->stats.sz_applied; }
static uint64_t nr_applied(const struct udamos_scheme_view *s) { return s->stats.nr_applied; }
static uint64_t qt_exceeds(const struct udamos_scheme_view *s) { return s->stats.qt_exceeds; }
static uint64_t sz_table_filled(const struct udamos_scheme_view *s)
{
	return s->stats.sz_table_filled;
}
static uint64_t nr_tables_held(const struct udamos_scheme_view *s)
{
	return s->stats.nr_tables_held;
}
static uint64_t eff_quota(const struct udamos_scheme_view *s)
{
	return s->effective_quota_bytes;
}

static void per_scheme(FILE *f, const struct udamos_daemon_view *v)
{
	static const struct {
		const char *name, *type, *help;
		stat_of get;
	} fams[] = {
		{ "scheme_tried_bytes_total", "counter",
		  "Bytes of regions the scheme's access pattern matched.", sz_tried },
		{ "scheme_tried_regions_total", "counter",
		  "Regions the scheme's access pattern matched.", nr_tried },
		{ "scheme_applied_bytes_total", "counter",
		  "Bytes the scheme's action was applied to successfully.", sz_applied },
		{ "scheme_applied_regions_total", "counter",
		  "Regions the scheme's action was applied to.", nr_applied },
		{ "scheme_table_filled_bytes_total", "counter",
		  "Bytes collapsed to finish page tables (collapse_scope table), also in "
		  "applied bytes.", sz_table_filled },
		{ "scheme_tables_held_total", "counter",
		  "Page tables whose first collapse waited for their hot set to settle "
		  "(collapse_hold).", nr_tables_held },
		{ "scheme_quota_exceeded_total", "counter",
		  "Quota reset intervals in which the scheme's quota ran out.", qt_exceeds },
		{ "scheme_effective_quota_bytes", "gauge",
		  "The size quota in force after time conversion and goal tuning (0: none).",
		  eff_quota },
	};

	for (size_t k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
		family(f, fams[k].name, fams[k].type, fams[k].help);
		for (size_t i = 0; i < v->nr_schemes; i++) {
			fprintf(f, "udamos_%s", fams[k].name);
			scheme_labels(f, &v->schemes[i]);
			fprintf(f, "} %" PRIu64 "\n", fams[k].get(&v->schemes[i]));
		}
	}
	family(f, "scheme_failures_total", "counter",
	       "Failed applications of the scheme's action, by errno.");
	for (size_t i = 0; i < v->nr_schemes; i++)
		for (int e = 0; e < UDAMOS_NR_FAIL_SLOTS; e++) {
			fputs("udamos_scheme_failures_total", f);
			scheme_labels(f, &v->schemes[i]);
			fprintf(f, ",errno=\"%s\"} %" PRIu64 "\n",
				udamos_fail_slot_name((enum udamos_fail_slot)e),
				v->schemes[i].stats.nr_failed[e]);
		}
}

static void target_labels(FILE *f, const struct udamos_target_view *t)
{
	fputs("{context=", f);
	label(f, t->context);
	fprintf(f, ",pid=\"%d\",comm=", (int)t->pid);
	label(f, t->comm);
	fputc('}', f);
}

static double hot_coverage(const struct udamos_target_view *t)
{
	return t->hot ? (double)t->hot_huge / (double)t->hot : 1.0;
}
static double hot_bytes(const struct udamos_target_view *t) { return (double)t->hot; }
static double huge_bytes(const struct udamos_target_view *t) { return (double)t->anon_huge; }
static double rss_bytes(const struct udamos_target_view *t) { return (double)t->rss; }
static double lock_s(const struct udamos_target_view *t) { return (double)t->lock.madvise_ns / 1e9; }
static double spacing_s(const struct udamos_target_view *t)
{
	return (double)t->lock.spacing_ns / 1e9;
}
static double burst_s(const struct udamos_target_view *t) { return (double)t->lock.burst_max_ns / 1e9; }
static double allowance_s(const struct udamos_target_view *t)
{
	return (double)t->lock.allowance_ns / 1e9;
}
static double churning(const struct udamos_target_view *t) { return t->lock.spaced; }
static double paced(const struct udamos_target_view *t) { return (double)t->lock.nr_paced; }

static void per_target(FILE *f, const struct udamos_daemon_view *v)
{
	/* measured: drawn from the last measurement, so only once there is
	 * one; the rest from acting on it, there from the start. */
	static const struct {
		const char *name, *type, *help;
		double (*get)(const struct udamos_target_view *t);
		bool measured;
	} fams[] = {
		{ "target_hot_coverage_ratio", "gauge", "Share of the target's hot set (as its "
		  "context's first collapse scheme's pattern calls it) backed by huge pages; 1 "
		  "when nothing is hot.", hot_coverage, true },
		{ "target_hot_bytes", "gauge", "The target's hot set, in bytes.", hot_bytes, true },
		{ "target_huge_bytes", "gauge", "The target's anonymous memory in huge pages "
		  "(AnonHugePages).", huge_bytes, true },
		{ "target_rss_bytes", "gauge", "The target's resident memory.", rss_bytes, true },
		{ "target_madvise_seconds_total", "counter", "Time inside process_madvise() on "
		  "the target's behalf since it was attached: when its mmap_lock can be held "
		  "for udamos.", lock_s, false },
		{ "target_mmap_lock_allowance_seconds", "gauge", "How long udamos's "
		  "process_madvise() calls may take per second for the target now; 0: no "
		  "limit.", allowance_s, false },
		{ "target_churning", "gauge", "1 while the target takes many page faults and "
		  "its collapse calls are spaced out.", churning, false },
		{ "target_collapse_spacing_seconds_total", "counter", "Time the target's collapse "
		  "calls were held apart since it was attached.", spacing_s, false },
		{ "target_longest_madvise_burst_seconds", "gauge", "The target's longest stretch "
		  "of process_madvise() calls one after another since it was attached.",
		  burst_s, false },
		{ "target_paced_total", "counter", "Times the target's allowance left work for "
		  "later since it was attached.", paced, false },
	};

	for (size_t k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
		family(f, fams[k].name, fams[k].type, fams[k].help);
		for (size_t i = 0; i < v->nr_targets; i++) {
			if (fams[k].measured && !v->targets[i].measured)
				continue;
			fprintf(f, "udamos_%s", fams[k].name);
			target_labels(f, &v->targets[i]);
			fprintf(f, " %.10g\n", fams[k].get(&v->targets[i]));
		}
	}
}

static void counter(FILE *f, const char *name, const char *help, uint64_t value)
{
	family(f, name, "counter", help);
	fprintf(f, "udamos_%s %" PRIu64 "\n", name, value);
}

/* Seconds are counted in finer units and shown with their fraction. */
static void counter_seconds(FILE *f, const char *name, const char *help, double value)
{
	family(f, name, "counter", help);
	fprintf(f, "udamos_%s %.6f\n", name, value);
}

static void gauge(FILE *f, const char *name, const char *help, double value)
{
	family(f, name, "gauge", help);
	fprintf(f, "udamos_%s %.6g\n", name, value);
}

char *udamos_view_metrics(const struct udamos_daemon_view *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	per_scheme(f, v);
	per_target(f, v);
	counter_seconds(f, "cpu_seconds_total", "CPU time the daemon used.",
			(double)v->cpu_us / 1e6);
	counter_seconds(f, "kdamond_cpu_seconds_total",
			"CPU time of the kdamonds udamos ran for its targets (not a shared one's).",
			(double)v->kernel_cpu_us / 1e6);
	gauge(f, "monitor_watched_ratio",
	      "Share of the targets' resident memory the monitor watches (1 with no targets).",
	      v->resident ? (double)v->watched / (double)v->resident : 1.0);
	counter(f, "tlb_flushes_total",
		"Blind-spot flush calls (MADV_COLD on one window) the kernel completed.", v->tlb_flushes);
	counter(f, "aggregations_total", "Monitoring aggregations acted on.", v->aggregations);
	counter(f, "warmed_huge_pages_total",
		"Huge pages made ready just before collapses (--collapse_warm).",
		v->warmed_huge_pages);
	counter_seconds(f, "warm_seconds_total",
			"Time spent making huge pages ready before collapses: the VM host's "
			"fault-in, kept out of the targets' mmap_lock.", (double)v->warm_ns / 1e9);
	counter(f, "runs_total",
		"Runs started (a new one when targets appear or the config changes).", v->runs);
	counter(f, "reloads_total", "Configuration reloads that took effect.", v->reloads);
	counter(f, "reload_failures_total",
		"Configuration reloads refused (the old configuration kept running).",
		v->reload_failures);
	counter(f, "targets_attached_total", "Processes taken as targets.", v->targets_attached);
	counter(f, "targets_exited_total", "Targets that exited and were dropped.",
		v->targets_exited);
	counter(f, "discovery_scans_total", "Scans for target processes.", v->discovery_scans);
	gauge(f, "targets", "Targets now.", (double)v->nr_targets);
	gauge(f, "matching_processes",
	      "Processes the contexts select, before the cut to the most udamos takes.",
	      (double)v->matching);
	gauge(f, "up_seconds", "Time since the daemon started.", (double)v->uptime_us / 1e6);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}
