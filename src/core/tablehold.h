/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Page tables whose first collapse waits for the monitor to settle on
 * what is hot in them (collapse_hold, udamos/engine.h).  Under a
 * hypervisor that shadows the guest's page tables, a few huge windows in
 * a table of small pages that are being read slow those reads for as
 * long as the table stays mixed: with 3 of the probe's 128 hot windows
 * collapsed, its read p99 went from 0.5 to 5-25 us and stayed there for
 * 20 s, until the rest was collapsed; with a quarter or more collapsed it
 * was back near 0.5, and with all of them at once there was no slow
 * second at all (docs/performance.md).  A monitor that sees memory
 * through blind accessed bits finds a hot set over several aggregations,
 * so collapsing each window when first seen starts that mixed state with
 * a few windows and keeps it for as long as the monitor takes.  Held
 * until the hot memory found in it stops growing, a table is taken in
 * one apply instead.
 */
#ifndef UDAMOS_CORE_TABLEHOLD_H
#define UDAMOS_CORE_TABLEHOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "udamos/scheme.h"

/* Whether collapse schemes hold tables at all: auto holds where a fault
 * costs UDAMOS_SLOW_FAULT_NS (core/lockpace.h), the sign that the host
 * shadows the guest's page tables; where the hardware walks them a mixed
 * table costs nothing, and waiting would only delay the collapse. */
enum udamos_collapse_hold {
	UDAMOS_COLLAPSE_HOLD_AUTO,
	UDAMOS_COLLAPSE_HOLD_ON,
	UDAMOS_COLLAPSE_HOLD_OFF,
};

/* Given the mode and a minor fault's cost here (0: not known, which
 * counts as cheap: collapse is then not delayed). */
bool udamos_collapse_hold_wanted(enum udamos_collapse_hold mode, uint64_t fault_ns);

/* Growth in a held table's hot bytes of more than 1/2^this of the most
 * seen counts as the monitor still finding it. */
#define UDAMOS_HOLD_GROWTH_SHIFT 3
/*
 * A table is let go once its hot bytes have not grown for two of the
 * monitor's aggregations (UDAMOS_HOLD_QUIET_US at the least), if they are
 * 1/2^UDAMOS_HOLD_SHARE_SHIFT of what the monitor watches in the table or
 * more; or once it has been held for UDAMOS_HOLD_MAX_US.  One aggregation
 * is not enough: a monitor through a kdamond that aggregates every 5 s
 * found 2 MiB of the probe's hot set, then nothing more for 5-10 s, then
 * the rest over 40 s.  The share is not enough alone either: the hot set
 * may be small.  A table whose hot memory stays under the share waits
 * the longest, and gains the least from the wait: most of what it reads
 * is in other tables.  The bound keeps a hot set that the monitor finds
 * slowly from waiting for ever.
 */
#define UDAMOS_HOLD_QUIET_US 3000000ULL
#define UDAMOS_HOLD_SHARE_SHIFT 5
#define UDAMOS_HOLD_MAX_US 30000000ULL
/* A table not seen hot for this long is forgotten, and judged afresh. */
#define UDAMOS_HOLD_FORGET_US 60000000ULL

enum udamos_hold_verdict {
	UDAMOS_HOLD_TAKE,
	UDAMOS_HOLD_WAIT,
};

/* What one apply found of one table: the bytes its candidates hold, the
 * bytes the monitor watches there, and its aggregation interval. */
struct udamos_hold_seen {
	uint32_t target;
	uint64_t table;
	uint64_t hot_bytes, watched_bytes;
	uint64_t aggr_us;
};

/* Whether the table maps a huge page already: a table that is mixed
 * gains nothing by waiting.  Asked only of a table the scheme has no
 * entry for, as the answer costs a pagemap read. */
typedef bool (*udamos_table_mixed_fn)(void *ctx);

/*
 * Whether the scheme's candidates in seen's table are held at this apply.
 * Counts a table it begins to hold in the scheme's nr_tables_held.
 */
enum udamos_hold_verdict udamos_table_hold_judge(struct udamos_scheme *s,
					       const struct udamos_hold_seen *seen,
					       uint64_t now_us, udamos_table_mixed_fn mixed,
					       void *ctx);

#endif
