/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Making up for the accessed-bit blind spot (sys/blindspot.h) while a
 * kernel source monitors: the targets' TLBs are flushed at a rate tied to
 * the monitor's sampling interval, so that a page in use is marked
 * accessed again between two of DAMON's checks often enough to stand out.
 *
 * A hot page seen in one sample out of four is still far from a cold page
 * seen in none, so the flush need not come every sampling interval: once
 * every UDAMOS_FLUSH_SAMPLES intervals, and never more often than
 * UDAMOS_FLUSH_MIN_PERIOD_US (the target's cost; docs/performance.md).
 * Snapshots then state rates against what can be seen
 * (udamos_flusher_visible_permil()).
 *
 * The flush is MADV_COLD on the target's hottest window of small pages
 * (core/flushpick.h: a huge window's flush is one TLB entry, not all).
 * Its side effect: that window's pages are moved to the inactive list and
 * their referenced flags cleared.  They are the pages the target uses
 * most, and the flush itself lets the target's next access to each mark
 * it accessed again; reclaim checks that bit before it evicts an anonymous
 * page and puts an accessed one back on the active list.  So the pages
 * are never evicted for it: they pass through the inactive list once per
 * flush, which costs reclaim a look and the target nothing.
 */
#ifndef UDAMOS_SOURCE_FLUSHER_H
#define UDAMOS_SOURCE_FLUSHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/flushpick.h"
#include "core/regions.h"
#include "sys/blindspot.h"
#include "sys/target.h"
#include "udamos/snapshot.h"

enum udamos_tlb_flush {
	UDAMOS_TLB_FLUSH_AUTO,	/* flush where the probe finds the blind spot */
	UDAMOS_TLB_FLUSH_ON,
	UDAMOS_TLB_FLUSH_OFF,
};

#define UDAMOS_FLUSH_SAMPLES 2
/* At one flush a second the target lost 2.6% (median of 10 alternating
 * pairs, docs/performance.md), over the 2% a default may cost; at one
 * every 2 s the loss was below the noise. */
#define UDAMOS_FLUSH_MIN_PERIOD_US 2000000ULL

struct udamos_flush_cfg {
	enum udamos_tlb_flush mode;
	uint64_t min_period_us;		/* 0: UDAMOS_FLUSH_MIN_PERIOD_US */
};

/* A target's readable mappings, for windows in turn while nothing reads
 * busy; read at most once a flush period, the most one flush can use. */
struct udamos_flush_mapped {
	struct udamos_addr_range *r;
	size_t n, cap;
	uint64_t read_us;	/* 0: never read */
};

struct udamos_flusher {
	struct udamos_target *targets;	/* borrowed */
	size_t nr;
	bool active;
	struct udamos_blindspot spot;
	uint64_t period_us, next_us;
	/* Calls the kernel completed, all targets: one on a window partly
	 * unmapped or not advisable fails and is not counted.  One completed
	 * may still have flushed nothing (no accessed bit left in its
	 * window); the kernel does not say. */
	uint64_t flushes;
	struct udamos_flush_plan *plan;	/* per target */
	struct udamos_flush_pick *pick;
	struct udamos_flush_mapped *mapped;	/* per target */
};

/*
 * The probe's verdict, measured once per process (it takes 0.3 s).
 * 0 or -errno.
 */
int udamos_blindspot_once(struct udamos_blindspot *out);

/* Will this configuration flush (probing in auto mode)?  False if the
 * probe fails; udamos_flusher_init() then says why. */
bool udamos_flusher_will_flush(const struct udamos_flush_cfg *cfg);

/*
 * A monitor of udamos's own, where it will flush: samples no more often
 * than the flushes can afford (UDAMOS_FLUSH_MIN_PERIOD_US per
 * UDAMOS_FLUSH_SAMPLES), ten samples per aggregation.  Sampling every 5 ms
 * with a flush a second would see a hot page in one sample of 200.
 */
void udamos_flusher_fit_attrs(struct udamos_mon_attrs *a);

/*
 * Decides whether to flush (probing in auto mode) and at what period for
 * a monitor sampling every sample_us.  0, or -errno with why.
 */
int udamos_flusher_init(struct udamos_flusher *f, struct udamos_target *targets, size_t nr,
			const struct udamos_flush_cfg *cfg, uint64_t sample_us,
			char *why, size_t len);
void udamos_flusher_release(struct udamos_flusher *f);

/* Aims the next flushes from the latest snapshots. */
void udamos_flusher_hint(struct udamos_flusher *f, const struct udamos_snapshot *snaps,
			 size_t n);

/*
 * Of a monitor's samples every sample_us, the share (per thousand) that a
 * page in constant use can be seen in: those that follow a flush.  1000
 * when not flushing: the machine is not blind.
 */
uint64_t udamos_flusher_visible_permil(const struct udamos_flusher *f, uint64_t sample_us);

/* Flushes every live target when due; cheap to call often. */
void udamos_flusher_tick(struct udamos_flusher *f);

#endif
