// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * damon_aggregated through a private tracefs instance; see tracefs.h.
 */
#include "sys/tracefs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/retry.h"
#include "sys/clock.h"
#include "sys/damon.h"
#include "sys/kdamond.h"
#include "sys/procfs.h"

static bool has_instances(const char *dir)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/instances", dir);
	return access(path, F_OK) == 0;
}

/* Instances named udamos-PID whose udamos is gone: a crash that took its
 * guard with it.  Another process's instances are never touched. */
static void remove_stale_instances(const char *mnt)
{
	char dir[200], path[600];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/instances", mnt);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		int pid;
		char end;

		if (sscanf(de->d_name, "udamos-%d%c", &pid, &end) != 1 || pid == (int)getpid() ||
		    udamos_pid_is_udamos(pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		rmdir(path);
	}
	closedir(d);
}

/* Private mounts of udamos processes that are gone, instances and all. */
static void remove_stale_mounts(void)
{
	struct dirent *de;
	DIR *d = opendir(UDAMOS_RUN_DIR);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char mnt[300];
		int pid;
		char end;

		if (sscanf(de->d_name, "tracefs.%d%c", &pid, &end) != 1 || pid == (int)getpid() ||
		    udamos_pid_is_udamos(pid))
			continue;
		snprintf(mnt, sizeof(mnt), UDAMOS_RUN_DIR "/%s", de->d_name);
		remove_stale_instances(mnt);
		umount2(mnt, MNT_DETACH);
		rmdir(mnt);
	}
	closedir(d);
}

/* Where tracefs is mounted already; else the private mount point to use,
 * with *mount_it set. */
