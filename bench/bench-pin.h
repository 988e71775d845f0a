/*
 * CPU pinning for the benchmarks that compare where processes run
 * (xs-bench, echo-floors). Header only: those two link nothing but
 * glib.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BENCH_PIN_H
#define BENCH_PIN_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

/* Pins @pid (0: the caller) to @cpu; *@old, if given, gets its set. */
static inline bool bench_pin(pid_t pid, int cpu, cpu_set_t *old)
{
    cpu_set_t set;

    if (old && sched_getaffinity(pid, sizeof(*old), old) < 0) {
        return false;
    }
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(pid, sizeof(set), &set) == 0;
}

#endif
