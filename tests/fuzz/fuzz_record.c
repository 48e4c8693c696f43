// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the recording reader: any bytes must give a
 * recording or one clear error, never a crash, a leak or undefined
 * behaviour.  Built only with -Dfuzz=true under clang; see
 * docs/record-format.md for a longer run.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse(const uint8_t *data, size_t size)
{
	struct udamos_recording rec;
	char why[256];

	if (!udamos_rec_parse(data, size, &rec, why, sizeof(why)))
		udamos_rec_free(&rec);
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
