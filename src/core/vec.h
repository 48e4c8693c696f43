/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Growable arrays: the one reallocation policy (doubling from 16) that
 * every plain array in udamos uses.
 */
#ifndef UDAMOS_CORE_VEC_H
#define UDAMOS_CORE_VEC_H

#include <errno.h>
#include <stdlib.h>

/* Makes room for want elements in *arr; returns 0 or -ENOMEM. */
static inline int udamos_reserve(void *arr, size_t *cap, size_t want, size_t elem)
{
	void **p = arr;
	size_t n = *cap ? *cap : 16;
	void *grown;

	if (want <= *cap)
		return 0;
	while (n < want)
		n *= 2;
	grown = realloc(*p, n * elem);
	if (!grown)
		return -ENOMEM;
	*p = grown;
	*cap = n;
	return 0;
}

#endif
