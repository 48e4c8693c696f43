// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kdamond ownership; see kdamond.h.
 */
#include "sys/kdamond.h"

#include "sys/procfs.h"
#include "sys/sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct record {
	int owner;
	unsigned long long owner_start;
	unsigned idx, nr_before;
	int kdamond_pid;
	char root[160];		/* the DAMON sysfs tree it belongs to */
};

static int write_record(const char *path, const struct record *r)
{
	char tmp[128];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d %llu %u %u %d %s\n", r->owner, r->owner_start, r->idx, r->nr_before,
		r->kdamond_pid, r->root);
	if (fclose(f) || rename(tmp, path))
		return -errno;
	return 0;
}

static int read_record(const char *path, struct record *r)
{
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%d %llu %u %u %d %159s", &r->owner, &r->owner_start, &r->idx,
		   &r->nr_before, &r->kdamond_pid, r->root);
	fclose(f);
	return n == 6 ? 0 : -EINVAL;
}

static bool owner_alive(const struct record *r)
{
	return kill(r->owner, 0) == 0 && udamos_proc_start_ticks(r->owner) == r->owner_start;
}

static void kd_path(char *buf, size_t len, const char *root, unsigned idx, const char *file)
{
	snprintf(buf, len, "%s/kdamonds/%u/%s", root, idx, file);
}

/* Puts nr_kdamonds back when only what we added is above it, all off. */
static void shrink_back(const char *root, unsigned idx, unsigned nr_before)
{
	struct udamos_damon_view v;
	char path[256];

	if (udamos_damon_view(root, &v) || v.nr_kdamonds != idx + 1)
		return;
	for (unsigned i = 0; i < v.nr_kdamonds && i < UDAMOS_MAX_KDAMONDS; i++)
		if (v.kd[i].on)
			return;
	snprintf(path, sizeof(path), "%s/kdamonds/nr_kdamonds", root);
	udamos_damon_write_u64(path, nr_before);
}

int udamos_kdamond_cleanup_stale(const char *root, FILE *log)
{
	DIR *d = opendir(UDAMOS_RUN_DIR);
	struct dirent *de;
	int cleaned = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300], buf[32], kd[256];
		struct record r;

		if (strncmp(de->d_name, "kdamond.", 8) || strstr(de->d_name, ".tmp"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", UDAMOS_RUN_DIR, de->d_name);
		if (read_record(path, &r)) {
			unlink(path);
			continue;
		}
		if (owner_alive(&r) || strcmp(r.root, root))
			continue;
		kd_path(kd, sizeof(kd), root, r.idx, "pid");
		/* Only the very kdamond we started: its pid must match. */
		if (r.kdamond_pid > 0 && !udamos_sysfs_read(kd, buf, sizeof(buf)) &&
		    atoi(buf) == r.kdamond_pid) {
			snprintf(kd, sizeof(kd), "%s/kdamonds/%u", root, r.idx);
			if (!udamos_kdamond_command(kd, "off")) {
				cleaned++;
				if (log)
					fprintf(log, "udamos: turned off kdamond %u, left running "
						"by udamos PID %d which is gone\n", r.idx, r.owner);
			}
		}
		shrink_back(root, r.idx, r.nr_before);
		unlink(path);
	}
	closedir(d);
	return cleaned;
}

static int fail(char *why, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return err;
}

int udamos_kdamond_acquire(struct udamos_kdamond *k, const char *root,
			   struct udamos_guard *g, FILE *log, char *why, size_t len)
{
	struct udamos_damon_view v;
	struct udamos_undo off = { .op = UDAMOS_UNDO_WRITE, .value = "off", .if_value = "on" };
	struct udamos_undo shrink = { .op = UDAMOS_UNDO_WRITE };
	struct record r = { 0 };
	char path[256], desc[160];
	int err;

