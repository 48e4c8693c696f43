/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Clocks: monotonic time, CPU time, and interruptible sleeps.
 */
#ifndef UDAMOS_SYS_CLOCK_H
#define UDAMOS_SYS_CLOCK_H

#include <stdint.h>

uint64_t udamos_now_us(void);
uint64_t udamos_now_ns(void);
/* CPU time (user + system) this process has used. */
uint64_t udamos_self_cpu_us(void);
/* CPU time a process has used, in *out; 0 or -errno (gone: no reading,
 * which callers must not take for zero). */
int udamos_pid_cpu_us(int pid, uint64_t *out);
/*
 * Sleeps until the monotonic time t_us.  Returns 0, or -EINTR as soon as
 * *stop is set (by a signal handler) when stop is given.
 */
int udamos_sleep_until_us(uint64_t t_us, volatile int *stop);
/* Sleeps ms milliseconds, through signals. */
void udamos_sleep_ms(unsigned ms);

#endif
