/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Files udamos writes for people: recordings and reports.  udamos runs as
 * root, so a path it is given must never lead it, through a symbolic link
 * planted there, to overwrite some other file.  Recordings hold a
 * process's memory layout (what ASLR hides), so only their owner reads
 * them.
 */
#ifndef UDAMOS_SYS_OUTFILE_H
#define UDAMOS_SYS_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Opens path for writing: never through a symlink at its last component;
 * exclusive (the file must not exist) or replacing one; with mode.  A
 * stream, or NULL with errno set (ELOOP: a symlink was there).
 */
FILE *udamos_outfile_open(const char *path, bool exclusive, unsigned mode);

/*
 * Replaces path's content with data at once: written to path.tmp beside
 * it, then renamed over it, so that a reader (node_exporter's textfile
 * collector) sees the old file or the new one, never half.  0, or -errno
 * with one line in why.
 */
int udamos_outfile_replace(const char *path, const char *data, size_t len, unsigned mode,
			   char *why, size_t why_len);

#endif
