/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine's environment on a live system: free memory for watermarks
 * and the goal metrics, read from procfs for the run's targets.
 */
#ifndef UDAMOS_RUN_SYSENV_H
#define UDAMOS_RUN_SYSENV_H

#include "sys/target.h"
#include "udamos/engine.h"

struct udamos_sysenv {
	struct udamos_target *targets;	/* borrowed */
	size_t nr_targets;
	uint64_t last_psi_us;
	bool have_psi;
};

struct udamos_env udamos_sysenv_env(struct udamos_sysenv *se);

#endif
