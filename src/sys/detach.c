// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Detaching a forked child from its parent's descriptors; see detach.h.
 */
#include "sys/detach.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

void udamos_child_detach(pid_t parent, int keep_fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(5);
	if (keep_fd > 3)
		close_range(3, (unsigned)keep_fd - 1, 0);
	close_range(keep_fd >= 3 ? (unsigned)keep_fd + 1 : 3, ~0U, 0);
}
