// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udamos record: writes a running process's monitoring snapshots, with its
 * mappings and huge-page coverage as they change, to a recording
 * (docs/record-format.md) for the report and simulate commands.  It only
 * watches: no scheme is applied.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/units.h"
#include "core/vec.h"
#include "record/record.h"
#include "sys/clock.h"
#include "sys/faultcost.h"
#include "sys/outfile.h"
#include "sys/target.h"

static const char record_usage[] =
"usage: udamos record --pid PID [--pid PID...] [-o FILE] [--duration TIME]\n"
"                     [--source auto|vaddr|paddr|shared|oracle:MODEL]\n"
"                     [--tlb_flush auto|on|off] [--quiet]\n"
"\n"
"Records the processes' access snapshots, with their mappings and which\n"
"2 MiB windows are huge pages as those change, to FILE (default\n"
"udamos.rec), until TIME passes, the processes exit or Ctrl-C.  Applies no\n"
"scheme.  Read it with 'udamos report' and 'udamos simulate'.  The monitor\n"
"is chosen as for 'udamos run' and named on stderr.\n";

struct recorder {
	struct udamos_rec_writer w;
	struct udamos_target targets[UDAMOS_MAX_TARGETS];
	size_t nr_targets;
	/* last written layout and coverage per target, to write changes only */
	struct udamos_rec_ranges last_vmas[UDAMOS_MAX_TARGETS], last_huge[UDAMOS_MAX_TARGETS];
	struct udamos_rec_ranges last_anon[UDAMOS_MAX_TARGETS];
	uint64_t next_layout_us, start_us, next_progress_us;
	bool quiet, attrs_written, progress_shown;
	const struct udamos_run_result *res;	/* names the monitor */
};

static bool same_ranges(const struct udamos_rec_ranges *a, const struct udamos_rec_ranges *b)
{
	return a->nr == b->nr && (!a->nr || !memcmp(a->r, b->r, a->nr * sizeof(*a->r)));
}

/*
 * Appends [start, end); with merge, joins it to the last range when they
 * touch (huge windows), else keeps it apart (mappings stay mappings).
 */
static int add_range(struct udamos_rec_ranges *rr, size_t *cap, uint64_t start, uint64_t end,
		     bool merge)
{
	if (merge && rr->nr && rr->r[rr->nr - 1].end == start) {
		rr->r[rr->nr - 1].end = end;
		return 0;
	}
	if (udamos_reserve(&rr->r, cap, rr->nr + 1, sizeof(*rr->r)))
		return -ENOMEM;
	rr->r[rr->nr++] = (struct udamos_rec_range){ start, end };
	return 0;
}

/* Writes rr if it differs from *last, which then takes it over. */
static int put_if_changed(struct recorder *rc, enum udamos_rec_type type,
			  struct udamos_rec_ranges *rr, struct udamos_rec_ranges *last)
{
	int err = 0;

	if (!same_ranges(rr, last) || !last->time_us)
		err = udamos_rec_put_ranges(&rc->w, type, rr);
	free(last->r);
	*last = *rr;
	return err;
}

/* The mappings, and the huge 2 MiB windows of the anonymous ones. */
static int record_layout(struct recorder *rc, size_t i, uint64_t now_us)
{
	struct udamos_target *t = &rc->targets[i];
	struct udamos_rec_ranges vmas = { .target = (uint32_t)i, .time_us = now_us };
	struct udamos_rec_ranges huge = { .target = (uint32_t)i, .time_us = now_us };
	struct udamos_rec_ranges anon = { .target = (uint32_t)i, .time_us = now_us };
	size_t cap_v = 0, cap_h = 0, cap_a = 0;
	int err;

	t->vmas_fresh = false;
	err = udamos_target_vmas(t);
	for (size_t k = 0; !err && k < t->nr_vmas; k++) {
		const struct udamos_vma *v = &t->vmas[k];

		err = add_range(&vmas, &cap_v, v->start, v->end, false);
		if (!v->anon || err)
			continue;
		err = add_range(&anon, &cap_a, v->start, v->end, true);
		for (uint64_t a = (v->start + udamos_huge_size() - 1) & ~(udamos_huge_size() - 1);
		     !err && a + udamos_huge_size() <= v->end; a += udamos_huge_size())
			if (udamos_window_is_huge(&t->pm, a))
				err = add_range(&huge, &cap_h, a, a + udamos_huge_size(), true);
	}
	if (err) {
		free(vmas.r);
		free(anon.r);
		free(huge.r);
		return err == -ESRCH ? 0 : err;	/* a target that exited has no layout */
	}
	{
		/* Each call takes its ranges over, so all three run. */
		int e1 = put_if_changed(rc, UDAMOS_REC_VMAS, &vmas, &rc->last_vmas[i]);
		int e2 = put_if_changed(rc, UDAMOS_REC_ANON, &anon, &rc->last_anon[i]);
		int e3 = put_if_changed(rc, UDAMOS_REC_HUGE, &huge, &rc->last_huge[i]);

		err = e1 ? e1 : e2 ? e2 : e3;
	}
	return err;
}

