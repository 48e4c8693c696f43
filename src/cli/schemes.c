// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Arguments every command takes the same way (schemes, PIDs); see cli.h.
 */
#include "cli/cli.h"
#include "core/units.h"
#include "config/scheme_fields.h"
#include "config/scheme_json.h"

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

int cli_parse_pid(const char *v, pid_t *out)
{
	uint64_t x;

	if (udamos_parse_u64(v, &x) || !x || x > 4194304)
		return cli_fail(UDAMOS_ERR_INPUT, "--pid %s: not a process ID; give a "
				"positive number", v);
	*out = (pid_t)x;
	return 0;
}
