/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The page tables a collapse_scope table scheme is taking whole: where
 * each one's fill got to and when it finished (udamos/scheme.h).  A fill
 * cut short by the quota or the lock allowance goes on from there at the
 * next apply; a finished table is walked again only a minute later, so a
 * table that is all huge costs no pagemap reads at every apply.
 */
#ifndef UDAMOS_CORE_TABLEFILL_H
#define UDAMOS_CORE_TABLEFILL_H

#include <stdbool.h>
#include <stdint.h>

#include "udamos/scheme.h"

/*
 * The entry for target's table, made if there is none (in place of the
 * finished one longest done, or else the oldest), and whether a walk of
 * it is due: never finished, or finished UDAMOS_TABLE_REFILL_US ago, in
 * which case it starts again from the table's start.
 */
struct udamos_table_fill *udamos_table_fill_get(struct udamos_scheme_state *st,
						 uint32_t target, uint64_t table,
						 uint64_t now_us, bool *due);

static inline bool udamos_table_fill_finished(const struct udamos_table_fill *f)
{
	return f->done_us != 0;
}

void udamos_table_fill_stop(struct udamos_table_fill *f, uint64_t next_addr);
void udamos_table_fill_finish(struct udamos_table_fill *f, uint64_t now_us);

#endif
