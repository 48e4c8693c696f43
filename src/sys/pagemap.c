// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pagemap and kpageflags reads; see pagemap.h.
 */
#include "sys/pagemap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "sys/pidfd.h"
#include "udamos/snapshot.h"

#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_THP 22
#define PAGES_PER_HUGE (UDAMOS_HUGE_SIZE / UDAMOS_PAGE_SIZE)

int udamos_pagemap_open(struct udamos_pagemap *pm, pid_t pid, int pidfd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	pm->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pm->pagemap_fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (pidfd >= 0 && !udamos_pidfd_alive(pidfd)) {
		close(pm->pagemap_fd);
		pm->pagemap_fd = -1;
		return -ESRCH;
	}
	pm->kpageflags_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	return 0;
}

void udamos_pagemap_close(struct udamos_pagemap *pm)
{
	if (pm->pagemap_fd >= 0)
		close(pm->pagemap_fd);
	if (pm->kpageflags_fd >= 0)
		close(pm->kpageflags_fd);
	pm->pagemap_fd = pm->kpageflags_fd = -1;
}

static bool read_u64(int fd, uint64_t index, uint64_t *out)
{
	return pread(fd, out, sizeof(*out), (off_t)(index * sizeof(*out))) ==
		(ssize_t)sizeof(*out);
}

static bool pfn_of(const struct udamos_pagemap *pm, uint64_t addr, uint64_t *pfn)
{
	uint64_t e;

	if (!read_u64(pm->pagemap_fd, addr / UDAMOS_PAGE_SIZE, &e) || !(e & PM_PRESENT))
		return false;
	*pfn = e & PM_PFN_MASK;
	return *pfn != 0;	/* 0: present, but PFNs hidden from us */
}

bool udamos_window_is_huge(const struct udamos_pagemap *pm, uint64_t addr)
{
	uint64_t head, tail, fh, ft;

	if (pm->pagemap_fd < 0 || pm->kpageflags_fd < 0)
		return false;
	/* One huge page: the first page is an aligned THP head and the last
	 * page is its tail 511 frames on.  Smaller (mTHP) folios fail one of
	 * the two checks. */
	if (!pfn_of(pm, addr, &head) || head % PAGES_PER_HUGE ||
	    !pfn_of(pm, addr + UDAMOS_HUGE_SIZE - UDAMOS_PAGE_SIZE, &tail) ||
	    tail != head + PAGES_PER_HUGE - 1)
		return false;
	if (!read_u64(pm->kpageflags_fd, head, &fh) ||
	    !read_u64(pm->kpageflags_fd, tail, &ft))
		return false;
	return (fh >> KPF_THP & 1) && (fh >> KPF_COMPOUND_HEAD & 1) &&
		(ft >> KPF_COMPOUND_TAIL & 1);
}
