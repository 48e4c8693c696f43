// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fault injection by LD_PRELOAD: every write to a THP or DAMON sysfs file
 * fails with EBUSY from UDAMOS_FAULT_EBUSY_FROM_MS after the process
 * started, for UDAMOS_FAULT_EBUSY_FOR_MS, as the kernel answers when its
 * lock is held elsewhere.  Forked children (the restore guard) keep the
 * parent's clock.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long start_ms = -1;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

__attribute__((constructor)) static void started(void)
{
	start_ms = now_ms();
}

static int busy_now(int fd)
{
	const char *from = getenv("UDAMOS_FAULT_EBUSY_FROM_MS"), *len = getenv("UDAMOS_FAULT_EBUSY_FOR_MS");
	long long t = now_ms() - start_ms, a = from ? atoll(from) : 0, b = len ? atoll(len) : 0;
	char link[64], target[256];
	ssize_t n;

	if (t < a || t >= a + b)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	return !strncmp(target, "/sys/kernel/mm/transparent_hugepage/", 36) ||
	       !strncmp(target, "/sys/kernel/mm/damon/", 21);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (busy_now(fd)) {
		errno = EBUSY;
		return -1;
	}
	return real(fd, buf, count);
}
