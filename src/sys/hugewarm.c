// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A huge page made ready just before each collapse; see hugewarm.h.
 */
#include "sys/hugewarm.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "core/units.h"
#include "sys/clock.h"
#include "sys/pidfd.h"	/* MADV_COLLAPSE where libc lacks it */
#include "sys/sysfs.h"
#include "udamos/snapshot.h"

#define VIRTIO_ID_BALLOON "0x0005"
#define VIRTIO_BALLOON_F_REPORTING 5

_Static_assert(UDAMOS_WARM_ON == 1 && UDAMOS_WARM_OFF == 2, "udamos_parse_auto_on_off's order");

int udamos_hugewarm_open(struct udamos_hugewarm *w)
{
	uint64_t huge = udamos_huge_size();

	memset(w, 0, sizeof(*w));
	w->map_len = 2 * huge;
	w->map = mmap(NULL, w->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (w->map == MAP_FAILED) {
		w->map = NULL;
		return -errno;
	}
	w->page = (char *)(((uintptr_t)w->map + huge - 1) & ~(uintptr_t)(huge - 1));
	/* MADV_COLLAPSE needs it under THP "never" too: it refuses only
	 * mappings marked NOHUGEPAGE. */
	madvise(w->page, huge, MADV_HUGEPAGE);
	return 0;
}

void udamos_hugewarm_one(struct udamos_hugewarm *w)
{
	uint64_t huge = udamos_huge_size(), t0 = udamos_now_ns();

	if (!w->map)
		return;
	/* Where THP faults give a huge page, that one write is the whole work
	 * and the collapse finds it done.  Under "never" it faults one base
	 * page, and the collapse, which ignores max_ptes_none, takes a new
	 * huge page and fills the rest with zeroes: the fault-in, with no
	 * other page to copy. */
	w->page[0] = 1;
	madvise(w->page, huge, MADV_COLLAPSE);
	madvise(w->page, huge, MADV_DONTNEED);
	w->nr++;
	w->ns += udamos_now_ns() - t0;
}

void udamos_hugewarm_close(struct udamos_hugewarm *w)
{
	if (w->map)
		munmap(w->map, w->map_len);
	w->map = NULL;
}

static bool balloon_reports(const char *dev)
{
	char path[300], id[16], features[256];

	snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/device", dev);
	if (udamos_sysfs_read(path, id, sizeof(id)) || strcmp(id, VIRTIO_ID_BALLOON))
		return false;
	/* One character per feature bit, the lowest first. */
	snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/features", dev);
	return !udamos_sysfs_read(path, features, sizeof(features)) &&
		strlen(features) > VIRTIO_BALLOON_F_REPORTING &&
		features[VIRTIO_BALLOON_F_REPORTING] == '1';
}

static bool read_free_pages_reported(void)
{
	DIR *d = opendir("/sys/bus/virtio/devices");
	struct dirent *e;
	bool reported = false;

	if (!d)
		return false;
	while (!reported && (e = readdir(d)))
		reported = e->d_name[0] != '.' && balloon_reports(e->d_name);
	closedir(d);
	return reported;
}

bool udamos_free_pages_reported(void)
{
	/* A balloon's features are fixed when its driver binds: the daemon
	 * asks at every run start, and sysfs is walked once. */
	static int reported = -1;

	if (reported < 0)
		reported = read_free_pages_reported();
	return reported;
}
