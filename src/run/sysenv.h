/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine's environment on a live system: free memory for watermarks
 * and the goal metrics, read from procfs for the run's targets.
 */
#ifndef UDAMOS_RUN_SYSENV_H
#define UDAMOS_RUN_SYSENV_H

#include "sys/target.h"
#include "udamos/engine.h"

/* Goals that read PSI: one per goal of every scheme, as many as a run has. */
#define UDAMOS_SYSENV_MAX_READERS 64

struct udamos_sysenv {
	struct udamos_target *targets;	/* borrowed */
	size_t nr_targets;
	/* PSI stall time as each goal last read it: the goal is about stall
	 * accrued per its own reset interval. */
	struct udamos_psi_reading {
		const void *reader;
		uint64_t us;
	} psi[UDAMOS_SYSENV_MAX_READERS];
	size_t nr_psi;
};

struct udamos_env udamos_sysenv_env(struct udamos_sysenv *se);
/* Stall accrued since reader's last reading (0 on its first), given the
 * total psi now; 0 or -ENOSPC past UDAMOS_SYSENV_MAX_READERS readers. */
int udamos_sysenv_psi_delta(struct udamos_sysenv *se, const void *reader, uint64_t psi,
			    uint64_t *value);

#endif