static int on_snapshots(void *ctx, const struct udamos_snapshot *snaps, size_t nr)
{
	struct recorder *rc = ctx;
	uint64_t now = udamos_now_us();
	int err = 0;

	if (!rc->attrs_written && nr) {
		uint64_t max = snaps[0].max_nr_accesses ? snaps[0].max_nr_accesses : 1;

		err = udamos_rec_put_attrs(&rc->w, snaps[0].aggr_us / max, snaps[0].aggr_us);
		if (!err)
			err = udamos_rec_put_monitor(&rc->w, rc->res->source, rc->res->monitor);
		rc->attrs_written = true;
	}
	if (!err && now >= rc->next_layout_us) {
		for (size_t i = 0; !err && i < rc->nr_targets; i++)
			err = record_layout(rc, i, snaps[0].time_us);
		rc->next_layout_us = now + 1000000;
	}
	for (size_t i = 0; !err && i < nr; i++)
		err = udamos_rec_put_snapshot(&rc->w, &snaps[i]);
	if (!rc->quiet && now >= rc->next_progress_us) {
		char b[32];

		fprintf(stderr, "\rrecording: %.0f s, %" PRIu64 " snapshots, %s   ",
			(double)(now - rc->start_us) / 1e6, rc->w.nr_snapshots,
			udamos_fmt_size(rc->w.bytes, b, sizeof(b)));
		rc->next_progress_us = now + 1000000;
		rc->progress_shown = true;
	}
	return err;
}

