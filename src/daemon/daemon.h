/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The service: finds the targets its config selects, runs udamos on them
 * (one monitor for every context; docs/daemon.md), takes new processes
 * and a changed config by starting a new run, reports through the control
 * socket and a metrics file, and restores all global state on the way out.
 */
#ifndef UDAMOS_DAEMON_DAEMON_H
#define UDAMOS_DAEMON_DAEMON_H

#include "run/runner.h"

/* Runs until SIGTERM or SIGINT.  Returns a udamos_status; the reason for a
 * refusal at start is logged. */
enum udamos_status udamos_daemon_main(const char *config_path);

#endif
