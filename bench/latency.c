// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What collapse costs the target while it works: the latency probe
 * (latency_probe.c) under THP=never, THP=always, MADV_HUGEPAGE with
 * khugepaged, udamos with its defaults (real monitoring), and udamos fed
 * the hot set by the oracle (so that collapse surely runs: the bound on
 * the harm, labelled as such), unpaced and under the kernel's sample
 * recipe.  Configurations are interleaved round by round; each round's
 * p99 is set against the same round's THP=never p99, and the table shows
 * the median of those ratios with their spread.  Figures only.  Needs
 * root (THP modes, restored on every exit path by the restore guard).
 *
 * usage: latency --udamos BIN --probe BIN [--reps N] [--seconds S]
 *                [--footprint MIB] [--hot MIB] [--json] [--budget TIME]...
 *                [--vary OPTION VALUE]... [--spacing auto|on|off]...
 *                [--only DIGITS] [--redis KEYS] [--udamos-arg ARG]...
 * --budget adds an oracle-fed udamos at that --mmap_lock_budget (the
 * defaults' figures come from these); --vary adds udamos with real
 * monitoring and that option (--vary --collapse_hold off), and --spacing
 * MODE is --vary --churn_spacing MODE; --only keeps never and the base
 * configurations numbered (1 always, 2 khugepaged, 3 udamos, 4 udamos
 * oracle-fed, 5 kernel recipe oracle-fed, 6 kernel recipe); --redis runs
 * Redis with KEYS 2000-byte values instead of the probe (redis_rounds()):
 * redis-benchmark's throughput and p99 under load, and beside it GETs
 * paced at a fixed rate whose p99 is taken over the collapse phase
 * (app_redis.c), with a udamos row per --vary; --udamos-arg adds ARG
 * to every udamos run's options (e.g. --schemes F).
 * UDAMOS_BENCH_KEEP=DIR keeps each udamos run's --json output in DIR;
 * UDAMOS_BENCH_TIMELINE=1 prints second by second the probe's read and
 * mm op p99 and its huge memory, or the paced GETs' latency.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "latency.h"
#include "sys/clock.h"
#include "sys/pagemap.h"
#include "sys/pidfd.h"
#include "sys/procfs.h"
#include "udamos/snapshot.h"

enum { L_NEVER, L_ALWAYS, L_KHUGEPAGED, L_UDAMOS, L_ORACLE, L_RECIPE, L_RECIPE_REAL,
       NR_BASE };

struct lat_cfg {
	char name[64];
	const char *thp;
	bool madvise, udamos, oracle, recipe;
	const char *opt, *val;		/* one more udamos option, or NULL */
};

#define MAX_CFGS 16

static struct lat_cfg cfgs[MAX_CFGS] = {
	[L_NEVER] = { .name = "never", .thp = "never" },
	[L_ALWAYS] = { .name = "always", .thp = "always" },
	[L_KHUGEPAGED] = { "madvise+khugepaged", "madvise", .madvise = true },
	[L_UDAMOS] = { "udamos defaults", "never", .udamos = true },
	[L_ORACLE] = { "udamos defaults, oracle-fed (bound)", "never", .udamos = true,
		       .oracle = true },
	[L_RECIPE] = { "kernel recipe, oracle-fed (bound)", "never", .udamos = true,
		       .oracle = true, .recipe = true },
	[L_RECIPE_REAL] = { "kernel recipe", "never", .udamos = true, .recipe = true },
};
static int nr_cfgs = NR_BASE;

/* One more udamos, real monitoring, with one more option. */
static void add_varied(struct lat_cfg *c, const char *opt, const char *val)
{
	*c = cfgs[L_UDAMOS];
	c->opt = opt;
	c->val = val;
	snprintf(c->name, sizeof(c->name), "udamos, %s %s", opt, val);
}

#define MAX_REPS 16
#define MAX_SECONDS 240

struct trial {
	struct lat_hist read, mm;	/* over the collapse phase */
	unsigned active_s;		/* its seconds (first growth to after the last) */
	double ops_per_s;		/* reads, median per second, whole run */
	double t90;			/* s to 90% of the hot set huge, -1: never */
	double cov_pct;			/* hot set huge at the end */
	uint64_t cold_huge;		/* bytes of huge pages outside the hot set */
	double udamos_cpu_pct;
	bool ran;
};

static struct trial trials[MAX_REPS][MAX_CFGS];
static const char *udamos_bin, *probe_bin, *recipe_file;
static unsigned reps = 3, seconds = 30;
static uint64_t footprint_mib = 2048, hot_mib = 512;

static void hist_add_diff(struct lat_hist *to, const struct lat_hist *now,
			  const struct lat_hist *before)
{
	uint64_t top = 0;

	to->n += now->n - before->n;
	for (unsigned b = 0; b < LAT_BUCKETS; b++) {
		to->b[b] += now->b[b] - before->b[b];
		if (now->b[b] != before->b[b])
			top = lat_bucket_floor(b);
	}
	/* The process keeps one max: where it was set before this stretch,
	 * the stretch's own is its highest bucket (within 6.25%). */
	if (now->max_ns > before->max_ns)
		top = now->max_ns;
	if (top > to->max_ns)
		to->max_ns = top;
}

/* Bytes of the hot set in huge pages, through pagemap and kpageflags. */
static uint64_t hot_huge(int pid, const struct lat_shared *sh)
{
	struct udamos_pagemap pm;
	uint64_t huge = 0, w0;

	if (udamos_pagemap_open(&pm, pid, -1))
		return 0;
	w0 = (sh->base + udamos_huge_size() - 1) & ~(udamos_huge_size() - 1);
	for (uint64_t w = w0; w + udamos_huge_size() <= sh->base + sh->hot; w += udamos_huge_size())
		huge += udamos_window_is_huge(&pm, w) ? udamos_huge_size() : 0;
	udamos_pagemap_close(&pm);
	return huge;
}

static int write_recipe(void)
{
	static char path[] = "/tmp/udamos-recipe-XXXXXX", fd_path[32];
	int fd = mkstemp(path);
	/* The kernel's sample hugepage module (damon-facts.md), as udamos
	 * schemes: applied by udamos here, since this kernel has no vaddr.
	 * Its age bound is 50 aggregations of its own kdamond (100 ms):
	 * written as the 5 s it means, since kdamond 0 aggregates every 5 s
	 * and 50 of its aggregations would be 250 s. */
	static const char json[] =
		"[{\"action\": \"collapse\", \"access_pattern\": {\"sz_region\": [\"2M\", \"max\"],"
		" \"access_rate\": [\"0\", \"max\"], \"age\": [\"5s\", \"max\"]},"
		" \"quotas\": {\"time\": \"10ms\", \"size\": \"128M\", \"reset_interval\": \"1s\","
		" \"weights\": {\"sz\": 0, \"access_rate\": 1, \"age\": 1},"
		" \"goals\": [{\"metric\": \"hugepage_mem_bp\", \"target\": 1000}],"
		" \"tuner\": \"temporal\"}}]\n";

	if (fd < 0)
		return -1;
	/* Named only through the descriptor, which every udamos run
	 * inherits: a bench killed midway leaves no file behind. */
	unlink(path);
	if (write(fd, json, sizeof(json) - 1) != (ssize_t)(sizeof(json) - 1))
		return -1;
	snprintf(fd_path, sizeof(fd_path), "/dev/fd/%d", fd);
	recipe_file = fd_path;
	return 0;
}

/* One second of the probe's trial, for UDAMOS_BENCH_TIMELINE. */
static void print_second(int c, unsigned s, const struct lat_shared *cur,
			 const struct lat_shared *prev, uint64_t hot_huge_b, uint64_t huge_b,
			 bool grew)
{
	struct lat_hist read = { 0 }, mm = { 0 };

	hist_add_diff(&read, &cur->read, &prev->read);
	hist_add_diff(&mm, &cur->mm, &prev->mm);
	fprintf(stderr, "  %s s %3u%s: reads %" PRIu64 " p99 %" PRIu64 " ns, mm p99 %" PRIu64
		" us, hot huge %" PRIu64 " MiB, huge %" PRIu64 " MiB\n", cfgs[c].name, s,
		grew ? " (grew)" : "", read.n, lat_percentile(&read, 0.99),
		lat_percentile(&mm, 0.99) / 1000, hot_huge_b >> 20, huge_b >> 20);
}

static void run_trial(struct bench_env *env, int c, struct trial *tr)
{
	char path[] = "/tmp/udamos-lat-XXXXXX", fp[24], hot[24], model[96];
	int fd = mkstemp(path), out_fd = -1;
	struct lat_shared *sh, prev, cur, first, phase_start, phase_end;
	int first_grew = -1, phase_end_s = -1, last_grew_s = -1;
	bool timeline = getenv("UDAMOS_BENCH_TIMELINE");
	double tput[MAX_SECONDS];
	uint64_t last_anon = 0, t0;
	pid_t probe, ud = 0;
	const char *extra[8] = { 0 };

	memset(tr, 0, sizeof(*tr));
	tr->t90 = -1;
	if (fd < 0 || ftruncate(fd, sizeof(*sh)))
		return;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (sh == MAP_FAILED || bench_thp_set(env, cfgs[c].thp))
		goto out_unlink;
	snprintf(fp, sizeof(fp), "%" PRIu64, footprint_mib);
	snprintf(hot, sizeof(hot), "%" PRIu64, hot_mib);
	probe = fork();
	if (probe == 0) {
		execl(probe_bin, "latency_probe", path, fp, hot,
		      cfgs[c].madvise ? "madvise" : NULL, (char *)NULL);
		_exit(127);
	}
	while (!__atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE))
		udamos_sleep_ms(50);
	/* Both map it now: a bench killed midway leaves no file behind. */
	unlink(path);
	udamos_sleep_ms(2000);		/* past the start-up faults */
	if (cfgs[c].udamos) {
		size_t n = 0;

		if (cfgs[c].opt) {
			extra[n++] = cfgs[c].opt;
			extra[n++] = cfgs[c].val;
		}
		if (cfgs[c].recipe) {
			/* The kernel's own action, which holds no table back. */
			extra[n++] = "--schemes";
			extra[n++] = recipe_file;
			extra[n++] = "--collapse_hold";
			extra[n++] = "off";
		}
		snprintf(model, sizeof(model), "hot=0x%" PRIx64 "+%" PRIu64 "M", sh->base, hot_mib);
		env->source = cfgs[c].oracle ? NULL : "auto";
		ud = bench_udamos_start(env, probe, seconds, model, extra, &out_fd);
	}
	prev = first = cur = *sh;
	t0 = udamos_now_us();
	for (unsigned s = 0; s < seconds && s < MAX_SECONDS; s++) {
		struct udamos_mem_usage mu = { 0 };
		uint64_t hh;
		bool grew;

		udamos_sleep_ms(1000);
		cur = *sh;
		udamos_read_mem_usage(probe, -1, &mu);
		tput[s] = (double)(cur.read.n - prev.read.n);
		grew = mu.anon_huge > last_anon;
		last_anon = mu.anon_huge;
		hh = hot_huge(probe, sh);
		if (timeline)
			print_second(c, s, &cur, &prev, hh, mu.anon_huge, grew);
		/* The collapse phase: from the first second in which huge
		 * memory grew to the second after the last, since on a host
		 * that shadows page tables a collapse's cost to the target
		 * shows up to a second later (as for Redis, app_redis.c). */
		if (grew && first_grew < 0) {
			first_grew = (int)s;
			phase_start = prev;
		}
		if (grew || (last_grew_s >= 0 && (unsigned)last_grew_s + 1 == s)) {
			phase_end = cur;
			phase_end_s = (int)s;
		}
		if (grew)
			last_grew_s = (int)s;
		tr->cov_pct = 100.0 * (double)hh / (double)sh->hot;
		tr->cold_huge = mu.anon_huge > hh ? mu.anon_huge - hh : 0;
		if (tr->t90 < 0 && tr->cov_pct >= 90)
			tr->t90 = (double)(udamos_now_us() - t0) / 1e6;
		prev = cur;
	}
	/* With nothing collapsing (the configurations without a phase, or
	 * a scheme that never started), the whole run is the phase. */
	if (first_grew < 0 || !cfgs[c].udamos) {
		phase_start = first;
		phase_end = cur;
		first_grew = 0;
		phase_end_s = (int)(seconds < MAX_SECONDS ? seconds : MAX_SECONDS) - 1;
	}
	hist_add_diff(&tr->read, &phase_end.read, &phase_start.read);
	hist_add_diff(&tr->mm, &phase_end.mm, &phase_start.mm);
	tr->active_s = (unsigned)(phase_end_s - first_grew + 1);
	tr->ops_per_s = bench_median(tput, seconds < MAX_SECONDS ? seconds : MAX_SECONDS);
	if (ud > 0) {
		struct bench_trial bt = { 0 };

		bench_udamos_finish(ud, out_fd, &bt);
		tr->udamos_cpu_pct = bt.udamos_cpu_pct;
	}
	kill(probe, SIGKILL);
	waitpid(probe, NULL, 0);
	tr->ran = true;
	munmap(sh, sizeof(*sh));
out_unlink:
	unlink(path);
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts a copy of v's n figures into s, and returns their median. */
static double sorted_median(const double *v, unsigned n, double s[MAX_REPS])
{
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), by_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Median and spread of a per-round figure. */
static void stats(const double *v, unsigned n, double *med, double *lo, double *hi)
{
	double s[MAX_REPS];

	*med = sorted_median(v, n, s);
	*lo = s[0];
	*hi = s[n - 1];
}

/* A round's figures for one configuration, in the table's order. */
enum { F_OPS, F_P50, F_P99, F_P999, F_MAX, F_MM99, F_ACTIVE, F_COV, F_T90, F_COLD, F_CPU,
       NR_FIGS };
static const char *const fig_keys[NR_FIGS] = {
	"reads_per_s", "read_p50_ns", "read_p99_ns", "read_p999_ns", "read_max_ns",
	"mm_p99_ns", "collapse_seconds", "hot_huge_pct", "t90_s", "cold_huge_mib",
	"udamos_cpu_pct",
};

static void trial_figures(const struct trial *t, double f[NR_FIGS])
{
	f[F_OPS] = (double)t->ops_per_s;
	f[F_P50] = (double)lat_percentile(&t->read, 0.5);
	f[F_P99] = (double)lat_percentile(&t->read, 0.99);
	f[F_P999] = (double)lat_percentile(&t->read, 0.999);
	f[F_MAX] = (double)t->read.max_ns;
	f[F_MM99] = (double)lat_percentile(&t->mm, 0.99);
	f[F_ACTIVE] = t->active_s;
	f[F_COV] = t->cov_pct;
	f[F_T90] = t->t90;
	f[F_COLD] = (double)t->cold_huge / (1 << 20);
	f[F_CPU] = t->udamos_cpu_pct;
}

/* Each figure's median over the rounds configuration c ran in. */
static void median_figures(int c, double med[NR_FIGS])
{
	double v[NR_FIGS][MAX_REPS], f[NR_FIGS], sorted[MAX_REPS];
	unsigned k = 0;

	for (unsigned r = 0; r < reps; r++) {
		if (!trials[r][c].ran)
			continue;
		trial_figures(&trials[r][c], f);
		for (int i = 0; i < NR_FIGS; i++)
			v[i][k] = f[i];
		k++;
	}
	for (int i = 0; i < NR_FIGS; i++)
		med[i] = sorted_median(v[i], k, sorted);
}

/* collapse_ms: what one collapse cost before each round (round_collapse_ms). */
static void report(bool json, const double *collapse_ms)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	json_object *cms = json_object_new_array();

	printf("| configuration | reads/s | read p50 | read p99 | read p99.9 | read max | "
	       "p99 / never (spread) | mm op p99 | mm p99 / never | collapse s | hot huge | "
	       "t90 | cold huge | udamos CPU |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (int c = 0; c < nr_cfgs; c++) {
		double r99[MAX_REPS], m99[MAX_REPS], med, lo, hi, mlo, mhi, mmed, f[NR_FIGS];
		char t90_s[16] = "-", cpu_s[16] = "-";
		json_object *o = json_object_new_object();
		unsigned n = 0;

		for (unsigned r = 0; r < reps; r++) {
			struct trial *t = &trials[r][c], *nv = &trials[r][L_NEVER];

			if (!t->ran || !nv->ran || !lat_percentile(&nv->read, 0.99))
				continue;
			r99[n] = (double)lat_percentile(&t->read, 0.99) /
				 (double)lat_percentile(&nv->read, 0.99);
			m99[n] = (double)lat_percentile(&t->mm, 0.99) /
				 (double)(lat_percentile(&nv->mm, 0.99) ? lat_percentile(&nv->mm, 0.99) : 1);
			n++;
		}
		if (!n) {
			json_object_put(o);
			continue;
		}
		stats(r99, n, &med, &lo, &hi);
		stats(m99, n, &mmed, &mlo, &mhi);
		median_figures(c, f);
		if (f[F_T90] >= 0)
			snprintf(t90_s, sizeof(t90_s), "%.0f s", f[F_T90]);
		if (cfgs[c].udamos)
			snprintf(cpu_s, sizeof(cpu_s), "%.1f%%", f[F_CPU]);
		printf("| %s | %.2fM | %.0f ns | %.0f ns | %.0f ns | %.1f ms | %.2f (%.2f-%.2f) | "
		       "%.0f us | %.2f (%.2f-%.2f) | %.0f | %.0f%% | %s | %.0f MiB | %s |\n",
		       cfgs[c].name, f[F_OPS] / 1e6, f[F_P50], f[F_P99], f[F_P999], f[F_MAX] / 1e6,
		       med, lo, hi, f[F_MM99] / 1e3, mmed, mlo, mhi, f[F_ACTIVE], f[F_COV], t90_s,
		       f[F_COLD], cpu_s);
		json_object_object_add(o, "config", json_object_new_string(cfgs[c].name));
		for (int i = 0; i < NR_FIGS; i++)
			json_object_object_add(o, fig_keys[i], json_object_new_double(f[i]));
		json_object_object_add(o, "p99_ratio", json_object_new_double(med));
		json_object_object_add(o, "p99_ratio_min", json_object_new_double(lo));
		json_object_object_add(o, "p99_ratio_max", json_object_new_double(hi));
		json_object_object_add(o, "mm_p99_ratio", json_object_new_double(mmed));
		json_object_object_add(o, "oracle_fed", json_object_new_boolean(cfgs[c].oracle));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "configs", arr);
	for (unsigned r = 0; r < reps; r++)
		json_object_array_add(cms, json_object_new_double(collapse_ms[r]));
	json_object_object_add(root, "collapse_ms_per_window", cms);
	if (json)
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
}

