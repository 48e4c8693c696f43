// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DAMON sysfs access; see damon.h.
 */
#include "sys/damon.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sys/sysfs.h"

int udamos_damon_write(const char *path, const char *value)
{
	/* DAMON sysfs answers EBUSY while its lock is held elsewhere. */
	return udamos_sysfs_write_retry(path, value);
}

int udamos_damon_write_u64(const char *path, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return udamos_damon_write(path, buf);
}

static int read_at(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int read_at(char *buf, size_t len, const char *fmt, ...)
{
	char path[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return udamos_sysfs_read(path, buf, len);
}

static void view_one(const char *root, unsigned i, struct udamos_kdamond_view *k)
{
	char buf[64];
	unsigned nr_schemes = 0;

	memset(k, 0, sizeof(*k));
	k->idx = i;
	k->pid = -1;
	if (!read_at(buf, sizeof(buf), "%s/kdamonds/%u/state", root, i))
		k->on = !strcmp(buf, "on");
	if (!read_at(buf, sizeof(buf), "%s/kdamonds/%u/pid", root, i))
		k->pid = atoi(buf);
	read_at(k->ops, sizeof(k->ops), "%s/kdamonds/%u/contexts/0/operations", root, i);
	if (!read_at(buf, sizeof(buf), "%s/kdamonds/%u/contexts/0/schemes/nr_schemes", root, i))
		nr_schemes = (unsigned)atoi(buf);
	for (unsigned s = 0; s < nr_schemes && s < 8; s++) {
		size_t used = strlen(k->actions);

		if (read_at(buf, sizeof(buf), "%s/kdamonds/%u/contexts/0/schemes/%u/action",
			    root, i, s))
			continue;
		snprintf(k->actions + used, sizeof(k->actions) - used, "%s%s",
			 used ? "," : "", buf);
	}
}

int udamos_damon_view(const char *root, struct udamos_damon_view *v)
{
	char buf[32];

	memset(v, 0, sizeof(*v));
	if (read_at(buf, sizeof(buf), "%s/kdamonds/nr_kdamonds", root))
		return -ENOENT;
	v->present = true;
	v->nr_kdamonds = (unsigned)atoi(buf);
	for (unsigned i = 0; i < v->nr_kdamonds && i < UDAMOS_MAX_KDAMONDS; i++)
		view_one(root, i, &v->kd[i]);
	return 0;
}

void udamos_kdamond_describe(const struct udamos_kdamond_view *k, char *buf, size_t len)
{
	const char *ops = k->ops[0] ? k->ops : "no context";

	if (!k->on)
		snprintf(buf, len, "kdamond %u (off, %s)", k->idx, ops);
	else
		snprintf(buf, len, "kdamond %u (pid %d, %s%s%s)", k->idx, k->pid, ops,
			 k->actions[0] ? ", schemes: " : "", k->actions);
}

int udamos_kdamond_command(const char *kd_dir, const char *cmd)
{
	char path[256];
	struct timespec pause = { 0, 20 * 1000 * 1000L };

	snprintf(path, sizeof(path), "%s/state", kd_dir);
	for (int tries = 0; tries < 250; tries++) {
		int err = udamos_damon_write(path, cmd);

		if (err != -EBUSY)
			return err;
		nanosleep(&pause, NULL);
	}
	return -EBUSY;
}

static int put(const char *kd_dir, const char *rel, uint64_t v)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/contexts/0/%s", kd_dir, rel);
	return udamos_damon_write_u64(path, v);
}

int udamos_kdamond_write_regions(const char *kd_dir, const uint64_t (*regions)[2],
				 size_t nr)
{
	char rel[96];
	int err = put(kd_dir, "targets/0/regions/nr_regions", nr);

	for (size_t i = 0; i < nr && !err; i++) {
		snprintf(rel, sizeof(rel), "targets/0/regions/%zu/start", i);
		err = put(kd_dir, rel, regions[i][0]);
		snprintf(rel, sizeof(rel), "targets/0/regions/%zu/end", i);
		if (!err)
			err = put(kd_dir, rel, regions[i][1]);
	}
	return err;
}

/* Writes the files of one scheme, stopping at the first failure. */
struct scheme_writer {
	char base[288];		/* <kdamond>/contexts/0/schemes/<idx> */
	int err;
	char failed[96];	/* the file that failed, relative to base */
};

static void sw_text(struct scheme_writer *w, const char *rel, const char *value)
{
	char path[416];

	if (w->err)
		return;
	snprintf(path, sizeof(path), "%s/%s", w->base, rel);
	w->err = udamos_damon_write(path, value);
	if (w->err)
		snprintf(w->failed, sizeof(w->failed), "%s", rel);
}

static void sw_u64(struct scheme_writer *w, const char *rel, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	sw_text(w, rel, buf);
}

static bool sw_has(const struct scheme_writer *w, const char *rel)
{
	char path[416];

	snprintf(path, sizeof(path), "%s/%s", w->base, rel);
	return access(path, F_OK) == 0;
}

static void write_filters(struct scheme_writer *w, const struct udamos_kscheme *k)
{
	char rel[96];

	sw_u64(w, "filters/nr_filters", k->nr_filters);
	for (size_t i = 0; i < k->nr_filters && !w->err; i++) {
		const struct udamos_kfilter *f = &k->filters[i];

		snprintf(rel, sizeof(rel), "filters/%zu/type", i);
		sw_text(w, rel, f->type);
		snprintf(rel, sizeof(rel), "filters/%zu/matching", i);
		sw_text(w, rel, f->matching ? "Y" : "N");
		snprintf(rel, sizeof(rel), "filters/%zu/allow", i);
		if (f->allow || sw_has(w, rel))
			sw_text(w, rel, f->allow ? "Y" : "N");
		if (!strcmp(f->type, "addr")) {
			snprintf(rel, sizeof(rel), "filters/%zu/addr_start", i);
			sw_u64(w, rel, f->addr_start);
			snprintf(rel, sizeof(rel), "filters/%zu/addr_end", i);
			sw_u64(w, rel, f->addr_end);
		} else {
			snprintf(rel, sizeof(rel), "filters/%zu/target_idx", i);
			sw_u64(w, rel, f->target_idx);
		}
	}
}

static void write_goals(struct scheme_writer *w, const struct udamos_kscheme *k)
{
	char rel[96];

	if (k->nr_goals || sw_has(w, "quotas/goals/nr_goals"))
		sw_u64(w, "quotas/goals/nr_goals", k->nr_goals);
	for (size_t i = 0; i < k->nr_goals && !w->err; i++) {
		snprintf(rel, sizeof(rel), "quotas/goals/%zu/target_metric", i);
		sw_text(w, rel, k->goals[i].metric);
		snprintf(rel, sizeof(rel), "quotas/goals/%zu/target_value", i);
		sw_u64(w, rel, k->goals[i].target_value);
		snprintf(rel, sizeof(rel), "quotas/goals/%zu/current_value", i);
		sw_u64(w, rel, k->goals[i].current_value);
	}
	if (k->tuner)
		sw_text(w, "quotas/goal_tuner", k->tuner);
}

/* What a failed write says about the kernel, for the operator. */
static int explain(const struct scheme_writer *w, const struct udamos_kscheme *k,
		   char *why, size_t len)
{
	const char *f = w->failed;
	const char *hint = NULL;

	if (!strcmp(f, "action") && w->err == -EINVAL)
		hint = !strcmp(k->action, "collapse") ?
			"this kernel's DAMON has no collapse action (the DAMOS collapse patch "
			"is not in any released kernel yet); let udamos apply it (apply_by "
			"udamos or auto)" :
			"this kernel's DAMON does not accept the action; let udamos apply it "
			"(apply_by udamos or auto)";
	else if (!strncmp(f, "filters/", 8) && strstr(f, "/allow"))
		hint = "this kernel has reject filters only (allow filters came in Linux "
		       "6.14); give reject filters, or a single allow filter";
	else if (!strcmp(f, "filters/nr_filters"))
		hint = "this kernel's DAMON has no scheme filters (Linux 6.3+)";
	else if (!strncmp(f, "filters/", 8) && strstr(f, "/type"))
		hint = "this kernel's DAMON has no address or target filters (Linux 6.6+)";
	else if (!strcmp(f, "quotas/goals/nr_goals"))
		hint = "this kernel's DAMON has no quota goals (Linux 6.8+)";
	else if (strstr(f, "target_metric"))
		hint = "this kernel's DAMON does not offer that goal metric "
		       "(some_mem_psi_us needs Linux 6.9+)";
	else if (!strcmp(f, "quotas/goal_tuner"))
		hint = "this kernel's DAMON has only the consist goal tuner; use "
		       "--damos_quota_goal_tuner consist";
	if (!hint) {
		snprintf(why, len, "delegated %s scheme: writing %s/%s: %s", k->action, w->base,
			 f, strerror(-w->err));
		return w->err;
	}
	snprintf(why, len, "delegated %s scheme: %s (%s/%s: %s)", k->action, hint, w->base, f,
		 strerror(-w->err));
	return -ENOSYS;
}

/* One scheme, in the kernel's units (core/kscheme.h). */
static int write_scheme(const char *kd_dir, size_t idx, const struct udamos_kscheme *k,
			char *why, size_t len)
{
	/* Maxima before minima: the kernel checks min <= max as it goes. */
	const struct { const char *rel; uint64_t v; } nums[] = {
		{ "access_pattern/sz/max", k->sz_max },
		{ "access_pattern/sz/min", k->sz_min },
		{ "access_pattern/nr_accesses/max", k->nr_max },
		{ "access_pattern/nr_accesses/min", k->nr_min },
		{ "access_pattern/age/max", k->age_max },
		{ "access_pattern/age/min", k->age_min },
		{ "quotas/ms", k->quota_ms },
		{ "quotas/bytes", k->quota_bytes },
		{ "quotas/reset_interval_ms", k->quota_reset_ms },
		{ "quotas/weights/sz_permil", k->weight_sz },
		{ "quotas/weights/nr_accesses_permil", k->weight_nr },
		{ "quotas/weights/age_permil", k->weight_age },
		{ "watermarks/interval_us", k->wmark_interval_us },
		{ "watermarks/high", k->wmark_high },
		{ "watermarks/mid", k->wmark_mid },
		{ "watermarks/low", k->wmark_low },
	};
	struct scheme_writer w = { .err = 0 };

	snprintf(w.base, sizeof(w.base), "%s/contexts/0/schemes/%zu", kd_dir, idx);
	sw_text(&w, "action", k->action);
	sw_text(&w, "watermarks/metric", k->wmark_metric);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		sw_u64(&w, nums[i].rel, nums[i].v);
	/* apply_interval_us appeared in 6.7; older kernels apply every
	 * aggregation, which is udamos's default too. */
	if (k->apply_interval_us || sw_has(&w, "apply_interval_us"))
		sw_u64(&w, "apply_interval_us", k->apply_interval_us);
	if (k->nr_filters)
		write_filters(&w, k);
	write_goals(&w, k);
	return w.err ? explain(&w, k, why, len) : 0;
}

int udamos_kdamond_configure(const char *kd_dir, const struct udamos_kdamond_cfg *cfg,
			     char *why, size_t len)
{
	char path[320];
	int err;

	snprintf(path, sizeof(path), "%s/contexts/nr_contexts", kd_dir);
	err = udamos_damon_write(path, "1");
	snprintf(path, sizeof(path), "%s/contexts/0/operations", kd_dir);
	if (!err)
		err = udamos_damon_write(path, cfg->ops);
	/* Aggregation first: sampling may never exceed it. */
	if (!err)
		err = put(kd_dir, "monitoring_attrs/intervals/aggr_us", cfg->aggr_us);
	if (!err)
		err = put(kd_dir, "monitoring_attrs/intervals/sample_us", cfg->sample_us);
	if (!err)
		err = put(kd_dir, "monitoring_attrs/intervals/update_us", cfg->update_us);
	if (!err)
		err = put(kd_dir, "monitoring_attrs/nr_regions/max", cfg->max_nr_regions);
	if (!err)
		err = put(kd_dir, "monitoring_attrs/nr_regions/min", cfg->min_nr_regions);
	if (!err)
		err = put(kd_dir, "targets/nr_targets", cfg->nr_pids ? cfg->nr_pids : 1);
	for (size_t i = 0; !err && i < cfg->nr_pids; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "targets/%zu/pid_target", i);
		err = put(kd_dir, rel, (uint64_t)cfg->pids[i]);
	}
	if (!err && cfg->nr_regions)
		err = udamos_kdamond_write_regions(kd_dir, cfg->regions, cfg->nr_regions);
	if (!err)
		err = put(kd_dir, "schemes/nr_schemes", cfg->nr_schemes);
	if (err) {
		snprintf(why, len, "configuring %s: %s", kd_dir, strerror(-err));
		return err;
	}
	for (size_t i = 0; !err && i < cfg->nr_schemes; i++)
		err = write_scheme(kd_dir, i, &cfg->schemes[i], why, len);
	return err;
}

