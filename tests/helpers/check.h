/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CHECK for the integration test programs: report and count a failed
 * expectation, and go on to the next one.
 */
#ifndef UDAMOS_TEST_CHECK_H
#define UDAMOS_TEST_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		failures++;						\
	}								\
} while (0)

#endif
