// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The page tables a collapse_scope table scheme takes whole: a fill goes
 * on from where it stopped, a finished table waits a minute, and a full
 * list gives up the table finished longest ago, never one half done.
 */
#include "test.h"

#include "core/tablefill.h"
#include "udamos/snapshot.h"

static void test_new_table_is_due_from_its_start(void **state)
{
	struct udamos_scheme_state st = { 0 };
	struct udamos_table_fill *f;
	bool due = false;

	(void)state;
	f = udamos_table_fill_get(&st, 3, 5, 100, &due);
	assert_true(due);
	assert_int_equal(f->next_addr, 5 * udamos_table_span());
	udamos_table_fill_stop(f, 5 * udamos_table_span() + MiB(64));
	f = udamos_table_fill_get(&st, 3, 5, 200, &due);
	assert_true(due);
	assert_int_equal(f->next_addr, 5 * udamos_table_span() + MiB(64));
	assert_int_equal(st.nr_fills, 1);
	/* Another target's table of the same number is another table. */
	udamos_table_fill_get(&st, 4, 5, 200, &due);
	assert_int_equal(st.nr_fills, 2);
}

static void test_finished_table_waits(void **state)
{
	struct udamos_scheme_state st = { 0 };
	struct udamos_table_fill *f;
	bool due = true;

	(void)state;
	f = udamos_table_fill_get(&st, 0, 1, 0, &due);
	udamos_table_fill_finish(f, 0);		/* a clock starting at 0 */
	assert_true(udamos_table_fill_finished(f));
	udamos_table_fill_get(&st, 0, 1, UDAMOS_TABLE_REFILL_US - 2, &due);
	assert_false(due);
	f = udamos_table_fill_get(&st, 0, 1, UDAMOS_TABLE_REFILL_US + 1, &due);
	assert_true(due);
	assert_false(udamos_table_fill_finished(f));
	assert_int_equal(f->next_addr, udamos_table_span());
}

static void test_full_list_gives_up_the_oldest_finished(void **state)
{
	struct udamos_scheme_state st = { 0 };
	bool due;

	(void)state;
	for (uint64_t t = 0; t < UDAMOS_MAX_TABLE_FILLS; t++) {
		struct udamos_table_fill *f = udamos_table_fill_get(&st, 0, t, 10, &due);

		/* Even tables finish, the oldest being table 2. */
		if (t % 2 == 0 && t)
			udamos_table_fill_finish(f, 1000 + (t == 2 ? 0 : t));
	}
	udamos_table_fill_get(&st, 0, 999, 2000, &due);
	assert_int_equal(st.nr_fills, UDAMOS_MAX_TABLE_FILLS);
	bool has_0 = false, has_999 = false;

	for (size_t i = 0; i < st.nr_fills; i++) {
		assert_int_not_equal(st.fills[i].table, 2);
		has_0 |= st.fills[i].table == 0;	/* never finished: kept */
		has_999 |= st.fills[i].table == 999;
	}
	assert_true(has_0);
	assert_true(has_999);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_table_is_due_from_its_start),
		cmocka_unit_test(test_finished_table_waits),
		cmocka_unit_test(test_full_list_gives_up_the_oldest_finished),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
