// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hot-set coverage; see coverage.h.
 */
#include "core/coverage.h"

#include <errno.h>
#include <stdlib.h>

#include "core/hugewin.h"
#include "core/vec.h"

/* Windows checked per reading at most: a 64 GiB hot set has 32768, and
 * each check is a few pagemap reads of the target. */
#define MAX_CHECKED 1024

static bool hot_windows(const struct udamos_pattern *p, const struct udamos_snapshot *s,
			size_t k, const uint64_t *extent, uint64_t *first, uint64_t *end)
{
	const struct udamos_region *r = &s->regions[k];

	return udamos_pattern_match_extent(p, r, extent[k], s->max_nr_accesses, s->aggr_us) &&
	       udamos_owned_windows(r->start, r->end, first, end);
}

int udamos_hot_coverage(const struct udamos_pattern *p, const struct udamos_env *env,
			const struct udamos_snapshot *snaps, size_t nr_snaps,
			struct udamos_coverage *out)
{
	struct udamos_pattern ageless = *p;
	uint64_t huge_sz = udamos_huge_size(), nr = 0, stride, idx = 0, seen = 0, found = 0;
	uint64_t *extent = NULL;
	size_t cap = 0;

	*out = (struct udamos_coverage){ 0 };
	if (!env->huge_bytes)
		return -ENODATA;
	ageless.age.min = 0;
	ageless.age.max = UINT64_MAX;
	for (size_t i = 0; i < nr_snaps; i++) {
		if (udamos_pattern_extents(&ageless, &snaps[i], &extent, &cap)) {
			free(extent);
			return -ENOMEM;
		}
		for (size_t k = 0; k < snaps[i].nr_regions; k++) {
			uint64_t first, end;

			if (hot_windows(&ageless, &snaps[i], k, extent, &first, &end))
				nr += (end - first) / huge_sz;
		}
	}
	/* Saturated: only a hostile recording gets near. */
	out->hot = nr > UINT64_MAX / huge_sz ? UINT64_MAX : nr * huge_sz;
	/* Beyond MAX_CHECKED, every stride-th window stands for its stride. */
	stride = nr > MAX_CHECKED ? (nr + MAX_CHECKED - 1) / MAX_CHECKED : 1;
	for (size_t i = 0; i < nr_snaps; i++) {
		if (udamos_pattern_extents(&ageless, &snaps[i], &extent, &cap)) {
			free(extent);
			return -ENOMEM;
		}
		for (size_t k = 0; k < snaps[i].nr_regions; k++) {
			uint64_t first, end, w, h, n, j;

			if (!hot_windows(&ageless, &snaps[i], k, extent, &first, &end))
				continue;
			if (stride == 1) {
				if (!env->huge_bytes(env->ctx, snaps[i].target, first, end, &h))
					found += h < end - first ? h : end - first;
				continue;
			}
			/* Straight to the sampled windows: a recording may hold a
			 * region as wide as the address space. */
			n = (end - first) / huge_sz;
			for (j = (stride - idx % stride) % stride; j < n; j += stride) {
				w = first + j * huge_sz;
				seen++;
				if (!env->huge_bytes(env->ctx, snaps[i].target, w, w + huge_sz, &h) && h)
					found++;
			}
			idx += n;
		}
	}
	free(extent);
	out->huge = stride == 1 ? found :
		(uint64_t)((unsigned __int128)found * out->hot / (seen ? seen : 1));
	return 0;
}

uint64_t udamos_coverage_bp(const struct udamos_coverage *c)
{
	if (!c->hot)
		return 10000;
	return (uint64_t)((unsigned __int128)c->huge * 10000 / c->hot);
}
