// SPDX-License-Identifier: GPL-2.0-or-later
/* Recordings: round trip, damage, and the reports and replay built on them. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action/dryrun.h"
#include "recording.h"
#include "core/quota.h"
#include "report/report.h"
#include "report/simulate.h"
#include "udamos/engine.h"

#define BASE 0x7f0000000000ULL
#define HOT_START (BASE + MiB(64))
#define HOT_END (BASE + MiB(128))

/* A 256 MiB target, 64 MiB of it hot, for 30 aggregations of 100 ms. */
static uint8_t *make_recording(size_t *len)
{
	return test_rec_hot_cold(len, 42, "workload", BASE, HOT_START, HOT_END,
				 BASE + MiB(256), 20, 30, 1000);
}

static void test_round_trip(void **state)
{
	size_t len;
	uint8_t *buf = make_recording(&len);
	struct udamos_recording rec;
	char why[256];

	(void)state;
	assert_int_equal(udamos_rec_parse(buf, len, &rec, why, sizeof(why)), 0);
	assert_false(rec.truncated);
	assert_int_equal(rec.nr_targets, 1);
	assert_int_equal(rec.targets[0].pid, 42);
	assert_string_equal(rec.targets[0].comm, "workload");
	assert_int_equal(rec.aggr_us, 100000);
	assert_int_equal(rec.nr_snaps, 30);
	assert_int_equal(rec.snaps[29].regions[1].nr_accesses, 20);
	assert_int_equal(rec.snaps[29].regions[2].age, 29);
	assert_int_equal(rec.nr_vmas, 1);
	assert_int_equal(rec.vmas[0].r[0].end, BASE + MiB(256));
	udamos_rec_free(&rec);
	free(buf);
}

static void test_damage(void **state)
{
	size_t len;
	uint8_t *buf = make_recording(&len);
	struct udamos_recording rec;
	char why[256];

	(void)state;
	/* Cut in the middle of the last record: everything before it. */
	assert_int_equal(udamos_rec_parse(buf, len - 30, &rec, why, sizeof(why)), 0);
	assert_true(rec.truncated);
	assert_int_equal(rec.nr_snaps, 29);
	udamos_rec_free(&rec);
	/* A flipped bit is caught by the checksum, and named. */
	buf[len - 40] ^= 0x10;
	assert_int_equal(udamos_rec_parse(buf, len, &rec, why, sizeof(why)), -22);
	assert_non_null(strstr(why, "checksum"));
	buf[len - 40] ^= 0x10;
	/* A newer format, and a foreign file. */
	buf[8] = 9;
	assert_int_equal(udamos_rec_parse(buf, len, &rec, why, sizeof(why)), -22);
	assert_non_null(strstr(why, "version 9"));
	assert_int_equal(udamos_rec_parse((const uint8_t *)"{\"json\": 1}", 11, &rec, why,
					  sizeof(why)), -22);
	assert_non_null(strstr(why, "not a udamos recording"));
	free(buf);
}

static void test_reports(void **state)
{
	size_t len, lo_row = 0, hi_row = 0;
	uint8_t *buf = make_recording(&len);
	struct udamos_recording rec;
	struct udamos_heatmap h;
	char why[256];
	double best = -1;

	(void)state;
	assert_int_equal(udamos_rec_parse(buf, len, &rec, why, sizeof(why)), 0);
	assert_int_equal(udamos_wss(&rec.snaps[10], 50), MiB(64));
	assert_int_equal(udamos_wss(&rec.snaps[10], 0.1), MiB(64));
	assert_int_equal(udamos_heatmap_build(&rec, 0, 16, 10, 0, 0, 0, 0, &h), 0);
	/* The whole monitored 256 MiB, 16 MiB per row: rows 4..7 are hot. */
	assert_int_equal(h.axis_bytes, MiB(256));
	for (size_t r = 0; r < h.rows; r++) {
		double x = h.cell[r * h.cols + 5];

		if (x > best) {
			best = x;
			lo_row = hi_row = r;
		} else if (x == best) {
			hi_row = r;
		}
	}
	assert_int_equal(udamos_heatmap_row_addr(&h, lo_row), HOT_START);
	assert_int_equal(udamos_heatmap_row_addr(&h, hi_row + 1), HOT_END);
	assert_true(best > 99.0);
	udamos_heatmap_free(&h);
	/* An explicit address range, and one with nothing in it. */
	assert_int_equal(udamos_heatmap_build(&rec, 0, 4, 4, 0, 0, HOT_START, HOT_END, &h), 0);
	assert_true(h.cell[0] > 99.0);
	udamos_heatmap_free(&h);
	assert_int_equal(udamos_heatmap_build(&rec, 1, 4, 4, 0, 0, 0, 0, &h), -2);
	udamos_rec_free(&rec);
	free(buf);
}

