// SPDX-License-Identifier: GPL-2.0-or-later
/* Physical regions projected onto virtual 2 MiB windows. */
#include "test.h"

#include <stdlib.h>

#include "core/projection.h"

#define PFN(mib) ((uint64_t)(mib) * 256)	/* frame number at a MiB offset */

static void test_dedup_and_sort(void **state)
{
	struct udamos_extent e[] = {
		{ MiB(4), PFN(100), 256 },
		{ MiB(0), PFN(10), 512 },
		{ MiB(8), 7, 1 },	/* zero page, mapped three times */
		{ MiB(9), 7, 1 },
		{ MiB(10), 7, 1 },
	};
	size_t n = 5;

	(void)state;
	udamos_extents_by_pfn(e, &n);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].pfn, PFN(10));
	assert_int_equal(e[1].pfn, PFN(100));
}

static void test_ranges_close_gaps_only_as_needed(void **state)
{
	struct udamos_extent e[] = {
		{ 0, PFN(0), 256 },	/* [0, 1M) */
		{ 0, PFN(2), 256 },	/* [2M, 3M): 1 MiB gap */
		{ 0, PFN(100), 256 },	/* [100M, 101M) */
	};
	uint64_t r[3][2];

	(void)state;
	assert_int_equal(udamos_phys_ranges(e, 3, 3, r), 3);
	assert_int_equal(r[1][0], MiB(2));
	/* Two at most: the 1 MiB gap closes first (2 MiB tolerance). */
	assert_int_equal(udamos_phys_ranges(e, 3, 2, r), 2);
	assert_int_equal(r[0][0], 0);
	assert_int_equal(r[0][1], MiB(3));
	assert_int_equal(r[1][0], MiB(100));
	/* One: everything. */
	assert_int_equal(udamos_phys_ranges(e, 3, 1, r), 1);
	assert_int_equal(r[0][1], MiB(101));
}

static void test_windows_take_page_weighted_rates(void **state)
{
	/* Window [2M, 4M): first half on frames at 10M, hot (20); second
	 * half at 50M, cold (0).  Window [4M, 6M) wholly at 60M, rate 10. */
	struct udamos_extent e[] = {
		{ MiB(2), PFN(10), 256 },
		{ MiB(3), PFN(50), 256 },
		{ MiB(4), PFN(60), 512 },
	};
	/* 50M is cold (age 3); 60M..61M cold too, 61M..64M rate 10 (age 5). */
	struct udamos_region phys[] = {
		{ MiB(8), MiB(12), 20, 7 },
		{ MiB(48), MiB(61), 0, 3 },
		{ MiB(61), MiB(64), 10, 5 },
	};
	struct udamos_snapshot out = { 0 };

	(void)state;
	assert_int_equal(udamos_project(e, 3, phys, 3, NULL, &out), 0);
	assert_int_equal(out.nr_regions, 2);
	assert_int_equal(out.regions[0].start, MiB(2));
	assert_int_equal(out.regions[0].end, MiB(4));
	assert_int_equal(out.regions[0].nr_accesses, 10);	/* (256*20 + 256*0) / 512 */
	assert_int_equal(out.regions[0].age, 5);		/* (256*7 + 256*3) / 512 */
	/* [4M,6M): 256 pages at rate 0 (60M..61M), 256 at 10: mean 5. */
	assert_int_equal(out.regions[1].start, MiB(4));
	assert_int_equal(out.regions[1].nr_accesses, 5);
	assert_int_equal(out.regions[1].age, 4);
	free(out.regions);
}

static void test_equal_neighbours_coalesce_and_unmonitored_skipped(void **state)
{
	struct udamos_extent e[] = {
		{ MiB(0), PFN(10), 1024 },	/* windows 0 and 2M, one run */
		{ MiB(8), PFN(200), 512 },	/* window 8M, outside any region */
	};
	struct udamos_region phys[] = { { MiB(10), MiB(14), 4, 2 } };
	struct udamos_snapshot out = { 0 };

	(void)state;
	assert_int_equal(udamos_project(e, 2, phys, 1, NULL, &out), 0);
	assert_int_equal(out.nr_regions, 1);
	assert_int_equal(out.regions[0].start, 0);
	assert_int_equal(out.regions[0].end, MiB(4));
	assert_int_equal(out.regions[0].nr_accesses, 4);
	free(out.regions);
}

