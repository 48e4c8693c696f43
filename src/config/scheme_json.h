/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scheme files in JSON, with the same fields and spellings as the
 * command-line options (docs/schemes.md describes the format).
 */
#ifndef UDAMOS_CONFIG_SCHEME_JSON_H
#define UDAMOS_CONFIG_SCHEME_JSON_H

#include <stddef.h>

#include "udamos/scheme.h"

/*
 * Parses text into schemes (appended to *schemes).  Returns 0, or -EINVAL
 * with a one-line reason naming the JSON path of the bad value in why;
 * either way, what was appended is the caller's to free.
 */
int udamos_schemes_from_json(const char *text, struct udamos_scheme **schemes,
			     size_t *nr, char *why, size_t why_len);

/*
 * The same for a list inside a larger document (the daemon's config):
 * prefix is where the list sits ("contexts[0]."), so that a reason names
 * the whole path.
 */
struct json_object;
int udamos_schemes_from_json_list(struct json_object *list, const char *prefix,
				  struct udamos_scheme **schemes, size_t *nr,
				  char *why, size_t why_len);

/* Reads and parses a file; the reason also names the file. */
int udamos_schemes_from_file(const char *path, struct udamos_scheme **schemes,
			     size_t *nr, char *why, size_t why_len);

#endif
