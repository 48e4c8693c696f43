// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pagemap and kpageflags reads; see pagemap.h.
 */
#include "sys/pagemap.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "core/projection.h"
#include "core/vec.h"
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

#define CHUNK 8192	/* entries per read: 32 MiB of address space */

int udamos_pagemap_extents(const struct udamos_pagemap *pm, uint64_t start,
			   uint64_t end, struct udamos_extent **ext, size_t *n,
			   size_t *cap)
{
	uint64_t page = start / UDAMOS_PAGE_SIZE, last = end / UDAMOS_PAGE_SIZE, *buf;
	size_t hidden = 0, shown = 0;
	int err = 0;

	if (pm->pagemap_fd < 0)
		return -EBADF;
	/* The caller's own: two threads, or a reader inside a reader, must
	 * not share one buffer. */
	buf = malloc(CHUNK * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	while (!err && page < last) {
		size_t want = last - page < CHUNK ? last - page : CHUNK;
		ssize_t got = pread(pm->pagemap_fd, buf, want * sizeof(*buf),
				    (off_t)(page * sizeof(*buf)));

		if (got < 0) {
			err = -errno;
			break;
		}
		if (got == 0)
			break;
		for (size_t i = 0; !err && i < (size_t)got / sizeof(*buf); i++) {
			uint64_t e = buf[i], pfn = e & PM_PFN_MASK, va = (page + i) * UDAMOS_PAGE_SIZE;
			struct udamos_extent *x = *n ? &(*ext)[*n - 1] : NULL;

			if (!(e & PM_PRESENT))
				continue;
			/* Present with frame 0: the kernel hides frames from
			 * readers without CAP_SYS_ADMIN. */
			if (!pfn) {
				hidden++;
				continue;
			}
			shown++;
			if (x && x->vaddr + x->npages * UDAMOS_PAGE_SIZE == va &&
			    x->pfn + x->npages == pfn) {
				x->npages++;
				continue;
			}
			if (udamos_reserve(ext, cap, *n + 1, sizeof(**ext)))
				err = -ENOMEM;
			else
				(*ext)[(*n)++] = (struct udamos_extent){ va, pfn, 1 };
		}
		page += (size_t)got / sizeof(*buf);
	}
	free(buf);
	if (err)
		return err;
	return hidden && !shown ? -EPERM : 0;
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
