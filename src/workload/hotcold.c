// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built-in hot/cold workload; see hotcold.h.
 */
#include "workload/hotcold.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/rng.h"
#include "sys/detach.h"
#include "sys/pagesize.h"
#include "udamos/snapshot.h"

#define WORD_MIX 0x9e3779b97f4a7c15ULL
#define MAX_HOT_WINDOWS 65536	/* 128 GiB of hot memory */

static volatile sig_atomic_t verify_requested;
static volatile sig_atomic_t stop_requested;

static void on_usr1(int sig)
{
	(void)sig;
	verify_requested = 1;
}

static void on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t pattern_at(uint64_t index)
{
	return index * WORD_MIX ^ (index >> 7);
}

#define PAGE_WORDS (udamos_page_size() / sizeof(uint64_t))
#define WINDOW_WORDS (udamos_huge_size() / sizeof(uint64_t))

/* Is word i one the workload wrote (sparse cold windows hold zeros)? */
static bool written(const struct udamos_workload_cfg *cfg, const uint8_t *is_hot, uint64_t i)
{
	return !cfg->sparse_pages || is_hot[i / WINDOW_WORDS] ||
	       i % WINDOW_WORDS < cfg->sparse_pages * PAGE_WORDS;
}

static int verify(const struct udamos_workload_cfg *cfg, const uint8_t *is_hot,
		  const uint64_t *mem, uint64_t words)
{
	for (uint64_t i = 0; i < words; i++)
		if (mem[i] != (written(cfg, is_hot, i) ? pattern_at(i) : 0))
			return 1;
	return 0;
}

size_t udamos_workload_hot_windows(const struct udamos_workload_cfg *cfg, bool moved,
				   uint64_t *offsets, size_t max)
{
	uint64_t stride = (cfg->hot_stride ? cfg->hot_stride : 1) * udamos_huge_size();
	uint64_t first = moved ? cfg->move_offset : cfg->hot_offset;
	size_t n = (size_t)(cfg->hot_size / udamos_huge_size());

	for (size_t i = 0; i < n && i < max; i++)
		offsets[i] = first + i * stride;
	return n < max ? n : max;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static _Noreturn void child_main(const struct udamos_workload_cfg *cfg,
		       struct udamos_workload_shared *sh)
{
	uint64_t len = cfg->footprint + udamos_huge_size(), words, start_us, done = 0;
	static uint64_t hot[MAX_HOT_WINDOWS];
	size_t nr_hot;
	bool moved = false;
	struct udamos_rng rng;
	uint64_t *mem, sink = 0, next = 0;
	uint8_t *raw, *is_hot;

	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, on_term);
	signal(SIGINT, SIG_IGN);
	/* Never outlive the parent: an orphan would hold its memory forever. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (cfg->thp_disable)
		prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		_exit(3);
	/* Align to 2 MiB so window arithmetic in tests is exact. */
	mem = (uint64_t *)(((uintptr_t)raw + udamos_huge_size() - 1) & ~(udamos_huge_size() - 1));
	words = cfg->footprint / sizeof(uint64_t);
	nr_hot = udamos_workload_hot_windows(cfg, false, hot, MAX_HOT_WINDOWS);
	is_hot = calloc(cfg->footprint / udamos_huge_size() + 1, 1);
	if (!is_hot)
		_exit(3);
	for (size_t i = 0; i < nr_hot; i++)
		is_hot[hot[i] / udamos_huge_size()] = 1;
	for (uint64_t i = 0; i < words; i++) {
		if (written(cfg, is_hot, i))
			mem[i] = pattern_at(i);
		else
			i += WINDOW_WORDS - i % WINDOW_WORDS - 1;	/* next window */
	}
	/* After the first touch, as the kernel's hugepage action would come
	 * to populated memory: from here only khugepaged makes them huge. */
	for (size_t i = 0; i < nr_hot && cfg->madvise_hot; i++)
		madvise((uint8_t *)mem + hot[i], udamos_huge_size(), MADV_HUGEPAGE);
	if (cfg->nohuge_offset_plus1)
		madvise((uint8_t *)mem + cfg->nohuge_offset_plus1 - 1, udamos_huge_size(),
			MADV_NOHUGEPAGE);
	sh->base = (uint64_t)(uintptr_t)mem;
	__atomic_store_n(&sh->ready, 1, __ATOMIC_RELEASE);

	udamos_rng_seed(&rng, 42);
	start_us = now_us();
	while (!stop_requested && !verify_requested) {
		uint64_t t = now_us() - start_us;

		if (!moved && cfg->move_after_us && t >= cfg->move_after_us) {
			nr_hot = udamos_workload_hot_windows(cfg, true, hot, MAX_HOT_WINDOWS);
			moved = true;
			__atomic_store_n(&sh->moved, 1, __ATOMIC_RELEASE);
		}
		/* Rate limit: hot pages x rate reads per second in all. */
		if (cfg->page_rate && done * 1000000 >
		    t * cfg->page_rate * nr_hot * (udamos_huge_size() / udamos_page_size())) {
			usleep(1000);
			continue;
		}
		/* Batches keep the shared counter's cache line quiet. */
		for (int k = 0; k < 4096 && nr_hot && cfg->chase; k++) {
			/* The next address hangs on this load's value. */
			uint64_t v = mem[hot[next % nr_hot] / sizeof(uint64_t) +
					 (next >> 20) % WINDOW_WORDS];

			next = (v ^ next) * WORD_MIX >> 7;
		}
		for (int k = 0; k < 4096 && nr_hot && !cfg->chase; k++) {
			uint64_t w = hot[udamos_rng_below(&rng, nr_hot)] / sizeof(uint64_t);

			sink += mem[w + udamos_rng_below(&rng, WINDOW_WORDS)];
		}
		if (!nr_hot)
			usleep(1000);
		done += 4096;
		__atomic_store_n(&sh->reads, sh->reads + 4096, __ATOMIC_RELAXED);
	}
	sink += next;
	if (verify_requested) {
		int bad = verify(cfg, is_hot, mem, words);

		sh->verify_result = bad;
		_exit(bad);
	}
	_exit(sink == 1 ? 4 : 0);	/* keep the reads from being optimised away */
}

