// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * THP sysfs readers; see thp.h.  Writers go through the restore guard.
 */
#include "sys/thp.h"

#include <unistd.h>

#include "sys/guard.h"

bool udamos_thp_available(void)
{
	return access(UDAMOS_THP_ENABLED, R_OK) == 0;
}

int udamos_thp_mode(char *buf, size_t len)
{
	return udamos_sysfs_read_choice(UDAMOS_THP_ENABLED, buf, len);
}
