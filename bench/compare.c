// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What collapse buys, side by side: the built-in hot/cold workload (and a
 * real application, app_redis.c) under THP=never, THP=always, MADV_HUGEPAGE
 * with khugepaged, and udamos collapse under THP=never and =madvise.
 * Configurations are interleaved and repeated, since this machine is
 * noisy; each figure is the median over repetitions, with its spread.
 * Prints a markdown table (stderr with --json), writes an SVG plot, and
 * with --json prints one JSON object on stdout.  Needs root: it changes
 * THP settings (restored on every exit path by the restore guard).
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "core/units.h"
#include "sys/clock.h"
#include "sys/pagemap.h"
#include "sys/procfs.h"
#include "sys/thp.h"
#include "workload/hotcold.h"

static const char usage[] =
"usage: compare --udamos BIN --workload BIN [--paddr-cost BIN] [--quick]\n"
"               [--reps N] [--seconds S] [--json] [--svg FILE] [--no-app]\n"
"               [--oracle]\n"
"--oracle hands udamos the true hot set instead of monitoring: its figures\n"
"are an upper bound, and are labelled so.\n";

struct variant {
	const char *name, *what;
	uint64_t footprint, hot;
	uint64_t stride;		/* hot window every stride windows */
	bool chase;
	uint64_t sparse_pages;
	const int *cfgs;
	size_t nr_cfgs;
	unsigned seconds;
	/* results: [rep][config] */
	struct bench_trial *trials;
	unsigned reps;
};

static const int all_cfgs[] = { CFG_NEVER, CFG_ALWAYS, CFG_KHUGEPAGED, CFG_UDAMOS_NEVER,
				CFG_UDAMOS_MADVISE };
static const int three_cfgs[] = { CFG_NEVER, CFG_ALWAYS, CFG_UDAMOS_NEVER };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct bench_trial *trial_of(const struct variant *v, unsigned rep, int cfg)
{
	for (size_t i = 0; i < v->nr_cfgs; i++)
		if (v->cfgs[i] == cfg)
			return &v->trials[rep * v->nr_cfgs + i];
	return NULL;
}

/* "hot=0xA+S,hot=0xB+S,...": what the synthetic source is told. */
static char *hot_model(const uint64_t *offs, size_t n, uint64_t base, uint64_t stride)
{
	size_t cap = n * 40 + 1, len = 0;
	char *m = malloc(cap);

	if (!m)
		return NULL;
	m[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		/* Runs of consecutive windows are one range. */
		size_t j = i;

		while (stride == 1 && j + 1 < n && offs[j + 1] == offs[j] + udamos_huge_size())
			j++;
		len += (size_t)snprintf(m + len, cap - len, "%shot=0x%" PRIx64 "+%" PRIu64,
					len ? "," : "", base + offs[i],
					(uint64_t)(j - i + 1) * (uint64_t)udamos_huge_size());
		i = j;
	}
	return m;
}

static double hot_coverage(const struct udamos_pagemap *pm, uint64_t base, const uint64_t *offs,
			   size_t n)
{
	size_t huge = 0;

	for (size_t i = 0; i < n; i++)
		huge += udamos_window_is_huge(pm, base + offs[i]);
	return n ? 100.0 * (double)huge / (double)n : 0;
}

static int run_trial(struct bench_env *env, const struct variant *v, int cfg,
		     struct bench_trial *tr)
{
	const struct bench_config *c = &bench_configs[cfg];
	struct udamos_workload_cfg wc = {
		.footprint = v->footprint, .hot_offset = v->footprint / 4 & ~(udamos_huge_size() - 1),
		.hot_size = v->hot, .hot_stride = v->stride, .chase = v->chase,
		.madvise_hot = c->madvise_hot, .sparse_pages = v->sparse_pages,
		.exec_path = env->workload,
	};
	struct udamos_workload w;
	struct udamos_pagemap pm;
	struct udamos_mem_usage mu;
	size_t nr_hot = (size_t)(v->hot / udamos_huge_size());
	uint64_t *offs = calloc(nr_hot, sizeof(*offs)), last_reads, last_us, t0;
	pid_t child = 0;
	int out_fd = -1, err;
	char *model = NULL;

