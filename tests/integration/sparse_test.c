// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A hot window that is only half populated is left alone by default: a
 * child reads four 2 MiB windows (the kernel's huge page size) all the
 * time, two of them whole and two with every other page.  `udamos run`
 * with the default scheme, handed the four as hot (the oracle: the claim
 * is about the populated filter, not about monitoring), must collapse the
 * whole ones and leave the sparse ones as they were: same resident pages,
 * not huge.  A control run without the populated filter collapses them
 * (at least one, filled to a whole window), so the test shows the filter
 * is what holds them back.
 *
 * The target is tests/helpers/sparse_target.c, exec'd.
 * Needs root (process_madvise on another process); skips otherwise.
 * Usage: sparse_test PATH_TO_UDAMOS PATH_TO_SPARSE_TARGET
 */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../helpers/check.h"
#include "../helpers/spawn_target.h"
#include "sys/pagemap.h"
#include "sys/pagesize.h"
#include "udamos/snapshot.h"

#define NR_WIN 4

static uint64_t page, huge;

/* Pages present in the window at w; *huge as the actuator's filter reads
 * it, from the same pagemap read. */
static uint64_t present(struct udamos_pagemap *pm, uint64_t w, bool *huge)
{
	uint64_t n = 0;

	return udamos_window_read(pm, w, &n, huge) ? 0 : n;
}

/* A window after a run. */
struct window_after {
	uint64_t present;	/* base pages */
	bool huge;
	bool reads_agree;	/* the filter's pagemap read says huge as the check alone */
};

static const char *target_bin;

/* One run against a fresh child, and each window after it. */
static int one_run(const char *udamos, const char *filters, struct window_after after[NR_WIN])
{
	char pid_s[16], src[96], cmd[1024];
	struct udamos_pagemap pm;
	void *mem = NULL;
	int rc;
	pid_t pid;

	pid = spawn_target(target_bin, "sparse_target", &mem);
	if (pid < 0) {
		return -1;
	}
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	snprintf(src, sizeof(src), "oracle:hot=%p+%" PRIu64 "K", (void *)mem,
		 NR_WIN * huge >> 10);
	/* Aged 5 s by default: 12 s leaves room for it and the collapse. */
	/* Its report goes to stderr with the checks: what it tried and why a
	 * window was left is there when one fails. */
	snprintf(cmd, sizeof(cmd), "%s run --pid %s --source %s --duration 15 --quiet %s "
		 "1>&2", udamos, pid_s, src, filters);
	rc = system(cmd);
	if (udamos_pagemap_open(&pm, pid, -1))
		rc = -1;
	for (int w = 0; !rc && w < NR_WIN; w++) {
		uint64_t addr = (uint64_t)(uintptr_t)mem + w * huge;
		bool read_huge;

		after[w].present = present(&pm, addr, &read_huge);
		after[w].huge = udamos_window_is_huge(&pm, addr);
		after[w].reads_agree = read_huge == after[w].huge;
	}
	udamos_pagemap_close(&pm);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return rc;
}

int main(int argc, char **argv)
{
	struct window_after after[NR_WIN] = { { 0 } };
	uint64_t per = 0;
	char control[256];

	int st = target_test_start(argc, argv, &target_bin, &page, &huge);

	if (st >= 0)
		return st;
	per = huge / page;

	/* The default scheme: whole windows collapsed, sparse ones not. */
	CHECK(!one_run(argv[1], "", after), "udamos run failed");
	printf("default: present pages %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64
	       " of %" PRIu64 "; huge %d %d %d %d\n", after[0].present, after[1].present,
	       after[2].present, after[3].present, per, after[0].huge, after[1].huge, after[2].huge, after[3].huge);
	CHECK(after[0].huge && after[1].huge, "a whole hot window was not collapsed");
	CHECK(!after[2].huge && !after[3].huge, "a half-populated hot window was collapsed");
	for (int w = 0; w < NR_WIN; w++)
		CHECK(after[w].reads_agree, "window %d: the filter's pagemap read and the check "
		      "alone disagree on whether it is huge (alone: %d)", w, after[w].huge);
	CHECK(after[2].present == per / 2 && after[3].present == per / 2,
	      "a half-populated window's resident pages changed: %" PRIu64 " and %" PRIu64
	      ", not %" PRIu64, after[2].present, after[3].present, per / 2);

	/* Control: only the huge filter, as before the populated one existed.
	 * The sparse windows are collapsed and filled with zeroes.  It shows
	 * the check above can fail; the sanitized build, which looks for
	 * memory errors, leaves it to the gcc one (CI's 20 minutes). */
	if (getenv("UDAMOS_SANITIZED")) {
		puts("control: left to the unsanitized build");
		return failures ? 1 : 0;
	}
	snprintf(control, sizeof(control), "--damos_action collapse --damos_sz_region %" PRIu64
		 "K max --damos_access_rate 50%% max --damos_age 5s max "
		 "--damos_filter huge matching reject", huge >> 10);
	CHECK(!one_run(argv[1], control, after), "udamos run (control) failed");
	printf("control (no populated filter): present pages %" PRIu64 ", %" PRIu64 "; huge "
	       "%d %d\n", after[2].present, after[3].present, after[2].huge, after[3].huge);
	/* One is enough to show it: under ASan a run has once left the last
	 * window of the four to its next apply. */
	CHECK((after[2].huge && after[2].present == per) ||
	      (after[3].huge && after[3].present == per),
	      "without the filter no sparse window was collapsed: the test could not "
	      "tell the filter's work apart");
	if (failures)
		fprintf(stderr, "sparse test: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
