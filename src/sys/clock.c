// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Clock adapters; see clock.h.
 */
#include "sys/clock.h"

#include "sys/procfs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

uint64_t udamos_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t udamos_now_us(void)
{
	return udamos_now_ns() / 1000;
}

uint64_t udamos_self_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

int udamos_pid_cpu_us(int pid, uint64_t *out)
{
	struct udamos_proc_stat st;
	int err = udamos_read_proc_stat(pid, -1, &st);

	if (!err)
		*out = st.cpu_us;
	return err;
}

int udamos_sleep_until_us(uint64_t t_us, volatile int *stop)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t_us / 1000000),
		.tv_nsec = (long)(t_us % 1000000) * 1000,
	};

	for (;;) {
		int err;

		if (stop && *stop)
			return -EINTR;
		err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (!err)
			return stop && *stop ? -EINTR : 0;
		if (err != EINTR)
			return -err;
	}
}

void udamos_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
