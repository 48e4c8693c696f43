// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * How well, how fast and how cheaply a monitoring source finds a known hot
 * set.  Starts the hot/cold workload in one of four layouts, runs the
 * source, and scores every aggregation against the truth over 2 MiB
 * windows: a window counts as found hot when its region saw >= 5% of the
 * samples (the default collapse scheme's threshold).  Prints figures; it
 * asserts nothing.
 *
 *   monitor_accuracy WORKLOAD [--source auto|shared|paddr|vaddr|oracle] [--layout L]
 *                    [--footprint SIZE] [--hot SIZE] [--seconds N] [--json]
 *   L: contiguous | scattered (every 8th window) | moving (after 30 s,
 *      or half the run) | moderate (about 100 reads per page per second)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hugewin.h"
#include "core/units.h"
#include "source/frames.h"
#include "source/paddr.h"
#include "source/select.h"
#include "source/synthetic.h"
#include "sys/clock.h"
#include "sys/damon.h"
#include "sys/guard.h"
#include "sys/target.h"
#include "workload/hotcold.h"

struct opts {
	const char *workload, *source, *layout;
	uint64_t footprint, hot;
	unsigned seconds;
	bool json;
};

static int parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .source = "paddr", .layout = "contiguous",
		.footprint = 4ULL << 30, .hot = 512ULL << 20, .seconds = 40 };
	if (argc < 2)
		return -1;
	o->workload = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "";

		if (!strcmp(argv[i], "--json"))
			o->json = true;
		else if (!strcmp(argv[i], "--source") && ++i)
			o->source = v;
		else if (!strcmp(argv[i], "--layout") && ++i)
			o->layout = v;
		else if (!strcmp(argv[i], "--footprint") && ++i)
			udamos_parse_size(v, &o->footprint);
		else if (!strcmp(argv[i], "--hot") && ++i)
			udamos_parse_size(v, &o->hot);
		else if (!strcmp(argv[i], "--seconds") && ++i)
			o->seconds = (unsigned)atoi(v);
		else
			return -1;
	}
	return 0;
}

static void layout(const struct opts *o, struct udamos_workload_cfg *wc)
{
	*wc = (struct udamos_workload_cfg){ .footprint = o->footprint, .hot_size = o->hot,
		.hot_offset = o->footprint / 8, .exec_path = o->workload };
	if (!strcmp(o->layout, "scattered")) {
		/* Every 8th window: 512 MiB of them span a whole 4 GiB. */
		wc->hot_stride = 8;
		wc->hot_offset = 0;
	} else if (!strcmp(o->layout, "scattered4")) {
		/* Every 4th window, from the middle of the footprint's first half. */
		wc->hot_stride = 4;
		wc->hot_offset = 0;
	}
	else if (!strcmp(o->layout, "moving")) {
		wc->move_after_us = (o->seconds >= 60 ? 30 : o->seconds / 2) * 1000000ULL;
		wc->move_offset = o->footprint / 2;
	} else if (!strcmp(o->layout, "moderate"))
		wc->page_rate = 100;
}

/* A synthetic model of exactly the workload's hot windows. */
static char *model_of(const struct udamos_workload_cfg *wc, uint64_t base)
{
	static uint64_t win[65536];
	size_t cap = 1 << 20, len = 0;
	char *m = malloc(cap);

	for (int phase = 0; phase < 2; phase++) {
		size_t n = udamos_workload_hot_windows(wc, phase, win, 65536);

		if (phase && !wc->move_after_us)
			break;
		if (phase)
			len += (size_t)snprintf(m + len, cap - len, "phase=%" PRIu64 "us,",
						wc->move_after_us);
		for (size_t i = 0; i < n && len < cap - 64; i++)
			len += (size_t)snprintf(m + len, cap - len, "hot=0x%" PRIx64 "+2M@%s,",
						base + win[i], wc->page_rate ? "0.4" : "1");
	}
	m[len ? len - 1 : 0] = '\0';
	return m;
}


/* Precision and recall of one snapshot against the hot windows. */
/*
 * Precision and recall of the windows the monitor calls hot, at the
 * default collapse scheme's own threshold: what a user gets by default.
 */
static void score(const struct udamos_snapshot *sn, const uint64_t *hot, size_t nr_hot,
		  uint64_t base, double *p, double *r)
{
	struct udamos_scheme def;
	size_t tp = 0, fp = 0;

	udamos_scheme_default_collapse(&def);
	for (size_t i = 0; i < sn->nr_regions; i++) {
		const struct udamos_region *g = &sn->regions[i];
		uint64_t first, end;

		if ((uint64_t)g->nr_accesses * 10000 < def.pattern.rate.min * sn->max_nr_accesses ||
		    !udamos_owned_windows(g->start, g->end, &first, &end))
			continue;
		for (uint64_t w = first; w < end; w += udamos_huge_size()) {
			bool truth = false;

			/* Binary search: hot offsets are sorted. */
			for (size_t lo = 0, hi = nr_hot; lo < hi && !truth;) {
				size_t mid = (lo + hi) / 2;

				if (base + hot[mid] == w)
					truth = true;
				else if (base + hot[mid] < w)
					lo = mid + 1;
				else
					hi = mid;
			}
			tp += truth;
			fp += !truth;
		}
	}
	*p = tp + fp ? (double)tp / (double)(tp + fp) : 0.0;
	*r = nr_hot ? (double)tp / (double)nr_hot : 0.0;
}

