// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udamos run: apply schemes to running processes.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/scheme_args.h"
#include "config/scheme_fields.h"
#include "config/scheme_json.h"
#include "core/units.h"
#include "workload/hotcold.h"

static const char run_usage[] =
"usage: udamos run (--pid PID... | --example) [options]\n"
"\n"
"Monitors the processes and applies schemes to them until they exit, the\n"
"duration ends, or SIGINT/SIGTERM; then prints what each scheme did.\n"
"Without scheme options the default collapse scheme runs: regions of at\n"
"least one huge page (2 MiB on x86_64), accessed in at least half of the\n"
"samples for at least 5 s, ranked hottest first, at most 200 ms and 256\n"
"huge pages per second while under 95% of the hot memory is in huge pages\n"
"(hot_coverage_bp goal, temporal tuner) and nothing once it is, skipping\n"
"windows that already are huge pages or are under 7/8 populated.\n"
"\n"
"Options:\n"
"  --pid PID                 a target process (repeat for several)\n"
"  --example                 start the built-in hot/cold workload (1 GiB,\n"
"                            256 MiB hot) and run against it\n"
"  --source SPEC             the monitor: auto (default: a kdamond of\n"
"                            udamos's own, vaddr or else paddr projected\n"
"                            onto the targets' virtual addresses, where\n"
"                            DAMON is free; else a running kdamond that\n"
"                            watches at least half of the targets'\n"
"                            memory, read and never written), vaddr,\n"
"                            paddr, shared (a running kdamond, however\n"
"                            little it watches), or oracle:MODEL, a model\n"
"                            handed the access pattern, for experiments:\n"
"                            hot=START-END[@P] or hot=START+SIZE[@P],\n"
"                            cold=P, phase=TIME, seed=N, comma separated\n"
"                            (with --example, 'oracle' alone: its hot range)\n"
"  --tlb_flush auto|on|off   make up for accessed bits that are not set\n"
"                            again while a translation stays cached: auto\n"
"                            (default) flushes the targets' TLBs where a\n"
"                            probe finds this machine blind\n"
"  --schemes FILE            schemes from a JSON file (docs/schemes.md)\n"
"  --duration TIME           stop after TIME (bare numbers are seconds)\n"
"  --monitoring_intervals SAMPLE AGGR UPDATE\n"
"                            default 5ms 100ms 1s\n"
"  --monitoring_nr_regions_range MIN MAX\n"
"                            default 1000 10000 for paddr, 100 1000 for\n"
"                            vaddr (a shared kdamond keeps its owner's)\n"
"  --mmap_lock_budget TIME   per target, how long udamos's process_madvise()\n"
"                            calls (which can hold its mmap_lock) may take\n"
"                            per second; default 200ms, and 25ms, the calls\n"
"                            spaced out, while the target takes over 1000\n"
"                            minor faults a second; 'none' for no limit\n"
"  --bloat_budget SIZE       per target, how much zeroed memory collapse may\n"
"                            add to windows not wholly populated; default\n"
"                            32 huge pages (64M), 'none' for no limit\n"
"  --collapse_warm auto|on|off\n"
"                            fault a huge page in and free it just before\n"
"                            each collapse, so that a VM host's fault-in of\n"
"                            the new page is not done under the target's\n"
"                            mmap_lock; auto (default): where a virtio\n"
"                            balloon reports free pages to the host\n"
"  --churn_spacing auto|on|off\n"
"                            give a target that churns its mappings the slow\n"
"                            allowance, its calls spaced out; auto (default):\n"
"                            unless a page fault costs 5 us or more here (the\n"
"                            host shadows page tables: its own mmaps take\n"
"                            longer than a call)\n"
"  --collapse_hold auto|on|off\n"
"                            hold a page table's first collapse until the\n"
"                            hot memory found in it stops growing, then take\n"
"                            it in one go; auto (default): where a page\n"
"                            fault costs 5 us or more (the host shadows page\n"
"                            tables, and a table mapping both huge and small\n"
"                            pages slows the small ones)\n"
"  --json                    print the result as one JSON object\n"
"  --quiet                   no live progress line\n"
"\n";