/* The default collapse scheme, replayed: the hot windows, nothing else. */
static void test_replay_collapses_the_hot_range(void **state)
{
	size_t len;
	uint8_t *buf = make_recording(&len);
	struct udamos_recording rec;
	struct udamos_scheme s;
	struct udamos_dryrun_target t = { 0 };
	struct udamos_dryrun d = { .targets = &t, .nr_targets = 1, .schemes = &s };
	struct udamos_engine e;
	uint64_t collapsed = 0;
	char why[256];

	(void)state;
	assert_int_equal(udamos_rec_parse(buf, len, &rec, why, sizeof(why)), 0);
	udamos_scheme_default_collapse(&s);
	/* The recording spans 3 s: judge it at a 2 s age. */
	s.pattern.age.min = 2000000;
	t.vmas = &rec.vmas[0];
	t.anon = &rec.anon[0];
	udamos_engine_init(&e, &s, 1, (struct udamos_actuator){ udamos_dryrun_apply, &d },
			   (struct udamos_env){ 0 });
	for (size_t i = 0; i < rec.nr_snaps; i++) {
		d.now_us = rec.snaps[i].time_us;
		assert_int_equal(udamos_engine_feed(&e, &rec.snaps[i], 1), 0);
	}
	for (size_t i = 0; i < d.nr_events; i++) {
		assert_true(d.events[i].start >= HOT_START && d.events[i].end <= HOT_END);
		collapsed += d.events[i].bytes;
	}
	assert_int_equal(collapsed, MiB(64));
	assert_int_equal(t.nr_collapsed, 32);
	assert_true(udamos_dryrun_is_huge(&t, HOT_START + MiB(3)));
	assert_false(udamos_dryrun_is_huge(&t, BASE));
	/* Already huge windows are rejected by the default scheme's filter. */
	assert_int_equal(s.stats.sz_applied, MiB(64));
	udamos_engine_release(&e);
	udamos_dryrun_release(&d);
	udamos_scheme_release(&s);
	udamos_rec_free(&rec);
	free(buf);
}

/* Hostile recordings: an aggregation of 0 us is refused by the reader
 * (the engine would divide by it), and a mapping as wide as the address
 * space simulates without walking it window by window. */
static uint8_t *hostile_recording(size_t *len, uint64_t aggr_us, uint64_t map_end)
{
	struct test_rec rec;
	struct udamos_region r = { 0, map_end, 20, 100 };
	struct udamos_snapshot s = { .target = 0, .time_us = 1000, .aggr_us = aggr_us,
				     .max_nr_accesses = 20, .nr_regions = 1, .regions = &r };

	test_rec_begin(&rec, 42, "hostile", 0, map_end, 1000);
	assert_int_equal(udamos_rec_put_snapshot(&rec.w, &s), 0);
	s.time_us = 1ULL << 62;		/* and a leap of 146,000 years */
	assert_int_equal(udamos_rec_put_snapshot(&rec.w, &s), 0);
	return test_rec_end(&rec, len);
}

static void test_hostile_recordings(void **state)
{
	struct udamos_recording rec;
	struct udamos_scheme s;
	struct udamos_sim sim;
	char why[256];
	size_t len;
	uint8_t *buf = hostile_recording(&len, 0, MiB(64));

	(void)state;
	assert_int_equal(udamos_rec_parse(buf, len, &rec, why, sizeof(why)), -22);
	assert_non_null(strstr(why, "aggregation interval of 0"));
	free(buf);

	buf = hostile_recording(&len, 100000, UINT64_MAX & ~(MiB(2) - 1));
	assert_int_equal(udamos_rec_parse(buf, len, &rec, why, sizeof(why)), 0);
	udamos_scheme_default_collapse(&s);
	assert_int_equal(udamos_sim_run(&sim, &rec, &s, 1, UDAMOS_COLLAPSE_HOLD_OFF), 0);
	assert_int_equal(sim.huge_start, 0);
	/* Collapsed what the quota allowed, no more: one interval's worth,
	 * then at most UDAMOS_QUOTA_MAX_SPAN intervals' after the leap. */
	assert_true(sim.huge_end > 0 &&
		    sim.huge_end <= (1 + UDAMOS_QUOTA_MAX_SPAN) * s.quota.sz);
	udamos_sim_release(&sim);
	udamos_scheme_release(&s);
	udamos_rec_free(&rec);
	free(buf);
}

/*
 * A hot set that the monitor finds in one page table over 0.3 s, 8 MiB
 * and then 64 MiB of the 1 GiB watched there, for 5 s of 100 ms
 * aggregations, recorded by monitor on a host whose faults cost fault_ns
 * (0: no host record, as in recordings older than it).
 */
