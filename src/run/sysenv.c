// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Live metrics for the engine; see sysenv.h.
 */
#include "run/sysenv.h"

#include <errno.h>

#include "sys/procfs.h"
#include "sys/target.h"
#include "udamos/snapshot.h"

static int free_mem_rate(void *ctx, uint32_t *permil)
{
	struct udamos_meminfo mi;
	int err = udamos_read_meminfo(&mi);

	(void)ctx;
	if (err)
		return err;
	*permil = mi.total ? (uint32_t)(mi.free * 1000 / mi.total) : 0;
	return 0;
}

/*
 * As the kernel defines it (queued for 7.3): huge pages of every kind over
 * the memory in use, node-wide.  With one node, the machine.
 */
static int hugepage_mem_bp(uint64_t *value)
{
	struct udamos_meminfo mi;
	int err = udamos_read_meminfo(&mi);

	if (err)
		return err;
	if (mi.total <= mi.free)
		return -ENODATA;
	*value = (mi.anon_huge + mi.shmem_huge + mi.file_huge) * 10000 / (mi.total - mi.free);
	return 0;
}

static int huge_bytes(void *ctx, uint32_t target, uint64_t start, uint64_t end,
		      uint64_t *out)
{
	struct udamos_sysenv *se = ctx;
	const struct udamos_target *t;

	if (target >= se->nr_targets || se->targets[target].gone)
		return -ESRCH;
	t = &se->targets[target];
	*out = 0;
	for (uint64_t w = start; w < end; w += udamos_huge_size())
		if (udamos_window_is_huge(&t->pm, w))
			*out += udamos_huge_size();
	return 0;
}

int udamos_sysenv_psi_delta(struct udamos_sysenv *se, const void *reader, uint64_t psi,
			    uint64_t *value)
{
	struct udamos_psi_reading *r = NULL;

	for (size_t i = 0; i < se->nr_psi && !r; i++)
		if (se->psi[i].reader == reader)
			r = &se->psi[i];
	if (!r) {
		if (se->nr_psi == UDAMOS_SYSENV_MAX_READERS)
			return -ENOSPC;
		r = &se->psi[se->nr_psi++];
		*r = (struct udamos_psi_reading){ reader, psi };
	}
	*value = psi >= r->us ? psi - r->us : 0;
	r->us = psi;
	return 0;
}

static int goal_metric(void *ctx, enum udamos_goal_metric metric, const void *reader,
		       uint64_t *value)
{
	struct udamos_sysenv *se = ctx;
	struct udamos_meminfo mi;
	uint64_t psi;
	int err;

	switch (metric) {
	case UDAMOS_GOAL_HUGEPAGE_MEM_BP:
		return hugepage_mem_bp(value);
	case UDAMOS_GOAL_SOME_MEM_PSI_US:
		err = udamos_read_mem_psi_some_us(&psi);
		return err ? err : udamos_sysenv_psi_delta(se, reader, psi, value);
	case UDAMOS_GOAL_NODE_MEM_USED_BP:
	case UDAMOS_GOAL_NODE_MEM_FREE_BP:
		err = udamos_read_meminfo(&mi);
		if (err || !mi.total)
			return err ? err : -ENODATA;
		*value = mi.free * 10000 / mi.total;
		if (metric == UDAMOS_GOAL_NODE_MEM_USED_BP)
			*value = 10000 - *value;
		return 0;
	default:
		return -EINVAL;
	}
}

struct udamos_env udamos_sysenv_env(struct udamos_sysenv *se)
{
	return (struct udamos_env){
		.goal_metric = goal_metric,
		.free_mem_rate = free_mem_rate,
		.huge_bytes = huge_bytes,
		.ctx = se,
	};
}
