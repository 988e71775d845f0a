/*
 * What the in-process benchmarks share: failing set-up, a clock, and the
 * median of repeated runs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BENCH_BENCH_UTIL_H
#define BENCH_BENCH_UTIL_H

#include <stddef.h>

#include "util/error.h"

/* Set-up failed: prints "<program>: @what: <err>" and exits 1. */
void bench_die(const char *what, Error *err) __attribute__((noreturn));
/* Monotonic seconds. */
double bench_now(void);
/* Sorts @v in place. */
double bench_median(double *v, size_t n);

#endif /* BENCH_BENCH_UTIL_H */
