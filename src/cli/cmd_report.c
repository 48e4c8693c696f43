// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udamos report: looks at a recording (heatmap, wss, access, coverage), or
 * at a live process (access --pid).  Each report prints for people, or with
 * --json for scripts; the heatmap also draws an SVG.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/units.h"
#include "core/vec.h"
#include "record/record.h"
#include "report/report.h"
#include "sys/outfile.h"
#include "sys/target.h"

static const char report_usage[] =
"usage: udamos report heatmap FILE [--svg OUT] [--time FROM TO] [--address START END]\n"
"                                  [--resolution ROWSxCOLS] [--target N] [--json]\n"
"       udamos report wss FILE [--threshold PCT]... [--target N] [--json]\n"
"       udamos report access FILE [--at TIME] [--target N] [--json]\n"
"       udamos report access --pid PID [--duration TIME] [--source SRC]\n"
"                                 [--tlb_flush auto|on|off] [--json]\n"
"       udamos report coverage FILE [--threshold PCT] [--target N] [--json]\n"
"\n"
"heatmap   access rate over time (across) and address (down), in colour; by\n"
"          default only the address ranges that hold 99% of the accesses\n"
"wss       working-set size percentiles over time, per access-rate threshold\n"
"          (default 1%, 10% and 50% of the maximum rate)\n"
"access    one snapshot's regions: range, size, access rate, age and the\n"
"          share of huge pages (default: the last snapshot); of a live process,\n"
"          the last after --duration, by default 10 s or as long as the monitor\n"
"          needs to tell hot from cold, whichever is longer (a paddr kdamond\n"
"          aggregating every 5 s: 30 s)\n"
"coverage  huge-page share of hot (>= PCT, default 5%) and cold memory over time\n";

struct ropts {
	const char *file, *svg, *source;
	struct udamos_flush_cfg flush;
	bool json;
	uint32_t target;
	uint64_t t_from, t_to, a_from, a_to, at_us, duration_us;
	bool at_given;
	size_t rows, cols;
	double thresholds[8];
	size_t nr_thresholds;
	pid_t pid;
};

static int parse_pct(const char *v, double *out)
{
	char *end;
	double x = strtod(v, &end);

	if (end == v || (*end && strcmp(end, "%")) || x < 0 || x > 100)
		return -EINVAL;
	*out = x;
	return 0;
}

static int parse_opts(int argc, char **argv, struct ropts *o)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char *v2 = i + 2 < argc ? argv[i + 2] : NULL;

		if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (a[0] != '-') {
			if (o->file)
				return cli_fail(UDAMOS_ERR_INPUT, "'%s': one recording at a time", a);
			o->file = a;
		} else if (!v) {
			return cli_fail(UDAMOS_ERR_INPUT, "%s: needs a value; see 'udamos report "
					"--help'", a);
		} else if (!strcmp(a, "--svg")) {
			o->svg = argv[++i];
		} else if (!strcmp(a, "--source")) {
			o->source = argv[++i];
			if (cli_check_source(o->source))
				return UDAMOS_ERR_INPUT;
		} else if (!strcmp(a, "--tlb_flush")) {
			if (cli_parse_tlb_flush(argv[++i], &o->flush))
				return UDAMOS_ERR_INPUT;
		} else if (!strcmp(a, "--target")) {
			uint64_t x;

			if (udamos_parse_u64(v, &x) || x > 63)
				return cli_fail(UDAMOS_ERR_INPUT, "--target %s: give a target index "
						"from 0 (the first --pid recorded)", v);
			o->target = (uint32_t)x;
			i++;
		} else if (!strcmp(a, "--pid")) {
			if (cli_parse_pid(v, &o->pid))
				return UDAMOS_ERR_INPUT;
			i++;
		} else if (!strcmp(a, "--at") || !strcmp(a, "--duration")) {
			uint64_t *dst = a[2] == 'a' ? &o->at_us : &o->duration_us;

			if (udamos_parse_time_us(v, 1000000, dst) || *dst == UDAMOS_UNLIMITED)
				return cli_fail(UDAMOS_ERR_INPUT, "%s %s: give a time such as 10s", a, v);
			o->at_given |= a[2] == 'a';
			i++;
		} else if (!strcmp(a, "--threshold")) {
			if (o->nr_thresholds == 8 || parse_pct(v, &o->thresholds[o->nr_thresholds]))
				return cli_fail(UDAMOS_ERR_INPUT, "--threshold %s: give a percentage of "
						"the maximum access rate, 0%%..100%% (at most 8)", v);
			o->nr_thresholds++;
			i++;
		} else if (!strcmp(a, "--resolution")) {
			unsigned r, c;

			if (sscanf(v, "%ux%u", &r, &c) != 2 || r < 2 || c < 2 || r > 2000 || c > 2000)
				return cli_fail(UDAMOS_ERR_INPUT, "--resolution %s: give ROWSxCOLS, "
						"each 2..2000 (e.g. 40x120)", v);
			o->rows = r;
			o->cols = c;
			i++;
		} else if (!strcmp(a, "--time") || !strcmp(a, "--address")) {
			bool t = a[2] == 't';
			uint64_t lo, hi;

			if (!v2 || (t ? udamos_parse_time_us(v, 1000000, &lo) ||
				    udamos_parse_time_us(v2, 1000000, &hi) :
				    udamos_parse_u64(v, &lo) || udamos_parse_u64(v2, &hi)) || lo >= hi)
				return cli_fail(UDAMOS_ERR_INPUT, "%s: give FROM TO with FROM < TO (%s)",
						a, t ? "times since the start, e.g. 5s 20s" :
						"addresses, e.g. 0x7f0000000000 0x7f0040000000");
			*(t ? &o->t_from : &o->a_from) = lo;
			*(t ? &o->t_to : &o->a_to) = hi == UDAMOS_UNLIMITED ? 0 : hi;
			i += 2;
		} else {
			return cli_fail(UDAMOS_ERR_INPUT, "unknown option '%s'; see 'udamos report "
					"--help'", a);
		}
	}
	return 0;
}

