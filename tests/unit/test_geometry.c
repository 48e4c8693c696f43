// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Page geometry other than x86_64's: arm64 with 64 KiB pages has 512 MiB
 * PMD huge pages.  The window rule, the engine's quota cuts, and a replay
 * of a recording made on such a kernel all follow the geometry in use.
 */
#include "test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hugewin.h"
#include "recording.h"
#include "report/simulate.h"
#include "udamos/engine.h"

#define P64K (64ULL << 10)
#define H512M MiB(512)
#define BASE 0xffff00000000ULL	/* 512 MiB aligned */

static int to_arm64(void **state)
{
	(void)state;
	return udamos_geometry_set(P64K, H512M);
}

static int to_x86(void **state)
{
	(void)state;
	return udamos_geometry_set(4096, MiB(2));
}

static void test_valid_geometries(void **state)
{
	(void)state;
	assert_true(udamos_geometry_valid(4096, MiB(2)));
	assert_true(udamos_geometry_valid(16384, MiB(32)));
	assert_true(udamos_geometry_valid(P64K, H512M));
	assert_false(udamos_geometry_valid(3000, MiB(2)));
	assert_false(udamos_geometry_valid(4096, 4096));
	assert_false(udamos_geometry_valid(4096, GiB(1)));	/* a misread */
	assert_int_equal(udamos_geometry_set(0, MiB(2)), -EINVAL);
	assert_int_equal(udamos_page_size(), P64K);		/* left as it was */
	assert_int_equal(udamos_huge_size(), H512M);
}

static void test_windows_are_512m(void **state)
{
	uint64_t first, end;

	(void)state;
	/* Owns the windows whose midpoints (base + 256 MiB + k * 512 MiB) it
	 * holds: three, where 2 MiB windows would number hundreds. */
	assert_true(udamos_owned_windows(BASE + MiB(200), BASE + MiB(1331), &first, &end));
	assert_int_equal(first, BASE);
	assert_int_equal(end, BASE + MiB(1536));
	/* 300 MiB never holds a whole window's midpoint pair. */
	assert_false(udamos_owned_windows(BASE + MiB(300), BASE + MiB(600), &first, &end));
}

struct cut {
	uint64_t start, end;
};

static void note_cut(void *ctx, const struct udamos_apply_req *req,
		     struct udamos_apply_res *res)
{
	*(struct cut *)ctx = (struct cut){ req->start, req->end };
	res->sz_applied = req->end - req->start;
	res->sz_filter_passed = res->sz_applied;
}

static void test_quota_cut_on_64k_pages(void **state)
{
	struct udamos_scheme s;
	struct cut c = { 0 };
	struct udamos_engine e;
	struct udamos_region r = { BASE, BASE + GiB(1), 10, 5 };
	struct udamos_snapshot snap = { .time_us = 100000, .aggr_us = 100000,
		.max_nr_accesses = 20, .nr_regions = 1, .regions = &r };

	(void)state;
	udamos_scheme_init(&s, UDAMOS_ACTION_STAT);
	s.quota.sz = MiB(1) + 100 * 1024;	/* not a whole number of pages */
	s.quota.reset_interval_ms = 1000;
	udamos_engine_init(&e, &s, 1, (struct udamos_actuator){ note_cut, &c },
			   (struct udamos_env){ 0 });
	assert_int_equal(udamos_engine_feed(&e, &snap, 1), 0);
	/* Cut at the last whole 64 KiB page the quota pays for. */
	assert_int_equal(c.start, BASE);
	assert_int_equal(c.end, BASE + MiB(1) + P64K);
	udamos_engine_release(&e);
	udamos_scheme_release(&s);
}

/* A target with a 2 GiB anonymous mapping, its second and third 512 MiB
 * windows hot, recorded on a 64K/512M kernel. */
static uint8_t *arm64_recording(size_t *len)
{
	return test_rec_hot_cold(len, 7, "arm64", BASE, BASE + MiB(512), BASE + MiB(1536),
				 BASE + GiB(2), 18, 80, 1);
}

static void test_replay_takes_the_recorded_geometry(void **state)
{
	size_t len;
	uint8_t *buf = arm64_recording(&len);
	struct udamos_recording rec;
	struct udamos_scheme s;
	struct udamos_sim sim;
	char why[256];

	(void)state;
	/* Replayed on an x86_64 host: the recording's geometry wins. */
	assert_int_equal(udamos_geometry_set(4096, MiB(2)), 0);
	assert_int_equal(udamos_rec_parse(buf, len, &rec, why, sizeof(why)), 0);
	assert_int_equal(rec.page_size, P64K);
	assert_int_equal(rec.huge_size, H512M);
	udamos_scheme_default_collapse(&s);
	assert_int_equal(udamos_sim_run(&sim, &rec, &s, 1, UDAMOS_COLLAPSE_HOLD_OFF), 0);
	assert_int_equal(udamos_huge_size(), H512M);
	/* The two hot windows, whole, and nothing else. */
	assert_int_equal(sim.dry.nr_events, 2);
	assert_int_equal(sim.dry.events[0].start, BASE + MiB(512));
	assert_int_equal(sim.dry.events[0].bytes, H512M);
	assert_int_equal(sim.dry.events[1].start, BASE + GiB(1));
	assert_int_equal(sim.huge_end, GiB(1));
	udamos_sim_release(&sim);
	udamos_scheme_release(&s);
	udamos_rec_free(&rec);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_geometries, to_arm64, to_x86),
		cmocka_unit_test_setup_teardown(test_windows_are_512m, to_arm64, to_x86),
		cmocka_unit_test_setup_teardown(test_quota_cut_on_64k_pages, to_arm64, to_x86),
		cmocka_unit_test_setup_teardown(test_replay_takes_the_recorded_geometry, to_arm64,
						to_x86),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
