// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The target of tests/integration/sparse_test.c: four huge-page windows,
 * the first two whole and the last two with every other page, read all
 * the time.  Writes the first window's address to stdout, then reads
 * until killed.  Built without sanitizers, so that it looks like any
 * application (a child forked from an ASan build carries its shadow).
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include "sys/pagesize.h"

#define NR_WIN 4

int main(void)
{
	uint64_t page, huge;
	uint8_t *raw, *mem;
	uint64_t sum = 0;

	if (udamos_kernel_geometry(&page, &huge))
		return 1;
	raw = mmap(NULL, (NR_WIN + 1) * huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return 1;
	mem = (uint8_t *)(((uintptr_t)raw + huge - 1) & ~(huge - 1));
	for (uint64_t w = 0; w < NR_WIN; w++)
		for (uint64_t p = 0; p < huge / page; p += w < 2 ? 1 : 2)
			mem[w * huge + p * page] = (uint8_t)(w + 1);
	printf("%p\n", (void *)mem);
	fflush(stdout);
	for (;;) {
		for (uint64_t w = 0; w < NR_WIN; w++)
			for (uint64_t p = 0; p < huge / page; p += w < 2 ? 1 : 2)
				sum += mem[w * huge + p * page];
		/* The reads are the point: keep the compiler from dropping them. */
		__asm__ __volatile__("" : : "r"(sum) : "memory");
	}
}
