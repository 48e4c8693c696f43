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
#include "core/coverage.h"
#include "core/kscheme.h"
#include "core/lockpace.h"
#include "core/quota.h"
#include "core/units.h"
#include "run/sysenv.h"
#include "source/select.h"
#include "sys/damon.h"
#include "sys/clock.h"
#include "sys/faultcost.h"
#include "sys/pidfd.h"
#include "sys/procfs.h"
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
	uint64_t next_measure_us;
	/* Per target, given to the source: what cfg->carry held. */
	struct udamos_window_ages ages[UDAMOS_MAX_TARGETS];
	/* Per target, its lock allowance from its faults, where the
	 * allowance is the default's (an explicit one is fixed). */
	struct udamos_lock_pace pace[UDAMOS_MAX_TARGETS];
	bool paced_by_faults;
	bool collapses;		/* a scheme collapses from user space */
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

		r->res->refused_pid = pid;
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
		r->res->refused_pid = 0;
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

	r->res->refused_pid = err ? t->pid : 0;
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
	r->collapses = any_collapse;
	if (!any_collapse)
		return UDAMOS_OK;
	for (size_t i = 0; i < r->nr_opened; i++)
		if (thp_disabled(r, i) && !nr_disabled++)
			first_disabled = i;
	/* Said once: as the error when nothing is left to do, else a note. */
	if (collapse_only && nr_disabled == r->nr_opened) {
		pid_t pid = r->targets[first_disabled].pid;

		r->res->refused_pid = pid;
		return say(r, UDAMOS_ERR_ENV, THP_DISABLED_FMT, pid, pid);
	}
	for (size_t i = 0; i < r->nr_opened; i++)
		if (r->targets[i].no_collapse)
			note(r, THP_DISABLED_FMT, r->targets[i].pid, r->targets[i].pid);
	return UDAMOS_OK;
}

/* Source failures: the reason says it all; this picks the status. */
static enum udamos_status source_status(struct run *r, int err, const char *reason)
{
	switch (err) {
	case 0:
		return UDAMOS_OK;
	case -EINVAL:
	case -ESRCH:
		return say(r, UDAMOS_ERR_INPUT, "%s", reason);
	case -ENOENT:
	case -EOPNOTSUPP:
	case -EBUSY:
	case -EACCES:
	case -EPERM:
	case -ENOSYS:
		return say(r, UDAMOS_ERR_ENV, "%s", reason);
	default:
		return say(r, UDAMOS_ERR_RUNTIME, "%s", reason);
	}
}

/* What the accessed-bit probe found, where it decided anything. */
static void blind_spot_note(const struct run *r)
{
	struct udamos_blindspot b;

	if (udamos_source_is_oracle(r->cfg->source) || r->cfg->flush.mode == UDAMOS_TLB_FLUSH_OFF)
		return;
	if (r->cfg->flush.mode == UDAMOS_TLB_FLUSH_ON)
		note(r, "flushing the targets' TLBs for the accessed-bit blind spot (--tlb_flush on)");
	else if (!udamos_blindspot_once(&b) && b.blind)
		note(r, "accessed bits go blind here (a probe saw %u.%u%% of its reads): flushing "
		     "the targets' TLBs, at most once every 2 s", b.seen_permil / 10,
		     b.seen_permil % 10);
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
	struct udamos_scheme *delegated[MAX_KSCHEMES];
	struct udamos_source_req q = {
		.spec = r->cfg->source, .targets = r->targets, .nr_targets = r->nr_opened,
		.attrs = r->cfg->attrs, .attrs_given = r->cfg->attrs_given,
		.delegated = delegated, .kschemes = r->kschemes,
		.flush = r->cfg->flush, .damon_root = UDAMOS_DAMON_ROOT,
		.guard = &r->guard, .log = r->cfg->log, .stop = &udamos_stop_requested,
		.model = &r->model, .ages = r->ages,
	};
	char reason[448];
	enum udamos_status st = mark_delegated(r);
	int err;

	if (st)
		return st;
	for (size_t i = 0; i < r->nr_kschemes; i++)
		delegated[i] = &r->cfg->schemes[r->kidx[i]];
	q.nr_delegated = r->nr_kschemes;
	err = udamos_source_open(&q, &r->src, reason, sizeof(reason));
	if (err)
		return source_status(r, err, reason);
	snprintf(r->res->source, sizeof(r->res->source), "%s", r->src->ops->name);
	if (r->src->ops->describe)
		r->src->ops->describe(r->src, r->res->monitor, sizeof(r->res->monitor));
	else
		snprintf(r->res->monitor, sizeof(r->res->monitor), "%s", r->src->ops->name);
	r->res->settle_aggregations = r->src->ops->settle ? r->src->ops->settle(r->src) : 1;
	if (udamos_source_is_oracle(r->cfg->source))
		note(r, "monitoring: the oracle, a model handed the access pattern; what it "
		     "finds is an upper bound, not monitoring");
	else
		note(r, "monitoring: %s", r->res->monitor);
	blind_spot_note(r);
	return UDAMOS_OK;
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
			    !env->goal_metric(env->ctx, k->goals[g].source, &k->goals[g],
					     &current[i][g]))
				any = true;
		}
	}
	if (any)
		r->src->ops->feed_goals(r->src, (const uint64_t (*)[UDAMOS_MAX_GOALS])current,
					r->nr_kschemes);
}

