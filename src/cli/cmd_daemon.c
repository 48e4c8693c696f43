// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udamos daemon --config FILE [--check]
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "daemon/config.h"
#include "daemon/daemon.h"

static const char help[] =
"usage: udamos daemon --config FILE [--check]\n"
"\n"
"Run as a service: find the processes the config's contexts select, as\n"
"they come and go, and apply each context's schemes to its own.  One\n"
"monitor serves every context.  SIGHUP reloads the config (a bad one is\n"
"refused and the running one stays); SIGTERM or SIGINT stop, with all\n"
"global state restored.  Logs go to stderr, with levels journald reads.\n"
"\n"
"  --config FILE  the configuration (JSON; udamos.json(5), docs/daemon.md)\n"
"  --check        only validate FILE: one line, exit 0 or 2\n"
"\n"
"udamos status [--json|--prometheus] asks a running daemon.\n";

int cmd_daemon(int argc, char **argv)
{
	const char *path = NULL;
	bool check = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(help, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strcmp(argv[i], "--check")) {
			check = true;
		} else {
			return cli_fail(UDAMOS_ERR_INPUT, "daemon: unknown option '%s'; see 'udamos "
					"daemon --help'", argv[i]);
		}
	}
	if (!path)
		return cli_fail(UDAMOS_ERR_INPUT, "daemon: --config FILE is needed; see "
				"deploy/udamos.json for an example");
	if (check) {
		struct udamos_daemon_cfg cfg;
		char why[512];

		if (udamos_daemon_cfg_load(path, &cfg, why, sizeof(why)))
			return cli_fail(UDAMOS_ERR_INPUT, "%s", why);
		printf("config %s: ok, %zu context%s\n", path, cfg.nr_contexts,
		       cfg.nr_contexts == 1 ? "" : "s");
		udamos_daemon_cfg_release(&cfg);
		return 0;
	}
	return udamos_daemon_main(path);
}
