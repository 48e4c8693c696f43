/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ranges whose age an action reset.  DAMOS starts a region's age again
 * once an action changed it, so that a just-collapsed window does not
 * look old and settled to the next scheme; monitoring knows nothing of
 * it, so the engine keeps the resets itself.
 *
 * Kept sorted by (target, start) and disjoint: a newer reset overrides
 * an older one where they overlap, since only the newest counts.  So the
 * list is bounded by the distinct ranges acted on, not by how often, and
 * a region finds the resets inside it by binary search.  Past
 * UDAMOS_AGE_RESETS_MAX entries, neighbours merge, keeping the newer
 * time: ages come out younger, which only delays an action.
 */
#ifndef UDAMOS_CORE_AGERESET_H
#define UDAMOS_CORE_AGERESET_H

#include <stddef.h>
#include <stdint.h>

#include "udamos/engine.h"

#define UDAMOS_AGE_RESETS_MAX 65536

/* 0 or -ENOMEM. */
int udamos_resets_add(struct udamos_age_resets *rs, uint32_t target, uint64_t start,
		      uint64_t end, uint64_t now_us);
/* Forgets resets older than horizon_us: no age bound can see them. */
void udamos_resets_prune(struct udamos_age_resets *rs, uint64_t now_us, uint64_t horizon_us);
/* Index of target's first reset that ends after addr (nr if none). */
size_t udamos_resets_first(const struct udamos_age_resets *rs, uint32_t target, uint64_t addr);
void udamos_resets_release(struct udamos_age_resets *rs);

#endif
