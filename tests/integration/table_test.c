// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * collapse_scope table on a live process: a child holds one page table's
 * span with two hot windows, sixteen whole cold ones, two half-populated
 * ones and a shared memory file, and four whole cold windows in the next
 * table (tests/helpers/table_layout.h).  `udamos run` is handed the hot
 * windows (the oracle: the claim is about what the scope takes, not about
 * monitoring) with a collapse scheme of scope table.  It must collapse
 * the hot windows and the whole cold ones of their table, and leave the
 * sparse ones as they were (same resident pages), the file's windows and
 * the next table's alone.  A control run of scope window collapses none
 * of the cold windows but the one next to the hot ones at most, so the
 * test shows the scope is what took them.
 *
 * Needs root (process_madvise on another process); skips otherwise.
 * Usage: table_test PATH_TO_UDAMOS PATH_TO_TABLE_TARGET
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../helpers/check.h"
#include "../helpers/spawn_target.h"
#include "../helpers/table_layout.h"
#include "sys/pagemap.h"
#include "sys/pagesize.h"
#include "udamos/snapshot.h"


static uint64_t page, huge, span;
static const char *target_bin;

/* What a run left: huge windows per part, and the sparse ones' pages. */
struct after {
	unsigned hot, cold, sparse, file, next;
	uint64_t sparse_pages;
};

static unsigned huge_in(struct udamos_pagemap *pm, uint64_t start, unsigned nr)
{
	unsigned n = 0;

	for (unsigned w = 0; w < nr; w++)
		n += udamos_window_is_huge(pm, start + w * huge);
	return n;
}

static int one_run(const char *udamos, const char *scope, struct after *a)
{
	char pid_s[16], src[96], cmd[1536], path[] = "/tmp/udamos-table-XXXXXX";
	struct udamos_pagemap pm;
	uint64_t t, pages;
	void *mem = NULL;
	int rc, sfd = mkstemp(path);
	FILE *f;
	pid_t pid;

	if (sfd < 0 || !(f = fdopen(sfd, "w")))
		return -1;
	fprintf(f, "{\"schemes\": [{\"action\": \"collapse\", \"access_pattern\": "
		"{\"sz_region\": [\"%" PRIu64 "K\", \"max\"], \"access_rate\": [\"50%%\", \"max\"],"
		" \"age\": [\"0s\", \"max\"]}, \"filters\": ["
		"{\"type\": \"huge\", \"matching\": true, \"allow\": false},"
		"{\"type\": \"populated\", \"matching\": false, \"allow\": false,"
		" \"min_populated\": \"87.5%%\"}], \"collapse_scope\": \"%s\"}]}\n",
		huge >> 10, scope);
	fclose(f);
	pid = spawn_target(target_bin, "table_target", &mem);
	if (pid < 0) {
		unlink(path);
		return -1;
	}
	t = (uint64_t)(uintptr_t)mem;
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	snprintf(src, sizeof(src), "oracle:hot=%p+%" PRIu64 "K", mem, TL_HOT * huge >> 10);
	/* Regions of a few MiB from the start: the claim is about the scope,
	 * not about how soon monitoring singles out 4 MiB of a table.  Its
	 * report goes to stderr with the checks. */
	snprintf(cmd, sizeof(cmd), "%s run --pid %s --source %s --schemes %s --duration 6 "
		 "--monitoring_nr_regions_range 1000 2000 --quiet 1>&2", udamos, pid_s, src,
		 path);
	rc = system(cmd);
	unlink(path);
	if (!rc && udamos_pagemap_open(&pm, pid, -1))
		rc = -1;
	if (!rc) {
		a->hot = huge_in(&pm, t, TL_HOT);
		a->cold = huge_in(&pm, t + TL_HOT * huge, TL_COLD);
		a->sparse = huge_in(&pm, t + (TL_HOT + TL_COLD) * huge, TL_SPARSE);
		a->file = huge_in(&pm, t + TL_FILE_AT * huge, TL_FILE_WIN);
		a->next = huge_in(&pm, t + span, TL_NEXT);
		a->sparse_pages = 0;
		for (unsigned w = 0; w < TL_SPARSE; w++)
			if (!udamos_window_read(&pm, t + (TL_HOT + TL_COLD + w) * huge, &pages, NULL))
				a->sparse_pages += pages;
		udamos_pagemap_close(&pm);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return rc;
}

static void print(const char *name, const struct after *a)
{
	printf("%s: huge windows: hot %u/%d, cold %u/%d, sparse %u/%d (%" PRIu64 " pages), "
	       "file %u/%d, next table %u/%d\n", name, a->hot, TL_HOT, a->cold, TL_COLD,
	       a->sparse, TL_SPARSE, a->sparse_pages, a->file, TL_FILE_WIN, a->next, TL_NEXT);
}

int main(int argc, char **argv)
{
	struct after a = { 0 };

	int st = target_test_start(argc, argv, &target_bin, &page, &huge);

	if (st >= 0)
		return st;
	span = huge / page * huge;
	if (span > (1ULL << 30)) {
		printf("skip: a page table here spans %" PRIu64 " GiB; the target reserves three\n",
		       span >> 30);
		return 77;	/* skip */
	}

	CHECK(!one_run(argv[1], "table", &a), "udamos run (scope table) failed");
	print("scope table", &a);
	CHECK(a.hot == TL_HOT, "a hot window was not collapsed");
	CHECK(a.cold == TL_COLD, "a whole cold window of the hot windows' table was left");
	CHECK(!a.sparse, "a half-populated window was collapsed");
	CHECK(a.sparse_pages == TL_SPARSE * huge / page / 2,
	      "the half-populated windows' resident pages changed: %" PRIu64, a.sparse_pages);
	CHECK(!a.file, "a shared file's window was collapsed");
	CHECK(!a.next, "a window of the next table was collapsed");

	/* Control: the default scope leaves the cold windows, so the checks
	 * above can fail. */
	memset(&a, 0, sizeof(a));
	CHECK(!one_run(argv[1], "window", &a), "udamos run (scope window) failed");
	print("scope window", &a);
	CHECK(a.hot == TL_HOT, "control: a hot window was not collapsed");
	/* The window next to the hot ones has gone with them (regions need
	 * not end on window edges); half of the cold ones would be a scope. */
	CHECK(a.cold * 2 < TL_COLD, "control: scope window collapsed %u cold windows; the "
	      "test could not tell the scope's work apart", a.cold);
	if (failures)
		fprintf(stderr, "table test: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
