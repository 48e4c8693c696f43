/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Setting scheme fields from text.  The command line and JSON files both
 * come through here, so they accept the same spellings and give the same
 * errors.  On failure each setter returns -EINVAL and writes into why a
 * reason that names the bad value and how to write it.
 */
#ifndef UDAMOS_CONFIG_SCHEME_FIELDS_H
#define UDAMOS_CONFIG_SCHEME_FIELDS_H

#include <stddef.h>

#include "udamos/scheme.h"

struct udamos_why {
	char *buf;
	size_t len;
};

int udamos_set_action(struct udamos_scheme *s, const char *v, struct udamos_why w);
int udamos_set_sz_range(struct udamos_scheme *s, const char *min, const char *max,
			struct udamos_why w);
int udamos_set_rate_range(struct udamos_scheme *s, const char *min, const char *max,
			  struct udamos_why w);
int udamos_set_age_range(struct udamos_scheme *s, const char *min, const char *max,
			 struct udamos_why w);
/* Bare numbers are microseconds, as in damo. */
int udamos_set_apply_interval(struct udamos_scheme *s, const char *v, struct udamos_why w);
/* Bare numbers: time in ms, size in bytes, reset interval in ms. */
int udamos_set_quota_time(struct udamos_scheme *s, const char *v, struct udamos_why w);
int udamos_set_quota_size(struct udamos_scheme *s, const char *v, struct udamos_why w);
int udamos_set_quota_reset(struct udamos_scheme *s, const char *v, struct udamos_why w);
int udamos_set_quota_weights(struct udamos_scheme *s, const char *sz,
			     const char *rate, const char *age, struct udamos_why w);
int udamos_add_quota_goal(struct udamos_scheme *s, const char *metric,
			  const char *target, const char *current, struct udamos_why w);
int udamos_set_apply_by(struct udamos_scheme *s, const char *v, struct udamos_why w);
int udamos_set_collapse_scope(struct udamos_scheme *s, const char *v, struct udamos_why w);
int udamos_set_quota_tuner(struct udamos_scheme *s, const char *v, struct udamos_why w);
/* metric is "none" or "free_mem_rate"; marks are per thousand. */
int udamos_set_wmarks(struct udamos_scheme *s, const char *metric,
		      const char *interval, const char *high, const char *mid,
		      const char *low, struct udamos_why w);
/*
 * type: addr, target, anon or huge; args: addr takes START END, target
 * takes an index; verdict: "allow" or "reject".
 */
int udamos_add_filter(struct udamos_scheme *s, const char *type, bool matching,
		      const char *const *args, size_t nr_args, bool allow,
		      struct udamos_why w);

/* Grows a scheme array by one initialised scheme; NULL on ENOMEM. */
struct udamos_scheme *udamos_schemes_push(struct udamos_scheme **v, size_t *n,
					  enum udamos_action action);
void udamos_schemes_free(struct udamos_scheme *v, size_t n);

#endif
