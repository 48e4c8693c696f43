// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udamos features: what this kernel offers udamos, and which monitoring
 * and action paths udamos will take on it.  Kernel DAMON's vocabulary
 * (operations sets, actions, filters, goal metrics) is probed the way the
 * kernel documents: writing a name into a scheme of a kdamond of our own,
 * which answers EINVAL for names it does not know.  Nothing is probed on
 * kdamonds udamos did not create.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "source/flusher.h"
#include "source/kmon.h"
#include "sys/damon.h"
#include "sys/detach.h"
#include "sys/faultcost.h"
#include "sys/kdamond.h"
#include "sys/pidfd.h"
#include "sys/sysfs.h"
#include "sys/thp.h"
#include "udamos/snapshot.h"

static const char *const advices[][2] = {
	{ "cold", "20" }, { "pageout", "21" }, { "willneed", "3" }, { "collapse", "25" },
	{ "hugepage", "14" }, { "nohugepage", "15" },
};
static const char *const actions[] = {
	"willneed", "cold", "pageout", "hugepage", "nohugepage", "collapse", "lru_prio",
	"lru_deprio", "migrate_hot", "migrate_cold", "stat",
};
static const char *const filters[] = {
	"anon", "active", "memcg", "young", "hugepage_size", "unmapped", "addr", "target",
};
static const char *const metrics[] = {
	"user_input", "some_mem_psi_us", "node_mem_used_bp", "node_mem_free_bp",
	"node_memcg_used_bp", "node_memcg_free_bp", "active_mem_bp", "inactive_mem_bp",
	"hugepage_mem_bp",
};

struct found {
	json_object *root;
	char ops[96];
	bool damon_free, have_vaddr, have_paddr, kernel_collapse;
};

static json_object *list_accepted(const char *dir, const char *file, const char *const *names,
				  size_t n, const char *setup_path)
{
	json_object *arr = json_object_new_array();
	char path[480];

	if (setup_path && udamos_damon_write(setup_path, "1"))
		return arr;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	for (size_t i = 0; i < n; i++)
		if (!udamos_damon_write(path, names[i]))
			json_object_array_add(arr, json_object_new_string(names[i]));
	return arr;
}

/* With a kdamond of our own: what DAMON's vocabulary holds. */
static void probe_damon(struct found *f, struct udamos_kdamond *kd)
{
	char ctx[256], scheme[300], sub[360], path[480];
	json_object *acts;

	snprintf(path, sizeof(path), "%s/contexts/nr_contexts", kd->dir);
	udamos_damon_write(path, "1");
	snprintf(ctx, sizeof(ctx), "%s/contexts/0", kd->dir);
	snprintf(path, sizeof(path), "%s/avail_operations", ctx);
	udamos_sysfs_read(path, f->ops, sizeof(f->ops));
	snprintf(path, sizeof(path), "%s/schemes/nr_schemes", ctx);
	snprintf(scheme, sizeof(scheme), "%s/schemes/0", ctx);
	acts = list_accepted(scheme, "action", actions, sizeof(actions) / sizeof(actions[0]), path);
	for (size_t i = 0; i < json_object_array_length(acts); i++)
		f->kernel_collapse |= !strcmp(json_object_get_string(
			json_object_array_get_idx(acts, i)), "collapse");
	json_object_object_add(f->root, "damon_actions", acts);
	/* Filters moved to ops_filters/core_filters in newer kernels. */
	snprintf(path, sizeof(path), "%s/filters/nr_filters", scheme);
	snprintf(sub, sizeof(sub), "%s/filters/0", scheme);
	json_object_object_add(f->root, "damon_filters",
			       list_accepted(sub, "type", filters,
					     sizeof(filters) / sizeof(filters[0]), path));
	snprintf(path, sizeof(path), "%s/quotas/goals/nr_goals", scheme);
	snprintf(sub, sizeof(sub), "%s/quotas/goals/0", scheme);
	json_object_object_add(f->root, "damon_goal_metrics",
			       list_accepted(sub, "target_metric", metrics,
					     sizeof(metrics) / sizeof(metrics[0]), path));
}

