// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udamos demo: the main job.  Starts a workload with a known hot set under
 * THP=never, runs the default collapse scheme against it with this
 * kernel's real monitoring source, shows the effect live, and sums it up.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/scheme_fields.h"
#include "core/units.h"
#include "source/select.h"
#include "sys/clock.h"
#include "sys/guard.h"
#include "sys/lease.h"
#include "sys/rundir.h"
#include "sys/pagemap.h"
#include "sys/thp.h"
#include "workload/hotcold.h"

static const char demo_usage[] =
"usage: udamos demo [--footprint SIZE] [--hot SIZE] [--duration TIME]\n"
"                   [--source auto|vaddr|paddr|shared|oracle]\n"
"                   [--tlb_flush auto|on|off] [--json]\n"
"\n"
"Starts a workload (default 4 GiB of anonymous memory, 1 GiB of it read at\n"
"random, the rest cold) with THP set to never, runs the default collapse\n"
"scheme against it with this machine's monitoring (the same choice as\n"
"'udamos run': a kdamond of udamos's own, else one that already runs), and\n"
"shows hot-set huge-page coverage, huge pages in the cold set and the\n"
"workload's throughput as they change; then a summary.  THP is restored on\n"
"every exit path.  --source oracle hands the monitor the true hot set: an\n"
"upper bound on what monitoring could do, labelled as such.\n";

struct demo {
	struct udamos_workload w;
	struct udamos_pagemap pm;
	uint64_t footprint, hot_size, hot_offset, duration_us;
	bool json;
	const char *source;
	struct udamos_flush_cfg flush;
	/* throughput, reads per second */
	double before, after;
	uint64_t last_reads, last_us;
	double after_sum;
	unsigned after_n;
	/* coverage */
	double hot_cov, cold_huge_pct;
	double t90;		/* seconds to 90% coverage, <0: not reached */
	uint64_t next_view_us, start_us;
	bool said_source;
};

static void coverage(struct demo *d)
{
	uint64_t base = d->w.shared->base, hot = 0, cold = 0;

	for (uint64_t a = 0; a < d->footprint; a += udamos_huge_size()) {
		bool huge = udamos_window_is_huge(&d->pm, base + a);
		bool in_hot = a >= d->hot_offset && a < d->hot_offset + d->hot_size;

		hot += huge && in_hot;
		cold += huge && !in_hot;
	}
	d->hot_cov = 100.0 * (double)hot * udamos_huge_size() / (double)d->hot_size;
	d->cold_huge_pct = 100.0 * (double)cold * udamos_huge_size() /
		(double)(d->footprint - d->hot_size);
}

static double sample_tput(struct demo *d)
{
	uint64_t now = udamos_now_us(), reads = d->w.shared->reads;
	double t = now > d->last_us ?
		(double)(reads - d->last_reads) * 1e6 / (double)(now - d->last_us) : 0;

	d->last_reads = reads;
	d->last_us = now;
	return t;
}

/* The share of the workload's memory the monitor watches. */
static double watched_pct(const struct udamos_run_result *res)
{
	const struct udamos_run_target *t = &res->targets[0];

	if (!t->coverage_known)
		return 100.0;
	return t->resident ? 100.0 * (double)t->watched / (double)t->resident : 0.0;
}

static bool on_tick(void *ctx, const struct udamos_run_result *res)
{
	struct demo *d = ctx;
	uint64_t now = udamos_now_us();
	double t, elapsed = (double)(now - d->start_us) / 1e6;

	if (!d->said_source && res->source[0]) {
		d->said_source = true;
		if (!d->json)
			printf("demo: monitoring: %s\n", cli_monitoring_label(res));
	}
	if (now < d->next_view_us)
		return true;
	d->next_view_us = now + 1000000;
	t = sample_tput(d);
	coverage(d);
	if (d->t90 < 0 && d->hot_cov >= 90.0)
		d->t90 = elapsed;
	/* The last fifth of the run is the "after" throughput. */
	if (now >= d->start_us + d->duration_us * 4 / 5) {
		d->after_sum += t;
		d->after_n++;
	}
	if (!d->json)
		printf("[%5.1fs] hot set huge %5.1f%%  cold huge %4.1f%%  %6.1f M reads/s  "
		       "cpu %.1f%%  watched %.0f%%\n", elapsed, d->hot_cov, d->cold_huge_pct,
		       t / 1e6, res->elapsed_us ? 100.0 * (double)(res->cpu_us +
		       (strcmp(res->source, "shared") ? res->kernel_cpu_us : 0)) /
		       (double)res->elapsed_us : 0.0, watched_pct(res));
	fflush(stdout);
	return true;
}