struct run_opts {
	struct udamos_run_cfg cfg;
	struct udamos_scheme *schemes;
	size_t nr_schemes;
	const char *schemes_file;
	bool json, quiet, example;
	char source_buf[160];
};

static int need(int argc, char **argv, int i, int n)
{
	for (int k = 1; k <= n; k++)
		if (i + k >= argc || !strncmp(argv[i + k], "--", 2))
			return cli_fail(UDAMOS_ERR_INPUT, "%s: needs %d value%s; see "
					"'udamos run --help'", argv[i], n, n > 1 ? "s" : "");
	return 0;
}

static int parse_intervals(struct udamos_mon_attrs *a, char **v)
{
	uint64_t t[3];

	for (int k = 0; k < 3; k++)
		if (udamos_parse_time_us(v[k], 1, &t[k]) || !t[k] || t[k] == UDAMOS_UNLIMITED)
			return cli_fail(UDAMOS_ERR_INPUT, "--monitoring_intervals: '%s' is not "
					"a positive time; use e.g. 5ms 100ms 1s", v[k]);
	if (t[0] > t[1])
		return cli_fail(UDAMOS_ERR_INPUT, "--monitoring_intervals: the sampling "
				"interval %s exceeds the aggregation interval %s; make SAMPLE <= AGGR",
				v[0], v[1]);
	a->sample_us = t[0];
	a->aggr_us = t[1];
	a->update_us = t[2];
	return 0;
}

