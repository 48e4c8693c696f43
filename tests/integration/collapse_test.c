// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * End to end on this machine: a child process with 2 MiB-aligned
 * anonymous memory under THP=never; `udamos run` with a synthetic source
 * that marks a known range hot must collapse exactly that range (give or
 * take one window at each edge, the midpoint rule's documented slack) and
 * nothing else, leave the child's memory intact, and leave THP as found.
 *
 * One hot window is MADV_NOHUGEPAGE in the child, so the kernel refuses it
 * in the middle of a batch: the run must count that EINVAL, collapse the
 * windows after it, and account only what was collapsed.
 *
 * Needs root (THP sysfs, process_madvise on another process, kpageflags);
 * skips otherwise.  Usage: collapse_test PATH_TO_UDAMOS PATH_TO_WORKLOAD
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/guard.h"
#include "sys/pagemap.h"
#include "sys/procfs.h"
#include "sys/thp.h"
#include "workload/hotcold.h"

#define MiB(x) ((uint64_t)(x) << 20)
#define SKIP 77

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		failures++;						\
	}								\
} while (0)

/* Runs argv, returns its exit status and its stdout in *out. */
static int run_capture(char *const argv[], char **out)
{
	int fds[2], status;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	pid_t pid;
	ssize_t n;

	if (!buf || pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	close(fds[0]);
	buf[len] = '\0';
	*out = buf;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static uint64_t json_u64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? (uint64_t)json_object_get_int64(v) : 0;
}

static void test_collapses_exactly_the_hot_range(const char *udamos, const char *workload)
{
	struct udamos_workload_cfg wc = {
		.footprint = MiB(64), .hot_offset = MiB(16), .hot_size = MiB(16),
		.exec_path = workload,
		.nohuge_offset_plus1 = MiB(20) + 1,	/* third hot window */
	};
	const uint64_t refused = MiB(20);
	struct udamos_workload w;
	struct udamos_pagemap pm;
	struct udamos_mem_usage usage;
	char pid_s[16], source[128], *out = NULL;
	uint64_t base, hot_lo, hot_hi, huge_bytes = 0;
	unsigned below = 0, above = 0, hot_huge = 0;
	json_object *root, *schemes;
	int rc;

	CHECK(udamos_workload_start(&wc, &w) == 0, "cannot start the workload");
	if (failures)
		return;
	base = w.shared->base;
	hot_lo = base + wc.hot_offset;
	hot_hi = hot_lo + wc.hot_size;
	snprintf(pid_s, sizeof(pid_s), "%d", (int)w.pid);
	snprintf(source, sizeof(source), "synthetic:hot=0x%" PRIx64 "-0x%" PRIx64 ",seed=5",
		 hot_lo, hot_hi);
	{
		char *argv[] = { (char *)udamos, "run", "--pid", pid_s, "--source", source,
			"--duration", "6", "--json", "--quiet", NULL };

		rc = run_capture(argv, &out);
	}
	CHECK(rc == 0, "udamos run exited %d", rc);
	root = json_tokener_parse(out);
	CHECK(root != NULL, "udamos run --json printed no JSON: %s", out);
	if (root && json_object_object_get_ex(root, "schemes", &schemes)) {
		json_object *s0 = json_object_array_get_idx(schemes, 0);

		json_object *fails = NULL;
		uint64_t einval = 0;

		if (json_object_object_get_ex(s0, "failures", &fails))
			einval = json_u64(fails, "EINVAL");
		printf("collapse scheme: sz_applied %" PRIu64 " MiB, nr_tried %" PRIu64
		       ", EINVAL %" PRIu64 "\n", json_u64(s0, "sz_applied") >> 20,
		       json_u64(s0, "nr_tried"), einval);
		CHECK(json_u64(s0, "sz_applied") == wc.hot_size - MiB(2),
		      "applied %" PRIu64 " bytes, want the hot range less the refused window",
		      json_u64(s0, "sz_applied"));
		CHECK(einval >= 1, "the refused window was not counted as EINVAL");
	}
	json_object_put(root);
	free(out);

	/* Window by window, from the kernel's own page flags. */
	CHECK(udamos_pagemap_open(&pm, w.pid, -1) == 0, "cannot open pagemap");
	for (uint64_t a = base; a < base + wc.footprint; a += MiB(2)) {
		bool huge = udamos_window_is_huge(&pm, a);

		if (a == base + refused)
			CHECK(!huge, "the MADV_NOHUGEPAGE window was collapsed");
		else if (a >= hot_lo && a < hot_hi)
			hot_huge += huge;
		else if (huge && a == hot_lo - MiB(2))
			below++;
		else if (huge && a == hot_hi)
			above++;
		else
			CHECK(!huge, "cold window at +%" PRIu64 " MiB was collapsed", (a - base) >> 20);
		huge_bytes += huge ? MiB(2) : 0;
	}
	udamos_pagemap_close(&pm);
	printf("hot windows huge: %u of %" PRIu64 " (one refused); edge windows collapsed: %u below, %u above\n",
	       hot_huge, wc.hot_size / MiB(2), below, above);
	CHECK(hot_huge == wc.hot_size / MiB(2) - 1, "only %u of the hot windows are huge", hot_huge);

	/* And in total, as smaps accounts it. */
	CHECK(udamos_read_mem_usage(w.pid, -1, &usage) == 0, "cannot read smaps_rollup");
	printf("AnonHugePages %" PRIu64 " MiB (hot range %" PRIu64 " MiB)\n",
	       usage.anon_huge >> 20, wc.hot_size >> 20);
	CHECK(usage.anon_huge == huge_bytes, "AnonHugePages %" PRIu64 " != windows seen huge %" PRIu64,
	      usage.anon_huge, huge_bytes);

	CHECK(udamos_workload_verify_and_stop(&w) == 0, "the child's memory changed");
	udamos_workload_stop(&w);
}

/* The guard restores THP even when its owner is killed outright. */
static void test_guard_survives_sigkill(const char *original)
{
	char mode[32] = "";
	pid_t pid = fork();

	if (pid == 0) {
		struct udamos_guard g;

		udamos_guard_init(&g);
		if (udamos_guard_save(&g, UDAMOS_THP_ENABLED) || udamos_guard_arm(&g) ||
		    udamos_sysfs_write(UDAMOS_THP_ENABLED, "always"))
			_exit(1);
		raise(SIGKILL);
	}
	waitpid(pid, NULL, 0);
	for (int i = 0; i < 200; i++) {
		udamos_thp_mode(mode, sizeof(mode));
		if (!strcmp(mode, original))
			break;
		usleep(10000);
	}
	CHECK(!strcmp(mode, original), "THP is '%s' after SIGKILL, expected '%s'", mode, original);
}

int main(int argc, char **argv)
{
	struct udamos_guard guard;
	char before[32], after[32];

	if (argc < 3) {
		fprintf(stderr, "usage: %s PATH_TO_UDAMOS PATH_TO_WORKLOAD\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0 || !udamos_thp_available()) {
		printf("SKIP: needs root and transparent huge pages\n");
		return SKIP;
	}
	if (udamos_thp_mode(before, sizeof(before)))
		return 1;

	udamos_guard_init(&guard);
	if (udamos_guard_save(&guard, UDAMOS_THP_ENABLED) || udamos_guard_arm(&guard) ||
	    udamos_sysfs_write(UDAMOS_THP_ENABLED, "never")) {
		fprintf(stderr, "FAIL: cannot set THP to never\n");
		udamos_guard_restore(&guard);
		return 1;
	}
	test_collapses_exactly_the_hot_range(argv[1], argv[2]);
	udamos_guard_restore(&guard);

	test_guard_survives_sigkill(before);
	udamos_thp_mode(after, sizeof(after));
	CHECK(!strcmp(before, after), "THP is '%s' afterwards, was '%s'", after, before);
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
