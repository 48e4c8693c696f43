// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Process discovery readers; see procscan.h.  Each is one open and one
 * read, so a scan of a thousand processes costs a few milliseconds.
 */
#include "sys/procscan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/vec.h"
#include "udamos/snapshot.h"

static int push(pid_t **pids, size_t *nr, size_t *cap, pid_t pid)
{
	if (udamos_reserve(pids, cap, *nr + 1, sizeof(**pids)))
		return -ENOMEM;
	(*pids)[(*nr)++] = pid;
	return 0;
}

static pid_t pid_of(const char *name)
{
	char *end;
	long v;

	if (name[0] < '1' || name[0] > '9')
		return 0;
	v = strtol(name, &end, 10);
	return *end || v <= 0 || v > INT_MAX ? 0 : (pid_t)v;
}

int udamos_scan_pids(pid_t **pids, size_t *nr, size_t *cap)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int err = 0;

	if (!d)
		return -errno;
	while (!err && (e = readdir(d))) {
		pid_t pid = pid_of(e->d_name);

		if (pid)
			err = push(pids, nr, cap, pid);
	}
	closedir(d);
	return err;
}

/* Reads a small file whole into buf; returns its length or -errno. */
static ssize_t slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static int procs_of(const char *dir, pid_t **pids, size_t *nr, size_t *cap)
{
	char path[PATH_MAX], line[32];
	FILE *f;
	int err = 0;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f)) {
		pid_t pid;

		line[strcspn(line, "\n")] = '\0';
		pid = pid_of(line);
		if (pid)
			err = push(pids, nr, cap, pid);
	}
	fclose(f);
	return err;
}

/* The subtree, depth first; a cgroup removed meanwhile is skipped. */
static int walk(char *dir, size_t dir_len, pid_t **pids, size_t *nr, size_t *cap, int depth)
{
	DIR *d;
	struct dirent *e;
	int err = procs_of(dir, pids, nr, cap);

	if (err || depth > 32)
		return err == -ENOENT ? 0 : err;
	d = opendir(dir);
	if (!d)
		return 0;
	while (!err && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (e->d_type != DT_DIR || e->d_name[0] == '.' || dir_len + 1 + n >= PATH_MAX)
			continue;
		dir[dir_len] = '/';
		memcpy(dir + dir_len + 1, e->d_name, n + 1);
		err = walk(dir, dir_len + 1 + n, pids, nr, cap, depth + 1);
		dir[dir_len] = '\0';
	}
	closedir(d);
	return err;
}

int udamos_scan_cgroup(const char *cgroup_root, const char *path, pid_t **pids,
		       size_t *nr, size_t *cap)
{
	char dir[PATH_MAX];
	int n = snprintf(dir, sizeof(dir), "%s%s", cgroup_root, strcmp(path, "/") ? path : "");

	if (n < 0 || n >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (access(dir, F_OK))
		return -errno;
	return walk(dir, (size_t)n, pids, nr, cap, 0);
}

int udamos_proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	n = slurp(path, buf, len);
	if (n < 0)
		return (int)n;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int udamos_proc_exe(pid_t pid, char *buf, size_t len)
{
	char path[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int udamos_proc_cgroup(pid_t pid, char *buf, size_t len)
{
	char path[32], text[PATH_MAX + 64], *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	n = slurp(path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	/* The unified hierarchy's line is "0::/path". */
	for (p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, "0::", 3)) {
			p += 3;
			snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
			return 0;
		}
	}
	return -ENODATA;
}

int udamos_proc_rss(pid_t pid, uint64_t *rss)
{
	char path[32], text[128];
	unsigned long long size, resident;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	n = slurp(path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	if (sscanf(text, "%llu %llu", &size, &resident) != 2)
		return -EIO;
	*rss = (uint64_t)resident * udamos_page_size();
	return 0;
}

int udamos_cgroup2_root(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int err = -ENOENT;

	if (!f)
		return -errno;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - TYPE SOURCE ..." */
	while (err && fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], *dash = strstr(line, " - ");

		if (!dash || strncmp(dash + 3, "cgroup2 ", 8) ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		snprintf(buf, len, "%s", mnt);
		err = 0;
	}
	fclose(f);
	return err;
}
