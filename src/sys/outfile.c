// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output files; see outfile.h.
 */
#include "sys/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

FILE *udamos_outfile_open(const char *path, bool exclusive, unsigned mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
		      (exclusive ? O_EXCL : O_TRUNC), mode);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return f;
}
