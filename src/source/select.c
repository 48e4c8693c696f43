// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The choice of monitor; see select.h.
 */
#include "source/select.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "source/frames.h"
#include "source/paddr.h"
#include "source/shared.h"
#include "source/vaddr.h"

#define ORACLE "oracle:"

bool udamos_source_is_oracle(const char *spec)
{
	return spec && !strncmp(spec, ORACLE, strlen(ORACLE));
}

bool udamos_source_spec_valid(const char *spec)
{
	static const char *const named[] = { "auto", "vaddr", "paddr", "shared" };

	if (!spec || udamos_source_is_oracle(spec))
		return true;
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (!strcmp(spec, named[i]))
			return true;
	return false;
}

/* The oracle's address ranges: DAMON's three, from the live mappings. */
static int live_ranges(void *ctx, uint32_t t, struct udamos_addr_range **out, size_t *n)
{
	struct udamos_target *target = &((struct udamos_target *)ctx)[t];
	struct udamos_addr_range *maps = NULL, three[3];
	size_t cap = 0, nr_maps = 0, nr;
	int err = udamos_target_ranges_now(target, false, &maps, &cap, &nr_maps);

	if (err) {
		free(maps);
		return err;
	}
	nr = udamos_ranges_from_mappings(maps, nr_maps, three);
	free(maps);
	*out = malloc((nr ? nr : 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, three, nr * sizeof(**out));
	*n = nr;
	return 0;
}

static int open_oracle(const struct udamos_source_req *q, struct udamos_source **out,
		       char *why, size_t len)
{
	char reason[256];
	struct udamos_synthetic_cfg sc;
	int err;

	if (udamos_model_parse(q->spec + strlen(ORACLE), q->model, reason, sizeof(reason))) {
		snprintf(why, len, "--source: %s", reason);
		return -EINVAL;
	}
	sc = (struct udamos_synthetic_cfg){
		.model = q->model, .attrs = q->attrs, .nr_targets = (uint32_t)q->nr_targets,
		.ranges = live_ranges, .ranges_ctx = q->targets,
		.realtime = true, .stop = q->stop,
	};
	if (!q->attrs_given)
		udamos_mon_attrs_default(&sc.attrs);
	err = udamos_synthetic_create(&sc, out);
	if (err == -ESRCH)
		snprintf(why, len, "a target exited before monitoring started");
	else if (err)
		snprintf(why, len, "starting the oracle: %s", strerror(-err));
	return err;
}

static int open_vaddr(const struct udamos_source_req *q, struct udamos_source **out,
		      char *why, size_t len)
{
	struct udamos_vaddr_cfg vc = {
		.targets = q->targets, .nr_targets = q->nr_targets, .attrs = q->attrs,
		.damon_root = q->damon_root, .guard = q->guard, .log = q->log,
		.stop = q->stop, .flush = q->flush,
		.schemes = q->kschemes, .nr_schemes = q->nr_delegated, .ages = q->ages,
	};

	if (!q->attrs_given) {
		udamos_vaddr_default_attrs(&vc.attrs);
		if (udamos_flusher_will_flush(&q->flush))
			udamos_flusher_fit_attrs(&vc.attrs);
	}
	for (size_t i = 0; i < q->nr_delegated; i++) {
		int err = udamos_kscheme_from(q->delegated[i], vc.attrs.sample_us,
					      vc.attrs.aggr_us, &q->kschemes[i], why, len);

		if (err)
			return -EINVAL;
	}
	return udamos_vaddr_create(&vc, out, why, len);
}

static int open_paddr(const struct udamos_source_req *q, struct udamos_source **out,
		      char *why, size_t len)
{
	struct udamos_paddr_cfg pc = {
		.targets = q->targets, .nr_targets = q->nr_targets, .attrs = q->attrs,
		.refresh_us = UDAMOS_FRAMES_REFRESH_US, .damon_root = q->damon_root,
		.guard = q->guard, .log = q->log, .stop = q->stop, .flush = q->flush,
		.ages = q->ages,
	};

	/* Not fitted to the flushes as vaddr is: physical regions converge
	 * once per aggregation, and at 5 s aggregations udamos's own paddr
	 * kdamond had not told hot from cold in 25 s (docs/design.md). */
	if (!q->attrs_given)
		udamos_paddr_default_attrs(&pc.attrs);
	return udamos_paddr_create(&pc, out, why, len);
}

/* udamos's own kdamond: vaddr where the kernel has it, paddr otherwise. */
static int open_own(const struct udamos_source_req *q, struct udamos_source **out,
		    char *why, size_t len)
{
	int err = open_vaddr(q, out, why, len);

	if (err == -EOPNOTSUPP && q->nr_delegated) {
		snprintf(why, len, "%s: the kernel refuses it through process_madvise, and this "
			 "kernel's DAMON has no vaddr operations set to apply it "
			 "(CONFIG_DAMON_VADDR)", udamos_action_name(q->delegated[0]->action));
		return err;
	}
	return err == -EOPNOTSUPP ? open_paddr(q, out, why, len) : err;
}

static int open_shared(const struct udamos_source_req *q, bool demand_half,
		       const char *own_failed, struct udamos_source **out, char *why, size_t len)
{
	struct udamos_shared_cfg sc = {
		.targets = q->targets, .nr_targets = q->nr_targets, .damon_root = q->damon_root,
		.guard = q->guard, .log = q->log, .stop = q->stop, .flush = q->flush,
		.ages = q->ages,
	};
	struct udamos_shared_choice c;
	char reason[448];
	uint64_t permil;
	int err;

	if (q->nr_delegated) {
		snprintf(why, len, "%s needs a kdamond of udamos's own to apply it, and %s",
			 udamos_action_name(q->delegated[0]->action),
			 own_failed ? own_failed : "--source shared reads someone else's");
		return own_failed ? -EBUSY : -EINVAL;
	}
	if (q->attrs_given) {
		snprintf(why, len, "--monitoring_intervals / --monitoring_nr_regions_range: a "
			 "shared kdamond keeps its owner's attributes; drop them or use a source "
			 "of udamos's own");
		return -EINVAL;
	}
	err = udamos_shared_find(&sc, &c, reason, sizeof(reason));
	if (err) {
		if (own_failed && err == -ENOENT)
			snprintf(why, len, "%s", own_failed);
		else
			snprintf(why, len, "%s", reason);
		return err;
	}
	permil = c.resident ? c.watched * 1000 / c.resident : 0;
	if (demand_half && permil < UDAMOS_SHARED_MIN_PERMIL) {
		snprintf(why, len, "%s; and %s (pid %d, %s), which runs, watches only %llu.%llu%% "
			 "of the targets' resident memory (auto needs 50%%; --source shared "
			 "takes it anyway)", own_failed, c.k.name, c.k.pid, c.k.ops,
			 (unsigned long long)(permil / 10), (unsigned long long)(permil % 10));
		return -EBUSY;
	}
	return udamos_shared_create(&sc, &c, out, why, len);
}

int udamos_source_open(const struct udamos_source_req *q, struct udamos_source **out,
		       char *why, size_t len)
{
	const char *spec = q->spec ? q->spec : "auto";
	char own_failed[448];
	int err;

	*out = NULL;
	if (!udamos_source_spec_valid(spec)) {
		snprintf(why, len, "--source %s: unknown source; use auto, vaddr, paddr, shared "
			 "or oracle:MODEL", spec);
		return -EINVAL;
	}
	/* The blind-spot probe next, before any kdamond of ours loads the
	 * machine (see sys/blindspot.h); its verdict is kept for the run. */
	if (!udamos_source_is_oracle(spec))
		udamos_flusher_will_flush(&q->flush);
	if (udamos_source_is_oracle(spec) || !strcmp(spec, "paddr")) {
		if (q->nr_delegated) {
			snprintf(why, len, "%s: %s; use --source auto or vaddr",
				 udamos_action_name(q->delegated[0]->action),
				 udamos_action_needs_kernel(q->delegated[0]->action) ?
				 "only kernel DAMON vaddr can apply it to another process" :
				 "apply_by kernel needs the kernel's vaddr source");
			return -EINVAL;
		}
		return udamos_source_is_oracle(spec) ? open_oracle(q, out, why, len) :
			open_paddr(q, out, why, len);
	}
	if (!strcmp(spec, "vaddr"))
		return open_vaddr(q, out, why, len);
	if (!strcmp(spec, "shared"))
		return open_shared(q, false, NULL, out, why, len);
	err = open_own(q, out, own_failed, sizeof(own_failed));
	/* DAMON busy with someone else's kdamond, or no sysfs to add one:
	 * share what runs. */
	if (err != -EBUSY && err != -ENOENT) {
		if (err)
			snprintf(why, len, "%s", own_failed);
		return err;
	}
	return open_shared(q, true, own_failed, out, why, len);
}
