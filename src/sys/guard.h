/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Restore guard for global kernel state: THP and khugepaged settings,
 * kdamonds, trace instances.
 *
 * Such state is shared by every process on the machine, so whoever changes
 * it must put it back on every exit path.  atexit and signal handlers miss
 * SIGKILL and crashes; the guard does not: a small child process, detached
 * from our process group, holds a list of undo steps and runs them as soon
 * as its pipe from us closes, which the kernel does however we die.
 */
#ifndef UDAMOS_SYS_GUARD_H
#define UDAMOS_SYS_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define UDAMOS_GUARD_MAX 16

enum udamos_undo_op {
	UDAMOS_UNDO_WRITE,	/* write value to path */
	UDAMOS_UNDO_RMDIR,	/* remove the directory path */
	UDAMOS_UNDO_UMOUNT,	/* unmount path */
	UDAMOS_UNDO_LEASE,	/* release the lease whose holder file is path */
	UDAMOS_UNDO_TRACE_INSTANCE,	/* remove the trace instance at path */
};

struct udamos_undo {
	enum udamos_undo_op op;
	char path[224];
	char value[64];
	/* Only when if_path (if set) still reads if_value: an undo must never
	 * touch what has since become someone else's. */
	char if_path[224];
	char if_value[32];
	/* A descriptor the guard process must keep open (a lease holder's,
	 * whose flock says the lease is alive); 0 for none. */
	int keep_fd;
};

struct udamos_guard {
	struct udamos_undo undo[UDAMOS_GUARD_MAX];
	size_t nr;
	pid_t child;
	/* Our end of a socket pair with the guard process: it undoes when
	 * this closes.  A socket, not a pipe, so that telling a guard that
	 * died "done" is EPIPE and never a SIGPIPE that kills udamos. */
	int pipe_w;
};

void udamos_guard_init(struct udamos_guard *g);
/* Adds an undo step; steps run in the order added.  0 or -ENOSPC. */
int udamos_guard_add(struct udamos_guard *g, const struct udamos_undo *u);
/*
 * Starts the guard process with the steps added so far.  Steps added
 * later need udamos_guard_rearm().  0 or -errno.
 */
int udamos_guard_arm(struct udamos_guard *g);
/* Restarts the guard process with the current list of steps. */
int udamos_guard_rearm(struct udamos_guard *g);
/* Runs every undo step now and stops the guard. */
void udamos_guard_restore(struct udamos_guard *g);

#endif
