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

#include "core/lockpace.h"
#include "sys/hugewarm.h"
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

/* What acting on one target has cost it, and the limits on that cost. */
struct udamos_target_cost {
	/* Zeroed pages collapse added: the window's size less what was
	 * populated before.  Capped by the actuator's bloat_budget. */
	uint64_t bloat;
	uint64_t nr_bloat_skipped;	/* windows left for the budget */
	/* Time inside process_madvise() on its behalf, which is when its
	 * mmap_lock can be held for udamos; and the windows left for later
	 * because the per-second allowance was spent. */
	uint64_t lock_ns;
	uint64_t nr_paced;
	/* Its allowance, ns of process_madvise() per second (0: none);
	 * the actuator's until the caller paces it (core/lockpace.h). */
	uint64_t lock_ns_per_s;
	/* Seconds of allowance it may save up (0: UDAMOS_QUOTA_MAX_SPAN). */
	unsigned lock_span_s;
	/* Its collapse calls spaced out by the allowance, not only counted
	 * (udamos_lock_pace_spaced()): none before resume_ns, and a pass
	 * waits for none due after pass_until_ns (what a wait earns back
	 * would otherwise keep one pass going as long as windows last,
	 * and monitoring waits for it).  Not spaced, each call is still
	 * followed by a rest (udamos_lock_pace_rest_ns()) before resume_ns.
	 * Time spent waiting either way, in all. */
	bool spaced;
	uint64_t resume_ns, pass_until_ns;
	uint64_t spacing_ns;
	/* The longest run of calls that followed each other within
	 * UDAMOS_BURST_GAP_NS: how long the target's mmap and munmap could
	 * have had to wait in one stretch. */
	uint64_t burst_ns, burst_max_ns, last_end_ns;
	uint64_t call_max_ns;		/* the longest single call */
	int64_t tokens_ns;		/* allowance left; negative: in debt */
	uint64_t refilled_ns;
	bool started;
};

/* Calls closer than this count as one stretch of lock holding. */
#define UDAMOS_BURST_GAP_NS UDAMOS_REST_MIN_NS

struct udamos_madvise_actuator {
	struct udamos_target *targets;	/* borrowed */
	size_t nr_targets;
	/* Per-target limit: bytes of collapse bloat (UINT64_MAX: none).
	 * Each target's lock allowance is in its cost. */
	uint64_t bloat_budget;
	struct udamos_target_cost *cost;	/* nr_targets of them, or NULL */
	struct udamos_refusal *refused;
	size_t nr_refused, cap_refused;
	/* A huge page made ready before each collapse (sys/hugewarm.h);
	 * borrowed, NULL: none. */
	struct udamos_hugewarm *warm;
	/* Set by a signal handler: a wait between spaced calls ends. */
	volatile int *stop;
};

/* Allocates the per-target costs, each with lock_ns_per_s of allowance
 * (ns of process_madvise() per second; 0: none).  0 or -ENOMEM. */
int udamos_madvise_init(struct udamos_madvise_actuator *a, struct udamos_target *targets,
			size_t nr_targets, uint64_t lock_ns_per_s, uint64_t bloat_budget);

void udamos_madvise_release(struct udamos_madvise_actuator *a);

/* The madvise advice for an action, or -1 when it has none. */
int udamos_action_advice(enum udamos_action action);

/* Call once per aggregation: mappings are re-read lazily after it. */
void udamos_madvise_begin_pass(struct udamos_madvise_actuator *a);

/* udamos_actuator.apply for the live actuator. */
void udamos_madvise_apply(void *ctx, const struct udamos_apply_req *req,
			  struct udamos_apply_res *res);

#endif