static void test_window_ages_ride_out_sampling_noise(void **state)
{
	/* One window on frames at 10M; its region's count wobbles around
	 * 8 of 20 as sampling noise does, then the window goes idle. */
	static const uint32_t counts[] = { 8, 10, 6, 9, 7, 8, 0, 0, 0, 0, 0, 0 };
	/* Smoothed x16: 128 136 126 131 127 128 96 72 54 41 31 24.  The run
	 * began at 128: 54 is under half of it (new run, ref 54); 24 is
	 * under half of 54. */
	static const uint32_t ages_want[] = { 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 0 };
	struct udamos_extent e = { MiB(2), PFN(10), 512 };
	struct udamos_window_ages ages = { 0 };
	struct udamos_snapshot out = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct udamos_region phys = { MiB(10), MiB(12), counts[i], 0 };

		assert_int_equal(udamos_project(&e, 1, &phys, 1, &ages, &out), 0);
		assert_int_equal(out.nr_regions, 1);
		assert_int_equal(out.regions[0].nr_accesses, counts[i]);
		if (out.regions[0].age != ages_want[i])
			fail_msg("aggregation %zu: age %u, want %u", i, out.regions[0].age,
				 ages_want[i]);
	}
	free(out.regions);
	udamos_window_ages_release(&ages);
}

/*
 * A window whose frames moved (here: window 1, as after a collapse or a
 * compaction) is unknown for one aggregation and starts its age again;
 * a window on the same frames keeps its age.
 */
