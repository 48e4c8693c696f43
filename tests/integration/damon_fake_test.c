// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The paddr source against a fake DAMON sysfs tree, for the answers no
 * kernel at hand gives: a DAMON without the paddr operations set, and an
 * idle kdamond someone else configured (which adding one would reset).
 * The tree is plain files, so the checks are about what udamos decides
 * and says, and what it leaves as it found.  Also what the shared source
 * reads of a running kdamond, and how it notices one that stopped, came
 * back with another pid or changed its operations set.  And that frames
 * moved in one target (a collapse compacts memory) re-read every
 * target's.  Needs root (page frames).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/frames.h"
#include "source/paddr.h"
#include "../helpers/check.h"
#include "sys/damon.h"
#include "sys/sysfs.h"


static void put(const char *root, const char *rel, const char *value)
{
	char path[512], dir[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0700);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(value, f);
		fclose(f);
	}
}

static const char *nr_kdamonds(const char *root, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/kdamonds/nr_kdamonds", root);
	if (udamos_sysfs_read(path, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

static int try_paddr(const char *root, char *why, size_t len)
{
	struct udamos_target t;
	struct udamos_guard g;
	struct udamos_source *src = NULL;
	struct udamos_paddr_cfg cfg = { .targets = &t, .nr_targets = 1, .refresh_us = 1000000,
		.damon_root = root, .guard = &g };
	int err;

	udamos_guard_init(&g);
	udamos_paddr_default_attrs(&cfg.attrs);
	if (udamos_target_open(&t, getpid()))
		return -ESRCH;
	err = udamos_paddr_create(&cfg, &src, why, len);
	udamos_source_destroy(src);
	udamos_guard_restore(&g);
	udamos_target_close(&t);
	return err;
}

/* A collapse in one target compacts memory, which moves any target's
 * frames: the next refresh reads them all, not only the collapsed one's. */
static void check_moved_frames_reread_everyone(void)
{
	struct udamos_target t[2];
	struct udamos_frames_set fs;
	bool all = true;

	CHECK(udamos_target_open(&t[0], getpid()) == 0 && udamos_target_open(&t[1], getpid()) == 0,
	      "cannot open this process as a target");
	if (failures)
		return;
	CHECK(udamos_frames_set_init(&fs, t, 2, 3600ULL * 1000000, NULL) == 0, "frames set");
	CHECK(udamos_frames_refresh(&fs, true, &all) == 0 && all, "first read");
	CHECK(udamos_frames_refresh(&fs, false, &all) == 0 && !all,
	      "nothing moved and nothing due, yet everyone was read");
	t[1].frames_moved = true;
	CHECK(udamos_frames_refresh(&fs, false, &all) == 0 && all,
	      "frames moved in target 1, and target 0's were not read again");
	CHECK(!t[0].frames_moved && !t[1].frames_moved, "moves not cleared by the read");
	udamos_frames_set_release(&fs);
	udamos_target_close(&t[0]);
	udamos_target_close(&t[1]);
}

int main(void)
{
	char root[] = "/tmp/udamos-fake-damon-XXXXXX", why[512], buf[64], cmd[600];
	int err;

	if (geteuid() != 0) {
		printf("SKIP: needs root (page frames)\n");
		return 77;
	}
	if (!mkdtemp(root))
		return 1;

	/* A DAMON that offers vaddr and fvaddr only. */
	put(root, "kdamonds/nr_kdamonds", "0");
	put(root, "kdamonds/0/contexts/0/avail_operations", "vaddr\nfvaddr\n");
	put(root, "kdamonds/0/state", "off");
	err = try_paddr(root, why, sizeof(why));
	printf("no paddr: %s\n", why);
	CHECK(err == -EOPNOTSUPP, "err %d, want -EOPNOTSUPP", err);
	CHECK(strstr(why, "no paddr operations set") && strstr(why, "CONFIG_DAMON_PADDR"),
	      "message: %s", why);
	CHECK(!strcmp(nr_kdamonds(root, buf, sizeof(buf)), "0"),
	      "nr_kdamonds left at '%s', want 0", buf);

	/* An idle kdamond someone configured: adding ours would reset it. */
	put(root, "kdamonds/nr_kdamonds", "1");
	put(root, "kdamonds/0/contexts/0/operations", "paddr");
	put(root, "kdamonds/0/pid", "-1");
	err = try_paddr(root, why, sizeof(why));
	printf("idle foreign kdamond: %s\n", why);
	CHECK(err == -EBUSY, "err %d, want -EBUSY", err);
	CHECK(strstr(why, "kdamond 0 (off, paddr) exists and was not created by udamos"),
	      "message: %s", why);
	CHECK(!strcmp(nr_kdamonds(root, buf, sizeof(buf)), "1"),
	      "nr_kdamonds changed to '%s'", buf);
	/* A running kdamond, as the shared source reads it: files only. */
	put(root, "kdamonds/0/state", "on");
	put(root, "kdamonds/0/pid", "4242");
	put(root, "kdamonds/0/contexts/0/monitoring_attrs/intervals/sample_us", "500000");
	put(root, "kdamonds/0/contexts/0/monitoring_attrs/intervals/aggr_us", "5000000");
	put(root, "kdamonds/0/contexts/0/monitoring_attrs/intervals/intervals_goal/access_bp", "0");
	put(root, "kdamonds/0/contexts/0/targets/nr_targets", "1");
	put(root, "kdamonds/0/contexts/0/targets/0/pid_target", "0");
	put(root, "kdamonds/0/contexts/0/targets/0/regions/nr_regions", "2");
	put(root, "kdamonds/0/contexts/0/targets/0/regions/0/start", "4294967296");
	put(root, "kdamonds/0/contexts/0/targets/0/regions/0/end", "5368709120");
	put(root, "kdamonds/0/contexts/0/targets/0/regions/1/start", "8589934592");
	put(root, "kdamonds/0/contexts/0/targets/0/regions/1/end", "8589934592");
	{
		struct udamos_foreign_kdamond k, now;

		CHECK(udamos_foreign_read_sysfs(root, 0, &k) == 0, "a running kdamond not read");
		CHECK(k.pid == 4242 && !strcmp(k.ops, "paddr") && k.sample_us == 500000 &&
		      k.aggr_us == 5000000 && !k.tuned, "read pid %d ops %s %llu/%llu", k.pid,
		      k.ops, (unsigned long long)k.sample_us, (unsigned long long)k.aggr_us);
		/* The empty second region is no range. */
		CHECK(k.nr_ranges == 1 && k.ranges[0][0] == 4294967296ULL &&
		      k.ranges[0][1] == 5368709120ULL, "%zu ranges", k.nr_ranges);
		CHECK(udamos_foreign_check(&k, root, 0, &now, why, sizeof(why)) == 0,
		      "unchanged kdamond reported changed: %s", why);
		put(root, "kdamonds/0/pid", "4343");
		CHECK(udamos_foreign_check(&k, root, 0, &now, why, sizeof(why)) == -ESTALE &&
		      strstr(why, "restarted (pid 4343, was 4242)"), "restart: %s", why);
		printf("restarted: %s\n", why);
		put(root, "kdamonds/0/pid", "4242");
		put(root, "kdamonds/0/contexts/0/operations", "vaddr");
		CHECK(udamos_foreign_check(&k, root, 0, &now, why, sizeof(why)) == -ESTALE &&
		      strstr(why, "now monitors vaddr"), "ops change: %s", why);
		put(root, "kdamonds/0/state", "off");
		CHECK(udamos_foreign_check(&k, root, 0, &now, why, sizeof(why)) == -ESTALE &&
		      strstr(why, "stopped"), "stop: %s", why);
		printf("stopped: %s\n", why);
		/* The reads wrote nothing: the files are as put. */
		CHECK(!strcmp(nr_kdamonds(root, buf, sizeof(buf)), "1"), "nr_kdamonds changed");
	}
	check_moved_frames_reread_everyone();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		failures++;
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
