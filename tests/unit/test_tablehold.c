// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Page tables held until their hot set settles: held while the hot bytes
 * found in them grow, let go once they stop for two aggregations if they
 * are a share of the table worth the wait, or once the wait is long;
 * never held when mixed already, judged afresh once forgotten, and a full
 * list that cannot make room takes a new table unheld.
 */
#include "test.h"

#include "core/lockpace.h"
#include "core/tablehold.h"
#include "core/units.h"

#define S 1000000ULL

/* The table's answer to "mixed already?", and how often it was asked:
 * the answer costs the engine a pagemap read. */
struct table {
	bool mixed;
	unsigned nr_asked;
};

static bool ask(void *ctx)
{
	struct table *t = ctx;

	t->nr_asked++;
	return t->mixed;
}

static enum udamos_hold_verdict judge_table(struct udamos_scheme *s, uint32_t target,
					    uint64_t table, uint64_t hot, struct table *t,
					    uint64_t now_us)
{
	struct udamos_hold_seen seen = { .target = target, .table = table, .hot_bytes = hot };

	return udamos_table_hold_judge(s, &seen, now_us, ask, t);
}

static enum udamos_hold_verdict judge(struct udamos_scheme *s, uint64_t table,
				      uint64_t hot, bool mixed, uint64_t now_us)
{
	struct table t = { .mixed = mixed };

	return judge_table(s, 0, table, hot, &t, now_us);
}

/* A 5 s monitor over a 1 GiB table holding 256 MiB of hot memory, the
 * shape of the probe's (docs/performance.md). */
static enum udamos_hold_verdict judge_5s(struct udamos_scheme *s, uint64_t hot, uint64_t now_us)
{
	struct udamos_hold_seen seen = { .table = 7, .hot_bytes = hot, .watched_bytes = GiB(1),
		.aggr_us = 5 * S };
	struct table small_pages = { 0 };

	return udamos_table_hold_judge(s, &seen, now_us, ask, &small_pages);
}

/* The monitor found 2 MiB, then nothing more for 10 s: under 1/32 of the
 * table, that is not settled.  Found at 40 MiB and still for one
 * aggregation, not yet; for two, let go. */
static void test_settled_takes_two_aggregations_and_a_share(void **state)
{
	struct udamos_scheme s = { 0 };

	(void)state;
	assert_int_equal(judge_5s(&s, MiB(2), 10 * S), UDAMOS_HOLD_WAIT);
	assert_int_equal(judge_5s(&s, MiB(2), 15 * S), UDAMOS_HOLD_WAIT);
	assert_int_equal(judge_5s(&s, MiB(2), 20 * S), UDAMOS_HOLD_WAIT);
	assert_int_equal(judge_5s(&s, MiB(40), 25 * S), UDAMOS_HOLD_WAIT);
	assert_int_equal(judge_5s(&s, MiB(40), 30 * S), UDAMOS_HOLD_WAIT);
	assert_int_equal(judge_5s(&s, MiB(42), 35 * S), UDAMOS_HOLD_TAKE);
}

/* A hot set that stays under the share is taken at the bound. */
static void test_a_small_hot_set_waits_for_the_bound(void **state)
{
	struct udamos_scheme s = { 0 };

	(void)state;
	assert_int_equal(judge_5s(&s, MiB(8), 0), UDAMOS_HOLD_WAIT);
	assert_int_equal(judge_5s(&s, MiB(8), UDAMOS_HOLD_MAX_US - 1), UDAMOS_HOLD_WAIT);
	assert_int_equal(judge_5s(&s, MiB(8), UDAMOS_HOLD_MAX_US), UDAMOS_HOLD_TAKE);
}

static void test_held_while_growing_then_let_go(void **state)
{
	struct udamos_scheme s = { 0 };

	(void)state;
	assert_int_equal(judge(&s, 1, MiB(6), false, 7 * S), UDAMOS_HOLD_WAIT);
	assert_int_equal(s.stats.nr_tables_held, 1);
	assert_int_equal(judge(&s, 1, MiB(114), false, 12 * S), UDAMOS_HOLD_WAIT);
	assert_int_equal(judge(&s, 1, MiB(248), false, 17 * S), UDAMOS_HOLD_WAIT);
	/* Less than an eighth more is not the monitor still finding it. */
	assert_int_equal(judge(&s, 1, MiB(256), false, 19 * S), UDAMOS_HOLD_WAIT);
	assert_int_equal(judge(&s, 1, MiB(256), false, 17 * S + UDAMOS_HOLD_QUIET_US),
			 UDAMOS_HOLD_TAKE);
	/* Let go for good: more found later is taken at once. */
	assert_int_equal(judge(&s, 1, MiB(512), false, 30 * S), UDAMOS_HOLD_TAKE);
	assert_int_equal(s.stats.nr_tables_held, 1);
}

/* Asked once, when first seen: a mixed table is taken, and stays taken
 * without another pagemap read. */
