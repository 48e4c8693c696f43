/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd's readiness protocol (sd_notify(3)): one datagram to the socket
 * NOTIFY_SOCKET names.  A few lines of a stable, documented protocol do
 * not warrant linking libsystemd.
 */
#ifndef UDAMOS_SYS_NOTIFY_H
#define UDAMOS_SYS_NOTIFY_H

/* Sends state ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..."); a
 * no-op returning 0 outside systemd.  0 or -errno. */
int udamos_notify(const char *state);

#endif
