// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Leases on shared kernel knobs; see lease.h.
 */
#include "sys/lease.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sysfs.h"

#define HOLDER_MARK ".holder."

struct lease_rec {
	char knob[224];
	char original[64];
	char written[64];
};

static void lease_name(const char *knob, char *name, size_t len)
{
	snprintf(name, len, "%s", knob);
	for (char *p = name; *p; p++)
		if (*p == '/')
			*p = '_';
}

static int lock_name(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s.lock", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	/* A POSIX record lock, not flock: it belongs to this process alone,
	 * so the guard process forked while it is held does not hold it too. */
	while (fcntl(fd, F_SETLKW, &(struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET }))
		if (errno != EINTR) {
			int err = -errno;

			close(fd);
			return err;
		}
	return fd;
}

static bool holder_alive(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	bool alive;

	if (fd < 0)
		return false;
	alive = flock(fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return alive;
}

/* Live holders of name; the files of dead ones are removed. */
static int live_holders(const char *dir, const char *name)
{
	char prefix[300], path[600];
	size_t plen;
	struct dirent *de;
	DIR *d = opendir(dir);
	int live = 0;

	if (!d)
		return 0;
	snprintf(prefix, sizeof(prefix), "%s" HOLDER_MARK, name);
	plen = strlen(prefix);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, plen))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (holder_alive(path))
			live++;
		else
			unlink(path);
	}
	closedir(d);
	return live;
}

