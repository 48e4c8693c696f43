// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the --damos_* command line: the input, split at
 * newlines, is an argument vector.  Any arguments must give schemes or
 * one clear error naming the option, never a crash, a leak or undefined
 * behaviour.
 */
#include <stdlib.h>
#include <string.h>

#include "config/scheme_args.h"
#include "config/scheme_fields.h"
#include "udamos/scheme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udamos_scheme *schemes = NULL;
	char *argv[MAX_ARGS + 1], why[512], *text = malloc(size + 1), *p;
	size_t nr = 0;
	int argc = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (p = text; argc < MAX_ARGS; p++) {
		argv[argc++] = p;
		p = strchr(p, '\n');
		if (!p)
			break;
		*p = '\0';
	}
	argv[argc] = NULL;
	for (int i = 0; i < argc; i++) {
		int err = udamos_scheme_arg(&schemes, &nr, argc, argv, &i, why, sizeof(why));

		if (err < 0)
			break;
	}
	udamos_schemes_free(schemes, nr);
	free(text);
	return 0;
}
