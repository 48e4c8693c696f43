/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dry-run actuator: takes the engine's requests as the madvise
 * actuator would (the same window rule, mapping checks and ops filters)
 * but only notes what would have been done, against a recorded memory
 * layout.  `udamos simulate` replays recordings through the real engine
 * with it, so a simulation and a live run differ only in this layer.
 * No syscalls.
 */
#ifndef UDAMOS_ACTION_DRYRUN_H
#define UDAMOS_ACTION_DRYRUN_H

#include <stddef.h>
#include <stdint.h>

#include "record/record.h"
#include "udamos/engine.h"

/* A target's layout as recorded at the current time. */
struct udamos_dryrun_target {
	const struct udamos_rec_ranges *vmas;	/* mappings, or NULL: unknown */
	const struct udamos_rec_ranges *anon;	/* anonymous mappings */
	const struct udamos_rec_ranges *huge;	/* huge windows as recorded */
	uint64_t *collapsed;			/* windows the simulation made huge, sorted */
	size_t nr_collapsed, cap_collapsed;
};

/* One thing the simulation would have done. */
struct udamos_dryrun_event {
	uint64_t time_us;
	uint32_t target;
	uint32_t scheme;
	uint64_t start, end;
	uint64_t bytes;		/* applied within [start, end) */
};

struct udamos_dryrun {
	struct udamos_dryrun_target *targets;
	size_t nr_targets;
	const struct udamos_scheme *schemes;	/* for scheme indexes in events */
	uint64_t now_us;
	struct udamos_dryrun_event *events;
	size_t nr_events, cap_events;
};

/* The actuator entry point (udamos_actuator.apply). */
void udamos_dryrun_apply(void *ctx, const struct udamos_apply_req *req,
			 struct udamos_apply_res *res);
/* Is the 2 MiB window at addr huge, as recorded or by the simulation? */
bool udamos_dryrun_is_huge(const struct udamos_dryrun_target *t, uint64_t addr);
/* Bytes of the whole 2 MiB windows in [start, end) that are huge. */
uint64_t udamos_dryrun_huge_bytes(const struct udamos_dryrun_target *t, uint64_t start,
				  uint64_t end);
void udamos_dryrun_release(struct udamos_dryrun *d);

#endif
