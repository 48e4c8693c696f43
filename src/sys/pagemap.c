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
#define PM_SWAP (1ULL << 62)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_THP 22
#define PAGES_PER_HUGE (udamos_huge_size() / udamos_page_size())

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
	uint64_t page = start / udamos_page_size(), last = end / udamos_page_size(), *buf;
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
			uint64_t e = buf[i], pfn = e & PM_PFN_MASK, va = (page + i) * udamos_page_size();
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
			if (x && x->vaddr + x->npages * udamos_page_size() == va &&
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

/*
 * One huge page, by the pagemap entries of a window's first and last base
 * pages: the first is an aligned THP head and the last its tail one huge
 * page's frames on.  Smaller (mTHP) folios fail one of the checks.
 */
static bool huge_by_ends(const struct udamos_pagemap *pm, uint64_t first, uint64_t last)
{
	uint64_t head = first & PM_PFN_MASK, tail = last & PM_PFN_MASK, fh, ft;

	/* A PFN of 0: present, but PFNs hidden from us. */
	if (pm->kpageflags_fd < 0 || !(first & PM_PRESENT) || !(last & PM_PRESENT) ||
	    !head || head % PAGES_PER_HUGE || tail != head + PAGES_PER_HUGE - 1)
		return false;
	if (!read_u64(pm->kpageflags_fd, head, &fh) ||
	    !read_u64(pm->kpageflags_fd, tail, &ft))
		return false;
	return (fh >> KPF_THP & 1) && (fh >> KPF_COMPOUND_HEAD & 1) &&
		(ft >> KPF_COMPOUND_TAIL & 1);
}

bool udamos_window_is_huge(const struct udamos_pagemap *pm, uint64_t addr)
{
	uint64_t first, last, index = addr / udamos_page_size();

	return pm->pagemap_fd >= 0 && pm->kpageflags_fd >= 0 &&
		read_u64(pm->pagemap_fd, index, &first) &&
		read_u64(pm->pagemap_fd, index + PAGES_PER_HUGE - 1, &last) &&
		huge_by_ends(pm, first, last);
}

int udamos_window_read(const struct udamos_pagemap *pm, uint64_t addr,
		       uint64_t *pages, bool *huge)
{
	uint64_t buf[512], first_entry = 0, first = addr / udamos_page_size();
	uint64_t nr = PAGES_PER_HUGE;

	*pages = 0;
	if (huge)
		*huge = false;
	if (pm->pagemap_fd < 0)
		return -EBADF;
	/* No PFNs needed for the count, so it works without CAP_SYS_ADMIN. */
	for (uint64_t done = 0; done < nr;) {
		size_t want = nr - done < 512 ? (size_t)(nr - done) : 512, got_nr;
		ssize_t got = pread(pm->pagemap_fd, buf, want * sizeof(*buf),
				    (off_t)((first + done) * sizeof(*buf)));

		if (got < 0)
			return -errno;
		if (got == 0)
			return -ESRCH;	/* the mm is gone */
		got_nr = (size_t)got / sizeof(*buf);
		if (!done)
			first_entry = buf[0];
		for (size_t i = 0; i < got_nr; i++)
			*pages += !!(buf[i] & (PM_PRESENT | PM_SWAP));
		done += got_nr;
		if (done == nr && huge)
			*huge = huge_by_ends(pm, first_entry, buf[got_nr - 1]);
	}
	return 0;
}
