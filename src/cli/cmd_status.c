// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udamos status [--json|--prometheus] [--socket PATH]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "daemon/config.h"
#include "sys/ctlsock.h"

static const char help[] =
"usage: udamos status [--json|--prometheus] [--socket PATH]\n"
"\n"
"Ask the running udamos daemon for its targets, schemes and their stats,\n"
"effective quotas, monitor and hot-set coverage: as text, as JSON, or as\n"
"its Prometheus metrics.  Root only (the control socket checks).\n"
"\n"
"  --socket PATH  the daemon's control socket (default " UDAMOS_DAEMON_DEFAULT_SOCKET ")\n";

int cmd_status(int argc, char **argv)
{
	const char *path = UDAMOS_DAEMON_DEFAULT_SOCKET, *request = "status";
	char why[512], *answer;
	int err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(help, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			request = "status json";
		} else if (!strcmp(argv[i], "--prometheus")) {
			request = "metrics";
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			path = argv[++i];
		} else {
			return cli_fail(UDAMOS_ERR_INPUT, "status: unknown option '%s'; see 'udamos "
					"status --help'", argv[i]);
		}
	}
	err = udamos_ctl_request(path, request, &answer, why, sizeof(why));
	if (err)
		return cli_fail(err == -EACCES ? UDAMOS_ERR_ENV : UDAMOS_ERR_RUNTIME, "%s", why);
	if (!strncmp(answer, "error: ", 7)) {
		fprintf(stderr, "udamos: %s", answer + 7);
		free(answer);
		return UDAMOS_ERR_ENV;
	}
	fputs(answer, stdout);
	free(answer);
	return 0;
}