static void damon(struct found *f, FILE *log)
{
	struct udamos_damon_view v;
	struct udamos_kdamond kd;
	struct udamos_guard g;
	json_object *kds = json_object_new_array();
	char why[448], desc[160];

	if (udamos_damon_view(UDAMOS_DAMON_ROOT, &v)) {
		json_object_object_add(f->root, "damon", json_object_new_string(
			"absent: the kernel needs CONFIG_DAMON_SYSFS (Linux 5.18+)"));
		return;
	}
	for (unsigned i = 0; i < v.nr_kdamonds && i < UDAMOS_MAX_KDAMONDS; i++) {
		udamos_kdamond_describe(&v.kd[i], desc, sizeof(desc));
		json_object_array_add(kds, json_object_new_string(desc));
	}
	json_object_object_add(f->root, "kdamonds", kds);
	udamos_guard_init(&g);
	if (geteuid() != 0) {
		json_object_object_add(f->root, "damon", json_object_new_string(
			"present; probing it needs root"));
	} else if (udamos_kdamond_acquire(&kd, UDAMOS_DAMON_ROOT, &g, log, why, sizeof(why))) {
		json_object_object_add(f->root, "damon", json_object_new_string(why));
		/* Read-only: the operations sets of a kdamond that is not ours. */
		for (unsigned i = 0; i < v.nr_kdamonds && !f->ops[0]; i++) {
			char path[200];

			snprintf(path, sizeof(path), "%s/kdamonds/%u/contexts/0/avail_operations",
				 UDAMOS_DAMON_ROOT, i);
			udamos_sysfs_read(path, f->ops, sizeof(f->ops));
		}
	} else {
		udamos_guard_arm(&g);
		f->damon_free = true;
		json_object_object_add(f->root, "damon", json_object_new_string("free"));
		probe_damon(f, &kd);
		udamos_kdamond_release(&kd);
	}
	udamos_guard_restore(&g);
	for (char *p = f->ops; *p; p++)
		if (*p == '\n')
			*p = ' ';
	f->have_vaddr = strstr(f->ops, "vaddr") != NULL;
	f->have_paddr = strstr(f->ops, "paddr") != NULL;
	json_object_object_add(f->root, "damon_operations", json_object_new_string(f->ops));
}

/* Whether accessed bits go blind here, and what --tlb_flush auto does. */
/*
 * The geometry udamos sizes windows by, and the multi-size THP sizes with
 * their modes: one can be enabled under a top-level never, and collapse
 * always makes PMD-size pages whatever they say.
 */
static void page_sizes(struct json_object *root)
{
	struct udamos_mthp sizes[32];
	size_t n = udamos_thp_mthp_sizes(sizes, 32);
	struct json_object *mthp = json_object_new_array();
	char buf[64];

	json_object_object_add(root, "page_size",
			       json_object_new_int64((int64_t)udamos_page_size()));
	json_object_object_add(root, "huge_page_size",
			       json_object_new_int64((int64_t)udamos_huge_size()));
	for (size_t i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%" PRIu64 "K:%s", sizes[i].size >> 10, sizes[i].mode);
		json_object_array_add(mthp, json_object_new_string(buf));
	}
	json_object_object_add(root, "mthp", mthp);
}

static void blind_spot(json_object *root)
{
	struct udamos_blindspot b;
	char buf[200];
	int err = udamos_blindspot_once(&b);

	if (err)
		snprintf(buf, sizeof(buf), "not probed: %s", strerror(-err));
	else
		snprintf(buf, sizeof(buf), "%s: a probe process's pages read after their "
			 "accessed bits were cleared showed %u.%u%% of them accessed; "
			 "--tlb_flush auto %s", b.blind ? "detected" : "not detected",
			 b.seen_permil / 10, b.seen_permil % 10,
			 b.blind ? "flushes the targets' TLBs" : "does not flush");
	json_object_object_add(root, "accessed_bit_blind_spot", json_object_new_string(buf));
}

/* What a page fault costs here, and so how churning targets are paced. */
static void fault_cost(json_object *root)
{
	uint64_t ns;
	char buf[320];
	int err = udamos_minor_fault_ns(&ns);
	bool spaced = !err && udamos_churn_spacing_wanted(UDAMOS_CHURN_SPACING_AUTO, ns);
	bool held = !err && udamos_collapse_hold_wanted(UDAMOS_COLLAPSE_HOLD_AUTO, ns);

	if (err)
		snprintf(buf, sizeof(buf), "not timed: %s", strerror(-err));
	else
		snprintf(buf, sizeof(buf), "%.1f us a fault%s; --churn_spacing auto %s; "
			 "--collapse_hold auto %s",
			 (double)ns / 1000, spaced ? "" : " (the host shadows page tables)",
			 spaced ? "spaces churning targets' collapse calls" : "does not space them",
			 held ? "holds page tables until their hot set settles" : "does not hold");
	json_object_object_add(root, "page_fault_cost", json_object_new_string(buf));
}

