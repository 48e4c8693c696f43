// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's loop; see daemon.h.
 *
 * Targets come and go between runs: one run (run/runner.h) serves a fixed
 * set of targets, all contexts at once, each scheme limited to its
 * context's targets.  A target that exits is dropped by the run itself;
 * a new process, or a new config, ends the run at its next aggregation
 * and starts another with the new set.  Counters are kept here across
 * runs, so that what is reported only ever grows.
 */
#include "daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/scheme_fields.h"
#include "core/vec.h"
#include "daemon/config.h"
#include "daemon/discover.h"
#include "daemon/view.h"
#include "sys/clock.h"
#include "sys/ctlsock.h"
#include "sys/log.h"
#include "sys/notify.h"
#include "sys/outfile.h"
#include "sys/procscan.h"
#include "sys/rundir.h"

/* Per target, how often its memory and hot set are measured for status. */
#define MEASURE_US 5000000ULL
/* A refused start (no monitor now, say) is retried after this, doubling. */
#define RETRY_MIN_US 2000000ULL
#define RETRY_MAX_US 60000000ULL

static volatile int reload_requested;

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

/* Cumulative stats of one scheme of one context, over finished runs. */
struct total {
	char context[UDAMOS_DAEMON_NAME_LEN];
	size_t index;
	enum udamos_action action;
	struct udamos_stats st;
};

struct daemon {
	const char *cfg_path;
	struct udamos_daemon_cfg cfg, pending;
	bool have_pending;
	struct udamos_discovery disc;
	char cgroup_root[256];		/* where cgroup v2 is mounted */
	uint64_t t0, next_discovery_us;

	struct total *totals;
	size_t nr_totals, cap_totals;

	/* the run on now */
	struct udamos_scheme *schemes;
	size_t nr_schemes;
	size_t *scheme_total;		/* each run scheme's index in totals */
	pid_t pids[UDAMOS_MAX_TARGETS];
	uint32_t ctx_of[UDAMOS_MAX_TARGETS];
	/* Read when the run is built, not at each publish (every
	 * aggregation, up to ten a second): the name is for people. */
	char comm[UDAMOS_MAX_TARGETS][16];
	size_t nr_pids;
	const struct udamos_run_result *res;
	bool running;

	/* refused at a start (THP disabled, no access): left out while alive */
	pid_t refused[UDAMOS_MAX_TARGETS];
	size_t nr_refused;

	/* from finished runs */
	uint64_t runs, reloads, reload_failures, attached, exited;
	uint64_t flushes, aggregations, kernel_cpu_us;
	uint64_t warmed, warm_ns;	/* huge pages made ready (sys/hugewarm.h) */
	pid_t known[UDAMOS_MAX_TARGETS];	/* the last run's targets */
	size_t nr_known;
	/* Their window ages: a run started for a newcomer goes on from
	 * where the last one left the others. */
	struct udamos_age_carry carry;

	pthread_mutex_t lock;		/* guards the published texts */
	char *json, *text, *metrics;
	struct udamos_ctl ctl;
};

/* The index of the entry in totals, made if new; -1: out of memory. */
static ssize_t total_of(struct daemon *d, const char *context, size_t index,
			enum udamos_action action)
{
	struct total *t;

	for (size_t i = 0; i < d->nr_totals; i++) {
		t = &d->totals[i];
		if (!strcmp(t->context, context) && t->index == index && t->action == action)
			return (ssize_t)i;
	}
	if (udamos_reserve(&d->totals, &d->cap_totals, d->nr_totals + 1, sizeof(*d->totals)))
		return -1;
	t = &d->totals[d->nr_totals];
	memset(t, 0, sizeof(*t));
	snprintf(t->context, sizeof(t->context), "%s", context);
	t->index = index;
	t->action = action;
	return (ssize_t)d->nr_totals++;
}

static void add_stats(struct udamos_stats *to, const struct udamos_stats *from)
{
	to->nr_tried += from->nr_tried;
	to->sz_tried += from->sz_tried;
	to->nr_applied += from->nr_applied;
	to->sz_applied += from->sz_applied;
	to->sz_ops_filter_passed += from->sz_ops_filter_passed;
	to->qt_exceeds += from->qt_exceeds;
	to->sz_table_filled += from->sz_table_filled;
	to->nr_tables_held += from->nr_tables_held;
	for (int e = 0; e < UDAMOS_NR_FAIL_SLOTS; e++)
		to->nr_failed[e] += from->nr_failed[e];
}

