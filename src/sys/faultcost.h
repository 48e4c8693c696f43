/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What one minor fault costs on this machine, timed in udamos's own
 * memory.  Where the hardware walks the page tables (bare metal, or a
 * VM's EPT/NPT) a fault that gives an anonymous page its first frame is
 * on the order of a microsecond.  Where the host shadows the guest's
 * page tables, every such fault is handled by the host as well, and is
 * an order of magnitude dearer: 10-15 us on this project's PVM guests
 * (docs/performance.md).  core/lockpace.h decides from it.
 */
#ifndef UDAMOS_SYS_FAULTCOST_H
#define UDAMOS_SYS_FAULTCOST_H

#include <stdint.h>

/*
 * Nanoseconds per minor fault: the least of a few timings, each over a
 * thousand small pages mapped, written once and unmapped (tens of
 * milliseconds at the dearest).  Timed once per process; later calls
 * give the same figure.  0 or -errno.
 */
int udamos_minor_fault_ns(uint64_t *ns);

#endif
