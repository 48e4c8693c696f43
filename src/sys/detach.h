/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a child forked without exec does first.  It shares every open
 * descriptor of its parent's, and a restore guard's socket or a lease
 * holder left open in it keeps that guard from ever undoing; and if the
 * parent dies before the child asks for a death signal, none ever comes.
 */
#ifndef UDAMOS_SYS_DETACH_H
#define UDAMOS_SYS_DETACH_H

#include <sys/types.h>

/* Dies with parent (at once if it is already gone), and closes every
 * descriptor but stdio and keep_fd (-1 for none). */
void udamos_child_detach(pid_t parent, int keep_fd);

#endif
