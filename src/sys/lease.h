/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Machine-wide leases on shared kernel knobs (THP, khugepaged tunables).
 *
 * A plain save-and-restore breaks as soon as two udamos processes overlap:
 * the second saves the first one's value as "the original", and whichever
 * ends last writes its stale idea of the machine back.  A lease keeps one
 * record per knob under a lock: the value found before any udamos changed
 * it, the value udamos last wrote, and one holder file per process that
 * relies on the change.  Holders are alive while a flock on their file is
 * held, which the kernel drops however they die.  The last live holder to
 * go writes the original back, and only if the knob still reads what
 * udamos wrote: an operator's change made meanwhile is theirs to keep.
 *
 * Layout under dir (root-only): NAME.lock, NAME.lease ("knob\noriginal\n
 * written\n"), NAME.holder.PID; NAME is the knob path with '/' as '_'.
 */
#ifndef UDAMOS_SYS_LEASE_H
#define UDAMOS_SYS_LEASE_H

#include <stddef.h>
#include <stdio.h>

#include "sys/guard.h"

#define UDAMOS_LEASE_DIR "/run/udamos/leases"

/*
 * Sets knob to value under a lease in dir, made if missing; its parent must
 * exist (for UDAMOS_LEASE_DIR: udamos_rundir_ensure, which after a boot
 * makes /run/udamos and checks it).  The guard gets the release as
 * an undo step and is re-armed before the knob is written, so no exit path
 * leaves it changed.  0 or -errno, with a reason in why.
 */
int udamos_lease_set(struct udamos_guard *g, const char *dir, const char *knob,
		     const char *value, char *why, size_t len);
/*
 * Drops the holder file holder (from the undo step); the last live holder
 * restores the knob.  Run by the guard, in udamos or in its guard process.
 */
void udamos_lease_release(const char *holder);
/*
 * Restores every knob whose lease has no live holder left (its udamos and
 * guard both died) and removes the lease.  Returns how many were found.
 */
int udamos_lease_recover(const char *dir, FILE *log);

#endif
