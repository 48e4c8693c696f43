/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How fast collapse may go in one target, from what the target does with
 * its own mmap_lock.  MADV_COLLAPSE holds that lock for writing while it
 * copies a window into its huge page, and whatever the target does under
 * the lock meanwhile (mmap, munmap, brk, madvise, a fault that falls back
 * to it) waits for the copy.  A target that does none of that loses
 * nothing to a fast pace; one that does waits a whole copy at its p99
 * unless the pace is slow (docs/performance.md: at 200 ms of
 * process_madvise() per second the probe's mmap p99 was 75-110 times
 * THP=never's, at 50 ms 0.94).  The cheap sign of such a target is its
 * rate of minor faults: an allocator that maps, trims and purges faults
 * its pages back in, while a server reading what it holds barely faults.
 */
#ifndef UDAMOS_CORE_LOCKPACE_H
#define UDAMOS_CORE_LOCKPACE_H

#include <stdbool.h>
#include <stdint.h>

/* Minor faults per second at which a target counts as churning. */
#define UDAMOS_CHURN_FAULTS_PER_S 1000
/* How long a target counts as churning after the last reading that said
 * so: allocators churn in bursts, and a burst's pause is not its end. */
#define UDAMOS_CHURN_HOLD_US (10 * 1000000ULL)

struct udamos_lock_pace {
	uint64_t fast_ns, churn_ns;	/* allowance per second, each way */
	uint64_t last_minflt, last_us;	/* the previous reading; last_us 0: none */
	uint64_t churn_until_us;	/* 0: not churning */
	uint64_t nr_churn_readings;	/* readings that said churning */
};

void udamos_lock_pace_init(struct udamos_lock_pace *p, uint64_t fast_ns, uint64_t churn_ns);

/*
 * Takes one reading of the target's minor-fault count at now_us and
 * returns the allowance (ns of process_madvise() per second) from then
 * on.  The first reading only sets the baseline: fast until one rate is
 * known.
 */
uint64_t udamos_lock_pace_feed(struct udamos_lock_pace *p, uint64_t minflt, uint64_t now_us);

/* The allowance at now_us, without a new reading. */
uint64_t udamos_lock_pace_now(const struct udamos_lock_pace *p, uint64_t now_us);

/*
 * How many seconds of allowance a target may save up, at now_us.  Saved
 * allowance is spent at once at the next apply, and a monitor that
 * aggregates every 5 s would have a churning target's mmap and munmap
 * wait through a burst of five seconds' collapse: so a churning target
 * saves none beyond one second, and a quiet one up to span_max.
 */
unsigned udamos_lock_pace_span(const struct udamos_lock_pace *p, uint64_t now_us,
			       unsigned span_max);

#endif