	memset(k, 0, sizeof(*k));
	k->lock_fd = -1;
	snprintf(k->root, sizeof(k->root), "%s", root);
	err = udamos_rundir_ensure(why, len);
	if (err)
		return err;
	k->lock_fd = open(UDAMOS_RUN_DIR "/damon.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (k->lock_fd < 0) {
		err = -errno;
		udamos_kdamond_release(k);
		return fail(why, len, err, "cannot open %s/damon.lock (%s); kernel DAMON "
			    "needs root: run udamos as root", UDAMOS_RUN_DIR, strerror(-err));
	}
	if (flock(k->lock_fd, LOCK_EX | LOCK_NB)) {
		udamos_kdamond_release(k);
		return fail(why, len, -EBUSY, "another udamos is using kernel DAMON on this "
			    "machine; one udamos at a time can (give it all targets with --pid)");
	}
	udamos_kdamond_cleanup_stale(root, log);
	if (udamos_damon_view(root, &v)) {
		udamos_kdamond_release(k);
		return fail(why, len, -ENOENT, "no DAMON sysfs interface at %s: the kernel "
			    "needs CONFIG_DAMON_SYSFS (Linux 5.18+)", root);
	}
	for (unsigned i = 0; i < v.nr_kdamonds && i < UDAMOS_MAX_KDAMONDS; i++) {
		udamos_kdamond_describe(&v.kd[i], desc, sizeof(desc));
		udamos_kdamond_release(k);
		if (v.kd[i].on)
			return fail(why, len, -EBUSY,
				    "kernel DAMON is busy: %s is running and was not started "
				    "by udamos, and the kernel cannot add a kdamond while any "
				    "runs; stop it if it is yours (echo off > %s/kdamonds/%u/state) "
				    "or let udamos read it (--source auto or shared)", desc, root, i);
		return fail(why, len, -EBUSY,
			    "%s exists and was not created by udamos; adding a kdamond "
			    "would reset its settings (the kernel recreates every kdamond "
			    "when nr_kdamonds changes); remove it if it is unused "
			    "(echo 0 > %s/kdamonds/nr_kdamonds)", desc, root);
	}
	k->idx = v.nr_kdamonds;
	k->nr_before = v.nr_kdamonds;
	snprintf(k->dir, sizeof(k->dir), "%s/kdamonds/%u", root, k->idx);
	snprintf(k->record, sizeof(k->record), "%s/kdamond.%u", UDAMOS_RUN_DIR, k->idx);

	/* Undo: our kdamond off, then nr_kdamonds back, each only if the
	 * state is still what we made it. */
	kd_path(off.path, sizeof(off.path), root, k->idx, "state");
	kd_path(off.if_path, sizeof(off.if_path), root, k->idx, "state");
	snprintf(shrink.path, sizeof(shrink.path), "%s/kdamonds/nr_kdamonds", root);
	snprintf(shrink.value, sizeof(shrink.value), "%u", k->nr_before);
	snprintf(shrink.if_path, sizeof(shrink.if_path), "%s", shrink.path);
	snprintf(shrink.if_value, sizeof(shrink.if_value), "%u", k->idx + 1);
	if (udamos_guard_add(g, &off) || udamos_guard_add(g, &shrink)) {
		udamos_kdamond_release(k);
		return fail(why, len, -ENOSPC, "internal: too many undo steps");
	}
	r = (struct record){ getpid(), udamos_proc_start_ticks(getpid()), k->idx, k->nr_before, -1, "" };
	snprintf(r.root, sizeof(r.root), "%s", root);
	err = write_record(k->record, &r);
	snprintf(path, sizeof(path), "%s/kdamonds/nr_kdamonds", root);
	if (!err)
		err = udamos_damon_write_u64(path, k->idx + 1);
	if (err) {
		unlink(k->record);
		udamos_kdamond_release(k);
		return fail(why, len, err, "cannot add a kdamond (%s): %s", path, strerror(-err));
	}
	k->acquired = true;
	return 0;
}

int udamos_kdamond_start(struct udamos_kdamond *k, const struct udamos_kdamond_cfg *cfg,
			 char *why, size_t len)
{
	struct record r;
	char path[256], buf[32];
	int err = udamos_kdamond_configure(k->dir, cfg, why, len);

	if (err)
		return err;
	err = udamos_kdamond_command(k->dir, "on");
	if (err)
		return fail(why, len, err, "starting %s: %s (the kernel refused the "
			    "configuration)", k->dir, strerror(-err));
	kd_path(path, sizeof(path), k->root, k->idx, "pid");
	if (!udamos_sysfs_read(path, buf, sizeof(buf)))
		k->pid = atoi(buf);
	if (!read_record(k->record, &r)) {
		r.kdamond_pid = k->pid;
		write_record(k->record, &r);
	}
	return 0;
}

void udamos_kdamond_release(struct udamos_kdamond *k)
{
	if (k->acquired) {
		udamos_kdamond_command(k->dir, "off");
		shrink_back(k->root, k->idx, k->nr_before);
		unlink(k->record);
		k->acquired = false;
	}
	if (k->lock_fd >= 0) {
		close(k->lock_fd);
		k->lock_fd = -1;
	}
}
