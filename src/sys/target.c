// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Target process handles; see target.h.
 */
#include "sys/target.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/vec.h"
#include "sys/pidfd.h"

int udamos_target_open(struct udamos_target *t, pid_t pid)
{
	int fd;

	memset(t, 0, sizeof(*t));
	t->pm.pagemap_fd = t->pm.kpageflags_fd = t->maps_fd = -1;
	t->pid = pid;
	fd = udamos_pidfd_open(pid);
	if (fd < 0)
		return fd;
	t->pidfd = fd;
	/* Read after the pidfd pins the process: a PID reused in between
	 * only makes the two disagree, and then nothing is carried. */
	t->start_ticks = udamos_proc_start_ticks(pid);
	/* pagemap is optional: without it the huge filter sees no huge pages. */
	udamos_pagemap_open(&t->pm, pid, fd);
	t->maps_fd = udamos_vma_query_open(pid, fd);
	if (t->maps_fd == -ESRCH) {
		close(t->pidfd);
		udamos_pagemap_close(&t->pm);
		return -ESRCH;
	}
	return 0;
}

void udamos_target_close(struct udamos_target *t)
{
	udamos_pagemap_close(&t->pm);
	if (t->pidfd > 0)
		close(t->pidfd);
	if (t->maps_fd >= 0)
		close(t->maps_fd);
	free(t->vmas);
	free(t->looked_up);
	t->vmas = t->looked_up = NULL;
	t->pidfd = t->maps_fd = -1;
}

void udamos_target_new_pass(struct udamos_target *t)
{
	t->vmas_fresh = false;
	t->looked_up_fresh = false;
}

/* Index of the first of n sorted mappings ending above addr (n if none). */
static size_t first_ending_above(const struct udamos_vma *v, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A hit in this pass's lookups: the mapping holding addr. */
static const struct udamos_vma *looked_up(const struct udamos_target *t, uint64_t addr)
{
	size_t i = first_ending_above(t->looked_up, t->nr_looked_up, addr);

	return i < t->nr_looked_up && t->looked_up[i].start <= addr ? &t->looked_up[i] : NULL;
}

static void remember(struct udamos_target *t, const struct udamos_vma *v)
{
	size_t i = t->nr_looked_up;

	if (udamos_reserve(&t->looked_up, &t->cap_looked_up, t->nr_looked_up + 1,
			   sizeof(*t->looked_up)))
		return;		/* only a cache */
	while (i && t->looked_up[i - 1].start > v->start) {
		t->looked_up[i] = t->looked_up[i - 1];
		i--;
	}
	t->looked_up[i] = *v;
	t->nr_looked_up++;
}

int udamos_target_vma_at(struct udamos_target *t, uint64_t addr, struct udamos_vma *out)
{
	const struct udamos_vma *hit;
	size_t i;
	int err;

	if (t->gone)
		return -ESRCH;
	if (!t->looked_up_fresh) {
		t->nr_looked_up = 0;
		t->looked_up_fresh = true;
	}
	hit = looked_up(t, addr);
	if (hit) {
		*out = *hit;
		return 0;
	}
	if (t->maps_fd >= 0) {
		err = udamos_vma_query(t->maps_fd, addr, out);
		t->nr_vma_lookups++;
		if (!err)
			remember(t, out);
		if (err == -ESRCH)
			t->gone = true;
		if (err != -ENOTTY)
			return err;
		/* Before 6.11: the whole list, once per pass, from now on. */
		close(t->maps_fd);
		t->maps_fd = -1;
	}
	err = udamos_target_vmas(t);
	if (err)
		return err;
	i = udamos_target_vma_from(t, addr);
	if (i == t->nr_vmas)
		return -ENOENT;
	*out = t->vmas[i];
	return 0;
}

int udamos_target_vmas(struct udamos_target *t)
{
	struct udamos_vma *v;
	size_t n;
	int err;

	if (t->gone)
		return -ESRCH;
	if (t->vmas_fresh)
		return 0;
	err = udamos_read_vmas(t->pid, t->pidfd, &v, &n);
	t->nr_maps_reads++;
	if (err) {
		if (err == -ESRCH)
			t->gone = true;
		return err;
	}
	free(t->vmas);
	t->vmas = v;
	t->nr_vmas = n;
	t->vmas_fresh = true;
	return 0;
}

int udamos_target_ranges_now(struct udamos_target *t, bool readable_only,
			     struct udamos_addr_range **buf, size_t *cap, size_t *n)
{
	int err;

	t->vmas_fresh = false;
	err = udamos_target_vmas(t);
	t->vmas_fresh = false;
	if (err)
		return err;
	if (t->nr_vmas > *cap) {
		struct udamos_addr_range *grown = realloc(*buf, t->nr_vmas * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		*buf = grown;
		*cap = t->nr_vmas;
	}
	*n = 0;
	for (size_t v = 0; v < t->nr_vmas; v++)
		if (!readable_only || t->vmas[v].readable)
			(*buf)[(*n)++] = (struct udamos_addr_range){ t->vmas[v].start,
								     t->vmas[v].end };
	return 0;
}

size_t udamos_target_vma_from(const struct udamos_target *t, uint64_t addr)
{
	return first_ending_above(t->vmas, t->nr_vmas, addr);
}

const struct udamos_vma *udamos_target_vma_of(const struct udamos_target *t,
					      uint64_t start, uint64_t end)
{
	size_t i = udamos_target_vma_from(t, start);

	if (i < t->nr_vmas && t->vmas[i].start <= start && end <= t->vmas[i].end)
		return &t->vmas[i];
	return NULL;
}