static int parse(int argc, char **argv, struct demo *d)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t x;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(demo_usage, stdout);
			exit(0);
		} else if (!strcmp(a, "--json")) {
			d->json = true;
			continue;
		}
		if (!v)
			return cli_fail(UDAMOS_ERR_INPUT, "%s: needs a value; see 'udamos demo --help'", a);
		i++;
		if (!strcmp(a, "--footprint") || !strcmp(a, "--hot")) {
			if (udamos_parse_size(v, &x) || x < udamos_huge_size() * 4 || x == UDAMOS_UNLIMITED)
				return cli_fail(UDAMOS_ERR_INPUT, "%s %s: not a size of at least 8M; "
						"use e.g. 4G", a, v);
			*(a[2] == 'f' ? &d->footprint : &d->hot_size) = x;
		} else if (!strcmp(a, "--duration")) {
			if (udamos_parse_time_us(v, 1000000, &x) || x < 5000000 || x == UDAMOS_UNLIMITED)
				return cli_fail(UDAMOS_ERR_INPUT, "--duration %s: give at least 5 s, "
						"e.g. 60s", v);
			d->duration_us = x;
		} else if (!strcmp(a, "--source")) {
			/* One line for bad input: checked, not reported twice. */
			if (strcmp(v, "oracle") && (!strncmp(v, "oracle:", 7) ||
						    !udamos_source_spec_valid(v)))
				return cli_fail(UDAMOS_ERR_INPUT, "--source %s: use auto, vaddr, "
						"paddr, shared or oracle (the demo knows its hot set)", v);
			d->source = v;
		} else if (!strcmp(a, "--tlb_flush")) {
			if (cli_parse_tlb_flush(v, &d->flush))
				return UDAMOS_ERR_INPUT;
		} else {
			return cli_fail(UDAMOS_ERR_INPUT, "unknown option '%s'; see 'udamos demo --help'", a);
		}
	}
	if (d->hot_size > d->footprint / 2)
		return cli_fail(UDAMOS_ERR_INPUT, "--hot must be at most half of --footprint, so "
				"that there is cold memory to leave alone");
	return 0;
}

