/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Watermarks: switch a scheme on and off by free memory, with hysteresis.
 */
#ifndef UDAMOS_CORE_WMARK_H
#define UDAMOS_CORE_WMARK_H

#include "udamos/engine.h"

/*
 * Returns whether the scheme is active at now_us, re-reading the metric
 * once per check interval.  Above high or below low: off.  Between low and
 * mid: on.  Between mid and high: unchanged, which is the hysteresis.
 */
bool udamos_wmark_active(struct udamos_scheme *s, uint64_t now_us,
			 const struct udamos_env *env);

#endif
