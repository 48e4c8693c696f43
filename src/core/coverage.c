// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hot-set coverage; see coverage.h.
 */
#include "core/coverage.h"

#include <errno.h>

#include "core/hugewin.h"

int udamos_hot_coverage(const struct udamos_pattern *p, const struct udamos_env *env,
			const struct udamos_snapshot *snaps, size_t nr_snaps,
			struct udamos_coverage *out)
{
	struct udamos_pattern ageless = *p;

	*out = (struct udamos_coverage){ 0 };
	if (!env->huge_bytes)
		return -ENODATA;
	ageless.age.min = 0;
	ageless.age.max = UINT64_MAX;
	for (size_t i = 0; i < nr_snaps; i++) {
		const struct udamos_snapshot *s = &snaps[i];

		for (size_t k = 0; k < s->nr_regions; k++) {
			const struct udamos_region *r = &s->regions[k];
			uint64_t first, end, huge;

			if (!udamos_pattern_match(&ageless, r, s->max_nr_accesses, s->aggr_us) ||
			    !udamos_owned_windows(r->start, r->end, &first, &end))
				continue;
			out->hot += end - first;
			if (!env->huge_bytes(env->ctx, s->target, first, end, &huge))
				out->huge += huge < end - first ? huge : end - first;
		}
	}
	return 0;
}

uint64_t udamos_coverage_bp(const struct udamos_coverage *c)
{
	if (!c->hot)
		return 10000;
	return (uint64_t)((unsigned __int128)c->huge * 10000 / c->hot);
}