static void summary(struct demo *d, const struct udamos_run_result *res,
		    const struct udamos_scheme *s, int verdict)
{
	/* A shared kdamond's CPU is someone else's: shown, never added. */
	bool shared = !strcmp(res->source, "shared");
	double cpu = res->elapsed_us ? 100.0 * (double)(res->cpu_us +
		(shared ? 0 : res->kernel_cpu_us)) / (double)res->elapsed_us : 0;
	uint64_t huge = res->targets[0].anon_huge_after;
	char a[32], b[32];

	if (d->json) {
		json_object *o = json_object_new_object();

		bool oracle = !strcmp(res->source, "oracle");

		json_object_object_add(o, "monitoring", json_object_new_string(res->source));
		json_object_object_add(o, "monitor", json_object_new_string(cli_monitoring_label(res)));
		/* The oracle's figures bound monitoring's; they measure none. */
		json_object_object_add(o, "upper_bound", json_object_new_boolean(oracle));
		json_object_object_add(o, "watched_pct", json_object_new_double(watched_pct(res)));
		json_object_object_add(o, "tlb_flushes", json_object_new_uint64(res->tlb_flushes));
		json_object_object_add(o, "footprint", json_object_new_uint64(d->footprint));
		json_object_object_add(o, "hot_size", json_object_new_uint64(d->hot_size));
		json_object_object_add(o, "time_to_90pct_s", d->t90 >= 0 ?
				       json_object_new_double(d->t90) : NULL);
		json_object_object_add(o, "hot_coverage_pct", json_object_new_double(d->hot_cov));
		json_object_object_add(o, "cold_huge_pct", json_object_new_double(d->cold_huge_pct));
		json_object_object_add(o, "throughput_before", json_object_new_double(d->before));
		json_object_object_add(o, "throughput_after", json_object_new_double(d->after));
		json_object_object_add(o, "huge_bytes", json_object_new_uint64(huge));
		json_object_object_add(o, "cpu_pct", json_object_new_double(cpu));
		json_object_object_add(o, "udamos_cpu_pct", json_object_new_double(
			res->elapsed_us ? 100.0 * (double)res->cpu_us / (double)res->elapsed_us : 0));
		json_object_object_add(o, shared ? "shared_kdamond_cpu_pct" : "kdamond_cpu_pct",
			json_object_new_double(res->elapsed_us ? 100.0 *
				(double)res->kernel_cpu_us / (double)res->elapsed_us : 0));
		/* Whether the monitor found anything, apart from what was made
		 * of it: a run that collapsed nothing says which it was. */
		json_object_object_add(o, "aggregations", json_object_new_uint64(res->nr_aggregations));
		json_object_object_add(o, "max_nr_accesses",
				       json_object_new_uint64(res->max_nr_accesses));
		json_object_object_add(o, "sz_tried", json_object_new_uint64(s->stats.sz_tried));
		json_object_object_add(o, "sz_applied", json_object_new_uint64(s->stats.sz_applied));
		json_object_object_add(o, "memory_intact", json_object_new_boolean(verdict == 0));
		cli_target_costs_json(o, &res->targets[0]);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		return;
	}
	printf("\nsummary (monitoring: %s)\n", cli_monitoring_label(res));
	printf("  memory the monitor watched    %.0f%%\n", watched_pct(res));
	printf("  TLB flushes for the blind spot %" PRIu64 "\n", res->tlb_flushes);
	if (d->t90 >= 0)
		printf("  time to 90%% hot-set coverage  %.1f s\n", d->t90);
	else
		printf("  time to 90%% hot-set coverage  not reached in %.0f s\n",
		       (double)d->duration_us / 1e6);
	printf("  hot set huge at the end       %.1f%%\n", d->hot_cov);
	printf("  cold set huge                 %.2f%%\n", d->cold_huge_pct);
	printf("  throughput before -> after    %.1f -> %.1f M reads/s (%+.1f%%)\n",
	       d->before / 1e6, d->after / 1e6,
	       d->before > 0 ? 100.0 * (d->after - d->before) / d->before : 0.0);
	printf("  huge-page memory              %s for a %s hot set\n",
	       udamos_fmt_size(huge, a, sizeof(a)), udamos_fmt_size(d->hot_size, b, sizeof(b)));
	printf("  CPU                           udamos %.2f%%, %s %.2f%% of one CPU\n",
	       res->elapsed_us ? 100.0 * (double)res->cpu_us / (double)res->elapsed_us : 0,
	       shared ? "the shared kdamond (not udamos's, for reference)" : "kdamond",
	       res->elapsed_us ? 100.0 * (double)res->kernel_cpu_us / (double)res->elapsed_us : 0);
	printf("  workload memory               %s\n", verdict == 0 ? "verified intact" : "NOT intact");
}