static int parse_nr_regions(struct udamos_mon_attrs *a, char **v)
{
	uint64_t lo, hi;

	if (udamos_parse_u64(v[0], &lo) || udamos_parse_u64(v[1], &hi) || lo < 3 ||
	    hi < lo || hi > 1000000)
		return cli_fail(UDAMOS_ERR_INPUT, "--monitoring_nr_regions_range: '%s %s' "
				"is not a range; give MIN MAX with 3 <= MIN <= MAX <= 1000000",
				v[0], v[1]);
	a->min_nr_regions = (uint32_t)lo;
	a->max_nr_regions = (uint32_t)hi;
	return 0;
}

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	char why[512];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int err;

		err = udamos_scheme_arg(&o->schemes, &o->nr_schemes, argc, argv, &i,
					why, sizeof(why));
		if (err < 0)
			return cli_fail(UDAMOS_ERR_INPUT, "%s", why);
		if (err > 0)
			continue;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(run_usage, stdout);
			fputs(udamos_scheme_args_help, stdout);
			exit(0);
		} else if (!strcmp(a, "--pid")) {
			if (need(argc, argv, i, 1))
				return UDAMOS_ERR_INPUT;
			if (o->cfg.nr_pids == UDAMOS_MAX_TARGETS)
				return cli_fail(UDAMOS_ERR_INPUT, "--pid: at most %d targets",
						UDAMOS_MAX_TARGETS);
			if (cli_parse_pid(argv[++i], &o->cfg.pids[o->cfg.nr_pids++]))
				return UDAMOS_ERR_INPUT;
		} else if (!strcmp(a, "--source")) {
			if (need(argc, argv, i, 1))
				return UDAMOS_ERR_INPUT;
			o->cfg.source = argv[++i];
			if (strcmp(o->cfg.source, "oracle") && cli_check_source(o->cfg.source))
				return UDAMOS_ERR_INPUT;
		} else if (!strcmp(a, "--tlb_flush")) {
			if (need(argc, argv, i, 1) || cli_parse_tlb_flush(argv[++i], &o->cfg.flush))
				return UDAMOS_ERR_INPUT;
		} else if (!strcmp(a, "--collapse_warm")) {
			if (need(argc, argv, i, 1) ||
			    cli_parse_collapse_warm(argv[++i], &o->cfg.collapse_warm))
				return UDAMOS_ERR_INPUT;
		} else if (!strcmp(a, "--churn_spacing")) {
			if (need(argc, argv, i, 1) ||
			    cli_parse_churn_spacing(argv[++i], &o->cfg.churn_spacing))
				return UDAMOS_ERR_INPUT;
		} else if (!strcmp(a, "--collapse_hold")) {
			if (need(argc, argv, i, 1) ||
			    cli_parse_collapse_hold(argv[++i], &o->cfg.collapse_hold))
				return UDAMOS_ERR_INPUT;
		} else if (!strcmp(a, "--schemes")) {
			if (need(argc, argv, i, 1))
				return UDAMOS_ERR_INPUT;
			o->schemes_file = argv[++i];
		} else if (!strcmp(a, "--duration")) {
			if (need(argc, argv, i, 1))
				return UDAMOS_ERR_INPUT;
			if (udamos_parse_time_us(argv[i + 1], 1000000, &o->cfg.duration_us) ||
			    !o->cfg.duration_us || o->cfg.duration_us == UDAMOS_UNLIMITED)
				return cli_fail(UDAMOS_ERR_INPUT, "--duration %s: not a positive "
						"time; use e.g. 30 or 30s or 5m", argv[i + 1]);
			i++;
		} else if (!strcmp(a, "--monitoring_intervals")) {
			if (need(argc, argv, i, 3) || parse_intervals(&o->cfg.attrs, &argv[i + 1]))
				return UDAMOS_ERR_INPUT;
			o->cfg.attrs_given = true;
			i += 3;
		} else if (!strcmp(a, "--monitoring_nr_regions_range")) {
			if (need(argc, argv, i, 2) || parse_nr_regions(&o->cfg.attrs, &argv[i + 1]))
				return UDAMOS_ERR_INPUT;
			o->cfg.attrs_given = true;
			i += 2;
		} else if (!strcmp(a, "--mmap_lock_budget")) {
			if (need(argc, argv, i, 1) ||
			    cli_parse_limit(a, argv[++i], true, &o->cfg.lock_ns_per_s))
				return UDAMOS_ERR_INPUT;
		} else if (!strcmp(a, "--bloat_budget")) {
			if (need(argc, argv, i, 1) ||
			    cli_parse_limit(a, argv[++i], false, &o->cfg.bloat_budget))
				return UDAMOS_ERR_INPUT;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--quiet")) {
			o->quiet = true;
		} else if (!strcmp(a, "--example")) {
			o->example = true;
		} else {
			return cli_fail(UDAMOS_ERR_INPUT, "unknown option '%s'; see 'udamos run --help'", a);
		}
	}
	return 0;
}

static json_object *scheme_json(const struct udamos_scheme *s)
{
	json_object *o = json_object_new_object(), *fails = json_object_new_object();
	json_object *tried = json_object_new_array();

	json_object_object_add(o, "action", json_object_new_string(udamos_action_name(s->action)));
	json_object_object_add(o, "applied_by",
			       json_object_new_string(s->delegated ? "kernel" : "udamos"));
	json_object_object_add(o, "nr_tried", json_object_new_uint64(s->stats.nr_tried));
	json_object_object_add(o, "sz_tried", json_object_new_uint64(s->stats.sz_tried));
	json_object_object_add(o, "nr_applied", json_object_new_uint64(s->stats.nr_applied));
	json_object_object_add(o, "sz_applied", json_object_new_uint64(s->stats.sz_applied));
	json_object_object_add(o, "sz_ops_filter_passed",
			       json_object_new_uint64(s->stats.sz_ops_filter_passed));
	json_object_object_add(o, "qt_exceeds", json_object_new_uint64(s->stats.qt_exceeds));
	json_object_object_add(o, "collapse_scope",
			       json_object_new_string(udamos_collapse_scope_name(s->collapse_scope)));
	json_object_object_add(o, "sz_table_filled",
			       json_object_new_uint64(s->stats.sz_table_filled));
	json_object_object_add(o, "nr_tables_held",
			       json_object_new_uint64(s->stats.nr_tables_held));
	json_object_object_add(o, "sz_held", json_object_new_uint64(s->state.sz_held));
	cli_quota_json(o, s);
	for (int i = 0; i < UDAMOS_NR_FAIL_SLOTS; i++)
		json_object_object_add(fails, udamos_fail_slot_name(i),
				       json_object_new_uint64(s->stats.nr_failed[i]));
	json_object_object_add(o, "failures", fails);
	for (size_t i = 0; i < s->state.nr_tried; i++) {
		const struct udamos_tried_region *t = &s->state.tried[i];
		json_object *r = json_object_new_object();

		json_object_object_add(r, "target", json_object_new_int((int)t->target));
		json_object_object_add(r, "start", json_object_new_uint64(t->region.start));
		json_object_object_add(r, "end", json_object_new_uint64(t->region.end));
		json_object_object_add(r, "nr_accesses", json_object_new_int((int)t->region.nr_accesses));
		json_object_object_add(r, "age", json_object_new_int((int)t->region.age));
		json_object_object_add(r, "sz_filter_passed", json_object_new_uint64(t->sz_filter_passed));
		json_object_array_add(tried, r);
	}
	json_object_object_add(o, "tried_regions", tried);
	return o;
}

