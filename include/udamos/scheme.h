/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A DAMOS scheme: which regions (access pattern), what to do (action), how
 * often (apply interval), how much (quota, goals), when (watermarks) and
 * where not (filters), plus the statistics of what it did.  Plain data: the
 * CLI and JSON parsers build it, the engine runs it.
 */
#ifndef UDAMOS_SCHEME_H
#define UDAMOS_SCHEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "udamos/snapshot.h"

#define UDAMOS_UNLIMITED UINT64_MAX

enum udamos_action {
	UDAMOS_ACTION_COLLAPSE,
	UDAMOS_ACTION_PAGEOUT,
	UDAMOS_ACTION_COLD,
	UDAMOS_ACTION_WILLNEED,
	UDAMOS_ACTION_HUGEPAGE,
	UDAMOS_ACTION_NOHUGEPAGE,
	UDAMOS_ACTION_STAT,
	UDAMOS_NR_ACTIONS,
};

const char *udamos_action_name(enum udamos_action action);
/* Returns 0 and sets *out, or -EINVAL for an unknown name. */
int udamos_action_parse(const char *name, enum udamos_action *out);
/* True when the action prefers hot regions under a binding quota. */
bool udamos_action_wants_hot(enum udamos_action action);

/* A closed range [min, max]. */
struct udamos_range {
	uint64_t min;
	uint64_t max;
};

/*
 * Access rate bounds are either raw nr_accesses or basis points of the
 * maximum (10000 = 100%), resolved against each snapshot's sampling ratio.
 * Age bounds are either aggregation counts or microseconds.
 */
enum udamos_rate_unit { UDAMOS_RATE_RAW, UDAMOS_RATE_BP };
enum udamos_age_unit { UDAMOS_AGE_AGGRS, UDAMOS_AGE_US };

struct udamos_pattern {
	struct udamos_range sz;
	struct udamos_range rate;
	enum udamos_rate_unit rate_unit;
	struct udamos_range age;
	enum udamos_age_unit age_unit;
};

enum udamos_goal_metric {
	UDAMOS_GOAL_USER_INPUT,
	UDAMOS_GOAL_HUGEPAGE_MEM_BP,	/* node THP / node used memory, as the kernel's */
	UDAMOS_GOAL_SOME_MEM_PSI_US,	/* memory PSI "some" total growth */
	UDAMOS_GOAL_NODE_MEM_USED_BP,
	UDAMOS_GOAL_NODE_MEM_FREE_BP,
	/* udamos's own: of the windows the scheme's access pattern calls hot
	 * (size and rate; not age, which its own actions reset), the share
	 * that is huge pages.  Measured by the engine (core/coverage.h). */
	UDAMOS_GOAL_HOT_COVERAGE_BP,
	UDAMOS_NR_GOAL_METRICS,
};

const char *udamos_goal_metric_name(enum udamos_goal_metric metric);
int udamos_goal_metric_parse(const char *name, enum udamos_goal_metric *out);

struct udamos_goal {
	enum udamos_goal_metric metric;
	uint64_t target_value;
	/* user_input: set by the operator; the others: the engine's last
	 * measurement, for stats and reports. */
	uint64_t current_value;
	/* hot_coverage_bp: the hot set it was measured on.  With none, the
	 * goal reads met (10000: nothing to cover), which output must say:
	 * a monitor that sees nothing is not a covered target. */
	uint64_t hot_bytes;
};

enum udamos_goal_tuner {
	UDAMOS_TUNER_CONSIST,	/* proportional feedback (kernel default) */
	UDAMOS_TUNER_TEMPORAL,	/* full quota until met, then none */
};

#define UDAMOS_MAX_GOALS 4

struct udamos_quota {
	uint64_t ms;			/* time per reset interval, 0: none */
	uint64_t sz;			/* bytes per reset interval, 0: none */
	uint64_t reset_interval_ms;
	uint32_t weight_sz;		/* prioritization weights */
	uint32_t weight_rate;
	uint32_t weight_age;
	struct udamos_goal goals[UDAMOS_MAX_GOALS];
	size_t nr_goals;
	enum udamos_goal_tuner tuner;
};

enum udamos_wmark_metric { UDAMOS_WMARK_NONE, UDAMOS_WMARK_FREE_MEM_RATE };

struct udamos_watermarks {
	enum udamos_wmark_metric metric;
	uint64_t interval_us;
	uint32_t high, mid, low;	/* per thousand */
};

