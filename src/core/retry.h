/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Retrying a kernel write that is refused for a moment.  DAMON sysfs
 * answers EBUSY while its lock is taken (by a kdamond committing, by
 * another writer), and an undo step that gives up on the first EBUSY
 * leaves the machine changed.  The pause is the caller's, so that the
 * policy is tested without sleeping.
 */
#ifndef UDAMOS_CORE_RETRY_H
#define UDAMOS_CORE_RETRY_H

#include <errno.h>

/* An undo step waits at most this long for the lock to come free. */
#define UDAMOS_BUSY_TRIES 200
#define UDAMOS_BUSY_PAUSE_MS 10

/* Runs op(ctx) until it returns anything but -EBUSY, at most tries times,
 * calling pause(ms) between tries.  Returns op's last result. */
static inline int udamos_retry_busy(int (*op)(void *ctx), void *ctx, unsigned tries,
				    void (*pause)(unsigned ms))
{
	int err = -EBUSY;

	for (unsigned i = 0; i < tries && err == -EBUSY; i++) {
		if (i)
			pause(UDAMOS_BUSY_PAUSE_MS);
		err = op(ctx);
	}
	return err;
}

#endif