static void print_json(const struct run_opts *o, const struct udamos_run_result *res,
		       const struct udamos_workload *w)
{
	json_object *root = json_object_new_object(), *schemes = json_object_new_array();
	json_object *targets = json_object_new_array();

	json_object_object_add(root, "monitoring", json_object_new_string(res->source));
	json_object_object_add(root, "monitor", json_object_new_string(cli_monitoring_label(res)));
	json_object_object_add(root, "upper_bound",
			       json_object_new_boolean(!strcmp(res->source, "oracle")));
	json_object_object_add(root, "tlb_flushes", json_object_new_uint64(res->tlb_flushes));
	json_object_object_add(root, "collapse_warm", json_object_new_boolean(res->collapse_warm));
	json_object_object_add(root, "warmed_huge_pages", json_object_new_uint64(res->nr_warmed));
	json_object_object_add(root, "warm_ms", json_object_new_double((double)res->warm_ns / 1e6));
	json_object_object_add(root, "churn_spacing", json_object_new_boolean(res->churn_spacing));
	json_object_object_add(root, "fault_us", json_object_new_double((double)res->fault_ns / 1e3));
	json_object_object_add(root, "collapse_hold", json_object_new_boolean(res->collapse_hold));
	json_object_object_add(root, "elapsed_s", json_object_new_double((double)res->elapsed_us / 1e6));
	json_object_object_add(root, "cpu_pct", json_object_new_double(
		res->elapsed_us ? 100.0 * (double)res->cpu_us / (double)res->elapsed_us : 0));
	/* A shared kdamond's CPU is someone else's: named apart. */
	json_object_object_add(root, !strcmp(res->source, "shared") ? "shared_kdamond_cpu_pct" :
			       "kdamond_cpu_pct", json_object_new_double(res->elapsed_us ?
			       100.0 * (double)res->kernel_cpu_us / (double)res->elapsed_us : 0));
	json_object_object_add(root, "aggregations", json_object_new_uint64(res->nr_aggregations));
	/* The scale of every nr_accesses below. */
	json_object_object_add(root, "max_nr_accesses", json_object_new_uint64(res->max_nr_accesses));
	json_object_object_add(root, "interrupted", json_object_new_boolean(res->interrupted));
	for (size_t i = 0; i < o->nr_schemes; i++)
		json_object_array_add(schemes, scheme_json(&o->schemes[i]));
	json_object_object_add(root, "schemes", schemes);
	for (size_t i = 0; i < res->nr_targets; i++) {
		const struct udamos_run_target *t = &res->targets[i];
		json_object *j = json_object_new_object();

		json_object_object_add(j, "pid", json_object_new_int(t->pid));
		json_object_object_add(j, "exited", json_object_new_boolean(t->exited));
		json_object_object_add(j, "collapsible", json_object_new_boolean(t->collapsible));
		json_object_object_add(j, "anon_huge_before", json_object_new_uint64(t->anon_huge_before));
		json_object_object_add(j, "anon_huge_after", json_object_new_uint64(t->anon_huge_after));
		if (t->coverage_known) {
			json_object_object_add(j, "watched_bytes", json_object_new_uint64(t->watched));
			json_object_object_add(j, "resident_bytes", json_object_new_uint64(t->resident));
		}
		cli_target_costs_json(j, t);
		json_object_array_add(targets, j);
	}
	json_object_object_add(root, "targets", targets);
	if (w) {
		json_object *ex = json_object_new_object();

		json_object_object_add(ex, "base", json_object_new_uint64(w->shared ? w->shared->base : 0));
		json_object_object_add(ex, "hot_offset", json_object_new_uint64(w->cfg.hot_offset));
		json_object_object_add(ex, "hot_size", json_object_new_uint64(w->cfg.hot_size));
		json_object_object_add(root, "example", ex);
	}
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
}

