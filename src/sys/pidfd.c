// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pidfd and process_madvise system calls; see pidfd.h.
 */
#include "sys/pidfd.h"

#include <errno.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif

int udamos_pidfd_open(pid_t pid)
{
	long fd = syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : (int)fd;
}

bool udamos_pidfd_alive(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;

	/* A pidfd polls readable once its process has exited.  A signal
	 * (SIGINT to stop us) must not pass for the target's death. */
	while ((r = poll(&p, 1, 0)) < 0 && errno == EINTR)
		;
	return r <= 0;
}

ssize_t udamos_process_madvise(int pidfd, const struct iovec *iov, size_t n,
			       int advice)
{
	long r = syscall(SYS_process_madvise, pidfd, iov, n, advice, 0);

	return r < 0 ? -errno : r;
}

int udamos_madvise_probe(int pidfd, int advice)
{
	ssize_t r = udamos_process_madvise(pidfd, NULL, 0, advice);

	return r < 0 ? (int)r : 0;
}