	memset(tr, 0, sizeof(*tr));
	tr->cfg = cfg;
	if (!offs)
		return -ENOMEM;
	err = bench_thp_set(env, c->thp);
	if (!err)
		err = udamos_workload_start(&wc, &w);
	if (err) {
		free(offs);
		return err;
	}
	nr_hot = udamos_workload_hot_windows(&w.cfg, false, offs, nr_hot);
	udamos_pagemap_open(&pm, w.pid, -1);
	sleep(1);	/* past the start-up transient */
	if (c->udamos) {
		model = hot_model(offs, nr_hot, w.shared->base, v->stride ? v->stride : 1);
		child = bench_udamos_start(env, w.pid, v->seconds, model, NULL, &out_fd);
	}
	t0 = last_us = udamos_now_us();
	last_reads = w.shared->reads;
	while (!stop && tr->nr < BENCH_MAX_SAMPLES &&
	       udamos_now_us() - t0 < (uint64_t)v->seconds * 1000000) {
		uint64_t now, reads;

		usleep(1000000 - (useconds_t)((udamos_now_us() - t0) % 1000000));
		now = udamos_now_us();
		reads = w.shared->reads;
		tr->t[tr->nr] = (double)(now - t0) / 1e6;
		tr->tput[tr->nr] = (double)(reads - last_reads) * 1e6 / (double)(now - last_us);
		tr->cov[tr->nr] = hot_coverage(&pm, w.shared->base, offs, nr_hot);
		tr->nr++;
		if (child > 0 && tr->nr == v->seconds / 2) {
			tr->cpu_mid_us = bench_cpu_us(child);
			tr->cpu_mid_at_us = udamos_now_us();
		}
		last_reads = reads;
		last_us = now;
	}
	if (!udamos_read_mem_usage(w.pid, -1, &mu)) {
		tr->rss = mu.rss;
		tr->huge = mu.anon_huge;
	}
	if (child > 0) {
		kill(child, SIGTERM);	/* its run may outlast ours by a moment */
		bench_udamos_finish(child, out_fd, tr);
	}
	udamos_pagemap_close(&pm);
	tr->intact = udamos_workload_verify_and_stop(&w) == 0;
	udamos_workload_stop(&w);
	tr->steady = bench_median(tr->tput + tr->nr / 2, tr->nr - tr->nr / 2);
	tr->t90 = bench_t90(tr);
	free(model);
	free(offs);
	return 0;
}

/* Every repetition runs each configuration once, in a rotated order. */
static int run_variant(struct bench_env *env, struct variant *v, FILE *log)
{
	v->trials = calloc(v->reps * v->nr_cfgs, sizeof(*v->trials));
	if (!v->trials)
		return -ENOMEM;
	for (unsigned r = 0; r < v->reps && !stop; r++) {
		for (size_t k = 0; k < v->nr_cfgs && !stop; k++) {
			size_t i = (k + r) % v->nr_cfgs;
			struct bench_trial *tr = &v->trials[r * v->nr_cfgs + i];
			int err;

			fprintf(log, "bench: %s, %s, repetition %u/%u ...", v->name,
				bench_configs[v->cfgs[i]].name, r + 1, v->reps);
			fflush(log);
			err = run_trial(env, v, v->cfgs[i], tr);
			if (err) {
				fprintf(log, " failed: %s\n", strerror(-err));
				return err;
			}
			fprintf(log, " %.2f M/s, hot huge %.0f%%\n", tr->steady / 1e6,
				tr->nr ? tr->cov[tr->nr - 1] : 0);
		}
	}
	return stop ? -EINTR : 0;
}

/* Median and spread of one figure over the repetitions. */
struct stat3 {
	double med, min, max;
	unsigned n;
};

typedef double (*figure_fn)(const struct variant *v, unsigned rep, int cfg);

static struct stat3 over_reps(const struct variant *v, int cfg, figure_fn f)
{
	double vals[64];
	struct stat3 s = { 0, 0, 0, 0 };

	for (unsigned r = 0; r < v->reps && r < 64; r++) {
		double x = f(v, r, cfg);

		if (x != x)	/* NaN: not available in this repetition */
			continue;
		vals[s.n] = x;
		if (!s.n || x < s.min)
			s.min = x;
		if (!s.n || x > s.max)
			s.max = x;
		s.n++;
	}
	s.med = bench_median(vals, s.n);
	return s;
}

