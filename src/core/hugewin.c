// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The midpoint rule for 2 MiB windows; see hugewin.h.
 */
#include "core/hugewin.h"

#include "udamos/snapshot.h"

#define HALF (udamos_huge_size() / 2)

bool udamos_owned_windows(uint64_t start, uint64_t end, uint64_t *first,
			  uint64_t *end_out)
{
	uint64_t lo, hi;

	if (end <= start || end <= HALF)
		return false;
	/* Window w is owned iff start <= w + HALF < end. */
	lo = start <= HALF ? 0 :
		(start - HALF + udamos_huge_size() - 1) & ~(udamos_huge_size() - 1);
	hi = (end - HALF - 1) & ~(udamos_huge_size() - 1);
	if (lo > hi)
		return false;
	*first = lo;
	*end_out = hi + udamos_huge_size();
	return true;
}
