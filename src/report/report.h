/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the report commands compute from a recording: a heatmap of access
 * over time and address, working-set sizes, one snapshot's regions with
 * their huge-page coverage, and hot/cold huge-page coverage over time.
 * Pure functions of the recording; drawing is the CLI's business.
 */
#ifndef UDAMOS_REPORT_H
#define UDAMOS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "record/record.h"

/* Access rate of a region in percent of the maximum, 0..100. */
double udamos_rate_pct(const struct udamos_region *r, uint32_t max_nr_accesses);

struct udamos_heatmap {
	size_t rows, cols;		/* rows: address bins, cols: time bins */
	double *cell;			/* rows * cols, access %; -1: nothing there */
	uint64_t t0_us, t1_us;		/* time covered */
	/* The address axis: these ranges laid end to end, gaps left out. */
	struct udamos_rec_range *segs;
	size_t nr_segs;
	uint64_t axis_bytes;
};

/*
 * Builds the heatmap of one target.  [t_from, t_to) in µs since the first
 * snapshot (0, 0: all); [a_from, a_to) an address range, or 0, 0 for the
 * default axis: the ranges ever monitored, hottest first until they hold
 * 99% of the accesses, shown in address order without the gaps between.
 * Returns 0, -ENOENT (nothing in range) or -ENOMEM.
 */
int udamos_heatmap_build(const struct udamos_recording *rec, uint32_t target, size_t rows,
			 size_t cols, uint64_t t_from, uint64_t t_to, uint64_t a_from,
			 uint64_t a_to, struct udamos_heatmap *out);
/* First address of a row. */
uint64_t udamos_heatmap_row_addr(const struct udamos_heatmap *h, size_t row);
void udamos_heatmap_free(struct udamos_heatmap *h);

/* Bytes of the snapshot accessed at >= min_pct of the maximum rate. */
uint64_t udamos_wss(const struct udamos_snapshot *s, double min_pct);

/* Bytes of [start, end) inside the sorted ranges. */
uint64_t udamos_ranges_overlap(const struct udamos_rec_range *r, size_t nr, uint64_t start,
			       uint64_t end);

#endif