static int load(const struct ropts *o, struct udamos_recording *rec)
{
	char why[512];

	if (!o->file)
		return cli_fail(UDAMOS_ERR_INPUT, "no recording given; make one with 'udamos record "
				"--pid PID -o FILE'");
	if (udamos_rec_load(o->file, rec, why, sizeof(why)))
		return cli_fail(UDAMOS_ERR_INPUT, "%s", why);
	/* Windows and pages are the recording kernel's (the reader checked). */
	udamos_geometry_set(rec->page_size, rec->huge_size);
	if (rec->truncated)
		fprintf(stderr, "udamos: note: %s ends in a partial record (cut short while "
			"recording); reading its first %" PRIu64 " bytes\n", o->file, rec->good_bytes);
	for (size_t i = 0; i < rec->nr_snaps; i++)
		if (rec->snaps[i].target == o->target)
			return 0;
	udamos_rec_free(rec);
	return cli_fail(UDAMOS_ERR_INPUT, "%s: no snapshot of target %u; the recording has %zu "
			"target(s), numbered from 0", o->file, o->target, rec->nr_targets);
}

static uint64_t first_time(const struct udamos_recording *rec, uint32_t target)
{
	for (size_t i = 0; i < rec->nr_snaps; i++)
		if (rec->snaps[i].target == target)
			return rec->snaps[i].time_us;
	return 0;
}

static void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/* ---- heatmap ---- */

/* Rows whose mean rate is at least half the hottest row's, around it. */
static void hottest_band(const struct udamos_heatmap *h, size_t *lo, size_t *hi, double *mean)
{
	double best = -1;
	size_t at = 0;
	double *m = calloc(h->rows, sizeof(*m));

	for (size_t r = 0; m && r < h->rows; r++) {
		size_t n = 0;

		for (size_t c = 0; c < h->cols; c++) {
			double x = h->cell[r * h->cols + c];

			if (x >= 0) {
				m[r] += x;
				n++;
			}
		}
		m[r] = n ? m[r] / (double)n : 0;
		if (m[r] > best) {
			best = m[r];
			at = r;
		}
	}
	*lo = *hi = at;
	while (m && *lo > 0 && m[*lo - 1] >= best / 2)
		(*lo)--;
	while (m && *hi + 1 < h->rows && m[*hi + 1] >= best / 2)
		(*hi)++;
	*mean = best;
	free(m);
}

/* A colour ramp from dark blue (idle) through red to yellow (hottest). */
static void ramp(double pct, int rgb[3])
{
	double x = pct / 100.0;

	if (x < 0.5) {
		rgb[0] = (int)(30 + 420 * x);
		rgb[1] = (int)(20 + 40 * x);
		rgb[2] = (int)(90 - 80 * x);
	} else {
		rgb[0] = 240;
		rgb[1] = (int)(40 + 400 * (x - 0.5));
		rgb[2] = 10;
	}
}

