// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tables: what each page table of a running process maps, over time.
 * One page table of PMD entries maps udamos_table_span() (1 GiB with 4 KiB
 * pages); on a host that shadows the guest's page tables, one that maps
 * both huge and small pages slows its small ones (bench/mixed_table).
 * Every PERIOD seconds it prints, per table of the process's anonymous
 * mappings, its huge windows and its windows with small pages present,
 * and how many tables are mixed.  It only reads (pagemap, kpageflags).
 *
 * usage: tables PID [SECONDS [PERIOD]]   (root, for kpageflags)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/clock.h"
#include "sys/pagemap.h"
#include "sys/procfs.h"
#include "udamos/snapshot.h"

#define MAX_TABLES 256

struct table {
	uint64_t index;
	unsigned huge, small;
};

static struct table *table_of(struct table *t, size_t *n, uint64_t index)
{
	for (size_t i = 0; i < *n; i++)
		if (t[i].index == index)
			return &t[i];
	if (*n == MAX_TABLES)
		return NULL;
	t[*n] = (struct table){ .index = index };
	return &t[(*n)++];
}

/* One line: each table as index:huge/small, then the mixed count. */
static int sample(pid_t pid, const struct udamos_pagemap *pm, double at_s)
{
	struct table t[MAX_TABLES];
	struct udamos_vma *v;
	size_t nv, nt = 0;
	unsigned mixed = 0;
	int err = udamos_read_vmas(pid, -1, &v, &nv);

	if (err)
		return err;
	for (size_t i = 0; i < nv; i++) {
		uint64_t hs = udamos_huge_size(), w = (v[i].start + hs - 1) / hs * hs;

		for (; v[i].anon && w + hs <= v[i].end; w += hs) {
			uint64_t pages;
			bool huge;
			struct table *x;

			if (udamos_window_read(pm, w, &pages, &huge) || !pages)
				continue;
			x = table_of(t, &nt, w / udamos_table_span());
			if (x && huge)
				x->huge++;
			else if (x)
				x->small++;
		}
	}
	free(v);
	printf("t=%.0f", at_s);
	for (size_t i = 0; i < nt; i++) {
		mixed += t[i].huge && t[i].small;
		/* Tables of a few windows (stacks, libraries' data) are left out
		 * of the line, not of the count. */
		if (t[i].huge + t[i].small >= 8)
			printf(" %" PRIx64 ":%u/%u", t[i].index, t[i].huge, t[i].small);
	}
	printf(" mixed %u\n", mixed);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct udamos_pagemap pm;
	pid_t pid = argc > 1 ? (pid_t)atoi(argv[1]) : 0;
	unsigned seconds = argc > 2 ? (unsigned)atoi(argv[2]) : 0;
	unsigned period = argc > 3 ? (unsigned)atoi(argv[3]) : 5;
	uint64_t t0 = udamos_now_us();

	if (pid <= 0 || !period) {
		fprintf(stderr, "usage: tables PID [SECONDS [PERIOD]]: PID a running "
			"process, PERIOD at least 1 s\n");
		return 2;
	}
	if (udamos_pagemap_open(&pm, pid, -1)) {
		fprintf(stderr, "tables: cannot open PID %d's pagemap and "
			"/proc/kpageflags (needs root)\n", (int)pid);
		return 1;
	}
	for (;;) {
		double at = (double)(udamos_now_us() - t0) / 1e6;

		if (sample(pid, &pm, at)) {
			fprintf(stderr, "tables: PID %d is gone\n", (int)pid);
			break;
		}
		if (at + period > seconds)
			break;
		udamos_sleep_ms(period * 1000);
	}
	udamos_pagemap_close(&pm);
	return 0;
}
