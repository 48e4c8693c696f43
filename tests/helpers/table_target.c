// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The target of tests/integration/table_test.c: one page table's span
 * (1 GiB with 4 KiB pages), aligned, holding
 *   - HOT windows read all the time,
 *   - COLD whole windows written once and never read again,
 *   - SPARSE windows with every other page,
 *   - a shared memory file (memfd) of FILE_WIN windows, populated,
 * and in the next table NEXT whole windows, cold.  Writes the table's
 * address to stdout, then reads the hot windows until killed.  Built
 * without sanitizers, so that it looks like any application.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sys/pagesize.h"
#include "table_layout.h"

static void fill(uint8_t *p, uint64_t len, uint64_t step, uint64_t page)
{
	for (uint64_t off = 0; off < len; off += step * page)
		p[off] = 1;
}

int main(void)
{
	uint64_t page, huge, span, sum = 0;
	uint8_t *raw, *t;
	int fd;

	if (udamos_kernel_geometry(&page, &huge))
		return 1;
	span = huge / page * huge;
	raw = mmap(NULL, 3 * span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (raw == MAP_FAILED)
		return 1;
	t = (uint8_t *)(((uintptr_t)raw + span - 1) & ~(span - 1));
	/* The pieces are mapped into the reservation before anything is
	 * touched, as an allocator places its arenas. */
	if (mmap(t, TL_ANON_WIN * huge, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ||
	    mmap(t + span, TL_NEXT * huge, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		return 1;
	fd = memfd_create("table_target", 0);
	if (fd < 0 || ftruncate(fd, (off_t)(TL_FILE_WIN * huge)) ||
	    mmap(t + TL_FILE_AT * huge, TL_FILE_WIN * huge, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		return 1;
	fill(t, (TL_HOT + TL_COLD) * huge, 1, page);
	fill(t + (TL_HOT + TL_COLD) * huge, TL_SPARSE * huge, 2, page);
	fill(t + TL_FILE_AT * huge, TL_FILE_WIN * huge, 1, page);
	fill(t + span, TL_NEXT * huge, 1, page);
	printf("%p\n", (void *)t);
	fflush(stdout);
	for (;;) {
		for (uint64_t off = 0; off < TL_HOT * huge; off += page)
			sum += t[off];
		/* The reads are the point: keep the compiler from dropping them. */
		__asm__ __volatile__("" : : "r"(sum) : "memory");
	}
}
