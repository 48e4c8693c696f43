/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live actuator: applies DAMOS actions to target processes with
 * process_madvise() through their pidfds.  collapse, pageout, cold and
 * willneed go to the kernel; stat only measures.  hugepage and nohugepage
 * cannot be given to another process this way (the kernel refuses them),
 * so they need kernel DAMON and are rejected before a run starts.
 */
#ifndef UDAMOS_ACTION_MADVISE_H
#define UDAMOS_ACTION_MADVISE_H

#include "sys/target.h"
#include "udamos/engine.h"

/* A window the kernel refused for good (EINVAL), left alone a while. */
struct udamos_refusal {
	uint32_t target;
	uint64_t addr;
	uint64_t until_us;
};

/* How long a refused window is left alone before it is asked again. */
#define UDAMOS_REFUSAL_US 60000000ULL

struct udamos_madvise_actuator {
	struct udamos_target *targets;	/* borrowed */
	size_t nr_targets;
	struct udamos_refusal *refused;
	size_t nr_refused, cap_refused;
};

void udamos_madvise_release(struct udamos_madvise_actuator *a);

/* The madvise advice for an action, or -1 when it has none. */
int udamos_action_advice(enum udamos_action action);

/* Call once per aggregation: mappings are re-read lazily after it. */
void udamos_madvise_begin_pass(struct udamos_madvise_actuator *a);

/* udamos_actuator.apply for the live actuator. */
void udamos_madvise_apply(void *ctx, const struct udamos_apply_req *req,
			  struct udamos_apply_res *res);

#endif
