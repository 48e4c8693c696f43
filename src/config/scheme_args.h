/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * damo-style scheme options on the command line.  Each --damos_action
 * starts a new scheme; the other --damos_* options refine the latest one.
 */
#ifndef UDAMOS_CONFIG_SCHEME_ARGS_H
#define UDAMOS_CONFIG_SCHEME_ARGS_H

#include <stddef.h>

#include "udamos/scheme.h"

/*
 * If argv[*i] is a --damos_* option, consumes it and its values (moving *i
 * to the last one) and returns 1; returns 0 for other options; returns
 * -EINVAL with a one-line reason (starting with the option's name) in why.
 */
int udamos_scheme_arg(struct udamos_scheme **schemes, size_t *nr, int argc,
		      char **argv, int *i, char *why, size_t why_len);

/* Help text for the --damos_* options. */
extern const char udamos_scheme_args_help[];

#endif
