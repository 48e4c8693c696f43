/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Recordings: a stream of snapshots with the target's memory layout and
 * huge-page coverage as they change, in the versioned format of
 * docs/record-format.md.  The writer appends whole records and flushes
 * each, so a recording can be read while it is written and survives a
 * crash up to its last complete record.  The reader never trusts a byte:
 * every length is bounded and every record's checksum checked.
 */
#ifndef UDAMOS_RECORD_H
#define UDAMOS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "udamos/snapshot.h"

#define UDAMOS_REC_MAGIC "UDAMOSR\n"
#define UDAMOS_REC_VERSION 1
/* No record may claim more: bounds what a corrupted length can allocate. */
#define UDAMOS_REC_MAX_PAYLOAD (64u << 20)

enum udamos_rec_type {
	UDAMOS_REC_TARGET = 1,		/* index, pid, command name */
	UDAMOS_REC_ATTRS = 2,		/* sampling and aggregation intervals */
	UDAMOS_REC_SNAPSHOT = 3,	/* one target's regions at one time */
	UDAMOS_REC_VMAS = 4,		/* one target's mappings, when they change */
	UDAMOS_REC_HUGE = 5,		/* one target's huge 2 MiB windows, when they change */
	UDAMOS_REC_ANON = 6,		/* one target's anonymous mappings, when they change */
	UDAMOS_REC_MONITOR = 7,		/* what monitored: source name, description */
	UDAMOS_REC_GEOMETRY = 8,	/* base and PMD huge page sizes */
	UDAMOS_REC_HOST = 9,		/* what a minor fault cost the recording host */
};

/* The monitor record's two strings, each NUL-padded to its size. */
#define UDAMOS_REC_MONITOR_NAME 16
#define UDAMOS_REC_MONITOR_DESC 192

struct udamos_rec_target {
	uint32_t idx;
	int32_t pid;
	char comm[17];
};

struct udamos_rec_range {
	uint64_t start, end;
};

/* A layout or coverage change: sorted, non-overlapping ranges. */
struct udamos_rec_ranges {
	uint32_t target;
	uint64_t time_us;
	size_t nr;
	struct udamos_rec_range *r;
};

/* ---- writing ---- */

struct udamos_rec_writer {
	FILE *f;
	uint64_t bytes;
	uint64_t nr_snapshots;
};

/* Writes the file header.  0 or -errno. */
int udamos_rec_open(struct udamos_rec_writer *w, FILE *f);
int udamos_rec_put_target(struct udamos_rec_writer *w, const struct udamos_rec_target *t);
/* Also writes the page geometry in use (udamos/snapshot.h). */
int udamos_rec_put_attrs(struct udamos_rec_writer *w, uint64_t sample_us, uint64_t aggr_us);
int udamos_rec_put_monitor(struct udamos_rec_writer *w, const char *name, const char *desc);
/* fault_ns: a minor fault's cost on this host, 0 if it could not be timed. */
int udamos_rec_put_host(struct udamos_rec_writer *w, uint64_t fault_ns);
int udamos_rec_put_snapshot(struct udamos_rec_writer *w, const struct udamos_snapshot *s);
int udamos_rec_put_ranges(struct udamos_rec_writer *w, enum udamos_rec_type type,
			  const struct udamos_rec_ranges *r);

/* ---- reading ---- */

/* Everything in a recording, in memory. */
struct udamos_recording {
	uint32_t version;
	uint64_t sample_us, aggr_us;
	/* The recording kernel's page sizes (4 KiB and 2 MiB in recordings
	 * made before the record existed, all on x86_64). */
	uint64_t page_size, huge_size;
	/* What monitored ("" in recordings made before the record existed). */
	char monitor[UDAMOS_REC_MONITOR_NAME], monitor_desc[UDAMOS_REC_MONITOR_DESC];
	/* A minor fault's cost on the recording host, in ns (0: not timed,
	 * or a recording older than the host record): whether that host
	 * shadows page tables, which collapse_hold's auto asks. */
	uint64_t fault_ns;
	struct udamos_rec_target *targets;
	size_t nr_targets;
	struct udamos_snapshot *snaps;		/* in file order */
	size_t nr_snaps;
	struct udamos_rec_ranges *vmas;		/* in file order */
	size_t nr_vmas;
	struct udamos_rec_ranges *huge;
	size_t nr_huge;
	struct udamos_rec_ranges *anon;
	size_t nr_anon;
	/* Cut short (a crash while recording): read up to the last whole record. */
	bool truncated;
	uint64_t good_bytes;
};

/*
 * Parses a whole recording from memory.  Returns 0, or -EINVAL with a
 * one-line reason (foreign file, newer version, corruption and where).
 */
int udamos_rec_parse(const uint8_t *buf, size_t len, struct udamos_recording *out,
		     char *why, size_t why_len);
/* The last ranges record of a type for target at or before time_us, or NULL. */
const struct udamos_rec_ranges *udamos_rec_ranges_at(const struct udamos_recording *rec,
						     enum udamos_rec_type type, uint32_t target,
						     uint64_t time_us);
/* Reads and parses a file; the reason names the file. */
int udamos_rec_load(const char *path, struct udamos_recording *out, char *why, size_t why_len);
void udamos_rec_free(struct udamos_recording *r);

#endif