static double fig_steady(const struct variant *v, unsigned r, int cfg)
{
	return trial_of(v, r, cfg)->steady;
}

static double fig_t90(const struct variant *v, unsigned r, int cfg)
{
	double t = trial_of(v, r, cfg)->t90;

	return t < 0 ? 1e9 : t;	/* not reached sorts last */
}

/* Over the second half of the run: monitoring, once the collapsing is done. */
static double fig_cpu(const struct variant *v, unsigned r, int cfg)
{
	const struct bench_trial *tr = trial_of(v, r, cfg);

	return tr->udamos_cpu_pct < 0 || !tr->cpu_mid_at_us ? 0.0 / 0.0 : tr->steady_cpu_pct;
}

/* Over the whole run, the kernel's collapse work in udamos's name included. */
static double fig_cpu_total(const struct variant *v, unsigned r, int cfg)
{
	const struct bench_trial *tr = trial_of(v, r, cfg);

	return tr->udamos_cpu_pct < 0 ? 0.0 / 0.0 :
		tr->udamos_cpu_pct + (tr->kdamond_shared ? 0 : tr->kdamond_cpu_pct);
}

static double fig_failures(const struct variant *v, unsigned r, int cfg)
{
	return (double)trial_of(v, r, cfg)->failures;
}

static double fig_huge(const struct variant *v, unsigned r, int cfg)
{
	return (double)trial_of(v, r, cfg)->huge;
}

static double fig_rss(const struct variant *v, unsigned r, int cfg)
{
	return (double)trial_of(v, r, cfg)->rss;
}

/* (cfg - never) / (always - never), paired within one repetition. */
static double fig_kept(const struct variant *v, unsigned r, int cfg)
{
	double never = fig_steady(v, r, CFG_NEVER), always = fig_steady(v, r, CFG_ALWAYS);

	return always > never ? 100.0 * (fig_steady(v, r, cfg) - never) / (always - never) :
		0.0 / 0.0;
}

/* (RSS_always - RSS_cfg) / (RSS_always - RSS_never), within one repetition. */
static double fig_bloat_removed(const struct variant *v, unsigned r, int cfg)
{
	double never = fig_rss(v, r, CFG_NEVER), always = fig_rss(v, r, CFG_ALWAYS);

	return always > never ? 100.0 * (always - fig_rss(v, r, cfg)) / (always - never) :
		0.0 / 0.0;
}

static void print_table(FILE *out, const struct variant *vs, size_t nr)
{
	char a[32], b[32];

	fprintf(out, "| workload | configuration | throughput (M ops/s, median [min-max]) | "
		"vs never | time to 90%% hot huge | huge memory | RSS | udamos+kdamond CPU, "
		"steady (whole run) |\n");
	fprintf(out, "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < nr; i++) {
		const struct variant *v = &vs[i];
		double never = over_reps(v, CFG_NEVER, fig_steady).med;

		for (size_t k = 0; k < v->nr_cfgs; k++) {
			int c = v->cfgs[k];
			struct stat3 t = over_reps(v, c, fig_steady), t90 = over_reps(v, c, fig_t90);
			struct stat3 cpu = over_reps(v, c, fig_cpu), all = over_reps(v, c, fig_cpu_total);
			char t90s[32] = "not reached", cpus[48] = "-";

			if (t90.med < 1e8)
				snprintf(t90s, sizeof(t90s), "%.1f s", t90.med);
			if (bench_configs[c].udamos && cpu.n)
				snprintf(cpus, sizeof(cpus), "%.2f%% (%.2f%%)", cpu.med, all.med);
			fprintf(out, "| %s | %s | %.2f [%.2f-%.2f] | %+.1f%% | %s | %s | %s | %s |\n",
				v->name, bench_configs[c].name, t.med / 1e6, t.min / 1e6, t.max / 1e6,
				never > 0 ? 100.0 * (t.med - never) / never : 0.0, t90s,
				udamos_fmt_size((uint64_t)over_reps(v, c, fig_huge).med, a, sizeof(a)),
				udamos_fmt_size((uint64_t)over_reps(v, c, fig_rss).med, b, sizeof(b)),
				cpus);
		}
	}
}

