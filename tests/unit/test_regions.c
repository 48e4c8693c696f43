// SPDX-License-Identifier: GPL-2.0-or-later
/* The region algorithm: init, merge, age, split, range updates. */
#include "test.h"

#include <stdlib.h>

#include "core/regions.h"

/* Draws from a fixed script, recording the bound each was asked for. */
struct script {
	uint64_t vals[8], bounds[8];
	size_t next;
};

static uint64_t scripted(void *ctx, uint64_t n)
{
	struct script *s = ctx;
	uint64_t v = s->vals[s->next];

	s->bounds[s->next++] = n;
	assert_true(v < n);
	return v;
}

static void set3(struct udamos_regionset *rs, uint32_t nr[3], uint32_t last[3],
		 uint32_t age[3])
{
	rs->r = calloc(8, sizeof(*rs->r));
	rs->cap = 8;
	rs->nr = 3;
	for (int i = 0; i < 3; i++) {
		rs->r[i].start = KiB(4) * (uint64_t)i;
		rs->r[i].end = KiB(4) * (uint64_t)(i + 1);
		rs->r[i].nr_accesses = nr[i];
		rs->r[i].last_nr_accesses = last[i];
		rs->r[i].age = age[i];
	}
}

static void test_merge_similar_neighbours(void **state)
{
	struct udamos_regionset rs = { 0 };
	struct udamos_mon_attrs a = { .min_nr_regions = 1, .max_nr_regions = 100 };

	(void)state;
	set3(&rs, (uint32_t[]){ 10, 9, 2 }, (uint32_t[]){ 10, 9, 2 }, (uint32_t[]){ 3, 5, 0 });
	udamos_regionset_merge(&rs, 1, 20, &a);
	/* Ages first: all steady, so 4, 6, 1.  Then 10 and 9 differ by 1:
	 * merged to a size-weighted 9 (9.5 floored), age (4+6)/2 = 5. */
	assert_int_equal(rs.nr, 2);
	assert_int_equal(rs.r[0].start, 0);
	assert_int_equal(rs.r[0].end, KiB(8));
	assert_int_equal(rs.r[0].nr_accesses, 9);
	assert_int_equal(rs.r[0].age, 5);
	assert_int_equal(rs.r[1].start, KiB(8));
	assert_int_equal(rs.r[1].nr_accesses, 2);
	assert_int_equal(rs.r[1].age, 1);
	udamos_regionset_release(&rs);
}

static void test_age_resets_on_change_and_zero_flip(void **state)
{
	struct udamos_regionset rs = { 0 };
	struct udamos_mon_attrs a = { .min_nr_regions = 3, .max_nr_regions = 100 };

	(void)state;
	/* 10 vs 2: beyond the threshold.  0 vs 1: within it, but a region
	 * going idle is a change of kind.  5 vs 5: steady. */
	set3(&rs, (uint32_t[]){ 10, 0, 5 }, (uint32_t[]){ 2, 1, 5 }, (uint32_t[]){ 7, 7, 7 });
	udamos_regionset_merge(&rs, 1, 20, &a);
	/* min_nr_regions 3 over 12 KiB: 4 KiB limit, so nothing merges. */
	assert_int_equal(rs.nr, 3);
	assert_int_equal(rs.r[0].age, 0);
	assert_int_equal(rs.r[1].age, 0);
	assert_int_equal(rs.r[2].age, 8);
	udamos_regionset_release(&rs);
}

static void test_merge_threshold_doubles_until_under_max(void **state)
{
	struct udamos_regionset rs = { 0 };
	struct udamos_mon_attrs a = { .min_nr_regions = 1, .max_nr_regions = 1 };

	(void)state;
	set3(&rs, (uint32_t[]){ 0, 4, 8 }, (uint32_t[]){ 0, 4, 8 }, (uint32_t[]){ 0, 0, 0 });
	udamos_regionset_merge(&rs, 1, 20, &a);
	/* Threshold 1, 2: nothing.  4: 0 and 4 merge to 2.  8: 2 and 8
	 * merge to (2 * 8 KiB + 8 * 4 KiB) / 12 KiB = 4. */
	assert_int_equal(rs.nr, 1);
	assert_int_equal(rs.r[0].end, KiB(12));
	assert_int_equal(rs.r[0].nr_accesses, 4);
	udamos_regionset_release(&rs);
}

static void test_split_two_then_three_ways(void **state)
{
	struct udamos_addr_range range = { 0, KiB(40) };
	struct udamos_mon_attrs a = { .min_nr_regions = 1, .max_nr_regions = 100 };
	struct udamos_regionset rs;
	struct script s = { .vals = { 3, 3, 1 } };

	(void)state;
	assert_int_equal(udamos_regionset_init(&rs, &range, 1, 1), 0);
	assert_int_equal(rs.nr, 1);
	/* First split: two pieces, cut after 1 + 3 pages of 10. */
	assert_int_equal(udamos_regionset_split(&rs, &a, scripted, &s), 0);
	assert_int_equal(rs.nr, 2);
	assert_int_equal(s.bounds[0], 9);
	assert_int_equal(rs.r[0].end, KiB(16));
	assert_int_equal(rs.r[1].start, KiB(16));
	/* Merge back to one region, then split again with the count
	 * unchanged since the last split (1 == 1): three pieces. */
	rs.r[0].end = KiB(40);
	rs.nr = 1;
	rs.nr_at_last_split = 1;
	assert_int_equal(udamos_regionset_split(&rs, &a, scripted, &s), 0);
	assert_int_equal(rs.nr, 3);
	assert_int_equal(rs.r[0].end, KiB(16));
	/* The second cut is taken in the right part: 6 pages, 1 + 1 in. */
	assert_int_equal(s.bounds[2], 5);
	assert_int_equal(rs.r[1].start, KiB(16));
	assert_int_equal(rs.r[1].end, KiB(24));
	assert_int_equal(rs.r[2].start, KiB(24));
	assert_int_equal(rs.r[2].end, KiB(40));
	udamos_regionset_release(&rs);
}

