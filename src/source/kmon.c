// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A kdamond and its event stream; see kmon.h.
 */
#include "source/kmon.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/vec.h"
#include "sys/clock.h"
#include "sys/sysfs.h"

/* Does the kernel offer this operations set?  Asked of our own context. */
static bool has_ops(const struct udamos_kmon *m, const char *ops)
{
	char path[256], buf[128];

	snprintf(path, sizeof(path), "%s/contexts/nr_contexts", m->kd.dir);
	if (udamos_damon_write(path, "1"))
		return false;
	snprintf(path, sizeof(path), "%s/contexts/0/avail_operations", m->kd.dir);
	/* Kernels before 5.19 lack the file; they had vaddr and paddr. */
	if (udamos_sysfs_read(path, buf, sizeof(buf)))
		return strcmp(ops, "fvaddr") != 0;
	for (char *tok = strtok(buf, "\n "); tok; tok = strtok(NULL, "\n "))
		if (!strcmp(tok, ops))
			return true;
	return false;
}

void udamos_kmon_init(struct udamos_kmon *m)
{
	memset(m, 0, sizeof(*m));
	m->kd.lock_fd = -1;
	m->trace.pipe_fd = -1;
}

int udamos_kmon_start(struct udamos_kmon *m, const char *root, struct udamos_guard *g,
		      FILE *log, const struct udamos_kdamond_cfg *cfg, size_t nr_targets,
		      char *why, size_t len)
{
	int err;

	udamos_kmon_init(m);
	/* DAMON sysfs is root's alone; say so before anything fails on it. */
	if (geteuid() != 0) {
		snprintf(why, len, "kernel DAMON sources need root: DAMON sysfs is writable "
			 "only with CAP_SYS_ADMIN; run udamos as root");
		return -EPERM;
	}
	err = udamos_kdamond_acquire(&m->kd, root, g, log, why, len);
	if (!err && (err = udamos_guard_rearm(g)))
		snprintf(why, len, "cannot arm the restore guard: %s", strerror(-err));
	if (!err && !has_ops(m, cfg->ops)) {
		err = -EOPNOTSUPP;
		snprintf(why, len, "this kernel's DAMON has no %s operations set; it needs "
			 "CONFIG_DAMON_%s", cfg->ops, !strcmp(cfg->ops, "paddr") ? "PADDR" : "VADDR");
	}
	if (!err)
		err = udamos_kdamond_start(&m->kd, cfg, why, len);
	if (!err)
		err = udamos_kmon_attach(m, m->kd.pid, nr_targets, g, why, len);
	if (err)
		udamos_kmon_stop(m);
	return err;
}

int udamos_kmon_attach(struct udamos_kmon *m, int kdamond_pid, size_t nr_targets,
		       struct udamos_guard *g, char *why, size_t len)
{
	int err;

	if (!m->t) {
		m->nr_targets = nr_targets;
		m->t = calloc(nr_targets ? nr_targets : 1, sizeof(*m->t));
		if (!m->t)
			return -ENOMEM;
	}
	err = udamos_trace_open(&m->trace, kdamond_pid, g, why, len);
	if (!err && (err = udamos_guard_rearm(g)))
		snprintf(why, len, "cannot arm the restore guard: %s", strerror(-err));
	return err;
}

int udamos_kmon_flusher_setup(struct udamos_kmon *m, struct udamos_target *targets,
			      size_t nr, const struct udamos_flush_cfg *cfg,
			      const struct udamos_mon_attrs *a, char *why, size_t len)
{
	return udamos_flusher_init(&m->flusher, targets, nr, cfg, a->sample_us, why, len);
}

void udamos_kmon_hint_flusher(struct udamos_kmon *m, const struct udamos_snapshot *snaps,
			      size_t n)
{
	udamos_flusher_hint(&m->flusher, snaps, n);
}

static void collect(void *ctx, const struct udamos_trace_region *ev)
{
	struct udamos_kmon *m = ctx;
	struct udamos_kmon_target *t;

	if (ev->target_id >= m->nr_targets)
		return;
	t = &m->t[ev->target_id];
	/* Within a target, regions come in address order: a lower start, or
	 * target 0 after a finished aggregation, begins a new aggregation
	 * (and drops what was partial, should events have been lost). */
	if (m->complete || (t->nr && ev->region.start < t->r[t->nr - 1].start)) {
		for (size_t i = 0; i < m->nr_targets; i++)
			m->t[i].nr = 0;
		m->complete = false;
	}
	if (udamos_reserve(&t->r, &t->cap, t->nr + 1, sizeof(*t->r)))
		return;
	t->r[t->nr++] = ev->region;
	t->expect = ev->nr_regions;
	/* Targets come in order: the last one's last region ends it. */
	if (ev->target_id == m->nr_targets - 1 && t->nr == t->expect)
		m->complete = true;
}

