// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Snapshot lifetime helpers.
 */
#include "udamos/snapshot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int udamos_snapshot_copy(struct udamos_snapshot *dst,
			 const struct udamos_snapshot *src)
{
	struct udamos_region *regions = NULL;

	if (src->nr_regions) {
		regions = malloc(src->nr_regions * sizeof(*regions));
		if (!regions)
			return -ENOMEM;
		memcpy(regions, src->regions, src->nr_regions * sizeof(*regions));
	}
	*dst = *src;
	dst->regions = regions;
	return 0;
}

void udamos_snapshot_release(struct udamos_snapshot *snap)
{
	free(snap->regions);
	snap->regions = NULL;
	snap->nr_regions = 0;
}

void udamos_seen_peak_note(struct udamos_seen_peak *p, uint32_t nr_accesses, uint64_t addr)
{
	if (!nr_accesses || nr_accesses < p->nr_accesses)
		return;
	if (nr_accesses > p->nr_accesses) {
		p->nr_accesses = nr_accesses;
		p->n = 0;
	}
	if (p->n < UDAMOS_SEEN_PEAKS)
		p->addr[p->n++] = addr;
}
