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

/*
 * One mapping at a time, through the PROCMAP_QUERY ioctl (Linux 6.11+):
 * the kernel looks up one VMA instead of printing them all, so the
 * target's mmap_lock is held for a lookup, not for a walk of every
 * mapping.  open returns an fd (checked against pidfd) or -errno; query
 * fills *out with the mapping holding addr or the first above it, and
 * returns 0, -ENOENT (none), -ENOTTY (a kernel without the ioctl),
 * -ESRCH (gone) or another -errno.
 */
int udamos_vma_query_open(pid_t pid, int pidfd);
int udamos_vma_query(int fd, uint64_t addr, struct udamos_vma *out);

struct udamos_mem_usage {
	uint64_t rss;			/* bytes */
	uint64_t anon_huge;		/* bytes in anonymous huge pages */
};

int udamos_read_mem_usage(pid_t pid, int pidfd, struct udamos_mem_usage *out);

/* THP_enabled from /proc/PID/status: 1, 0, or -errno when absent. */
int udamos_read_thp_enabled(pid_t pid, int pidfd);

struct udamos_meminfo {
	uint64_t total, free, available;	/* bytes */
	/* Transparent huge pages: anonymous, shmem and file-backed. */
	uint64_t anon_huge, shmem_huge, file_huge;
};

int udamos_read_meminfo(struct udamos_meminfo *out);

struct udamos_proc_stat {
	uint64_t cpu_us;		/* user + system time */
	unsigned long long start_ticks;	/* start time, tells PID reuse apart */
	uint64_t minflt;		/* minor faults, all its threads */
};

/* From /proc/PID/stat; with a pidfd (else -1), only while that process
 * lives, so a reused PID is never read for it.  0, -ENOENT (no such
 * process), -ESRCH (the pidfd's process is gone) or another -errno. */
int udamos_read_proc_stat(pid_t pid, int pidfd, struct udamos_proc_stat *out);
/* Its start time in clock ticks since boot, to tell a PID's reuse apart;
 * 0 when it cannot be read. */
unsigned long long udamos_proc_start_ticks(pid_t pid);
/* Total microseconds of "some" memory stall, from /proc/pressure/memory. */
int udamos_read_mem_psi_some_us(uint64_t *out);
/* Whether pid is a live udamos process (by its comm): what names a stale
 * udamos-PID leftover apart from one in use. */
bool udamos_pid_is_udamos(pid_t pid);

#endif