/* What one collapse cost on this machine just before round r: the hour's
 * kind, which the host decides (bench_collapse_ms). */
static double round_collapse_ms(unsigned r)
{
	double ms = bench_collapse_ms();

	fprintf(stderr, "bench: round %u: one collapse takes %.1f ms here now\n", r + 1, ms);
	return ms;
}

static void print_collapse_ms(const double *ms)
{
	printf("one collapse, ms per window, before each round:");
	for (unsigned r = 0; r < reps; r++)
		printf(" %.1f", ms[r]);
	printf("\n\n");
}

/*
 * Redis instead of the probe: redis-benchmark's own GET p99 and
 * throughput under THP=never, THP=always, jemalloc's THP path
 * (madvise+khugepaged) and udamos, rounds interleaved, each set against
 * the same round's never (and udamos's throughput against the THP path's).
 */
/* One Redis configuration: a base one, or udamos with one more option
 * (--vary), run with that option after every --udamos-arg. */
struct redis_row {
	int cfg;
	const char *opt, *val;
	char name[64];
};

static int run_redis_row(struct bench_env *env, uint64_t keys, const struct redis_row *row,
			 struct bench_trial *out)
{
	const char *const *base = env->udamos_args;
	const char *args[16];
	size_t n = 0;
	int err;