static void test_split_stops_near_max(void **state)
{
	struct udamos_regionset rs = { 0 };
	struct udamos_mon_attrs a = { .min_nr_regions = 1, .max_nr_regions = 4 };
	struct script s = { 0 };

	(void)state;
	set3(&rs, (uint32_t[]){ 0, 0, 0 }, (uint32_t[]){ 0, 0, 0 }, (uint32_t[]){ 0, 0, 0 });
	/* 3 regions > 4 / 2: splitting could pass the maximum. */
	assert_int_equal(udamos_regionset_split(&rs, &a, scripted, &s), 0);
	assert_int_equal(rs.nr, 3);
	assert_int_equal(s.next, 0);
	udamos_regionset_release(&rs);
}

static void test_init_splits_evenly(void **state)
{
	struct udamos_addr_range range = { 0, KiB(40) };
	struct udamos_regionset rs;

	(void)state;
	assert_int_equal(udamos_regionset_init(&rs, &range, 1, 4), 0);
	/* 10 pages in 4 pieces: 2 pages each, the last takes the rest. */
	assert_int_equal(rs.nr, 4);
	assert_int_equal(rs.r[0].end, KiB(8));
	assert_int_equal(rs.r[2].end, KiB(24));
	assert_int_equal(rs.r[3].start, KiB(24));
	assert_int_equal(rs.r[3].end, KiB(40));
	udamos_regionset_release(&rs);
	range.end = KiB(4) + 1;
	assert_int_equal(udamos_regionset_init(&rs, &range, 1, 4), -22);
}

static void test_ranges_skip_two_largest_gaps(void **state)
{
	struct udamos_addr_range maps[] = {
		{ 0x1000, 0x2000 }, { 0x3000, 0x4000 }, { 0x10000, 0x11000 },
		{ 0x100000, 0x101000 }, { 0x101000, 0x102000 },
	};
	struct udamos_addr_range out[3];

	(void)state;
	assert_int_equal(udamos_ranges_from_mappings(maps, 5, out), 3);
	assert_int_equal(out[0].start, 0x1000);
	assert_int_equal(out[0].end, 0x4000);
	assert_int_equal(out[1].start, 0x10000);
	assert_int_equal(out[1].end, 0x11000);
	assert_int_equal(out[2].start, 0x100000);
	assert_int_equal(out[2].end, 0x102000);
	assert_int_equal(udamos_ranges_from_mappings(maps, 1, out), 1);
	assert_int_equal(out[0].end, 0x2000);
}

static void test_set_ranges_keeps_history(void **state)
{
	struct udamos_regionset rs = { 0 };
	struct udamos_addr_range ranges[] = { { KiB(4), KiB(16) }, { KiB(32), KiB(36) } };

	(void)state;
	set3(&rs, (uint32_t[]){ 1, 2, 3 }, (uint32_t[]){ 0, 0, 0 }, (uint32_t[]){ 0, 0, 0 });
	assert_int_equal(udamos_regionset_set_ranges(&rs, ranges, 2), 0);
	/* [0,4K) left every range; [8K,12K) stretched to 16K; a region
	 * is made for the new range. */
	assert_int_equal(rs.nr, 3);
	assert_int_equal(rs.r[0].start, KiB(4));
	assert_int_equal(rs.r[0].nr_accesses, 2);
	assert_int_equal(rs.r[1].end, KiB(16));
	assert_int_equal(rs.r[1].nr_accesses, 3);
	assert_int_equal(rs.r[2].start, KiB(32));
	assert_int_equal(rs.r[2].end, KiB(36));
	udamos_regionset_release(&rs);
}

static bool even_pages_hot(void *ctx, uint64_t addr)
{
	(void)ctx;
	return (addr / KiB(4)) % 2 == 0;
}

static void test_check_counts_sampled_hits(void **state)
{
	struct udamos_regionset rs = { 0 };
	struct script s = { .vals = { 0, 0, 0 } };

	(void)state;
	set3(&rs, (uint32_t[]){ 0, 0, 0 }, (uint32_t[]){ 0, 0, 0 }, (uint32_t[]){ 0, 0, 0 });
	udamos_regionset_prepare(&rs, scripted, &s);
	udamos_regionset_check(&rs, even_pages_hot, NULL);
	/* Pages 0, 1, 2: the even ones were touched. */
	assert_int_equal(rs.r[0].nr_accesses, 1);
	assert_int_equal(rs.r[1].nr_accesses, 0);
	assert_int_equal(rs.r[2].nr_accesses, 1);
	udamos_regionset_reset_aggregated(&rs);
	assert_int_equal(rs.r[0].nr_accesses, 0);
	assert_int_equal(rs.r[0].last_nr_accesses, 1);
	udamos_regionset_release(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_similar_neighbours),
		cmocka_unit_test(test_age_resets_on_change_and_zero_flip),
		cmocka_unit_test(test_merge_threshold_doubles_until_under_max),
		cmocka_unit_test(test_split_two_then_three_ways),
		cmocka_unit_test(test_split_stops_near_max),
		cmocka_unit_test(test_init_splits_evenly),
		cmocka_unit_test(test_ranges_skip_two_largest_gaps),
		cmocka_unit_test(test_set_ranges_keeps_history),
		cmocka_unit_test(test_check_counts_sampled_hits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
