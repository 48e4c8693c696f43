/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Synthetic recordings for unit tests: one target with one anonymous
 * mapping, written to memory with the real writer.
 */
#ifndef UDAMOS_TEST_RECORDING_H
#define UDAMOS_TEST_RECORDING_H

#include <stdio.h>

#include "record/record.h"

struct test_rec {
	char *buf;
	size_t len;
	FILE *f;
	struct udamos_rec_writer w;
};

/* Opens a recording of target 0 (pid, comm) mapping [start, end) at time_us. */
static inline void test_rec_begin(struct test_rec *r, int pid, const char *comm,
				  uint64_t start, uint64_t end, uint64_t time_us)
{
	struct udamos_rec_target t = { .idx = 0, .pid = pid };
	struct udamos_rec_range map = { start, end };
	struct udamos_rec_ranges vmas = { .target = 0, .time_us = time_us, .nr = 1, .r = &map };

	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	r->buf = NULL;
	r->len = 0;
	r->f = open_memstream(&r->buf, &r->len);
	assert_int_equal(udamos_rec_open(&r->w, r->f), 0);
	assert_int_equal(udamos_rec_put_target(&r->w, &t), 0);
	assert_int_equal(udamos_rec_put_attrs(&r->w, 5000, 100000), 0);
	assert_int_equal(udamos_rec_put_ranges(&r->w, UDAMOS_REC_VMAS, &vmas), 0);
	assert_int_equal(udamos_rec_put_ranges(&r->w, UDAMOS_REC_ANON, &vmas), 0);
}

/* Closes it; the bytes are the caller's to free. */
static inline uint8_t *test_rec_end(struct test_rec *r, size_t *len)
{
	fclose(r->f);
	*len = r->len;
	return (uint8_t *)r->buf;
}

/*
 * The whole of a simple one: nr snapshots from t0_us, 100 ms apart, of
 * [start, hot_start) and [hot_end, end) idle and [hot_start, hot_end)
 * at rate of 20, all aging by one per snapshot.
 */
static inline uint8_t *test_rec_hot_cold(size_t *len, int pid, const char *comm,
					 uint64_t start, uint64_t hot_start, uint64_t hot_end,
					 uint64_t end, uint32_t rate, uint32_t nr, uint64_t t0_us)
{
	struct test_rec rec;

	test_rec_begin(&rec, pid, comm, start, end, t0_us);
	for (uint32_t i = 0; i < nr; i++) {
		struct udamos_region r[3] = {
			{ start, hot_start, 0, i },
			{ hot_start, hot_end, rate, i },
			{ hot_end, end, 0, i },
		};
		struct udamos_snapshot s = { .target = 0, .time_us = t0_us + i * 100000ULL,
			.aggr_us = 100000, .max_nr_accesses = 20, .nr_regions = 3, .regions = r };

		assert_int_equal(udamos_rec_put_snapshot(&rec.w, &s), 0);
	}
	return test_rec_end(&rec, len);
}

#endif
