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
#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "core/rng.h"
#include "core/units.h"
#include "latency.h"
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

/* The server takes a moment to listen: retried for up to 10 s. */
static redisContext *connect_to(int port)
{
	for (int tries = 0; tries < 200; tries++) {
		redisContext *c = redisConnect("127.0.0.1", port);

		if (c && !c->err)
			return c;
		redisFree(c);
		usleep(50000);
	}
	return NULL;
}

static void value_of(uint64_t key, char *v)
{
	for (int i = 0; i < VALUE_LEN; i++)
		v[i] = (char)('a' + (key * 31 + (uint64_t)i * 7) % 26);
}

/* Takes the reply to the oldest command sent; whether it is want_type. */
static bool reply_is(redisContext *c, int want_type, redisReply **out)
{
	void *r = NULL;
	bool ok = redisGetReply(c, &r) == REDIS_OK && r &&
		  ((redisReply *)r)->type == want_type;

	if (ok && out)
		*out = r;
	else
		freeReplyObject(r);
	return ok;
}

/* Keys as redis-benchmark -r names them: key:%012d. */
static int load(redisContext *c, uint64_t keys)
{
	char v[VALUE_LEN];

	for (uint64_t k = 0; k < keys; k += BATCH) {
		uint64_t n = keys - k < BATCH ? keys - k : BATCH;

		for (uint64_t i = k; i < k + n; i++) {
			value_of(i, v);
			if (redisAppendCommand(c, "SET key:%012" PRIu64 " %b", i, v,
					       (size_t)VALUE_LEN) != REDIS_OK)
				return -ENOMEM;
		}
		for (uint64_t i = 0; i < n; i++)
			if (!reply_is(c, REDIS_REPLY_STATUS, NULL))
				return -EPROTO;
	}
	return 0;
}

/* GETs key: its reply, or NULL where none came or it was no string. */
static redisReply *get(redisContext *c, uint64_t key)
{
	redisReply *r;

	if (redisAppendCommand(c, "GET key:%012" PRIu64, key) != REDIS_OK ||
	    !reply_is(c, REDIS_REPLY_STRING, &r))
		return NULL;
	return r;
}

/* Whether r holds key's value, whole; frees r. */
static bool matches(redisReply *r, uint64_t key)
{
	char want[VALUE_LEN];
	bool ok;

	if (!r)
		return false;
	value_of(key, want);
	ok = r->len == VALUE_LEN && !memcmp(r->str, want, VALUE_LEN);
	freeReplyObject(r);
	return ok;
}

static bool get_matches(redisContext *c, uint64_t key)
{
	return matches(get(c, key), key);
}

/* A few keys read back: the data survived whatever was done to it. */
static bool intact(redisContext *c, uint64_t keys)
{
	for (uint64_t i = 0; i < 16; i++)
		if (!get_matches(c, (i * 2654435761u) % keys))
			return false;
	return true;
}

/*
 * The latency a client sees beside the saturating load: GETs of random
 * keys on a connection of their own, PACED_PER_S a second on a fixed
 * schedule, each timed from when it was due rather than from when it
 * went out, so that a stall counts for every request it held back (no
 * coordinated omission).  One histogram per second of the run.  At
 * 500 a second a connection is a quarter busy under the load (0.4-0.5 ms
 * a GET), so the schedule never falls behind of itself; the thread runs
 * SCHED_FIFO, as a latency tester does, so that it times Redis and not
 * its own wait for a CPU the load keeps busy.
 */
#define PACED_PER_S 500

struct paced {
	redisContext *c;
	uint64_t keys, t0_us;
	unsigned seconds;
	struct lat_hist *per_s;		/* [seconds] */
	int stop;
	uint64_t wrong;			/* replies other than the key's value */
	bool fifo;			/* got its real-time priority */
};

static void *paced_gets(void *arg)
{
	struct paced *p = arg;
	struct udamos_rng rng;
	uint64_t due_us = p->t0_us;

	udamos_rng_seed(&rng, p->t0_us);
	p->fifo = !pthread_setschedparam(pthread_self(), SCHED_FIFO,
					 &(struct sched_param){ .sched_priority = 1 });
	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		uint64_t s = (due_us - p->t0_us) / 1000000, key, lat_ns;
		redisReply *r;

		udamos_sleep_until_us(due_us, NULL);
		key = udamos_rng_below(&rng, p->keys);
		r = get(p->c, key);
		lat_ns = udamos_now_ns() - due_us * 1000;	/* the check is ours */
		if (!matches(r, key)) {
			p->wrong++;
			if (p->c->err)
				break;
		}
		if (s < p->seconds)
			lat_note(&p->per_s[s], lat_ns);
		due_us += 1000000 / PACED_PER_S;
	}
	return NULL;
}

/*
 * The paced GETs' latency over the collapse phase (from the first second
 * in which huge memory grew to the second after the last, since a
 * collapse can cost its table's small pages up to a second later:
 * performance.md) and over the seconds after it.  With no phase (a
 * configuration that does not collapse, or nothing collapsed), the whole
 * run.
 */
