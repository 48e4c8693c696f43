// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The live actuator; see madvise.h.
 *
 * collapse works window by window (the midpoint rule of core/hugewin.h),
 * with one iovec entry per 2 MiB window.  process_madvise() stops at the
 * first entry that fails and reports only the bytes done before it, so one
 * entry per window tells exactly which window failed: we count its errno,
 * retry it once when the kernel says EAGAIN, and carry on after it.
 * EINVAL means the window cannot be collapsed at all (MADV_NOHUGEPAGE, an
 * unsuitable mapping): it is left alone for a minute rather than asked
 * again at every apply.
 */
#include "action/madvise.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/filter.h"
#include "core/hugewin.h"
#include "core/lockpace.h"
#include "core/quota.h"
#include "core/vec.h"
#include "sys/clock.h"
#include "sys/pidfd.h"

#define BATCH 64

struct batch {
	struct udamos_madvise_actuator *a;
	uint32_t target;
	struct udamos_target *t;
	struct udamos_target_cost *cost;
	int advice;
	struct iovec iov[BATCH];
	uint64_t zero_fill[BATCH];	/* collapse: bytes it would add */
	size_t n;
	struct udamos_apply_res *res;
	/* When the time quota runs out (0: never). */
	uint64_t deadline_ns;
	/* Windows go one call each (the time quota or the lock allowance
	 * can stop udamos between any two of them). */
	bool one_by_one;
	uint64_t waited_ns;	/* spacing, not charged to the time quota */
};

int udamos_action_advice(enum udamos_action action)
{
	switch (action) {
	case UDAMOS_ACTION_COLLAPSE: return MADV_COLLAPSE;
	case UDAMOS_ACTION_PAGEOUT: return MADV_PAGEOUT;
	case UDAMOS_ACTION_COLD: return MADV_COLD;
	case UDAMOS_ACTION_WILLNEED: return MADV_WILLNEED;
	default: return -1;
	}
}

void udamos_madvise_begin_pass(struct udamos_madvise_actuator *a)
{
	for (size_t i = 0; i < a->nr_targets; i++)
		udamos_target_new_pass(&a->targets[i]);
}

static void fail(struct udamos_apply_res *res, int err)
{
	res->nr_failed[udamos_fail_slot_of(err)]++;
}

void udamos_madvise_release(struct udamos_madvise_actuator *a)
{
	free(a->refused);
	free(a->cost);
	a->refused = NULL;
	a->cost = NULL;
	a->nr_refused = a->cap_refused = 0;
}

static void refuse(struct udamos_madvise_actuator *a, uint32_t target, uint64_t addr)
{
	if (udamos_reserve(&a->refused, &a->cap_refused, a->nr_refused + 1,
			   sizeof(*a->refused)))
		return;		/* only an optimisation: fine to forget */
	a->refused[a->nr_refused++] = (struct udamos_refusal){
		target, addr, udamos_now_us() + UDAMOS_REFUSAL_US,
	};
}

/* Is the window still refused?  Drops expired refusals on the way. */
static bool refused(struct udamos_madvise_actuator *a, uint32_t target, uint64_t addr)
{
	uint64_t now = udamos_now_us();

	for (size_t i = 0; i < a->nr_refused;) {
		struct udamos_refusal *r = &a->refused[i];

		if (r->until_us <= now) {
			*r = a->refused[--a->nr_refused];
			continue;
		}
		if (r->target == target && r->addr == addr)
			return true;
		i++;
	}
	return false;
}

static void note_burst(struct udamos_target_cost *c, uint64_t start_ns, uint64_t took_ns)
{
	bool follows = c->last_end_ns && start_ns - c->last_end_ns < UDAMOS_BURST_GAP_NS;

	c->burst_ns = follows ? c->burst_ns + took_ns : took_ns;
	if (took_ns > c->call_max_ns)
		c->call_max_ns = took_ns;
	if (c->burst_ns > c->burst_max_ns)
		c->burst_max_ns = c->burst_ns;
	c->last_end_ns = start_ns + took_ns;
}