int cmd_demo(int argc, char **argv)
{
	/* 1 GiB hot: here, smaller hot sets gain too little from huge pages to
	 * show above the noise (../shared/reference/kernel-paths.md). */
	struct demo d = { .footprint = 4ULL << 30, .hot_size = 1ULL << 30,
			  .duration_us = 60000000, .source = "auto", .t90 = -1 };
	struct udamos_workload_cfg wc = { 0 };
	struct udamos_run_cfg cfg = { 0 };
	struct udamos_run_result res;
	struct udamos_scheme scheme;
	struct udamos_guard guard;
	char why[512], model[128], spec[160];
	enum udamos_status st;
	int rc, verdict;

	rc = parse(argc, argv, &d);
	if (rc)
		return rc;
	if (geteuid() != 0)
		return cli_fail(UDAMOS_ERR_ENV, "the demo sets THP to never for its run and "
				"collapses another process's memory; run it as root");
	if (!udamos_thp_available())
		return cli_fail(UDAMOS_ERR_ENV, "this kernel has no transparent huge pages; "
				"collapse needs CONFIG_TRANSPARENT_HUGEPAGE");
	udamos_guard_init(&guard);
	udamos_lease_recover(UDAMOS_LEASE_DIR, stderr);
	/* Under a lease: another udamos changing THP at the same time must
	 * not make either one put back the wrong value. */
	rc = udamos_rundir_ensure(why, sizeof(why));
	if (rc)
		return cli_fail(UDAMOS_ERR_ENV, "%s", why);
	rc = udamos_guard_arm(&guard);
	if (rc)
		snprintf(why, sizeof(why), "cannot start the restore guard: %s", strerror(-rc));
	else
		rc = udamos_lease_set(&guard, UDAMOS_LEASE_DIR, UDAMOS_THP_ENABLED, "never",
				      why, sizeof(why));
	if (rc) {
		udamos_guard_restore(&guard);
		return cli_fail(UDAMOS_ERR_ENV, "cannot set THP to never for the demo: %s", why);
	}
	d.hot_offset = d.footprint / 4 & ~(udamos_huge_size() - 1);
	wc = (struct udamos_workload_cfg){ .footprint = d.footprint,
		.hot_offset = d.hot_offset, .hot_size = d.hot_size };
	if (!d.json)
		printf("demo: starting a %s workload, %s of it hot, THP set to never\n",
		       udamos_fmt_size(d.footprint, why, 32), udamos_fmt_size(d.hot_size, why + 32, 32));
	rc = udamos_workload_start(&wc, &d.w);
	if (rc) {
		udamos_guard_restore(&guard);
		return cli_fail(UDAMOS_ERR_RUNTIME, "cannot start the workload: %s", strerror(-rc));
	}
	udamos_pagemap_open(&d.pm, d.w.pid, -1);
	/* Baseline: 3 s of small pages. */
	sample_tput(&d);
	sleep(3);
	d.before = sample_tput(&d);

	udamos_scheme_default_collapse(&scheme);
	snprintf(model, sizeof(model), "hot=0x%" PRIx64 "+%" PRIu64,
		 d.w.shared->base + d.hot_offset, d.hot_size);
	cfg.pids[0] = d.w.pid;
	cfg.nr_pids = 1;
	cfg.schemes = &scheme;
	cfg.nr_schemes = 1;
	udamos_mon_attrs_default(&cfg.attrs);
	cfg.flush = d.flush;
	cfg.duration_us = d.duration_us;
	cfg.log = stderr;
	cfg.on_tick = on_tick;
	cfg.tick_ctx = &d;
	if (!strcmp(d.source, "oracle")) {
		snprintf(spec, sizeof(spec), "oracle:%s", model);
		cfg.source = spec;
	} else {
		cfg.source = d.source;
	}
	if (!d.json)
		printf("demo: baseline %.1f M reads/s; running the default collapse scheme for %.0f s\n",
		       d.before / 1e6, (double)d.duration_us / 1e6);
	d.start_us = udamos_now_us();
	d.last_reads = d.w.shared->reads;
	d.last_us = d.start_us;
	udamos_run_install_signals();
	st = udamos_run(&cfg, &res, why, sizeof(why));
	coverage(&d);
	d.after = d.after_n ? d.after_sum / d.after_n : sample_tput(&d);
	udamos_pagemap_close(&d.pm);
	verdict = udamos_workload_verify_and_stop(&d.w);
	udamos_workload_stop(&d.w);
	udamos_guard_restore(&guard);
	if (st) {
		udamos_scheme_release(&scheme);
		return cli_fail(st, "%s", why);
	}
	summary(&d, &res, &scheme, verdict);
	udamos_scheme_release(&scheme);
	if (verdict)
		return cli_fail(UDAMOS_ERR_RUNTIME, "demo: the workload's memory did not verify; "
				"please report this as a bug");
	return 0;
}
