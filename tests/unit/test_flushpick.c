// SPDX-License-Identifier: GPL-2.0-or-later
/* The blind-spot flush's window, and the tune event it follows. */
#include "test.h"

#include "core/flushpick.h"
#include "core/projection.h"
#include "sys/tracefs.h"

#define W MiB(2)

/* A snapshot's plan, and its first window. */
static bool pick(const struct udamos_snapshot *sn, struct udamos_flush_pick *st,
		 struct udamos_flush_plan *plan, uint64_t *w)
{
	return udamos_flush_pick(sn, W, NULL, 0, st, plan) && udamos_flush_plan_next(plan, w);
}

static void test_hottest_window_whole_and_aligned(void **state)
{
	struct udamos_region r[] = {
		{ 0, 4 * W, 2, 0 }, { 4 * W, 6 * W, 9, 3 }, { 6 * W, 9 * W, 9, 1 },
	};
	struct udamos_snapshot sn = { .nr_regions = 3, .regions = r };
	struct udamos_flush_pick st = { 0 };
	struct udamos_flush_plan plan;
	uint64_t w = 1;

	(void)state;
	assert_true(pick(&sn, &st, &plan, &w));
	/* The hottest, each at a window boundary, in turn. */
	assert_int_equal(w, 4 * W);
	assert_int_equal(plan.n, 2);
	assert_true(udamos_flush_plan_next(&plan, &w));
	assert_int_equal(w, 6 * W);
	assert_true(udamos_flush_plan_next(&plan, &w));
	assert_int_equal(w, 4 * W);
	r[1].start = 4 * W + 4096;	/* an unaligned region still gives a whole window */
	assert_true(pick(&sn, &st, &plan, &w));
	assert_int_equal(w, 4 * W);
}

/*
 * Nothing reads hot: one snapshot lasts several flushes, and each takes
 * the next window in turn (a window that flushes nothing must not be
 * tried again and again until the next snapshot), wrapping around; the
 * next snapshot goes on from there.
 */
static void test_nothing_hot_takes_windows_in_turn(void **state)
{
	struct udamos_region r[] = { { 0, 2 * W, 0, 0 }, { 10 * W, 11 * W, 0, 0 } };
	struct udamos_snapshot sn = { .nr_regions = 2, .regions = r };
	struct udamos_flush_pick st = { 0 };
	struct udamos_flush_plan plan;
	uint64_t w, seen[4];

	(void)state;
	assert_true(udamos_flush_pick(&sn, W, NULL, 0, &st, &plan));
	for (int i = 0; i < 4; i++)
		assert_true(udamos_flush_plan_next(&plan, &seen[i]));
	assert_int_equal(seen[0], 0);
	assert_int_equal(seen[1], W);
	assert_int_equal(seen[2], 10 * W);
	assert_int_equal(seen[3], 0);	/* wrapped around */
	/* Eight windows planned end at 2W; a bigger second region, and the
	 * next plan goes on from there. */
	r[1].end = 20 * W;
	assert_true(pick(&sn, &st, &plan, &w));
	assert_int_equal(w, 10 * W);
	assert_true(udamos_flush_plan_next(&plan, &w));
	assert_int_equal(w, 11 * W);
}

/*
 * A hot set collapsed into huge pages: each window is one page, and the
 * monitor's check clears the accessed bit of the one it samples without
 * a flush, so a flush aimed at that window alone would clear nothing and
 * flush nothing from then on.  The aim goes round the windows the source
 * saw busiest, in address order, at most the plan's length.
 */
static void test_aim_goes_round_busiest_windows(void **state)
{
	struct udamos_region r[] = { { 0, 40 * W, 5, 3 } };
	struct udamos_snapshot sn = { .nr_regions = 1, .regions = r };
	struct udamos_flush_pick st = { 0 };
	struct udamos_flush_plan plan;
	uint64_t w, seen[UDAMOS_FLUSH_PLAN + 1];

	(void)state;
	sn.seen_peak.stated = true;
	for (uint64_t i = 0; i < 40; i++)	/* one lukewarm, the rest busiest */
		udamos_seen_peak_note(&sn.seen_peak, i == 1 ? 2 : 5, i * W);
	assert_int_equal(sn.seen_peak.nr_accesses, 5);
	assert_int_equal(sn.seen_peak.n, UDAMOS_SEEN_PEAKS);
	assert_true(udamos_flush_has_peak(&sn));
	assert_true(udamos_flush_pick(&sn, W, NULL, 0, &st, &plan));
	for (int i = 0; i <= UDAMOS_FLUSH_PLAN; i++)
		assert_true(udamos_flush_plan_next(&plan, &seen[i]));
	assert_int_equal(seen[0], 0);
	assert_int_equal(seen[1], 2 * W);	/* not the lukewarm one */
	assert_int_equal(seen[UDAMOS_FLUSH_PLAN - 1], UDAMOS_FLUSH_PLAN * W);
	assert_int_equal(seen[UDAMOS_FLUSH_PLAN], 0);
	/* A busier window starts the list again. */
	udamos_seen_peak_note(&sn.seen_peak, 7, 30 * W);
	assert_true(pick(&sn, &st, &plan, &w));
	assert_int_equal(plan.n, 1);
	assert_int_equal(w, 30 * W);
	/* Nothing seen: nothing to aim at. */
	sn.seen_peak = (struct udamos_seen_peak){ .stated = true };
	assert_false(udamos_flush_has_peak(&sn));
}