int cmd_record(int argc, char **argv)
{
	struct udamos_run_cfg cfg = { 0 };
	struct udamos_run_result res;
	struct recorder *rc = calloc(1, sizeof(*rc));
	const char *out = "udamos.rec";
	char why[512];
	enum udamos_status st;
	FILE *f;
	int err = 0;

	if (!rc)
		return cli_fail(UDAMOS_ERR_RUNTIME, "out of memory");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t x;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(record_usage, stdout);
			free(rc);
			return 0;
		}
		if (!strcmp(a, "--quiet")) {
			rc->quiet = true;
			continue;
		}
		if (!v) {
			free(rc);
			return cli_fail(UDAMOS_ERR_INPUT, "%s: needs a value; see 'udamos record --help'", a);
		}
		i++;
		if (!strcmp(a, "--pid")) {
			int st = cfg.nr_pids == UDAMOS_MAX_TARGETS ?
				cli_fail(UDAMOS_ERR_INPUT, "--pid: at most %d targets",
					 UDAMOS_MAX_TARGETS) :
				cli_parse_pid(v, &cfg.pids[cfg.nr_pids]);

			if (st) {
				free(rc);
				return st;
			}
			cfg.nr_pids++;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			out = v;
		} else if (!strcmp(a, "--duration")) {
			if (udamos_parse_time_us(v, 1000000, &x) || !x) {
				free(rc);
				return cli_fail(UDAMOS_ERR_INPUT, "--duration %s: give a time such as "
						"30s", v);
			}
			cfg.duration_us = x == UDAMOS_UNLIMITED ? 0 : x;
		} else if (!strcmp(a, "--source") || !strcmp(a, "--tlb_flush")) {
			int st = a[2] == 's' ? cli_check_source(v) : cli_parse_tlb_flush(v, &cfg.flush);

			if (st) {
				free(rc);
				return st;
			}
			if (a[2] == 's')
				cfg.source = v;
		} else {
			free(rc);
			return cli_fail(UDAMOS_ERR_INPUT, "unknown option '%s'; see 'udamos record "
					"--help'", a);
		}
	}
	if (!cfg.nr_pids) {
		free(rc);
		return cli_fail(UDAMOS_ERR_INPUT, "no target; give --pid PID");
	}
	for (size_t i = 0; i < cfg.nr_pids && !err; i++) {
		err = udamos_target_open(&rc->targets[i], cfg.pids[i]);
		if (err) {
			for (size_t k = 0; k < i; k++)
				udamos_target_close(&rc->targets[k]);
			free(rc);
			return cli_fail(err == -ESRCH ? UDAMOS_ERR_INPUT : UDAMOS_ERR_RUNTIME,
					"--pid %d: %s", cfg.pids[i], err == -ESRCH ?
					"no such process; check the PID" : strerror(-err));
		}
		rc->nr_targets++;
	}
	f = udamos_outfile_open(out, true, 0600);
	if (!f && errno == EEXIST)
		err = cli_fail(UDAMOS_ERR_INPUT, "-o %s: the file (or a link) exists; udamos does "
			       "not overwrite recordings, so remove it or give another name", out);
	else if (!f)
		err = cli_fail(UDAMOS_ERR_INPUT, "-o %s: cannot create it (%s)", out, strerror(errno));
	if (!err)
		err = udamos_rec_open(&rc->w, f) ? cli_fail(UDAMOS_ERR_RUNTIME, "-o %s: cannot "
							     "write", out) : 0;
	for (size_t i = 0; !err && i < rc->nr_targets; i++) {
		struct udamos_rec_target t = { .idx = (uint32_t)i, .pid = cfg.pids[i] };
		char path[64];
		FILE *c;

		snprintf(path, sizeof(path), "/proc/%d/comm", cfg.pids[i]);
		c = fopen(path, "re");
		if (c && fgets(t.comm, sizeof(t.comm), c))
			t.comm[strcspn(t.comm, "\n")] = '\0';
		if (c)
			fclose(c);
		if (udamos_rec_put_target(&rc->w, &t))
			err = cli_fail(UDAMOS_ERR_RUNTIME, "-o %s: cannot write", out);
	}
	if (!err) {
		/* Timed before monitoring starts; simulate's collapse_hold asks
		 * it as a live run does.  Not timed counts as cheap there too. */
		uint64_t fault_ns;

		if (udamos_minor_fault_ns(&fault_ns))
			fault_ns = 0;
		if (udamos_rec_put_host(&rc->w, fault_ns))
			err = cli_fail(UDAMOS_ERR_RUNTIME, "-o %s: cannot write", out);
	}
	if (err) {
		if (f)
			fclose(f);
		for (size_t i = 0; i < rc->nr_targets; i++)
			udamos_target_close(&rc->targets[i]);
		free(rc);
		return err;
	}
	udamos_mon_attrs_default(&cfg.attrs);
	cfg.log = stderr;
	cfg.on_snapshots = on_snapshots;
	cfg.snapshots_ctx = rc;
	rc->res = &res;
	rc->start_us = udamos_now_us();
	udamos_run_install_signals();
	st = udamos_run(&cfg, &res, why, sizeof(why));
	if (rc->progress_shown)
		fprintf(stderr, "\n");
	if (fclose(f) && !st) {
		st = UDAMOS_ERR_RUNTIME;
		snprintf(why, sizeof(why), "-o %s: the last records could not be written (%s); "
			 "what came before them reads back", out, strerror(errno));
	}
	for (size_t i = 0; i < rc->nr_targets; i++) {
		free(rc->last_vmas[i].r);
		free(rc->last_huge[i].r);
		free(rc->last_anon[i].r);
		udamos_target_close(&rc->targets[i]);
	}
	if (st) {
		/* Nothing recorded: leave no file to block the retry. */
		if (!rc->w.nr_snapshots)
			unlink(out);
		free(rc);
		return cli_fail(st, "%s", why);
	}
	if (!rc->quiet)
		printf("recorded %" PRIu64 " snapshots of %zu target%s (%s) to %s; monitoring: "
		       "%s\n", rc->w.nr_snapshots, rc->nr_targets, rc->nr_targets > 1 ? "s" : "",
		       udamos_fmt_size(rc->w.bytes, why, 32), out, cli_monitoring_label(&res));
	free(rc);
	return 0;
}
