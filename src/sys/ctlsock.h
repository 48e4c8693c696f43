/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's control socket: a Unix stream socket, mode 0600, that
 * answers one request line per connection and only to root (checked with
 * SO_PEERCRED, whatever the mode: a socket file's mode is not checked on
 * every system, and a copy of the fd could reach another user).  The
 * server runs in its own thread, so that it answers while the run loop
 * waits for the monitor.
 */
#ifndef UDAMOS_SYS_CTLSOCK_H
#define UDAMOS_SYS_CTLSOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Returns a malloc'd answer to request (one line, no newline). */
typedef char *(*udamos_ctl_handler)(void *ctx, const char *request);

struct udamos_ctl {
	int fd, stop_pipe[2];
	pthread_t thread;
	bool running;
	char path[108];
	udamos_ctl_handler handler;
	void *ctx;
	unsigned long nr_refused;	/* peers that were not root */
};

/*
 * Binds and serves.  A socket file left by a daemon that died is taken
 * over; one a live daemon answers on is not (-EADDRINUSE).  0 or -errno
 * with one line in why.
 */
int udamos_ctl_start(struct udamos_ctl *c, const char *path, udamos_ctl_handler handler,
		     void *ctx, char *why, size_t len);
/* Stops the thread and removes the socket file. */
void udamos_ctl_stop(struct udamos_ctl *c);

/* The client side: sends request, returns the whole answer (malloc'd). */
int udamos_ctl_request(const char *path, const char *request, char **answer,
		       char *why, size_t len);

#endif
