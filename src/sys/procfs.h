/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * procfs readers: a target's mappings, memory totals and THP status, and
 * the system's free memory and memory pressure.  Each reader that takes a
 * pidfd checks it after opening the file, so data of a recycled PID is
 * never returned.
 */
#ifndef UDAMOS_SYS_PROCFS_H
#define UDAMOS_SYS_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct udamos_vma {
	uint64_t start, end;
	bool anon;		/* not backed by a file */
	bool readable;
};

/* All mappings, sorted.  Returns 0 or -errno (-ESRCH: process gone). */
int udamos_read_vmas(pid_t pid, int pidfd, struct udamos_vma **out, size_t *n);

struct udamos_mem_usage {
	uint64_t rss;			/* bytes */
	uint64_t anon_huge;		/* bytes in anonymous huge pages */
};

int udamos_read_mem_usage(pid_t pid, int pidfd, struct udamos_mem_usage *out);

/* THP_enabled from /proc/PID/status: 1, 0, or -errno when absent. */
int udamos_read_thp_enabled(pid_t pid, int pidfd);

struct udamos_meminfo {
	uint64_t total, free, available;	/* bytes */
};

int udamos_read_meminfo(struct udamos_meminfo *out);

struct udamos_proc_stat {
	uint64_t cpu_us;		/* user + system time */
	unsigned long long start_ticks;	/* start time, tells PID reuse apart */
};

/* From /proc/PID/stat.  0 or -errno. */
int udamos_read_proc_stat(pid_t pid, struct udamos_proc_stat *out);
/* Total microseconds of "some" memory stall, from /proc/pressure/memory. */
int udamos_read_mem_psi_some_us(uint64_t *out);
/* Whether pid is a live udamos process (by its comm): what names a stale
 * udamos-PID leftover apart from one in use. */
bool udamos_pid_is_udamos(pid_t pid);

#endif
