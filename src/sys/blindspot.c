// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The blind-spot probe and the flush; see blindspot.h.
 */
#include "sys/blindspot.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys/clock.h"
#include "sys/detach.h"
#include "sys/pidfd.h"
#include "udamos/snapshot.h"

#define PROBE_SIZE (16ULL << 20)
/* Rounds of: clear the bits, let it read this long, count.  A monitor
 * checks each page once per sampling interval, so the probe asks what
 * shows within a short one, not within a long run (under emulation, a
 * context switch every few tens of ms flushes, and a long window would
 * always contain one). */
#define PROBE_ROUNDS 10
#define PROBE_ROUND_MS 10

/* The child: fill, say where, then read at random until killed. */
_Noreturn static void probe_child(int wfd)
{
	uint64_t sum = 0, *mem, x = 0x9e3779b97f4a7c15ULL;
	size_t words = PROBE_SIZE / sizeof(uint64_t);

	mem = mmap(NULL, PROBE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (mem == MAP_FAILED)
		_exit(1);
	/* Small pages: one accessed bit per base page, as a target's. */
	madvise(mem, PROBE_SIZE, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < words; i += udamos_page_size() / sizeof(uint64_t))
		mem[i] = i;
	if (write(wfd, &mem, sizeof(mem)) != sizeof(mem))
		_exit(1);
	close(wfd);
	for (;;) {
		for (int k = 0; k < 4096; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			sum += mem[x % words];
		}
		/* The reads are the point: keep the compiler from dropping them. */
		__asm__ __volatile__("" : : "r"(sum) : "memory");
	}
}

/* Referenced kB of the mapping starting at addr, from /proc/PID/smaps. */
static long referenced_kb(pid_t pid, uint64_t addr)
{
	char path[64], line[256];
	bool in = false;
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		uint64_t s, e;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " ", &s, &e) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = s == addr;
			continue;
		}
		if (in && !strncmp(line, "Referenced:", 11)) {
			kb = atol(line + 11);
			break;
		}
	}
	fclose(f);
	return kb;
}

int udamos_blindspot_probe(struct udamos_blindspot *out)
{
	int p[2], err = 0;
	uint64_t addr = 0;
	char path[64];
	long kb = -1;
	pid_t pid, parent = getpid();

	memset(out, 0, sizeof(*out));
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid == 0) {
		udamos_child_detach(parent, p[1]);
		probe_child(p[1]);
	}
	close(p[1]);
	if (read(p[0], &addr, sizeof(addr)) != sizeof(addr))
		err = -EIO;
	close(p[0]);
	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	if (!err)
		udamos_sleep_ms(50);	/* let its reads settle into the TLB */
	for (int round = 0; !err && round < PROBE_ROUNDS; round++) {
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		long got;

		if (fd < 0 || write(fd, "1", 1) != 1)
			err = -errno;
		if (fd >= 0)
			close(fd);
		if (err)
			break;
		udamos_sleep_ms(PROBE_ROUND_MS);
		got = referenced_kb(pid, addr);
		if (got < 0)
			err = got < -1 ? (int)got : -EIO;
		else
			kb = (kb < 0 ? 0 : kb) + got;
	}
	if (!err)
		kb /= PROBE_ROUNDS;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (err)
		return err;
	out->probed = true;
	out->seen_permil = (uint32_t)((uint64_t)kb * 1024 * 1000 / PROBE_SIZE);
	if (out->seen_permil > 1000)
		out->seen_permil = 1000;
	/* Every page is read thousands of times in 250 ms: all should show. */
	out->blind = out->seen_permil < 900;
	return 0;
}

int udamos_tlb_flush(int pidfd, uint64_t window, uint64_t window_size)
{
	struct iovec iov = { (void *)(uintptr_t)window, window_size };
	ssize_t r = udamos_process_madvise(pidfd, &iov, 1, MADV_COLD);

	return r < 0 ? (int)r : 0;
}
