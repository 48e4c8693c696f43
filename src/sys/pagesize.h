/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The running kernel's page geometry: base page size and PMD huge page
 * size, as udamos/snapshot.h keeps them.
 */
#ifndef UDAMOS_SYS_PAGESIZE_H
#define UDAMOS_SYS_PAGESIZE_H

#include <stdint.h>

/*
 * Reads both sizes (hpage_pmd_size; derived from the page size on a
 * kernel without THP) and makes them the process's geometry.  Returns 0,
 * or -EINVAL with *page_size and *huge_size set to what was read.
 */
int udamos_kernel_geometry(uint64_t *page_size, uint64_t *huge_size);

#endif