/* ---- what is reported ---- */

static void view_schemes(struct daemon *d, struct udamos_daemon_view *v)
{
	const struct udamos_daemon_cfg *cfg = &d->cfg;
	size_t n = 0;

	for (size_t c = 0; c < cfg->nr_contexts; c++)
		n += cfg->contexts[c].nr_schemes;
	v->schemes = calloc(n ? n : 1, sizeof(*v->schemes));
	if (!v->schemes)
		return;
	for (size_t c = 0; c < cfg->nr_contexts; c++) {
		const struct udamos_context *ctx = &cfg->contexts[c];

		for (size_t j = 0; j < ctx->nr_schemes; j++) {
			struct udamos_scheme_view *sv = &v->schemes[v->nr_schemes++];
			const struct udamos_scheme *s = &ctx->schemes[j];
			ssize_t t = total_of(d, ctx->name, j, s->action);

			snprintf(sv->context, sizeof(sv->context), "%s", ctx->name);
			sv->index = j;
			sv->action = udamos_action_name(s->action);
			if (t >= 0)
				sv->stats = d->totals[t].st;
			/* The run's live copy of this scheme, if it has one. */
			for (size_t r = 0; d->running && r < d->nr_schemes; r++) {
				if ((ssize_t)d->scheme_total[r] != t)
					continue;
				add_stats(&sv->stats, &d->schemes[r].stats);
				sv->effective_quota_bytes = d->schemes[r].state.esz;
				s = &d->schemes[r];
				break;
			}
			sv->nr_goals = s->quota.nr_goals;
			for (size_t g = 0; g < s->quota.nr_goals; g++) {
				sv->goal_metric[g] = udamos_goal_metric_name(s->quota.goals[g].metric);
				sv->goal_target[g] = s->quota.goals[g].target_value;
				sv->goal_current[g] = s->quota.goals[g].current_value;
			}
		}
	}
}

static void view_targets(struct daemon *d, struct udamos_daemon_view *v)
{
	v->targets = calloc(d->nr_pids ? d->nr_pids : 1, sizeof(*v->targets));
	if (!v->targets || !d->running || !d->res)
		return;
	for (size_t i = 0; i < d->res->nr_targets && i < d->nr_pids; i++) {
		const struct udamos_run_target *rt = &d->res->targets[i];
		struct udamos_target_view *t;

		if (rt->exited)
			continue;
		t = &v->targets[v->nr_targets++];
		t->pid = rt->pid;
		snprintf(t->context, sizeof(t->context), "%s",
			 d->cfg.contexts[d->ctx_of[i]].name);
		snprintf(t->comm, sizeof(t->comm), "%s", d->comm[i]);
		t->measured = rt->measured;
		t->rss = rt->rss_now;
		t->anon_huge = rt->anon_huge_now;
		t->hot = rt->hot;
		t->hot_huge = rt->hot_huge;
		t->lock = rt->lock;
	}
}

static size_t exited_now(const struct daemon *d)
{
	size_t n = 0;

	for (size_t i = 0; d->running && d->res && i < d->res->nr_targets; i++)
		n += d->res->targets[i].exited;
	return n;
}

