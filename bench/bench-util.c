/*
 * Shared helpers of the benchmarks; see bench-util.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "bench-util.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

void bench_die(const char *what, Error *err)
{
    fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
            err ? error_get_pretty(err) : "failed");
    exit(1);
}

double bench_now(void)
{
    return g_get_monotonic_time() / (double)G_USEC_PER_SEC;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return v[n / 2];
}