static int heatmap_svg(const char *path, const struct udamos_heatmap *h, const char *title)
{
	const int cw = 6, ch = 8, L = 150, T = 40;
	FILE *f = udamos_outfile_open(path, false, 0644);
	char a[32];

	if (!f)
		return -errno;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%zu\" height=\"%zu\" "
		"font-family=\"monospace\" font-size=\"11\">\n<rect width=\"100%%\" "
		"height=\"100%%\" fill=\"white\"/>\n<text x=\"%d\" y=\"20\" font-size=\"13\">",
		(size_t)L + h->cols * cw + 20, (size_t)T + h->rows * ch + 50, L);
	for (const char *p = title; *p; p++)	/* the title comes from a file name */
		fputs(*p == '<' ? "&lt;" : *p == '>' ? "&gt;" : *p == '&' ? "&amp;" :
		      (char[2]){ *p, 0 }, f);
	fprintf(f, "</text>\n");
	for (size_t r = 0; r < h->rows; r++) {
		for (size_t c = 0; c < h->cols; c++) {
			double x = h->cell[r * h->cols + c];
			int rgb[3] = { 235, 235, 235 };

			if (x >= 0)
				ramp(x, rgb);
			fprintf(f, "<rect x=\"%zu\" y=\"%zu\" width=\"%d\" height=\"%d\" "
				"fill=\"#%02x%02x%02x\"/>\n", (size_t)L + c * cw, (size_t)T + r * ch,
				cw, ch, rgb[0], rgb[1], rgb[2]);
		}
		if (r % 8 == 0)
			fprintf(f, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">0x%" PRIx64 "</text>\n",
				L - 6, (size_t)T + r * ch + ch, udamos_heatmap_row_addr(h, r));
	}
	fprintf(f, "<text x=\"%d\" y=\"%zu\">time: %.1f s to %.1f s across; address down "
		"(%s shown, gaps left out); colour: access rate, blue idle to yellow 100%%, "
		"grey unmonitored</text>\n</svg>\n", L, (size_t)T + h->rows * ch + 24, 0.0,
		(double)(h->t1_us - h->t0_us) / 1e6, udamos_fmt_size(h->axis_bytes, a, sizeof(a)));
	return fclose(f) ? -errno : 0;
}

static void terminal_size(size_t *rows, size_t *cols)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");

	*cols = 80;
	*rows = 24;
	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	} else if (c && atoi(c) > 20) {
		*cols = (size_t)atoi(c);
	}
}

