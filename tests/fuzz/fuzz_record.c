// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the recording path: any bytes must give a
 * recording or one clear error, never a crash, a leak, a hang or undefined
 * behaviour, and a recording that reads must simulate the same way, under
 * a scheme with every kind of quota.  Built only with -Dfuzz=true under
 * clang; see docs/reliability.md for the long runs.
 *
 * Mutations almost never keep a record's checksum right, which would stop
 * the fuzzer at the first record.  So each input is also parsed with its
 * checksums recomputed, to reach the record decoders behind them.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "record/record.h"
#include "record/wire.h"
#include "report/simulate.h"
#include "udamos/scheme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The default collapse scheme, and one bounded by time, size and a goal:
 * the quota and goal paths run on every snapshot too. */
static void simulate(const struct udamos_recording *rec)
{
	struct udamos_scheme s[2];
	struct udamos_sim sim;

	udamos_scheme_default_collapse(&s[0]);
	udamos_scheme_default_collapse(&s[1]);
	s[1].quota.ms = 5;
	s[1].quota.sz = 64ULL << 20;
	s[1].quota.nr_goals = 1;
	s[1].quota.goals[0] = (struct udamos_goal){ .metric = UDAMOS_GOAL_HUGEPAGE_MEM_BP,
						    .target_value = 5000 };
	udamos_sim_run(&sim, rec, s, 2, UDAMOS_COLLAPSE_HOLD_AUTO);
	udamos_sim_release(&sim);
	udamos_scheme_release(&s[0]);
	udamos_scheme_release(&s[1]);
}

static void parse(const uint8_t *data, size_t size)
{
	struct udamos_recording rec;
	char why[256];

	if (!udamos_rec_parse(data, size, &rec, why, sizeof(why))) {
		if (rec.nr_snaps)
			simulate(&rec);
		udamos_rec_free(&rec);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;
	size_t off = UDAMOS_REC_HDR_SZ;

	parse(data, size);
	fixed = malloc(size ? size : 1);
	if (!fixed)
		return 0;
	memcpy(fixed, data, size);
	while (off + 12 <= size) {
		uint32_t len = udamos_get32(fixed + off + 4);

		if (len > size - off - 12)
			break;
		udamos_put32(fixed + off + 8 + len,
			     (uint32_t)crc32(crc32(0L, fixed + off, 8), fixed + off + 8, len));
		off += 12 + (size_t)len;
	}
	parse(fixed, size);
	free(fixed);
	return 0;
}
