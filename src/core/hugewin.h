/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which 2 MiB windows a region owns, for huge-page actions.
 *
 * MADV_COLLAPSE works on whole, aligned 2 MiB windows.  Regions rarely end
 * on window edges, so a rule is needed for windows a region covers in
 * part.  udamos uses the midpoint rule: a region owns a window when it
 * contains the window's midpoint.  Every window then belongs to exactly
 * one region, so a hot range split into many regions loses no window at
 * the internal boundaries (rounding inward per region would), and at the
 * edges of a hot range at most half a window of colder memory is
 * collapsed with it (rounding outward could take almost a whole one).
 */
#ifndef UDAMOS_CORE_HUGEWIN_H
#define UDAMOS_CORE_HUGEWIN_H

#include <stdbool.h>
#include <stdint.h>

/* Sets [*first, *end) to the owned windows; false when there are none. */
bool udamos_owned_windows(uint64_t start, uint64_t end, uint64_t *first,
			  uint64_t *end_out);

#endif