static int report_heatmap(const struct ropts *o, const struct udamos_recording *rec)
{
	struct udamos_heatmap h;
	size_t rows = o->rows, cols = o->cols, lo, hi;
	double hot_mean;
	bool colour = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	int err;

	if (!rows) {
		terminal_size(&rows, &cols);
		cols = cols > 24 ? cols - 22 : 2;
		rows = rows > 12 ? rows - 8 : 4;
		if (rows > 40)
			rows = 40;
	}
	err = udamos_heatmap_build(rec, o->target, rows, cols, o->t_from, o->t_to, o->a_from,
				   o->a_to, &h);
	if (err == -ENOENT)
		return cli_fail(UDAMOS_ERR_INPUT, "%s: nothing recorded in the given time and "
				"address ranges; widen --time or --address", o->file);
	if (err)
		return cli_fail(UDAMOS_ERR_RUNTIME, "heatmap: out of memory");
	hottest_band(&h, &lo, &hi, &hot_mean);
	if (o->svg && (err = heatmap_svg(o->svg, &h, o->file))) {
		udamos_heatmap_free(&h);
		return cli_fail(UDAMOS_ERR_INPUT, "--svg %s: cannot write it (%s)", o->svg,
				err == -ELOOP ? "it is a symbolic link, which udamos never writes "
				"through; give another path" : strerror(-err));
	}
	if (o->json) {
		json_object *j = json_object_new_object(), *cells = json_object_new_array();
		json_object *addrs = json_object_new_array(), *band = json_object_new_object();

		for (size_t r = 0; r < h.rows; r++) {
			json_object *row = json_object_new_array();

			for (size_t c = 0; c < h.cols; c++)
				json_object_array_add(row, json_object_new_double(h.cell[r * h.cols + c]));
			json_object_array_add(cells, row);
			json_object_array_add(addrs, json_object_new_uint64(udamos_heatmap_row_addr(&h, r)));
		}
		json_object_object_add(band, "start", json_object_new_uint64(udamos_heatmap_row_addr(&h, lo)));
		json_object_object_add(band, "end", json_object_new_uint64(
			hi + 1 < h.rows ? udamos_heatmap_row_addr(&h, hi + 1) :
			h.segs[h.nr_segs - 1].end));
		json_object_object_add(band, "mean_rate_pct", json_object_new_double(hot_mean));
		json_object_object_add(j, "rows", json_object_new_int((int)h.rows));
		json_object_object_add(j, "cols", json_object_new_int((int)h.cols));
		json_object_object_add(j, "duration_s", json_object_new_double(
			(double)(h.t1_us - h.t0_us) / 1e6));
		json_object_object_add(j, "axis_bytes", json_object_new_uint64(h.axis_bytes));
		json_object_object_add(j, "row_addrs", addrs);
		json_object_object_add(j, "hottest_band", band);
		json_object_object_add(j, "cells", cells);
		print_json(j);
	} else {
		char a[32];

		printf("heatmap of %s, target %u: %.1f s across, %s of address space down (gaps "
		       "left out)\n", o->file, o->target, (double)(h.t1_us - h.t0_us) / 1e6,
		       udamos_fmt_size(h.axis_bytes, a, sizeof(a)));
		for (size_t r = 0; r < h.rows; r++) {
			printf("%18" PRIx64 " ", udamos_heatmap_row_addr(&h, r));
			for (size_t c = 0; c < h.cols; c++) {
				double x = h.cell[r * h.cols + c];
				int rgb[3];

				if (colour && x >= 0) {
					ramp(x, rgb);
					printf("\033[48;2;%d;%d;%dm \033[0m", rgb[0], rgb[1], rgb[2]);
				} else {
					putchar(x < 0 ? ' ' : ".,:-=+*#%@"[x >= 100 ? 9 : (int)(x / 10)]);
				}
			}
			putchar('\n');
		}
		printf("hottest: 0x%" PRIx64 "-0x%" PRIx64 " at %.0f%% of the maximum rate on "
		       "average%s%s\n", udamos_heatmap_row_addr(&h, lo),
		       hi + 1 < h.rows ? udamos_heatmap_row_addr(&h, hi + 1) : h.segs[h.nr_segs - 1].end,
		       hot_mean, o->svg ? "; SVG: " : "", o->svg ? o->svg : "");
	}
	udamos_heatmap_free(&h);
	return 0;
}

/* ---- wss ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int report_wss(struct ropts *o, const struct udamos_recording *rec)
{
	static const int pcts[] = { 0, 25, 50, 75, 90, 100 };
	uint64_t *w = calloc(rec->nr_snaps ? rec->nr_snaps : 1, sizeof(*w));
	uint64_t t0 = first_time(rec, o->target);
	json_object *j = json_object_new_object(), *list = json_object_new_array();
	char a[32];

	if (!w)
		return cli_fail(UDAMOS_ERR_RUNTIME, "out of memory");
	if (!o->nr_thresholds) {
		o->thresholds[0] = 1;
		o->thresholds[1] = 10;
		o->thresholds[2] = 50;
		o->nr_thresholds = 3;
	}
	if (!o->json)
		printf("working-set size of %s, target %u, over time (percentiles)\n"
		       "%-12s %10s %10s %10s %10s %10s %10s\n", o->file, o->target, "rate >=",
		       "p0", "p25", "p50", "p75", "p90", "p100");
	for (size_t k = 0; k < o->nr_thresholds; k++) {
		json_object *x = json_object_new_object(), *p = json_object_new_object();
		json_object *series = json_object_new_array();
		size_t n = 0;

		for (size_t i = 0; i < rec->nr_snaps; i++) {
			json_object *pt;

			if (rec->snaps[i].target != o->target)
				continue;
			w[n] = udamos_wss(&rec->snaps[i], o->thresholds[k]);
			pt = json_object_new_array();
			json_object_array_add(pt, json_object_new_double(
				(double)(rec->snaps[i].time_us - t0) / 1e6));
			json_object_array_add(pt, json_object_new_uint64(w[n]));
			json_object_array_add(series, pt);
			n++;
		}
		qsort(w, n, sizeof(*w), cmp_u64);
		if (!o->json)
			printf("%-11.1f%%", o->thresholds[k]);
		for (size_t q = 0; q < sizeof(pcts) / sizeof(pcts[0]); q++) {
			uint64_t v = n ? w[(n - 1) * (size_t)pcts[q] / 100] : 0;
			char key[8];

			snprintf(key, sizeof(key), "%d", pcts[q]);
			json_object_object_add(p, key, json_object_new_uint64(v));
			if (!o->json)
				printf(" %10s", udamos_fmt_size(v, a, sizeof(a)));
		}
		if (!o->json)
			putchar('\n');
		json_object_object_add(x, "min_rate_pct", json_object_new_double(o->thresholds[k]));
		json_object_object_add(x, "percentiles", p);
		json_object_object_add(x, "series", series);
		json_object_array_add(list, x);
	}
	free(w);
	json_object_object_add(j, "wss", list);
	if (o->json)
		print_json(j);
	else
		json_object_put(j);
	return 0;
}

/* ---- access ---- */

