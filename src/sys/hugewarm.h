/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A huge page made ready in udamos's own memory just before each collapse.
 *
 * A VM that hands its free memory back to its host (virtio-balloon free
 * page reporting) has the host fault each huge page in again on first
 * use.  MADV_COLLAPSE takes a new huge page and its first use is the copy,
 * done while it holds the target's mmap_lock for writing: on this project's
 * VMs 5-20 ms per window against 0.5 ms for memory already backed
 * (docs/performance.md).  A huge page faulted in here and freed at once
 * goes to the head of this CPU's free list, where the collapse's
 * allocation finds it: the host's fault-in moves out of the target's lock
 * into udamos's own time.
 */
#ifndef UDAMOS_SYS_HUGEWARM_H
#define UDAMOS_SYS_HUGEWARM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether to make one ready before each collapse; auto: where free pages
 * are reported to a VM host (udamos_free_pages_reported). */
enum udamos_collapse_warm { UDAMOS_WARM_AUTO, UDAMOS_WARM_ON, UDAMOS_WARM_OFF };


struct udamos_hugewarm {
	void *map;		/* two huge pages of address space */
	size_t map_len;
	char *page;		/* the aligned one within it */
	uint64_t nr;		/* huge pages made ready */
	uint64_t ns;		/* time spent on them */
};

/* Reserves the address space.  0 or -errno. */
int udamos_hugewarm_open(struct udamos_hugewarm *w);
/* Faults a huge page in and frees it: call just before one collapse. */
void udamos_hugewarm_one(struct udamos_hugewarm *w);
void udamos_hugewarm_close(struct udamos_hugewarm *w);

/* Whether a virtio balloon reports this machine's free pages to its host
 * (read once per process). */
bool udamos_free_pages_reported(void);

#endif
