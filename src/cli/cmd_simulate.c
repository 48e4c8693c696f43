// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udamos simulate: replays a recording through the DAMOS engine with the
 * dry-run actuator, and reports what the schemes would have done, when,
 * the huge-page memory that would have resulted, and the quota use over
 * time.  The engine is the one live runs use; only the actuator differs.
 * Touches no process.
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
#include "core/units.h"
#include "core/vec.h"
#include "record/record.h"
#include "report/report.h"
#include "udamos/engine.h"

static const char simulate_usage[] =
"usage: udamos simulate [--schemes FILE.json | --damos_* options] RECORDING [--json]\n"
"\n"
"Runs the schemes (default: the default collapse scheme) over a recording\n"
"made by 'udamos record', acting on nothing, and reports what they would\n"
"have done and when, the huge-page memory that would have resulted, and\n"
"quota use per reset interval.  Time spent acting is not simulated: a time\n"
"quota binds only through its initial size estimate.\n\n";

struct quota_point {
	uint64_t time_us, charged, esz;
};

struct sim {
	struct udamos_recording rec;
	struct udamos_dryrun dry;
	/* per scheme: the last interval's quota use, as seen after each feed */
	struct quota_point *quota[16];
	size_t nr_quota[16], cap_quota[16];
	uint64_t last_reset[16], last_charged[16], last_esz[16];
};

/* Huge memory over anonymous mapped memory: the replay's hugepage_mem_bp. */
static uint64_t huge_bytes(const struct sim *s, uint32_t t, uint64_t now, uint64_t *anon_out)
{
	const struct udamos_rec_ranges *anon = udamos_rec_ranges_at(&s->rec, UDAMOS_REC_ANON, t, now);
	uint64_t huge = 0, anon_sz = 0;

	for (size_t i = 0; anon && i < anon->nr; i++) {
		anon_sz += anon->r[i].end - anon->r[i].start;
		for (uint64_t w = (anon->r[i].start + UDAMOS_HUGE_SIZE - 1) & ~(UDAMOS_HUGE_SIZE - 1);
		     w + UDAMOS_HUGE_SIZE <= anon->r[i].end; w += UDAMOS_HUGE_SIZE)
			huge += udamos_dryrun_is_huge(&s->dry.targets[t], w) ? UDAMOS_HUGE_SIZE : 0;
	}
	if (anon_out)
		*anon_out = anon_sz;
	return huge;
}

static int goal_metric(void *ctx, enum udamos_goal_metric m, uint64_t *value)
{
	struct sim *s = ctx;
	uint64_t huge = 0, anon = 0, a;

	if (m != UDAMOS_GOAL_HUGEPAGE_MEM_BP)
		return -ENODATA;	/* not in recordings */
	for (uint32_t t = 0; t < s->dry.nr_targets; t++) {
		huge += huge_bytes(s, t, s->dry.now_us, &a);
		anon += a;
	}
	if (!anon)
		return -ENODATA;
	*value = huge * 10000 / anon;
	return 0;
}

static void note_quota(struct sim *s, const struct udamos_scheme *schemes, size_t nr)
{
	for (size_t i = 0; i < nr && i < 16; i++) {
		const struct udamos_scheme_state *st = &schemes[i].state;

		if (st->reset_at_us != s->last_reset[i] && s->last_reset[i] &&
		    !udamos_reserve(&s->quota[i], &s->cap_quota[i], s->nr_quota[i] + 1,
				    sizeof(*s->quota[i])))
			s->quota[i][s->nr_quota[i]++] = (struct quota_point){
				s->last_reset[i], s->last_charged[i], s->last_esz[i] };
		s->last_reset[i] = st->reset_at_us;
		s->last_charged[i] = st->charged_sz;
		s->last_esz[i] = st->esz;
	}
}

