/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Finding processes: every PID on the machine, the PIDs of a cgroup v2
 * subtree, and the few facts a selector looks at (name, executable,
 * cgroup, resident size).  Facts are read one file each and only when
 * asked, because the daemon looks at every process every few seconds.
 * These readers take no pidfd: what they find is a candidate, and the
 * run opens a pidfd before anything acts on it.
 */
#ifndef UDAMOS_SYS_PROCSCAN_H
#define UDAMOS_SYS_PROCSCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Appends every PID in /proc (processes, not threads).  0 or -errno. */
int udamos_scan_pids(pid_t **pids, size_t *nr, size_t *cap);

/*
 * Appends the PIDs of the cgroup at path (as /proc/PID/cgroup shows it)
 * and of every cgroup below it.  0, -ENOENT when it does not exist (yet),
 * or another -errno.
 */
int udamos_scan_cgroup(const char *cgroup_root, const char *path, pid_t **pids,
		       size_t *nr, size_t *cap);

/* Each fills buf and returns 0, or -errno (-ENOENT: the process went). */
int udamos_proc_comm(pid_t pid, char *buf, size_t len);
int udamos_proc_exe(pid_t pid, char *buf, size_t len);	/* -ENOENT too for kernel threads */
int udamos_proc_cgroup(pid_t pid, char *buf, size_t len);
/* Resident bytes; 0 for a kernel thread. */
int udamos_proc_rss(pid_t pid, uint64_t *rss);

/*
 * Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on a unified
 * system, /sys/fs/cgroup/unified on a hybrid one.  0, or -ENOENT.
 */
int udamos_cgroup2_root(char *buf, size_t len);

#endif
