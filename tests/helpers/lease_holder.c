// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Drives the restore guard and knob leases for tests/integration/
 * lease_test.sh, on plain files: no root and no real knob needed.
 *
 *   lease_holder DIR KNOB VALUE   set KNOB under a lease, print our pid and
 *                                 the guard's, then hold until stdin closes,
 *                                 and restore
 *   lease_holder DIR recover      restore leases left with no live holder
 *   lease_holder dead-guard       restore after the guard process died: must
 *                                 return, never die of SIGPIPE
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/guard.h"
#include "sys/lease.h"

static int dead_guard(void)
{
	struct udamos_guard g;

	udamos_guard_init(&g);
	if (udamos_guard_arm(&g))
		return 1;
	kill(g.child, SIGKILL);
	waitpid(g.child, NULL, 0);
	g.child = -1;
	udamos_guard_restore(&g);	/* tells a dead guard "done" */
	puts("survived");
	return 0;
}

int main(int argc, char **argv)
{
	struct udamos_guard g;
	char why[512], c;

	if (argc == 2 && !strcmp(argv[1], "dead-guard"))
		return dead_guard();
	if (argc == 3 && !strcmp(argv[2], "recover")) {
		printf("%d\n", udamos_lease_recover(argv[1], stdout));
		return 0;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: %s DIR KNOB VALUE | DIR recover | dead-guard\n", argv[0]);
		return 2;
	}
	udamos_guard_init(&g);
	if (udamos_guard_arm(&g) ||
	    udamos_lease_set(&g, argv[1], argv[2], argv[3], why, sizeof(why))) {
		fprintf(stderr, "lease_holder: %s\n", why);
		udamos_guard_restore(&g);
		return 1;
	}
	printf("%d %d\n", (int)getpid(), (int)g.child);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	udamos_guard_restore(&g);
	return 0;
}
