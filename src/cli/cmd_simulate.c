// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udamos simulate: replays a recording (report/simulate.c) and reports
 * what the schemes would have done, when, the huge-page memory that would
 * have resulted, and the quota use over time.  Touches no process.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action/dryrun.h"
#include "cli/cli.h"
#include "config/scheme_args.h"
#include "config/scheme_fields.h"
#include "core/lockpace.h"
#include "core/units.h"
#include "core/vec.h"
#include "record/record.h"
#include "report/report.h"
#include "report/simulate.h"
#include "udamos/engine.h"

static const char simulate_usage[] =
"usage: udamos simulate [--schemes FILE.json | --damos_* options]\n"
"                       [--collapse_hold auto|on|off] RECORDING [--json]\n"
"\n"
"Runs the schemes (default: the default collapse scheme) over a recording\n"
"made by 'udamos record', acting on nothing, and reports what they would\n"
"have done and when, the huge-page memory that would have resulted, and\n"
"quota use per reset interval.  Time spent acting is not simulated: a time\n"
"quota binds only through its initial size estimate.\n"
"\n"
"  --collapse_hold auto|on|off\n"
"                 whether collapse schemes hold a page table's first\n"
"                 collapse until its hot set settles, as 'udamos run' does;\n"
"                 auto holds where a page fault cost " UDAMOS_SLOW_FAULT_TEXT " on\n"
"                 the host the recording was made on (recordings since\n"
"                 the host record say; older ones count as cheap), except\n"
"                 for a recording of the oracle\n\n";

/* Whether tables were held, and on what grounds, for people. */
static void print_hold(const struct udamos_sim *s)
{
	double fault_us = (double)s->rec->fault_ns / 1000;

	if (s->hold_tables)
		printf("collapse_hold: on; a page table's first collapse waits until its hot set "
		       "settles");
	else
		printf("collapse_hold: off");
	if (s->rec->fault_ns)
		printf(" (a page fault cost %.0f us where recorded)\n", fault_us);
	else
		printf(" (the recording does not say what a page fault cost)\n");
}

/* What monitored the recording, for people. */
static const char *recorded_monitor(const struct udamos_recording *rec)
{
	if (!strcmp(rec->monitor, "oracle"))
		return "the oracle: a model handed the access pattern, not monitoring; "
			"what it finds is an upper bound";
	if (rec->monitor_desc[0])
		return rec->monitor_desc;
	return rec->monitor[0] ? rec->monitor : "not recorded (a recording older than "
		"the monitor record)";
}

static json_object *scheme_json(const struct udamos_sim *s, const struct udamos_scheme *sc, size_t idx,
				uint64_t t0)
{
	json_object *o = json_object_new_object(), *ev = json_object_new_array();
	json_object *q = json_object_new_array();

	json_object_object_add(o, "action", json_object_new_string(udamos_action_name(sc->action)));
	json_object_object_add(o, "nr_tried", json_object_new_uint64(sc->stats.nr_tried));
	json_object_object_add(o, "sz_tried", json_object_new_uint64(sc->stats.sz_tried));
	json_object_object_add(o, "nr_applied", json_object_new_uint64(sc->stats.nr_applied));
	json_object_object_add(o, "sz_applied", json_object_new_uint64(sc->stats.sz_applied));
	json_object_object_add(o, "qt_exceeds", json_object_new_uint64(sc->stats.qt_exceeds));
	json_object_object_add(o, "nr_tables_held", json_object_new_uint64(sc->stats.nr_tables_held));
	cli_quota_json(o, sc);
	for (size_t i = 0; i < s->dry.nr_events; i++) {
		const struct udamos_dryrun_event *d = &s->dry.events[i];
		json_object *x;

		if (d->scheme != idx)
			continue;
		x = json_object_new_object();
		json_object_object_add(x, "time_s", json_object_new_double((double)(d->time_us - t0) / 1e6));
		json_object_object_add(x, "target", json_object_new_int((int)d->target));
		json_object_object_add(x, "start", json_object_new_uint64(d->start));
		json_object_object_add(x, "end", json_object_new_uint64(d->end));
		json_object_object_add(x, "bytes", json_object_new_uint64(d->bytes));
		json_object_array_add(ev, x);
	}
	json_object_object_add(o, "events", ev);
	for (size_t i = 0; idx < UDAMOS_SIM_MAX_SCHEMES && i < s->nr_quota[idx]; i++) {
		json_object *x = json_object_new_object();
		const struct udamos_sim_quota *p = &s->quota[idx][i];

		json_object_object_add(x, "time_s", json_object_new_double((double)(p->time_us - t0) / 1e6));
		json_object_object_add(x, "charged_bytes", json_object_new_uint64(p->charged));
		json_object_object_add(x, "effective_bytes", p->esz == UINT64_MAX ? NULL :
				       json_object_new_uint64(p->esz));
		json_object_array_add(q, x);
	}
	json_object_object_add(o, "quota", q);
	return o;
}

