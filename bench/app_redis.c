// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The real application: a Redis server from Debian's packages, loaded with
 * gigabytes of 2000-byte values and read at uniformly random keys by its
 * own benchmark client over loopback.  Every key is equally hot, so the
 * hot set is the whole data set; where kernel DAMON is unusable, udamos's
 * synthetic source is told so (the server's large anonymous mappings).
 *
 * "madvise+khugepaged" here is jemalloc's thp:always under THP=madvise:
 * the allocator marks its own memory MADV_HUGEPAGE, and khugepaged runs at
 * its defaults; no one can mark another process's memory from outside.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "core/units.h"
#include "sys/clock.h"
#include "sys/procfs.h"

#define VALUE_LEN 2000
#define BATCH 1000

static const char *server_bin(void)
{
	/* Debian's redis-server is the redis-check-rdb binary under another
	 * name (redis-tools carries only the latter); argv[0] picks the role. */
	if (!access("/usr/bin/redis-server", X_OK))
		return "/usr/bin/redis-server";
	if (!access("/usr/bin/redis-check-rdb", X_OK))
		return "/usr/bin/redis-check-rdb";
	return NULL;
}

static pid_t start_server(int port, bool jemalloc_thp)
{
	char port_s[16];
	pid_t pid;

	snprintf(port_s, sizeof(port_s), "%d", port);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(null, STDOUT_FILENO);
		if (jemalloc_thp)
			setenv("MALLOC_CONF", "thp:always", 1);
		/* disable-thp no: Redis would otherwise turn THP off for
		 * itself (prctl), and no huge page could ever back it. */
		execl(server_bin(), "redis-server", "--port", port_s, "--bind", "127.0.0.1",
		      "--save", "", "--appendonly", "no", "--disable-thp", "no",
		      "--daemonize", "no", "--logfile", "", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int tries = 0; tries < 200; tries++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fd;
		if (fd >= 0)
			close(fd);
		usleep(50000);
	}
	return -ECONNREFUSED;
}

static void value_of(uint64_t key, char *v)
{
	for (int i = 0; i < VALUE_LEN; i++)
		v[i] = (char)('a' + (key * 31 + (uint64_t)i * 7) % 26);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_n(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EIO;
		got += (size_t)r;
	}
	return 0;
}

/* Keys as redis-benchmark -r names them: key:%012d. */
static int load(int fd, uint64_t keys)
{
	size_t cap = BATCH * (VALUE_LEN + 64);
	char *buf = malloc(cap), reply[BATCH * 5];
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (uint64_t k = 0; k < keys && !err; k += BATCH) {
		size_t len = 0, n = 0;

		for (uint64_t i = k; i < keys && i < k + BATCH; i++, n++) {
			len += (size_t)snprintf(buf + len, cap - len,
						"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012" PRIu64
						"\r\n$%d\r\n", i, VALUE_LEN);
			value_of(i, buf + len);
			len += VALUE_LEN;
			memcpy(buf + len, "\r\n", 2);
			len += 2;
		}
		err = write_all(fd, buf, len);
		if (!err)
			err = read_n(fd, reply, n * 5);	/* "+OK\r\n" each */
		if (!err && memcmp(reply, "+OK\r\n", 5))
			err = -EPROTO;
	}
	free(buf);
	return err;
}

/* A few keys read back: the data survived whatever was done to it. */
static bool intact(int fd, uint64_t keys)
{
	char cmd[64], want[VALUE_LEN], got[VALUE_LEN + 16];

	for (uint64_t i = 0; i < 16; i++) {
		uint64_t k = (i * 2654435761u) % keys;
		int n = snprintf(cmd, sizeof(cmd), "*2\r\n$3\r\nGET\r\n$16\r\nkey:%012" PRIu64 "\r\n", k);
		int hdr = snprintf(got, sizeof(got), "$%d\r\n", VALUE_LEN);

		value_of(k, want);
		if (write_all(fd, cmd, (size_t)n) || read_n(fd, got, (size_t)hdr + VALUE_LEN + 2) ||
		    memcmp(got + hdr, want, VALUE_LEN))
			return false;
	}
	return true;
}

/* One redis-benchmark GET run; returns requests per second, or -1, and
 * its p99 latency in *p99_ms (the CSV's seventh column, Redis 7). */
static double get_rps(int port, uint64_t keys, double *p99_ms)
{
	char cmd[256], line[512];
	double rps = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "redis-benchmark -h 127.0.0.1 -p %d -t get -r %" PRIu64
		 " -n 200000 -c 8 -P 16 --csv 2>/dev/null", port, keys);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	*p99_ms = -1;
	while (fgets(line, sizeof(line), p)) {
		const char *f = line;

		if (strncmp(line, "\"GET\",\"", 7))
			continue;
		rps = strtod(line + 7, NULL);
		for (int col = 0; f && col < 6; col++)
			f = strstr(f + 1, ",\"");
		if (f)
			*p99_ms = strtod(f + 2, NULL);
	}
	pclose(p);
	return rps;
}

