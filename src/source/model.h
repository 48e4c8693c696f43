/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A ground-truth access model: which addresses are touched, how often,
 * and how that changes over time.  The synthetic source samples it the
 * way DAMON samples real page tables, so monitoring and schemes can be
 * tested against a known answer.
 *
 * Spec syntax (comma separated):
 *   hot=START-END[@P]   addresses [START, END) are accessed with
 *   hot=START+SIZE[@P]  probability P per sampling interval (0..1 or N%,
 *                       default 1)
 *   cold=P              probability for every other address (default 0)
 *   phase=TIME          later hot= items take effect TIME after the start
 *   seed=N              random seed (default 1)
 */
#ifndef UDAMOS_SOURCE_MODEL_H
#define UDAMOS_SOURCE_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct udamos_hot_range {
	uint64_t start, end;
	double p;
};

struct udamos_model_phase {
	uint64_t from_us;	/* offset from the start of monitoring */
	struct udamos_hot_range *hot;
	size_t nr_hot;
};

struct udamos_model {
	uint64_t seed;
	double cold_p;
	struct udamos_model_phase *phases;
	size_t nr_phases;
};

/* Returns 0, or -EINVAL with a one-line reason in why. */
int udamos_model_parse(const char *spec, struct udamos_model *m, char *why,
		       size_t why_len);
void udamos_model_release(struct udamos_model *m);

/* Probability that addr is accessed in one sampling interval at t_us. */
double udamos_model_prob(const struct udamos_model *m, uint64_t t_us,
			 uint64_t addr);

#endif
