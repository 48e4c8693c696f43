/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Leveled log lines on stderr, for people and for journald.  Under
 * systemd (JOURNAL_STREAM names stderr) each line starts with the
 * kernel-style "<N>" level prefix journald turns into the entry's
 * priority; on a terminal, with "udamos: warning: " and the like.
 */
#ifndef UDAMOS_SYS_LOG_H
#define UDAMOS_SYS_LOG_H

#include <stdio.h>

/* syslog(3)'s levels, the ones used */
enum udamos_log_level {
	UDAMOS_LOG_ERR = 3,
	UDAMOS_LOG_WARNING = 4,
	UDAMOS_LOG_NOTICE = 5,
	UDAMOS_LOG_INFO = 6,
	UDAMOS_LOG_DEBUG = 7,
};

void udamos_log(enum udamos_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A stream whose every line becomes one log line at level, for code that
 * writes "udamos: ..." notices to a FILE (the run loop).  Each distinct
 * line is said once: the daemon starts a run whenever its targets change,
 * and each run's start-up notices (the monitor, the TLB flushing) would
 * otherwise fill the journal with the same lines.  NULL if it cannot be
 * made; fclose() it when done.
 */
FILE *udamos_log_stream(enum udamos_log_level level);

#endif
