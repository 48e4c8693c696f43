/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transparent huge page settings in sysfs.
 */
#ifndef UDAMOS_SYS_THP_H
#define UDAMOS_SYS_THP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UDAMOS_THP_DIR "/sys/kernel/mm/transparent_hugepage"
#define UDAMOS_THP_ENABLED UDAMOS_THP_DIR "/enabled"
#define UDAMOS_THP_DEFRAG UDAMOS_THP_DIR "/defrag"
#define UDAMOS_KHUGEPAGED_DIR UDAMOS_THP_DIR "/khugepaged"

/* True when the kernel was built with transparent huge pages. */
bool udamos_thp_available(void);
/* The current mode ("always", "madvise", "never"). 0 or -errno. */
int udamos_thp_mode(char *buf, size_t len);

/* One multi-size THP size (hugepages-<size>kB) and its enabled mode. */
struct udamos_mthp {
	uint64_t size;
	char mode[16];		/* always, inherit, madvise, never */
};

/*
 * Fills up to max sizes, smallest first; returns how many there are (0 on
 * kernels before 6.8, which have only the PMD size).
 */
size_t udamos_thp_mthp_sizes(struct udamos_mthp *out, size_t max);

#endif
