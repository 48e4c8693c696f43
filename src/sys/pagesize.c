// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reads the kernel's page geometry; see pagesize.h.  Kept apart from the
 * THP knobs so the test workload can size its windows with it alone.
 */
#include "sys/pagesize.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "udamos/snapshot.h"

int udamos_kernel_geometry(uint64_t *page_size, uint64_t *huge_size)
{
	long page = sysconf(_SC_PAGESIZE);
	char buf[32];
	FILE *f;

	*page_size = page > 0 ? (uint64_t)page : 0;
	/* Without THP a PMD still maps one page table's worth: a page of
	 * 8-byte entries, each mapping a page. */
	*huge_size = *page_size * (*page_size / 8);
	f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			*huge_size = strtoull(buf, NULL, 10);
		fclose(f);
	}
	return udamos_geometry_set(*page_size, *huge_size) ? -EINVAL : 0;
}