static void exec_workload(const struct udamos_workload_cfg *cfg, int fd)
{
	char a[11][48];
	int n = 0;

	fcntl(fd, F_SETFD, 0);	/* the one descriptor the program needs */
	snprintf(a[n++], 48, "fd=%d", fd);
	snprintf(a[n++], 48, "footprint=%" PRIu64, cfg->footprint);
	snprintf(a[n++], 48, "hot_offset=%" PRIu64, cfg->hot_offset);
	snprintf(a[n++], 48, "hot_size=%" PRIu64, cfg->hot_size);
	snprintf(a[n++], 48, "hot_stride=%" PRIu64, cfg->hot_stride);
	snprintf(a[n++], 48, "page_rate=%" PRIu64, cfg->page_rate);
	snprintf(a[n++], 48, "move_after_us=%" PRIu64, cfg->move_after_us);
	snprintf(a[n++], 48, "move_offset=%" PRIu64, cfg->move_offset);
	snprintf(a[n++], 48, "nohuge_offset_plus1=%" PRIu64, cfg->nohuge_offset_plus1);
	snprintf(a[n++], 48, "sparse_pages=%" PRIu64, cfg->sparse_pages);
	/* Bit 1 was a self-flush of the TLB: no test workload helps the
	 * monitor any more; the bit is left unused. */
	snprintf(a[n++], 48, "flags=%d", cfg->thp_disable | cfg->chase << 2 |
		 cfg->madvise_hot << 3);
	execl(cfg->exec_path, cfg->exec_path, a[0], a[1], a[2], a[3], a[4], a[5], a[6],
	      a[7], a[8], a[9], a[10], (char *)NULL);
	_exit(127);
}