static void flush(struct batch *b)
{
	size_t i = 0;
	bool retried = false;

	while (i < b->n && !b->res->target_gone) {
		bool warmed = b->a->warm && b->advice == MADV_COLLAPSE;
		uint64_t t0;
		ssize_t r;
		uint64_t took;

		/* A page made ready serves one window: one call each. */
		if (warmed)
			udamos_hugewarm_one(b->a->warm);
		t0 = udamos_now_ns();
		r = udamos_process_madvise(b->t->pidfd, &b->iov[i], warmed ? 1 : b->n - i,
					   b->advice);
		took = udamos_now_ns() - t0;

		b->cost->lock_ns += took;
		b->cost->tokens_ns -= (int64_t)took;
		note_burst(b->cost, t0, took);
		if (b->advice == MADV_COLLAPSE)
			b->cost->resume_ns = t0 + took + (b->cost->spaced ?
				udamos_lock_pace_gap_ns(took, b->cost->lock_ns_per_s) :
				udamos_lock_pace_rest_ns(took));
		if (r > 0) {
			b->res->sz_applied += (uint64_t)r;
			if (b->advice == MADV_COLLAPSE || b->advice == MADV_PAGEOUT)
				b->t->frames_moved = true;
			/* Skip the entries done; madvise never stops inside one. */
			while (i < b->n && (size_t)r >= b->iov[i].iov_len) {
				r -= (ssize_t)b->iov[i].iov_len;
				b->cost->bloat += b->zero_fill[i];
				i++;
			}
			retried = false;
			continue;
		}
		if (r == -ESRCH) {
			b->t->gone = true;
			b->res->target_gone = true;
			break;
		}
		if (r == -EAGAIN && !retried) {
			retried = true;
			continue;
		}
		fail(b->res, r < 0 ? (int)-r : EIO);
		if (r == -EINVAL && b->advice == MADV_COLLAPSE)
			refuse(b->a, b->target, (uint64_t)(uintptr_t)b->iov[i].iov_base);
		retried = false;
		i++;
	}
	b->n = 0;
}

static void push(struct batch *b, uint64_t start, uint64_t len, uint64_t zero_fill)
{
	struct iovec *last = b->n ? &b->iov[b->n - 1] : NULL;

	/* Windows stay separate entries (see the top comment); other
	 * actions take contiguous pieces as one. */
	if (last && b->advice != MADV_COLLAPSE &&
	    (uint64_t)(uintptr_t)last->iov_base + last->iov_len == start) {
		last->iov_len += len;
		return;
	}
	if (b->n == BATCH)
		flush(b);
	b->iov[b->n].iov_base = (void *)(uintptr_t)start;
	b->iov[b->n].iov_len = len;
	b->zero_fill[b->n] = zero_fill;
	b->n++;
	if (b->one_by_one && b->advice == MADV_COLLAPSE)
		flush(b);
}

/*
 * The per-target allowance of process_madvise() time: it refills at
 * lock_ns_per_s and a call that overran it is paid back before the next
 * one.  Like a quota (core/quota.h), it is a rate: it holds up to
 * UDAMOS_QUOTA_MAX_SPAN seconds' worth, so a monitor that applies every
 * 5 s gets the allowance of those 5 s at its apply.
 */
static bool lock_allowance_left(struct batch *b)
{
	struct udamos_target_cost *c = b->cost;
	uint64_t now = udamos_now_ns(), rate = c->lock_ns_per_s;
	unsigned span = c->lock_span_s ? c->lock_span_s : UDAMOS_QUOTA_MAX_SPAN;
	int64_t cap;

	if (!rate)
		return true;
	cap = (int64_t)(rate > INT64_MAX / span ? INT64_MAX : rate * span);
	if (!c->started) {
		c->started = true;
		c->tokens_ns = (int64_t)(rate < (uint64_t)cap ? rate : (uint64_t)cap);
	} else if (now > c->refilled_ns) {
		unsigned __int128 add = (unsigned __int128)(now - c->refilled_ns) * rate /
					1000000000ULL;

		c->tokens_ns = add >= (unsigned __int128)cap ? cap :
			(c->tokens_ns + (int64_t)add > cap ? cap : c->tokens_ns + (int64_t)add);
	}
	c->refilled_ns = now;
	return c->tokens_ns > 0;
}

/* Stop between windows: the time quota is spent, or the target's lock
 * allowance is (counted, for the run's report). */
static bool must_stop(struct batch *b)
{
	if (b->deadline_ns && udamos_now_ns() >= b->deadline_ns)
		return true;
	if (!lock_allowance_left(b)) {
		b->cost->nr_paced++;
		return true;
	}
	return false;
}

