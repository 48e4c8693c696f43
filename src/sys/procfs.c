// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * procfs readers; see procfs.h.
 */
#include "sys/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/vec.h"
#include "sys/pidfd.h"

/*
 * Opens /proc/PID/name and confirms through the pidfd that PID still is
 * the process we hold.  An open /proc file keeps referring to the task it
 * was opened for, so what we read afterwards is that task's.
 */
static FILE *open_target(pid_t pid, int pidfd, const char *name, int *err)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	f = fopen(path, "re");
	if (!f) {
		*err = errno == ENOENT ? -ESRCH : -errno;
		return NULL;
	}
	if (pidfd >= 0 && !udamos_pidfd_alive(pidfd)) {
		fclose(f);
		*err = -ESRCH;
		return NULL;
	}
	return f;
}

/* The ioctl's ABI (include/uapi/linux/fs.h of 6.11), which Debian 12's
 * headers predate. */
struct procmap_query_abi {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};

#define PROCMAP_QUERY_IOCTL _IOWR('f', 17, struct procmap_query_abi)
#define PROCMAP_QUERY_VMA_READABLE 0x01
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA 0x10

int udamos_vma_query_open(pid_t pid, int pidfd)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (pidfd >= 0 && !udamos_pidfd_alive(pidfd)) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

int udamos_vma_query(int fd, uint64_t addr, struct udamos_vma *out)
{
	struct procmap_query_abi q = {
		.size = sizeof(q), .query_addr = addr,
		.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA,
	};

	if (ioctl(fd, PROCMAP_QUERY_IOCTL, &q))
		return -errno;
	*out = (struct udamos_vma){
		.start = q.vma_start, .end = q.vma_end,
		.anon = q.inode == 0,
		.readable = q.vma_flags & PROCMAP_QUERY_VMA_READABLE,
	};
	return 0;
}

int udamos_read_vmas(pid_t pid, int pidfd, struct udamos_vma **out, size_t *n)
{
	struct udamos_vma *v = NULL;
	size_t nr = 0, cap = 0;
	char line[4096];
	int err = 0;
	FILE *f = open_target(pid, pidfd, "maps", &err);

	if (!f)
		return err;
	while (fgets(line, sizeof(line), f)) {
		uint64_t start, end, ino;
		char perms[8];
		int path_at = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %" SCNu64 " %n",
			   &start, &end, perms, &ino, &path_at) < 4)
			continue;
		if (udamos_reserve(&v, &cap, nr + 1, sizeof(*v))) {
			err = -ENOMEM;
			break;
		}
		/* [vsyscall] lies above the user address space limit and can
		 * never be advised; leave it out. */
		if (path_at && !strncmp(line + path_at, "[vsyscall]", 10))
			continue;
		v[nr++] = (struct udamos_vma){
			.start = start, .end = end,
			.anon = ino == 0,
			.readable = perms[0] == 'r',
		};
	}
	if (ferror(f) && !err)
		err = -EIO;
	fclose(f);
	if (err) {
		free(v);
		return err;
	}
	*out = v;
	*n = nr;
	return 0;
}

static int scan_kb(FILE *f, const char *const *keys, uint64_t **vals, size_t nkeys)
{
	char line[256];
	size_t found = 0;

	while (fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < nkeys; i++) {
			size_t klen = strlen(keys[i]);
			unsigned long long kb;

			if (strncmp(line, keys[i], klen) || line[klen] != ':')
				continue;
			if (sscanf(line + klen + 1, "%llu", &kb) == 1) {
				*vals[i] = kb * 1024;
				found++;
			}
		}
	}
	return found == nkeys ? 0 : -ENODATA;
}

int udamos_read_mem_usage(pid_t pid, int pidfd, struct udamos_mem_usage *out)
{
	static const char *const keys[] = { "Rss", "AnonHugePages" };
	uint64_t *vals[] = { &out->rss, &out->anon_huge };
	int err = 0;
	FILE *f = open_target(pid, pidfd, "smaps_rollup", &err);

	if (!f)
		return err;
	err = scan_kb(f, keys, vals, 2);
	fclose(f);
	return err;
}

int udamos_read_thp_enabled(pid_t pid, int pidfd)
{
	char line[256];
	int err = 0, val = -ENODATA;
	FILE *f = open_target(pid, pidfd, "status", &err);

	if (!f)
		return err;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "THP_enabled: %d", &val) == 1)
			break;
	fclose(f);
	return val;
}

int udamos_read_proc_stat(pid_t pid, int pidfd, struct udamos_proc_stat *out)
{
	char path[64], buf[1024], *p;
	unsigned long long utime, stime, minflt;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;

	/* Not open_target(): a process that is gone reads as -ENOENT here,
	 * as callers of udamos_pid_cpu_us() are told. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (pidfd >= 0 && !udamos_pidfd_alive(pidfd)) {
		fclose(f);
		return -ESRCH;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields are
	 * counted from after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || hz <= 0 ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %*u %*u %llu %llu %*d %*d "
		   "%*d %*d %*d %*d %llu", &minflt, &utime, &stime, &out->start_ticks) != 4)
		return -EINVAL;
	out->cpu_us = (utime + stime) * 1000000ULL / (uint64_t)hz;
	out->minflt = minflt;
	return 0;
}

unsigned long long udamos_proc_start_ticks(pid_t pid)
{
	struct udamos_proc_stat st;

	return udamos_read_proc_stat(pid, -1, &st) ? 0 : st.start_ticks;
}

int udamos_read_meminfo(struct udamos_meminfo *out)
{
	static const char *const keys[] = { "MemTotal", "MemFree", "MemAvailable" };
	static const char *const thp_keys[] = { "AnonHugePages", "ShmemHugePages",
		"FileHugePages" };
	uint64_t *vals[] = { &out->total, &out->free, &out->available };
	uint64_t *thp_vals[] = { &out->anon_huge, &out->shmem_huge, &out->file_huge };
	FILE *f = fopen("/proc/meminfo", "re");
	int err;

	if (!f)
		return -errno;
	memset(out, 0, sizeof(*out));
	err = scan_kb(f, keys, vals, 3);
	/* Absent without CONFIG_TRANSPARENT_HUGEPAGE: zero, which they are. */
	rewind(f);
	scan_kb(f, thp_keys, thp_vals, 3);
	fclose(f);
	return err;
}

int udamos_read_mem_psi_some_us(uint64_t *out)
{
	FILE *f = fopen("/proc/pressure/memory", "re");
	unsigned long long total;
	char line[256];
	int err = -ENODATA;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *t = strstr(line, "total=");

		if (!strncmp(line, "some", 4) && t && sscanf(t, "total=%llu", &total) == 1) {
			*out = total;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

bool udamos_pid_is_udamos(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strcmp(comm, "udamos\n");
}
