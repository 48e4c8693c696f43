// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The user-space cost of the paddr source on this hardware, without a
 * kdamond: reading a real target's page frames from pagemap (done every
 * refresh), and projecting a 10000-region physical snapshot onto its
 * windows (done every aggregation).  Prints milliseconds and the share of
 * one CPU at the default intervals.  Needs root (page frames).
 *
 *   paddr_cost WORKLOAD FOOTPRINT [REPEATS]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/projection.h"
#include "core/rng.h"
#include "core/units.h"
#include "source/frames.h"
#include "source/paddr.h"
#include "sys/clock.h"
#include "sys/pagemap.h"
#include "sys/target.h"
#include "workload/hotcold.h"

#define REGIONS 10000
#define AGGR_US 100000.0
/* As the source schedules it: at most its budget, at least the minimum. */
static double refresh_us(uint64_t read_us)
{
	double budgeted = (double)read_us * 1000.0 / UDAMOS_FRAMES_BUDGET_PERMIL;

	return budgeted > UDAMOS_FRAMES_REFRESH_US ? budgeted : UDAMOS_FRAMES_REFRESH_US;
}

int main(int argc, char **argv)
{
	struct udamos_workload_cfg wc = { .hot_size = 512ULL << 20 };
	struct udamos_workload w;
	struct udamos_target t;
	struct udamos_extent *ext = NULL;
	struct udamos_region *phys;
	struct udamos_window_ages ages = { 0 };
	struct udamos_snapshot out = { 0 };
	struct udamos_projection proj;
	struct udamos_rng rng;
	size_t n = 0, cap = 0, nr_ranges, repeats = argc > 3 ? (size_t)atoi(argv[3]) : 50;
	uint64_t (*ranges)[2], t0, read_us, proj_us, lo, span;

	if (argc < 3 || udamos_parse_size(argv[2], &wc.footprint)) {
		fprintf(stderr, "usage: %s WORKLOAD FOOTPRINT [REPEATS]\n", argv[0]);
		return 2;
	}
	wc.exec_path = argv[1];
	wc.hot_offset = wc.footprint / 8;
	if (udamos_workload_start(&wc, &w) || udamos_target_open(&t, w.pid) ||
	    udamos_target_vmas(&t)) {
		fprintf(stderr, "paddr_cost: cannot start the workload\n");
		return 1;
	}
	t0 = udamos_now_us();
	for (size_t v = 0; v < t.nr_vmas; v++)
		if (t.vmas[v].readable && udamos_pagemap_extents(&t.pm, t.vmas[v].start,
							       t.vmas[v].end, &ext, &n, &cap)) {
			fprintf(stderr, "paddr_cost: no page frames (needs root)\n");
			return 1;
		}
	udamos_extents_by_pfn(ext, &n);
	ranges = malloc(REGIONS / 4 * sizeof(*ranges));
	nr_ranges = udamos_phys_ranges(ext, n, REGIONS / 4, ranges);
	udamos_projection_build(&proj, ext, n);
	read_us = udamos_now_us() - t0;

	/* A physical snapshot like the kdamond's: REGIONS regions over the
	 * monitored span, with random rates. */
	lo = ranges[0][0];
	span = ranges[nr_ranges - 1][1] - lo;
	phys = malloc(REGIONS * sizeof(*phys));
	udamos_rng_seed(&rng, 1);
	for (size_t i = 0; i < REGIONS; i++)
		phys[i] = (struct udamos_region){
			.start = (lo + span / REGIONS * i) & ~4095ULL,
			.end = i + 1 == REGIONS ? lo + span : (lo + span / REGIONS * (i + 1)) & ~4095ULL,
			.nr_accesses = (uint32_t)udamos_rng_below(&rng, 21),
		};
	t0 = udamos_now_us();
	for (size_t i = 0; i < repeats; i++)
		udamos_projection_run(&proj, phys, REGIONS, &ages, UDAMOS_PROJ_RATE_SMOOTHED, &out);
	proj_us = (udamos_now_us() - t0) / repeats;

	printf("%6" PRIu64 " MiB: %zu extents, %zu ranges; pagemap read + plan %.1f ms "
	       "(every %.0f s: %.2f%% of a CPU); projection %.2f ms (every 100 ms: %.2f%%); "
	       "user-space total %.2f%% of a CPU\n",
	       wc.footprint >> 20, n, nr_ranges, read_us / 1e3, refresh_us(read_us) / 1e6,
	       100.0 * read_us / refresh_us(read_us), proj_us / 1e3, 100.0 * proj_us / AGGR_US,
	       100.0 * (read_us / refresh_us(read_us) + proj_us / AGGR_US));
	free(out.regions);
	udamos_projection_release(&proj);
	udamos_window_ages_release(&ages);
	free(phys);
	free(ranges);
	free(ext);
	udamos_target_close(&t);
	udamos_workload_stop(&w);
	return 0;
}
