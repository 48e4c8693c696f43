/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Subcommand entry points and the conventions they share: errors are one
 * line on stderr starting with "udamos: ", and the exit status is a
 * udamos_status (0 ok, 1 runtime failure, 2 bad input, 3 missing
 * privilege or kernel feature).
 */
#ifndef UDAMOS_CLI_H
#define UDAMOS_CLI_H

#include "run/runner.h"

int cmd_demo(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_version(int argc, char **argv);

/*
 * The schemes of a command line: from --schemes FILE or --damos_* options
 * (not both), else the default collapse scheme; all validated.  Returns 0
 * or a status after printing why.
 */
int cli_finish_schemes(const char *file, struct udamos_scheme **schemes, size_t *nr);

/* --pid's value: 0, or a status after printing why. */
int cli_parse_pid(const char *v, pid_t *out);

/* Prints "udamos: <msg>" on stderr and returns status. */
int cli_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