enum udamos_filter_type {
	UDAMOS_FILTER_ADDR,	/* core: [addr_start, addr_end) */
	UDAMOS_FILTER_TARGET,	/* core: target index */
	UDAMOS_FILTER_ANON,	/* ops: anonymous (not file-backed) memory */
	UDAMOS_FILTER_HUGE,	/* ops: huge-page window already a huge page */
	UDAMOS_FILTER_POPULATED, /* ops: window at least min_populated_bp present */
	UDAMOS_NR_FILTER_TYPES,
};

const char *udamos_filter_type_name(enum udamos_filter_type type);
int udamos_filter_type_parse(const char *name, enum udamos_filter_type *out);

struct udamos_filter {
	enum udamos_filter_type type;
	bool matching;		/* false: the filter matches the complement */
	bool allow;		/* false: reject */
	uint64_t addr_start, addr_end;
	uint32_t target;
	uint32_t min_populated_bp;	/* populated: of the window's base pages */
};

#define UDAMOS_MAX_FILTERS 8

/* Failure counters are kept per errno class. */
enum udamos_fail_slot {
	UDAMOS_FAIL_EAGAIN,
	UDAMOS_FAIL_ENOMEM,
	UDAMOS_FAIL_EBUSY,
	UDAMOS_FAIL_EINVAL,
	UDAMOS_FAIL_EFAULT,
	UDAMOS_FAIL_EPERM,
	UDAMOS_FAIL_ESRCH,
	UDAMOS_FAIL_OTHER,
	UDAMOS_NR_FAIL_SLOTS,
};

enum udamos_fail_slot udamos_fail_slot_of(int err);
const char *udamos_fail_slot_name(enum udamos_fail_slot slot);

struct udamos_stats {
	uint64_t nr_tried, sz_tried;
	uint64_t nr_applied, sz_applied;
	uint64_t sz_ops_filter_passed;
	uint64_t qt_exceeds;
	/* Collapsed to finish page tables (collapse_scope table), also in
	 * sz_applied: windows the access pattern did not pick. */
	uint64_t sz_table_filled;
	/* Page tables whose first collapse waited for the monitor to settle
	 * on their hot set (core/tablehold.h). */
	uint64_t nr_tables_held;
	uint64_t nr_failed[UDAMOS_NR_FAIL_SLOTS];
};

struct udamos_tried_region {
	uint32_t target;
	struct udamos_region region;
	uint64_t sz_filter_passed;
};

/* Page tables a collapse_scope table scheme remembers: a table is walked
 * again only once its fill is a minute old (UDAMOS_TABLE_REFILL_US). */
#define UDAMOS_MAX_TABLE_FILLS 64
#define UDAMOS_TABLE_REFILL_US 60000000ULL

/* Page tables a collapse scheme holds or has let go (core/tablehold.h). */
#define UDAMOS_MAX_TABLE_HOLDS 64

/* State the engine keeps per scheme; zeroed by udamos_scheme_init(). */
struct udamos_scheme_state {
	uint64_t next_apply_us;
	bool started;

	/* quota */
	uint64_t esz;			/* effective size quota, 0: unbounded */
	uint64_t charged_sz;		/* in this reset interval */
	uint64_t charged_ns;		/* in this reset interval */
	uint64_t total_charged_sz;	/* for the time-to-size conversion */
	uint64_t total_charged_ns;
	uint64_t reset_at_us;		/* start of the current interval */
	uint64_t esz_goal;		/* feedback tuner's current output */
	uint32_t span;			/* reset intervals this one stands for */
	bool exceeded_this_interval;
	/*
	 * Where the last apply stopped, its quota spent or its actuator
	 * stopped short: the next apply skips that target's candidates
	 * before charge_addr_from, once, as the kernel's charge_target_from
	 * and charge_addr_from do.  Without it, a region larger than the
	 * quota is begun again each time: once its start needs nothing (a
	 * collapse filter rejects huge windows, yet they are charged, as in
	 * the kernel), the quota is spent there and no more is ever done.
	 */
	bool charge_from;
	uint32_t charge_target_from;
	uint64_t charge_addr_from;

	/* watermarks */
	bool wmark_active;
	uint64_t wmark_next_check_us;

	/* tried regions of the last apply */
	struct udamos_tried_region *tried;
	size_t nr_tried, cap_tried;

	/* Page tables taken whole (collapse_scope table), in no order:
	 * where each fill's next walk starts, and when it finished. */
	struct udamos_table_fill {
		uint32_t target;
		uint64_t table;		/* address / udamos_table_span() */
		uint64_t next_addr;	/* where a fill cut short goes on */
		uint64_t done_us;	/* 0: not finished */
	} fills[UDAMOS_MAX_TABLE_FILLS];
	size_t nr_fills;