static uint8_t *growing_recording(size_t *len, const char *monitor, uint64_t fault_ns)
{
	struct test_rec rec;

	test_rec_begin(&rec, 42, "grower", BASE, BASE + GiB(1), 1000);
	assert_int_equal(udamos_rec_put_monitor(&rec.w, monitor, monitor), 0);
	if (fault_ns)
		assert_int_equal(udamos_rec_put_host(&rec.w, fault_ns), 0);
	for (uint32_t i = 0; i < 50; i++) {
		uint64_t hot_end = BASE + (i < 3 ? MiB(8) : MiB(64));
		struct udamos_region r[2] = {
			{ BASE, hot_end, 20, i }, { hot_end, BASE + GiB(1), 0, i },
		};
		struct udamos_snapshot s = { .target = 0, .time_us = 1000 + i * 100000ULL,
			.aggr_us = 100000, .max_nr_accesses = 20, .nr_regions = 2, .regions = r };

		assert_int_equal(udamos_rec_put_snapshot(&rec.w, &s), 0);
	}
	return test_rec_end(&rec, len);
}

/* The default collapse scheme, judging from the first aggregation on. */
static void simulate_growing(const char *monitor, uint64_t fault_ns,
			     enum udamos_collapse_hold hold, struct udamos_sim *sim,
			     struct udamos_scheme *s, struct udamos_recording *rec)
{
	size_t len;
	uint8_t *buf = growing_recording(&len, monitor, fault_ns);
	char why[256];

	assert_int_equal(udamos_rec_parse(buf, len, rec, why, sizeof(why)), 0);
	free(buf);
	assert_int_equal(rec->fault_ns, fault_ns);
	udamos_scheme_default_collapse(s);
	s->pattern.age.min = 0;
	assert_int_equal(udamos_sim_run(sim, rec, s, 1, hold), 0);
}

static uint64_t collapsed_bytes(const struct udamos_sim *sim)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < sim->dry.nr_events; i++)
		sum += sim->dry.events[i].bytes;
	return sum;
}

static void sim_done(struct udamos_sim *sim, struct udamos_scheme *s,
		     struct udamos_recording *rec)
{
	udamos_sim_release(sim);
	udamos_scheme_release(s);
	udamos_rec_free(rec);
}

/* Held, the table is taken in one apply once the hot memory found there
 * stopped growing (3 s after it last grew); not held, collapse starts at
 * the first sighting. */
static void test_replay_holds_a_table_as_live(void **state)
{
	struct udamos_recording rec;
	struct udamos_scheme s;
	struct udamos_sim sim;

	(void)state;
	simulate_growing("paddr", 20000, UDAMOS_COLLAPSE_HOLD_AUTO, &sim, &s, &rec);
	assert_true(sim.hold_tables);
	assert_int_equal(s.stats.nr_tables_held, 1);
	assert_int_equal(collapsed_bytes(&sim), MiB(64));
	for (size_t i = 0; i < sim.dry.nr_events; i++)
		assert_int_equal(sim.dry.events[i].time_us, 1000 + 3 * 100000 + UDAMOS_HOLD_QUIET_US);
	sim_done(&sim, &s, &rec);

	simulate_growing("paddr", 20000, UDAMOS_COLLAPSE_HOLD_OFF, &sim, &s, &rec);
	assert_false(sim.hold_tables);
	assert_int_equal(s.stats.nr_tables_held, 0);
	assert_int_equal(sim.dry.events[0].time_us, 1000);
	assert_int_equal(collapsed_bytes(&sim), MiB(64));
	sim_done(&sim, &s, &rec);
}

/* auto asks the recording what a live run asks its host and source: a
 * cheap fault, no host record, or the oracle, which is handed the hot
 * set, hold nothing; on holds whatever the recording says. */
static void test_replay_hold_auto_reads_the_recording(void **state)
{
	static const struct {
		const char *monitor;
		uint64_t fault_ns;
		enum udamos_collapse_hold hold;
		bool held;
	} cases[] = {
		{ "vaddr", 1200, UDAMOS_COLLAPSE_HOLD_AUTO, false },
		{ "paddr", 0, UDAMOS_COLLAPSE_HOLD_AUTO, false },
		{ "oracle", 20000, UDAMOS_COLLAPSE_HOLD_AUTO, false },
		{ "oracle", 0, UDAMOS_COLLAPSE_HOLD_ON, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct udamos_recording rec;
		struct udamos_scheme s;
		struct udamos_sim sim;

		simulate_growing(cases[i].monitor, cases[i].fault_ns, cases[i].hold, &sim, &s,
				 &rec);
		assert_int_equal(sim.hold_tables, cases[i].held);
		assert_int_equal(s.stats.nr_tables_held, cases[i].held);
		/* Not held: the first sighting is collapsed at once. */
		assert_int_equal(sim.dry.events[0].time_us == 1000, !cases[i].held);
		sim_done(&sim, &s, &rec);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_replay_collapses_the_hot_range),
		cmocka_unit_test(test_hostile_recordings),
		cmocka_unit_test(test_replay_holds_a_table_as_live),
		cmocka_unit_test(test_replay_hold_auto_reads_the_recording),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
