// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shared benchmark pieces; see bench.h.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/clock.h"
#include "sys/pidfd.h"
#include "sys/procfs.h"
#include "sys/lease.h"
#include "sys/thp.h"
#include "udamos/snapshot.h"

const struct bench_config bench_configs[NR_CFGS] = {
	[CFG_NEVER] = { "never", "never", false, false },
	[CFG_ALWAYS] = { "always", "always", false, false },
	[CFG_KHUGEPAGED] = { "madvise+khugepaged", "madvise", true, false },
	[CFG_UDAMOS_NEVER] = { "udamos (never)", "never", false, true },
	[CFG_UDAMOS_MADVISE] = { "udamos (madvise)", "madvise", false, true },
};

/* khugepaged's settings as the kernel boots with them. */
static const struct { const char *file, *value; } khugepaged_defaults[] = {
	{ "pages_to_scan", "4096" },
	{ "scan_sleep_millisecs", "10000" },
	{ "alloc_sleep_millisecs", "60000" },
	{ "max_ptes_none", "511" },
	{ "defrag", "1" },
};

int bench_thp_guard(struct bench_env *env)
{
	udamos_guard_init(&env->guard);
	udamos_lease_recover(UDAMOS_LEASE_DIR, stderr);
	return udamos_guard_arm(&env->guard);
}

/* Each knob under a lease, so that a udamos run alongside is never left
 * with a value that was ours. */
int bench_thp_set(struct bench_env *env, const char *mode)
{
	char path[256], why[512];
	int err = udamos_lease_set(&env->guard, UDAMOS_LEASE_DIR, UDAMOS_THP_ENABLED, mode,
				   why, sizeof(why));

	/* The kernel's default: direct compaction only for madvised memory. */
	if (!err)
		err = udamos_lease_set(&env->guard, UDAMOS_LEASE_DIR, UDAMOS_THP_DEFRAG,
				       "madvise", why, sizeof(why));
	for (size_t i = 0; !err && i < sizeof(khugepaged_defaults) / sizeof(khugepaged_defaults[0]); i++) {
		snprintf(path, sizeof(path), UDAMOS_KHUGEPAGED_DIR "/%s", khugepaged_defaults[i].file);
		err = udamos_lease_set(&env->guard, UDAMOS_LEASE_DIR, path,
				       khugepaged_defaults[i].value, why, sizeof(why));
	}
	if (err)
		fprintf(stderr, "bench: %s\n", why);
	return err;
}

/* Enough windows that one slow page does not make the figure. */
#define COLLAPSE_PROBE_WINDOWS 64

double bench_collapse_ms(void)
{
	uint64_t huge = udamos_huge_size(), len = COLLAPSE_PROBE_WINDOWS * huge, t0, took;
	char *map, *base;
	int err;

	/* Memory freed moments ago (the last round's target) is still backed
	 * and would read fast; after 15 s it is the host's again. */
	sleep(15);
	map = mmap(NULL, len + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -1;
	base = (char *)(((uintptr_t)map + huge - 1) & ~(uintptr_t)(huge - 1));
	madvise(base, len, MADV_NOHUGEPAGE);	/* base pages, as a target has */
	for (uint64_t off = 0; off < len; off += udamos_page_size())
		base[off] = 1;
	madvise(base, len, MADV_HUGEPAGE);	/* MADV_COLLAPSE refuses NOHUGEPAGE */
	t0 = udamos_now_us();
	err = madvise(base, len, MADV_COLLAPSE);
	took = udamos_now_us() - t0;
	munmap(map, len + huge);
	return err ? -1 : (double)took / 1e3 / COLLAPSE_PROBE_WINDOWS;
}

pid_t bench_udamos_start(const struct bench_env *env, pid_t pid, unsigned duration_s,
			 const char *model, const char *const *extra, int *out_fd)
{
	char pid_s[16], dur[16], *src;
	int fd[2];
	pid_t child;

	if (pipe2(fd, O_CLOEXEC))
		return -errno;
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	snprintf(dur, sizeof(dur), "%us", duration_s);
	if (env->source) {
		src = strdup(env->source);
	} else if (asprintf(&src, "oracle:%s", model) < 0) {
		src = NULL;
	}
	if (!src) {
		close(fd[0]);
		close(fd[1]);
		return -ENOMEM;
	}
	child = fork();
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fd[1], STDOUT_FILENO);
		const char *argv[32] = { "udamos", "run", "--pid", pid_s, "--source", src,
			"--duration", dur, "--json", "--quiet" };
		size_t n = 10;

		for (; extra && *extra && n < 31; extra++)
			argv[n++] = *extra;
		for (extra = env->udamos_args; extra && *extra && n < 31; extra++)
			argv[n++] = *extra;
		execv(env->udamos, (char *const *)argv);
		_exit(127);
	}
	free(src);
	close(fd[1]);
	if (child < 0) {
		close(fd[0]);
		return -errno;
	}
	*out_fd = fd[0];
	return child;
}