/* The server's data: its big anonymous mappings, as a model's hot ranges. */
static char *heap_model(pid_t pid)
{
	struct udamos_vma *v = NULL;
	size_t n = 0, len = 0;
	char *m = NULL;
	FILE *mem;

	if (udamos_read_vmas(pid, -1, &v, &n))
		return NULL;
	mem = open_memstream(&m, &len);
	for (size_t i = 0; mem && i < n; i++)
		/* Thread stacks are 8 MiB: only the heap is larger. */
		if (v[i].anon && v[i].end - v[i].start > (8u << 20))
			fprintf(mem, "%shot=0x%" PRIx64 "-0x%" PRIx64, ftell(mem) ? "," : "",
				v[i].start, v[i].end);
	if (mem)
		fclose(mem);
	free(v);
	return m;
}

static int one_config(struct bench_env *env, int cfg, uint64_t keys, unsigned seconds,
		      struct bench_trial *tr)
{
	const struct bench_config *c = &bench_configs[cfg];
	int port = 20000 + getpid() % 20000, fd, err, out_fd = -1;
	pid_t server, child = 0;
	uint64_t t0;
	struct udamos_mem_usage mu;

	memset(tr, 0, sizeof(*tr));
	tr->cfg = cfg;
	err = bench_thp_set(env, c->thp);
	if (err)
		return err;
	server = start_server(port, c->madvise_hot);
	if (server < 0)
		return -errno;
	fd = connect_to(port);
	err = fd < 0 ? fd : load(fd, keys);
	if (!err && c->udamos) {
		char *model = heap_model(server);

		child = model ? bench_udamos_start(env, server, seconds, model, NULL, &out_fd) : -ENOMEM;
		free(model);
		err = child < 0 ? (int)child : 0;
	}
	t0 = udamos_now_us();
	while (!err && tr->nr < BENCH_MAX_SAMPLES &&
	       udamos_now_us() - t0 < (uint64_t)seconds * 1000000) {
		double p99;
		double rps = get_rps(port, keys, &p99);

		if (rps < 0) {
			err = -EIO;
			break;
		}
		tr->t[tr->nr] = (double)(udamos_now_us() - t0) / 1e6;
		tr->tput[tr->nr] = rps;
		tr->p99_ms[tr->nr] = p99;
		tr->cov[tr->nr] = !udamos_read_mem_usage(server, -1, &mu) && mu.rss ?
			100.0 * (double)mu.anon_huge / (double)mu.rss : 0;
		tr->nr++;
		if (child > 0 && !tr->cpu_mid_at_us &&
		    udamos_now_us() - t0 >= (uint64_t)seconds * 500000) {
			tr->cpu_mid_us = bench_cpu_us(child);
			tr->cpu_mid_at_us = udamos_now_us();
		}
	}
	if (!udamos_read_mem_usage(server, -1, &mu)) {
		tr->rss = mu.rss;
		tr->huge = mu.anon_huge;
	}
	if (child > 0) {
		kill(child, SIGTERM);
		bench_udamos_finish(child, out_fd, tr);
	}
	tr->intact = fd >= 0 && !err && intact(fd, keys);
	if (fd >= 0)
		close(fd);
	kill(server, SIGTERM);
	while (waitpid(server, NULL, 0) < 0 && errno == EINTR)
		;
	tr->steady = bench_median(tr->tput + tr->nr / 2, tr->nr - tr->nr / 2);
	tr->steady_p99_ms = bench_median(tr->p99_ms, tr->nr);
	return err;
}

int bench_app_redis(struct bench_env *env, uint64_t keys, unsigned seconds,
		    struct bench_trial *out, const int *cfgs, size_t nr_cfgs)
{
	if (!server_bin() || access("/usr/bin/redis-benchmark", X_OK)) {
		fprintf(stderr, "bench: redis is not installed (apt-get install redis-tools); "
			"skipping the application benchmark\n");
		return -ENOENT;
	}
	for (size_t i = 0; i < nr_cfgs; i++) {
		int err;

		fprintf(stderr, "bench: redis, %" PRIu64 " keys of %d bytes, %s ...", keys,
			VALUE_LEN, bench_configs[cfgs[i]].name);
		fflush(stderr);
		err = one_config(env, cfgs[i], keys, seconds, &out[i]);
		if (err) {
			fprintf(stderr, " failed: %s\n", strerror(-err));
			return err;
		}
		fprintf(stderr, " %.1f k GET/s, p99 %.3f ms, %" PRIu64 " MiB huge of %" PRIu64
			" MiB%s\n", out[i].steady / 1e3, out[i].steady_p99_ms, out[i].huge >> 20,
			out[i].rss >> 20,
			out[i].intact ? "" : ", DATA NOT INTACT");
	}
	return 0;
}
