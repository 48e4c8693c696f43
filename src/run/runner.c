// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The live run loop; see runner.h.  Everything that can be known before
 * the first aggregation is checked first, so that a missing privilege or
 * kernel feature is one clear message at start, not a failure per region.
 */
#include "run/runner.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "action/madvise.h"
#include "core/kscheme.h"
#include "core/units.h"
#include "run/sysenv.h"
#include "source/paddr.h"
#include "source/synthetic.h"
#include "source/vaddr.h"
#include "sys/damon.h"
#include "sys/clock.h"
#include "sys/pidfd.h"
#include "udamos/engine.h"

volatile int udamos_stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	udamos_stop_requested = 1;
}

void udamos_run_install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	/* No SA_RESTART: sleeps must wake up to notice the request. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

#define MAX_KSCHEMES 16

struct run {
	const struct udamos_run_cfg *cfg;
	struct udamos_run_result *res;
	struct udamos_target targets[UDAMOS_MAX_TARGETS];
	size_t nr_opened;
	struct udamos_model model;
	struct udamos_source *src;
	struct udamos_guard guard;
	/* Schemes only kernel DAMON can apply, translated for it. */
	struct udamos_kscheme kschemes[MAX_KSCHEMES];
	size_t kidx[MAX_KSCHEMES];		/* index in cfg->schemes of each */
	size_t nr_kschemes;
	char *why;
	size_t why_len;
};

static enum udamos_status say(struct run *r, enum udamos_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, r->why_len, fmt, ap);
	va_end(ap);
	return st;
}

static void note(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->cfg->log)
		return;
	va_start(ap, fmt);
	fputs("udamos: ", r->cfg->log);
	vfprintf(r->cfg->log, fmt, ap);
	fputc('\n', r->cfg->log);
	va_end(ap);
}

static const char *kernel_release(void)
{
	static struct utsname u;

	return uname(&u) ? "unknown" : u.release;
}

static enum udamos_status open_targets(struct run *r)
{
	for (size_t i = 0; i < r->cfg->nr_pids; i++) {
		pid_t pid = r->cfg->pids[i];
		int err = udamos_target_open(&r->targets[i], pid);

		if (err == -ESRCH)
			return say(r, UDAMOS_ERR_INPUT,
				   "--pid %d: no such process; check the PID (ps -p %d)", pid, pid);
		if (err == -ENOSYS)
			return say(r, UDAMOS_ERR_ENV,
				   "this kernel (%s) has no pidfd_open(); udamos needs Linux 5.10 or newer",
				   kernel_release());
		if (err)
			return say(r, UDAMOS_ERR_RUNTIME, "--pid %d: cannot open it: %s",
				   pid, strerror(-err));
		r->nr_opened++;
		r->res->targets[i].pid = pid;
		r->res->targets[i].collapsible = true;
	}
	r->res->nr_targets = r->cfg->nr_pids;
	return UDAMOS_OK;
}

static enum udamos_status probe_advice(struct run *r, struct udamos_target *t,
				       enum udamos_action action)
{
	int advice = udamos_action_advice(action);
	int err = udamos_madvise_probe(t->pidfd, advice);

	switch (err) {
	case 0:
		return UDAMOS_OK;
	case -EACCES:
		return say(r, UDAMOS_ERR_ENV,
			   "process_madvise() on PID %d was refused: udamos lacks ptrace read "
			   "access to it (another user's process, or Yama ptrace_scope); run "
			   "udamos as root, which also gives the CAP_SYS_NICE it needs", t->pid);
	case -EPERM:
		return say(r, UDAMOS_ERR_ENV,
			   "process_madvise() on PID %d was refused: it needs the CAP_SYS_NICE "
			   "capability; run udamos as root or grant it CAP_SYS_NICE", t->pid);
	case -ESRCH:
		return say(r, UDAMOS_ERR_INPUT,
			   "--pid %d: the process exited before udamos started", t->pid);
	case -ENOSYS:
		return say(r, UDAMOS_ERR_ENV,
			   "this kernel (%s) has no process_madvise(); udamos needs Linux 5.10 "
			   "or newer, and 6.1 or newer for collapse", kernel_release());
	case -EINVAL:
		if (action == UDAMOS_ACTION_COLLAPSE)
			return say(r, UDAMOS_ERR_ENV,
				   "this kernel (%s) does not accept MADV_COLLAPSE for another "
				   "process; collapse needs Linux 6.1 or newer built with "
				   "CONFIG_TRANSPARENT_HUGEPAGE", kernel_release());
		return say(r, UDAMOS_ERR_ENV,
			   "this kernel (%s) does not accept %s through process_madvise(); "
			   "it needs Linux 5.10 or newer", kernel_release(),
			   udamos_action_name(action));
	default:
		return say(r, UDAMOS_ERR_RUNTIME, "checking process_madvise() on PID %d: %s",
			   t->pid, strerror(-err));
	}
}