struct access_row {
	uint64_t start, end;
	double rate_pct, age_s, huge_pct;
};

static int print_access(const struct ropts *o, const struct access_row *rows, size_t n,
			double time_s)
{
	char a[32];

	if (o->json) {
		json_object *j = json_object_new_object(), *list = json_object_new_array();

		for (size_t i = 0; i < n; i++) {
			json_object *x = json_object_new_object();

			json_object_object_add(x, "start", json_object_new_uint64(rows[i].start));
			json_object_object_add(x, "end", json_object_new_uint64(rows[i].end));
			json_object_object_add(x, "size", json_object_new_uint64(rows[i].end - rows[i].start));
			json_object_object_add(x, "rate_pct", json_object_new_double(rows[i].rate_pct));
			json_object_object_add(x, "age_s", json_object_new_double(rows[i].age_s));
			json_object_object_add(x, "huge_pct", rows[i].huge_pct >= 0 ?
					       json_object_new_double(rows[i].huge_pct) : NULL);
			json_object_array_add(list, x);
		}
		json_object_object_add(j, "time_s", json_object_new_double(time_s));
		json_object_object_add(j, "regions", list);
		print_json(j);
		return 0;
	}
	printf("snapshot at %.1f s: %zu regions\n%-33s %10s %8s %9s %7s\n", time_s, n,
	       "address range", "size", "rate", "age", "huge");
	for (size_t i = 0; i < n; i++) {
		char h[16] = "-";

		if (rows[i].huge_pct >= 0)
			snprintf(h, sizeof(h), "%.0f%%", rows[i].huge_pct);
		printf("%014" PRIx64 "-%014" PRIx64 "   %10s %7.1f%% %8.1fs %7s\n", rows[i].start,
		       rows[i].end, udamos_fmt_size(rows[i].end - rows[i].start, a, sizeof(a)),
		       rows[i].rate_pct, rows[i].age_s, h);
	}
	return 0;
}

static int access_rows(const struct udamos_snapshot *s, const struct udamos_rec_ranges *huge,
		       struct access_row **out)
{
	struct access_row *rows = calloc(s->nr_regions ? s->nr_regions : 1, sizeof(*rows));

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < s->nr_regions; i++) {
		const struct udamos_region *r = &s->regions[i];

		rows[i] = (struct access_row){
			r->start, r->end, udamos_rate_pct(r, s->max_nr_accesses),
			(double)r->age * (double)s->aggr_us / 1e6,
			huge ? 100.0 * (double)udamos_ranges_overlap(huge->r, huge->nr, r->start,
				r->end) / (double)udamos_region_size(r) : -1,
		};
	}
	*out = rows;
	return 0;
}

static int report_access_file(const struct ropts *o, const struct udamos_recording *rec)
{
	uint64_t t0 = first_time(rec, o->target);
	const struct udamos_snapshot *pick = NULL;
	struct access_row *rows;
	int err;

	for (size_t i = 0; i < rec->nr_snaps; i++) {
		const struct udamos_snapshot *s = &rec->snaps[i];

		if (s->target != o->target)
			continue;
		if (o->at_given && s->time_us - t0 > o->at_us && pick)
			break;
		pick = s;
	}
	if (!pick)
		return cli_fail(UDAMOS_ERR_INPUT, "the recording has no snapshot of target %u; "
				"give the --target of one it recorded", o->target);
	if (access_rows(pick, udamos_rec_ranges_at(rec, UDAMOS_REC_HUGE, o->target, pick->time_us),
			&rows))
		return cli_fail(UDAMOS_ERR_RUNTIME, "out of memory");
	err = print_access(o, rows, pick->nr_regions, (double)(pick->time_us - t0) / 1e6);
	free(rows);
	return err;
}

