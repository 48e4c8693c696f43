// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writing recordings; see record.h and docs/record-format.md.
 */
#include "record/record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "record/wire.h"

int udamos_rec_open(struct udamos_rec_writer *w, FILE *f)
{
	uint8_t hdr[16];

	memset(w, 0, sizeof(*w));
	w->f = f;
	memcpy(hdr, UDAMOS_REC_MAGIC, 8);
	udamos_put32(hdr + 8, UDAMOS_REC_VERSION);
	udamos_put32(hdr + 12, 0);	/* flags: none defined */
	if (fwrite(hdr, 1, sizeof(hdr), f) != sizeof(hdr) || fflush(f))
		return -errno ? -errno : -EIO;
	w->bytes = sizeof(hdr);
	return 0;
}

/* One whole record, flushed: a reader never sees half of one for long. */
static int put_record(struct udamos_rec_writer *w, uint32_t type, const uint8_t *payload,
		      uint32_t len)
{
	uint8_t head[8], tail[4];
	uLong crc;

	udamos_put32(head, type);
	udamos_put32(head + 4, len);
	crc = crc32(crc32(0L, head, sizeof(head)), payload, len);
	udamos_put32(tail, (uint32_t)crc);
	if (fwrite(head, 1, 8, w->f) != 8 || fwrite(payload, 1, len, w->f) != len ||
	    fwrite(tail, 1, 4, w->f) != 4 || fflush(w->f))
		return -errno ? -errno : -EIO;
	w->bytes += 12 + (uint64_t)len;
	return 0;
}

int udamos_rec_put_target(struct udamos_rec_writer *w, const struct udamos_rec_target *t)
{
	uint8_t p[24] = { 0 };

	udamos_put32(p, t->idx);
	udamos_put32(p + 4, (uint32_t)t->pid);
	memcpy(p + 8, t->comm, strnlen(t->comm, 16));
	return put_record(w, UDAMOS_REC_TARGET, p, sizeof(p));
}

int udamos_rec_put_attrs(struct udamos_rec_writer *w, uint64_t sample_us, uint64_t aggr_us)
{
	uint8_t p[16];

	int err;

	udamos_put64(p, sample_us);
	udamos_put64(p + 8, aggr_us);
	err = put_record(w, UDAMOS_REC_ATTRS, p, sizeof(p));
	if (err)
		return err;
	/* A record of its own: version 1 readers that predate it skip it. */
	udamos_put64(p, udamos_page_size());
	udamos_put64(p + 8, udamos_huge_size());
	return put_record(w, UDAMOS_REC_GEOMETRY, p, sizeof(p));
}

int udamos_rec_put_monitor(struct udamos_rec_writer *w, const char *name, const char *desc)
{
	uint8_t p[UDAMOS_REC_MONITOR_NAME + UDAMOS_REC_MONITOR_DESC] = { 0 };

	strncpy((char *)p, name, UDAMOS_REC_MONITOR_NAME - 1);
	strncpy((char *)p + UDAMOS_REC_MONITOR_NAME, desc, UDAMOS_REC_MONITOR_DESC - 1);
	return put_record(w, UDAMOS_REC_MONITOR, p, sizeof(p));
}

int udamos_rec_put_host(struct udamos_rec_writer *w, uint64_t fault_ns)
{
	uint8_t p[8];

	udamos_put64(p, fault_ns);
	return put_record(w, UDAMOS_REC_HOST, p, sizeof(p));
}

/* A payload buffer of len bytes, within the format's bound. */
static int alloc_payload(size_t len, uint8_t **p)
{
	if (len > UDAMOS_REC_MAX_PAYLOAD)
		return -E2BIG;
	*p = malloc(len);
	return *p ? 0 : -ENOMEM;
}

int udamos_rec_put_snapshot(struct udamos_rec_writer *w, const struct udamos_snapshot *s)
{
	size_t len = UDAMOS_REC_SNAP_HDR + s->nr_regions * UDAMOS_REC_REGION_SZ;
	uint8_t *p;
	int err = alloc_payload(len, &p);

	if (err)
		return err;
	udamos_put32(p, s->target);
	udamos_put32(p + 4, s->max_nr_accesses);
	udamos_put64(p + 8, s->time_us);
	udamos_put64(p + 16, s->aggr_us);
	udamos_put32(p + 24, (uint32_t)s->nr_regions);
	udamos_put32(p + 28, 0);
	for (size_t i = 0; i < s->nr_regions; i++) {
		uint8_t *r = p + UDAMOS_REC_SNAP_HDR + i * UDAMOS_REC_REGION_SZ;

		udamos_put64(r, s->regions[i].start);
		udamos_put64(r + 8, s->regions[i].end);
		udamos_put32(r + 16, s->regions[i].nr_accesses);
		udamos_put32(r + 20, s->regions[i].age);
	}
	err = put_record(w, UDAMOS_REC_SNAPSHOT, p, (uint32_t)len);
	free(p);
	w->nr_snapshots += !err;
	return err;
}

int udamos_rec_put_ranges(struct udamos_rec_writer *w, enum udamos_rec_type type,
			  const struct udamos_rec_ranges *rr)
{
	size_t len = UDAMOS_REC_RANGES_HDR + rr->nr * UDAMOS_REC_RANGE_SZ;
	uint8_t *p;
	int err = alloc_payload(len, &p);

	if (err)
		return err;
	udamos_put32(p, rr->target);
	udamos_put32(p + 4, (uint32_t)rr->nr);
	udamos_put64(p + 8, rr->time_us);
	for (size_t i = 0; i < rr->nr; i++) {
		udamos_put64(p + UDAMOS_REC_RANGES_HDR + i * UDAMOS_REC_RANGE_SZ, rr->r[i].start);
		udamos_put64(p + UDAMOS_REC_RANGES_HDR + i * UDAMOS_REC_RANGE_SZ + 8, rr->r[i].end);
	}
	err = put_record(w, (uint32_t)type, p, (uint32_t)len);
	free(p);
	return err;
}
