// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Target discovery on this machine's /proc: a child of the test is found
 * by its name, never the test itself; a context that looks at every
 * process reads each one's name once, then leaves those it turned down
 * alone for UDAMOS_DISCOVER_RECHECK scans, and a reload forgets them.
 */
#include "test.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/discover.h"

static struct udamos_daemon_cfg by_name(const char *comm)
{
	struct udamos_daemon_cfg c = { .nr_contexts = 1 };

	c.contexts[0].sel.comm = (char *)comm;
	return c;
}

static void test_child_found_by_name_self_never(void **state)
{
	struct udamos_daemon_cfg cfg = by_name("udamos-disc-t*");
	struct udamos_discovery d = { 0 };
	pid_t child;

	(void)state;
	prctl(PR_SET_NAME, "udamos-disc-t0");
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(udamos_discover(&d, &cfg, "/sys/fs/cgroup", getpid(), 64), 0);
	assert_int_equal(d.nr, 1);
	assert_int_equal(d.found[0].pid, child);
	assert_int_equal(udamos_discovery_context_of(&d, child), 0);
	assert_int_equal(udamos_discovery_context_of(&d, getpid()), -1);
	/* Still there at the next scan: a match is never cached away. */
	assert_int_equal(udamos_discover(&d, &cfg, "/sys/fs/cgroup", getpid(), 64), 0);
	assert_int_equal(d.nr, 1);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	udamos_discovery_release(&d);
}

static void test_turned_down_are_left_alone_then_rechecked(void **state)
{
	struct udamos_daemon_cfg cfg = by_name("no-such-name-anywhere");
	struct udamos_discovery d = { 0 };
	uint64_t read1, read2;

	(void)state;
	assert_int_equal(udamos_discover(&d, &cfg, "/sys/fs/cgroup", getpid(), 64), 0);
	read1 = d.nr_facts_read;
	assert_true(read1 > 0);
	assert_int_equal(udamos_discover(&d, &cfg, "/sys/fs/cgroup", getpid(), 64), 0);
	read2 = d.nr_facts_read - read1;
	/* Only processes new since the first scan are read again. */
	assert_true(read2 * 10 < read1);
	assert_true(d.nr_skipped > 0);
	for (int i = 2; i < UDAMOS_DISCOVER_RECHECK; i++)
		assert_int_equal(udamos_discover(&d, &cfg, "/sys/fs/cgroup", getpid(), 64), 0);
	read2 = d.nr_facts_read;
	assert_int_equal(udamos_discover(&d, &cfg, "/sys/fs/cgroup", getpid(), 64), 0);
	assert_true((d.nr_facts_read - read2) * 2 > read1);	/* all judged again */
	udamos_discovery_forget(&d);
	read2 = d.nr_facts_read;
	assert_int_equal(udamos_discover(&d, &cfg, "/sys/fs/cgroup", getpid(), 64), 0);
	assert_true((d.nr_facts_read - read2) * 2 > read1);
	udamos_discovery_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_found_by_name_self_never),
		cmocka_unit_test(test_turned_down_are_left_alone_then_rechecked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