static int replay(struct sim *s, struct udamos_scheme *schemes, size_t nr)
{
	struct udamos_engine e;
	int err = 0;

	udamos_engine_init(&e, schemes, nr,
			   (struct udamos_actuator){ udamos_dryrun_apply, &s->dry },
			   (struct udamos_env){ .goal_metric = goal_metric, .ctx = s });
	for (size_t i = 0; i < s->rec.nr_snaps && !err;) {
		size_t j = i;
		uint64_t now = s->rec.snaps[i].time_us;

		/* One aggregation: the consecutive snapshots of one time. */
		while (j < s->rec.nr_snaps && s->rec.snaps[j].time_us == now)
			j++;
		s->dry.now_us = now;
		for (uint32_t t = 0; t < s->dry.nr_targets; t++) {
			s->dry.targets[t].vmas = udamos_rec_ranges_at(&s->rec, UDAMOS_REC_VMAS, t, now);
			s->dry.targets[t].anon = udamos_rec_ranges_at(&s->rec, UDAMOS_REC_ANON, t, now);
			s->dry.targets[t].huge = udamos_rec_ranges_at(&s->rec, UDAMOS_REC_HUGE, t, now);
		}
		err = udamos_engine_feed(&e, &s->rec.snaps[i], j - i);
		note_quota(s, schemes, nr);
		i = j;
	}
	udamos_engine_release(&e);
	return err;
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

static json_object *scheme_json(const struct sim *s, const struct udamos_scheme *sc, size_t idx,
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
	for (size_t i = 0; idx < 16 && i < s->nr_quota[idx]; i++) {
		json_object *x = json_object_new_object();
		const struct quota_point *p = &s->quota[idx][i];

		json_object_object_add(x, "time_s", json_object_new_double((double)(p->time_us - t0) / 1e6));
		json_object_object_add(x, "charged_bytes", json_object_new_uint64(p->charged));
		json_object_object_add(x, "effective_bytes", p->esz == UINT64_MAX ? NULL :
				       json_object_new_uint64(p->esz));
		json_object_array_add(q, x);
	}
	json_object_object_add(o, "quota", q);
	return o;
}

static void print_human(const struct sim *s, const char *file, const struct udamos_scheme *sc,
			size_t nr, uint64_t t0, uint64_t t_end, uint64_t huge0, uint64_t huge1)
{
	char a[32], b[32];

	printf("simulated %zu scheme%s over %zu snapshots (%.1f s) of %s; nothing was touched\n"
	       "recorded with monitoring: %s\n", nr, nr > 1 ? "s" : "", s->rec.nr_snaps,
	       (double)(t_end - t0) / 1e6, file, recorded_monitor(&s->rec));
	for (size_t i = 0; i < nr; i++) {
		size_t shown = 0, n_ev = 0;

		printf("scheme %zu (%s): tried %" PRIu64 " regions (%s), would apply %s, quota "
		       "exceeded %" PRIu64 " times\n", i, udamos_action_name(sc[i].action),
		       sc[i].stats.nr_tried, udamos_fmt_size(sc[i].stats.sz_tried, a, sizeof(a)),
		       udamos_fmt_size(sc[i].stats.sz_applied, b, sizeof(b)), sc[i].stats.qt_exceeds);
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
		if (i < 16 && s->nr_quota[i]) {
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
	struct sim *s = calloc(1, sizeof(*s));
	uint64_t t0 = 0, t_end = 0, huge0 = 0, huge1 = 0;
	char why[512];
	int rc = 0;

	if (!s)
		return cli_fail(UDAMOS_ERR_RUNTIME, "out of memory");
	for (int i = 1; i < argc && !rc; i++) {
		int err = udamos_scheme_arg(&schemes, &nr, argc, argv, &i, why, sizeof(why));

		if (err < 0)
			rc = cli_fail(UDAMOS_ERR_INPUT, "%s", why);
		else if (err > 0)
			continue;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(simulate_usage, stdout);
			fputs(udamos_scheme_args_help, stdout);
			free(s);
			return 0;
		} else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--schemes") && i + 1 < argc)
			schemes_file = argv[++i];
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
	if (!rc && nr > 16)
		rc = cli_fail(UDAMOS_ERR_INPUT, "at most 16 schemes in one simulation");
	if (!rc && udamos_rec_load(file, &s->rec, why, sizeof(why)))
		rc = cli_fail(UDAMOS_ERR_INPUT, "%s", why);
	else if (!rc && !s->rec.nr_snaps)
		rc = cli_fail(UDAMOS_ERR_INPUT, "%s: no snapshots to replay", file);
	if (rc) {
		udamos_rec_free(&s->rec);
		udamos_schemes_free(schemes, nr);
		free(s);
		return rc;
	}
	if (s->rec.truncated)
		fprintf(stderr, "udamos: note: %s ends in a partial record (cut short while "
			"recording); replaying its first %" PRIu64 " bytes\n", file, s->rec.good_bytes);
	s->dry.nr_targets = s->rec.nr_targets;
	s->dry.targets = calloc(s->rec.nr_targets ? s->rec.nr_targets : 1, sizeof(*s->dry.targets));
	s->dry.schemes = schemes;
	t0 = s->rec.snaps[0].time_us;
	t_end = s->rec.snaps[s->rec.nr_snaps - 1].time_us;
	for (uint32_t t = 0; s->dry.targets && t < s->dry.nr_targets; t++) {
		s->dry.targets[t].huge = udamos_rec_ranges_at(&s->rec, UDAMOS_REC_HUGE, t, t0);
		huge0 += huge_bytes(s, t, t0, NULL);
	}
	if (!s->dry.targets || replay(s, schemes, nr))
		rc = cli_fail(UDAMOS_ERR_RUNTIME, "simulation: out of memory");
	for (uint32_t t = 0; !rc && t < s->dry.nr_targets; t++)
		huge1 += huge_bytes(s, t, t_end, NULL);
	if (!rc && json) {
		json_object *o = json_object_new_object(), *list = json_object_new_array();

		for (size_t i = 0; i < nr; i++)
			json_object_array_add(list, scheme_json(s, &schemes[i], i, t0));
		json_object_object_add(o, "recording", json_object_new_string(file));
		json_object_object_add(o, "monitoring", json_object_new_string(
			s->rec.monitor[0] ? s->rec.monitor : "unknown"));
		json_object_object_add(o, "monitor", json_object_new_string(recorded_monitor(&s->rec)));
		json_object_object_add(o, "duration_s", json_object_new_double((double)(t_end - t0) / 1e6));
		json_object_object_add(o, "snapshots", json_object_new_uint64(s->rec.nr_snaps));
		json_object_object_add(o, "huge_bytes_start", json_object_new_uint64(huge0));
		json_object_object_add(o, "huge_bytes_end", json_object_new_uint64(huge1));
		json_object_object_add(o, "schemes", list);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else if (!rc) {
		print_human(s, file, schemes, nr, t0, t_end, huge0, huge1);
	}
	for (size_t i = 0; i < 16; i++)
		free(s->quota[i]);
	udamos_dryrun_release(&s->dry);
	free(s->dry.targets);
	udamos_rec_free(&s->rec);
	udamos_schemes_free(schemes, nr);
	free(s);
	return rc;
}
