/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pidfd adapters: every action on a target goes through a pidfd, so a PID
 * reused by another process after the target exits is never acted on.
 */
#ifndef UDAMOS_SYS_PIDFD_H
#define UDAMOS_SYS_PIDFD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

/* Returns a pidfd, or -errno (-ESRCH: no such process). */
int udamos_pidfd_open(pid_t pid);
/* True while the process has not exited. */
bool udamos_pidfd_alive(int pidfd);
/* Bytes advised (possibly fewer than asked), or -errno. */
ssize_t udamos_process_madvise(int pidfd, const struct iovec *iov, size_t n,
			       int advice);
/*
 * Zero-length process_madvise: checks, without touching any memory, that
 * the kernel accepts this advice on another process and that we may give
 * it.  0, -EINVAL (advice unsupported), -EPERM or -ENOSYS.
 */
int udamos_madvise_probe(int pidfd, int advice);

#endif