static int read_rec(const char *path, struct lease_rec *r)
{
	FILE *f;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	bool ok;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	ok = fscanf(f, "%223s %63s %63s", r->knob, r->original, r->written) == 3;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/* Replaced whole (write, then rename), so a crash never leaves half. */
static int write_rec(const char *path, const struct lease_rec *r)
{
	char tmp[600];
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (dprintf(fd, "%s\n%s\n%s\n", r->knob, r->original, r->written) < 0 || fsync(fd))
		err = -EIO;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* The last holder's duty: the original back, unless someone else has
 * changed the knob since udamos did. */
static void restore(const char *rec_path, FILE *log)
{
	struct lease_rec r;
	char now[64];

	if (read_rec(rec_path, &r))
		return;
	if (!udamos_sysfs_read_choice(r.knob, now, sizeof(now)) && !strcmp(now, r.written)) {
		udamos_sysfs_write_retry(r.knob, r.original);
		if (log)
			fprintf(log, "udamos: %s put back to %s (left at %s by a udamos that "
				"is gone)\n", r.knob, r.original, r.written);
	}
	unlink(rec_path);
}

static int fail(char *why, size_t len, int err, const char *what, const char *path)
{
	snprintf(why, len, "cannot %s %s: %s; %s", what, path, strerror(-err),
		 err == -EROFS ? "its file system must be writable" : "it needs root");
	return err;
}

/* A failed change: the record as it was (prev: what udamos had written
 * before, "" if nothing), or none if no holder is left. */
static void undo_record(const char *dir, const char *name, const char *rec_path,
			struct lease_rec *r, const char *prev)
{
	if (!live_holders(dir, name)) {
		restore(rec_path, NULL);
	} else if (prev[0]) {
		snprintf(r->written, sizeof(r->written), "%s", prev);
		write_rec(rec_path, r);
	}
}

/* A knob this process already holds: a new value, same lease. */
static int set_held(int lock, const char *rec_path, struct lease_rec *r, const char *prev,
		    char *why, size_t len)
{
	int err = write_rec(rec_path, r);

	if (err) {
		fail(why, len, err, "write", rec_path);
	} else if ((err = udamos_sysfs_write_retry(r->knob, r->written))) {
		snprintf(why, len, "cannot write %s to %s: %s", r->written, r->knob,
			 strerror(-err));
		snprintf(r->written, sizeof(r->written), "%s", prev);
		write_rec(rec_path, r);
	}
	close(lock);
	return err;
}

int udamos_lease_set(struct udamos_guard *g, const char *dir, const char *knob,
		     const char *value, char *why, size_t len)
{
	struct udamos_undo u = { .op = UDAMOS_UNDO_LEASE };
	struct lease_rec r = { 0 };
	char name[256], rec_path[512], prev[64];
	int lock, hfd, err;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return fail(why, len, -errno, "create", dir);
	lease_name(knob, name, sizeof(name));
	lock = lock_name(dir, name);
	if (lock < 0)
		return fail(why, len, lock, "lock the lease in", dir);
	snprintf(rec_path, sizeof(rec_path), "%s/%s.lease", dir, name);
	/* A record with no live holder is a crash's leftover: its original is
	 * still the machine's, and what the knob reads now is not. */
	live_holders(dir, name);
	err = read_rec(rec_path, &r);
	if (err == -ENOENT) {
		snprintf(r.knob, sizeof(r.knob), "%s", knob);
		err = udamos_sysfs_read_choice(knob, r.original, sizeof(r.original));
		if (err)
			fail(why, len, err, "read", knob);
	} else if (err) {
		fail(why, len, err, "read the lease", rec_path);
	}
	/* What udamos wrote before, put back in the record should our write
	 * fail: the last holder restores only a knob that still reads it. */
	snprintf(prev, sizeof(prev), "%s", r.written);
	snprintf(r.written, sizeof(r.written), "%s", value);
	if (!err && snprintf(u.path, sizeof(u.path), "%s/%s" HOLDER_MARK "%d", dir, name,
			     (int)getpid()) >= (int)sizeof(u.path))
		err = fail(why, len, -ENAMETOOLONG, "name a holder in", dir);
	for (size_t i = 0; !err && i < g->nr; i++)
		if (g->undo[i].op == UDAMOS_UNDO_LEASE && !strcmp(g->undo[i].path, u.path))
			return set_held(lock, rec_path, &r, prev, why, len);
	hfd = err ? -1 : open(u.path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (!err && (hfd < 0 || flock(hfd, LOCK_SH)))
		err = fail(why, len, -errno, "create", u.path);
	if (!err && (err = write_rec(rec_path, &r)))
		fail(why, len, err, "write", rec_path);
	u.keep_fd = hfd;
	if (!err && (err = udamos_guard_add(g, &u)))
		snprintf(why, len, "too many undo steps for the restore guard");
	if (!err && (err = udamos_guard_rearm(g)))
		snprintf(why, len, "cannot arm the restore guard: %s", strerror(-err));
	if (!err && (err = udamos_sysfs_write_retry(knob, value)))
		snprintf(why, len, "cannot write %s to %s: %s", value, knob, strerror(-err));
	if (err && hfd >= 0) {
		/* Undone here: the guard has nothing to do for it. */
		if (g->nr && g->undo[g->nr - 1].op == UDAMOS_UNDO_LEASE &&
		    !strcmp(g->undo[g->nr - 1].path, u.path))
			g->nr--;
		unlink(u.path);
		undo_record(dir, name, rec_path, &r, prev);
	}
	/* The holder's flock lives on in the guard process's copy: it is
	 * what keeps this lease alive should udamos die. */
	if (hfd >= 0 && err)
		close(hfd);
	close(lock);
	return err;
}

static int lock_for_holder(const char *holder, char *dir, size_t dlen, char *name, size_t nlen)
{
	const char *slash = strrchr(holder, '/'), *mark = strstr(holder, HOLDER_MARK);

	if (!slash || !mark || mark < slash)
		return -EINVAL;
	snprintf(dir, dlen, "%.*s", (int)(slash - holder), holder);
	snprintf(name, nlen, "%.*s", (int)(mark - slash - 1), slash + 1);
	return lock_name(dir, name);
}

void udamos_lease_release(const char *holder)
{
	char dir[300], name[256], rec_path[600];
	int lock = lock_for_holder(holder, dir, sizeof(dir), name, sizeof(name));

	if (lock < 0)
		return;
	unlink(holder);
	if (!live_holders(dir, name)) {
		snprintf(rec_path, sizeof(rec_path), "%s/%s.lease", dir, name);
		restore(rec_path, NULL);
	}
	close(lock);
}

int udamos_lease_recover(const char *dir, FILE *log)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char name[256], rec_path[600];
		size_t n = strlen(de->d_name);
		int lock;

		if (n < 7 || n - 6 >= sizeof(name) || strcmp(de->d_name + n - 6, ".lease"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 6), de->d_name);
		lock = lock_name(dir, name);
		if (lock < 0)
			continue;
		snprintf(rec_path, sizeof(rec_path), "%s/%s", dir, de->d_name);
		if (!live_holders(dir, name) && !access(rec_path, F_OK)) {
			restore(rec_path, log);
			found++;
		}
		close(lock);
	}
	closedir(d);
	return found;
}