/* Builds the view and publishes its three renderings. */
static void publish(struct daemon *d)
{
	struct udamos_daemon_view v = {
		.config_path = d->cfg_path, .running = d->running,
		.uptime_us = udamos_now_us() - d->t0, .cpu_us = udamos_self_cpu_us(),
		.runs = d->runs, .reloads = d->reloads, .reload_failures = d->reload_failures,
		.targets_attached = d->attached, .targets_exited = d->exited + exited_now(d),
		.discovery_scans = d->disc.nr_scans, .matching = d->disc.nr_matching,
		.tlb_flushes = d->flushes, .aggregations = d->aggregations,
		.kernel_cpu_us = d->kernel_cpu_us,
		.warmed_huge_pages = d->warmed, .warm_ns = d->warm_ns,
	};
	char *json, *text, *metrics;

	if (d->running && d->res) {
		const struct udamos_run_result *r = d->res;

		snprintf(v.monitor, sizeof(v.monitor), "%s", r->monitor);
		snprintf(v.source, sizeof(v.source), "%s", r->source);
		v.tlb_flushes += r->tlb_flushes;
		v.aggregations += r->nr_aggregations;
		v.warmed_huge_pages += r->nr_warmed;
		v.warm_ns += r->warm_ns;
		v.fault_ns = r->fault_ns;
		v.churn_spacing = r->churn_spacing;
		v.collapse_hold = r->collapse_hold;
		if (strcmp(r->source, "shared"))
			v.kernel_cpu_us += r->kernel_cpu_us;
		for (size_t i = 0; i < r->nr_targets; i++)
			if (!r->targets[i].exited && r->targets[i].coverage_known) {
				v.watched += r->targets[i].watched;
				v.resident += r->targets[i].resident;
			}
	}
	view_schemes(d, &v);
	view_targets(d, &v);
	json = udamos_view_json(&v);
	text = udamos_view_text(&v);
	metrics = udamos_view_metrics(&v);
	free(v.schemes);
	free(v.targets);
	if (metrics && d->cfg.metrics_textfile) {
		char why[256];

		/* Written whole, then renamed: node_exporter never reads half. */
		if (udamos_outfile_replace(d->cfg.metrics_textfile, metrics, strlen(metrics),
					   0644, why, sizeof(why)))
			udamos_log(UDAMOS_LOG_WARNING, "%s", why);
	}
	pthread_mutex_lock(&d->lock);
	free(d->json);
	free(d->text);
	free(d->metrics);
	d->json = json;
	d->text = text;
	d->metrics = metrics;
	pthread_mutex_unlock(&d->lock);
}

/* The control socket's answers: the last published texts. */
static char *answer(void *ctx, const char *request)
{
	struct daemon *d = ctx;
	char *out = NULL;

	pthread_mutex_lock(&d->lock);
	if (!strcmp(request, "status json"))
		out = d->json ? strdup(d->json) : NULL;
	else if (!strcmp(request, "status"))
		out = d->text ? strdup(d->text) : NULL;
	else if (!strcmp(request, "metrics"))
		out = d->metrics ? strdup(d->metrics) : NULL;
	else
		out = strdup("error: unknown request; send 'status', 'status json' or 'metrics'");
	pthread_mutex_unlock(&d->lock);
	return out;
}

/* ---- config ---- */

static void try_reload(struct daemon *d)
{
	struct udamos_daemon_cfg next;
	char why[512];

	reload_requested = 0;
	udamos_notify("RELOADING=1");
	if (udamos_daemon_cfg_load(d->cfg_path, &next, why, sizeof(why))) {
		d->reload_failures++;
		udamos_log(UDAMOS_LOG_ERR, "reload refused, the running config stays: %s", why);
		udamos_notify("READY=1\nSTATUS=reload refused; the running config stays");
		return;
	}
	if (d->have_pending)
		udamos_daemon_cfg_release(&d->pending);
	d->pending = next;
	d->have_pending = true;
}

/* Do the two configs monitor alike, so that window ages carry over? */
static bool same_monitoring(const struct udamos_daemon_cfg *a, const struct udamos_daemon_cfg *b)
{
	return !strcmp(a->source ? a->source : "", b->source ? b->source : "") &&
	       a->attrs_given == b->attrs_given &&
	       (!a->attrs_given || udamos_mon_attrs_same(&a->attrs, &b->attrs)) &&
	       a->flush.mode == b->flush.mode && a->flush.min_period_us == b->flush.min_period_us;
}

static void apply_pending(struct daemon *d)
{
	if (!d->have_pending)
		return;
	/* Ages are in the old monitor's terms (its rates, its intervals). */
	if (!same_monitoring(&d->cfg, &d->pending))
		udamos_age_carry_release(&d->carry);
	udamos_daemon_cfg_release(&d->cfg);
	d->cfg = d->pending;
	d->have_pending = false;
	d->reloads++;
	d->next_discovery_us = 0;
	udamos_discovery_forget(&d->disc);
	udamos_log(UDAMOS_LOG_NOTICE, "reloaded %s: %zu context%s", d->cfg_path,
		   d->cfg.nr_contexts, d->cfg.nr_contexts == 1 ? "" : "s");
	udamos_notify("READY=1\nSTATUS=config reloaded");
}