#define THP_DISABLED_FMT "PID %d has disabled THP for itself (prctl " \
	"PR_SET_THP_DISABLE; /proc/%d/status shows THP_enabled: 0), so collapse " \
	"cannot work on it: start it without that prctl, or on Linux 6.18+ have it " \
	"use PR_THP_DISABLE_EXCEPT_ADVISED, which still allows MADV_COLLAPSE"

/* A target that disabled THP for itself can never be collapsed. */
static bool thp_disabled(struct run *r, size_t i)
{
	struct udamos_target *t = &r->targets[i];

	if (udamos_read_thp_enabled(t->pid, t->pidfd) != 0)
		return false;
	t->no_collapse = true;
	r->res->targets[i].collapsible = false;
	return true;
}

static enum udamos_status preflight(struct run *r)
{
	bool collapse_only = true, any_collapse = false;
	size_t nr_disabled = 0, first_disabled = 0;
	enum udamos_status st;

	for (size_t s = 0; s < r->cfg->nr_schemes; s++) {
		enum udamos_action a = r->cfg->schemes[s].action;

		if (udamos_scheme_wants_kernel(&r->cfg->schemes[s]))
			continue;	/* delegated: checked with the source */
		any_collapse |= a == UDAMOS_ACTION_COLLAPSE;
		collapse_only &= a == UDAMOS_ACTION_COLLAPSE;
		if (a == UDAMOS_ACTION_STAT)
			continue;
		for (size_t i = 0; i < r->nr_opened; i++) {
			st = probe_advice(r, &r->targets[i], a);
			if (st)
				return st;
		}
	}
	if (!any_collapse)
		return UDAMOS_OK;
	for (size_t i = 0; i < r->nr_opened; i++)
		if (thp_disabled(r, i) && !nr_disabled++)
			first_disabled = i;
	/* Said once: as the error when nothing is left to do, else a note. */
	if (collapse_only && nr_disabled == r->nr_opened) {
		pid_t pid = r->targets[first_disabled].pid;

		return say(r, UDAMOS_ERR_ENV, THP_DISABLED_FMT, pid, pid);
	}
	for (size_t i = 0; i < r->nr_opened; i++)
		if (r->targets[i].no_collapse)
			note(r, THP_DISABLED_FMT, r->targets[i].pid, r->targets[i].pid);
	return UDAMOS_OK;
}

