// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Targets of awkward shapes for bench/run-load, each reading its hot
 * memory at random until killed (no TLB flushes of its own, like any
 * application):
 *
 *   load_shapes vmas N       N one-page mappings with a hole after each, so
 *                            that none merge: N VMAs, all hot
 *   load_shapes sparse G H   a G GiB mapping with H MiB touched, all of it
 *                            read (hot), at the mapping's start
 *
 * Prints the address range of its hot memory, "START END", once ready.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096UL

static _Noreturn void read_forever(uint8_t **pages, size_t n)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL, sum = 0;

	for (;;) {
		for (int k = 0; k < 4096; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			sum += pages[x % n][(x >> 32) % PAGE];
		}
		__asm__ __volatile__("" : : "r"(sum) : "memory");
	}
}

int main(int argc, char **argv)
{
	uint8_t **pages;
	size_t n;

	if (argc == 3 && !strcmp(argv[1], "vmas")) {
		size_t nr = strtoul(argv[2], NULL, 0);
		/* A free stretch of address space, found by mapping it and
		 * giving it back untouched; then one page in every two. */
		uint8_t *base = mmap(NULL, 2 * nr * PAGE, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		pages = calloc(nr, sizeof(*pages));
		if (base == MAP_FAILED || !pages || munmap(base, 2 * nr * PAGE))
			return 1;
		for (n = 0; n < nr; n++) {
			uint8_t *p = mmap(base + 2 * n * PAGE, PAGE, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

			if (p == MAP_FAILED) {
				perror("mmap (raise vm.max_map_count)");
				return 1;
			}
			memset(p, 1, PAGE);
			pages[n] = p;
		}
		printf("%lu %lu\n", (unsigned long)(uintptr_t)base,
		       (unsigned long)(uintptr_t)(base + 2 * nr * PAGE));
	} else if (argc == 4 && !strcmp(argv[1], "sparse")) {
		size_t len = strtoul(argv[2], NULL, 0) << 30, hot = strtoul(argv[3], NULL, 0) << 20;
		uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		n = hot / PAGE;
		pages = calloc(n, sizeof(*pages));
		if (!pages)
			return 1;
		memset(p, 1, hot);
		for (size_t i = 0; i < n; i++)
			pages[i] = p + i * PAGE;
		printf("%lu %lu\n", (unsigned long)(uintptr_t)p, (unsigned long)(uintptr_t)(p + hot));
	} else {
		fprintf(stderr, "usage: %s vmas N | sparse GIB HOT_MIB\n", argv[0]);
		return 2;
	}
	fflush(stdout);
	read_forever(pages, n);
}