/* ---- targets ---- */

static bool was_refused(const struct daemon *d, pid_t pid)
{
	for (size_t i = 0; i < d->nr_refused; i++)
		if (d->refused[i] == pid)
			return true;
	return false;
}

/* Forgets refusals of processes that are gone (their PIDs may return). */
static void prune_refused(struct daemon *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nr_refused; i++)
		if (!kill(d->refused[i], 0) || errno != ESRCH)
			d->refused[n++] = d->refused[i];
	d->nr_refused = n;
}

static int discover(struct daemon *d)
{
	int err = udamos_discover(&d->disc, &d->cfg, d->cgroup_root, getpid(),
				  UDAMOS_MAX_TARGETS);

	if (err)
		udamos_log(UDAMOS_LOG_WARNING, "looking for targets failed: %s", strerror(-err));
	d->next_discovery_us = udamos_now_us() + d->cfg.discovery_us;
	return err;
}

/* Is any process found that a run could take? */
static bool servable(const struct daemon *d)
{
	for (size_t i = 0; i < d->disc.nr; i++)
		if (!was_refused(d, d->disc.found[i].pid))
			return true;
	return false;
}

/* Is any process found that the run on now does not serve?  A target
 * that exited and is found again is a new process on its PID. */
static bool newcomers(const struct daemon *d)
{
	for (size_t i = 0; i < d->disc.nr; i++) {
		const struct udamos_found *f = &d->disc.found[i];
		size_t j = 0;

		if (was_refused(d, f->pid))
			continue;
		while (j < d->nr_pids && d->pids[j] != f->pid)
			j++;
		if (j == d->nr_pids || d->ctx_of[j] != f->context ||
		    (d->res && j < d->res->nr_targets && d->res->targets[j].exited))
			return true;
	}
	return false;
}

/* ---- one run ---- */

static bool on_tick(void *ctx, const struct udamos_run_result *res)
{
	struct daemon *d = ctx;

	d->res = res;
	if (reload_requested)
		try_reload(d);
	publish(d);
	if (d->have_pending)
		return false;
	if (udamos_now_us() >= d->next_discovery_us && !discover(d) && newcomers(d)) {
		udamos_log(UDAMOS_LOG_INFO, "new targets found; starting a run that takes them");
		return false;
	}
	return true;
}

static void free_run(struct daemon *d)
{
	for (size_t i = 0; i < d->nr_schemes; i++)
		udamos_scheme_release(&d->schemes[i]);
	free(d->schemes);
	free(d->scheme_total);
	d->schemes = NULL;
	d->scheme_total = NULL;
	d->nr_schemes = 0;
}

/* The run's schemes: each context's, limited to its targets. */
static int build_run(struct daemon *d)
{
	size_t n = 0;

	d->nr_pids = 0;
	for (size_t i = 0; i < d->disc.nr; i++) {
		if (was_refused(d, d->disc.found[i].pid))
			continue;
		d->pids[d->nr_pids] = d->disc.found[i].pid;
		if (udamos_proc_comm(d->pids[d->nr_pids], d->comm[d->nr_pids],
				     sizeof(d->comm[0])))
			snprintf(d->comm[d->nr_pids], sizeof(d->comm[0]), "?");
		d->ctx_of[d->nr_pids++] = d->disc.found[i].context;
	}
	for (size_t c = 0; c < d->cfg.nr_contexts; c++)
		n += d->cfg.contexts[c].nr_schemes;
	d->schemes = calloc(n ? n : 1, sizeof(*d->schemes));
	d->scheme_total = calloc(n ? n : 1, sizeof(*d->scheme_total));
	if (!d->schemes || !d->scheme_total)
		return -ENOMEM;
	for (size_t c = 0; c < d->cfg.nr_contexts; c++) {
		const struct udamos_context *ctx = &d->cfg.contexts[c];
		uint64_t mask = 0;

		for (size_t i = 0; i < d->nr_pids; i++)
			if (d->ctx_of[i] == c)
				mask |= 1ULL << i;
		if (!mask)
			continue;	/* 0 would mean every target */
		for (size_t j = 0; j < ctx->nr_schemes; j++) {
			struct udamos_scheme *s = &d->schemes[d->nr_schemes];
			ssize_t t = total_of(d, ctx->name, j, ctx->schemes[j].action);

			*s = ctx->schemes[j];
			memset(&s->stats, 0, sizeof(s->stats));
			memset(&s->state, 0, sizeof(s->state));
			s->targets = mask;
			if (t < 0)
				return -ENOMEM;
			d->scheme_total[d->nr_schemes++] = (size_t)t;
		}
	}
	return 0;
}