int cmd_features(int argc, char **argv)
{
	struct found f = { .root = json_object_new_object() };
	json_object *adv = json_object_new_array(), *paths = json_object_new_object();
	struct utsname u;
	char mode[32] = "";
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	pid_t child, parent;
	int other;

	if (geteuid() != 0) {
		json_object_put(f.root);
		json_object_put(adv);
		json_object_put(paths);
		return cli_fail(UDAMOS_ERR_ENV, "features probes DAMON sysfs (CAP_SYS_ADMIN) and "
				"process_madvise on another process (CAP_SYS_NICE); run it as root");
	}
	if (argc > 2 || (argc > 1 && !json)) {
		json_object_put(f.root);
		json_object_put(adv);
		json_object_put(paths);
		return cli_fail(UDAMOS_ERR_INPUT, "'%s': features takes only --json", argv[argc - 1]);
	}
	/* Probed on another process: for itself, a process may give any
	 * advice, which says nothing about what udamos can do to targets. */
	parent = getpid();
	child = fork();
	if (child == 0) {
		udamos_child_detach(parent, -1);
		pause();
		_exit(0);
	}
	other = child > 0 ? udamos_pidfd_open(child) : -1;
	uname(&u);
	json_object_object_add(f.root, "kernel", json_object_new_string(u.release));
	for (size_t i = 0; i < sizeof(advices) / sizeof(advices[0]); i++)
		if (other >= 0 && !udamos_madvise_probe(other, atoi(advices[i][1])))
			json_object_array_add(adv, json_object_new_string(advices[i][0]));
	json_object_object_add(f.root, "process_madvise", adv);
	if (udamos_thp_available() && !udamos_thp_mode(mode, sizeof(mode)))
		json_object_object_add(f.root, "thp", json_object_new_string(mode));
	else
		json_object_object_add(f.root, "thp", json_object_new_string(
			"absent: the kernel needs CONFIG_TRANSPARENT_HUGEPAGE"));
	page_sizes(f.root);
	damon(&f, stderr);

	blind_spot(f.root);
	fault_cost(f.root);
	/* The paths udamos takes on this kernel. */
	json_object_object_add(paths, "monitoring", json_object_new_string(
		!f.ops[0] ? "none: no kernel DAMON (only --source oracle:MODEL, a model "
		"handed the answer, which is not monitoring)" :
		f.have_vaddr ? "kernel DAMON vaddr" :
		f.have_paddr ? "kernel DAMON paddr, projected onto virtual addresses" :
		"none: DAMON has neither vaddr nor paddr"));
	if (!f.damon_free && f.ops[0])
		json_object_object_add(paths, "monitoring_now", json_object_new_string(
			"shared: the running kdamond's results, read and never written, where "
			"it watches at least half of the targets' memory (see kdamonds)"));
	json_object_object_add(paths, "collapse", json_object_new_string(
		strstr(json_object_to_json_string(adv), "collapse") ?
		"user space: process_madvise(MADV_COLLAPSE) into PMD-size huge pages, "
		"udamos's quotas and ranking" :
		"unavailable: needs Linux 6.1+ with CONFIG_TRANSPARENT_HUGEPAGE"));
	json_object_object_add(paths, "hugepage", json_object_new_string(
		f.have_vaddr ? "delegated to a kernel DAMON vaddr kdamond (process_madvise "
		"refuses it); other actions too with apply_by kernel" :
		"unavailable: needs kernel DAMON with vaddr"));
	json_object_object_add(f.root, "paths", paths);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (other >= 0)
		close(other);

	if (json) {
		puts(json_object_to_json_string_ext(f.root, JSON_C_TO_STRING_PLAIN));
	} else {
		json_object_object_foreach(f.root, key, val) {
			if (json_object_is_type(val, json_type_object)) {
				json_object_object_foreach(val, k2, v2)
					printf("%-22s %s\n", k2, json_object_get_string(v2));
			} else if (json_object_is_type(val, json_type_array)) {
				printf("%-22s", key);
				for (size_t i = 0; i < json_object_array_length(val); i++)
					printf("%s%s", i ? ", " : " ",
					       json_object_get_string(json_object_array_get_idx(val, i)));
				printf("%s\n", json_object_array_length(val) ? "" : " none");
			} else {
				printf("%-22s %s\n", key, json_object_get_string(val));
			}
		}
	}
	json_object_put(f.root);
	return 0;
}
