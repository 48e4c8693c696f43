/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared includes for the cmocka unit tests. */
#ifndef UDAMOS_TEST_H
#define UDAMOS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

#endif