static int live_ranges(void *ctx, uint32_t t, struct udamos_addr_range **out, size_t *n)
{
	struct udamos_target *target = &((struct udamos_target *)ctx)[t];
	struct udamos_addr_range *maps, three[3];
	int err = udamos_target_vmas(target);
	size_t nr;

	if (err)
		return err;
	target->vmas_fresh = false;	/* the actuator re-reads in its own pass */
	maps = malloc((target->nr_vmas ? target->nr_vmas : 1) * sizeof(*maps));
	if (!maps)
		return -ENOMEM;
	for (size_t i = 0; i < target->nr_vmas; i++)
		maps[i] = (struct udamos_addr_range){ target->vmas[i].start, target->vmas[i].end };
	nr = udamos_ranges_from_mappings(maps, target->nr_vmas, three);
	free(maps);
	*out = malloc((nr ? nr : 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, three, nr * sizeof(**out));
	*n = nr;
	return 0;
}

static enum udamos_status make_synthetic(struct run *r, const char *model)
{
	char reason[256];
	struct udamos_synthetic_cfg sc;
	int err;

	if (udamos_model_parse(model, &r->model, reason, sizeof(reason)))
		return say(r, UDAMOS_ERR_INPUT, "--source: %s", reason);
	sc = (struct udamos_synthetic_cfg){
		.model = &r->model, .attrs = r->cfg->attrs,
		.nr_targets = (uint32_t)r->nr_opened,
		.ranges = live_ranges, .ranges_ctx = r->targets,
		.realtime = true, .stop = &udamos_stop_requested,
	};
	err = udamos_synthetic_create(&sc, &r->src);
	if (err == -ESRCH)
		return say(r, UDAMOS_ERR_INPUT, "a target exited before monitoring started");
	if (err)
		return say(r, UDAMOS_ERR_RUNTIME, "starting the synthetic source: %s",
			   strerror(-err));
	return UDAMOS_OK;
}

/* Kernel source failures: the reason says it all; this picks the status. */
static enum udamos_status kernel_source_status(struct run *r, int err, const char *reason)
{
	switch (err) {
	case 0:
		return UDAMOS_OK;
	case -ENOENT:
	case -EOPNOTSUPP:
	case -EBUSY:
	case -EACCES:
	case -EPERM:
		return say(r, UDAMOS_ERR_ENV, "%s", reason);
	default:
		return say(r, UDAMOS_ERR_RUNTIME, "%s", reason);
	}
}

static int try_vaddr(struct run *r, char *reason, size_t len)
{
	struct udamos_vaddr_cfg vc = {
		.targets = r->targets, .nr_targets = r->nr_opened,
		.attrs = r->cfg->attrs, .damon_root = UDAMOS_DAMON_ROOT,
		.guard = &r->guard, .log = r->cfg->log, .stop = &udamos_stop_requested,
	};

	if (!r->cfg->attrs_given)
		udamos_vaddr_default_attrs(&vc.attrs);
	for (size_t i = 0; i < r->nr_kschemes; i++) {
		char why[192];
		int err = udamos_kscheme_from(&r->cfg->schemes[r->kidx[i]], vc.attrs.sample_us,
					      vc.attrs.aggr_us, &r->kschemes[i], why, sizeof(why));

		if (err) {
			snprintf(reason, len, "%s", why);
			return -EINVAL;
		}
	}
	vc.schemes = r->kschemes;
	vc.nr_schemes = r->nr_kschemes;
	return udamos_vaddr_create(&vc, &r->src, reason, len);
}

static enum udamos_status make_paddr(struct run *r)
{
	struct udamos_paddr_cfg pc = {
		.targets = r->targets, .nr_targets = r->nr_opened,
		.attrs = r->cfg->attrs, .refresh_us = UDAMOS_PADDR_REFRESH_US,
		.damon_root = UDAMOS_DAMON_ROOT, .guard = &r->guard,
		.log = r->cfg->log, .stop = &udamos_stop_requested,
	};
	char reason[448];
	int err;

	if (!r->cfg->attrs_given)
		udamos_paddr_default_attrs(&pc.attrs);
	err = udamos_paddr_create(&pc, &r->src, reason, sizeof(reason));
	return kernel_source_status(r, err, reason);
}

/* Marks the schemes kernel DAMON is to apply. */
static enum udamos_status mark_delegated(struct run *r)
{
	for (size_t i = 0; i < r->cfg->nr_schemes; i++) {
		if (!udamos_scheme_wants_kernel(&r->cfg->schemes[i]))
			continue;
		if (r->nr_kschemes == sizeof(r->kidx) / sizeof(r->kidx[0]))
			return say(r, UDAMOS_ERR_INPUT, "more than %zu schemes for kernel DAMON "
				   "(hugepage, nohugepage, apply_by kernel); combine some",
				   sizeof(r->kidx) / sizeof(r->kidx[0]));
		r->kidx[r->nr_kschemes++] = i;
		r->cfg->schemes[i].delegated = true;
	}
	return UDAMOS_OK;
}

static enum udamos_status make_source(struct run *r)
{
	const char *spec = r->cfg->source ? r->cfg->source : "auto";
	bool synthetic = !strncmp(spec, "synthetic:", 10);
	enum udamos_status st;

	if (!synthetic && strcmp(spec, "auto") && strcmp(spec, "paddr") && strcmp(spec, "vaddr"))
		return say(r, UDAMOS_ERR_INPUT, "--source %s: unknown source; use auto, "
			   "vaddr, paddr or synthetic:MODEL", spec);
	st = mark_delegated(r);
	if (st)
		return st;
	if (r->nr_kschemes && (synthetic || !strcmp(spec, "paddr")))
		return say(r, UDAMOS_ERR_INPUT, "--damos_action %s: %s; use --source auto or "
			   "vaddr", udamos_action_name(r->cfg->schemes[r->kidx[0]].action),
			   udamos_action_needs_kernel(r->cfg->schemes[r->kidx[0]].action) ?
			   "only kernel DAMON vaddr can apply it to another process" :
			   "apply_by kernel needs the kernel's vaddr source");
	if (synthetic) {
		snprintf(r->res->source, sizeof(r->res->source), "synthetic");
		return make_synthetic(r, spec + 10);
	}
	/* Kernel DAMON vaddr where the kernel has it; paddr projected onto
	 * virtual addresses otherwise. */
	if (!strcmp(spec, "paddr")) {
		st = make_paddr(r);
	} else {
		char reason[448];
		int err = try_vaddr(r, reason, sizeof(reason));

		if (err == -EOPNOTSUPP && !strcmp(spec, "auto") && !r->nr_kschemes)
			st = make_paddr(r);
		else if (err == -EINVAL && r->nr_kschemes)
			st = say(r, UDAMOS_ERR_INPUT, "%s", reason);
		else if (err == -ENOSYS)
			st = say(r, UDAMOS_ERR_ENV, "%s", reason);
		else if (err == -EOPNOTSUPP && r->nr_kschemes)
			st = say(r, UDAMOS_ERR_ENV, "--damos_action %s: the kernel refuses it "
				 "through process_madvise, and this kernel's DAMON has no vaddr "
				 "operations set to apply it (CONFIG_DAMON_VADDR)",
				 udamos_action_name(r->cfg->schemes[r->kidx[0]].action));
		else
			st = kernel_source_status(r, err, reason);
	}
	snprintf(r->res->source, sizeof(r->res->source), "%s",
		 r->src && r->src->ops ? r->src->ops->name : spec);
	if (st == UDAMOS_ERR_ENV && r->cfg->fallback_model && !strcmp(spec, "auto") &&
	    !r->nr_kschemes) {
		snprintf(r->res->fallback_reason, sizeof(r->res->fallback_reason), "%s", r->why);
		snprintf(r->res->source, sizeof(r->res->source), "synthetic");
		return make_synthetic(r, r->cfg->fallback_model);
	}
	return st;
}

static void read_huge(struct run *r, bool after)
{
	for (size_t i = 0; i < r->nr_opened; i++) {
		struct udamos_run_target *rt = &r->res->targets[i];
		struct udamos_mem_usage u;

		if (r->targets[i].gone ||
		    udamos_read_mem_usage(rt->pid, r->targets[i].pidfd, &u))
			continue;
		if (after) {
			rt->anon_huge_after = u.anon_huge;
			rt->rss_after = u.rss;
		} else {
			rt->anon_huge_before = u.anon_huge;
		}
	}
}

/*
 * Notices exits; returns how many targets are still alive.  The actuator
 * marks a target gone when the kernel says ESRCH; the pidfd tells the rest.
 */
static size_t reap(struct run *r)
{
	size_t alive = 0;

	for (size_t i = 0; i < r->nr_opened; i++) {
		struct udamos_target *t = &r->targets[i];

		if (!t->gone && !udamos_pidfd_alive(t->pidfd))
			t->gone = true;
		if (t->gone && !r->res->targets[i].exited) {
			r->res->targets[i].exited = true;
			note(r, "target PID %d exited; dropped it%s", t->pid,
			     r->nr_opened > 1 ? ", the others go on" : "");
		}
		alive += !t->gone;
	}
	return alive;
}

/* The kernel's stats for the schemes it applies for us. */
static void delegated_stats(struct run *r)
{
	if (!r->src->ops->scheme_stats)
		return;
	for (size_t i = 0; i < r->nr_kschemes; i++)
		r->src->ops->scheme_stats(r->src, i, &r->cfg->schemes[r->kidx[i]].stats);
}

/* Goal metrics the kernel lacks, measured here and handed to it. */
static void feed_goals(struct run *r, struct udamos_env *env)
{
	uint64_t current[MAX_KSCHEMES][UDAMOS_MAX_GOALS] = { { 0 } };
	bool any = false;

	if (!r->src->ops->feed_goals)
		return;
	for (size_t i = 0; i < r->nr_kschemes; i++) {
		const struct udamos_kscheme *k = &r->kschemes[i];

		for (size_t g = 0; g < k->nr_goals; g++) {
			current[i][g] = k->goals[g].current_value;
			if (k->goals[g].fed &&
			    !env->goal_metric(env->ctx, k->goals[g].source, &current[i][g]))
				any = true;
		}
	}
	if (any)
		r->src->ops->feed_goals(r->src, (const uint64_t (*)[UDAMOS_MAX_GOALS])current,
					r->nr_kschemes);
}

static void show_progress(const struct run *r, uint64_t elapsed_us)
{
	uint64_t applied = 0;
	char a[32];

	if (!r->cfg->progress)
		return;
	for (size_t s = 0; s < r->cfg->nr_schemes; s++)
		applied += r->cfg->schemes[s].stats.sz_applied;
	fprintf(r->cfg->progress, "\r[%6.1fs] aggregations %llu, applied %s   ",
		(double)elapsed_us / 1e6, (unsigned long long)r->res->nr_aggregations,
		udamos_fmt_size(applied, a, sizeof(a)));
	fflush(r->cfg->progress);
}

static enum udamos_status loop(struct run *r)
{
	struct udamos_madvise_actuator act = { .targets = r->targets,
					       .nr_targets = r->nr_opened };
	struct udamos_sysenv se = { .targets = r->targets, .nr_targets = r->nr_opened };
	struct udamos_engine e;
	uint64_t t0 = udamos_now_us(), cpu0 = udamos_self_cpu_us();
	int kpid = r->src->ops->kernel_pid ? r->src->ops->kernel_pid(r->src) : 0;
	uint64_t kcpu0 = kpid > 0 ? udamos_pid_cpu_us(kpid) : 0;
	enum udamos_status st = UDAMOS_OK;
	uint64_t next_stats_us = 0;
	struct udamos_env env = udamos_sysenv_env(&se);

	udamos_engine_init(&e, r->cfg->schemes, r->cfg->nr_schemes,
			   (struct udamos_actuator){ udamos_madvise_apply, &act }, env);
	for (;;) {
		struct udamos_snapshot *snaps;
		size_t nr;
		int err = udamos_source_next(r->src, &snaps, &nr);

		if (err == -EINTR) {
			r->res->interrupted = true;
			break;
		}
		if (err) {
			st = say(r, UDAMOS_ERR_RUNTIME, "monitoring failed: %s", strerror(-err));
			break;
		}
		r->res->nr_aggregations++;
		if (!reap(r))
			break;
		if (r->nr_kschemes && udamos_now_us() >= next_stats_us) {
			delegated_stats(r);
			feed_goals(r, &env);
			next_stats_us = udamos_now_us() + 1000000;
		}
		if (r->cfg->on_snapshots &&
		    (err = r->cfg->on_snapshots(r->cfg->snapshots_ctx, snaps, nr))) {
			st = say(r, UDAMOS_ERR_RUNTIME, "recording failed: %s", strerror(-err));
			break;
		}
		udamos_madvise_begin_pass(&act);
		err = udamos_engine_feed(&e, snaps, nr);
		if (err) {
			st = say(r, UDAMOS_ERR_RUNTIME, "applying schemes: %s", strerror(-err));
			break;
		}
		if (!reap(r))
			break;
		r->res->elapsed_us = udamos_now_us() - t0;
		r->res->cpu_us = udamos_self_cpu_us() - cpu0;
		if (kpid > 0)
			r->res->kernel_cpu_us = udamos_pid_cpu_us(kpid) - kcpu0;
		if (r->cfg->on_tick)
			r->cfg->on_tick(r->cfg->tick_ctx, r->res);
		show_progress(r, r->res->elapsed_us);
		if (r->cfg->duration_us && udamos_now_us() - t0 >= r->cfg->duration_us)
			break;
	}
	if (r->nr_kschemes)
		delegated_stats(r);
	if (r->cfg->progress)
		fputc('\n', r->cfg->progress);
	r->res->elapsed_us = udamos_now_us() - t0;
	r->res->cpu_us = udamos_self_cpu_us() - cpu0;
	if (kpid > 0)
		r->res->kernel_cpu_us = udamos_pid_cpu_us(kpid) - kcpu0;
	udamos_engine_release(&e);
	udamos_madvise_release(&act);
	return st;
}

enum udamos_status udamos_run(const struct udamos_run_cfg *cfg,
			      struct udamos_run_result *res, char *why,
			      size_t why_len)
{
	struct run r = { .cfg = cfg, .res = res, .why = why, .why_len = why_len };
	enum udamos_status st;

	memset(res, 0, sizeof(*res));
	udamos_guard_init(&r.guard);
	st = open_targets(&r);
	if (!st)
		st = preflight(&r);
	if (!st)
		st = make_source(&r);
	if (!st) {
		read_huge(&r, false);
		st = loop(&r);
		read_huge(&r, true);
	}
	udamos_source_destroy(r.src);
	/* The source undid its own changes; this runs any step it could not
	 * and stops the guard process. */
	udamos_guard_restore(&r.guard);
	udamos_model_release(&r.model);
	for (size_t i = 0; i < r.nr_opened; i++)
		udamos_target_close(&r.targets[i]);
	return st;
}
