// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Target discovery; see discover.h.
 */
#include "daemon/discover.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"
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
	/* Size last, and only for a process the rest selects; always then: a
	 * kernel thread has none, and nothing could act on it. */
	f.rss = UINT64_MAX;
	if (!udamos_selector_match(sel, &f))
		return false;
	d->nr_facts_read++;
	if (udamos_proc_rss(pid, &f.rss) || !f.rss || !udamos_selector_match(sel, &f))
		return false;
	*rss = f.rss;
	return true;
}

static int add(struct udamos_discovery *d, pid_t pid, uint32_t ctx, uint64_t rss)
{
	if (udamos_reserve(&d->found, &d->cap, d->nr + 1, sizeof(*d->found)))
		return -ENOMEM;
	d->found[d->nr++] = (struct udamos_found){ .pid = pid, .context = ctx, .rss = rss };
	return 0;
}

/* The candidates of one context: its PIDs, its cgroup's, or everyone. */
static int candidates(struct udamos_discovery *d, const struct udamos_selector *sel,
		      const char *cgroup_root, bool *all_scanned)
{
	int err;

	if (sel->nr_pids) {
		if (udamos_reserve(&d->pids, &d->cap_pids, sel->nr_pids, sizeof(*d->pids)))
			return -ENOMEM;
		memcpy(d->pids, sel->pids, sel->nr_pids * sizeof(*d->pids));
		d->nr_pids = sel->nr_pids;
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

static int remember(struct udamos_turned_down *t, pid_t pid, uint64_t scan)
{
	if (udamos_reserve(&t->v, &t->cap, t->nr + 1, sizeof(*t->v)))
		return -ENOMEM;
	t->v[t->nr++] = (struct udamos_verdict_at){ .pid = pid, .scan = scan };
	return 0;
}

static int verdict_by_pid(const void *a, const void *b)
{
	const struct udamos_verdict_at *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* When the context last turned pid down, or 0. */
static uint64_t turned_down_at(const struct udamos_turned_down *t, pid_t pid)
{
	struct udamos_verdict_at key = { .pid = pid };
	const struct udamos_verdict_at *v = t->nr ? bsearch(&key, t->v, t->nr, sizeof(key),
							    verdict_by_pid) : NULL;

	return v ? v->scan : 0;
}

/* Judges one context's candidates; a full scan's verdicts are kept. */
static int judge(struct udamos_discovery *d, const struct udamos_selector *sel, uint32_t c,
		 pid_t self, bool full_scan)
{
	/* Members of the cgroup scanned need not be asked theirs. */
	const char *cg = sel->cgroup && !sel->nr_pids ? sel->cgroup : NULL;
	struct udamos_turned_down *down = &d->down[c], *next = &d->next;
	int err = 0;

	next->nr = 0;
	for (size_t i = 0; !err && i < d->nr_pids; i++) {
		pid_t pid = d->pids[i];
		uint64_t at = full_scan ? turned_down_at(down, pid) : 0, rss;

		if (pid == self || taken(d, pid))
			continue;
		if (at && d->nr_scans - at < UDAMOS_DISCOVER_RECHECK) {
			d->nr_skipped++;
			err = remember(next, pid, at);
		} else if (selects(d, sel, pid, cg, &rss)) {
			err = add(d, pid, c, rss);
		} else if (full_scan) {
			err = remember(next, pid, d->nr_scans);
		}
	}
	if (full_scan && !err) {
		struct udamos_turned_down t = *down;

		/* /proc lists PIDs in order, so this is sorted already. */
		for (size_t i = 1; i < next->nr; i++)
			if (next->v[i - 1].pid > next->v[i].pid) {
				qsort(next->v, next->nr, sizeof(*next->v), verdict_by_pid);
				break;
			}
		*down = *next;
		*next = t;
	}
	return err;
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

		err = candidates(d, sel, cgroup_root, &all_scanned);
		if (!err)
			err = judge(d, sel, c, self, !sel->nr_pids && !sel->cgroup);
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

void udamos_discovery_forget(struct udamos_discovery *d)
{
	for (size_t c = 0; c < UDAMOS_DAEMON_MAX_CONTEXTS; c++)
		d->down[c].nr = 0;
}

void udamos_discovery_release(struct udamos_discovery *d)
{
	for (size_t c = 0; c < UDAMOS_DAEMON_MAX_CONTEXTS; c++)
		free(d->down[c].v);
	free(d->next.v);
	free(d->found);
	free(d->pids);
	memset(d, 0, sizeof(*d));
}
