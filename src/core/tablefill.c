// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Page tables being taken whole; see tablefill.h.
 */
#include "core/tablefill.h"

#include <string.h>

#include "udamos/snapshot.h"

static uint64_t table_start(uint64_t table)
{
	return table * udamos_table_span();
}

static size_t slot_to_reuse(const struct udamos_scheme_state *st)
{
	size_t pick = 0;

	/* The finished table done longest ago; with none finished, the
	 * least recently started. */
	for (size_t i = 1; i < st->nr_fills; i++) {
		const struct udamos_table_fill *a = &st->fills[i], *b = &st->fills[pick];

		if (udamos_table_fill_finished(a) != udamos_table_fill_finished(b)) {
			if (udamos_table_fill_finished(a))
				pick = i;
		} else if (a->done_us < b->done_us) {
			pick = i;
		}
	}
	return pick;
}

struct udamos_table_fill *udamos_table_fill_get(struct udamos_scheme_state *st,
						 uint32_t target, uint64_t table,
						 uint64_t now_us, bool *due)
{
	struct udamos_table_fill *f;
	size_t i;

	for (i = 0; i < st->nr_fills; i++) {
		f = &st->fills[i];
		if (f->target != target || f->table != table)
			continue;
		*due = !udamos_table_fill_finished(f) ||
		       now_us - f->done_us >= UDAMOS_TABLE_REFILL_US;
		if (udamos_table_fill_finished(f) && *due) {
			f->next_addr = table_start(table);
			f->done_us = 0;
		}
		return f;
	}
	i = st->nr_fills < UDAMOS_MAX_TABLE_FILLS ? st->nr_fills++ : slot_to_reuse(st);
	f = &st->fills[i];
	*f = (struct udamos_table_fill){
		.target = target, .table = table, .next_addr = table_start(table),
	};
	*due = true;
	return f;
}

void udamos_table_fill_stop(struct udamos_table_fill *f, uint64_t next_addr)
{
	if (next_addr > f->next_addr)
		f->next_addr = next_addr;
}

void udamos_table_fill_finish(struct udamos_table_fill *f, uint64_t now_us)
{
	/* 0 means unfinished: a run whose clock starts at 0 finishes at 1. */
	f->done_us = now_us ? now_us : 1;
}
