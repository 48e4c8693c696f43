/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Subcommand entry points and the conventions they share: errors are one
 * line on stderr starting with "udamos: ", and the exit status is a
 * udamos_status (0 ok, 1 runtime failure, 2 bad input, 3 missing
 * privilege or kernel feature).
 */
#ifndef UDAMOS_CLI_H
#define UDAMOS_CLI_H

#include <stdio.h>

#include "run/runner.h"

int cmd_daemon(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_version(int argc, char **argv);

/*
 * The schemes of a command line: from --schemes FILE or --damos_* options
 * (not both), else the default collapse scheme; all validated.  Returns 0
 * or a status after printing why.
 */
int cli_finish_schemes(const char *file, struct udamos_scheme **schemes, size_t *nr);

/* --pid's value: 0, or a status after printing why. */
int cli_parse_pid(const char *v, pid_t *out);

/* --tlb_flush's value: 0, or a status after printing why. */
int cli_parse_tlb_flush(const char *v, struct udamos_flush_cfg *out);
int cli_parse_collapse_warm(const char *v, enum udamos_collapse_warm *out);
int cli_parse_churn_spacing(const char *v, enum udamos_churn_spacing *out);
int cli_parse_collapse_hold(const char *v, enum udamos_collapse_hold *out);

/*
 * --mmap_lock_budget TIME or --bloat_budget SIZE (time: true for the
 * first): a positive value, or 'none' (stored as UINT64_MAX, no limit).
 * 0, or a status after printing why.
 */
int cli_parse_limit(const char *opt, const char *v, bool time, uint64_t *out);

/* What acting cost a target (bloat, mmap_lock time, mapping reads). */
struct json_object;
void cli_target_costs_json(struct json_object *j, const struct udamos_run_target *t);
void cli_target_costs_text(FILE *f, const struct udamos_run_target *t,
			   uint64_t bloat_budget);

/*
 * A scheme's effective quota as the engine last computed it, and its
 * goals with what they measured (run and simulate, text and JSON).
 */
void cli_quota_json(struct json_object *o, const struct udamos_scheme *s);
void cli_quota_text(FILE *f, const struct udamos_scheme *s);

/* --source's value, checked: 0, or a status after printing why. */
int cli_check_source(const char *v);

/*
 * What monitored a run, for people: the monitor's description, and for the
 * oracle the warning that its figures are an upper bound.
 */
const char *cli_monitoring_label(const struct udamos_run_result *res);

/* Prints "udamos: <msg>" on stderr and returns status. */
int cli_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