int udamos_kdamond_scheme_stats(const char *kd_dir, size_t idx, struct udamos_stats *out)
{
	static const char *const names[] = { "nr_tried", "sz_tried", "nr_applied",
		"sz_applied", "qt_exceeds" };
	uint64_t *fields[] = { &out->nr_tried, &out->sz_tried, &out->nr_applied,
		&out->sz_applied, &out->qt_exceeds };
	char path[320], buf[32];
	int err = udamos_kdamond_command(kd_dir, "update_schemes_stats");

	for (size_t i = 0; !err && i < 5; i++) {
		snprintf(path, sizeof(path), "%s/contexts/0/schemes/%zu/stats/%s", kd_dir, idx,
			 names[i]);
		err = udamos_sysfs_read(path, buf, sizeof(buf));
		if (!err)
			*fields[i] = strtoull(buf, NULL, 10);
	}
	return err;
}

int udamos_kdamond_feed_goals(const char *kd_dir, const struct udamos_kscheme *schemes,
			      size_t nr_schemes)
{
	bool any = false;
	char path[352];
	int err = 0;

	for (size_t i = 0; i < nr_schemes && !err; i++) {
		for (size_t g = 0; g < schemes[i].nr_goals && !err; g++) {
			if (!schemes[i].goals[g].fed)
				continue;
			snprintf(path, sizeof(path),
				 "%s/contexts/0/schemes/%zu/quotas/goals/%zu/current_value",
				 kd_dir, i, g);
			err = udamos_damon_write_u64(path, schemes[i].goals[g].current_value);
			any = true;
		}
	}
	return err || !any ? err : udamos_kdamond_command(kd_dir, "commit_schemes_quota_goals");
}

