// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udamos: DAMON operation schemes from user space.  Dispatches to one
 * file per subcommand, git style.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sys/pagesize.h"

static const char usage[] =
"usage: udamos <command> [options]\n"
"\n"
"Find the hot memory of running processes and act on it with DAMON-style\n"
"operation schemes (DAMOS), led by collapse: back hot memory with huge\n"
"pages now, through process_madvise(MADV_COLLAPSE).\n"
"\n"
"Commands:\n"
"  daemon     run as a service over the processes a config selects\n"
"  demo       see collapse at work on a built-in workload (udamos demo --help)\n"
"  features   what this kernel offers and which paths udamos takes [--json]\n"
"  record     record processes' access snapshots to a file (udamos record --help)\n"
"  report     heatmap, working sets, regions, coverage (udamos report --help)\n"
"  run        apply schemes to processes (udamos run --help)\n"
"  simulate   replay a recording through schemes, touching nothing\n"
"  status     ask the running daemon [--json|--prometheus]\n"
"  version    print the version\n"
"\n"
"Exit status: 0 ok, 1 runtime failure, 2 bad input, 3 missing privilege\n"
"or kernel feature.\n";

int cli_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("udamos: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "daemon", cmd_daemon },
		{ "demo", cmd_demo },
		{ "features", cmd_features },
		{ "record", cmd_record },
		{ "report", cmd_report },
		{ "run", cmd_run },
		{ "simulate", cmd_simulate },
		{ "status", cmd_status },
		{ "version", cmd_version },
		{ "--version", cmd_version },
	};
	uint64_t page = 0, huge = 0;

	if (argc < 2) {
		fputs(usage, stderr);
		return UDAMOS_ERR_INPUT;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	/* The kernel's page sizes, before anything sizes a window; a
	 * recording brings its own when it is read. */
	if (udamos_kernel_geometry(&page, &huge))
		return cli_fail(UDAMOS_ERR_RUNTIME, "page sizes %" PRIu64 " and %" PRIu64
				" read from the kernel are not a geometry udamos knows; "
				"report this kernel", page, huge);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return cli_fail(UDAMOS_ERR_INPUT, "'%s' is not a command; see 'udamos --help'",
			argv[1]);
}
