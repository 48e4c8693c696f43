// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Collapse's pace in one target from its minor-fault rate (lockpace.h).
 */
#include "core/lockpace.h"

#include <errno.h>

#include "core/units.h"

void udamos_lock_pace_init(struct udamos_lock_pace *p, uint64_t fast_ns, uint64_t churn_ns)
{
	*p = (struct udamos_lock_pace){ .fast_ns = fast_ns, .churn_ns = churn_ns };
}

/* Churning and slowed for it: with churn_ns 0 the readings are still
 * counted, for the report, but change nothing. */
static bool churning(const struct udamos_lock_pace *p, uint64_t now_us)
{
	return p->churn_ns && p->churn_until_us && now_us < p->churn_until_us;
}

uint64_t udamos_lock_pace_now(const struct udamos_lock_pace *p, uint64_t now_us)
{
	return churning(p, now_us) ? p->churn_ns : p->fast_ns;
}

unsigned udamos_lock_pace_span(const struct udamos_lock_pace *p, uint64_t now_us,
			       unsigned span_max, uint64_t aggr_us)
{
	uint64_t half_s = aggr_us / 2000000;

	if (!churning(p, now_us))
		return span_max;
	return half_s < 1 ? 1 : half_s > span_max ? span_max : (unsigned)half_s;
}

bool udamos_lock_pace_spaced(const struct udamos_lock_pace *p, uint64_t now_us)
{
	return churning(p, now_us);
}

uint64_t udamos_lock_pace_gap_ns(uint64_t took_ns, uint64_t ns_per_s)
{
	const uint64_t second = 1000000000ULL;
	unsigned __int128 gap;

	if (!ns_per_s || ns_per_s >= second)
		return 0;
	gap = (unsigned __int128)took_ns * (second - ns_per_s) / ns_per_s;
	if (took_ns < UDAMOS_SPACED_CALL_PERIOD_NS && gap < UDAMOS_SPACED_CALL_PERIOD_NS - took_ns)
		gap = UDAMOS_SPACED_CALL_PERIOD_NS - took_ns;
	return gap > UINT64_MAX ? UINT64_MAX : (uint64_t)gap;
}

uint64_t udamos_lock_pace_rest_ns(uint64_t took_ns)
{
	return took_ns > UDAMOS_REST_MIN_NS ? took_ns : UDAMOS_REST_MIN_NS;
}

uint64_t udamos_lock_pace_feed(struct udamos_lock_pace *p, uint64_t minflt, uint64_t now_us)
{
	if (p->last_us && now_us > p->last_us && minflt >= p->last_minflt) {
		uint64_t faults = minflt - p->last_minflt, dt = now_us - p->last_us;

		/* faults / (dt / 1e6) >= threshold, without dividing */
		if ((unsigned __int128)faults * 1000000ULL >=
		    (unsigned __int128)UDAMOS_CHURN_FAULTS_PER_S * dt) {
			p->churn_until_us = now_us + UDAMOS_CHURN_HOLD_US;
			p->nr_churn_readings++;
		}
	}
	/* A count that went down is another process's (a reused PID): it
	 * restarts the baseline. */
	p->last_minflt = minflt;
	p->last_us = now_us;
	return udamos_lock_pace_now(p, now_us);
}

_Static_assert(UDAMOS_CHURN_SPACING_ON == 1 && UDAMOS_CHURN_SPACING_OFF == 2,
	       "udamos_parse_auto_on_off's order");

bool udamos_churn_spacing_wanted(enum udamos_churn_spacing mode, uint64_t fault_ns)
{
	if (mode != UDAMOS_CHURN_SPACING_AUTO)
		return mode == UDAMOS_CHURN_SPACING_ON;
	return fault_ns < UDAMOS_SLOW_FAULT_NS;
}