int main(int argc, char **argv)
{
	static uint64_t hot[65536];
	struct udamos_workload_cfg wc;
	struct udamos_workload w;
	struct udamos_target target;
	struct udamos_source *src = NULL;
	struct udamos_guard guard;
	struct udamos_model model = { 0 };
	volatile int stop = 0;
	struct opts o;
	char why[512];
	double p = 0, r = 0, t_found = -1;
	uint64_t t0, cpu0, kcpu0 = 0, hot_since_us;
	size_t nr_hot;
	bool moved = false;
	int kpid = 0, err;

	if (parse(argc, argv, &o)) {
		fprintf(stderr, "usage: %s WORKLOAD [--source auto|shared|paddr|vaddr|oracle] [--layout "
			"contiguous|scattered|moving|moderate] [--footprint SIZE] [--hot SIZE] "
			"[--seconds N] [--json]\n", argv[0]);
		return 2;
	}
	layout(&o, &wc);
	if (udamos_workload_start(&wc, &w) || udamos_target_open(&target, w.pid)) {
		fprintf(stderr, "monitor_accuracy: cannot start the workload (layout too big?)\n");
		return 1;
	}
	udamos_guard_init(&guard);
	{
		/* The source as `udamos run` picks it: auto (real monitoring) or
		 * another named one; "oracle" is a model of exactly the hot
		 * windows, an upper bound. */
		char *spec = !strcmp(o.source, "oracle") ? model_of(&wc, w.shared->base) : NULL;
		char oracle[64 + 32 * 24];
		struct udamos_source_req q = {
			.spec = o.source, .targets = &target, .nr_targets = 1,
			.damon_root = UDAMOS_DAMON_ROOT, .guard = &guard, .log = stderr,
			.stop = &stop, .model = &model,
		};

		if (spec) {
			snprintf(oracle, sizeof(oracle), "oracle:%s", spec);
			q.spec = oracle;
			free(spec);
		}
		err = udamos_source_open(&q, &src, why, sizeof(why));
	}
	if (err) {
		fprintf(stderr, "monitor_accuracy: %s source unavailable: %s\n", o.source, why);
		udamos_workload_stop(&w);
		udamos_guard_restore(&guard);
		return 3;
	}
	if (src->ops->kernel_pid)
		kpid = src->ops->kernel_pid(src);
	nr_hot = udamos_workload_hot_windows(&wc, false, hot, 65536);
	t0 = hot_since_us = udamos_now_us();
	cpu0 = udamos_self_cpu_us();
	if (kpid > 0)
		if (udamos_pid_cpu_us(kpid, &kcpu0))
			kpid = 0;
	while (udamos_now_us() - t0 < o.seconds * 1000000ULL) {
		struct udamos_snapshot *sn;
		size_t n;

		if (udamos_source_next(src, &sn, &n))
			break;
		/* The workload says when it moved: its clock started earlier. */
		if (!moved && __atomic_load_n(&w.shared->moved, __ATOMIC_ACQUIRE)) {
			nr_hot = udamos_workload_hot_windows(&wc, true, hot, 65536);
			moved = true;
			hot_since_us = udamos_now_us();
			t_found = -1;
		}
		score(&sn[0], hot, nr_hot, w.shared->base, &p, &r);
		if (t_found < 0 && p >= 0.95 && r >= 0.95)
			t_found = (double)(udamos_now_us() - hot_since_us) / 1e6;
	}
	{
		double secs = (double)(udamos_now_us() - t0) / 1e6;
		double cpu = 100.0 * (double)(udamos_self_cpu_us() - cpu0) / 1e6 / secs;
		uint64_t kcpu1 = kcpu0;
		double kcpu;

		if (kpid > 0)
			udamos_pid_cpu_us(kpid, &kcpu1);
		kcpu = 100.0 * (double)(kcpu1 - kcpu0) / 1e6 / secs;

		if (o.json)
			printf("{\"source\":\"%s\",\"layout\":\"%s\",\"footprint\":%" PRIu64
			       ",\"hot\":%" PRIu64 ",\"seconds\":%.1f,\"precision\":%.3f,"
			       "\"recall\":%.3f,\"time_to_95_s\":%.1f,\"udamos_cpu_pct\":%.2f,"
			       "\"kdamond_cpu_pct\":%.2f}\n", o.source, o.layout, o.footprint, o.hot,
			       secs, p, r, t_found, cpu, kcpu);
		else
			printf("%-9s %-10s %5" PRIu64 " MiB, hot %4" PRIu64 " MiB: precision %.2f "
			       "recall %.2f at the end; P,R >= 0.95 after %s; CPU udamos %.2f%% "
			       "kdamond %.2f%%\n", o.source, o.layout, o.footprint >> 20, o.hot >> 20,
			       p, r, t_found < 0 ? "never" : (snprintf(why, 32, "%.1f s", t_found), why),
			       cpu, kcpu);
	}
	udamos_source_destroy(src);
	udamos_model_release(&model);
	udamos_guard_restore(&guard);
	udamos_target_close(&target);
	udamos_workload_stop(&w);
	return 0;
}