static void print_human(const struct udamos_sim *s, const char *file, const struct udamos_scheme *sc,
			size_t nr, uint64_t t0, uint64_t t_end, uint64_t huge0, uint64_t huge1)
{
	char a[32], b[32];

	printf("simulated %zu scheme%s over %zu snapshots (%.1f s) of %s; nothing was touched\n"
	       "recorded with monitoring: %s\n", nr, nr > 1 ? "s" : "", s->rec->nr_snaps,
	       (double)(t_end - t0) / 1e6, file, recorded_monitor(s->rec));
	print_hold(s);
	for (size_t i = 0; i < nr; i++) {
		size_t shown = 0, n_ev = 0;

		printf("scheme %zu (%s): tried %" PRIu64 " regions (%s), would apply %s, quota "
		       "exceeded %" PRIu64 " times\n", i, udamos_action_name(sc[i].action),
		       sc[i].stats.nr_tried, udamos_fmt_size(sc[i].stats.sz_tried, a, sizeof(a)),
		       udamos_fmt_size(sc[i].stats.sz_applied, b, sizeof(b)), sc[i].stats.qt_exceeds);
		cli_quota_text(stdout, &sc[i]);
		if (sc[i].stats.nr_tables_held)
			printf("  %" PRIu64 " page table%s held until the hot memory found there "
			       "stopped growing\n", sc[i].stats.nr_tables_held,
			       sc[i].stats.nr_tables_held > 1 ? "s" : "");
		for (size_t k = 0; k < s->dry.nr_events; k++) {
			const struct udamos_dryrun_event *d = &s->dry.events[k];

			if (d->scheme != i)
				continue;
			n_ev++;
			if (shown++ < 12)
				printf("  %7.1fs  target %u  0x%" PRIx64 "-0x%" PRIx64 "  %s\n",
				       (double)(d->time_us - t0) / 1e6, d->target, d->start, d->end,
				       udamos_fmt_size(d->bytes, a, sizeof(a)));
		}
		if (n_ev > 12)
			printf("  ... %zu more (--json lists all)\n", n_ev - 12);
		if (i < UDAMOS_SIM_MAX_SCHEMES && s->nr_quota[i]) {
			uint64_t max = 0;

			for (size_t k = 0; k < s->nr_quota[i]; k++)
				max = s->quota[i][k].charged > max ? s->quota[i][k].charged : max;
			printf("  quota: %zu reset intervals, at most %s used in one\n",
			       s->nr_quota[i], udamos_fmt_size(max, a, sizeof(a)));
		}
	}
	printf("huge-page memory: %s recorded at the start, %s at the end with the simulated "
	       "actions\n", udamos_fmt_size(huge0, a, sizeof(a)), udamos_fmt_size(huge1, b, sizeof(b)));
}