static void test_moved_window_settles_one_aggregation(void **state)
{
	struct udamos_extent a[] = {
		{ .vaddr = 0, .pfn = 0x1000, .npages = 512 },
		{ .vaddr = MiB(2), .pfn = 0x2000, .npages = 512 },
	};
	struct udamos_extent b[] = {
		{ .vaddr = 0, .pfn = 0x1000, .npages = 512 },
		{ .vaddr = MiB(2), .pfn = 0x9000, .npages = 512 },	/* moved */
	};
	struct udamos_region phys[] = { { 0x1000ULL * 4096, 0xa000ULL * 4096, 10, 0 } };
	struct udamos_projection p1, p2;
	struct udamos_window_ages ages = { 0 };
	struct udamos_snapshot sn = { 0 };

	(void)state;
	assert_int_equal(udamos_projection_build(&p1, a, 2), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(udamos_projection_run(&p1, phys, 1, &ages, UDAMOS_PROJ_RATE_AS_SEEN, &sn), 0);
	assert_int_equal(sn.nr_regions, 1);	/* both windows, same rate and age */
	assert_int_equal(sn.regions[0].end, MiB(4));
	assert_int_equal(sn.regions[0].age, 2);
	assert_int_equal(udamos_projection_build(&p2, b, 2), 0);
	assert_int_equal(udamos_projection_settle(&p2, p1.win, p1.nw), 1);
	/* The same frames again: nothing moved. */
	assert_int_equal(udamos_projection_settle(&p1, p1.win, p1.nw), 0);
	assert_int_equal(udamos_projection_run(&p2, phys, 1, &ages, UDAMOS_PROJ_RATE_AS_SEEN, &sn), 0);
	assert_int_equal(sn.nr_regions, 1);
	assert_int_equal(sn.regions[0].start, 0);
	assert_int_equal(sn.regions[0].end, MiB(2));	/* the moved one is unknown */
	assert_int_equal(sn.regions[0].age, 3);
	assert_int_equal(udamos_projection_run(&p2, phys, 1, &ages, UDAMOS_PROJ_RATE_AS_SEEN, &sn), 0);
	assert_int_equal(sn.nr_regions, 2);
	assert_int_equal(sn.regions[1].start, MiB(2));
	assert_int_equal(sn.regions[1].age, 0);		/* its age starts over */
	udamos_snapshot_release(&sn);
	udamos_projection_release(&p1);
	udamos_projection_release(&p2);
	udamos_window_ages_release(&ages);
}

/*
 * A window whose frames lie half in hot regions and half in cold ones
 * reads 2 and 1 of 3 in turn: 1.5 on average, under the 50% bar.  Its
 * smoothed rate swings about 1.4-1.6; rounded to nearest it read 2 of 3
 * (67%) after every 2, and such windows were collapsed in bursts
 * (docs/performance.md, the moving layout).  The rate the age vouches
 * for is whole samples seen, rounded down.
 */
static void test_half_mixed_window_never_reads_hot(void **state)
{
	struct udamos_extent e[] = { { .vaddr = 0, .pfn = PFN(10), .npages = 512 } };
	struct udamos_projection p;
	struct udamos_window_ages ages = { 0 };
	struct udamos_snapshot sn = { 0 };

	(void)state;
	assert_int_equal(udamos_projection_build(&p, e, 1), 0);
	for (int i = 0; i < 40; i++) {
		struct udamos_region phys[] = { { MiB(10), MiB(12), i % 2 ? 1 : 2, 0 } };

		assert_int_equal(udamos_projection_run(&p, phys, 1, &ages,
						       UDAMOS_PROJ_RATE_SMOOTHED, &sn), 0);
		assert_int_equal(sn.nr_regions, 1);
		assert_true(sn.regions[0].nr_accesses <= 1);
	}
	udamos_snapshot_release(&sn);
	udamos_projection_release(&p);
	udamos_window_ages_release(&ages);
}

/*
 * Through physical regions, a cold window whose frames share a region
 * with hot ones reads hot in an aggregation now and then (few samples).
 * Given the rate as seen, that one aggregation read "hot" while the age,
 * kept on the smoothed rate, said "steady for a long time": hot and aged,
 * collapsed.  The smoothed rate keeps it cold; a window that stays hot
 * still reads hot.
 */
static void test_physical_rate_is_the_smoothed_one(void **state)
{
	/* Of 10 samples of which the flusher lets 3 see a page (max 3): a
	 * mixed region's count, 0 or 1, then a spike of 2 (67%); a hot
	 * region's, 3 every time.  The mixed window's smoothed rate stays
	 * under one sample (idle) throughout, so its age runs on. */
	static const uint32_t mixed[] = { 1, 0, 1, 0, 1, 0, 2 };
	const size_t spike = sizeof(mixed) / sizeof(mixed[0]) - 1;
	struct udamos_extent e[] = {
		{ .vaddr = 0, .pfn = PFN(10), .npages = 512 },		/* cold */
		/* hot; not next to the cold one, so that the two never merge
		 * into one region when they read alike */
		{ .vaddr = MiB(4), .pfn = PFN(20), .npages = 512 },
	};
	struct udamos_projection p;
	struct udamos_window_ages ages = { 0 }, seen = { 0 };
	struct udamos_snapshot sn = { 0 };

	(void)state;
	assert_int_equal(udamos_projection_build(&p, e, 2), 0);
	for (size_t i = 0; i < sizeof(mixed) / sizeof(mixed[0]); i++) {
		struct udamos_region phys[] = {
			{ MiB(10), MiB(12), mixed[i], 0 }, { MiB(20), MiB(22), 3, 0 },
		};

		assert_int_equal(udamos_projection_run(&p, phys, 2, &seen,
						       UDAMOS_PROJ_RATE_AS_SEEN, &sn), 0);
		assert_int_equal(sn.regions[0].nr_accesses, mixed[i]);
		if (i == spike)	/* 2 of 3 as seen, and aged: the old leak */
			assert_int_equal(sn.regions[0].age, 5);
		assert_int_equal(udamos_projection_run(&p, phys, 2, &ages,
						       UDAMOS_PROJ_RATE_SMOOTHED, &sn), 0);
		assert_int_equal(sn.nr_regions, 2);
		/* Smoothed, the spike is 1 of 3 (15/16 of a sample): cold. */
		assert_true(sn.regions[0].nr_accesses <= 1);
		/* Starts idle, hot (2 or 3 of 3) from the fourth on. */
		if (i >= 3)
			assert_true(sn.regions[1].nr_accesses >= 2);
	}
	udamos_snapshot_release(&sn);
	udamos_projection_release(&p);
	udamos_window_ages_release(&ages);
	udamos_window_ages_release(&seen);
}

/*
 * A window first seen through physical regions starts idle: its first
 * reading may be a mixed region's spike, and as the smoothed start it
 * would carry the next aggregation, when the window is already aged.
 * (Each run starts with every window new.)
 */
static void test_physical_window_starts_idle(void **state)
{
	static const uint32_t spike_then_cold[] = { 3, 1, 0, 1, 0 };
	struct udamos_extent e = { 0, PFN(10), 512 };
	struct udamos_window_ages ages = { 0 };
	struct udamos_snapshot sn = { 0 };
	struct udamos_projection p;

	(void)state;
	assert_int_equal(udamos_projection_build(&p, &e, 1), 0);
	for (size_t i = 0; i < sizeof(spike_then_cold) / sizeof(spike_then_cold[0]); i++) {
		struct udamos_region phys = { MiB(10), MiB(12), spike_then_cold[i], 0 };

		assert_int_equal(udamos_projection_run(&p, &phys, 1, &ages,
						       UDAMOS_PROJ_RATE_SMOOTHED, &sn), 0);
		if (sn.regions[0].nr_accesses > 1)
			fail_msg("aggregation %zu: reads %u of 3 at age %u", i,
				 sn.regions[0].nr_accesses, sn.regions[0].age);
	}
	udamos_snapshot_release(&sn);
	udamos_projection_release(&p);
	udamos_window_ages_release(&ages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedup_and_sort),
		cmocka_unit_test(test_ranges_close_gaps_only_as_needed),
		cmocka_unit_test(test_windows_take_page_weighted_rates),
		cmocka_unit_test(test_equal_neighbours_coalesce_and_unmonitored_skipped),
		cmocka_unit_test(test_window_ages_ride_out_sampling_noise),
		cmocka_unit_test(test_physical_rate_is_the_smoothed_one),
		cmocka_unit_test(test_half_mixed_window_never_reads_hot),
		cmocka_unit_test(test_physical_window_starts_idle),
		cmocka_unit_test(test_moved_window_settles_one_aggregation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
