// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Target discovery; see discover.h.
 */
#include "daemon/discover.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sys/procscan.h"

static int by_pid(const void *a, const void *b)
{
	const struct udamos_found *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int by_rss_desc(const void *a, const void *b)
{
	const struct udamos_found *x = a, *y = b;

	if (x->rss != y->rss)
		return x->rss < y->rss ? 1 : -1;
	return by_pid(a, b);
}

int udamos_discovery_context_of(const struct udamos_discovery *d, pid_t pid)
{
	struct udamos_found key = { .pid = pid };
	const struct udamos_found *f = d->nr ? bsearch(&key, d->found, d->nr, sizeof(key),
						      by_pid) : NULL;

	return f ? (int)f->context : -1;
}

static bool taken(const struct udamos_discovery *d, pid_t pid)
{
	for (size_t i = 0; i < d->nr; i++)
		if (d->found[i].pid == pid)
			return true;
	return false;
}

/* Reads what the selector needs and judges; a process that went is no. */
static bool selects(struct udamos_discovery *d, const struct udamos_selector *sel, pid_t pid,
		    const char *cgroup_of_scan, uint64_t *rss)
{
	char comm[64], exe[PATH_MAX], cg[PATH_MAX];
	struct udamos_proc_facts f = { .pid = pid, .cgroup = cgroup_of_scan };

	if (sel->comm) {
		d->nr_facts_read++;
		if (udamos_proc_comm(pid, comm, sizeof(comm)))
			return false;
		f.comm = comm;
	}
	if (sel->exe) {
		d->nr_facts_read++;
		if (udamos_proc_exe(pid, exe, sizeof(exe)))
			return false;
		f.exe = exe;
	}
	if (sel->cgroup && !f.cgroup) {
		d->nr_facts_read++;
		if (udamos_proc_cgroup(pid, cg, sizeof(cg)))
			return false;
		f.cgroup = cg;
	}
	/* Size last, and always: a kernel thread has none, and nothing
	 * could act on it. */
	d->nr_facts_read++;
	if (udamos_proc_rss(pid, &f.rss) || !f.rss)
		return false;
	if (!udamos_selector_match(sel, &f))
		return false;
	*rss = f.rss;
	return true;
}

static int add(struct udamos_discovery *d, pid_t pid, uint32_t ctx, uint64_t rss)
{
	if (d->nr == d->cap) {
		size_t n = d->cap ? d->cap * 2 : 64;
		struct udamos_found *p = realloc(d->found, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		d->found = p;
		d->cap = n;
	}
	d->found[d->nr++] = (struct udamos_found){ .pid = pid, .context = ctx, .rss = rss };
	return 0;
}

/* The candidates of one context: its PIDs, its cgroup's, or everyone. */
static int candidates(struct udamos_discovery *d, const struct udamos_selector *sel,
		      const char *cgroup_root, bool *all_scanned)
{
	int err;

	if (sel->nr_pids) {
		d->nr_pids = 0;
		for (size_t i = 0; i < sel->nr_pids; i++) {
			if (d->nr_pids == d->cap_pids) {
				size_t n = d->cap_pids ? d->cap_pids * 2 : 64;
				pid_t *p = realloc(d->pids, n * sizeof(*p));

				if (!p)
					return -ENOMEM;
				d->pids = p;
				d->cap_pids = n;
			}
			d->pids[d->nr_pids++] = sel->pids[i];
		}
		*all_scanned = false;
		return 0;
	}
	if (sel->cgroup) {
		d->nr_pids = 0;
		*all_scanned = false;
		err = udamos_scan_cgroup(cgroup_root, sel->cgroup, &d->pids, &d->nr_pids,
					 &d->cap_pids);
		return err == -ENOENT ? 0 : err;	/* not there yet: nobody */
	}
	if (*all_scanned)
		return 0;	/* the last context's full scan serves */
	d->nr_pids = 0;
	*all_scanned = true;
	return udamos_scan_pids(&d->pids, &d->nr_pids, &d->cap_pids);
}

int udamos_discover(struct udamos_discovery *d, const struct udamos_daemon_cfg *cfg,
		    const char *cgroup_root, pid_t self, size_t max)
{
	bool all_scanned = false;
	int err = 0;

	d->nr = 0;
	d->nr_scans++;
	for (uint32_t c = 0; !err && c < cfg->nr_contexts; c++) {
		const struct udamos_selector *sel = &cfg->contexts[c].sel;
		/* Members of the cgroup scanned need not be asked theirs. */
		const char *cg = sel->cgroup && !sel->nr_pids ? sel->cgroup : NULL;

		err = candidates(d, sel, cgroup_root, &all_scanned);
		for (size_t i = 0; !err && i < d->nr_pids; i++) {
			pid_t pid = d->pids[i];
			uint64_t rss;

			if (pid == self || taken(d, pid) || !selects(d, sel, pid, cg, &rss))
				continue;
			err = add(d, pid, c, rss);
		}
	}
	if (err)
		return err;
	d->nr_matching = d->nr;
	if (d->nr > max) {
		qsort(d->found, d->nr, sizeof(*d->found), by_rss_desc);
		d->nr = max;
	}
	if (d->nr)
		qsort(d->found, d->nr, sizeof(*d->found), by_pid);
	return 0;
}

void udamos_discovery_release(struct udamos_discovery *d)
{
	free(d->found);
	free(d->pids);
	memset(d, 0, sizeof(*d));
}
