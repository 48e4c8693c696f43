/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsing of the values people type: sizes (2M, 1.5GiB), times (100ms,
 * 5s), access rates (5% or a raw count), ages (2s or a count of
 * aggregations), and "min"/"max".  Shared by the CLI and the JSON reader
 * so both accept exactly the same spellings.
 */
#ifndef UDAMOS_CORE_UNITS_H
#define UDAMOS_CORE_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "udamos/scheme.h"

/* All return 0, or -EINVAL for text that is not of the kind. */
int udamos_parse_u64(const char *s, uint64_t *out);
/* Bytes; binary units K/M/G/T with optional "iB" or "B"; "max" is unlimited. */
int udamos_parse_size(const char *s, uint64_t *out);
/* Microseconds; units us, ms, s, m, h; a bare number is in bare_unit_us. */
int udamos_parse_time_us(const char *s, uint64_t bare_unit_us, uint64_t *out);
/* "N%" in basis points (UDAMOS_RATE_BP) or a bare count (UDAMOS_RATE_RAW). */
int udamos_parse_rate(const char *s, uint64_t *out, enum udamos_rate_unit *unit);
/* A time in microseconds (UDAMOS_AGE_US) or a bare count (UDAMOS_AGE_AGGRS). */
int udamos_parse_age(const char *s, uint64_t *out, enum udamos_age_unit *unit);

/* The index of name in a table of names (NULL entries never match), or -1:
 * how every enum is read from the text that names it. */
int udamos_name_index(const char *const *names, size_t nr, const char *name);

/* "auto", "on" or "off" as 0, 1 or 2, the order every auto/on/off enum
 * of udamos keeps; -EINVAL for anything else. */
int udamos_parse_auto_on_off(const char *s);

/* Human formatting into buf (e.g. "2.0 MiB"); returns buf. */
char *udamos_fmt_size(uint64_t bytes, char *buf, size_t len);

#endif
