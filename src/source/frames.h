/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The page frames behind each target's virtual memory, for sources that
 * monitor physical addresses (paddr, a shared paddr kdamond) and project
 * the results onto virtual 2 MiB windows.
 *
 * Frames are read from /proc/PID/pagemap on a schedule whose cost stays
 * within a CPU budget, and at once, for every target, after an action
 * moved frames (a collapse copies every page of a window to a new huge
 * page, and compacts memory, any process's, to find one): a window must
 * never be judged by the rates of frames it has left.
 */
#ifndef UDAMOS_SOURCE_FRAMES_H
#define UDAMOS_SOURCE_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/projection.h"
#include "sys/target.h"
#include "udamos/snapshot.h"

struct udamos_frames {
	struct udamos_extent *ext;	/* sorted by frame */
	size_t nr_ext, cap_ext;
	struct udamos_projection proj;	/* rebuilt at every read */
	uint64_t resident_pages;	/* at the last read */
	uint64_t monitored_pages;	/* at the last projection */
	uint64_t moved_windows;		/* windows found on new frames, in all */
};

struct udamos_frames_set {
	struct udamos_target *targets;	/* borrowed */
	struct udamos_frames *f;
	struct udamos_ages_set ages;	/* per target, kept across reads */
	size_t nr;
	uint64_t refresh_us;		/* re-read at least this often */
	uint64_t next_refresh_us;
	uint64_t last_read_took_us;
};

/*
 * How often page frames are re-read, at the most.  A read costs about
 * 10 ms per GiB of target here (docs/performance.md), so larger targets
 * are re-read less often: the next read waits until reading has taken at
 * most UDAMOS_FRAMES_BUDGET_PERMIL of one CPU.  New mappings wait for the
 * next read (the kernel's own vaddr default waits 60 s); moved frames do
 * not wait.
 */
#define UDAMOS_FRAMES_REFRESH_US 10000000ULL
#define UDAMOS_FRAMES_BUDGET_PERMIL 5

/* ages: the caller's, kept across runs (core/agecarry.h), or NULL. */
int udamos_frames_set_init(struct udamos_frames_set *s, struct udamos_target *targets,
			   size_t nr, uint64_t refresh_us, struct udamos_window_ages *ages);
void udamos_frames_set_release(struct udamos_frames_set *s);

/*
 * Reads every target's frames when the schedule says so, force is set, or
 * an action moved any target's frames.  *all (optional) says whether they
 * were read.  0, -ESRCH when no target is left with
 * resident memory, -EPERM/-EACCES without the privilege, or -errno.
 */
int udamos_frames_refresh(struct udamos_frames_set *s, bool force, bool *all);

/* Projects physical regions (sorted) onto target i's windows. */
int udamos_frames_project(struct udamos_frames_set *s, size_t i,
			  const struct udamos_region *phys, size_t n,
			  struct udamos_snapshot *out);

/* What target i has resident, and how much of it the last projection
 * found in monitored regions; bytes. */
void udamos_frames_coverage(const struct udamos_frames_set *s, size_t i,
			    uint64_t *monitored, uint64_t *resident);

/* One line on why the first read of page frames failed. */
void udamos_frames_explain(int err, char *why, size_t len);


/* Every target's extents, sorted by frame, in one new array. */
int udamos_frames_all(const struct udamos_frames_set *s, struct udamos_extent **out,
		      size_t *n);

#endif
