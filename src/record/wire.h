/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Byte layout of recordings (docs/record-format.md): little-endian
 * integers at fixed offsets, whatever the host's byte order.
 */
#ifndef UDAMOS_RECORD_WIRE_H
#define UDAMOS_RECORD_WIRE_H

#include <stdint.h>

#define UDAMOS_REC_HDR_SZ 16		/* magic, version, flags */
#define UDAMOS_REC_SNAP_HDR 32		/* target, max_nr, time, aggr, nr, pad */
#define UDAMOS_REC_REGION_SZ 24		/* start, end, nr_accesses, age */
#define UDAMOS_REC_RANGES_HDR 16	/* target, nr, time */
#define UDAMOS_REC_RANGE_SZ 16		/* start, end */

static inline void udamos_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void udamos_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t udamos_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t udamos_get64(const uint8_t *p)
{
	return (uint64_t)udamos_get32(p) | (uint64_t)udamos_get32(p + 4) << 32;
}

#endif
