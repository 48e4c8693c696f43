/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The windows of table_target, shared with table_test: counts of huge
 * page windows from the table's start, in this order.
 */
#ifndef UDAMOS_TEST_TABLE_LAYOUT_H
#define UDAMOS_TEST_TABLE_LAYOUT_H

#define TL_HOT 2
#define TL_COLD 16
#define TL_SPARSE 2
#define TL_ANON_WIN (TL_HOT + TL_COLD + TL_SPARSE)
#define TL_FILE_AT 64		/* the memfd's first window */
#define TL_FILE_WIN 2
#define TL_NEXT 4		/* whole cold windows in the next table */

#endif
