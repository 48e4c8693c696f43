/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's configuration file (JSON; docs/daemon.md and udamos.json(5)
 * describe it): contexts, each a target selector and its schemes, and one
 * monitoring section that serves them all.  Parsing and validation only:
 * nothing here touches the system.
 */
#ifndef UDAMOS_DAEMON_CONFIG_H
#define UDAMOS_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/regions.h"
#include "source/flusher.h"
#include "core/lockpace.h"
#include "core/tablehold.h"
#include "sys/hugewarm.h"
#include "udamos/scheme.h"

#define UDAMOS_DAEMON_MAX_CONTEXTS 16
#define UDAMOS_DAEMON_MAX_PIDS 64
#define UDAMOS_DAEMON_NAME_LEN 48

/*
 * Which processes a context takes.  Every criterion given must hold
 * (pids is a list: any of them); at least one of pids, comm, exe or
 * cgroup must be given, since min_rss alone would take every process.
 */
struct udamos_selector {
	pid_t pids[UDAMOS_DAEMON_MAX_PIDS];
	size_t nr_pids;
	char *comm;		/* fnmatch(3) pattern on /proc/PID/comm */
	char *exe;		/* fnmatch(3) pattern on the executable's path */
	char *cgroup;		/* cgroup v2 path, "/" rooted; descendants too */
	uint64_t min_rss;	/* bytes; 0: any */
};

struct udamos_context {
	char name[UDAMOS_DAEMON_NAME_LEN];
	struct udamos_selector sel;
	struct udamos_scheme *schemes;
	size_t nr_schemes;
};

struct udamos_daemon_cfg {
	struct udamos_context contexts[UDAMOS_DAEMON_MAX_CONTEXTS];
	size_t nr_contexts;
	/* Monitoring: one monitor serves every context. */
	char *source;			/* NULL: auto */
	struct udamos_mon_attrs attrs;
	bool attrs_given;
	struct udamos_flush_cfg flush;
	/* Per target, as udamos run's --mmap_lock_budget, --bloat_budget. */
	uint64_t lock_ns_per_s, bloat_budget;
	enum udamos_collapse_warm collapse_warm;	/* as --collapse_warm */
	enum udamos_churn_spacing churn_spacing;	/* as --churn_spacing */
	enum udamos_collapse_hold collapse_hold;	/* as --collapse_hold */
	uint64_t discovery_us;		/* how often processes are looked for */
	char *metrics_textfile;		/* NULL: none */
	char *control_socket;
};

#define UDAMOS_DAEMON_DEFAULT_SOCKET "/run/udamos/control.sock"
#define UDAMOS_DAEMON_DEFAULT_DISCOVERY_US 2000000ULL

/*
 * Parses a config text; path names the file in reasons.  0, or -EINVAL
 * with one line in why naming the file and the field ("contexts[0].
 * targets.cgroup: ...").  On failure cfg holds nothing to free.
 */
int udamos_daemon_cfg_parse(const char *text, const char *path,
			    struct udamos_daemon_cfg *cfg, char *why, size_t len);
/* Reads and parses a file. */
int udamos_daemon_cfg_load(const char *path, struct udamos_daemon_cfg *cfg,
			   char *why, size_t len);
void udamos_daemon_cfg_release(struct udamos_daemon_cfg *cfg);

/* Does the process with these facts belong to the selector? */
struct udamos_proc_facts {
	pid_t pid;
	const char *comm;	/* NULL: unknown (the process went) */
	const char *exe;	/* NULL: unknown or a kernel thread */
	const char *cgroup;	/* its cgroup v2 path, "/" rooted */
	uint64_t rss;
};
bool udamos_selector_match(const struct udamos_selector *sel,
			   const struct udamos_proc_facts *p);
/* Does matching need the comm, the exe or the cgroup read? */
bool udamos_selector_needs_comm(const struct udamos_selector *sel);
bool udamos_selector_needs_exe(const struct udamos_selector *sel);

#endif
