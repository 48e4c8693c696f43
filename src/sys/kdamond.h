/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Owning a kdamond.  kdamonds are machine-wide and outlive the process
 * that started them, so udamos:
 *  - never touches a kdamond it did not create;
 *  - never changes nr_kdamonds while any kdamond exists that is not its
 *    own (the kernel refuses while one runs, and otherwise recreates every
 *    kdamond with default settings, wiping someone's configuration);
 *  - records each kdamond it creates in /run/udamos, with its own PID and
 *    start time, so a later udamos recognises one left by a killed udamos
 *    and turns it off;
 *  - arms the restore guard to turn its kdamond off and put nr_kdamonds
 *    back on every exit path, SIGKILL included.
 */
#ifndef UDAMOS_SYS_KDAMOND_H
#define UDAMOS_SYS_KDAMOND_H

#include <stdio.h>

#include "sys/damon.h"
#include "sys/guard.h"
#include "sys/rundir.h"


struct udamos_kdamond {
	char root[160];
	char dir[200];
	unsigned idx;
	unsigned nr_before;
	int pid;
	int lock_fd;
	char record[96];
	bool acquired;
};

/*
 * Cleans up kdamonds that a dead udamos left behind, then creates one for
 * us.  Undo steps go into g (armed by the caller).  Returns 0; -EBUSY with
 * why naming the kdamond in the way; or another -errno with why.  Notices
 * of cleanups go to log when given.
 */
int udamos_kdamond_acquire(struct udamos_kdamond *k, const char *root,
			   struct udamos_guard *g, FILE *log, char *why, size_t len);

/* Configures and turns it on; records its pid.  0 or -errno with why. */
int udamos_kdamond_start(struct udamos_kdamond *k, const struct udamos_kdamond_cfg *cfg,
			 char *why, size_t len);

/* Turns it off, removes it and its record.  Safe to call twice. */
void udamos_kdamond_release(struct udamos_kdamond *k);

/* The stale-kdamond cleanup alone; returns how many were turned off. */
int udamos_kdamond_cleanup_stale(const char *root, FILE *log);

#endif
