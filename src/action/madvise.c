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
#include <sys/mman.h>

#include "core/filter.h"
#include "core/hugewin.h"
#include "core/vec.h"
#include "sys/clock.h"
#include "sys/pidfd.h"

#define BATCH 64

struct batch {
	struct udamos_madvise_actuator *a;
	uint32_t target;
	struct udamos_target *t;
	int advice;
	struct iovec iov[BATCH];
	size_t n;
	struct udamos_apply_res *res;
	/* When the time quota runs out (0: never); windows go one call each
	 * then, so the quota stops udamos between any two of them. */
	uint64_t deadline_ns;
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
		a->targets[i].vmas_fresh = false;
}

static void fail(struct udamos_apply_res *res, int err)
{
	res->nr_failed[udamos_fail_slot_of(err)]++;
}

void udamos_madvise_release(struct udamos_madvise_actuator *a)
{
	free(a->refused);
	a->refused = NULL;
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

static void flush(struct batch *b)
{
	size_t i = 0;
	bool retried = false;

	while (i < b->n && !b->res->target_gone) {
		ssize_t r = udamos_process_madvise(b->t->pidfd, &b->iov[i], b->n - i,
						   b->advice);

		if (r > 0) {
			b->res->sz_applied += (uint64_t)r;
			if (b->advice == MADV_COLLAPSE || b->advice == MADV_PAGEOUT)
				b->t->frames_moved = true;
			/* Skip the entries done; madvise never stops inside one. */
			while (i < b->n && (size_t)r >= b->iov[i].iov_len) {
				r -= (ssize_t)b->iov[i].iov_len;
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

static void push(struct batch *b, uint64_t start, uint64_t len)
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
	b->n++;
	if (b->deadline_ns && b->advice == MADV_COLLAPSE)
		flush(b);
}

static bool out_of_time(const struct batch *b)
{
	return b->deadline_ns && udamos_now_ns() >= b->deadline_ns;
}

static bool has_filter(const struct udamos_apply_req *req, enum udamos_filter_type type)
{
	for (size_t i = 0; i < req->nr_ops_filters; i++)
		if (req->ops_filters[i].type == type)
			return true;
	return false;
}

static bool passes(const struct udamos_apply_req *req, struct udamos_target *t,
		   const struct udamos_vma *vma, uint64_t start, uint64_t end,
		   bool need_huge)
{
	struct udamos_mem_attrs attrs = {
		.target = req->target, .start = start, .end = end,
		.anon = vma->anon,
		.huge = need_huge &&
			udamos_window_is_huge(&t->pm, start & ~(UDAMOS_HUGE_SIZE - 1)),
	};

	return udamos_ops_filters_allow(req->ops_filters, req->nr_ops_filters,
					req->ops_default_allow, &attrs);
}

static void collapse(const struct udamos_apply_req *req, struct batch *b,
		     bool need_huge)
{
	uint64_t w, first, end;

	if (!udamos_owned_windows(req->start, req->end, &first, &end))
		return;
	for (w = first; w < end && !out_of_time(b); w += UDAMOS_HUGE_SIZE) {
		const struct udamos_vma *vma =
			udamos_target_vma_of(b->t, w, w + UDAMOS_HUGE_SIZE);

		/* A window across mappings or over a hole cannot become one
		 * huge page; asking would only earn an error. */
		if (!vma || refused(b->a, b->target, w) ||
		    !passes(req, b->t, vma, w, w + UDAMOS_HUGE_SIZE, need_huge))
			continue;
		b->res->sz_filter_passed += UDAMOS_HUGE_SIZE;
		push(b, w, UDAMOS_HUGE_SIZE);
	}
}

/* pageout, cold, willneed and stat: every mapped piece that passes. */
static void per_piece(const struct udamos_apply_req *req, struct batch *b,
		      bool need_huge)
{
	size_t i = udamos_target_vma_from(b->t, req->start);

	for (; i < b->t->nr_vmas && b->t->vmas[i].start < req->end; i++) {
		const struct udamos_vma *vma = &b->t->vmas[i];
		uint64_t s = vma->start > req->start ? vma->start : req->start;
		uint64_t e = vma->end < req->end ? vma->end : req->end;

		while (s < e) {
			/* Hugeness is a per-window fact: judge window pieces. */
			uint64_t piece_end = need_huge ?
				(s & ~(UDAMOS_HUGE_SIZE - 1)) + UDAMOS_HUGE_SIZE : e;

			if (piece_end > e)
				piece_end = e;
			if (passes(req, b->t, vma, s, piece_end, need_huge)) {
				b->res->sz_filter_passed += piece_end - s;
				if (b->advice >= 0)
					push(b, s, piece_end - s);
			}
			s = piece_end;
		}
	}
}

void udamos_madvise_apply(void *ctx, const struct udamos_apply_req *req,
			  struct udamos_apply_res *res)
{
	struct udamos_madvise_actuator *a = ctx;
	struct udamos_target *t = &a->targets[req->target];
	enum udamos_action action = req->scheme->action;
	struct batch b = { .a = a, .target = req->target, .t = t,
			   .advice = udamos_action_advice(action), .res = res };
	bool need_huge = has_filter(req, UDAMOS_FILTER_HUGE);
	uint64_t t0 = udamos_now_ns();
	int err;

	if (req->budget_ns < UINT64_MAX - t0)
		b.deadline_ns = t0 + req->budget_ns;
	if (b.advice < 0 && action != UDAMOS_ACTION_STAT) {
		fail(res, EINVAL);
		return;
	}
	err = udamos_target_vmas(t);
	if (err) {
		if (err == -ESRCH)
			res->target_gone = true;
		else
			fail(res, -err);
		return;
	}
	if (action == UDAMOS_ACTION_COLLAPSE) {
		/* Checked once at start and reported there; asking would
		 * only fail window after window. */
		if (!t->no_collapse)
			collapse(req, &b, need_huge);
	}
	else
		per_piece(req, &b, need_huge);
	if (b.advice >= 0)
		flush(&b);
	res->elapsed_ns = udamos_now_ns() - t0;
}
