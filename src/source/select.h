/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which monitor watches the targets.  The choice lives here, with the
 * sources, so that every interface (run, record, demo, report) picks the
 * same way:
 *
 *   auto    udamos's own kdamond where DAMON is free (vaddr, else paddr
 *           projected through pagemap); else a running kdamond someone
 *           else owns (source/shared.h), if it watches at least half of
 *           the targets' resident memory; else nothing, with the reason.
 *   vaddr, paddr   udamos's own kdamond with that operations set.
 *   shared  a running kdamond of someone else's, however little it sees.
 *   oracle:MODEL   a model of the access pattern that the caller hands in.
 *           It knows the answer rather than finding it: it is never
 *           chosen unless asked for, and every output calls it the oracle.
 */
#ifndef UDAMOS_SOURCE_SELECT_H
#define UDAMOS_SOURCE_SELECT_H

#include <stdio.h>

#include "core/kscheme.h"
#include "source/flusher.h"
#include "source/model.h"
#include "source/synthetic.h"
#include "sys/guard.h"
#include "sys/target.h"
#include "udamos/scheme.h"
#include "udamos/source.h"

/* A shared kdamond must watch at least this share of the targets' memory
 * for auto to take it, per thousand. */
#define UDAMOS_SHARED_MIN_PERMIL 500

struct udamos_source_req {
	const char *spec;		/* see above; NULL is auto */
	struct udamos_target *targets;	/* borrowed */
	size_t nr_targets;
	struct udamos_mon_attrs attrs;
	bool attrs_given;		/* else each source takes its defaults */
	/* Schemes kernel DAMON must apply for us (udamos's own vaddr only),
	 * translated into kschemes[] on success. */
	struct udamos_scheme *const *delegated;
	size_t nr_delegated;
	struct udamos_kscheme *kschemes;
	struct udamos_flush_cfg flush;
	const char *damon_root;
	struct udamos_guard *guard;
	FILE *log;
	volatile int *stop;
	struct udamos_model *model;	/* the oracle's storage */
	/* Window ages per target, kept by the caller from run to run
	 * (core/agecarry.h); NULL: the source keeps its own for the run. */
	struct udamos_window_ages *ages;
};

/* "auto", "vaddr", "paddr", "shared" or "oracle:MODEL"? */
bool udamos_source_spec_valid(const char *spec);

/* Is this spec the oracle? */
bool udamos_source_is_oracle(const char *spec);

/*
 * Opens the source the request asks for.  0; or -errno with one line in
 * why: -EINVAL for bad input; -ENOENT, -EOPNOTSUPP, -EBUSY, -EACCES,
 * -EPERM, -ENOSYS for a missing privilege or kernel feature; others for
 * failures while starting.
 */
int udamos_source_open(const struct udamos_source_req *q, struct udamos_source **out,
		       char *why, size_t len);

#endif
