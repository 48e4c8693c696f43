// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Target process handles; see target.h.
 */
#include "sys/target.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/pidfd.h"

int udamos_target_open(struct udamos_target *t, pid_t pid)
{
	int fd;

	memset(t, 0, sizeof(*t));
	t->pm.pagemap_fd = t->pm.kpageflags_fd = -1;
	t->pid = pid;
	fd = udamos_pidfd_open(pid);
	if (fd < 0)
		return fd;
	t->pidfd = fd;
	/* pagemap is optional: without it the huge filter sees no huge pages. */
	udamos_pagemap_open(&t->pm, pid, fd);
	return 0;
}

void udamos_target_close(struct udamos_target *t)
{
	udamos_pagemap_close(&t->pm);
	if (t->pidfd > 0)
		close(t->pidfd);
	free(t->vmas);
	t->vmas = NULL;
	t->pidfd = -1;
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

size_t udamos_target_vma_from(const struct udamos_target *t, uint64_t addr)
{
	size_t lo = 0, hi = t->nr_vmas;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->vmas[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct udamos_vma *udamos_target_vma_of(const struct udamos_target *t,
					      uint64_t start, uint64_t end)
{
	size_t i = udamos_target_vma_from(t, start);

	if (i < t->nr_vmas && t->vmas[i].start <= start && end <= t->vmas[i].end)
		return &t->vmas[i];
	return NULL;
}
