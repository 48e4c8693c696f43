// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for JSON scheme files (--schemes FILE): any text must
 * give schemes or one clear error, never a crash, a leak or undefined
 * behaviour.
 */
#include <stdlib.h>
#include <string.h>

#include "config/scheme_fields.h"
#include "config/scheme_json.h"
#include "udamos/scheme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udamos_scheme *schemes = NULL;
	size_t nr = 0;
	char why[512], *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* On failure too, what was appended is the caller's to free. */
	udamos_schemes_from_json(text, &schemes, &nr, why, sizeof(why));
	udamos_schemes_free(schemes, nr);
	free(text);
	return 0;
}
