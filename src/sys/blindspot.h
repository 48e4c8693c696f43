/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The accessed-bit blind spot, and the one system call that makes up for
 * it.
 *
 * DAMON (and reclaim, and clear_refs) clear a page's accessed bit without
 * flushing the TLB.  While a process's translation stays cached, its
 * accesses never set the bit again, so its hottest memory reads as idle.
 * On hardware that hits what stays in the TLB (small hot sets, and huge
 * pages, which udamos creates); under a hypervisor that shadows page
 * tables it can hit everything.  Whether it does depends on the machine
 * and even on the hypervisor's build, so it is measured, never assumed.
 */
#ifndef UDAMOS_SYS_BLINDSPOT_H
#define UDAMOS_SYS_BLINDSPOT_H

#include <stdbool.h>
#include <stdint.h>

struct udamos_blindspot {
	bool probed;
	bool blind;
	/* Of the probe's pages read after their bits were cleared, the share
	 * the kernel saw as accessed, per thousand. */
	uint32_t seen_permil;
};

/*
 * The probe: a child of ours reads its own 16 MiB over and over, as a
 * target would, without system calls; we clear its accessed bits through
 * /proc/PID/clear_refs (which, like DAMON, does not flush), let it run
 * 10 ms, about a monitor's sampling interval, and count the pages
 * /proc/PID/smaps calls referenced; ten times, averaged.  Blind when
 * fewer than 90% are (each page is read dozens of times in 10 ms).
 * Only the child's memory is touched.  Run it before starting a kdamond:
 * contention deschedules the child, and a context switch may flush its
 * TLB and hide the blind spot from the probe.
 * Returns 0 or -errno (-EACCES without the right to clear_refs).
 */
int udamos_blindspot_probe(struct udamos_blindspot *out);

/*
 * Makes the kernel flush the target's whole TLB: MADV_COLD on one 2 MiB
 * aligned window, through the pidfd.  The kernel flushes when it clears
 * an accessed bit in the range (the whole mm when the range spans more
 * than 33 pages), so the window must hold recently used pages; see
 * source/flusher.h for which window, and why that is harmless.
 * Returns 0 or -errno (-ESRCH once the target is gone).
 */
int udamos_tlb_flush(int pidfd, uint64_t window, uint64_t window_size);

#endif
