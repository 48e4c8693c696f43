// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a partly collapsed page table costs the small pages left in it.
 *
 * One page-middle-directory table maps 1 GiB (512 windows of 2 MiB).  This
 * benchmark fills two such aligned spans of its own memory with small
 * pages, then collapses half of the first (MADV_COLLAPSE on itself), then
 * the rest of it, and after each step times dependent random reads in the
 * huge half, the small half and the untouched span.  On bare metal the
 * small pages cost what they did before.  Under a hypervisor that shadows
 * the guest's page tables (PVM, this project's VMs) a table that maps both
 * huge and small pages was measured to make its small pages several times
 * slower, until the whole table is huge (docs/performance.md).  Each read
 * depends on the one before, so the figure is a latency, not a bandwidth.
 *
 *   mixed_table [--rounds N] [--json]
 *
 * Only its own memory is touched; no global setting is read or changed.
 * Figures, not assertions.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/rng.h"
#include "sys/clock.h"
#include "sys/procfs.h"
#include "sys/pidfd.h"	/* MADV_COLLAPSE where libc lacks it */
#include "udamos/snapshot.h"

#define TABLE_SPAN (1ULL << 30)
#define READS 1000000

static struct udamos_rng rng = { 1 };

/* Nanoseconds per read at random offsets of [p, p + len), each offset
 * depending on the byte read before it. */
static double read_ns(const volatile char *p, uint64_t len)
{
	uint64_t t0 = udamos_now_ns(), sum = 0;

	for (int i = 0; i < READS; i++)
		sum += (uint64_t)p[(udamos_rng_next(&rng) + sum) % len];
	return (double)(udamos_now_ns() - t0) / READS;
}

/* Collapses [p, p + len) window by window; returns the windows made huge. */
static unsigned collapse(char *p, uint64_t len)
{
	uint64_t huge = udamos_huge_size();
	unsigned n = 0;

	for (uint64_t off = 0; off < len; off += huge)
		n += !madvise(p + off, huge, MADV_COLLAPSE);
	return n;
}

struct step {
	const char *name;
	double huge_ns, small_ns, other_ns;	/* < 0: nothing of that kind */
};

static void measure(struct step *s, const char *name, char *span, uint64_t huge_len,
		    unsigned rounds)
{
	double h = 0, sm = 0, o = 0;

	for (unsigned r = 0; r < rounds; r++) {
		h += huge_len ? read_ns(span, huge_len) : 0;
		sm += huge_len < TABLE_SPAN ? read_ns(span + huge_len, TABLE_SPAN - huge_len) : 0;
		o += read_ns(span + TABLE_SPAN, TABLE_SPAN);
		sleep(1);
	}
	*s = (struct step){
		.name = name,
		.huge_ns = huge_len ? h / rounds : -1,
		.small_ns = huge_len < TABLE_SPAN ? sm / rounds : -1,
		.other_ns = o / rounds,
	};
}

static void print_ns(double ns)
{
	if (ns < 0)
		printf(" - |");
	else
		printf(" %.0f ns |", ns);
}

int main(int argc, char **argv)
{
	unsigned rounds = 3;
	bool json = false;
	struct step steps[3];
	uint64_t reserve = 3 * TABLE_SPAN;
	char *map, *span;
	struct udamos_mem_usage usage;
	unsigned made;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else {
			fprintf(stderr, "mixed_table: unknown option '%s'; use --rounds N, --json\n",
				argv[i]);
			return 2;
		}
	}
	if (!rounds || rounds > 100) {
		fprintf(stderr, "mixed_table: --rounds takes 1-100\n");
		return 2;
	}
	map = mmap(NULL, reserve, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED) {
		perror("mixed_table: cannot reserve 3 GiB of address space");
		return 3;
	}
	span = (char *)(((uintptr_t)map + TABLE_SPAN - 1) & ~(uintptr_t)(TABLE_SPAN - 1));
	/* No hint either way: MADV_HUGEPAGE would have khugepaged collapse
	 * the table behind the measurement, and MADV_NOHUGEPAGE would make
	 * MADV_COLLAPSE refuse it. */
	for (uint64_t off = 0; off < 2 * TABLE_SPAN; off += (uint64_t)getpagesize())
		span[off] = 1;
	if (udamos_read_mem_usage(getpid(), -1, &usage) || usage.anon_huge) {
		fprintf(stderr, "mixed_table: its memory was faulted in huge pages (THP \"always\"); "
			"run it under THP \"madvise\" or \"never\"\n");
		return 3;
	}
	measure(&steps[0], "all small", span, 0, rounds);
	made = collapse(span, TABLE_SPAN / 2);
	measure(&steps[1], "first half collapsed", span, TABLE_SPAN / 2, rounds);
	made += collapse(span + TABLE_SPAN / 2, TABLE_SPAN / 2);
	measure(&steps[2], "whole table collapsed", span, TABLE_SPAN, rounds);
	munmap(map, reserve);

	if (json) {
		json_object *root = json_object_new_object(), *arr = json_object_new_array();

		for (int i = 0; i < 3; i++) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "step", json_object_new_string(steps[i].name));
			json_object_object_add(o, "huge_ns", json_object_new_double(steps[i].huge_ns));
			json_object_object_add(o, "small_ns", json_object_new_double(steps[i].small_ns));
			json_object_object_add(o, "other_table_ns",
					       json_object_new_double(steps[i].other_ns));
			json_object_array_add(arr, o);
		}
		json_object_object_add(root, "steps", arr);
		json_object_object_add(root, "windows_collapsed", json_object_new_int((int)made));
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
		json_object_put(root);
		return 0;
	}
	printf("%u of 512 windows collapsed; ns per dependent random read, mean of %u rounds\n\n"
	       "| step | huge pages in the table | small pages in the table | "
	       "the next table (all small) |\n|---|---|---|---|\n", made, rounds);
	for (int i = 0; i < 3; i++) {
		printf("| %s |", steps[i].name);
		print_ns(steps[i].huge_ns);
		print_ns(steps[i].small_ns);
		print_ns(steps[i].other_ns);
		printf("\n");
	}
	return 0;
}