uint64_t bench_cpu_us(pid_t pid)
{
	struct udamos_proc_stat st;

	return udamos_read_proc_stat(pid, -1, &st) ? 0 : st.cpu_us;
}

/* With UDAMOS_BENCH_KEEP=DIR, each udamos run's --json output is kept as
 * DIR/udamos-PID.json, to see why a figure came out as it did. */
static void keep_output(pid_t child, const char *buf, size_t len)
{
	const char *dir = getenv("UDAMOS_BENCH_KEEP");
	char path[4096];
	FILE *f;

	if (!dir || !*dir)
		return;
	snprintf(path, sizeof(path), "%s/udamos-%d.json", dir, (int)child);
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, len, f) != len)
		fprintf(stderr, "bench: cannot keep udamos's output in %s\n", path);
	if (f)
		fclose(f);
}

void bench_udamos_finish(pid_t child, int out_fd, struct bench_trial *tr)
{
	uint64_t end_cpu = bench_cpu_us(child), end_at = udamos_now_us();
	static char buf[1 << 20];	/* tried_regions of a large target run long */
	size_t len = 0;
	ssize_t n;
	struct rusage ru;
	int status = 0;
	json_object *o, *v;

	while (len < sizeof(buf) - 1 && (n = read(out_fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(out_fd);
	while (wait4(child, &status, 0, &ru) < 0 && errno == EINTR)
		;
	keep_output(child, buf, len);
	o = json_tokener_parse(buf);
	if (!o || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench: udamos run ended with status %d\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		tr->udamos_cpu_pct = -1;
	} else {
		double elapsed = json_object_object_get_ex(o, "elapsed_s", &v) ?
			json_object_get_double(v) : 0;
		double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;

		/* The whole process, from start to exit, over its run time. */
		tr->udamos_cpu_pct = elapsed > 0 ? 100.0 * cpu / elapsed : 0;
		if (json_object_object_get_ex(o, "kdamond_cpu_pct", &v) ||
		    json_object_object_get_ex(o, "shared_kdamond_cpu_pct", &v))
			tr->kdamond_cpu_pct = json_object_get_double(v);
		if (json_object_object_get_ex(o, "tlb_flushes", &v))
			tr->tlb_flushes = (uint64_t)json_object_get_int64(v);
		tr->kdamond_shared = json_object_object_get_ex(o, "monitoring", &v) &&
			!strcmp(json_object_get_string(v), "shared");
		if (tr->cpu_mid_at_us && end_cpu >= tr->cpu_mid_us && end_at > tr->cpu_mid_at_us)
			tr->steady_cpu_pct = 100.0 * (double)(end_cpu - tr->cpu_mid_us) /
				(double)(end_at - tr->cpu_mid_at_us) +
				(tr->kdamond_shared ? 0 : tr->kdamond_cpu_pct);
		if (json_object_object_get_ex(o, "schemes", &v) && json_object_array_length(v)) {
			json_object *fails;

			if (json_object_object_get_ex(json_object_array_get_idx(v, 0), "failures",
						      &fails)) {
				json_object_object_foreach(fails, key, n) {
					(void)key;
					tr->failures += (uint64_t)json_object_get_int64(n);
				}
			}
		}
	}
	json_object_put(o);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(const double *v, size_t n)
{
	double tmp[BENCH_MAX_SAMPLES];

	if (!n)
		return 0;
	if (n > BENCH_MAX_SAMPLES)
		n = BENCH_MAX_SAMPLES;
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

double bench_t90(const struct bench_trial *tr)
{
	for (unsigned i = 0; i < tr->nr; i++)
		if (tr->cov[i] >= 90.0)
			return tr->t[i];
	return -1;
}
