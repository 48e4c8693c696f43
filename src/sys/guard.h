/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Restore guard for global sysfs settings (THP mode, khugepaged tunables).
 *
 * Settings are shared by every process on the machine, so whoever changes
 * one must put it back on every exit path.  atexit and signal handlers
 * miss SIGKILL and crashes; the guard does not: a small child process,
 * detached from our process group, holds the saved values and writes them
 * back as soon as its pipe from us closes, which the kernel does however
 * we die.
 */
#ifndef UDAMOS_SYS_GUARD_H
#define UDAMOS_SYS_GUARD_H

#include <stddef.h>
#include <sys/types.h>

#define UDAMOS_GUARD_MAX 8

struct udamos_guard {
	struct {
		char path[256];
		char value[64];
	} saved[UDAMOS_GUARD_MAX];
	size_t nr;
	pid_t child;
	int pipe_w;
};

void udamos_guard_init(struct udamos_guard *g);
/*
 * Remembers path's current value (for THP-style files, the bracketed
 * choice).  Call for every file before udamos_guard_arm().  0 or -errno.
 */
int udamos_guard_save(struct udamos_guard *g, const char *path);
/* Starts the guard process.  0 or -errno. */
int udamos_guard_arm(struct udamos_guard *g);
/* Restores every saved value now and stops the guard. */
void udamos_guard_restore(struct udamos_guard *g);

/* Writes value to a sysfs file.  0 or -errno. */
int udamos_sysfs_write(const char *path, const char *value);
/* Reads a sysfs file; for "a [b] c" files, yields the bracketed "b". */
int udamos_sysfs_read_choice(const char *path, char *buf, size_t len);

#endif
