// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Access model parsing and lookup; see model.h.
 */
#include "source/model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

static int parse_prob(const char *s, double *p)
{
	char *end;
	size_t len = strlen(s);

	errno = 0;
	*p = strtod(s, &end);
	if (errno || end == s)
		return -EINVAL;
	if (*end == '%' && end + 1 == s + len)
		*p /= 100.0;
	else if (*end)
		return -EINVAL;
	return *p >= 0.0 && *p <= 1.0 ? 0 : -EINVAL;
}

static struct udamos_model_phase *add_phase(struct udamos_model *m, uint64_t from)
{
	struct udamos_model_phase *grown = realloc(m->phases,
						   (m->nr_phases + 1) * sizeof(*grown));

	if (!grown)
		return NULL;
	m->phases = grown;
	grown[m->nr_phases] = (struct udamos_model_phase){ .from_us = from };
	return &grown[m->nr_phases++];
}

static int parse_hot(char *val, struct udamos_model_phase *ph, char *why,
		     size_t len)
{
	struct udamos_hot_range r = { .p = 1.0 };
	struct udamos_hot_range *grown;
	char *at = strchr(val, '@'), *sep;
	bool is_size;
	uint64_t a, b;

	if (at) {
		*at = '\0';
		if (parse_prob(at + 1, &r.p)) {
			snprintf(why, len, "hot=...@%s: probability must be 0..1 or 0%%..100%%", at + 1);
			return -EINVAL;
		}
	}
	sep = strpbrk(val, "-+");
	if (!sep) {
		snprintf(why, len, "hot=%s: give START-END or START+SIZE", val);
		return -EINVAL;
	}
	is_size = *sep == '+';
	*sep = '\0';
	if (udamos_parse_u64(val, &a) ||
	    (is_size ? udamos_parse_size(sep + 1, &b) : udamos_parse_u64(sep + 1, &b))) {
		snprintf(why, len, "hot=%s%c%s: give addresses (0x...) and a size like 16M",
			 val, is_size ? '+' : '-', sep + 1);
		return -EINVAL;
	}
	r.start = a;
	r.end = is_size ? a + b : b;
	if (r.end <= r.start) {
		snprintf(why, len, "hot=%s: the range is empty; END must be above START", val);
		return -EINVAL;
	}
	grown = realloc(ph->hot, (ph->nr_hot + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	ph->hot = grown;
	ph->hot[ph->nr_hot++] = r;
	return 0;
}

int udamos_model_parse(const char *spec, struct udamos_model *m, char *why,
		       size_t why_len)
{
	char *copy = strdup(spec), *save = NULL, *item;
	int err = 0;

	memset(m, 0, sizeof(*m));
	m->seed = 1;
	if (!copy || !add_phase(m, 0)) {
		free(copy);
		return -ENOMEM;
	}
	for (item = strtok_r(copy, ",", &save); item && !err;
	     item = strtok_r(NULL, ",", &save)) {
		char *val = strchr(item, '=');

		if (!val) {
			snprintf(why, why_len, "'%s': expected KEY=VALUE (hot=, cold=, phase=, seed=)", item);
			err = -EINVAL;
			break;
		}
		*val++ = '\0';
		if (!strcmp(item, "hot")) {
			err = parse_hot(val, &m->phases[m->nr_phases - 1], why, why_len);
		} else if (!strcmp(item, "cold")) {
			if (parse_prob(val, &m->cold_p)) {
				snprintf(why, why_len, "cold=%s: probability must be 0..1 or 0%%..100%%", val);
				err = -EINVAL;
			}
		} else if (!strcmp(item, "seed")) {
			if (udamos_parse_u64(val, &m->seed)) {
				snprintf(why, why_len, "seed=%s: give a whole number", val);
				err = -EINVAL;
			}
		} else if (!strcmp(item, "phase")) {
			uint64_t from;

			if (udamos_parse_time_us(val, 1000000, &from) ||
			    from <= m->phases[m->nr_phases - 1].from_us) {
				snprintf(why, why_len, "phase=%s: give a time after the previous phase, like 30s", val);
				err = -EINVAL;
			} else if (!add_phase(m, from)) {
				err = -ENOMEM;
			}
		} else {
			snprintf(why, why_len, "unknown key '%s'; use hot=, cold=, phase= or seed=", item);
			err = -EINVAL;
		}
	}
	free(copy);
	if (err)
		udamos_model_release(m);
	return err;
}

void udamos_model_release(struct udamos_model *m)
{
	for (size_t i = 0; i < m->nr_phases; i++)
		free(m->phases[i].hot);
	free(m->phases);
	memset(m, 0, sizeof(*m));
}

double udamos_model_prob(const struct udamos_model *m, uint64_t t_us,
			 uint64_t addr)
{
	const struct udamos_model_phase *ph = NULL;

	for (size_t i = 0; i < m->nr_phases; i++)
		if (m->phases[i].from_us <= t_us)
			ph = &m->phases[i];
	if (ph)
		for (size_t i = 0; i < ph->nr_hot; i++)
			if (addr >= ph->hot[i].start && addr < ph->hot[i].end)
				return ph->hot[i].p;
	return m->cold_p;
}