/* What the monitor watches of each target; said once if under half. */
static void update_coverage(struct run *r)
{
	/* Counted here, not after the coverage: vaddr watches everything and
	 * has no coverage to give, and its flushes went unreported. */
	if (r->src->ops->flushes)
		r->res->tlb_flushes = r->src->ops->flushes(r->src);
	if (!r->src->ops->coverage)
		return;
	for (size_t i = 0; i < r->nr_opened; i++) {
		struct udamos_run_target *rt = &r->res->targets[i];
		bool first = !rt->coverage_known;

		if (r->targets[i].gone ||
		    r->src->ops->coverage(r->src, i, &rt->watched, &rt->resident))
			continue;
		rt->coverage_known = true;
		if (first && rt->resident && rt->watched * 2 < rt->resident)
			note(r, "the monitor watches %llu%% of PID %d's resident memory; the rest "
			     "is unknown to it, and no scheme acts on it",
			     (unsigned long long)(rt->watched * 100 / rt->resident), rt->pid);
	}
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

/* The kdamond's CPU since the start; a kdamond that has gone keeps its
 * last reading rather than dropping to nothing. */
static void kernel_cpu(struct run *r, int kpid, uint64_t kcpu0)
{
	uint64_t now;

	if (kpid > 0 && !udamos_pid_cpu_us(kpid, &now) && now >= kcpu0)
		r->res->kernel_cpu_us = now - kcpu0;
}

static uint64_t lock_limit(const struct udamos_run_cfg *cfg)
{
	if (!cfg->lock_ns_per_s)
		return UDAMOS_DEFAULT_LOCK_NS_PER_S;
	return cfg->lock_ns_per_s == UINT64_MAX ? 0 : cfg->lock_ns_per_s;
}

/* Each target's allowance from its minor faults since the last reading,
 * once per aggregation (every aggr_us), read through its pidfd. */
static void pace_targets(struct run *r, struct udamos_madvise_actuator *act, uint64_t aggr_us)
{
	uint64_t now = udamos_now_us();

	if (!r->paced_by_faults)
		return;
	for (size_t i = 0; i < r->nr_opened; i++) {
		struct udamos_target *t = &r->targets[i];
		struct udamos_proc_stat st;

		if (t->gone || udamos_read_proc_stat(t->pid, t->pidfd, &st))
			continue;
		act->cost[i].lock_ns_per_s = udamos_lock_pace_feed(&r->pace[i], st.minflt, now);
		act->cost[i].lock_span_s = udamos_lock_pace_span(&r->pace[i], now,
								 UDAMOS_QUOTA_MAX_SPAN, aggr_us);
		act->cost[i].spaced = udamos_lock_pace_spaced(&r->pace[i], now);
		/* Half the interval for spaced calls, half for monitoring. */
		if (act->cost[i].spaced)
			act->cost[i].pass_until_ns = udamos_now_ns() + aggr_us * 1000 / 2;
	}
}

static void action_costs(struct run *r, const struct udamos_madvise_actuator *act)
{
	for (size_t i = 0; i < r->nr_opened; i++) {
		struct udamos_run_target *rt = &r->res->targets[i];
		const struct udamos_target_cost *c = &act->cost[i];

		rt->bloat = c->bloat;
		rt->nr_bloat_skipped = c->nr_bloat_skipped;
		rt->lock = (struct udamos_lock_use){
			.madvise_ns = c->lock_ns, .nr_paced = c->nr_paced,
			.allowance_ns = c->lock_ns_per_s, .spaced = c->spaced,
			.nr_churn_readings = r->pace[i].nr_churn_readings,
			.spacing_ns = c->spacing_ns, .burst_max_ns = c->burst_max_ns,
			.call_max_ns = c->call_max_ns,
		};
		rt->nr_maps_reads = r->targets[i].nr_maps_reads;
		rt->nr_vma_lookups = r->targets[i].nr_vma_lookups;
	}
	if (act->warm) {
		r->res->nr_warmed = act->warm->nr;
		r->res->warm_ns = act->warm->ns;
	}
}

/* Opens w for the actuator when a scheme collapses and the configuration,
 * or the machine under auto, asks for it: a recording or a pageout scheme
 * has no use for it, nor for its notice. */
static void open_warm(struct run *r, struct udamos_madvise_actuator *act,
		      struct udamos_hugewarm *w)
{
	enum udamos_collapse_warm want = r->cfg->collapse_warm;

	if (!r->collapses || want == UDAMOS_WARM_OFF ||
	    (want == UDAMOS_WARM_AUTO && !udamos_free_pages_reported()))
		return;
	if (udamos_hugewarm_open(w)) {
		note(r, "cannot reserve a huge page of address space to make ready before "
		     "collapses; collapsing without");
		return;
	}
	if (want == UDAMOS_WARM_AUTO)
		note(r, "this VM hands its free pages back to its host: a huge page is made "
		     "ready before each collapse, so that the host's fault-in is not done "
		     "under the target's mmap_lock (--collapse_warm off: not)");
	act->warm = w;
	r->res->collapse_warm = true;
}

/*
 * What a minor fault costs here, timed only when a choice left to auto
 * depends on it (0: not timed, or could not be).
 */
static uint64_t fault_cost(struct run *r)
{
	bool paced = r->collapses && r->paced_by_faults;
	uint64_t fault_ns = 0;

	if (((paced && r->cfg->churn_spacing == UDAMOS_CHURN_SPACING_AUTO) ||
	     (r->collapses && r->cfg->collapse_hold == UDAMOS_COLLAPSE_HOLD_AUTO &&
	      !r->src->ops->handed_hot_set)) &&
	    udamos_minor_fault_ns(&fault_ns))
		fault_ns = 0;
	r->res->fault_ns = fault_ns;
	return fault_ns;
}

/*
 * The allowance a churning target gets (0: the fast one, not spaced),
 * from --churn_spacing and, left to auto, what a fault costs here.
 */
static uint64_t churn_allowance(struct run *r, uint64_t fault_ns)
{
	enum udamos_churn_spacing mode = r->cfg->churn_spacing;
	/* An explicit allowance leaves fault pacing out: nothing is spaced. */
	bool paced = r->collapses && r->paced_by_faults;

	r->res->churn_spacing = paced && udamos_churn_spacing_wanted(mode, fault_ns);
	return r->res->churn_spacing ? UDAMOS_CHURN_LOCK_NS_PER_S : 0;
}

/* Whether collapse schemes hold each page table's first collapse until
 * its hot set settles (core/tablehold.h), from --collapse_hold and, left
 * to auto, what a fault costs here and whether the source has a hot set
 * to find at all. */
static bool collapse_hold(struct run *r, uint64_t fault_ns)
{
	enum udamos_collapse_hold mode = r->cfg->collapse_hold;

	if (mode == UDAMOS_COLLAPSE_HOLD_AUTO && r->src->ops->handed_hot_set)
		mode = UDAMOS_COLLAPSE_HOLD_OFF;
	r->res->collapse_hold = r->collapses && udamos_collapse_hold_wanted(mode, fault_ns);
	return r->res->collapse_hold;
}

/* One line for what a dear fault changed of the choices left to auto. */
static void note_dear_fault(struct run *r, uint64_t fault_ns)
{
	bool unspaced = r->collapses && r->paced_by_faults && !r->res->churn_spacing &&
			r->cfg->churn_spacing == UDAMOS_CHURN_SPACING_AUTO;
	bool held = r->res->collapse_hold && r->cfg->collapse_hold == UDAMOS_COLLAPSE_HOLD_AUTO;

	if (unspaced || held)
		note(r, "a page fault costs %.0f us here (the host shadows page tables): %s%s%s",
		     (double)fault_ns / 1000,
		     unspaced ? "a target that churns its mappings keeps the fast pace, its "
				"collapse calls not spaced out, since its own mmaps take longer "
				"than a call (--churn_spacing on: spaced)" : "",
		     unspaced && held ? "; and " : "",
		     held ? "a page table's first collapse waits until the hot memory found in "
			    "it stops growing, since a table mapping both huge and small pages "
			    "slows the small ones (--collapse_hold off: not)" : "");
}

/* The scheme whose pattern says what is hot in target t: the first
 * collapse scheme that acts on it, else the first scheme that does. */
static const struct udamos_scheme *hot_scheme_of(const struct run *r, uint32_t t)
{
	const struct udamos_scheme *any = NULL;

	for (size_t i = 0; i < r->cfg->nr_schemes; i++) {
		const struct udamos_scheme *s = &r->cfg->schemes[i];

		if (s->targets && (t >= 64 || !(s->targets >> t & 1)))
			continue;
		if (s->action == UDAMOS_ACTION_COLLAPSE)
			return s;
		any = any ? any : s;
	}
	return any;
}

static void measure_targets(struct run *r, const struct udamos_env *env,
			    const struct udamos_snapshot *snaps, size_t nr)
{
	uint64_t now = udamos_now_us();

	if (!r->cfg->target_stats_us || now < r->next_measure_us)
		return;
	r->next_measure_us = now + r->cfg->target_stats_us;
	for (size_t k = 0; k < nr; k++) {
		uint32_t t = snaps[k].target;
		const struct udamos_scheme *s = hot_scheme_of(r, t);
		struct udamos_run_target *rt;
		struct udamos_coverage c;
		struct udamos_mem_usage u;

		if (t >= r->nr_opened || r->targets[t].gone)
			continue;
		rt = &r->res->targets[t];
		if (udamos_read_mem_usage(rt->pid, r->targets[t].pidfd, &u))
			continue;
		rt->rss_now = u.rss;
		rt->anon_huge_now = u.anon_huge;
		rt->hot = rt->hot_huge = 0;
		if (s && !udamos_hot_coverage(&s->pattern, env, &snaps[k], 1, &c)) {
			rt->hot = c.hot;
			rt->hot_huge = c.huge;
		}
		rt->measured = true;
	}
}

static enum udamos_status loop(struct run *r)
{
	struct udamos_madvise_actuator act;
	struct udamos_hugewarm warm;
	struct udamos_sysenv se = { .targets = r->targets, .nr_targets = r->nr_opened };
	struct udamos_engine e;
	uint64_t t0 = udamos_now_us(), cpu0 = udamos_self_cpu_us();
	int kpid = r->src->ops->kernel_pid ? r->src->ops->kernel_pid(r->src) : 0;
	uint64_t kcpu0 = 0;
	enum udamos_status st = UDAMOS_OK;
	uint64_t next_stats_us = 0, churn_ns, fault_ns;
	struct udamos_env env = udamos_sysenv_env(&se);

	if (kpid > 0 && udamos_pid_cpu_us(kpid, &kcpu0))
		kpid = 0;
	if (udamos_madvise_init(&act, r->targets, r->nr_opened, lock_limit(r->cfg),
				r->cfg->bloat_budget ? r->cfg->bloat_budget :
				UDAMOS_DEFAULT_BLOAT_HUGE_PAGES * udamos_huge_size()))
		return say(r, UDAMOS_ERR_RUNTIME, "out of memory");
	act.stop = &udamos_stop_requested;
	open_warm(r, &act, &warm);
	r->paced_by_faults = !r->cfg->lock_ns_per_s;
	fault_ns = fault_cost(r);
	churn_ns = churn_allowance(r, fault_ns);
	for (size_t i = 0; i < r->nr_opened; i++)
		udamos_lock_pace_init(&r->pace[i], UDAMOS_DEFAULT_LOCK_NS_PER_S, churn_ns);
	udamos_engine_init(&e, r->cfg->schemes, r->cfg->nr_schemes,
			   (struct udamos_actuator){ udamos_madvise_apply, &act }, env);
	e.hold_tables = collapse_hold(r, fault_ns);
	note_dear_fault(r, fault_ns);
	for (;;) {
		struct udamos_snapshot *snaps;
		size_t nr;
		int err = udamos_source_next(r->src, &snaps, &nr);

		if (err == -EINTR) {
			r->res->interrupted = true;
			break;
		}
		if (err) {
			const char *why = r->src->ops->failure ? r->src->ops->failure(r->src) : NULL;

			st = why ? say(r, UDAMOS_ERR_RUNTIME, "%s", why) :
				say(r, UDAMOS_ERR_RUNTIME, "monitoring failed: %s", strerror(-err));
			break;
		}
		r->res->nr_aggregations++;
		if (nr)
			r->res->max_nr_accesses = snaps[0].max_nr_accesses;
		update_coverage(r);
		if (!reap(r))
			break;
		if (r->cfg->on_snapshots &&
		    (err = r->cfg->on_snapshots(r->cfg->snapshots_ctx, snaps, nr))) {
			st = say(r, UDAMOS_ERR_RUNTIME, "recording failed: %s", strerror(-err));
			break;
		}
		pace_targets(r, &act, nr ? snaps[0].aggr_us : 0);
		udamos_madvise_begin_pass(&act);
		err = udamos_engine_feed(&e, snaps, nr);
		if (err) {
			st = say(r, UDAMOS_ERR_RUNTIME, "applying schemes: %s", strerror(-err));
			break;
		}
		if (!reap(r))
			break;
		measure_targets(r, &env, snaps, nr);
		/* Each aggregation: a daemon publishes them as they go. */
		action_costs(r, &act);
		/* After the pass, so that a goal the pass moved is fed now,
		 * not one aggregation (up to 10 s when flushing) later. */
		if (r->nr_kschemes && udamos_now_us() >= next_stats_us) {
			delegated_stats(r);
			feed_goals(r, &env);
			next_stats_us = udamos_now_us() + 1000000;
		}
		r->res->elapsed_us = udamos_now_us() - t0;
		r->res->cpu_us = udamos_self_cpu_us() - cpu0;
		kernel_cpu(r, kpid, kcpu0);
		show_progress(r, r->res->elapsed_us);
		if (r->cfg->on_tick && !r->cfg->on_tick(r->cfg->tick_ctx, r->res))
			break;
		if (r->cfg->duration_us && udamos_now_us() - t0 >= r->cfg->duration_us)
			break;
	}
	if (r->nr_kschemes)
		delegated_stats(r);
	if (r->cfg->progress)
		fputc('\n', r->cfg->progress);
	r->res->elapsed_us = udamos_now_us() - t0;
	r->res->cpu_us = udamos_self_cpu_us() - cpu0;
	kernel_cpu(r, kpid, kcpu0);
	/* The loop leaves before its own call when applying fails or the
	 * targets are gone; the result still says what the actions cost. */
	action_costs(r, &act);
	udamos_engine_release(&e);
	if (act.warm)
		udamos_hugewarm_close(act.warm);
	udamos_madvise_release(&act);
	return st;
}

/* The window ages kept for these processes by an earlier run. */
static void carry_in(struct run *r)
{
	if (!r->cfg->carry)
		return;
	for (size_t i = 0; i < r->nr_opened; i++)
		udamos_age_carry_take(r->cfg->carry, r->targets[i].pid,
				      r->targets[i].start_ticks, &r->ages[i]);
	/* What no target of this run took belongs to processes it left. */
	udamos_age_carry_release(r->cfg->carry);
}

/* Keeps the ages of the targets that live on, for the next run. */
static void carry_out(struct run *r)
{
	for (size_t i = 0; i < r->nr_opened; i++) {
		if (r->cfg->carry && !r->targets[i].gone &&
		    udamos_pidfd_alive(r->targets[i].pidfd))
			udamos_age_carry_keep(r->cfg->carry, r->targets[i].pid,
					      r->targets[i].start_ticks, &r->ages[i]);
		udamos_window_ages_release(&r->ages[i]);
	}
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
	carry_in(&r);
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
	carry_out(&r);
	for (size_t i = 0; i < r.nr_opened; i++)
		udamos_target_close(&r.targets[i]);
	return st;
}