/* Live: monitor for a while, keep the last snapshot, read huge pages now. */
struct live {
	struct udamos_snapshot last;
	bool have;
};

static int keep_last(void *ctx, const struct udamos_snapshot *snaps, size_t nr)
{
	struct live *l = ctx;

	if (!nr)
		return 0;
	udamos_snapshot_release(&l->last);
	l->have = !udamos_snapshot_copy(&l->last, &snaps[0]);
	return l->have ? 0 : -ENOMEM;
}

/* Without --duration, the live look lasts until the monitor has settled,
 * and never less than the usage's 10 s: a vaddr monitor settles at once. */
#define LIVE_LOOK_MIN_US 10000000ull

static bool keep_looking(void *ctx, const struct udamos_run_result *res)
{
	(void)ctx;
	return res->elapsed_us < LIVE_LOOK_MIN_US || res->nr_aggregations < res->settle_aggregations;
}

static int report_access_live(const struct ropts *o)
{
	struct udamos_run_cfg cfg = { 0 };
	struct udamos_run_result res;
	struct live l = { 0 };
	struct udamos_target t;
	struct udamos_rec_ranges huge = { 0 };
	struct access_row *rows;
	size_t cap = 0;
	char why[512];
	enum udamos_status st;
	int err;

	cfg.pids[0] = o->pid;
	cfg.nr_pids = 1;
	cfg.source = o->source;
	cfg.flush = o->flush;
	cfg.duration_us = o->duration_us;
	if (!o->duration_us)
		cfg.on_tick = keep_looking;
	cfg.log = stderr;
	cfg.on_snapshots = keep_last;
	cfg.snapshots_ctx = &l;
	udamos_mon_attrs_default(&cfg.attrs);
	udamos_run_install_signals();
	st = udamos_run(&cfg, &res, why, sizeof(why));
	if (st)
		return cli_fail(st, "%s", why);
	if (!l.have)
		return cli_fail(UDAMOS_ERR_RUNTIME, "no snapshot within %.0f s; give a longer "
				"--duration", (double)res.elapsed_us / 1e6);
	/* A short look through a projecting monitor reads everything cold:
	 * say so, or the report would pass for one of an idle process. */
	if (res.nr_aggregations < res.settle_aggregations)
		fprintf(stderr, "udamos: note: %llu aggregations in %.0f s, and this monitor's "
			"rates need %u to tell hot from cold (they are projected from physical "
			"memory and smoothed); give --duration %.0f or more\n",
			(unsigned long long)res.nr_aggregations, (double)res.elapsed_us / 1e6,
			res.settle_aggregations,
			(double)res.settle_aggregations * (double)l.last.aggr_us / 1e6 + 1);
	/* Coverage as it is now, through a fresh pidfd. */
	if (!udamos_target_open(&t, o->pid)) {
		for (size_t i = 0; i < l.last.nr_regions; i++) {
			const struct udamos_region *r = &l.last.regions[i];

			for (uint64_t w = (r->start + udamos_huge_size() - 1) & ~(udamos_huge_size() - 1);
			     w + udamos_huge_size() <= r->end; w += udamos_huge_size()) {
				if (!udamos_window_is_huge(&t.pm, w))
					continue;
				if (udamos_reserve(&huge.r, &cap, huge.nr + 1, sizeof(*huge.r)))
					break;
				huge.r[huge.nr++] = (struct udamos_rec_range){ w, w + udamos_huge_size() };
			}
		}
		udamos_target_close(&t);
	}
	err = access_rows(&l.last, &huge, &rows);
	if (!err)
		err = print_access(o, rows, l.last.nr_regions, (double)res.elapsed_us / 1e6);
	free(rows);
	free(huge.r);
	udamos_snapshot_release(&l.last);
	return err ? cli_fail(UDAMOS_ERR_RUNTIME, "out of memory") : 0;
}

/* ---- coverage ---- */

