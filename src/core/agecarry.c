// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Window ages across runs; see agecarry.h.
 */
#include "core/agecarry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"

void udamos_age_carry_take(struct udamos_age_carry *c, pid_t pid, uint64_t start_ticks,
			   struct udamos_window_ages *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < c->n; i++) {
		if (c->e[i].pid != pid)
			continue;
		if (c->e[i].start_ticks == start_ticks)
			*out = c->e[i].ages;
		else
			udamos_window_ages_release(&c->e[i].ages);
		c->e[i] = c->e[--c->n];
		return;
	}
}

int udamos_age_carry_keep(struct udamos_age_carry *c, pid_t pid, uint64_t start_ticks,
			  struct udamos_window_ages *ages)
{
	struct udamos_window_ages old;

	udamos_age_carry_take(c, pid, start_ticks, &old);
	udamos_window_ages_release(&old);
	if (udamos_reserve(&c->e, &c->cap, c->n + 1, sizeof(*c->e))) {
		udamos_window_ages_release(ages);
		return -ENOMEM;
	}
	c->e[c->n++] = (struct udamos_age_carry_entry){ pid, start_ticks, *ages };
	memset(ages, 0, sizeof(*ages));
	return 0;
}

void udamos_age_carry_release(struct udamos_age_carry *c)
{
	for (size_t i = 0; i < c->n; i++)
		udamos_window_ages_release(&c->e[i].ages);
	free(c->e);
	memset(c, 0, sizeof(*c));
}