	for (const char *const *a = base; a && *a && n < 13; a++)
		args[n++] = *a;
	if (row->opt) {
		fprintf(stderr, "bench: the next udamos with %s %s\n", row->opt, row->val);
		args[n++] = row->opt;
		args[n++] = row->val;
	}
	args[n] = NULL;
	env->udamos_args = args;
	err = bench_app_redis(env, keys, seconds, out, &row->cfg, 1);
	env->udamos_args = base;
	return err;
}

static int redis_rounds(struct bench_env *env, uint64_t keys)
{
	static const int base[] = { CFG_NEVER, CFG_ALWAYS, CFG_KHUGEPAGED, CFG_UDAMOS_NEVER };
	static struct redis_row rows[MAX_CFGS];
	static struct bench_trial rt[MAX_REPS][MAX_CFGS];
	double collapse_ms[MAX_REPS];
	int nr_rows = 0;

	for (int c = 0; c < 4; c++) {
		rows[nr_rows].cfg = base[c];
		snprintf(rows[nr_rows++].name, sizeof(rows[0].name), "%s", bench_configs[base[c]].name);
	}
	for (int c = NR_BASE; c < nr_cfgs && nr_rows < MAX_CFGS; c++)
		if (cfgs[c].opt) {
			rows[nr_rows] = (struct redis_row){ .cfg = CFG_UDAMOS_NEVER,
				.opt = cfgs[c].opt, .val = cfgs[c].val };
			snprintf(rows[nr_rows++].name, sizeof(rows[0].name), "udamos (never), %s %s",
				 cfgs[c].opt, cfgs[c].val);
		}
	env->source = "auto";
	for (unsigned r = 0; r < reps; r++) {
		collapse_ms[r] = round_collapse_ms(r);
		for (int k = 0; k < nr_rows; k++) {
			int c = (k + (int)r) % nr_rows;

			if (run_redis_row(env, keys, &rows[c], &rt[r][c]))
				return 1;
		}
	}
	print_collapse_ms(collapse_ms);
	printf("| redis, %" PRIu64 " keys | GET/s | p99 | p99 / never (spread) | GET/s / never "
	       "| GET/s / THP path (spread) | huge | RSS |\n|---|---|---|---|---|---|---|---|\n",
	       keys);
	for (int c = 0; c < nr_rows; c++) {
		double tp[MAX_REPS], p99[MAX_REPS], rp[MAX_REPS], rt_never[MAX_REPS], rt_thp[MAX_REPS];
		double m, lo, hi, p99_med, rmed, rlo, rhi, mn, nlo, nhi, mt, tlo, thi;

		for (unsigned r = 0; r < reps; r++) {
			tp[r] = rt[r][c].steady;
			p99[r] = rt[r][c].steady_p99_ms;
			rp[r] = rt[r][0].steady_p99_ms > 0 ? p99[r] / rt[r][0].steady_p99_ms : 0;
			rt_never[r] = rt[r][0].steady > 0 ? tp[r] / rt[r][0].steady : 0;
			rt_thp[r] = rt[r][2].steady > 0 ? tp[r] / rt[r][2].steady : 0;
		}
		stats(tp, reps, &m, &lo, &hi);
		stats(p99, reps, &p99_med, &lo, &hi);
		stats(rp, reps, &rmed, &rlo, &rhi);
		stats(rt_never, reps, &mn, &nlo, &nhi);
		stats(rt_thp, reps, &mt, &tlo, &thi);
		printf("| %s | %.1fk | %.3f ms | %.2f (%.2f-%.2f) | %.3f (%.3f-%.3f) | %.3f "
		       "(%.3f-%.3f) | %" PRIu64 " MiB | %" PRIu64 " MiB |\n",
		       rows[c].name, m / 1e3, p99_med, rmed, rlo, rhi, mn, nlo, nhi,
		       mt, tlo, thi, rt[reps - 1][c].huge >> 20, rt[reps - 1][c].rss >> 20);
	}
	printf("\nGETs paced at 500/s (SCHED_FIFO%s) beside the load, each timed from when it was due; "
	       "p99 over the collapse phase (first second huge memory grew to the second "
	       "after the last; the whole run for the others) against the same round's "
	       "never:\n\n| configuration | p50 | p99 | p99 / never (spread) | p99.9 | "
	       "phase s (rounds) | p99 after the phase / never (spread) |\n"
	       "|---|---|---|---|---|---|---|\n", rt[0][0].paced_fifo ? "" : " refused: timed late");
	for (int c = 0; c < nr_rows; c++) {
		double p50[MAX_REPS], p99[MAX_REPS], p999[MAX_REPS], rp[MAX_REPS], ra[MAX_REPS];
		double m50, m99, m999, rmed, rlo, rhi, amed, alo, ahi, lo, hi;
		unsigned na = 0;

		for (unsigned r = 0; r < reps; r++) {
			const struct bench_trial *t = &rt[r][c], *nv = &rt[r][0];

			p50[r] = t->phase_p50_ms;
			p99[r] = t->phase_p99_ms;
			p999[r] = t->phase_p999_ms;
			rp[r] = nv->phase_p99_ms > 0 ? t->phase_p99_ms / nv->phase_p99_ms : 0;
			if (t->after_p99_ms > 0 && nv->phase_p99_ms > 0)
				ra[na++] = t->after_p99_ms / nv->phase_p99_ms;
		}
		stats(p50, reps, &m50, &lo, &hi);
		stats(p99, reps, &m99, &lo, &hi);
		stats(p999, reps, &m999, &lo, &hi);
		stats(rp, reps, &rmed, &rlo, &rhi);
		printf("| %s | %.3f ms | %.3f ms | %.2f (%.2f-%.2f) | %.3f ms |",
		       rows[c].name, m50, m99, rmed, rlo, rhi, m999);
		for (unsigned r = 0; r < reps; r++)
			printf("%s%u", r ? ", " : " ", rt[r][c].phase_s);
		if (na) {
			stats(ra, na, &amed, &alo, &ahi);
			printf(" | %.2f (%.2f-%.2f) |\n", amed, alo, ahi);
		} else {
			printf(" | - |\n");
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_env env = { 0 };
	const char *only = NULL;
	uint64_t redis_keys = 0;
	bool json = false;
	const char *udamos_args[9] = { NULL };
	double collapse_ms[MAX_REPS];
	size_t nr_udamos_args = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--udamos") && i + 1 < argc)
			udamos_bin = argv[++i];
		else if (!strcmp(argv[i], "--probe") && i + 1 < argc)
			probe_bin = argv[++i];
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--footprint") && i + 1 < argc)
			footprint_mib = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--hot") && i + 1 < argc)
			hot_mib = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--redis") && i + 1 < argc)
			redis_keys = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--udamos-arg") && i + 1 < argc) {
			if (nr_udamos_args == 8) {
				fprintf(stderr, "latency: --udamos-arg: at most 8; put the rest "
					"in a --schemes file\n");
				return 2;
			}
			udamos_args[nr_udamos_args++] = argv[++i];
		}
		else if (!strcmp(argv[i], "--budget") && i + 1 < argc && nr_cfgs < MAX_CFGS) {
			/* One more oracle-fed udamos at this mmap_lock budget. */
			struct lat_cfg *c = &cfgs[nr_cfgs++];

			*c = cfgs[L_ORACLE];
			c->opt = "--mmap_lock_budget";
			c->val = argv[++i];
			snprintf(c->name, sizeof(c->name), "udamos, budget %s, oracle-fed (bound)",
				 c->val);
		} else if (!strcmp(argv[i], "--spacing") && i + 1 < argc && nr_cfgs < MAX_CFGS) {
			add_varied(&cfgs[nr_cfgs++], "--churn_spacing", argv[++i]);
		} else if (!strcmp(argv[i], "--vary") && i + 2 < argc && nr_cfgs < MAX_CFGS) {
			add_varied(&cfgs[nr_cfgs++], argv[i + 1], argv[i + 2]);
			i += 2;
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			/* never and the named base configurations' indexes, e.g. 0,4 */
			only = argv[++i];
		}
		else {
			fprintf(stderr, "latency: unknown option '%s'; see bench/latency.c\n", argv[i]);
			return 2;
		}
	}
	if (!udamos_bin || !probe_bin || !reps || reps > MAX_REPS || !seconds ||
	    seconds > MAX_SECONDS || hot_mib * 2 > footprint_mib) {
		fprintf(stderr, "latency: needs --udamos BIN --probe BIN, 1-%d reps, 1-%d seconds, "
			"--hot at most half of --footprint\n", MAX_REPS, MAX_SECONDS);
		return 2;
	}
	env.udamos = udamos_bin;
	env.udamos_args = udamos_args;
	if (redis_keys) {
		int rc;

		if (bench_thp_guard(&env))
			return 3;
		rc = redis_rounds(&env, redis_keys);
		udamos_guard_restore(&env.guard);
		return rc;
	}
	if (only)
		for (int c = 1; c < NR_BASE; c++)
			if (!strchr(only, '0' + c))
				cfgs[c].thp = NULL;	/* skipped */
	if (write_recipe() || bench_thp_guard(&env)) {
		fprintf(stderr, "latency: cannot set up (root needed for THP modes)\n");
		return 3;
	}
	for (unsigned r = 0; r < reps; r++) {
		collapse_ms[r] = round_collapse_ms(r);
		for (int k = 0; k < nr_cfgs; k++) {
			/* Rotated, so that no configuration always runs first. */
			int c = (k + (int)r) % nr_cfgs;

			if (!cfgs[c].thp)
				continue;
			fprintf(stderr, "latency: round %u/%u, %s\n", r + 1, reps, cfgs[c].name);
			run_trial(&env, c, &trials[r][c]);
		}
	}
	if (!json)
		print_collapse_ms(collapse_ms);
	report(json, collapse_ms);
	return 0;
}
