/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Window ages kept from one run to the next, per process.  The daemon
 * starts a new run when a new target appears; without this, every window
 * of every other target would start its age again, and a hot window
 * watched for a minute would wait out the scheme's age bound once more.
 * A process is its PID and its start time, so a PID reused by another
 * process starts afresh.
 */
#ifndef UDAMOS_CORE_AGECARRY_H
#define UDAMOS_CORE_AGECARRY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/projection.h"

struct udamos_age_carry_entry {
	pid_t pid;
	uint64_t start_ticks;
	struct udamos_window_ages ages;
};

struct udamos_age_carry {
	struct udamos_age_carry_entry *e;
	size_t n, cap;
};

/* Moves what is kept for the process into *out (left empty if nothing). */
void udamos_age_carry_take(struct udamos_age_carry *c, pid_t pid, uint64_t start_ticks,
			   struct udamos_window_ages *out);

/* Keeps *ages for the process, moved: *ages is left empty.  0 or -ENOMEM
 * (then *ages is released). */
int udamos_age_carry_keep(struct udamos_age_carry *c, pid_t pid, uint64_t start_ticks,
			  struct udamos_window_ages *ages);

/* Forgets everything kept. */
void udamos_age_carry_release(struct udamos_age_carry *c);

#endif