/* Windows below *limit are huge (the hot set collapsed first). */
static bool below_is_huge(void *limit, uint64_t window)
{
	return window < *(uint64_t *)limit;
}

/*
 * Once the busiest windows are huge pages, the flush goes to the busiest
 * window of small pages left (a whole flush, every page marked again),
 * not round the huge ones (a flush of one entry each).
 */
static void test_flush_aims_past_huge_windows(void **state)
{
	struct udamos_region r[] = { { 0, 16 * W, 5, 3 } };
	struct udamos_snapshot sn = { .nr_regions = 1, .regions = r };
	struct udamos_flush_pick st = { 0 };
	struct udamos_flush_plan plan;
	uint64_t w, huge_below = 6 * W;
	unsigned seen = 0;

	(void)state;
	sn.seen_peak.stated = true;
	for (uint64_t i = 0; i < 16; i++)
		udamos_seen_peak_note(&sn.seen_peak, 5, i * W);
	assert_true(udamos_flush_pick(&sn, W, NULL, 0, &st, &plan));
	assert_int_equal(plan.n, UDAMOS_FLUSH_PLAN);
	/* Windows 0-5 huge: 6 and 7 in turn, never a huge one. */
	for (int i = 0; i < 4; i++) {
		assert_true(udamos_flush_plan_next_small(&plan, below_is_huge, &huge_below, &w));
		assert_int_equal(w, (6 + i % 2) * W);
	}
	/* All of the plan huge: still one flush each time, round the plan's
	 * windows as before, each once in eight. */
	huge_below = 16 * W;
	for (int i = 0; i < UDAMOS_FLUSH_PLAN; i++) {
		assert_true(udamos_flush_plan_next_small(&plan, below_is_huge, &huge_below, &w));
		seen |= 1u << (w / W);
	}
	assert_int_equal(seen, (1u << UDAMOS_FLUSH_PLAN) - 1);
	/* An empty plan: nothing. */
	plan.n = 0;
	assert_false(udamos_flush_plan_next_small(&plan, below_is_huge, &huge_below, &w));
}

/*
 * A vaddr region spans the gaps between mappings: a static binary's heap
 * a gigabyte above it, then the workload's mapping.  Windows in turn are
 * the mapped ones only, each once, whatever the gap (the old sweep went
 * window by window through the gap and took minutes to reach the
 * workload).
 */
static void test_windows_in_turn_skip_unmapped_gaps(void **state)
{
	struct udamos_region r[] = { { W, 600 * W, 0, 0 }, { 900 * W, 1000 * W, 0, 0 } };
	struct udamos_addr_range maps[] = {
		{ W, W + 4096 }, { W + 8192, 2 * W + 4096 },	/* binary, bss */
		{ 512 * W + 4096, 512 * W + 8192 },		/* heap */
		{ 950 * W, 953 * W },				/* workload */
	};
	const uint64_t want[] = { W, 2 * W, 512 * W, 950 * W, 951 * W, 952 * W, W, 2 * W };
	struct udamos_snapshot sn = { .nr_regions = 2, .regions = r };
	struct udamos_flush_pick st = { 0 };
	struct udamos_flush_plan plan;
	uint64_t w;

	(void)state;
	assert_true(udamos_flush_pick(&sn, W, maps, 4, &st, &plan));
	assert_int_equal(plan.n, UDAMOS_FLUSH_PLAN);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_true(udamos_flush_plan_next(&plan, &w));
		assert_int_equal(w, want[i]);
	}
	/* A mapping outside every region is not the monitor's to flush. */
	maps[3] = (struct udamos_addr_range){ 700 * W, 701 * W };
	st.cursor = 600 * W;
	assert_true(udamos_flush_pick(&sn, W, maps, 4, &st, &plan));
	assert_true(udamos_flush_plan_next(&plan, &w));
	assert_int_equal(w, W);
	/* Nothing mapped inside the regions: nothing to try. */
	assert_false(udamos_flush_pick(&sn, W, maps + 3, 1, &st, &plan));
}

