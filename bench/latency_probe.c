// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The latency probe: a target that behaves like a latency-sensitive server
 * and times every operation it does.  One thread serves "requests" of 8
 * random reads from a hot set; every 2 ms it also maps 256 KiB, faults in
 * its 64 pages and unmaps it, which needs the mmap_lock that collapse
 * takes.  Latencies go into log-linear histograms in a shared file, read
 * by bench/latency while udamos (or the kernel) works on this process.
 * It never flushes its own TLB and never touches the monitor.
 *
 * usage: latency_probe FILE FOOTPRINT_MIB HOT_MIB [madvise]
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "latency.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct lat_shared *sh;
	uint64_t footprint, hot, words, x = 0x9e3779b97f4a7c15ULL, sum = 0, next_mm;
	uint64_t *mem;
	int fd;

	if (argc < 4)
		return 2;
	footprint = strtoull(argv[2], NULL, 10) << 20;
	hot = strtoull(argv[3], NULL, 10) << 20;
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		return 1;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	mem = mmap(NULL, footprint, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || mem == MAP_FAILED)
		return 1;
	words = footprint / sizeof(*mem);
	for (uint64_t i = 0; i < words; i += 512)
		mem[i] = i;
	/* The hot set is the mapping's first HOT_MIB.  "madvise" opts it in
	 * once populated, so that khugepaged, not the page faults, makes its
	 * huge pages, as for an application that was already running. */
	if (argc > 4 && !strcmp(argv[4], "madvise"))
		madvise(mem, hot, MADV_HUGEPAGE);
	sh->base = (uint64_t)(uintptr_t)mem;
	sh->hot = hot;
	__atomic_store_n(&sh->ready, 1, __ATOMIC_RELEASE);
	words = hot / sizeof(*mem);
	next_mm = now_ns();
	for (;;) {
		uint64_t t0 = now_ns(), t1;

		for (int k = 0; k < 8; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			sum += mem[x % words];
		}
		__asm__ __volatile__("" : : "r"(sum) : "memory");
		t1 = now_ns();
		lat_note(&sh->read, t1 - t0);
		if (t1 >= next_mm) {
			char *p = mmap(NULL, 256 << 10, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p != MAP_FAILED) {
				for (int i = 0; i < 64; i++)
					p[i * 4096] = (char)i;
				munmap(p, 256 << 10);
			}
			lat_note(&sh->mm, now_ns() - t1);
			next_mm = t1 + 2000000;
		}
	}
}