/* Throughput and coverage over time, one line per configuration. */
static int write_svg(const char *path, const struct variant *v)
{
	static const char *const colours[NR_CFGS] = { "#888888", "#d62728", "#ff7f0e",
		"#1f77b4", "#2ca02c" };
	const int W = 900, H = 300, L = 70, T = 40, PW = 380, PH = 200;
	FILE *f = fopen(path, "we");
	double tmax = v->seconds, ymax = 0;

	if (!f)
		return -errno;
	for (size_t k = 0; k < v->nr_cfgs; k++) {
		const struct bench_trial *tr = trial_of(v, 0, v->cfgs[k]);

		for (unsigned i = 0; i < tr->nr; i++)
			ymax = tr->tput[i] > ymax ? tr->tput[i] : ymax;
	}
	ymax = ymax > 0 ? ymax * 1.1 : 1;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%d\" y=\"20\" font-size=\"14\">%s: %s (first repetition)</text>\n",
		W, H + 60, L, v->name, v->what);
	for (int panel = 0; panel < 2; panel++) {
		int x0 = L + panel * (PW + 80);

		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
			"stroke=\"black\"/>\n", x0, T, PW, PH);
		fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", x0, T - 6,
			panel ? "hot set in huge pages (%)" : "throughput (M reads/s)");
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.1f</text>\n"
			"<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n"
			"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (s), 0-%.0f</text>\n",
			x0 - 4, T + 10, panel ? 100.0 : ymax / 1e6, x0 - 4, T + PH,
			x0 + PW / 2, T + PH + 16, tmax);
		for (size_t k = 0; k < v->nr_cfgs; k++) {
			const struct bench_trial *tr = trial_of(v, 0, v->cfgs[k]);

			fprintf(f, "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"%s\" points=\"",
				colours[v->cfgs[k]]);
			for (unsigned i = 0; i < tr->nr; i++) {
				double y = panel ? tr->cov[i] / 100.0 : tr->tput[i] / ymax;

				fprintf(f, "%.1f,%.1f ", x0 + PW * tr->t[i] / tmax, T + PH * (1 - y));
			}
			fprintf(f, "\"/>\n");
		}
	}
	for (size_t k = 0; k < v->nr_cfgs; k++)
		fprintf(f, "<rect x=\"%zu\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%zu\" y=\"%d\">%s</text>\n", (size_t)L + k * 170, H + 20,
			colours[v->cfgs[k]], (size_t)L + k * 170 + 16, H + 31,
			bench_configs[v->cfgs[k]].name);
	fprintf(f, "</svg>\n");
	return fclose(f) ? -errno : 0;
}

static json_object *stat_json(struct stat3 s)
{
	json_object *o = json_object_new_object(), *sp = json_object_new_array();

	json_object_object_add(o, "median", json_object_new_double(s.med));
	json_object_array_add(sp, json_object_new_double(s.min));
	json_object_array_add(sp, json_object_new_double(s.max));
	json_object_object_add(o, "spread", sp);
	json_object_object_add(o, "n", json_object_new_int((int)s.n));
	return o;
}

static json_object *series_json(const struct bench_trial *tr)
{
	json_object *a = json_object_new_array();

	for (unsigned i = 0; i < tr->nr; i++) {
		json_object *p = json_object_new_array();

		json_object_array_add(p, json_object_new_double(tr->t[i]));
		json_object_array_add(p, json_object_new_double(tr->tput[i]));
		json_object_array_add(p, json_object_new_double(tr->cov[i]));
		json_object_array_add(a, p);
	}
	return a;
}

/* Whether the udamos rows were monitored by the oracle (--oracle). */
static bool row_oracle;