/*
 * Through physical regions, windows carry smoothed rates, which outlive
 * the pages' use.  The flush follows the window busiest as seen: a window
 * gone quiet has no accessed bits left to clear, so a flush aimed there
 * would flush nothing.
 */
static void test_flush_follows_pages_in_use_not_smoothed_rate(void **state)
{
	/* Window A (frames at 10 MiB) hot for four aggregations, then quiet;
	 * B (frames at 20 MiB) lukewarm from then on, then both quiet. */
	static const uint32_t a_rate[] = { 3, 3, 3, 3, 0, 0, 0 };
	static const uint32_t b_rate[] = { 0, 0, 0, 0, 1, 0, 0 };
	struct udamos_extent e[] = {
		{ .vaddr = 0, .pfn = MiB(10) / 4096, .npages = 512 },
		{ .vaddr = W, .pfn = MiB(20) / 4096, .npages = 512 },
	};
	struct udamos_projection p;
	struct udamos_window_ages ages = { 0 };
	struct udamos_snapshot sn = { 0 };
	struct udamos_flush_pick st = { 0 };
	struct udamos_flush_plan plan;
	uint64_t w, picks[2];

	(void)state;
	assert_int_equal(udamos_projection_build(&p, e, 2), 0);
	for (size_t i = 0; i < sizeof(a_rate) / sizeof(a_rate[0]); i++) {
		struct udamos_region phys[] = {
			{ MiB(10), MiB(12), a_rate[i], 0 }, { MiB(20), MiB(22), b_rate[i], 0 },
		};

		assert_int_equal(udamos_projection_run(&p, phys, 2, &ages,
						       UDAMOS_PROJ_RATE_SMOOTHED, &sn), 0);
		assert_true(pick(&sn, &st, &plan, &w));
		if (i == 4) {
			/* A still reads hotter smoothed; B is the one in use. */
			assert_true(sn.regions[0].nr_accesses > sn.regions[1].nr_accesses);
			assert_int_equal(w, W);
		}
		if (i >= 5) {
			/* Nothing seen since: windows in turn, not A, which
			 * still reads hot smoothed, flush after flush. */
			picks[0] = w;
			assert_true(udamos_flush_plan_next(&plan, &picks[1]));
			assert_int_not_equal(picks[0], picks[1]);
		}
	}
	udamos_snapshot_release(&sn);
	udamos_projection_release(&p);
	udamos_window_ages_release(&ages);
}

static void test_empty_snapshot_picks_nothing(void **state)
{
	struct udamos_snapshot sn = { 0 };
	struct udamos_flush_pick st = { 0 };
	struct udamos_flush_plan plan = { .n = 1 };
	uint64_t w;

	(void)state;
	assert_false(udamos_flush_pick(&sn, W, NULL, 0, &st, &plan));
	assert_false(udamos_flush_plan_next(&plan, &w));
	assert_false(udamos_flush_pick(NULL, W, NULL, 0, &st, &plan));
}

static void test_tune_event_parses(void **state)
{
	uint64_t us = 0;
	struct udamos_trace_region r;

	(void)state;
	assert_true(udamos_trace_parse_tune("kdamond.0-79 [001] ..... 12.5: "
					    "damon_monitor_intervals_tune: sample_us=12345", &us));
	assert_int_equal(us, 12345);
	assert_false(udamos_trace_parse_tune("kdamond.0-79 [001] 12.5: damon_aggregated: "
					     "target_id=0 nr_regions=2 4096-8192: 3 4", &us));
	assert_true(udamos_trace_parse("kdamond.0-79 [001] 12.5: damon_aggregated: "
				       "target_id=0 nr_regions=2 4096-8192: 3 4", &r));
	assert_int_equal(r.region.nr_accesses, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hottest_window_whole_and_aligned),
		cmocka_unit_test(test_nothing_hot_takes_windows_in_turn),
		cmocka_unit_test(test_windows_in_turn_skip_unmapped_gaps),
		cmocka_unit_test(test_aim_goes_round_busiest_windows),
		cmocka_unit_test(test_flush_aims_past_huge_windows),
		cmocka_unit_test(test_flush_follows_pages_in_use_not_smoothed_rate),
		cmocka_unit_test(test_empty_snapshot_picks_nothing),
		cmocka_unit_test(test_tune_event_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