static int pick_mount(struct udamos_trace *t, bool *mount_it)
{
	static const char *const known[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

	*mount_it = false;
	for (size_t i = 0; i < 2; i++) {
		if (has_instances(known[i])) {
			snprintf(t->mnt, sizeof(t->mnt), "%s", known[i]);
			return 0;
		}
	}
	/* Not mounted: mount a private one, so that the machine's tracing
	 * setup is left exactly as it was. */
	snprintf(t->mnt, sizeof(t->mnt), UDAMOS_RUN_DIR "/tracefs.%d", (int)getpid());
	*mount_it = true;
	return 0;
}

static int do_mount(struct udamos_trace *t)
{
	if (mkdir(t->mnt, 0700) && errno != EEXIST)
		return -errno;
	if (mount("tracefs", t->mnt, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		int err = -errno;

		rmdir(t->mnt);
		return err;
	}
	t->mounted = true;
	return 0;
}

static int put(const struct udamos_trace *t, const char *rel, const char *value)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", t->inst, rel);
	return udamos_damon_write(path, value);
}

int udamos_trace_open(struct udamos_trace *t, int kdamond_pid, struct udamos_guard *g,
		      char *why, size_t len)
{
	struct udamos_undo rm = { .op = UDAMOS_UNDO_TRACE_INSTANCE };
	struct udamos_undo um = { .op = UDAMOS_UNDO_UMOUNT };
	char only_kdamond[32], path[300];
	bool mount_it;
	int err;

	memset(t, 0, sizeof(*t));
	t->pipe_fd = -1;
	err = udamos_rundir_ensure(why, len);
	if (err)
		return err;
	remove_stale_mounts();
	err = pick_mount(t, &mount_it);
	snprintf(t->inst, sizeof(t->inst), "%s/instances/udamos-%d", t->mnt, (int)getpid());
	/* The guard learns of the instance, and of the mount, before either
	 * exists: a kill between creating and arming must leave nothing.
	 * Steps run in order, so the instance goes before the unmount. */
	snprintf(rm.path, sizeof(rm.path), "%s", t->inst);
	snprintf(um.path, sizeof(um.path), "%s", t->mnt);
	if (!err)
		err = udamos_guard_add(g, &rm);
	if (!err && mount_it)
		err = udamos_guard_add(g, &um);
	if (!err)
		err = udamos_guard_rearm(g);
	if (err) {
		snprintf(why, len, "cannot prepare the trace instance's undo: %s", strerror(-err));
		return err;
	}
	if (mount_it && (err = do_mount(t))) {
		snprintf(why, len, "cannot mount tracefs (%s); the kernel needs CONFIG_FTRACE "
			 "with the damon tracepoints", strerror(-err));
		return err;
	}
	remove_stale_instances(t->mnt);
	if (mkdir(t->inst, 0700) && errno != EEXIST) {
		err = -errno;
		snprintf(why, len, "cannot create trace instance %s: %s", t->inst, strerror(errno));
		return err;
	}
	/* Each event's own filter, not set_event_pid: an instance's pid list
	 * hangs probes on the scheduler's tracepoints, run at every context
	 * switch and wakeup on the machine, and enabling them live-patches
	 * __schedule and try_to_wake_up (which panics TCG guests). */
	snprintf(only_kdamond, sizeof(only_kdamond), "common_pid == %d", kdamond_pid);
	err = put(t, "buffer_size_kb", "8192");
	if (!err && (err = put(t, "events/damon/damon_aggregated/filter", only_kdamond))) {
		snprintf(why, len, "cannot write '%s' to %s/events/damon/damon_aggregated/filter: "
			 "%s; the kernel needs CONFIG_FTRACE with event filters", only_kdamond,
			 t->inst, strerror(-err));
		return err;
	}
	if (!err)
		err = put(t, "events/damon/damon_aggregated/enable", "1");
	/* Kernels before 6.15 lack it; their intervals never change. */
	if (!err && !put(t, "events/damon/damon_monitor_intervals_tune/filter", only_kdamond))
		put(t, "events/damon/damon_monitor_intervals_tune/enable", "1");
	if (err) {
		snprintf(why, len, "cannot enable damon:damon_aggregated in %s: %s; the kernel "
			 "needs the DAMON tracepoints", t->inst, strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/trace_pipe", t->inst);
	t->pipe_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (t->pipe_fd < 0) {
		err = -errno;
		snprintf(why, len, "cannot open %s: %s", path, strerror(errno));
	}
	return err;
}

/*
 * Someone unmounted the tracefs our instance was made in: the instance
 * lives on in the kernel (instances are global, mounts only show them)
 * and our open pipe kept working.  Reach it through a mount of our own
 * to remove it.
 */
static int rmdir_op(void *path)
{
	return rmdir(path) ? -errno : 0;
}

int udamos_trace_remove_instance(const char *inst_path, bool owner_gone)
{
	/* Once its owner is gone, the kernel may still be releasing the
	 * owner's open files of it for a moment. */
	unsigned tries = owner_gone ? UDAMOS_BUSY_TRIES : 1;
	const char *name = strrchr(inst_path, '/');
	char mnt[160], inst[260];
	int err = udamos_retry_busy(rmdir_op, (void *)inst_path, tries, udamos_sleep_ms);

	if (err != -ENOENT || !name)
		return err;

	snprintf(mnt, sizeof(mnt), UDAMOS_RUN_DIR "/tracefs.%d.close", (int)getpid());
	if (mkdir(mnt, 0700) && errno != EEXIST)
		return -errno;
	if (!mount("tracefs", mnt, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		snprintf(inst, sizeof(inst), "%s/instances%s", mnt, name);
		err = udamos_retry_busy(rmdir_op, inst, tries, udamos_sleep_ms);
		umount2(mnt, MNT_DETACH);
	}
	rmdir(mnt);
	return err == -ENOENT ? 0 : err;
}

void udamos_trace_close(struct udamos_trace *t)
{
	if (t->pipe_fd >= 0)
		close(t->pipe_fd);
	t->pipe_fd = -1;
	if (t->inst[0]) {
		put(t, "events/damon/damon_aggregated/enable", "0");
		put(t, "events/damon/damon_monitor_intervals_tune/enable", "0");
		udamos_trace_remove_instance(t->inst, false);
		t->inst[0] = '\0';
	}
	if (t->mounted) {
		umount2(t->mnt, MNT_DETACH);
		rmdir(t->mnt);
		t->mounted = false;
	}
}

bool udamos_trace_parse(const char *line, struct udamos_trace_region *out)
{
	const char *p = strstr(line, "damon_aggregated: ");
	unsigned long long start, end;
	unsigned long tid;
	unsigned nr, acc, age;

	if (!p || sscanf(p, "damon_aggregated: target_id=%lu nr_regions=%u %llu-%llu: %u %u",
			 &tid, &nr, &start, &end, &acc, &age) != 6)
		return false;
	out->target_id = (uint32_t)tid;
	out->nr_regions = nr;
	out->region = (struct udamos_region){ start, end, acc, age };
	return true;
}

bool udamos_trace_parse_tune(const char *line, uint64_t *sample_us)
{
	const char *p = strstr(line, "damon_monitor_intervals_tune: ");
	unsigned long long us;

	if (!p || sscanf(p, "damon_monitor_intervals_tune: sample_us=%llu", &us) != 1)
		return false;
	*sample_us = us;
	return true;
}

int udamos_trace_poll(struct udamos_trace *t, int timeout_ms,
		      void (*fn)(void *ctx, const struct udamos_trace_region *r), void *ctx)
{
	struct pollfd pfd = { .fd = t->pipe_fd, .events = POLLIN };
	int handed = 0;
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) < 0)
		return errno == EINTR ? 0 : -errno;
	while ((n = read(t->pipe_fd, t->buf + t->len, sizeof(t->buf) - t->len - 1)) > 0) {
		char *line = t->buf, *nl;

		t->len += (size_t)n;
		t->buf[t->len] = '\0';
		while ((nl = strchr(line, '\n'))) {
			struct udamos_trace_region r;

			*nl = '\0';
			if (udamos_trace_parse(line, &r)) {
				fn(ctx, &r);
				handed++;
			} else {
				udamos_trace_parse_tune(line, &t->tuned_sample_us);
			}
			line = nl + 1;
		}
		t->len -= (size_t)(line - t->buf);
		memmove(t->buf, line, t->len);
		if (t->len == sizeof(t->buf) - 1)
			t->len = 0;	/* a line longer than the buffer: drop it */
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return -errno;
	return handed;
}
