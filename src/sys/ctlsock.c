// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket; see ctlsock.h.
 */
#include "sys/ctlsock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int address(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa;
	int fd, err = address(path, &sa);

	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static void send_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void answer(struct udamos_ctl *c, int fd)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct timeval tv = { .tv_sec = 2 };
	char req[128];
	ssize_t n;
	char *reply;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != 0) {
		static const char no[] = "error: the control socket answers root only\n";

		c->nr_refused++;
		send_all(fd, no, sizeof(no) - 1);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(fd, req, sizeof(req) - 1, 0);
	if (n <= 0)
		return;
	req[n] = '\0';
	req[strcspn(req, "\r\n")] = '\0';
	reply = c->handler(c->ctx, req);
	if (reply) {
		send_all(fd, reply, strlen(reply));
		send_all(fd, "\n", 1);
	}
	free(reply);
}

static void *serve(void *arg)
{
	struct udamos_ctl *c = arg;
	struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN },
			       { .fd = c->stop_pipe[0], .events = POLLIN } };

	for (;;) {
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		answer(c, fd);
		close(fd);
	}
	return NULL;
}

int udamos_ctl_start(struct udamos_ctl *c, const char *path, udamos_ctl_handler handler,
		     void *ctx, char *why, size_t len)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, err;

	memset(c, 0, sizeof(*c));
	c->fd = c->stop_pipe[0] = c->stop_pipe[1] = -1;
	if (address(path, &sa)) {
		snprintf(why, len, "control socket %s: path too long for a Unix socket", path);
		return -ENAMETOOLONG;
	}
	fd = connect_to(path);
	if (fd >= 0) {
		close(fd);
		snprintf(why, len, "control socket %s: another udamos daemon answers on it; stop "
			 "that one first", path);
		return -EADDRINUSE;
	}
	unlink(path);	/* left by a daemon that died: nobody answers on it */
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;
	/* Made 0600 from the start: no window in which others could connect. */
	old = umask(0177);
	err = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err || listen(c->fd, 16) || pipe2(c->stop_pipe, O_CLOEXEC))
		goto fail;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->handler = handler;
	c->ctx = ctx;
	if ((err = pthread_create(&c->thread, NULL, serve, c))) {
		errno = err;
		goto fail;
	}
	c->running = true;
	return 0;
fail:
	err = -errno;
	snprintf(why, len, "control socket %s: %s; check that its directory exists and is "
		 "writable by root", path, strerror(errno));
	udamos_ctl_stop(c);
	return err;
}

void udamos_ctl_stop(struct udamos_ctl *c)
{
	if (c->running) {
		if (write(c->stop_pipe[1], "x", 1) != 1)
			pthread_cancel(c->thread);
		pthread_join(c->thread, NULL);
		c->running = false;
	}
	if (c->fd >= 0) {
		close(c->fd);
		if (c->path[0])
			unlink(c->path);
	}
	if (c->stop_pipe[0] >= 0) {
		close(c->stop_pipe[0]);
		close(c->stop_pipe[1]);
	}
	c->fd = c->stop_pipe[0] = c->stop_pipe[1] = -1;
}

int udamos_ctl_request(const char *path, const char *request, char **answer_out,
		       char *why, size_t len)
{
	int fd = connect_to(path);
	size_t used = 0, cap = 0;
	char *buf = NULL;

	*answer_out = NULL;
	if (fd < 0) {
		snprintf(why, len, "control socket %s: %s; is the udamos daemon running (systemctl "
			 "status udamos)?%s", path, strerror(-fd),
			 fd == -EACCES ? " It answers root only." : "");
		return fd;
	}
	send_all(fd, request, strlen(request));
	send_all(fd, "\n", 1);
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t n;

		if (cap - used < 4096) {
			char *b = realloc(buf, cap + 65536);

			if (!b) {
				free(buf);
				close(fd);
				snprintf(why, len, "out of memory");
				return -ENOMEM;
			}
			buf = b;
			cap += 65536;
		}
		n = recv(fd, buf + used, cap - used - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	*answer_out = buf;
	return 0;
}
