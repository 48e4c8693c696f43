// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udamos version
 */
#include <stdio.h>

#include "cli/cli.h"
#include "udamos_version.h"

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("udamos %s\n", UDAMOS_VERSION);
	return 0;
}
