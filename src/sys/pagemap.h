/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Page-level facts from /proc/PID/pagemap and /proc/kpageflags: whether a
 * 2 MiB window of a target is backed by one huge page.  Needs
 * CAP_SYS_ADMIN for the PFNs; without it every window reads as not huge.
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

/* True when [addr, addr + 2 MiB) is mapped by a single huge page. */
bool udamos_window_is_huge(const struct udamos_pagemap *pm, uint64_t addr);

#endif
