// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the blind-spot flush costs the target: the built-in workload runs
 * once, and the flush (sys/blindspot.h: MADV_COLD on one whole hot 2 MiB
 * window) is switched on and off in alternating phases of --phase seconds
 * within that one run.  Whole-run pairs vary by up to 25% on this machine
 * kind and cannot resolve a 2% cost; phases a few seconds apart can.
 *
 *   flush_cost WORKLOAD [--footprint SIZE] [--hot SIZE] [--phase S]
 *              [--pairs N] [--period MS]... [--json]
 *
 * Each period is measured in its own set of pairs.  For each, the ratio
 * of each "on" phase's throughput to the mean of the "off" phases around
 * it; printed: median ratio, its spread (min, max, quartiles), and the
 * cost as 1 - median.  Figures, not assertions.
 */
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/units.h"
#include "sys/blindspot.h"
#include "sys/clock.h"
#include "sys/pidfd.h"
#include "workload/hotcold.h"

#define MAX_PERIODS 8
#define MAX_PAIRS 64

struct opts {
	const char *workload;
	uint64_t footprint, hot;
	unsigned phase_s, pairs;
	uint64_t period_ms[MAX_PERIODS];
	size_t nr_periods;
	bool json;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double quantile(double *v, size_t n, double q)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(size_t)(q * (double)(n - 1) + 0.5)];
}

/* Reads per second over one phase, flushing every period_us if asked. */
static double phase(struct udamos_workload *w, int pidfd, uint64_t window, uint64_t secs,
		    uint64_t period_us, uint64_t *flushes)
{
	uint64_t t0 = udamos_now_us(), r0 = w->shared->reads, next = t0;
	uint64_t end = t0 + secs * 1000000;

	while (udamos_now_us() < end) {
		uint64_t now = udamos_now_us();

		if (period_us && now >= next) {
			if (!udamos_tlb_flush(pidfd, window, udamos_huge_size()))
				(*flushes)++;
			next = now + period_us;
		}
		usleep(period_us && period_us < 20000 ? (useconds_t)(period_us / 4) : 5000);
	}
	return (double)(w->shared->reads - r0) * 1e6 / (double)(udamos_now_us() - t0);
}

static int parse(int argc, char **argv, struct opts *o)
{
	if (argc < 2)
		return -1;
	o->workload = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		}
		if (!v)
			return -1;
		i++;
		if (!strcmp(a, "--footprint") && !udamos_parse_size(v, &o->footprint))
			continue;
		if (!strcmp(a, "--hot") && !udamos_parse_size(v, &o->hot))
			continue;
		if (!strcmp(a, "--phase"))
			o->phase_s = (unsigned)atoi(v);
		else if (!strcmp(a, "--pairs"))
			o->pairs = (unsigned)atoi(v);
		else if (!strcmp(a, "--period") && o->nr_periods < MAX_PERIODS)
			o->period_ms[o->nr_periods++] = strtoull(v, NULL, 10);
		else
			return -1;
	}
	if (!o->nr_periods)
		o->period_ms[o->nr_periods++] = 1000;
	return o->phase_s && o->pairs && o->pairs <= MAX_PAIRS ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct opts o = { .footprint = 4ULL << 30, .hot = 1ULL << 30, .phase_s = 5, .pairs = 12 };
	struct udamos_workload_cfg wc;
	struct udamos_workload w;
	json_object *root = json_object_new_object(), *rows = json_object_new_array();
	int pidfd;

	if (parse(argc, argv, &o)) {
		fprintf(stderr, "usage: %s WORKLOAD [--footprint SIZE] [--hot SIZE] [--phase S] "
			"[--pairs N] [--period MS]... [--json]\n", argv[0]);
		return 2;
	}
	wc = (struct udamos_workload_cfg){ .footprint = o.footprint, .hot_offset = o.footprint / 4,
		.hot_size = o.hot, .exec_path = o.workload };
	if (udamos_workload_start(&wc, &w)) {
		fprintf(stderr, "cannot start the workload\n");
		return 1;
	}
	pidfd = udamos_pidfd_open(w.pid);
	sleep(3);	/* past the first touches */
	if (!o.json)
		printf("flush cost: %llu MiB workload, %llu MiB hot, phases of %u s, %u pairs per "
		       "period\n", (unsigned long long)(o.footprint >> 20),
		       (unsigned long long)(o.hot >> 20), o.phase_s, o.pairs);
	for (size_t p = 0; p < o.nr_periods; p++) {
		double off[MAX_PAIRS + 1], ratio[MAX_PAIRS], on_v[MAX_PAIRS], off_v[MAX_PAIRS + 1];
		uint64_t window = w.shared->base + wc.hot_offset, flushes = 0;
		json_object *row = json_object_new_object();
		double med, q1, q3, lo, hi, on_med, off_med;

		off[0] = phase(&w, pidfd, window, o.phase_s, 0, &flushes);
		for (unsigned k = 0; k < o.pairs; k++) {
			double on = phase(&w, pidfd, window, o.phase_s, o.period_ms[p] * 1000,
					  &flushes);

			off[k + 1] = phase(&w, pidfd, window, o.phase_s, 0, &flushes);
			ratio[k] = on / ((off[k] + off[k + 1]) / 2);
			on_v[k] = on;
		}
		memcpy(off_v, off, sizeof(off));
		med = quantile(ratio, o.pairs, 0.5);
		q1 = quantile(ratio, o.pairs, 0.25);
		q3 = quantile(ratio, o.pairs, 0.75);
		lo = ratio[0];
		hi = ratio[o.pairs - 1];
		on_med = quantile(on_v, o.pairs, 0.5);
		off_med = quantile(off_v, o.pairs + 1, 0.5);
		if (!o.json)
			printf("period %5llu ms: on %.1f M/s, off %.1f M/s (medians); on/off %.3f "
			       "(quartiles %.3f-%.3f, range %.3f-%.3f); cost %.1f%%; %llu flushes\n",
			       (unsigned long long)o.period_ms[p], on_med / 1e6, off_med / 1e6, med,
			       q1, q3, lo, hi, 100.0 * (1.0 - med), (unsigned long long)flushes);
		json_object_object_add(row, "period_ms", json_object_new_uint64(o.period_ms[p]));
		json_object_object_add(row, "on_median", json_object_new_double(on_med));
		json_object_object_add(row, "off_median", json_object_new_double(off_med));
		json_object_object_add(row, "ratio_median", json_object_new_double(med));
		json_object_object_add(row, "ratio_q1", json_object_new_double(q1));
		json_object_object_add(row, "ratio_q3", json_object_new_double(q3));
		json_object_object_add(row, "ratio_min", json_object_new_double(lo));
		json_object_object_add(row, "ratio_max", json_object_new_double(hi));
		json_object_object_add(row, "cost_pct", json_object_new_double(100.0 * (1.0 - med)));
		json_object_object_add(row, "flushes", json_object_new_uint64(flushes));
		json_object_array_add(rows, row);
	}
	json_object_object_add(root, "periods", rows);
	if (o.json)
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	close(pidfd);
	udamos_workload_stop(&w);
	return 0;
}