static void phase_latency(const struct paced *p, const bool *grew, struct bench_trial *tr)
{
	struct lat_hist in = { 0 }, after = { 0 };
	unsigned first = p->seconds, last = 0;
	bool phase;

	for (unsigned s = 0; s < p->seconds; s++)
		if (grew[s]) {
			first = first < s ? first : s;
			last = s + 1 < p->seconds ? s + 1 : s;
		}
	phase = first < p->seconds;
	for (unsigned s = 0; s < p->seconds; s++)
		lat_merge(!phase || (s >= first && s <= last) ? &in : &after, &p->per_s[s]);
	if (getenv("UDAMOS_BENCH_TIMELINE"))
		for (unsigned s = 0; s < p->seconds; s++)
			fprintf(stderr, "\n  s %2u%s: %" PRIu64 " GETs, p50 %.3f p99 %.3f max %.3f ms", s,
				grew[s] ? " (huge grew)" : "", p->per_s[s].n,
				(double)lat_percentile(&p->per_s[s], 0.5) / 1e6,
				(double)lat_percentile(&p->per_s[s], 0.99) / 1e6,
				(double)p->per_s[s].max_ns / 1e6);
	tr->phase_s = phase ? last - first + 1 : 0;
	tr->phase_p50_ms = (double)lat_percentile(&in, 0.5) / 1e6;
	tr->phase_p99_ms = (double)lat_percentile(&in, 0.99) / 1e6;
	tr->phase_p999_ms = (double)lat_percentile(&in, 0.999) / 1e6;
	tr->after_p99_ms = after.n ? (double)lat_percentile(&after, 0.99) / 1e6 : 0;
	tr->paced_wrong = p->wrong;
	tr->paced_fifo = p->fifo;
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

/* Seconds from the one at t_from to the one at t_to, in which huge grew. */
static void mark_grew(bool *grew, unsigned seconds, double t_from, double t_to)
{
	for (unsigned s = (unsigned)t_from; s <= (unsigned)t_to && s < seconds; s++)
		grew[s] = true;
}

static int one_config(struct bench_env *env, int cfg, uint64_t keys, unsigned seconds,
		      struct bench_trial *tr)
{
	const struct bench_config *c = &bench_configs[cfg];
	int port = 20000 + getpid() % 20000, err, out_fd = -1;
	struct paced paced = { .keys = keys, .seconds = seconds };
	bool *grew = calloc(seconds, sizeof(*grew));
	redisContext *rc = NULL;
	pid_t server, child = 0;
	uint64_t last_huge = 0;
	struct udamos_mem_usage mu;
	pthread_t paced_thread;
	bool pacing = false;

	memset(tr, 0, sizeof(*tr));
	tr->cfg = cfg;
	paced.per_s = calloc(seconds, sizeof(*paced.per_s));
	err = grew && paced.per_s ? bench_thp_set(env, c->thp) : -ENOMEM;
	if (err)
		goto out_free;
	server = start_server(port, c->madvise_hot);
	if (server < 0) {
		err = -errno;
		goto out_free;
	}
	rc = connect_to(port);
	paced.c = connect_to(port);
	err = rc && paced.c ? load(rc, keys) : -ECONNREFUSED;
	if (!err && c->udamos) {
		char *model = heap_model(server);

		child = model ? bench_udamos_start(env, server, seconds, model, NULL, &out_fd) : -ENOMEM;
		free(model);
		err = child < 0 ? (int)child : 0;
	}
	paced.t0_us = udamos_now_us();
	if (!err) {
		err = -pthread_create(&paced_thread, NULL, paced_gets, &paced);
		pacing = !err;
	}
	while (!err && tr->nr < BENCH_MAX_SAMPLES &&
	       udamos_now_us() - paced.t0_us < (uint64_t)seconds * 1000000) {
		double p99;
		double rps = get_rps(port, keys, &p99);

		if (rps < 0) {
			err = -EIO;
			break;
		}
		tr->t[tr->nr] = (double)(udamos_now_us() - paced.t0_us) / 1e6;
		tr->tput[tr->nr] = rps;
		tr->p99_ms[tr->nr] = p99;
		tr->cov[tr->nr] = !udamos_read_mem_usage(server, -1, &mu) && mu.rss ?
			100.0 * (double)mu.anon_huge / (double)mu.rss : 0;
		if (mu.anon_huge > last_huge && c->udamos)
			mark_grew(grew, seconds, tr->nr ? tr->t[tr->nr - 1] : 0, tr->t[tr->nr]);
		last_huge = mu.anon_huge;
		tr->nr++;
		if (child > 0 && !tr->cpu_mid_at_us &&
		    udamos_now_us() - paced.t0_us >= (uint64_t)seconds * 500000) {
			tr->cpu_mid_us = bench_cpu_us(child);
			tr->cpu_mid_at_us = udamos_now_us();
		}
	}
	if (pacing) {
		__atomic_store_n(&paced.stop, 1, __ATOMIC_RELEASE);
		pthread_join(paced_thread, NULL);
		phase_latency(&paced, grew, tr);
	}
	if (!udamos_read_mem_usage(server, -1, &mu)) {
		tr->rss = mu.rss;
		tr->huge = mu.anon_huge;
	}
	if (child > 0) {
		kill(child, SIGTERM);
		bench_udamos_finish(child, out_fd, tr);
	}
	tr->intact = rc && !err && !tr->paced_wrong && intact(rc, keys);
	kill(server, SIGTERM);
	while (waitpid(server, NULL, 0) < 0 && errno == EINTR)
		;
	tr->steady = bench_median(tr->tput + tr->nr / 2, tr->nr - tr->nr / 2);
	tr->steady_p99_ms = bench_median(tr->p99_ms, tr->nr);
out_free:
	redisFree(rc);
	redisFree(paced.c);
	free(paced.per_s);
	free(grew);
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
		fprintf(stderr, " %.1f k GET/s, p99 %.3f ms; paced GETs p99 %.3f ms over %u s "
			"of collapse, %.3f ms after; %" PRIu64 " MiB huge of %" PRIu64 " MiB%s\n",
			out[i].steady / 1e3, out[i].steady_p99_ms, out[i].phase_p99_ms,
			out[i].phase_s, out[i].after_p99_ms, out[i].huge >> 20, out[i].rss >> 20,
			out[i].intact ? "" : ", DATA NOT INTACT");
	}
	return 0;
}
