// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output files; see outfile.h.
 */
#include "sys/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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

int udamos_outfile_replace(const char *path, const char *data, size_t len, unsigned mode,
			   char *why, size_t why_len)
{
	char tmp[4096];
	FILE *f;
	int err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(why, why_len, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	unlink(tmp);	/* left by a writer that died mid-write */
	f = udamos_outfile_open(tmp, true, mode);
	if (!f || fwrite(data, 1, len, f) != len)
		err = -errno;
	if (f && fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		snprintf(why, why_len, "cannot write %s: %s; check that its directory exists and "
			 "is writable", path, strerror(-err));
		unlink(tmp);
	}
	return err;
}
