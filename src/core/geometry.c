// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The page geometry every layer shares; see udamos/snapshot.h.  It is
 * process-wide because it is a fact of the kernel the process runs on (or
 * of the kernel a replayed recording came from), never of one target.
 */
#include <errno.h>

#include "udamos/snapshot.h"

struct udamos_geometry udamos_geometry = {
	.page_size = 4096,
	.huge_size = 2ULL << 20,
};

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int udamos_geometry_valid(uint64_t page_size, uint64_t huge_size)
{
	/* 2^13 pages per huge page covers 64 KiB pages with 512 MiB PMDs,
	 * the largest geometry Linux has; more would be a misread. */
	return is_pow2(page_size) && is_pow2(huge_size) && page_size >= 4096 &&
	       huge_size >= 2 * page_size && huge_size / page_size <= 8192;
}

int udamos_geometry_set(uint64_t page_size, uint64_t huge_size)
{
	if (!udamos_geometry_valid(page_size, huge_size))
		return -EINVAL;
	udamos_geometry.page_size = page_size;
	udamos_geometry.huge_size = huge_size;
	return 0;
}