static void count_attached(struct daemon *d)
{
	for (size_t i = 0; i < d->nr_pids; i++) {
		size_t j = 0;

		while (j < d->nr_known && d->known[j] != d->pids[i])
			j++;
		if (j == d->nr_known) {
			d->attached++;
			udamos_log(UDAMOS_LOG_INFO, "target PID %d (context %s) attached",
				   (int)d->pids[i], d->cfg.contexts[d->ctx_of[i]].name);
		}
	}
}

/* Adds a finished run's figures to the totals. */
static void settle_run(struct daemon *d, const struct udamos_run_result *res)
{
	for (size_t i = 0; i < d->nr_schemes; i++)
		add_stats(&d->totals[d->scheme_total[i]].st, &d->schemes[i].stats);
	d->flushes += res->tlb_flushes;
	d->aggregations += res->nr_aggregations;
	d->warmed += res->nr_warmed;
	d->warm_ns += res->warm_ns;
	if (strcmp(res->source, "shared"))
		d->kernel_cpu_us += res->kernel_cpu_us;
	d->nr_known = 0;
	for (size_t i = 0; i < res->nr_targets; i++) {
		if (res->targets[i].exited)
			d->exited++;
		else
			d->known[d->nr_known++] = res->targets[i].pid;
	}
}

/* One run over the targets found; returns its status. */
static enum udamos_status run_once(struct daemon *d, FILE *runlog, char *why, size_t len)
{
	struct udamos_run_result *res = calloc(1, sizeof(*res));
	struct udamos_run_cfg rc = {
		.source = d->cfg.source, .attrs = d->cfg.attrs, .attrs_given = d->cfg.attrs_given,
		.flush = d->cfg.flush, .lock_ns_per_s = d->cfg.lock_ns_per_s,
		.bloat_budget = d->cfg.bloat_budget, .collapse_warm = d->cfg.collapse_warm,
		.churn_spacing = d->cfg.churn_spacing, .collapse_hold = d->cfg.collapse_hold,
		.log = runlog, .on_tick = on_tick,
		.tick_ctx = d, .target_stats_us = MEASURE_US, .carry = &d->carry,
	};
	enum udamos_status st;

	if (!res || build_run(d)) {
		free(res);
		free_run(d);
		snprintf(why, len, "out of memory");
		return UDAMOS_ERR_RUNTIME;
	}
	memcpy(rc.pids, d->pids, d->nr_pids * sizeof(pid_t));
	rc.nr_pids = d->nr_pids;
	rc.schemes = d->schemes;
	rc.nr_schemes = d->nr_schemes;
	count_attached(d);
	d->runs++;
	d->running = true;
	d->res = res;
	st = udamos_run(&rc, res, why, len);
	if (st && res->refused_pid && d->nr_refused < UDAMOS_MAX_TARGETS) {
		d->refused[d->nr_refused++] = res->refused_pid;
		udamos_log(UDAMOS_LOG_WARNING, "left out PID %d: %s", (int)res->refused_pid, why);
		st = UDAMOS_OK;	/* the next run goes on without it */
	}
	settle_run(d, res);
	d->running = false;
	d->res = NULL;
	free_run(d);
	free(res);
	return st;
}

/* Sleeps until t or a signal that asks for something. */
static void idle_until(uint64_t t)
{
	while (!udamos_stop_requested && !reload_requested && udamos_now_us() < t)
		udamos_sleep_ms(100);
}

/* ---- start and end ---- */