static void print_text(const struct run_opts *o, const struct udamos_run_result *res)
{
	char a[32], b[32];

	printf("ran %.1f s, %" PRIu64 " aggregations (monitoring: %s), udamos used %.2f%% "
	       "of a CPU%s\n", (double)res->elapsed_us / 1e6, res->nr_aggregations,
	       cli_monitoring_label(res),
	       res->elapsed_us ? 100.0 * (double)res->cpu_us / (double)res->elapsed_us : 0.0,
	       res->interrupted ? " (interrupted)" : "");
	for (size_t i = 0; i < o->nr_schemes; i++) {
		const struct udamos_scheme *s = &o->schemes[i];
		bool any = false;

		printf("scheme %zu (%s%s): tried %" PRIu64 " regions (%s), applied %" PRIu64
		       " (%s), quota exceeded %" PRIu64 " times\n", i,
		       udamos_action_name(s->action), s->delegated ? ", by the kernel" : "",
		       s->stats.nr_tried,
		       udamos_fmt_size(s->stats.sz_tried, a, sizeof(a)), s->stats.nr_applied,
		       udamos_fmt_size(s->stats.sz_applied, b, sizeof(b)), s->stats.qt_exceeds);
		for (int k = 0; k < UDAMOS_NR_FAIL_SLOTS; k++) {
			if (!s->stats.nr_failed[k])
				continue;
			printf("%s%s x%" PRIu64, any ? ", " : "  failures: ",
			       udamos_fail_slot_name(k), s->stats.nr_failed[k]);
			any = true;
		}
		if (any)
			putchar('\n');
		if (s->collapse_scope == UDAMOS_COLLAPSE_SCOPE_TABLE)
			printf("  collapse scope: whole page tables, %s of it outside the "
			       "access pattern\n", udamos_fmt_size(s->stats.sz_table_filled, a,
								      sizeof(a)));
		if (s->stats.nr_tables_held)
			printf("  held %" PRIu64 " page tables until their hot set settled; "
			       "%s held at the last apply\n", s->stats.nr_tables_held,
			       udamos_fmt_size(s->state.sz_held, a, sizeof(a)));
		cli_quota_text(stdout, s);
	}
	for (size_t i = 0; i < res->nr_targets; i++) {
		const struct udamos_run_target *t = &res->targets[i];

		if (t->exited)
			printf("target %d: exited during the run\n", t->pid);
		else
			printf("target %d: AnonHugePages %s -> %s\n", t->pid,
			       udamos_fmt_size(t->anon_huge_before, a, sizeof(a)),
			       udamos_fmt_size(t->anon_huge_after, b, sizeof(b)));
		if (t->coverage_known && t->resident)
			printf("target %d: the monitor watched %.0f%% of its %s resident\n", t->pid,
			       100.0 * (double)t->watched / (double)t->resident,
			       udamos_fmt_size(t->resident, a, sizeof(a)));
		cli_target_costs_text(stdout, t, o->cfg.bloat_budget);
	}
	if (res->tlb_flushes)
		printf("TLB flushes for the accessed-bit blind spot: %" PRIu64 "\n",
		       res->tlb_flushes);
	if (res->nr_warmed)
		printf("huge pages made ready before collapses: %" PRIu64 ", %.0f ms of "
		       "udamos's time\n", res->nr_warmed, (double)res->warm_ns / 1e6);
}

