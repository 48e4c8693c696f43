// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit parsing and formatting; see units.h.
 */
#include "core/units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_word(const char *s, const char *word)
{
	return !strcasecmp(s, word);
}

int udamos_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * Splits "1.5GiB" into 1.5 and "GiB".  Only plain decimal numbers are
 * taken: no signs, exponents, hex or infinities.
 */
static int split_number(const char *s, double *num, const char **unit)
{
	const char *p = s;
	char *end;
	bool digits = false;

	while ((*p >= '0' && *p <= '9') || *p == '.') {
		digits |= *p != '.';
		p++;
	}
	if (!digits)
		return -EINVAL;
	errno = 0;
	*num = strtod(s, &end);
	if (errno || end != p || !isfinite(*num))
		return -EINVAL;
	*unit = p;
	return 0;
}

static int scaled(double num, uint64_t mult, uint64_t *out)
{
	double v = num * (double)mult;

	if (v >= 18446744073709551615.0)
		return -EINVAL;
	*out = (uint64_t)llround(v);
	return 0;
}

struct unit {
	const char *name;
	uint64_t mult;
};

/*
 * "max", "min", or a number with one of the units; a bare number is taken
 * in bare_mult (0: not allowed).
 */
static int parse_with_units(const char *s, const struct unit *units, size_t n,
			    uint64_t bare_mult, int (*cmp)(const char *, const char *),
			    uint64_t *out)
{
	const char *unit;
	double num;

	if (!s)
		return -EINVAL;
	if (is_word(s, "max") || is_word(s, "min")) {
		*out = is_word(s, "max") ? UDAMOS_UNLIMITED : 0;
		return 0;
	}
	if (split_number(s, &num, &unit))
		return -EINVAL;
	if (!*unit)
		return bare_mult ? scaled(num, bare_mult, out) : -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!cmp(unit, units[i].name))
			return scaled(num, units[i].mult, out);
	return -EINVAL;
}

int udamos_parse_size(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "b", 1 },
		{ "k", 1ULL << 10 }, { "kb", 1ULL << 10 }, { "kib", 1ULL << 10 },
		{ "m", 1ULL << 20 }, { "mb", 1ULL << 20 }, { "mib", 1ULL << 20 },
		{ "g", 1ULL << 30 }, { "gb", 1ULL << 30 }, { "gib", 1ULL << 30 },
		{ "t", 1ULL << 40 }, { "tb", 1ULL << 40 }, { "tib", 1ULL << 40 },
	};

	/* Sizes ignore case: 2m, 2M and 2MiB all mean 2 MiB. */
	return parse_with_units(s, units, sizeof(units) / sizeof(units[0]), 1,
				strcasecmp, out);
}

int udamos_parse_time_us(const char *s, uint64_t bare_unit_us, uint64_t *out)
{
	static const struct unit units[] = {
		{ "us", 1 }, { "ms", 1000 }, { "s", 1000000 },
		{ "m", 60000000ULL }, { "min", 60000000ULL }, { "h", 3600000000ULL },
	};

	/* Times keep case: "m" is minutes, and "M" would be a mistake. */
	return parse_with_units(s, units, sizeof(units) / sizeof(units[0]), bare_unit_us,
				strcmp, out);
}

int udamos_parse_rate(const char *s, uint64_t *out, enum udamos_rate_unit *unit)
{
	size_t len;
	double num;
	const char *rest;
	char buf[64];

	if (!s)
		return -EINVAL;
	if (is_word(s, "max") || is_word(s, "min")) {
		*out = is_word(s, "max") ? UDAMOS_UNLIMITED : 0;
		return 0;	/* unit: left as the other bound's */
	}
	len = strlen(s);
	if (len && s[len - 1] == '%') {
		if (len >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, s, len - 1);
		buf[len - 1] = '\0';
		if (split_number(buf, &num, &rest) || *rest || num > 100.0)
			return -EINVAL;
		*out = (uint64_t)llround(num * 100.0);
		*unit = UDAMOS_RATE_BP;
		return 0;
	}
	if (udamos_parse_u64(s, out))
		return -EINVAL;
	*unit = UDAMOS_RATE_RAW;
	return 0;
}

int udamos_parse_age(const char *s, uint64_t *out, enum udamos_age_unit *unit)
{
	if (!s)
		return -EINVAL;
	if (is_word(s, "max") || is_word(s, "min")) {
		*out = is_word(s, "max") ? UDAMOS_UNLIMITED : 0;
		return 0;
	}
	if (!udamos_parse_u64(s, out)) {
		*unit = UDAMOS_AGE_AGGRS;
		return 0;
	}
	if (udamos_parse_time_us(s, 0, out))
		return -EINVAL;
	*unit = UDAMOS_AGE_US;
	return 0;
}

char *udamos_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const sfx[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int i = 0;

	if (bytes == UDAMOS_UNLIMITED) {
		snprintf(buf, len, "max");
		return buf;
	}
	while (v >= 1024.0 && i < 5) {
		v /= 1024.0;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, sfx[i]);
	return buf;
}

int udamos_parse_auto_on_off(const char *s)
{
	static const char *const names[] = { "auto", "on", "off" };
	int i = udamos_name_index(names, sizeof(names) / sizeof(names[0]), s);

	return i < 0 ? -EINVAL : i;
}

int udamos_name_index(const char *const *names, size_t nr, const char *name)
{
	for (size_t i = 0; name && i < nr; i++)
		if (names[i] && !strcmp(names[i], name))
			return (int)i;
	return -1;
}
