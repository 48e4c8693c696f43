/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /run/udamos: where udamos keeps what must outlive one process (kdamond
 * records, knob leases, a private tracefs mount).  It is root's alone:
 * whoever could write there could make udamos turn off a kdamond or put
 * a THP knob "back" to a value of their choosing.
 */
#ifndef UDAMOS_SYS_RUNDIR_H
#define UDAMOS_SYS_RUNDIR_H

#include <stddef.h>

#define UDAMOS_RUN_DIR "/run/udamos"

/*
 * Creates UDAMOS_RUN_DIR (mode 0700) or checks the one there: a real
 * directory, root's, closed to others.  0, or -errno with a one-line
 * reason naming the directory and the fix in why.
 */
int udamos_rundir_ensure(char *why, size_t len);

#endif
