// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Arguments every command takes the same way (schemes, PIDs); see cli.h.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/units.h"
#include "config/scheme_fields.h"
#include "config/scheme_json.h"
#include "source/select.h"

int cli_finish_schemes(const char *file, struct udamos_scheme **schemes, size_t *nr)
{
	char why[512];

	if (file && *nr)
		return cli_fail(UDAMOS_ERR_INPUT, "--schemes: give either a scheme file or "
				"--damos_* options, not both");
	if (file && udamos_schemes_from_file(file, schemes, nr, why, sizeof(why)))
		return cli_fail(UDAMOS_ERR_INPUT, "--schemes %s", why);
	if (!*nr) {
		if (!udamos_schemes_push(schemes, nr, UDAMOS_ACTION_COLLAPSE))
			return cli_fail(UDAMOS_ERR_RUNTIME, "out of memory");
		udamos_scheme_default_collapse(&(*schemes)[0]);
	}
	for (size_t i = 0; i < *nr; i++)
		if (udamos_scheme_validate(&(*schemes)[i], why, sizeof(why)))
			return cli_fail(UDAMOS_ERR_INPUT, "scheme %zu (%s): %s", i,
					udamos_action_name((*schemes)[i].action), why);
	return 0;
}

int cli_parse_tlb_flush(const char *v, struct udamos_flush_cfg *out)
{
	if (!v || udamos_tlb_flush_parse(v, &out->mode))
		return cli_fail(UDAMOS_ERR_INPUT, "--tlb_flush %s: use auto (flush only where "
				"the accessed-bit probe finds the blind spot), on or off",
				v ? v : "(nothing)");
	return 0;
}

int cli_check_source(const char *v)
{
	if (!v || !udamos_source_spec_valid(v))
		return cli_fail(UDAMOS_ERR_INPUT, "--source %s: unknown source; use auto, vaddr, "
				"paddr, shared or oracle:MODEL", v ? v : "(nothing)");
	return 0;
}

const char *cli_monitoring_label(const struct udamos_run_result *res)
{
	static char buf[256];

	if (!strcmp(res->source, "oracle"))
		return "the oracle: a model handed the true hot set, not monitoring; its "
			"figures are an upper bound";
	snprintf(buf, sizeof(buf), "%s", res->monitor[0] ? res->monitor : res->source);
	return buf;
}

int cli_parse_pid(const char *v, pid_t *out)
{
	uint64_t x;

	if (udamos_parse_u64(v, &x) || !x || x > 4194304)
		return cli_fail(UDAMOS_ERR_INPUT, "--pid %s: not a process ID; give a "
				"positive number", v);
	*out = (pid_t)x;
	return 0;
}
