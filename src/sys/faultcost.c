// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cost of one minor fault; see faultcost.h.
 */
#include "sys/faultcost.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sys/clock.h"

#define FAULT_PAGES 1024
#define FAULT_TIMINGS 3

static int time_faults(uint64_t *ns)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len = FAULT_PAGES * page;
	volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t t0;

	if (p == MAP_FAILED)
		return -errno;
	/* Small pages whatever THP says: one huge fault would time a
	 * zeroing of 2 MiB, not the path the target's faults take. */
	madvise((void *)p, len, MADV_NOHUGEPAGE);
	t0 = udamos_now_ns();
	for (size_t off = 0; off < len; off += page)
		p[off] = 1;
	*ns = (udamos_now_ns() - t0) / FAULT_PAGES;
	munmap((void *)p, len);
	return 0;
}

int udamos_minor_fault_ns(uint64_t *ns)
{
	/* A property of the machine: the daemon asks at every run start. */
	static uint64_t timed;
	static int err;

	if (!timed && !err) {
		int last = 0;

		/* The least: preemption and the other CPU only ever add. */
		for (int i = 0; i < FAULT_TIMINGS; i++) {
			uint64_t t = 0;

			last = time_faults(&t);
			if (!last && (!timed || t < timed))
				timed = t ? t : 1;
		}
		if (!timed)
			err = last;
	}
	if (!timed)
		return err;
	*ns = timed;
	return 0;
}
