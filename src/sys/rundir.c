// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udamos's run directory; see rundir.h.
 */
#include "sys/rundir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int udamos_rundir_ensure(char *why, size_t len)
{
	struct stat st;

	if (mkdir(UDAMOS_RUN_DIR, 0700) && errno != EEXIST) {
		int err = -errno;

		if (err == -EROFS)
			snprintf(why, len, "cannot create %s: /run is read-only; udamos keeps its "
				 "kdamond records, knob leases and tracefs mount there, so /run "
				 "must be writable (a tmpfs, as systemd mounts it)", UDAMOS_RUN_DIR);
		else
			snprintf(why, len, "cannot create %s (%s); it needs root: run udamos as "
				 "root", UDAMOS_RUN_DIR, strerror(-err));
		return err;
	}
	if (lstat(UDAMOS_RUN_DIR, &st)) {
		int err = -errno;

		snprintf(why, len, "cannot check %s (%s)", UDAMOS_RUN_DIR, strerror(-err));
		return err;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0) {
		snprintf(why, len, "%s is not a directory of root's (a link, a file, or another "
			 "user's); remove it and run udamos again", UDAMOS_RUN_DIR);
		return -EPERM;
	}
	if ((st.st_mode & 077) && chmod(UDAMOS_RUN_DIR, 0700)) {
		int err = -errno;

		snprintf(why, len, "%s is open to other users and cannot be closed (%s); "
			 "chmod 0700 it", UDAMOS_RUN_DIR, strerror(-err));
		return err;
	}
	return 0;
}
