/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the THP comparison benchmark shares between its workloads: the
 * configurations under test, global THP state (changed only through the
 * restore guard), a udamos child run against a target, and one trial's
 * measurements.  Figures only: nothing here asserts.
 */
#ifndef UDAMOS_BENCH_H
#define UDAMOS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sys/guard.h"

/* One way of getting huge pages, or none. */
struct bench_config {
	const char *name;
	const char *thp;	/* THP enabled mode during the run */
	bool madvise_hot;	/* MADV_HUGEPAGE on the hot set, khugepaged collapses */
	bool udamos;		/* udamos run with the default collapse scheme */
};

enum { CFG_NEVER, CFG_ALWAYS, CFG_KHUGEPAGED, CFG_UDAMOS_NEVER, CFG_UDAMOS_MADVISE, NR_CFGS };
extern const struct bench_config bench_configs[NR_CFGS];

#define BENCH_MAX_SAMPLES 1024

struct bench_trial {
	int cfg;
	unsigned nr;			/* samples, one per second */
	double t[BENCH_MAX_SAMPLES];	/* seconds since the measured start */
	double tput[BENCH_MAX_SAMPLES];	/* operations per second */
	double p99_ms[BENCH_MAX_SAMPLES];	/* request latency p99 (Redis) */
	double steady_p99_ms;		/* median of p99_ms over the run */
	/* Redis: GETs paced at a fixed rate beside the load, timed from when
	 * each was due, over the collapse phase (the whole run where there
	 * is none) and after it (0: no such seconds) */
	double phase_p50_ms, phase_p99_ms, phase_p999_ms, after_p99_ms;
	unsigned phase_s;		/* seconds in the phase, 0: none */
	uint64_t paced_wrong;		/* paced GETs that failed */
	bool paced_fifo;		/* their thread ran SCHED_FIFO */
	double cov[BENCH_MAX_SAMPLES];	/* hot-set huge coverage, % (-1: n/a) */
	double steady;			/* median throughput of the last half */
	double t90;			/* seconds to 90% coverage, -1: not reached */
	uint64_t rss, huge;		/* bytes at the end */
	double udamos_cpu_pct, kdamond_cpu_pct;	/* over the whole run */
	/* udamos's CPU over the second half: monitoring once the one-off
	 * collapse work (kernel time spent copying, charged to udamos) is done */
	double steady_cpu_pct;
	uint64_t cpu_mid_us, cpu_mid_at_us;
	uint64_t failures;		/* windows the kernel refused, all errnos */
	uint64_t tlb_flushes;		/* made for the blind spot (cost counted in CPU) */
	/* The kdamond is someone else's (the shared source): its CPU is shown
	 * beside udamos's, for reference, never added to it. */
	bool kdamond_shared;
	bool intact;			/* the target's data verified */
};

struct bench_env {
	const char *udamos;		/* path of the udamos binary */
	const char *workload;		/* path of udamos-workload */
	/* "auto": real monitoring; NULL: the oracle (--oracle only) */
	const char *source;
	bool oracle;
	char source_note[512];
	struct udamos_guard guard;
	bool verbose;
	/* More options for every udamos run, after the benchmark's own
	 * (NULL-terminated, or NULL): a scheme or quota under trial. */
	const char *const *udamos_args;
};

/* Saves THP and khugepaged settings in the guard and arms it.  0 or -errno. */
int bench_thp_guard(struct bench_env *env);
/* THP mode for one run, with khugepaged at its kernel defaults. */
int bench_thp_set(struct bench_env *env, const char *mode);

/*
 * Milliseconds one MADV_COLLAPSE of a huge-page window takes here, now
 * (64 windows of this process's own memory), or -1.  Where free memory
 * is handed back to a VM's host (free page reporting), each new huge page
 * is faulted in by the host first, and that varies with the host from
 * hour to hour: this says which kind of hour a round ran in.  Takes 15 s
 * and more: memory freed just before would read as fast.
 */
double bench_collapse_ms(void);

/*
 * Starts "udamos run" against pid for duration_s with the default collapse
 * scheme; model (a synthetic source spec) is used when env->source is
 * NULL; extra (NULL-terminated, or NULL) are more options for udamos run.
 * Returns the child's pid, or -errno.
 */
pid_t bench_udamos_start(const struct bench_env *env, pid_t pid, unsigned duration_s,
			 const char *model, const char *const *extra, int *out_fd);
/* udamos's CPU time so far (user + system), µs; 0 if unknown. */
uint64_t bench_cpu_us(pid_t pid);
/* Waits for it and fills the trial's CPU figures from its report. */
void bench_udamos_finish(pid_t child, int out_fd, struct bench_trial *tr);

/* Median of v[from..n). */
double bench_median(const double *v, size_t n);
/* First sample time at which coverage reached 90%, or -1. */
double bench_t90(const struct bench_trial *tr);

/* Runs the real application part; fills one trial per configuration. */
int bench_app_redis(struct bench_env *env, uint64_t keys, unsigned seconds,
		    struct bench_trial *out, const int *cfgs, size_t nr_cfgs);

#endif