static int start_example(struct run_opts *o, struct udamos_workload *w)
{
	struct udamos_workload_cfg wc = {
		.footprint = 1ULL << 30, .hot_offset = 256ULL << 20, .hot_size = 256ULL << 20,
	};
	int err;

	if (o->cfg.nr_pids)
		return cli_fail(UDAMOS_ERR_INPUT, "--example: starts its own target; drop --pid");
	err = udamos_workload_start(&wc, w);
	if (err)
		return cli_fail(UDAMOS_ERR_RUNTIME, "--example: cannot start the workload: %s",
				strerror(-err));
	o->cfg.pids[o->cfg.nr_pids++] = w->pid;
	if (o->cfg.source && !strcmp(o->cfg.source, "oracle")) {
		snprintf(o->source_buf, sizeof(o->source_buf),
			 "oracle:hot=0x%" PRIx64 "+%" PRIu64,
			 (uint64_t)w->shared->base + wc.hot_offset, wc.hot_size);
		o->cfg.source = o->source_buf;
	}
	if (!o->cfg.duration_us)
		o->cfg.duration_us = 10000000;
	if (!o->json)
		printf("example: workload PID %d, 1 GiB mapped at 0x%" PRIx64 ", hot 256 MiB at "
		       "+256 MiB, read at random\n", w->pid, (uint64_t)w->shared->base);
	return 0;
}

/* The example's own check: hot memory huge, cold memory not, data intact. */
static int finish_example(struct udamos_workload *w, const struct udamos_run_result *res,
			  bool json)
{
	int verdict = udamos_workload_verify_and_stop(w);
	char a[32];

	if (!json)
		printf("example: %s of huge pages for a 256 MiB hot range; workload memory %s\n",
		       udamos_fmt_size(res->targets[0].anon_huge_after, a, sizeof(a)),
		       verdict == 0 ? "verified intact" : "NOT intact");
	if (verdict)
		return cli_fail(UDAMOS_ERR_RUNTIME, "example: the workload's memory did not "
				"verify; please report this as a bug");
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct udamos_run_result res;
	struct udamos_workload w = { 0 };
	enum udamos_status st;
	char why[512];
	int rc;

	udamos_mon_attrs_default(&o.cfg.attrs);
	rc = parse_args(argc, argv, &o);
	if (!rc)
		rc = cli_finish_schemes(o.schemes_file, &o.schemes, &o.nr_schemes);
	if (!rc && !o.example && !o.cfg.nr_pids)
		rc = cli_fail(UDAMOS_ERR_INPUT, "no target; give --pid PID (or --example)");
	if (!rc && !o.example && o.cfg.source && !strcmp(o.cfg.source, "oracle"))
		rc = cli_fail(UDAMOS_ERR_INPUT, "--source oracle: give the model, "
			      "oracle:hot=START+SIZE (only --example knows its own)");
	if (!rc && o.example)
		rc = start_example(&o, &w);
	if (rc) {
		udamos_schemes_free(o.schemes, o.nr_schemes);
		return rc;
	}
	o.cfg.schemes = o.schemes;
	o.cfg.nr_schemes = o.nr_schemes;
	o.cfg.log = stderr;
	o.cfg.progress = !o.quiet && !o.json && isatty(STDERR_FILENO) ? stderr : NULL;

	udamos_run_install_signals();
	st = udamos_run(&o.cfg, &res, why, sizeof(why));
	if (st) {
		rc = cli_fail(st, "%s", why);
	} else {
		if (o.json)
			print_json(&o, &res, o.example ? &w : NULL);
		else
			print_text(&o, &res);
		if (o.example)
			rc = finish_example(&w, &res, o.json);
	}
	udamos_workload_stop(&w);
	udamos_schemes_free(o.schemes, o.nr_schemes);
	return rc;
}
