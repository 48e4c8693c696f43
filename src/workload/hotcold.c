// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built-in hot/cold workload; see hotcold.h.
 */
#include "workload/hotcold.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/rng.h"
#include "udamos/snapshot.h"

#define WORD_MIX 0x9e3779b97f4a7c15ULL

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

static int verify(const uint64_t *mem, uint64_t words)
{
	for (uint64_t i = 0; i < words; i++)
		if (mem[i] != pattern_at(i))
			return 1;
	return 0;
}

static _Noreturn void child_main(const struct udamos_workload_cfg *cfg,
		       struct udamos_workload_shared *sh)
{
	uint64_t len = cfg->footprint + UDAMOS_HUGE_SIZE, words, hot_words, hot_first;
	struct udamos_rng rng;
	uint64_t *mem, sink = 0;
	uint8_t *raw;
	void *dummy;

	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, on_term);
	signal(SIGINT, SIG_IGN);
	/* Never outlive the parent: an orphaned workload would hold memory
	 * and any descriptors (such as a restore guard's pipe) forever. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(5);
	if (cfg->thp_disable)
		prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		_exit(3);
	/* Align to 2 MiB so window arithmetic in tests is exact. */
	mem = (uint64_t *)(((uintptr_t)raw + UDAMOS_HUGE_SIZE - 1) & ~(UDAMOS_HUGE_SIZE - 1));
	words = cfg->footprint / sizeof(uint64_t);
	for (uint64_t i = 0; i < words; i++)
		mem[i] = pattern_at(i);
	if (cfg->nohuge_offset_plus1)
		madvise((uint8_t *)mem + cfg->nohuge_offset_plus1 - 1, UDAMOS_HUGE_SIZE,
			MADV_NOHUGEPAGE);
	hot_first = cfg->hot_offset / sizeof(uint64_t);
	hot_words = cfg->hot_size / sizeof(uint64_t);
	sh->base = (uint64_t)(uintptr_t)mem;
	__atomic_store_n(&sh->ready, 1, __ATOMIC_RELEASE);

	/* More than 33 pages: the kernel then flushes the whole TLB. */
	dummy = cfg->flush_tlb ? mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : MAP_FAILED;
	udamos_rng_seed(&rng, 42);
	while (!stop_requested && !verify_requested) {
		if (dummy != MAP_FAILED) {
			mprotect(dummy, 64 * 4096, PROT_READ);
			mprotect(dummy, 64 * 4096, PROT_READ | PROT_WRITE);
		}
		/* Batches keep the shared counter's cache line quiet. */
		for (int k = 0; k < 4096 && hot_words; k++)
			sink += mem[hot_first + udamos_rng_below(&rng, hot_words)];
		if (!hot_words)
			usleep(1000);
		__atomic_store_n(&sh->reads, sh->reads + 4096, __ATOMIC_RELAXED);
	}
	if (verify_requested) {
		int bad = verify(mem, words);

		sh->verify_result = bad;
		_exit(bad);
	}
	_exit(sink == 1 ? 4 : 0);	/* keep the reads from being optimised away */
}

static void exec_workload(const struct udamos_workload_cfg *cfg, int fd)
{
	char a[7][32];

	fcntl(fd, F_SETFD, 0);	/* the one descriptor the program needs */
	snprintf(a[0], sizeof(a[0]), "%" PRIu64, cfg->footprint);
	snprintf(a[1], sizeof(a[1]), "%" PRIu64, cfg->hot_offset);
	snprintf(a[2], sizeof(a[2]), "%" PRIu64, cfg->hot_size);
	snprintf(a[3], sizeof(a[3]), "%d", fd);
	snprintf(a[4], sizeof(a[4]), "%d", cfg->thp_disable);
	snprintf(a[5], sizeof(a[5]), "%" PRIu64, cfg->nohuge_offset_plus1);
	snprintf(a[6], sizeof(a[6]), "%d", cfg->flush_tlb);
	execl(cfg->exec_path, cfg->exec_path, a[0], a[1], a[2], a[3], a[4], a[5], a[6],
	      (char *)NULL);
	_exit(127);
}

int udamos_workload_exec_main(int argc, char **argv)
{
	struct udamos_workload_cfg cfg = { 0 };
	struct udamos_workload_shared *sh;

	if (argc != 8)
		_exit(2);
	cfg.footprint = strtoull(argv[1], NULL, 0);
	cfg.hot_offset = strtoull(argv[2], NULL, 0);
	cfg.hot_size = strtoull(argv[3], NULL, 0);
	cfg.thp_disable = atoi(argv[5]);
	cfg.nohuge_offset_plus1 = strtoull(argv[6], NULL, 0);
	cfg.flush_tlb = atoi(argv[7]);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED, atoi(argv[4]), 0);
	if (sh == MAP_FAILED)
		_exit(3);
	close(atoi(argv[4]));
	child_main(&cfg, sh);
	return 0;
}

int udamos_workload_start(const struct udamos_workload_cfg *cfg,
			  struct udamos_workload *w)
{
	struct udamos_workload_shared *sh;
	int fd, err;
	pid_t pid;

	memset(w, 0, sizeof(*w));
	w->cfg = *cfg;
	w->cfg.footprint = (cfg->footprint + UDAMOS_HUGE_SIZE - 1) & ~(UDAMOS_HUGE_SIZE - 1);
	if (cfg->hot_offset + cfg->hot_size > w->cfg.footprint)
		return -EINVAL;
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
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(fd);
		munmap(sh, sizeof(*sh));
		return err;
	}
	if (pid == 0) {
		if (w->cfg.exec_path)
			exec_workload(&w->cfg, fd);
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
