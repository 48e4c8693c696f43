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
 * THP=never's, at 50 ms 0.94-1.24, at 25 ms spaced 1.06).  The cheap
 * sign of such a target is its rate of minor faults: an allocator that maps, trims and purges faults
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
	/* Allowance per second, each way; churn_ns 0: a churning target
	 * keeps the fast one, its calls not spaced (udamos_churn_spacing). */
	uint64_t fast_ns, churn_ns;
	uint64_t last_minflt, last_us;	/* the previous reading; last_us 0: none */
	uint64_t churn_until_us;	/* 0: not churning */
	uint64_t nr_churn_readings;	/* readings that said churning */
};

/* What pacing one target came to, as a run reports it and a daemon
 * exports it (action/madvise.h has the meanings). */
struct udamos_lock_use {
	uint64_t madvise_ns;		/* inside process_madvise() for it */
	uint64_t nr_paced;		/* windows left for the allowance */
	uint64_t allowance_ns;		/* per second, now; 0: none */
	bool spaced;			/* churning now: its calls spaced */
	uint64_t nr_churn_readings;	/* readings that said churning */
	/* Time its collapse calls were held apart, its longest stretch of
	 * calls one after another, and its longest call. */
	uint64_t spacing_ns, burst_max_ns, call_max_ns;
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
 * How many seconds of allowance a target may save up, at now_us, under a
 * monitor that applies every aggr_us.  A quiet one saves up to span_max.
 * A churning one's calls are spaced (below), so spending what it saved
 * takes as long as it took to save: it saves up half the interval's
 * worth, at least a second, and an apply spends it in about half the
 * interval, leaving the other half to monitoring.
 */
unsigned udamos_lock_pace_span(const struct udamos_lock_pace *p, uint64_t now_us,
			       unsigned span_max, uint64_t aggr_us);

/*
 * Whether a target's calls are to be spaced out, at now_us: a churning
 * one's are.  An allowance alone is a count per second, and the calls it
 * lets through still come back to back (a window after a window, all
 * of them at an apply), each one a wait for every mmap the target makes
 * meanwhile; spaced, the lock is held at most the allowance's share of
 * any stretch of time, and an mmap waits for one window at the most.
 */
bool udamos_lock_pace_spaced(const struct udamos_lock_pace *p, uint64_t now_us);

/*
 * The least time from the start of one of a spaced target's calls to the
 * next.  A thread that maps and unmaps in a loop waits for at most one
 * call each time it is caught, so the share of its operations that wait
 * is the calls per second over its operations per second, however short
 * each call is: with the huge page made ready beforehand (sys/hugewarm.h)
 * a call takes 0.6 ms, the 25 ms allowance let 35 a second through, and
 * the probe's mmap p99 (500 a second) went to 1.1-3.8 times THP=never's
 * (docs/performance.md).  Four a second catch under 1% of them.
 */
#define UDAMOS_SPACED_CALL_PERIOD_NS (250 * 1000000ULL)

/*
 * How long to wait after a call that took took_ns before the next, so
 * that calls take ns_per_s of each second, and start no closer than
 * UDAMOS_SPACED_CALL_PERIOD_NS (0 or a whole second: no wait).
 */
uint64_t udamos_lock_pace_gap_ns(uint64_t took_ns, uint64_t ns_per_s);

/*
 * How long a target that is not spaced rests after a collapse call that
 * took took_ns: as long again.  While a window is copied its page table
 * is out of use, and the target's next access to it waits for the copy
 * to end; a server reading its whole heap at random meets the window
 * being copied every few milliseconds.  With calls back to back (runs
 * of 76-163 ms at the 200 ms/s allowance) Redis's GETs waited up to
 * 0.25-0.6 s in two rounds of three; with the rests its p99 while its
 * heap was collapsed stayed within 1.2 of THP=never's in five of six
 * (docs/performance.md).  So no two calls follow each other: the target
 * is held for one call at most, and has at least as long again to catch
 * up.  A millisecond at the least: the gap that parts two stretches of
 * calls in a run's report (UDAMOS_BURST_GAP_NS).  The allowance still
 * sets the rate; this only spreads what it lets through.
 */
#define UDAMOS_REST_MIN_NS 1000000ULL
uint64_t udamos_lock_pace_rest_ns(uint64_t took_ns);

/*
 * Whether churning targets get the slow, spaced pace at all.  Spacing
 * buys the target's mmap and munmap their p99 at the price of a slower
 * collapse.  It pays where one of the target's mm operations is short
 * beside a collapse call, and it does not where faults go through the
 * host, which shadows the guest's page tables (sys/faultcost.h): there a
 * fault costs 10-15 us, the probe's mmap, 64 faults and munmap took 5-6 ms
 * at their p99 under THP=never, and a call made ready (about 1 ms) is
 * within that.  On such a host, too, a page table that maps huge and
 * small pages slows its small pages for a while after each collapse in
 * it, so a slow collapse is a long harm.  There, in one run, not spaced,
 * the probe read 1.64M times a second against 1.74M under THP=never, its
 * read p99 while its hot set was collapsed 1.18 times never's, and 90% of
 * its hot set was huge at 33 and 76 s; spaced, 1.15M, 15 times, 114 and
 * 101 s; its mmap p99 0.19 and 0.31 of never's (docs/performance.md).
 * Where the hardware walks the page tables a fault costs about a
 * microsecond: the line is set well between the two.
 */
enum udamos_churn_spacing {
	UDAMOS_CHURN_SPACING_AUTO,	/* unless faults cost UDAMOS_SLOW_FAULT_NS */
	UDAMOS_CHURN_SPACING_ON,
	UDAMOS_CHURN_SPACING_OFF,
};
#define UDAMOS_SLOW_FAULT_NS 5000ULL
/* The same line, as options' help and errors say it. */
#define UDAMOS_SLOW_FAULT_TEXT "5 us or more"

/* Whether to space, given the mode and a minor fault's cost here (0:
 * not known, which counts as cheap: spacing is the safe side). */
bool udamos_churn_spacing_wanted(enum udamos_churn_spacing mode, uint64_t fault_ns);

#endif