static json_object *variant_json(const struct variant *v)
{
	json_object *o = json_object_new_object(), *cfgs = json_object_new_object();

	json_object_object_add(o, "what", json_object_new_string(v->what));
	json_object_object_add(o, "footprint", json_object_new_uint64(v->footprint));
	json_object_object_add(o, "hot_size", json_object_new_uint64(v->hot));
	json_object_object_add(o, "seconds", json_object_new_int((int)v->seconds));
	json_object_object_add(o, "repetitions", json_object_new_int((int)v->reps));
	for (size_t k = 0; k < v->nr_cfgs; k++) {
		int c = v->cfgs[k];
		json_object *x = json_object_new_object();
		struct stat3 t90 = over_reps(v, c, fig_t90);
		bool intact = true;

		for (unsigned r = 0; r < v->reps; r++)
			intact &= trial_of(v, r, c)->intact;
		json_object_object_add(x, "throughput", stat_json(over_reps(v, c, fig_steady)));
		json_object_object_add(x, "time_to_90pct_s", t90.med < 1e8 ?
				       json_object_new_double(t90.med) : NULL);
		json_object_object_add(x, "huge_bytes", json_object_new_double(
			over_reps(v, c, fig_huge).med));
		json_object_object_add(x, "huge_over_hot", json_object_new_double(
			over_reps(v, c, fig_huge).med / (double)v->hot));
		json_object_object_add(x, "rss_bytes", json_object_new_double(
			over_reps(v, c, fig_rss).med));
		if (bench_configs[c].udamos) {
			const struct bench_trial *t0 = trial_of(v, 0, c);

			json_object_object_add(x, "monitoring", json_object_new_string(
				row_oracle ? "oracle" : "real"));
			json_object_object_add(x, "tlb_flushes", json_object_new_uint64(t0->tlb_flushes));
			/* Someone else's kdamond: beside udamos's CPU, not in it. */
			json_object_object_add(x, t0->kdamond_shared ? "shared_kdamond_cpu_pct" :
					       "kdamond_cpu_pct",
					       json_object_new_double(t0->kdamond_cpu_pct));
			json_object_object_add(x, "cpu_pct", stat_json(over_reps(v, c, fig_cpu)));
			json_object_object_add(x, "cpu_whole_run_pct",
					       stat_json(over_reps(v, c, fig_cpu_total)));
			json_object_object_add(x, "refused_windows",
					       stat_json(over_reps(v, c, fig_failures)));
		}
		json_object_object_add(x, "memory_intact", json_object_new_boolean(intact));
		json_object_object_add(x, "series", series_json(trial_of(v, 0, c)));
		json_object_object_add(cfgs, bench_configs[c].name, x);
	}
	json_object_object_add(o, "configurations", cfgs);
	return o;
}

/* The user-space monitoring cost at one footprint, from paddr_cost. */
static double paddr_cost(const char *bin, const char *workload, const char *size)
{
	char cmd[512], line[1024];
	double pct = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s %s %s 2>/dev/null", bin, workload, size);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *at = strstr(line, "user-space total ");

		if (at)
			pct = strtod(at + 17, NULL);
	}
	pclose(p);
	return pct;
}

static void target_line(FILE *out, json_object *targets, const char *name, double value,
			const char *unit, double goal, bool at_least)
{
	bool met = value == value && (at_least ? value >= goal : value <= goal);
	json_object *t = json_object_new_object();

	fprintf(out, "- %s: %.1f%s (target %s %.0f%s): %s\n", name, value, unit,
		at_least ? ">=" : "<=", goal, unit, value != value ? "not measured" :
		met ? "met" : "NOT met");
	json_object_object_add(t, "value", value == value ? json_object_new_double(value) : NULL);
	json_object_object_add(t, "target", json_object_new_double(goal));
	json_object_object_add(t, "met", json_object_new_boolean(met));
	json_object_object_add(targets, name, t);
}

struct opts {
	const char *svg, *paddr_cost_bin;
	bool quick, json, app;
	unsigned reps, seconds;
};

static int parse(int argc, char **argv, struct bench_env *env, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--quick"))
			o->quick = true;
		else if (!strcmp(a, "--json"))
			o->json = true;
		else if (!strcmp(a, "--no-app"))
			o->app = false;
		else if (!strcmp(a, "--oracle"))
			env->oracle = true;
		else if (!strcmp(a, "--verbose"))
			env->verbose = true;
		else if (!v)
			goto bad;
		else if (!strcmp(a, "--udamos"))
			env->udamos = argv[++i];
		else if (!strcmp(a, "--workload"))
			env->workload = argv[++i];
		else if (!strcmp(a, "--paddr-cost"))
			o->paddr_cost_bin = argv[++i];
		else if (!strcmp(a, "--svg"))
			o->svg = argv[++i];
		else if (!strcmp(a, "--reps") && atoi(v) > 0 && atoi(v) <= 64)
			o->reps = (unsigned)atoi(argv[++i]);
		else if (!strcmp(a, "--seconds") && atoi(v) >= 5 && atoi(v) < BENCH_MAX_SAMPLES)
			o->seconds = (unsigned)atoi(argv[++i]);
		else
			goto bad;
	}
	if (env->udamos && env->workload)
		return 0;
