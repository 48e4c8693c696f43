// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * THP sysfs readers; see thp.h.  Writers go through the restore guard.
 */
#include "sys/thp.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sys/sysfs.h"

bool udamos_thp_available(void)
{
	return access(UDAMOS_THP_ENABLED, R_OK) == 0;
}

int udamos_thp_mode(char *buf, size_t len)
{
	return udamos_sysfs_read_choice(UDAMOS_THP_ENABLED, buf, len);
}

static int by_size(const void *a, const void *b)
{
	const struct udamos_mthp *x = a, *y = b;

	return (x->size > y->size) - (x->size < y->size);
}

size_t udamos_thp_mthp_sizes(struct udamos_mthp *out, size_t max)
{
	DIR *d = opendir(UDAMOS_THP_DIR);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		uint64_t kb;
		char path[320], end;

		if (sscanf(de->d_name, "hugepages-%" SCNu64 "k%c", &kb, &end) != 2 || end != 'B')
			continue;
		snprintf(path, sizeof(path), UDAMOS_THP_DIR "/%s/enabled", de->d_name);
		/* A size listed without an enabled knob (file THP only) cannot
		 * be turned on for anonymous memory: not one to show. */
		if (udamos_sysfs_read_choice(path, out[n].mode, sizeof(out[n].mode)))
			continue;
		out[n++].size = kb << 10;
	}
	closedir(d);
	qsort(out, n, sizeof(*out), by_size);
	return n;
}