static int lock_instance(char *why, size_t len)
{
	int fd = open(UDAMOS_RUN_DIR "/daemon.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(why, len, "cannot open %s/daemon.lock: %s", UDAMOS_RUN_DIR, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		snprintf(why, len, "another udamos daemon runs on this machine (it holds %s/daemon."
			 "lock); one serves the whole machine, so stop it first", UDAMOS_RUN_DIR);
		close(fd);
		return -1;
	}
	return fd;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_hup };

	udamos_run_install_signals();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void serve(struct daemon *d, FILE *runlog)
{
	uint64_t retry_us = RETRY_MIN_US;
	char why[512];

	while (!udamos_stop_requested) {
		enum udamos_status st;

		if (reload_requested)
			try_reload(d);
		apply_pending(d);
		prune_refused(d);
		discover(d);
		if (!servable(d)) {
			publish(d);
			idle_until(d->next_discovery_us);
			continue;
		}
		st = run_once(d, runlog, why, sizeof(why));
		publish(d);
		if (st == UDAMOS_OK) {
			retry_us = RETRY_MIN_US;
			continue;
		}
		udamos_log(UDAMOS_LOG_ERR, "%s; trying again in %llu s", why,
			   (unsigned long long)(retry_us / 1000000));
		idle_until(udamos_now_us() + retry_us);
		retry_us = retry_us * 2 > RETRY_MAX_US ? RETRY_MAX_US : retry_us * 2;
	}
}

enum udamos_status udamos_daemon_main(const char *config_path)
{
	struct daemon d = { .cfg_path = config_path, .t0 = udamos_now_us() };
	FILE *runlog;
	char why[512];
	int lock_fd;

	if (udamos_daemon_cfg_load(config_path, &d.cfg, why, sizeof(why))) {
		udamos_log(UDAMOS_LOG_ERR, "%s", why);
		return UDAMOS_ERR_INPUT;
	}
	if (geteuid() != 0) {
		udamos_log(UDAMOS_LOG_ERR, "the daemon needs root (CAP_SYS_ADMIN for DAMON and "
			   "its run directory, CAP_SYS_NICE and CAP_SYS_PTRACE to act on other "
			   "processes); run it as root or from deploy/udamos.service");
		udamos_daemon_cfg_release(&d.cfg);
		return UDAMOS_ERR_ENV;
	}
	if (udamos_rundir_ensure(why, sizeof(why)) || (lock_fd = lock_instance(why,
										 sizeof(why))) < 0) {
		udamos_log(UDAMOS_LOG_ERR, "%s", why);
		udamos_daemon_cfg_release(&d.cfg);
		return UDAMOS_ERR_ENV;
	}
	if (udamos_cgroup2_root(d.cgroup_root, sizeof(d.cgroup_root)))
		snprintf(d.cgroup_root, sizeof(d.cgroup_root), "/sys/fs/cgroup");
	pthread_mutex_init(&d.lock, NULL);
	install_signals();
	publish(&d);
	if (udamos_ctl_start(&d.ctl, d.cfg.control_socket, answer, &d, why, sizeof(why))) {
		udamos_log(UDAMOS_LOG_ERR, "%s", why);
		close(lock_fd);
		udamos_daemon_cfg_release(&d.cfg);
		return UDAMOS_ERR_ENV;
	}
	runlog = udamos_log_stream(UDAMOS_LOG_NOTICE);
	udamos_log(UDAMOS_LOG_NOTICE, "started: config %s, %zu context%s, control socket %s%s%s",
		   config_path, d.cfg.nr_contexts, d.cfg.nr_contexts == 1 ? "" : "s",
		   d.cfg.control_socket, d.cfg.metrics_textfile ? ", metrics " : "",
		   d.cfg.metrics_textfile ? d.cfg.metrics_textfile : "");
	udamos_notify("READY=1\nSTATUS=running");
	serve(&d, runlog ? runlog : stderr);
	udamos_notify("STOPPING=1");
	publish(&d);
	udamos_ctl_stop(&d.ctl);
	udamos_log(UDAMOS_LOG_NOTICE, "stopped: %llu runs, %llu targets attached",
		   (unsigned long long)d.runs, (unsigned long long)d.attached);
	if (runlog)
		fclose(runlog);
	udamos_discovery_release(&d.disc);
	udamos_age_carry_release(&d.carry);
	udamos_daemon_cfg_release(&d.cfg);
	if (d.have_pending)
		udamos_daemon_cfg_release(&d.pending);
	free(d.totals);
	free(d.json);
	free(d.text);
	free(d.metrics);
	pthread_mutex_destroy(&d.lock);
	close(lock_fd);
	return UDAMOS_OK;
}