/*
 * The largest top-level "System RAM" range of /proc/iomem: what paddr
 * monitors when its owner gave it no range.  Root sees real addresses.
 */
static int largest_system_ram(uint64_t *start, uint64_t *end)
{
	FILE *f = fopen("/proc/iomem", "re");
	char line[256];
	uint64_t best = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;

		if (line[0] == ' ' || !strstr(line, ": System RAM") ||
		    sscanf(line, "%llx-%llx", &s, &e) != 2)
			continue;
		if (e + 1 - s > best) {
			best = e + 1 - s;
			*start = s;
			*end = e + 1;
		}
	}
	fclose(f);
	return best && *end > 1 ? 0 : -ENOENT;
}

static void default_range(struct udamos_foreign_kdamond *k)
{
	uint64_t s, e;

	if (!strcmp(k->ops, "paddr") && !k->nr_ranges && !largest_system_ram(&s, &e)) {
		k->ranges[0][0] = s;
		k->ranges[0][1] = e;
		k->nr_ranges = 1;
	}
}

static uint64_t read_u64_at(const char *dir, const char *rel)
{
	char buf[32];

	return read_at(buf, sizeof(buf), "%s/%s", dir, rel) ? 0 : strtoull(buf, NULL, 10);
}

int udamos_foreign_read_sysfs(const char *root, unsigned idx,
			      struct udamos_foreign_kdamond *k)
{
	char ctx[260], buf[32];
	size_t nr_targets;

	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "kdamond %u", idx);
	snprintf(k->dir, sizeof(k->dir), "%s/kdamonds/%u", root, idx);
	if (read_at(buf, sizeof(buf), "%s/state", k->dir) || strcmp(buf, "on"))
		return -ENOENT;
	k->pid = (int)read_u64_at(k->dir, "pid");
	snprintf(ctx, sizeof(ctx), "%s/contexts/0", k->dir);
	if (read_at(k->ops, sizeof(k->ops), "%s/operations", ctx) || k->pid <= 0)
		return -ENOENT;
	k->sample_us = read_u64_at(ctx, "monitoring_attrs/intervals/sample_us");
	k->aggr_us = read_u64_at(ctx, "monitoring_attrs/intervals/aggr_us");
	k->tuned = read_u64_at(ctx, "monitoring_attrs/intervals/intervals_goal/access_bp") != 0;
	nr_targets = read_u64_at(ctx, "targets/nr_targets");
	for (size_t t = 0; t < nr_targets && t < UDAMOS_FOREIGN_MAX_TARGETS; t++) {
		char rel[96];

		snprintf(rel, sizeof(rel), "targets/%zu/pid_target", t);
		k->target_pids[k->nr_targets++] = (int)read_u64_at(ctx, rel);
	}
	if (!strcmp(k->ops, "paddr") && nr_targets) {
		size_t n = read_u64_at(ctx, "targets/0/regions/nr_regions");

		for (size_t r = 0; r < n && k->nr_ranges < UDAMOS_FOREIGN_MAX_RANGES; r++) {
			char rel[96];

			snprintf(rel, sizeof(rel), "targets/0/regions/%zu/start", r);
			k->ranges[k->nr_ranges][0] = read_u64_at(ctx, rel);
			snprintf(rel, sizeof(rel), "targets/0/regions/%zu/end", r);
			k->ranges[k->nr_ranges][1] = read_u64_at(ctx, rel);
			if (k->ranges[k->nr_ranges][1] > k->ranges[k->nr_ranges][0])
				k->nr_ranges++;
		}
		default_range(k);
	}
	return k->sample_us && k->aggr_us ? 0 : -ENOENT;
}