	/* Page tables whose first collapse waits for their hot set to stop
	 * growing, and those let go, in no order; and the bytes of
	 * candidates the last apply held back. */
	struct udamos_table_hold {
		uint32_t target;
		uint64_t table;		/* address / udamos_table_span() */
		uint64_t first_us, grew_us;
		uint64_t seen_us;	/* last apply that found it hot; 0: forgotten */
		uint64_t hot_bytes;	/* the most found hot in it */
		bool taken;		/* let go */
	} holds[UDAMOS_MAX_TABLE_HOLDS];
	size_t nr_holds;
	uint64_t sz_held;
};

/*
 * What a collapse takes: the windows its regions own, or also the rest
 * of every page table it collapses in.  Under a hypervisor that shadows
 * the guest's page tables, a table mapping both huge and small pages
 * slows the small ones (docs/performance.md); a uniformly hot heap is
 * then better taken table by table than window by window.
 */
enum udamos_collapse_scope {
	UDAMOS_COLLAPSE_SCOPE_WINDOW,
	UDAMOS_COLLAPSE_SCOPE_TABLE,
};

const char *udamos_collapse_scope_name(enum udamos_collapse_scope scope);
/* "window" or "table"; 0 or -EINVAL. */
int udamos_collapse_scope_parse(const char *name, enum udamos_collapse_scope *out);

/*
 * Who applies the scheme.  auto: udamos, except hugepage and nohugepage,
 * which only kernel DAMON can apply to another process.  kernel: a vaddr
 * kdamond, with udamos reading its stats back.
 */
enum udamos_apply_by {
	UDAMOS_APPLY_BY_AUTO,
	UDAMOS_APPLY_BY_UDAMOS,
	UDAMOS_APPLY_BY_KERNEL,
};

struct udamos_scheme {
	struct udamos_pattern pattern;
	enum udamos_action action;
	uint64_t apply_interval_us;	/* 0: every aggregation */
	struct udamos_quota quota;
	struct udamos_watermarks wmarks;
	struct udamos_filter filters[UDAMOS_MAX_FILTERS];
	size_t nr_filters;
	/* The targets it may act on, one bit per target index; 0: all.  How
	 * one monitor serves several daemon contexts, each with its own
	 * schemes (a target filter per target would not fit in filters[]). */
	uint64_t targets;

	enum udamos_apply_by apply_by;
	enum udamos_collapse_scope collapse_scope;
	/* Applied by kernel DAMON itself: the engine skips it, and its stats
	 * are the kernel's. */
	bool delegated;

	struct udamos_stats stats;
	struct udamos_scheme_state state;
};

/* The default collapse scheme's populated filter: 7/8 of a window. */
#define UDAMOS_DEFAULT_MIN_POPULATED_BP 8750

/* A scheme that matches everything, with no quota, watermark or filter. */
void udamos_scheme_init(struct udamos_scheme *s, enum udamos_action action);
/* The documented default: collapse hot, aged, >= 2 MiB regions, bounded. */
void udamos_scheme_default_collapse(struct udamos_scheme *s);
void udamos_scheme_release(struct udamos_scheme *s);

/*
 * Checks internal consistency; on failure returns -EINVAL and writes a
 * one-line reason (naming the field and the fix) into why.
 */
int udamos_scheme_validate(const struct udamos_scheme *s, char *why,
			   size_t why_len);

/* Does the region match the pattern, given the snapshot's sampling ratio? */
bool udamos_pattern_match(const struct udamos_pattern *p,
			  const struct udamos_region *r,
			  uint32_t max_nr_accesses, uint64_t aggr_us);

/*
 * The same with the lower size bound judged on extent, not on the region.
 * A uniformly hot range is often monitored as several regions: DAMON
 * merges no two whose sum exceeds the monitored total over
 * min_nr_regions, and splits at random.  So where the kernel judges each
 * region alone, a 1 MiB region at the end of a hot range would fail a
 * 2 MiB bound however long the range, and the huge page window it ends
 * in would be nobody's.  udamos judges the lower bound on the run of
 * adjacent regions that all match the access rate and age around it
 * (udamos_pattern_extents()); the upper bound stays the region's.
 */
bool udamos_pattern_match_extent(const struct udamos_pattern *p,
				 const struct udamos_region *r, uint64_t extent,
				 uint32_t max_nr_accesses, uint64_t aggr_us);

/* Each region's extent in s: the run of adjacent regions matching p's
 * access rate and age that holds it, or the region alone where it does
 * not match them.  Into *extent, grown to s->nr_regions as needed (*cap
 * its capacity; the caller frees it); 0 or -ENOMEM. */
int udamos_pattern_extents(const struct udamos_pattern *p, const struct udamos_snapshot *s,
			   uint64_t **extent, size_t *cap);

#endif
