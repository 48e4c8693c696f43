/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests that act on a target program of their own: the checks before they
 * start, and starting the target, which writes the address of the memory
 * under test on its first line of stdout, then runs until killed.
 */
#ifndef UDAMOS_TEST_SPAWN_TARGET_H
#define UDAMOS_TEST_SPAWN_TARGET_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

#include "sys/pagesize.h"

/*
 * Usage: TEST PATH_TO_UDAMOS PATH_TO_TARGET.  Sets *target and the
 * kernel's page sizes; returns -1 to go on, or the exit status: 77 (skip)
 * without root, which process_madvise on another process needs.
 */
static int target_test_start(int argc, char **argv, const char **target, uint64_t *page,
			     uint64_t *huge)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s PATH_TO_UDAMOS PATH_TO_TARGET\n", argv[0]);
		return 2;
	}
	*target = argv[2];
	if (geteuid() != 0) {
		puts("skip: needs root (process_madvise on another process)");
		return 77;
	}
	if (udamos_kernel_geometry(page, huge))
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	return -1;
}

/* The child's PID with *mem set, or -1 (a child that started is left to
 * the caller's kill, as in every other case). */
static pid_t spawn_target(const char *bin, const char *name, void **mem)
{
	char line[64] = "";
	int fd[2];
	FILE *out;
	pid_t pid;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		execl(bin, name, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	out = fdopen(fd[0], "r");
	if (pid < 0 || !out || !fgets(line, sizeof(line), out) || sscanf(line, "%p", mem) != 1) {
		if (out)
			fclose(out);
		return -1;
	}
	fclose(out);
	return pid;
}

#endif