static int report_coverage(struct ropts *o, const struct udamos_recording *rec)
{
	double th = o->nr_thresholds ? o->thresholds[0] : 5;
	uint64_t t0 = first_time(rec, o->target), next_print = 0;
	json_object *j = json_object_new_object(), *series = json_object_new_array();
	size_t total = 0;

	for (size_t i = 0; i < rec->nr_snaps; i++)
		total += rec->snaps[i].target == o->target;
	if (!o->json)
		printf("huge-page coverage of %s, target %u (hot: >= %.1f%% of the maximum rate)\n"
		       "%8s %12s %10s %12s %10s\n", o->file, o->target, th, "time", "hot", "huge",
		       "cold", "huge");
	for (size_t i = 0, k = 0; i < rec->nr_snaps; i++) {
		const struct udamos_snapshot *s = &rec->snaps[i];
		const struct udamos_rec_ranges *huge;
		uint64_t hot = 0, hot_huge = 0, cold = 0, cold_huge = 0;
		json_object *pt;
		char a[32], b[32];

		if (s->target != o->target)
			continue;
		k++;
		huge = udamos_rec_ranges_at(rec, UDAMOS_REC_HUGE, o->target, s->time_us);
		for (size_t r = 0; r < s->nr_regions; r++) {
			const struct udamos_region *g = &s->regions[r];
			uint64_t hz = huge ? udamos_ranges_overlap(huge->r, huge->nr, g->start, g->end) : 0;

			if (g->nr_accesses && udamos_rate_pct(g, s->max_nr_accesses) >= th) {
				hot += udamos_region_size(g);
				hot_huge += hz;
			} else {
				cold += udamos_region_size(g);
				cold_huge += hz;
			}
		}
		pt = json_object_new_object();
		json_object_object_add(pt, "time_s", json_object_new_double((double)(s->time_us - t0) / 1e6));
		json_object_object_add(pt, "hot_bytes", json_object_new_uint64(hot));
		json_object_object_add(pt, "hot_huge_pct", json_object_new_double(hot ? 100.0 * hot_huge / hot : 0));
		json_object_object_add(pt, "cold_bytes", json_object_new_uint64(cold));
		json_object_object_add(pt, "cold_huge_pct", json_object_new_double(cold ? 100.0 * cold_huge / cold : 0));
		json_object_array_add(series, pt);
		/* About 20 lines for people, always the last one. */
		if (!o->json && (s->time_us >= next_print || k == total)) {
			printf("%7.1fs %12s %9.1f%% %12s %9.1f%%\n", (double)(s->time_us - t0) / 1e6,
			       udamos_fmt_size(hot, a, sizeof(a)), hot ? 100.0 * hot_huge / hot : 0,
			       udamos_fmt_size(cold, b, sizeof(b)), cold ? 100.0 * cold_huge / cold : 0);
			next_print = s->time_us + 1 + (rec->snaps[rec->nr_snaps - 1].time_us - t0) / 20;
		}
	}
	json_object_object_add(j, "min_rate_pct", json_object_new_double(th));
	json_object_object_add(j, "series", series);
	if (o->json)
		print_json(j);
	else
		json_object_put(j);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	static const char *const kinds[] = { "heatmap", "wss", "access", "coverage" };
	struct ropts o = { .source = NULL };
	struct udamos_recording rec;
	const char *kind = argc > 1 ? argv[1] : "";
	int err;
	size_t k;

	if (!strcmp(kind, "--help") || !strcmp(kind, "-h")) {
		fputs(report_usage, stdout);
		return 0;
	}
	for (k = 0; k < 4 && strcmp(kind, kinds[k]); k++)
		;
	if (k == 4)
		return cli_fail(UDAMOS_ERR_INPUT, "report '%s': use heatmap, wss, access or coverage "
				"(udamos report --help)", kind);
	err = parse_opts(argc, argv, &o);
	if (err)
		return err;
	if (o.pid) {
		if (k != 2 || o.file)
			return cli_fail(UDAMOS_ERR_INPUT, "--pid: only 'report access' reads a live "
					"process, and then without a recording");
		return report_access_live(&o);
	}
	err = load(&o, &rec);
	if (err)
		return err;
	switch (k) {
	case 0:
		err = report_heatmap(&o, &rec);
		break;
	case 1:
		err = report_wss(&o, &rec);
		break;
	case 2:
		err = report_access_file(&o, &rec);
		break;
	default:
		err = report_coverage(&o, &rec);
	}
	udamos_rec_free(&rec);
	return err;
}
