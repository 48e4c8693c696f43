// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Another process's CPU time: a process that has gone gives no reading,
 * never a zero.  The old reader returned 0 for a kdamond that had exited
 * before the run's last read, and the run reported its CPU as that 0
 * minus the reading at the start: about 1.8e19 us.
 */
#include "test.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/clock.h"

static void test_gone_process_gives_no_reading(void **state)
{
	uint64_t cpu = 12345;
	pid_t child = fork();

	(void)state;
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(udamos_pid_cpu_us(child, &cpu), -ENOENT);
	assert_int_equal(cpu, 12345);	/* untouched, not zeroed */
}

static void test_live_process_reads_and_grows(void **state)
{
	uint64_t a = 0, b = 0;
	volatile uint64_t spin = 0;

	(void)state;
	assert_int_equal(udamos_pid_cpu_us(getpid(), &a), 0);
	while (udamos_pid_cpu_us(getpid(), &b) == 0 && b < a + 20000)
		spin++;
	assert_true(b >= a + 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gone_process_gives_no_reading),
		cmocka_unit_test(test_live_process_reads_and_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
