// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The restore guard; see guard.h.
 */
#include "sys/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys/lease.h"
#include "sys/pidfd.h"
#include "sys/sysfs.h"
#include "sys/tracefs.h"

void udamos_guard_init(struct udamos_guard *g)
{
	memset(g, 0, sizeof(*g));
	g->child = -1;
	g->pipe_w = -1;
}

int udamos_guard_add(struct udamos_guard *g, const struct udamos_undo *u)
{
	if (g->nr == UDAMOS_GUARD_MAX)
		return -ENOSPC;
	g->undo[g->nr++] = *u;
	return 0;
}

static bool precondition_holds(const struct udamos_undo *u)
{
	char now[64];

	if (!u->if_path[0])
		return true;
	return !udamos_sysfs_read_choice(u->if_path, now, sizeof(now)) &&
		!strcmp(now, u->if_value);
}

/* Runs the steps; those that can only succeed once the owner is gone are
 * copied to *later (if given). */
static void run_undo(const struct udamos_guard *g, struct udamos_guard *later)
{
	for (size_t i = 0; i < g->nr; i++) {
		const struct udamos_undo *u = &g->undo[i];

		if (!precondition_holds(u))
			continue;
		switch (u->op) {
		case UDAMOS_UNDO_WRITE:
			udamos_sysfs_write_retry(u->path, u->value);
			break;
		case UDAMOS_UNDO_RMDIR:
			rmdir(u->path);
			break;
		case UDAMOS_UNDO_UMOUNT:
			umount2(u->path, MNT_DETACH);
			rmdir(u->path);
			break;
		case UDAMOS_UNDO_LEASE:
			udamos_lease_release(u->path);
			break;
		case UDAMOS_UNDO_TRACE_INSTANCE:
			/* Busy while its owner lives, once the tracefs it was
			 * made in is unmounted under it. */
			if (udamos_trace_remove_instance(u->path, !later) == -EBUSY && later)
				udamos_guard_add(later, u);
			break;
		}
	}
}

static int by_fd(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * In the guard process: closes every descriptor inherited from udamos but
 * stdio and those listed.  A copy of, say, a trace instance's pipe kept
 * here would keep the instance busy, and the guard from removing it.
 */
static void close_all_but(const struct udamos_guard *g, int sock, int owner)
{
	int keep[UDAMOS_GUARD_MAX + 3], n = 0;
	unsigned from = 3;

	keep[n++] = sock;
	if (owner > 2)
		keep[n++] = owner;
	for (size_t i = 0; i < g->nr; i++)
		if (g->undo[i].keep_fd > 2)
			keep[n++] = g->undo[i].keep_fd;
	qsort(keep, (size_t)n, sizeof(*keep), by_fd);
	for (int i = 0; i < n; i++) {
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		if ((unsigned)keep[i] + 1 > from)
			from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

static void wait_for_exit(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	while (pidfd >= 0 && poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

int udamos_guard_arm(struct udamos_guard *g)
{
	int fds[2], owner = udamos_pidfd_open(getpid());
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		if (owner >= 0)
			close(owner);
		return err;
	}
	if (pid == 0) {
		char c = 0;

		close_all_but(g, fds[0], owner);
		/* Out of our process group, deaf to terminal signals: only
		 * the pipe's closing ends it. */
		setsid();
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		/* 'd': the owner already undid everything itself.  'w': the
		 * steps left need the owner gone first. */
		if (c == 'w')
			wait_for_exit(owner);
		if (c != 'd')
			run_undo(g, NULL);
		_exit(0);
	}
	close(fds[0]);
	if (owner >= 0)
		close(owner);
	g->child = pid;
	g->pipe_w = fds[1];
	return 0;
}

static void stop_child(struct udamos_guard *g, bool undone)
{
	if (g->pipe_w >= 0) {
		if (undone)
			(void)!send(g->pipe_w, "d", 1, MSG_NOSIGNAL);
		close(g->pipe_w);
		g->pipe_w = -1;
	}
	if (g->child > 0) {
		while (waitpid(g->child, NULL, 0) < 0 && errno == EINTR)
			;
		g->child = -1;
	}
}

int udamos_guard_rearm(struct udamos_guard *g)
{
	pid_t old = g->child;
	int old_pipe = g->pipe_w;
	int err;

	/* Start the new guard before the old one goes, so that there is no
	 * moment without one. */
	g->child = -1;
	g->pipe_w = -1;
	err = udamos_guard_arm(g);
	if (err) {
		g->child = old;
		g->pipe_w = old_pipe;
		return err;
	}
	if (old_pipe >= 0) {
		(void)!send(old_pipe, "d", 1, MSG_NOSIGNAL);
		close(old_pipe);
	}
	if (old > 0)
		while (waitpid(old, NULL, 0) < 0 && errno == EINTR)
			;
	return 0;
}

void udamos_guard_restore(struct udamos_guard *g)
{
	struct udamos_guard later;

	udamos_guard_init(&later);
	run_undo(g, &later);
	stop_child(g, true);
	/* A guard of its own for what must wait for our exit; not waited
	 * for, as it ends only after we do. */
	if (later.nr && !udamos_guard_arm(&later)) {
		(void)!send(later.pipe_w, "w", 1, MSG_NOSIGNAL);
		close(later.pipe_w);
	}
}