bad:
	fputs(usage, stderr);
	return 2;
}

/*
 * Real monitoring, as `udamos run` picks it (auto), unless --oracle was
 * asked for.  One short run tells whether auto works here; if it does
 * not, the bench stops with the reason rather than measure the oracle.
 */
static int pick_source(struct bench_env *env)
{
	char cmd[512], line[sizeof(env->source_note) - 96] = "";
	FILE *p;
	int rc;

	snprintf(cmd, sizeof(cmd), "sleep 5 & %s run --pid $! --duration 1 --damos_action stat "
		 "--quiet 2>&1 >/dev/null; rc=$?; kill $! 2>/dev/null; exit $rc", env->udamos);
	p = popen(cmd, "r");
	if (p && fgets(line, sizeof(line), p))
		line[strcspn(line, "\n")] = '\0';
	rc = p ? pclose(p) : -1;
	if (env->oracle) {
		env->source = NULL;
		snprintf(env->source_note, sizeof(env->source_note),
			 "the oracle (a model handed the true hot set): an upper bound, not "
			 "monitoring");
		return 0;
	}
	if (rc != 0) {
		fprintf(stderr, "compare: udamos cannot monitor here: %s\n", line);
		return 3;
	}
	env->source = "auto";
	snprintf(env->source_note, sizeof(env->source_note), "real (udamos run's default: %s)",
		 strstr(line, "monitoring: ") ? strstr(line, "monitoring: ") + 12 : "auto");
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_env env = { 0 };
	struct opts o = { .app = true };
	struct variant vs[4];
	size_t nr_vs = 0;
	struct bench_trial app[NR_CFGS];
	static const int app_cfgs[] = { CFG_NEVER, CFG_ALWAYS, CFG_KHUGEPAGED, CFG_UDAMOS_NEVER };
	size_t nr_app = 0;
	FILE *out;
	json_object *root = json_object_new_object(), *targets = json_object_new_object();
	struct sigaction sa = { .sa_handler = on_signal };
	struct utsname u;
	char date[32];
	time_t now = time(NULL);
	int err = 0;

	if (parse(argc, argv, &env, &o))
		return 2;
	if (geteuid() != 0) {
		fprintf(stderr, "compare: needs root: it sets THP modes (restored afterwards) and "
			"collapses another process's memory\n");
		return 3;
	}
	if (!o.reps)
		o.reps = o.quick ? 1 : 3;
	if (!o.seconds)
		o.seconds = o.quick ? 20 : 60;
	out = o.json ? stderr : stdout;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (bench_thp_guard(&env)) {
		fprintf(stderr, "compare: cannot save THP settings for restoring\n");
		return 3;
	}
	row_oracle = env.oracle;
	if (pick_source(&env)) {
		udamos_guard_restore(&env.guard);
		return 3;
	}
	fprintf(stderr, "bench: udamos monitoring: %s\n", env.source_note);

	/* The main figure: hot set >= 1 GiB, dependent loads (see docs/performance.md). */
	vs[nr_vs++] = (struct variant){ "hotcold", "dependent random reads of a 1 GiB hot set",
		o.quick ? 4ULL << 30 : 8ULL << 30, 1ULL << 30, 1, true, 0,
		all_cfgs, 5, o.seconds, NULL, o.reps };
	vs[nr_vs++] = (struct variant){ "sparse", "cold windows touched 4 pages each",
		4ULL << 30, 512ULL << 20, 1, true, 4, three_cfgs, 3,
		o.quick ? 10 : 30, NULL, o.reps };
	if (!o.quick) {
		vs[nr_vs++] = (struct variant){ "random", "independent random reads, 1 GiB hot",
			8ULL << 30, 1ULL << 30, 1, false, 0, three_cfgs, 3, o.seconds, NULL, o.reps };
		vs[nr_vs++] = (struct variant){ "scattered", "every 4th window hot, 1 GiB",
			8ULL << 30, 1ULL << 30, 4, true, 0, three_cfgs, 3, o.seconds, NULL, o.reps };
	}
	for (size_t i = 0; i < nr_vs && !err; i++)
		err = run_variant(&env, &vs[i], stderr);
	if (!err && o.app && !stop) {
		nr_app = sizeof(app_cfgs) / sizeof(app_cfgs[0]);
		if (bench_app_redis(&env, o.quick ? 1000000 : 2000000, o.seconds, app, app_cfgs,
				    nr_app))
			nr_app = 0;
	}
	udamos_guard_restore(&env.guard);
	if (err) {
		fprintf(stderr, "compare: stopped: %s; THP settings restored\n", strerror(-err));
		return 1;
	}

	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	uname(&u);
	fprintf(out, "\n# THP comparison, %s, kernel %s, %ld CPUs%s\n\nudamos monitoring: %s\n\n",
		date, u.release, sysconf(_SC_NPROCESSORS_ONLN), o.quick ? ", quick" : "",
		env.source_note);
	print_table(out, vs, nr_vs);
	if (nr_app) {
		char a[32], b[32];

		fprintf(out, "\n| redis, %s keys | configuration | GET throughput (k ops/s) | "
			"vs never | huge memory | RSS |\n| --- | --- | --- | --- | --- | --- |\n",
			o.quick ? "1M" : "2M");
		for (size_t k = 0; k < nr_app; k++)
			fprintf(out, "| redis | %s | %.1f | %+.1f%% | %s | %s |\n",
				bench_configs[app[k].cfg].name, app[k].steady / 1e3,
				app[0].steady > 0 ? 100.0 * (app[k].steady - app[0].steady) /
				app[0].steady : 0.0,
				udamos_fmt_size(app[k].huge, a, sizeof(a)),
				udamos_fmt_size(app[k].rss, b, sizeof(b)));
	}

	fprintf(out, "\nTargets:\n");
	{
		struct stat3 kept = over_reps(&vs[0], CFG_UDAMOS_NEVER, fig_kept);
		struct stat3 bloat = over_reps(&vs[1], CFG_UDAMOS_NEVER, fig_bloat_removed);
		/* The target is for a 512 MiB hot set: the sparse variant's. */
		struct stat3 t90 = over_reps(&vs[1], CFG_UDAMOS_NEVER, fig_t90);
		struct stat3 t90_1g = over_reps(&vs[0], CFG_UDAMOS_NEVER, fig_t90);
		struct stat3 cpu = over_reps(&vs[0], CFG_UDAMOS_NEVER, fig_cpu);
		json_object *tp = json_object_new_object(), *appj = json_object_new_object();
		json_object *cost = json_object_new_object(), *vj = json_object_new_object();

		target_line(out, targets, "speedup kept", kept.n ? kept.med : 0.0 / 0.0, "%", 95, true);
		fprintf(out, "  (spread over %u repetitions: %.1f%% to %.1f%%)\n", kept.n, kept.min,
			kept.max);
		target_line(out, targets, "bloat removed", bloat.n ? bloat.med : 0.0 / 0.0, "%", 95,
			    true);
		target_line(out, targets, "time to 90% coverage of a 512 MiB hot set",
			    t90.med < 1e8 ? t90.med : 0.0 / 0.0, " s", 10, false);
		if (t90_1g.med < 1e8)
			fprintf(out, "  (of the 1 GiB hot set: %.1f s)\n", t90_1g.med);
		else
			fprintf(out, "  (of the 1 GiB hot set: not reached)\n");
		target_line(out, targets, "udamos + kdamond CPU, steady", cpu.n ? cpu.med : 0.0 / 0.0,
			    "%", 3, false);
		fprintf(out, "  (whole run, with the kernel's collapse work charged to udamos: "
			"%.2f%%)\n", over_reps(&vs[0], CFG_UDAMOS_NEVER, fig_cpu_total).med);
		if (nr_app) {
			bool tput_ok = app[3].steady >= app[2].steady;
			bool huge_ok = app[3].huge <= app[1].huge;

			fprintf(out, "- redis: udamos %.1f k/s vs khugepaged %.1f k/s (%s); huge "
				"memory %" PRIu64 " MiB vs always %" PRIu64 " MiB (%s)\n",
				app[3].steady / 1e3, app[2].steady / 1e3, tput_ok ? "met" : "NOT met",
				app[3].huge >> 20, app[1].huge >> 20, huge_ok ? "met" : "NOT met");
		}
		json_object_object_add(root, "date", json_object_new_string(date));
		json_object_object_add(root, "kernel", json_object_new_string(u.release));
		json_object_object_add(root, "cpus", json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
		json_object_object_add(root, "quick", json_object_new_boolean(o.quick));
		json_object_object_add(root, "monitoring",
				       json_object_new_string(env.oracle ? "oracle" : "real"));
		json_object_object_add(root, "monitor", json_object_new_string(env.source_note));
		json_object_object_add(root, "upper_bound", json_object_new_boolean(env.oracle));
		json_object_object_add(root, "speedup_kept_pct", kept.n ?
				       json_object_new_double(kept.med) : NULL);
		json_object_object_add(root, "speedup_kept_spread", stat_json(kept));
		json_object_object_add(root, "bloat_removed_pct", bloat.n ?
				       json_object_new_double(bloat.med) : NULL);
		json_object_object_add(root, "time_to_90pct_s", t90.med < 1e8 ?
				       json_object_new_double(t90.med) : NULL);
		json_object_object_add(root, "time_to_90pct_1g_s", t90_1g.med < 1e8 ?
				       json_object_new_double(t90_1g.med) : NULL);
		json_object_object_add(root, "cpu_pct", cpu.n ? json_object_new_double(cpu.med) : NULL);
		json_object_object_add(root, "cpu_whole_run_pct", json_object_new_double(
			over_reps(&vs[0], CFG_UDAMOS_NEVER, fig_cpu_total).med));
		for (size_t k = 0; k < vs[0].nr_cfgs; k++)
			json_object_object_add(tp, bench_configs[vs[0].cfgs[k]].name,
				json_object_new_double(over_reps(&vs[0], vs[0].cfgs[k], fig_steady).med));
		json_object_object_add(root, "throughput", tp);
		for (size_t k = 0; k < nr_app; k++) {
			json_object *x = json_object_new_object();

			json_object_object_add(x, "throughput", json_object_new_double(app[k].steady));
			json_object_object_add(x, "huge_bytes", json_object_new_uint64(app[k].huge));
			json_object_object_add(x, "rss_bytes", json_object_new_uint64(app[k].rss));
			json_object_object_add(x, "intact", json_object_new_boolean(app[k].intact));
			if (bench_configs[app[k].cfg].udamos) {
				json_object_object_add(x, "cpu_pct", json_object_new_double(
					app[k].steady_cpu_pct));
				json_object_object_add(x, "cpu_whole_run_pct", json_object_new_double(
					app[k].udamos_cpu_pct +
					(app[k].kdamond_shared ? 0 : app[k].kdamond_cpu_pct)));
			}
			json_object_object_add(appj, bench_configs[app[k].cfg].name, x);
		}
		json_object_object_add(root, "app", nr_app ? appj : (json_object_put(appj), NULL));
		if (o.paddr_cost_bin) {
			static const char *const sizes[] = { "2G", "4G", "8G", "16G" };

			fprintf(out, "- monitoring cost, udamos's user-space half of the paddr "
				"source (kdamond not measurable here):");
			for (size_t i = 0; i < (o.quick ? 2u : 4u); i++) {
				double pct = paddr_cost(o.paddr_cost_bin, env.workload, sizes[i]);

				fprintf(out, " %s %.2f%%", sizes[i], pct);
				json_object_object_add(cost, sizes[i], pct >= 0 ?
						       json_object_new_double(pct) : NULL);
			}
			fprintf(out, "\n");
		}
		json_object_object_add(root, "monitoring_cost_pct", cost);
		for (size_t i = 0; i < nr_vs; i++)
			json_object_object_add(vj, vs[i].name, variant_json(&vs[i]));
		json_object_object_add(root, "variants", vj);
		json_object_object_add(root, "targets", targets);
	}
	if (o.svg) {
		err = write_svg(o.svg, &vs[0]);
		if (err)
			fprintf(stderr, "compare: cannot write %s: %s\n", o.svg, strerror(-err));
		else
			fprintf(out, "\nplot: %s\n", o.svg);
	}
	if (o.json)
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	for (size_t i = 0; i < nr_vs; i++)
		free(vs[i].trials);
	return 0;
}
