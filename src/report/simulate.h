/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offline simulation: a recording replayed through the DAMOS engine with
 * the dry-run actuator.  The engine is the one live runs use; only the
 * actuator differs, so what this says is what a live run on the same
 * monitoring would have done.  Pure: touches no process, reads no file.
 */
#ifndef UDAMOS_REPORT_SIMULATE_H
#define UDAMOS_REPORT_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "action/dryrun.h"
#include "core/tablehold.h"
#include "record/record.h"
#include "udamos/scheme.h"

#define UDAMOS_SIM_MAX_SCHEMES 16

/* A scheme's quota use in one reset interval. */
struct udamos_sim_quota {
	uint64_t time_us, charged, esz;
};

struct udamos_sim {
	const struct udamos_recording *rec;	/* borrowed */
	struct udamos_dryrun dry;
	uint64_t t0_us, t_end_us;		/* first and last snapshot */
	uint64_t huge_start, huge_end;		/* huge memory before and after */
	bool hold_tables;			/* collapse_hold, as decided */
	/* per scheme: the last interval's quota use, seen after each feed */
	struct udamos_sim_quota *quota[UDAMOS_SIM_MAX_SCHEMES];
	size_t nr_quota[UDAMOS_SIM_MAX_SCHEMES], cap_quota[UDAMOS_SIM_MAX_SCHEMES];
	uint64_t last_reset[UDAMOS_SIM_MAX_SCHEMES], last_charged[UDAMOS_SIM_MAX_SCHEMES];
	uint64_t last_esz[UDAMOS_SIM_MAX_SCHEMES];
};

/*
 * Replays rec (with at least one snapshot) through schemes (at most
 * UDAMOS_SIM_MAX_SCHEMES); their stats, and s's events and quota use,
 * hold the outcome.  The recording's page geometry becomes the process's.
 * hold is collapse_hold, whose auto asks the recording what a live run
 * asks its host and source (udamos_sim_holds).  0, -ENOMEM, or -EINVAL
 * for what the engine refuses.
 */
int udamos_sim_run(struct udamos_sim *s, const struct udamos_recording *rec,
		   struct udamos_scheme *schemes, size_t nr, enum udamos_collapse_hold hold);

/* Whether a live run would have held tables where rec was recorded: auto
 * holds where a fault was dear there, except on a recording of the
 * oracle, which is handed the hot set whole (udamos/source.h). */
bool udamos_sim_holds(enum udamos_collapse_hold hold, const struct udamos_recording *rec);
void udamos_sim_release(struct udamos_sim *s);

#endif
