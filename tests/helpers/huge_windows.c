// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * huge_windows PID START END: prints the start of every 2 MiB window of
 * [START, END) that one huge page maps, one per line, in hex.  For tests
 * that compare what a live run did with what a simulation says.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sys/pagemap.h"
#include "udamos/snapshot.h"

int main(int argc, char **argv)
{
	struct udamos_pagemap pm;
	uint64_t start, end;

	if (argc != 4) {
		fprintf(stderr, "usage: huge_windows PID START END\n");
		return 2;
	}
	start = strtoull(argv[2], NULL, 0);
	end = strtoull(argv[3], NULL, 0);
	if (udamos_pagemap_open(&pm, (pid_t)atoi(argv[1]), -1)) {
		fprintf(stderr, "huge_windows: cannot open PID %s's pagemap (needs root)\n", argv[1]);
		return 1;
	}
	for (uint64_t w = start & ~(udamos_huge_size() - 1); w + udamos_huge_size() <= end;
	     w += udamos_huge_size())
		if (udamos_window_is_huge(&pm, w))
			printf("0x%" PRIx64 "\n", w);
	udamos_pagemap_close(&pm);
	return 0;
}
