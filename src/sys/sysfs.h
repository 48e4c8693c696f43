/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small kernel files, read and written whole: sysfs knobs (THP,
 * khugepaged, DAMON, virtio) and the test stand-ins that take their place.
 * Every adapter that reads one value or writes one goes through here.
 */
#ifndef UDAMOS_SYS_SYSFS_H
#define UDAMOS_SYS_SYSFS_H

#include <stddef.h>

/* The file's text without its trailing newlines.  0 or -errno. */
int udamos_sysfs_read(const char *path, char *buf, size_t len);
/* For "a [b] c" files, the bracketed "b"; otherwise the first line. */
int udamos_sysfs_read_choice(const char *path, char *buf, size_t len);
/* Writes value.  0 or -errno. */
int udamos_sysfs_write(const char *path, const char *value);
/* The same, retried while the kernel answers EBUSY (for at most ~2 s). */
int udamos_sysfs_write_retry(const char *path, const char *value);

#endif
