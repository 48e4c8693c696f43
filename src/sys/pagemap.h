/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Page-level facts from /proc/PID/pagemap and /proc/kpageflags: whether a
 * huge-page window of a target is backed by one huge page (needs
 * CAP_SYS_ADMIN for the PFNs; without it every window reads as not huge),
 * and how much of it is populated.
 */
#ifndef UDAMOS_SYS_PAGEMAP_H
#define UDAMOS_SYS_PAGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct udamos_pagemap {
	int pagemap_fd;
	int kpageflags_fd;
};

/* Returns 0 or -errno. */
int udamos_pagemap_open(struct udamos_pagemap *pm, pid_t pid, int pidfd);
void udamos_pagemap_close(struct udamos_pagemap *pm);

struct udamos_extent;

/*
 * Appends the extents of [start, end) (virtually and physically
 * contiguous runs of present pages) to *ext.  0 or -errno.
 */
int udamos_pagemap_extents(const struct udamos_pagemap *pm, uint64_t start,
			   uint64_t end, struct udamos_extent **ext, size_t *n,
			   size_t *cap);

/* True when the huge-page window at addr is mapped by one huge page. */
bool udamos_window_is_huge(const struct udamos_pagemap *pm, uint64_t addr);

/*
 * Counts the base pages of the huge-page window at addr that are
 * populated (present or swapped out): what MADV_COLLAPSE would not have
 * to fill with zeroes; with huge, also says what udamos_window_is_huge
 * would, from the same read.  0 or -errno.
 */
int udamos_window_read(const struct udamos_pagemap *pm, uint64_t addr,
		       uint64_t *pages, bool *huge);

#endif