/*
 * Waits for the target's next turn: a spaced target's, or the end of a
 * quiet one's rest (udamos_lock_pace_rest_ns()).  false when a spaced
 * target's turn is past the pass's end, or udamos is asked to stop
 * meanwhile.  The wait is not work: the time quota's deadline moves with
 * it.
 */
static bool wait_turn(struct batch *b)
{
	uint64_t now = udamos_now_ns(), until = b->cost->resume_ns, waited;
	bool woke;

	if (until <= now)
		return true;
	if (b->cost->spaced && until > b->cost->pass_until_ns) {
		b->cost->nr_paced++;
		return false;
	}
	woke = !udamos_sleep_until_us((until + 999) / 1000, b->a->stop);
	waited = udamos_now_ns() - now;
	b->waited_ns += waited;
	b->cost->spacing_ns += waited;
	if (b->deadline_ns)
		b->deadline_ns += waited;
	return woke;
}

/* Where the work stopped, for the caller to carry on from next time. */
static void stop_at(struct batch *b, uint64_t addr)
{
	b->res->stopped = true;
	b->res->stopped_at = addr;
}

static bool has_filter(const struct udamos_apply_req *req, enum udamos_filter_type type)
{
	for (size_t i = 0; i < req->nr_ops_filters; i++)
		if (req->ops_filters[i].type == type)
			return true;
	return false;
}

/* What the ops filters need to know of a window, read only when asked. */
struct window_facts {
	bool need_huge, need_populated;
	bool populated_known;
	uint64_t populated;	/* base pages */
	bool huge;		/* one huge page maps it */
};

/* One pagemap read of the window when both are asked for. */
static void read_window(struct batch *b, uint64_t win, struct window_facts *wf)
{
	wf->huge = false;
	if (wf->need_populated) {
		wf->populated_known = !udamos_window_read(&b->t->pm, win, &wf->populated,
							  wf->need_huge ? &wf->huge : NULL);
		if (!wf->populated_known)
			wf->populated = udamos_huge_size() / udamos_page_size();
	} else if (wf->need_huge) {
		wf->huge = udamos_window_is_huge(&b->t->pm, win);
	}
}

static bool passes(const struct udamos_apply_req *req, struct batch *b,
		   const struct udamos_vma *vma, uint64_t start, uint64_t end,
		   struct window_facts *wf)
{
	struct udamos_mem_attrs attrs = {
		.target = req->target, .start = start, .end = end, .anon = vma->anon,
	};

	read_window(b, start & ~(udamos_huge_size() - 1), wf);
	attrs.huge = wf->huge;
	attrs.populated_bp = (uint32_t)(wf->populated * 10000 /
					(udamos_huge_size() / udamos_page_size()));
	return udamos_ops_filters_allow(req->ops_filters, req->nr_ops_filters,
					req->ops_default_allow, &attrs);
}

/*
 * The mapping wholly holding [start, end): 0, or -ENOENT with *next set
 * to where the next mapping starts (UINT64_MAX: none), or -ESRCH.
 */
static int mapping_of(struct udamos_target *t, uint64_t start, uint64_t end,
		      struct udamos_vma *vma, uint64_t *next)
{
	int err = udamos_target_vma_at(t, start, vma);

	*next = UINT64_MAX;
	if (err)
		return err;
	if (vma->start <= start && end <= vma->end)
		return 0;
	*next = vma->start > start ? vma->start : vma->end;
	return -ENOENT;
}

static void collapse(const struct udamos_apply_req *req, struct batch *b,
		     struct window_facts *wf)
{
	uint64_t huge = udamos_huge_size(), w, first, end;

