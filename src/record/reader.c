// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading recordings; see record.h.  Input is hostile until checked: every
 * count is checked against the bytes actually there before anything is
 * allocated, and a record whose checksum fails stops the read with the
 * offset named.
 */
#include "record/record.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/vec.h"
#include "record/wire.h"

struct parse {
	struct udamos_recording *rec;
	size_t cap_targets, cap_snaps, cap_vmas, cap_huge, cap_anon;
	char *why;
	size_t why_len;
};

static int bad(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, p->why_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool known_target(const struct udamos_recording *r, uint32_t idx)
{
	for (size_t i = 0; i < r->nr_targets; i++)
		if (r->targets[i].idx == idx)
			return true;
	return false;
}

/*
 * A record of a header and a count of fixed-size entries: the count (at
 * count_at) must match the bytes there, exactly.
 */
static int counted(struct parse *p, const uint8_t *b, uint32_t len, uint64_t off, size_t hdr,
		   size_t count_at, size_t entry, uint32_t *nr)
{
	if (len < hdr)
		return bad(p, "record at byte %llu is too short for its type; the file is "
			   "corrupted", (unsigned long long)off);
	*nr = udamos_get32(b + count_at);
	if ((uint64_t)*nr * entry != len - hdr)
		return bad(p, "record at byte %llu claims %u entries in %u bytes; the file is "
			   "corrupted", (unsigned long long)off, *nr, len);
	return 0;
}

static int take_target(struct parse *p, const uint8_t *b, uint32_t len, uint64_t off)
{
	struct udamos_recording *r = p->rec;
	struct udamos_rec_target *t;

	if (len != 24)
		return bad(p, "target record at byte %llu has length %u, not 24; the file is "
			   "corrupted", (unsigned long long)off, len);
	if (r->nr_targets >= 64)
		return bad(p, "more than 64 targets at byte %llu; the file is corrupted",
			   (unsigned long long)off);
	if (udamos_reserve(&r->targets, &p->cap_targets, r->nr_targets + 1, sizeof(*t)))
		return -ENOMEM;
	t = &r->targets[r->nr_targets++];
	t->idx = udamos_get32(b);
	t->pid = (int32_t)udamos_get32(b + 4);
	memcpy(t->comm, b + 8, 16);
	t->comm[16] = '\0';
	return 0;
}

static int take_snapshot(struct parse *p, const uint8_t *b, uint32_t len, uint64_t off)
{
	struct udamos_recording *r = p->rec;
	struct udamos_snapshot *s;
	uint32_t nr = 0;

	if (counted(p, b, len, off, UDAMOS_REC_SNAP_HDR, 24, UDAMOS_REC_REGION_SZ, &nr))
		return -EINVAL;
	if (!known_target(r, udamos_get32(b)))
		return bad(p, "snapshot at byte %llu names target %u, which no target record "
			   "declared; the file is corrupted", (unsigned long long)off,
			   udamos_get32(b));
	/* Rates and ages are counted in aggregations: one lasting no time
	 * cannot be read into either. */
	if (!udamos_get64(b + 16))
		return bad(p, "snapshot at byte %llu has an aggregation interval of 0 us; the "
			   "file is corrupted", (unsigned long long)off);
	if (udamos_reserve(&r->snaps, &p->cap_snaps, r->nr_snaps + 1, sizeof(*s)))
		return -ENOMEM;
	s = &r->snaps[r->nr_snaps];
	memset(s, 0, sizeof(*s));
	s->target = udamos_get32(b);
	s->max_nr_accesses = udamos_get32(b + 4);
	s->time_us = udamos_get64(b + 8);
	s->aggr_us = udamos_get64(b + 16);
	s->regions = calloc(nr ? nr : 1, sizeof(*s->regions));
	if (!s->regions)
		return -ENOMEM;
	s->nr_regions = nr;
	r->nr_snaps++;
	for (uint32_t i = 0; i < nr; i++) {
		const uint8_t *x = b + UDAMOS_REC_SNAP_HDR + (size_t)i * UDAMOS_REC_REGION_SZ;
		struct udamos_region *g = &s->regions[i];

		g->start = udamos_get64(x);
		g->end = udamos_get64(x + 8);
		g->nr_accesses = udamos_get32(x + 16);
		g->age = udamos_get32(x + 20);
		if (g->start >= g->end || (i && g->start < s->regions[i - 1].end))
			return bad(p, "snapshot at byte %llu has unordered or empty regions; the "
				   "file is corrupted", (unsigned long long)off);
	}
	return 0;
}

static int take_ranges(struct parse *p, const uint8_t *b, uint32_t len, uint64_t off,
		       struct udamos_rec_ranges **vec, size_t *nr_vec, size_t *cap)
{
	struct udamos_rec_ranges *rr;
	uint32_t nr = 0;

	if (counted(p, b, len, off, UDAMOS_REC_RANGES_HDR, 4, UDAMOS_REC_RANGE_SZ, &nr))
		return -EINVAL;
	if (!known_target(p->rec, udamos_get32(b)))
		return bad(p, "range record at byte %llu names an undeclared target; the file "
			   "is corrupted", (unsigned long long)off);
	if (udamos_reserve(vec, cap, *nr_vec + 1, sizeof(**vec)))
		return -ENOMEM;
	rr = &(*vec)[*nr_vec];
	rr->target = udamos_get32(b);
	rr->time_us = udamos_get64(b + 8);
	rr->r = calloc(nr ? nr : 1, sizeof(*rr->r));
	if (!rr->r)
		return -ENOMEM;
	rr->nr = nr;
	(*nr_vec)++;
	for (uint32_t i = 0; i < nr; i++) {
		rr->r[i].start = udamos_get64(b + UDAMOS_REC_RANGES_HDR + (size_t)i * 16);
		rr->r[i].end = udamos_get64(b + UDAMOS_REC_RANGES_HDR + (size_t)i * 16 + 8);
		if (rr->r[i].start >= rr->r[i].end || (i && rr->r[i].start < rr->r[i - 1].end))
			return bad(p, "range record at byte %llu has unordered ranges; the file "
				   "is corrupted", (unsigned long long)off);
	}
	return 0;
}

static int take(struct parse *p, uint32_t type, const uint8_t *b, uint32_t len, uint64_t off)
{
	struct udamos_recording *r = p->rec;

	switch (type) {
	case UDAMOS_REC_TARGET:
		return take_target(p, b, len, off);
	case UDAMOS_REC_ATTRS:
		if (len != 16)
			return bad(p, "attributes record at byte %llu has length %u, not 16; the "
				   "file is corrupted", (unsigned long long)off, len);
		r->sample_us = udamos_get64(b);
		r->aggr_us = udamos_get64(b + 8);
		return 0;
	case UDAMOS_REC_GEOMETRY:
		if (len != 16 || !udamos_geometry_valid(udamos_get64(b), udamos_get64(b + 8)))
			return bad(p, "page geometry record at byte %llu is not a page size and "
				   "huge page size Linux has; the file is corrupted",
				   (unsigned long long)off);
		r->page_size = udamos_get64(b);
		r->huge_size = udamos_get64(b + 8);
		return 0;
	case UDAMOS_REC_SNAPSHOT:
		return take_snapshot(p, b, len, off);
	case UDAMOS_REC_VMAS:
		return take_ranges(p, b, len, off, &r->vmas, &r->nr_vmas, &p->cap_vmas);
	case UDAMOS_REC_HUGE:
		return take_ranges(p, b, len, off, &r->huge, &r->nr_huge, &p->cap_huge);
	case UDAMOS_REC_ANON:
		return take_ranges(p, b, len, off, &r->anon, &r->nr_anon, &p->cap_anon);
	case UDAMOS_REC_MONITOR:
		if (len != UDAMOS_REC_MONITOR_NAME + UDAMOS_REC_MONITOR_DESC)
			return bad(p, "monitor record at byte %llu has length %u, not %u; the "
				   "file is corrupted", (unsigned long long)off, len,
				   UDAMOS_REC_MONITOR_NAME + UDAMOS_REC_MONITOR_DESC);
		/* Copied bounded and terminated: the bytes are untrusted. */
		memcpy(r->monitor, b, UDAMOS_REC_MONITOR_NAME - 1);
		memcpy(r->monitor_desc, b + UDAMOS_REC_MONITOR_NAME, UDAMOS_REC_MONITOR_DESC - 1);
		r->monitor[UDAMOS_REC_MONITOR_NAME - 1] = '\0';
		r->monitor_desc[UDAMOS_REC_MONITOR_DESC - 1] = '\0';
		return 0;
	case UDAMOS_REC_HOST:
		if (len != 8)
			return bad(p, "host record at byte %llu has length %u, not 8; the file is "
				   "corrupted", (unsigned long long)off, len);
		r->fault_ns = udamos_get64(b);
		return 0;
	default:
		/* Types a later version 1 writer may add: skipped, by design. */
		return 0;
	}
}

int udamos_rec_parse(const uint8_t *buf, size_t len, struct udamos_recording *out,
		     char *why, size_t why_len)
{
	struct parse p = { .rec = out, .why = why, .why_len = why_len };
	size_t off = UDAMOS_REC_HDR_SZ;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->page_size = 4096;
	out->huge_size = 2ULL << 20;
	if (len < UDAMOS_REC_HDR_SZ || memcmp(buf, UDAMOS_REC_MAGIC, 8))
		return bad(&p, "not a udamos recording (no UDAMOSR header); record one with "
			   "'udamos record --pid PID'");
	out->version = udamos_get32(buf + 8);
	if (out->version != UDAMOS_REC_VERSION)
		return bad(&p, "recording format version %u; this udamos reads version %u, so "
			   "use the udamos that wrote it or a newer one", out->version,
			   UDAMOS_REC_VERSION);
	while (!err && off < len) {
		uint32_t type, plen;
		uLong crc;

		if (len - off < 12) {
			out->truncated = true;
			break;
		}
		type = udamos_get32(buf + off);
		plen = udamos_get32(buf + off + 4);
		if (plen > UDAMOS_REC_MAX_PAYLOAD) {
			err = bad(&p, "record at byte %zu claims %u bytes; the file is corrupted",
				  off, plen);
			break;
		}
		if (len - off - 12 < plen) {
			out->truncated = true;
			break;
		}
		crc = crc32(crc32(0L, buf + off, 8), buf + off + 8, plen);
		if ((uint32_t)crc != udamos_get32(buf + off + 8 + plen)) {
			err = bad(&p, "record at byte %zu fails its checksum; the file is "
				  "corrupted from there on", off);
			break;
		}
		err = take(&p, type, buf + off + 8, plen, off);
		off += 12 + (size_t)plen;
	}
	out->good_bytes = off;
	if (!err && out->nr_snaps && !out->aggr_us)
		err = bad(&p, "no attributes record before the snapshots; the file is corrupted");
	if (err)
		udamos_rec_free(out);
	return err;
}

int udamos_rec_load(const char *path, struct udamos_recording *out, char *why, size_t why_len)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;
	char reason[256];
	int err = 0;

	if (!f) {
		snprintf(why, why_len, "%s: cannot open (%s); check the path", path, strerror(errno));
		return -errno;
	}
	do {
		if (udamos_reserve(&buf, &cap, len + 65536, 1)) {
			err = -ENOMEM;
			break;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	if (err) {
		snprintf(why, why_len, "%s: cannot read (%s)", path, strerror(-err));
		free(buf);
		return err;
	}
	err = udamos_rec_parse(buf, len, out, reason, sizeof(reason));
	free(buf);
	if (err)
		snprintf(why, why_len, "%s: %s", path, err == -ENOMEM ? "out of memory" : reason);
	return err;
}

const struct udamos_rec_ranges *udamos_rec_ranges_at(const struct udamos_recording *rec,
						     enum udamos_rec_type type, uint32_t target,
						     uint64_t time_us)
{
	const struct udamos_rec_ranges *v = type == UDAMOS_REC_VMAS ? rec->vmas :
		type == UDAMOS_REC_HUGE ? rec->huge : rec->anon;
	size_t n = type == UDAMOS_REC_VMAS ? rec->nr_vmas :
		type == UDAMOS_REC_HUGE ? rec->nr_huge : rec->nr_anon;
	const struct udamos_rec_ranges *best = NULL;

	/* Records are in time order: the last one not after time_us. */
	for (size_t i = 0; i < n; i++)
		if (v[i].target == target && v[i].time_us <= time_us)
			best = &v[i];
	return best;
}

void udamos_rec_free(struct udamos_recording *r)
{
	for (size_t i = 0; i < r->nr_snaps; i++)
		free(r->snaps[i].regions);
	for (size_t i = 0; i < r->nr_vmas; i++)
		free(r->vmas[i].r);
	for (size_t i = 0; i < r->nr_huge; i++)
		free(r->huge[i].r);
	for (size_t i = 0; i < r->nr_anon; i++)
		free(r->anon[i].r);
	free(r->anon);
	free(r->snaps);
	free(r->vmas);
	free(r->huge);
	free(r->targets);
	memset(r, 0, sizeof(*r));
}