int cmd_simulate(int argc, char **argv)
{
	struct udamos_scheme *schemes = NULL;
	size_t nr = 0;
	const char *file = NULL, *schemes_file = NULL;
	bool json = false;
	enum udamos_collapse_hold hold = UDAMOS_COLLAPSE_HOLD_AUTO;
	struct udamos_recording rec = { 0 };
	struct udamos_sim sim, *s = &sim;
	char why[512];
	int rc = 0, sim_err;

	for (int i = 1; i < argc && !rc; i++) {
		int err = udamos_scheme_arg(&schemes, &nr, argc, argv, &i, why, sizeof(why));

		if (err < 0)
			rc = cli_fail(UDAMOS_ERR_INPUT, "%s", why);
		else if (err > 0)
			continue;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(simulate_usage, stdout);
			fputs(udamos_scheme_args_help, stdout);
			udamos_schemes_free(schemes, nr);
			return 0;
		} else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--schemes") && i + 1 < argc)
			schemes_file = argv[++i];
		else if (!strcmp(argv[i], "--collapse_hold"))
			rc = cli_parse_collapse_hold(i + 1 < argc ? argv[++i] : NULL, &hold);
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else
			rc = cli_fail(UDAMOS_ERR_INPUT, "'%s': unknown option or a second recording; "
				      "see 'udamos simulate --help'", argv[i]);
	}
	if (!rc && !file)
		rc = cli_fail(UDAMOS_ERR_INPUT, "no recording given; make one with 'udamos record "
			      "--pid PID -o FILE'");
	if (!rc)
		rc = cli_finish_schemes(schemes_file, &schemes, &nr);
	if (!rc && nr > UDAMOS_SIM_MAX_SCHEMES)
		rc = cli_fail(UDAMOS_ERR_INPUT, "at most %d schemes in one simulation",
			      UDAMOS_SIM_MAX_SCHEMES);
	if (!rc && udamos_rec_load(file, &rec, why, sizeof(why)))
		rc = cli_fail(UDAMOS_ERR_INPUT, "%s", why);
	else if (!rc && !rec.nr_snaps)
		rc = cli_fail(UDAMOS_ERR_INPUT, "%s: no snapshots to replay", file);
	if (rc) {
		udamos_rec_free(&rec);
		udamos_schemes_free(schemes, nr);
		return rc;
	}
	if (rec.truncated)
		fprintf(stderr, "udamos: note: %s ends in a partial record (cut short while "
			"recording); replaying its first %" PRIu64 " bytes\n", file, rec.good_bytes);
	sim_err = udamos_sim_run(s, &rec, schemes, nr, hold);
	if (sim_err == -ENOMEM)
		rc = cli_fail(UDAMOS_ERR_RUNTIME, "simulation: out of memory");
	else if (sim_err)
		rc = cli_fail(UDAMOS_ERR_INPUT, "%s: a snapshot the engine cannot take (%s); the "
			      "file is corrupted", file, strerror(-sim_err));
	if (!rc && json) {
		json_object *o = json_object_new_object(), *list = json_object_new_array();

		for (size_t i = 0; i < nr; i++)
			json_object_array_add(list, scheme_json(s, &schemes[i], i, s->t0_us));
		json_object_object_add(o, "recording", json_object_new_string(file));
		json_object_object_add(o, "monitoring", json_object_new_string(
			rec.monitor[0] ? rec.monitor : "unknown"));
		json_object_object_add(o, "monitor", json_object_new_string(recorded_monitor(&rec)));
		json_object_object_add(o, "duration_s",
				       json_object_new_double((double)(s->t_end_us - s->t0_us) / 1e6));
		json_object_object_add(o, "snapshots", json_object_new_uint64(rec.nr_snaps));
		json_object_object_add(o, "collapse_hold", json_object_new_boolean(s->hold_tables));
		json_object_object_add(o, "fault_us", rec.fault_ns ?
				       json_object_new_double((double)rec.fault_ns / 1000) : NULL);
		json_object_object_add(o, "huge_bytes_start", json_object_new_uint64(s->huge_start));
		json_object_object_add(o, "huge_bytes_end", json_object_new_uint64(s->huge_end));
		json_object_object_add(o, "schemes", list);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else if (!rc) {
		print_human(s, file, schemes, nr, s->t0_us, s->t_end_us, s->huge_start, s->huge_end);
	}
	udamos_sim_release(s);
	udamos_rec_free(&rec);
	udamos_schemes_free(schemes, nr);
	return rc;
}