static void test_a_mixed_table_is_not_held(void **state)
{
	struct udamos_scheme s = { 0 };
	struct table mixed = { .mixed = true }, other = { 0 };

	(void)state;
	assert_int_equal(judge_table(&s, 0, 2, MiB(2), &mixed, S), UDAMOS_HOLD_TAKE);
	assert_int_equal(judge_table(&s, 0, 2, MiB(4), &mixed, 2 * S), UDAMOS_HOLD_TAKE);
	assert_int_equal(mixed.nr_asked, 1);
	assert_int_equal(s.stats.nr_tables_held, 0);
	/* Another target's table of the same number is another table. */
	assert_int_equal(judge_table(&s, 1, 2, MiB(2), &other, 2 * S), UDAMOS_HOLD_WAIT);
	assert_int_equal(judge_table(&s, 1, 2, MiB(2), &other, 3 * S), UDAMOS_HOLD_WAIT);
	assert_int_equal(other.nr_asked, 1);
}

static void test_a_growing_hot_set_is_not_waited_for_for_ever(void **state)
{
	struct udamos_scheme s = { 0 };
	uint64_t hot = MiB(2), t = 0;

	(void)state;
	for (; t < UDAMOS_HOLD_MAX_US; t += S, hot *= 2)
		assert_int_equal(judge(&s, 3, hot, false, t), UDAMOS_HOLD_WAIT);
	assert_int_equal(judge(&s, 3, hot, false, t), UDAMOS_HOLD_TAKE);
}

static void test_a_forgotten_table_is_judged_afresh(void **state)
{
	struct udamos_scheme s = { 0 };

	(void)state;
	assert_int_equal(judge(&s, 4, MiB(2), false, S), UDAMOS_HOLD_WAIT);
	assert_int_equal(judge(&s, 4, MiB(2), false, S + UDAMOS_HOLD_QUIET_US),
			 UDAMOS_HOLD_TAKE);
	/* Unseen for a minute: judged afresh, and held again if still small
	 * pages only (all of it split since, say). */
	assert_int_equal(judge(&s, 4, MiB(2), false,
			       S + UDAMOS_HOLD_QUIET_US + UDAMOS_HOLD_FORGET_US),
			 UDAMOS_HOLD_WAIT);
	assert_int_equal(s.state.nr_holds, 1);
	assert_int_equal(s.stats.nr_tables_held, 2);
}

static void test_full_list(void **state)
{
	struct udamos_scheme s = { 0 };

	(void)state;
	for (uint64_t t = 0; t < UDAMOS_MAX_TABLE_HOLDS; t++)
		assert_int_equal(judge(&s, t, MiB(2), false, S), UDAMOS_HOLD_WAIT);
	/* Every entry held: a new table cannot wait, and is taken. */
	assert_int_equal(judge(&s, 100, MiB(2), false, S), UDAMOS_HOLD_TAKE);
	/* Table 5 let go: its entry is the one a new table takes. */
	assert_int_equal(judge(&s, 5, MiB(2), false, S + UDAMOS_HOLD_QUIET_US),
			 UDAMOS_HOLD_TAKE);
	assert_int_equal(judge(&s, 101, MiB(2), false, 2 * S + UDAMOS_HOLD_QUIET_US),
			 UDAMOS_HOLD_WAIT);
	assert_int_equal(s.state.holds[5].table, 101);
	assert_int_equal(s.state.nr_holds, UDAMOS_MAX_TABLE_HOLDS);
}

static void test_modes(void **state)
{
	(void)state;
	assert_int_equal(udamos_parse_auto_on_off("on"), UDAMOS_COLLAPSE_HOLD_ON);
	assert_true(udamos_collapse_hold_wanted(UDAMOS_COLLAPSE_HOLD_AUTO, UDAMOS_SLOW_FAULT_NS));
	assert_false(udamos_collapse_hold_wanted(UDAMOS_COLLAPSE_HOLD_AUTO, 1200));
	/* Not timed counts as cheap: collapse is not delayed. */
	assert_false(udamos_collapse_hold_wanted(UDAMOS_COLLAPSE_HOLD_AUTO, 0));
	assert_true(udamos_collapse_hold_wanted(UDAMOS_COLLAPSE_HOLD_ON, 0));
	assert_false(udamos_collapse_hold_wanted(UDAMOS_COLLAPSE_HOLD_OFF, 20000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_while_growing_then_let_go),
		cmocka_unit_test(test_settled_takes_two_aggregations_and_a_share),
		cmocka_unit_test(test_a_small_hot_set_waits_for_the_bound),
		cmocka_unit_test(test_a_mixed_table_is_not_held),
		cmocka_unit_test(test_a_growing_hot_set_is_not_waited_for_for_ever),
		cmocka_unit_test(test_a_forgotten_table_is_judged_afresh),
		cmocka_unit_test(test_full_list),
		cmocka_unit_test(test_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
