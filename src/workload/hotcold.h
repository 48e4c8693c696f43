/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The built-in hot/cold workload: a process with a large anonymous
 * mapping, a known hot range read at random and the rest left cold.  It
 * fills its memory with a position-dependent pattern so that anyone can
 * verify, after udamos acted on it, that no byte changed.
 *
 * The parent reads the workload's progress from a small shared page.
 */
#ifndef UDAMOS_WORKLOAD_HOTCOLD_H
#define UDAMOS_WORKLOAD_HOTCOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct udamos_workload_cfg {
	uint64_t footprint;	/* bytes, rounded up to 2 MiB */
	uint64_t hot_offset;	/* from the start of the mapping */
	uint64_t hot_size;
	bool thp_disable;	/* prctl(PR_SET_THP_DISABLE) before mapping */
	/* If nonzero, MADV_NOHUGEPAGE the 2 MiB window at offset - 1: a
	 * window the kernel will refuse to collapse, for failure paths. */
	uint64_t nohuge_offset_plus1;
	/*
	 * Run the workload in this program instead of a fork of the caller:
	 * a fork inherits the caller's mappings (a sanitizer's terabytes of
	 * shadow, say), and a target should look like a plain process.
	 */
	const char *exec_path;
	/* Hot windows every hot_stride windows from hot_offset (1: one run). */
	uint64_t hot_stride;
	/* Reads per hot page per second; 0: as fast as it can. */
	uint64_t page_rate;
	/* After move_after_us (0: never), the hot set starts at move_offset. */
	uint64_t move_after_us, move_offset;
	/*
	 * Dependent loads: each read's address comes from the value the last
	 * one returned, so the CPU cannot overlap TLB misses, as in pointer
	 * chasing.  Shows the cost of small pages more plainly.
	 */
	bool chase;
	/* MADV_HUGEPAGE the hot windows, as the kernel's hugepage action would. */
	bool madvise_hot;
	/*
	 * Sparse cold memory: if nonzero, cold windows have only their first
	 * sparse_pages pages touched (the rest never faulted), so THP=always
	 * inflates them to whole huge pages.
	 */
	uint64_t sparse_pages;
};

/* The hot windows' offsets, in order; returns how many (at most max). */
size_t udamos_workload_hot_windows(const struct udamos_workload_cfg *cfg, bool moved,
				   uint64_t *offsets, size_t max);

/* Lives in a MAP_SHARED page: written by the child, read by the parent. */
struct udamos_workload_shared {
	volatile uint64_t base;		/* start of the mapping, 2 MiB aligned */
	volatile uint64_t reads;	/* random reads done so far */
	volatile int ready;		/* memory filled; reads under way */
	volatile int verify_result;	/* 0 intact, 1 corrupted, -1 not yet */
	volatile int moved;		/* the hot set has moved (see move_after_us) */
};

struct udamos_workload {
	pid_t pid;
	struct udamos_workload_shared *shared;
	struct udamos_workload_cfg cfg;
};

/*
 * Forks the workload and waits until its memory is filled.  Returns 0 or
 * -errno.  The child ends on SIGTERM; on SIGUSR1 it verifies its memory,
 * publishes the result and exits 0 when intact, 1 when not.
 */
int udamos_workload_start(const struct udamos_workload_cfg *cfg,
			  struct udamos_workload *w);
/* Asks the child to verify its memory; returns 0 intact, 1 corrupted, -errno. */
int udamos_workload_verify_and_stop(struct udamos_workload *w);
/* Terminates the child (if still running) and releases the shared page. */
void udamos_workload_stop(struct udamos_workload *w);

/*
 * The workload program's main: argv after the program name holds KEY=VALUE
 * pairs for the fields of udamos_workload_cfg, and fd=N for the shared page.
 * Never returns.
 */
int udamos_workload_exec_main(int argc, char **argv);

#endif