int udamos_workload_exec_main(int argc, char **argv)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "footprint=", offsetof(struct udamos_workload_cfg, footprint) },
		{ "hot_offset=", offsetof(struct udamos_workload_cfg, hot_offset) },
		{ "hot_size=", offsetof(struct udamos_workload_cfg, hot_size) },
		{ "hot_stride=", offsetof(struct udamos_workload_cfg, hot_stride) },
		{ "page_rate=", offsetof(struct udamos_workload_cfg, page_rate) },
		{ "move_after_us=", offsetof(struct udamos_workload_cfg, move_after_us) },
		{ "move_offset=", offsetof(struct udamos_workload_cfg, move_offset) },
		{ "nohuge_offset_plus1=", offsetof(struct udamos_workload_cfg, nohuge_offset_plus1) },
		{ "sparse_pages=", offsetof(struct udamos_workload_cfg, sparse_pages) },
	};
	struct udamos_workload_cfg cfg = { 0 };
	struct udamos_workload_shared *sh;
	int fd = -1, flags = 0;
	uint64_t page, huge;

	/* Windows are the kernel's huge pages, as udamos sees them. */
	if (udamos_kernel_geometry(&page, &huge))
		_exit(2);
	for (int i = 1; i < argc; i++) {
		bool known = false;

		if (!strncmp(argv[i], "fd=", 3)) {
			fd = atoi(argv[i] + 3);
			continue;
		}
		if (!strncmp(argv[i], "flags=", 6)) {
			flags = atoi(argv[i] + 6);
			continue;
		}
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			size_t len = strlen(keys[k].key);

			if (!strncmp(argv[i], keys[k].key, len)) {
				*(uint64_t *)((char *)&cfg + keys[k].off) =
					strtoull(argv[i] + len, NULL, 0);
				known = true;
			}
		}
		if (!known)
			_exit(2);
	}
	cfg.thp_disable = flags & 1;
	cfg.chase = flags >> 2 & 1;
	cfg.madvise_hot = flags >> 3 & 1;
	sh = fd < 0 ? MAP_FAILED : mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
					MAP_SHARED, fd, 0);
	if (sh == MAP_FAILED)
		_exit(3);
	close(fd);
	child_main(&cfg, sh);
	return 0;
}

int udamos_workload_start(const struct udamos_workload_cfg *cfg,
			  struct udamos_workload *w)
{
	struct udamos_workload_shared *sh;
	int fd, err;
	pid_t pid, parent;

	memset(w, 0, sizeof(*w));
	w->cfg = *cfg;
	w->cfg.footprint = (cfg->footprint + udamos_huge_size() - 1) & ~(udamos_huge_size() - 1);
	{
		uint64_t stride = (cfg->hot_stride ? cfg->hot_stride : 1) * udamos_huge_size();
		uint64_t span = cfg->hot_size ? (cfg->hot_size / udamos_huge_size() - 1) * stride +
			udamos_huge_size() : 0;

		if (cfg->hot_offset + span > w->cfg.footprint ||
		    (cfg->move_after_us && cfg->move_offset + span > w->cfg.footprint) ||
		    cfg->hot_size / udamos_huge_size() > MAX_HOT_WINDOWS)
			return -EINVAL;
	}
	/* A memfd, so that the page survives an exec of the workload. */
	fd = memfd_create("udamos-workload", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, sizeof(*sh))) {
		err = -errno;
		close(fd);
		return err;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (sh == MAP_FAILED) {
		err = -errno;
		close(fd);
		return err;
	}
	sh->verify_result = -1;
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(fd);
		munmap(sh, sizeof(*sh));
		return err;
	}
	if (pid == 0) {
		udamos_child_detach(parent, fd);
		if (w->cfg.exec_path)
			exec_workload(&w->cfg, fd);
		close(fd);
		child_main(&w->cfg, sh);
	}
	close(fd);
	w->pid = pid;
	w->shared = sh;
	while (!__atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE)) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			w->pid = 0;
			udamos_workload_stop(w);
			return -ENOMEM;
		}
		usleep(10000);
	}
	return 0;
}

int udamos_workload_verify_and_stop(struct udamos_workload *w)
{
	int status;

	if (w->pid <= 0)
		return -ESRCH;
	kill(w->pid, SIGUSR1);
	while (waitpid(w->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	w->pid = 0;
	if (!WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status) == 0 ? 0 : 1;
}

void udamos_workload_stop(struct udamos_workload *w)
{
	if (w->pid > 0) {
		kill(w->pid, SIGTERM);
		while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
			;
		w->pid = 0;
	}
	if (w->shared) {
		munmap((void *)w->shared, sizeof(*w->shared));
		w->shared = NULL;
	}
}