/*
 * Once a second: is the kdamond we started still on, with its pid?  An
 * operator (or a tool) may turn it off or remove it; waiting for events
 * that never come would hang udamos, acting on nothing, in silence.
 */
static int check_ours(struct udamos_kmon *m)
{
	char path[260], state[16] = "", pid[16] = "";
	uint64_t now = udamos_now_us();
	int err;

	if (!m->kd.acquired || now - m->checked_us < 1000000)
		return 0;
	m->checked_us = now;
	snprintf(path, sizeof(path), "%s/state", m->kd.dir);
	err = udamos_sysfs_read(path, state, sizeof(state));
	snprintf(path, sizeof(path), "%s/pid", m->kd.dir);
	if (!err)
		err = udamos_sysfs_read(path, pid, sizeof(pid));
	/* Unreadable for a moment (a command of the operator's in progress)
	 * proves nothing; gone (ENOENT) or another answer does. */
	if ((err && err != -ENOENT) || (!err && !strcmp(state, "on") && atoi(pid) == m->kd.pid))
		return 0;
	snprintf(m->failure, sizeof(m->failure), "udamos's kdamond %u (pid %d) was turned off "
		 "or removed by someone else (its state now reads '%s'); monitoring stopped, "
		 "so udamos stops acting; run udamos again to start over", m->kd.idx, m->kd.pid,
		 state[0] ? state : "nothing");
	return -ENOTCONN;
}

int udamos_kmon_next(struct udamos_kmon *m, uint64_t timeout_us, volatile int *stop)
{
	uint64_t deadline = udamos_now_us() + timeout_us;

	m->complete = false;
	for (size_t i = 0; i < m->nr_targets; i++)
		m->t[i].nr = 0;
	while (!m->complete) {
		int err;

		if (stop && *stop)
			return -EINTR;
		err = check_ours(m);
		if (err)
			return err;
		if (udamos_now_us() > deadline) {
			snprintf(m->failure, sizeof(m->failure), "no aggregation from kdamond pid %d "
				 "in %.0f s; its monitoring has stalled, so udamos stops acting",
				 m->kd.pid, (double)timeout_us / 1e6);
			return -ETIMEDOUT;
		}
		udamos_flusher_tick(&m->flusher);
		err = udamos_trace_poll(&m->trace, 50, collect, m);
		if (err < 0)
			return err;
	}
	return 0;
}

const char *udamos_kmon_source_failure(struct udamos_source *src)
{
	const struct udamos_kmon *m = &((struct udamos_kmon_source *)src)->mon;

	return m->failure[0] ? m->failure : NULL;
}

int udamos_kmon_kernel_pid(const struct udamos_kmon *m)
{
	return m->kd.pid;
}

int udamos_kmon_source_pid(struct udamos_source *src)
{
	return udamos_kmon_kernel_pid(&((struct udamos_kmon_source *)src)->mon);
}

struct udamos_kdamond_cfg udamos_kmon_cfg(const char *ops, const struct udamos_mon_attrs *a)
{
	return (struct udamos_kdamond_cfg){
		.ops = ops, .sample_us = a->sample_us, .aggr_us = a->aggr_us,
		.update_us = a->update_us, .min_nr_regions = a->min_nr_regions,
		.max_nr_regions = a->max_nr_regions,
	};
}

void udamos_kmon_stamp(const struct udamos_kmon *m, struct udamos_snapshot *sn,
		       uint32_t target, const struct udamos_mon_attrs *a)
{
	uint32_t max = udamos_mon_max_nr_accesses(a);
	uint64_t seen = udamos_flusher_visible_permil(&m->flusher, a->sample_us);

	sn->target = target;
	sn->time_us = udamos_now_us();
	sn->aggr_us = a->aggr_us;
	if (seen < 1000) {
		max = (uint32_t)((max * seen + 999) / 1000);
		max = max ? max : 1;
		for (size_t i = 0; i < sn->nr_regions; i++)
			if (sn->regions[i].nr_accesses > max)
				sn->regions[i].nr_accesses = max;
	}
	sn->max_nr_accesses = max;
}

uint64_t udamos_kmon_source_flushes(struct udamos_source *src)
{
	return ((struct udamos_kmon_source *)src)->mon.flusher.flushes;
}

void udamos_kmon_stop(struct udamos_kmon *m)
{
	udamos_flusher_release(&m->flusher);
	udamos_trace_close(&m->trace);
	udamos_kdamond_release(&m->kd);
	for (size_t i = 0; m->t && i < m->nr_targets; i++)
		free(m->t[i].r);
	free(m->t);
	m->t = NULL;
}
