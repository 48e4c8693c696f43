/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which processes the daemon's contexts take, now.  A process goes to the
 * first context that selects it.  Reads as little as the selectors need:
 * a cgroup's own process list instead of every PID where a context names
 * a cgroup, and a process's name, executable or size only where a
 * selector looks at it.
 */
#ifndef UDAMOS_DAEMON_DISCOVER_H
#define UDAMOS_DAEMON_DISCOVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/config.h"

struct udamos_found {
	pid_t pid;
	uint32_t context;
	uint64_t rss;
};

/*
 * A context that looks at every process (by name or executable) would read
 * a file of each of them at every scan.  A process it turned down is
 * looked at again only every UDAMOS_DISCOVER_RECHECK scans: a new process
 * is judged at once; one that execs or grows into a match, or a new one on
 * the PID of one just turned down, waits at most that many scans (20 s at
 * the default 2 s).
 */
#define UDAMOS_DISCOVER_RECHECK 10

struct udamos_turned_down {
	struct udamos_verdict_at {
		pid_t pid;
		uint64_t scan;	/* when it was last judged */
	} *v;			/* sorted by pid */
	size_t nr, cap;
};

struct udamos_discovery {
	struct udamos_found *found;	/* sorted by PID */
	size_t nr, cap;
	size_t nr_matching;		/* before the cut to max */
	struct udamos_turned_down down[UDAMOS_DAEMON_MAX_CONTEXTS], next;
	/* scratch, kept between scans */
	pid_t *pids;
	size_t nr_pids, cap_pids;
	uint64_t nr_scans, nr_facts_read, nr_skipped;
};

/*
 * Finds the processes now, at most max of them (the largest first when
 * more match), never self.  0 or -errno (-ENOMEM).
 */
int udamos_discover(struct udamos_discovery *d, const struct udamos_daemon_cfg *cfg,
		    const char *cgroup_root, pid_t self, size_t max);
void udamos_discovery_release(struct udamos_discovery *d);
/* Forgets every verdict (the config changed). */
void udamos_discovery_forget(struct udamos_discovery *d);

/* Is pid among the found, and in which context?  -1: not found. */
int udamos_discovery_context_of(const struct udamos_discovery *d, pid_t pid);

#endif
