// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The region algorithm, driven by the synthetic source, converges on a
 * known hot set; precision and recall over 2 MiB windows are printed.
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hugewin.h"
#include "source/synthetic.h"

#define SPACE MiB(256)

static int fixed_range(void *ctx, uint32_t t, struct udamos_addr_range **out, size_t *n)
{
	(void)ctx;
	(void)t;
	*out = malloc(sizeof(**out));
	(*out)[0] = (struct udamos_addr_range){ 0, SPACE };
	*n = 1;
	return 0;
}

/* A window is judged hot when the region owning it saw >= 5% hits. */
static void score(const struct udamos_snapshot *sn, uint64_t hot_start, uint64_t hot_end,
		  double *precision, double *recall)
{
	unsigned tp = 0, fp = 0, fn = 0;

	for (size_t i = 0; i < sn->nr_regions; i++) {
		const struct udamos_region *r = &sn->regions[i];
		bool hot = r->nr_accesses * 100 >= 5 * sn->max_nr_accesses;
		uint64_t first, end;

		if (!udamos_owned_windows(r->start, r->end, &first, &end))
			continue;
		for (uint64_t w = first; w < end; w += MiB(2)) {
			bool truth = w >= hot_start && w < hot_end;

			tp += hot && truth;
			fp += hot && !truth;
			fn += !hot && truth;
		}
	}
	*precision = tp + fp ? (double)tp / (tp + fp) : 1.0;
	*recall = tp + fn ? (double)tp / (tp + fn) : 1.0;
}

static struct udamos_source *make(struct udamos_model *m, const char *spec)
{
	struct udamos_synthetic_cfg cfg = { .model = m, .nr_targets = 1, .ranges = fixed_range };
	struct udamos_source *src;
	char why[128];

	assert_int_equal(udamos_model_parse(spec, m, why, sizeof(why)), 0);
	udamos_mon_attrs_default(&cfg.attrs);
	assert_int_equal(udamos_synthetic_create(&cfg, &src), 0);
	return src;
}

static void run_until(struct udamos_source *src, uint64_t until_us,
		      struct udamos_snapshot **last)
{
	size_t nr;

	do {
		assert_int_equal(udamos_source_next(src, last, &nr), 0);
		assert_int_equal(nr, 1);
	} while ((*last)[0].time_us < until_us);
}

static void test_converges_on_contiguous_hot_set(void **state)
{
	struct udamos_model m;
	struct udamos_source *src = make(&m, "hot=0x4000000-0x6000000,seed=7");
	struct udamos_snapshot *sn;
	double p, r;

	(void)state;
	run_until(src, 5000000, &sn);
	score(sn, MiB(64), MiB(96), &p, &r);
	printf("contiguous 32 MiB hot set after 5 s: precision %.2f recall %.2f, %zu regions\n",
	       p, r, sn->nr_regions);
	assert_true(p >= 0.9);
	assert_true(r >= 0.9);
	/* Invariant: regions tile the monitored range. */
	assert_int_equal(sn->regions[0].start, 0);
	assert_int_equal(sn->regions[sn->nr_regions - 1].end, SPACE);
	for (size_t i = 1; i < sn->nr_regions; i++)
		assert_int_equal(sn->regions[i].start, sn->regions[i - 1].end);
	udamos_source_destroy(src);
	udamos_model_release(&m);
}

static void test_follows_a_moving_hot_set(void **state)
{
	struct udamos_model m;
	struct udamos_source *src = make(&m, "hot=0x4000000-0x6000000@0.5,phase=5s,"
					 "hot=0xa000000-0xc000000@0.5,seed=3");
	struct udamos_snapshot *sn;
	double p, r;

	(void)state;
	run_until(src, 10000000, &sn);
	score(sn, MiB(160), MiB(192), &p, &r);
	printf("hot set moved at 5 s, 5 s later: precision %.2f recall %.2f\n", p, r);
	assert_true(p >= 0.9);
	assert_true(r >= 0.9);
	udamos_source_destroy(src);
	udamos_model_release(&m);
}

static void test_model_spec(void **state)
{
	struct udamos_model m;
	char why[160];

	(void)state;
	assert_int_equal(udamos_model_parse("hot=0x1000+8K@50%,cold=0.01,phase=2s,hot=0-4096",
					    &m, why, sizeof(why)), 0);
	assert_int_equal(m.nr_phases, 2);
	assert_true(udamos_model_prob(&m, 0, 0x1000) == 0.5);
	assert_true(udamos_model_prob(&m, 0, 0x3000) == 0.01);
	assert_true(udamos_model_prob(&m, 2000000, 0x1000) == 0.01);
	assert_true(udamos_model_prob(&m, 2000000, 0) == 1.0);
	udamos_model_release(&m);
	assert_int_equal(udamos_model_parse("hot=0x2000-0x1000", &m, why, sizeof(why)), -22);
	assert_non_null(strstr(why, "empty"));
	assert_int_equal(udamos_model_parse("warm=1", &m, why, sizeof(why)), -22);
	assert_non_null(strstr(why, "unknown key 'warm'"));
	assert_int_equal(udamos_model_parse("hot=0+4K@2", &m, why, sizeof(why)), -22);
	assert_int_equal(udamos_model_parse("phase=3s,phase=1s", &m, why, sizeof(why)), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_converges_on_contiguous_hot_set),
		cmocka_unit_test(test_follows_a_moving_hot_set),
		cmocka_unit_test(test_model_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