	if (!udamos_owned_windows(req->start, req->end, &first, &end))
		return;
	/* Bloat is always accounted, so the populated count is always read. */
	wf->need_populated = true;
	for (w = first; w < end;) {
		struct udamos_vma vma;
		uint64_t next, zero_fill;
		int err;

		if (must_stop(b)) {
			stop_at(b, w);
			return;
		}
		err = mapping_of(b->t, w, w + huge, &vma, &next);
		/* A window across mappings or over a hole cannot become one
		 * huge page; asking would only earn an error.  Holes are
		 * skipped whole. */
		if (err == -ESRCH) {
			b->res->target_gone = true;
			return;
		}
		if (err && err != -ENOENT) {
			fail(b->res, -err);
			return;
		}
		if (err) {
			if (next == UINT64_MAX)
				return;
			next = next & ~(huge - 1);
			w = next > w ? next : w + huge;
			continue;
		}
		if (refused(b->a, b->target, w) || !passes(req, b, &vma, w, w + huge, wf)) {
			w += huge;
			continue;
		}
		zero_fill = huge - wf->populated * udamos_page_size();
		if (zero_fill && b->cost->bloat + zero_fill > b->a->bloat_budget) {
			b->cost->nr_bloat_skipped++;
			w += huge;
			continue;
		}
		if (!wait_turn(b)) {
			stop_at(b, w);
			return;
		}
		b->res->sz_filter_passed += huge;
		push(b, w, huge, zero_fill);
		w += huge;
	}
}

/* pageout, cold, willneed and stat: every mapped piece that passes. */
static void per_piece(const struct udamos_apply_req *req, struct batch *b,
		      struct window_facts *wf)
{
	uint64_t addr = req->start, huge = udamos_huge_size();
	struct udamos_vma vma;
	int err = 0;

	while (addr < req->end && !(err = udamos_target_vma_at(b->t, addr, &vma)) &&
	       vma.start < req->end) {
		uint64_t s = vma.start > addr ? vma.start : addr;
		uint64_t e = vma.end < req->end ? vma.end : req->end;

		if (must_stop(b)) {
			stop_at(b, s);
			return;
		}
		while (s < e) {
			/* Hugeness and fill are per-window facts: judge
			 * window pieces. */
			uint64_t piece_end = wf->need_huge || wf->need_populated ?
				(s & ~(huge - 1)) + huge : e;

			if (piece_end > e)
				piece_end = e;
			if (passes(req, b, &vma, s, piece_end, wf)) {
				b->res->sz_filter_passed += piece_end - s;
				if (b->advice >= 0)
					push(b, s, piece_end - s, 0);
			}
			s = piece_end;
		}
		addr = vma.end;
	}
	if (err == -ESRCH)
		b->res->target_gone = true;
	else if (err && err != -ENOENT)
		fail(b->res, -err);
}

int udamos_madvise_init(struct udamos_madvise_actuator *a, struct udamos_target *targets,
			size_t nr_targets, uint64_t lock_ns_per_s, uint64_t bloat_budget)
{
	memset(a, 0, sizeof(*a));
	a->targets = targets;
	a->nr_targets = nr_targets;
	a->bloat_budget = bloat_budget;
	a->cost = calloc(nr_targets ? nr_targets : 1, sizeof(*a->cost));
	if (!a->cost)
		return -ENOMEM;
	for (size_t i = 0; i < nr_targets; i++)
		a->cost[i].lock_ns_per_s = lock_ns_per_s;
	return 0;
}

void udamos_madvise_apply(void *ctx, const struct udamos_apply_req *req,
			  struct udamos_apply_res *res)
{
	struct udamos_madvise_actuator *a = ctx;
	struct udamos_target *t = &a->targets[req->target];
	enum udamos_action action = req->scheme->action;
	struct batch b = { .a = a, .target = req->target, .t = t,
			   .cost = &a->cost[req->target],
			   .advice = udamos_action_advice(action), .res = res };
	struct window_facts wf = {
		.need_huge = has_filter(req, UDAMOS_FILTER_HUGE),
		.need_populated = has_filter(req, UDAMOS_FILTER_POPULATED),
		.populated = udamos_huge_size() / udamos_page_size(),
	};
	uint64_t t0 = udamos_now_ns();

	if (req->budget_ns < UINT64_MAX - t0)
		b.deadline_ns = t0 + req->budget_ns;
	b.one_by_one = b.deadline_ns || b.cost->lock_ns_per_s;
	if (b.advice < 0 && action != UDAMOS_ACTION_STAT) {
		fail(res, EINVAL);
		return;
	}
	if (t->gone) {
		res->target_gone = true;
		return;
	}
	if (action == UDAMOS_ACTION_COLLAPSE) {
		/* Checked once at start and reported there; asking would
		 * only fail window after window. */
		if (!t->no_collapse)
			collapse(req, &b, &wf);
	}
	else
		per_piece(req, &b, &wf);
	if (b.advice >= 0)
		flush(&b);
	res->elapsed_ns = udamos_now_ns() - t0 - b.waited_ns;
}