const char *const udamos_damon_modules[] = { "damon_reclaim", "damon_lru_sort", NULL };

int udamos_foreign_read_module(const char *module, struct udamos_foreign_kdamond *k)
{
	char dir[128], buf[32];
	uint64_t s, e;

	memset(k, 0, sizeof(*k));
	snprintf(dir, sizeof(dir), "/sys/module/%s/parameters", module);
	if (read_at(buf, sizeof(buf), "%s/enabled", dir) || buf[0] != 'Y')
		return -ENOENT;
	snprintf(k->name, sizeof(k->name), "module %s", module);
	snprintf(k->module, sizeof(k->module), "%s", module);
	snprintf(k->ops, sizeof(k->ops), "paddr");
	k->pid = (int)read_u64_at(dir, "kdamond_pid");
	k->sample_us = read_u64_at(dir, "sample_interval");
	k->aggr_us = read_u64_at(dir, "aggr_interval");
	s = read_u64_at(dir, "monitor_region_start");
	e = read_u64_at(dir, "monitor_region_end");
	if (e > s) {
		k->ranges[0][0] = s;
		k->ranges[0][1] = e;
		k->nr_ranges = 1;
	}
	default_range(k);
	return k->pid > 0 && k->sample_us && k->aggr_us ? 0 : -ENOENT;
}

int udamos_foreign_check(const struct udamos_foreign_kdamond *k, const char *root,
			 unsigned idx, struct udamos_foreign_kdamond *now_out, char *why, size_t len)
{
	struct udamos_foreign_kdamond now;
	int err = k->module[0] ? udamos_foreign_read_module(k->module, &now) :
		udamos_foreign_read_sysfs(root, idx, &now);

	if (now_out)
		*now_out = now;

	if (err)
		snprintf(why, len, "%s (pid %d) stopped; udamos stops acting on what it "
			 "last reported", k->name, k->pid);
	else if (now.pid != k->pid)
		snprintf(why, len, "%s was restarted (pid %d, was %d); udamos stops acting on "
			 "the old one's results", k->name, now.pid, k->pid);
	else if (strcmp(now.ops, k->ops))
		snprintf(why, len, "%s now monitors %s, not %s; udamos stops acting on its "
			 "results", k->name, now.ops, k->ops);
	else
		return 0;
	return -ESTALE;
}
