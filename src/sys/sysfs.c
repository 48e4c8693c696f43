// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Small kernel files; see sysfs.h.
 */
#include "sys/sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/retry.h"
#include "sys/clock.h"

int udamos_sysfs_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	/* Trailing newlines only: some files (avail_operations) list one
	 * value per line. */
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

int udamos_sysfs_write(const char *path, const char *value)
{
	/* O_TRUNC as a shell's '>' does: sysfs ignores it, a plain file
	 * (a test's stand-in knob) needs it. */
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	size_t len = strlen(value);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

struct write_args {
	const char *path, *value;
};

static int write_once(void *ctx)
{
	const struct write_args *a = ctx;

	return udamos_sysfs_write(a->path, a->value);
}

int udamos_sysfs_write_retry(const char *path, const char *value)
{
	struct write_args a = { path, value };

	return udamos_retry_busy(write_once, &a, UDAMOS_BUSY_TRIES, udamos_sleep_ms);
}

int udamos_sysfs_read_choice(const char *path, char *buf, size_t len)
{
	char raw[512], *open_b, *close_b;
	int err = udamos_sysfs_read(path, raw, sizeof(raw));

	if (err)
		return err;
	raw[strcspn(raw, "\n")] = '\0';
	open_b = strchr(raw, '[');
	close_b = open_b ? strchr(open_b, ']') : NULL;
	if (open_b && close_b) {
		*close_b = '\0';
		snprintf(buf, len, "%s", open_b + 1);
	} else {
		snprintf(buf, len, "%s", raw);
	}
	return 0;
}
