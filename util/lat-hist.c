/*
 * Latency histograms; see lat-hist.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "util/lat-hist.h"

#include <string.h>
#include <time.h>

#define SUB_BITS 2              /* log2(LAT_HIST_SUB_BUCKETS) */

_Static_assert(LAT_HIST_SUB_BUCKETS == 1 << SUB_BITS,
               "SUB_BITS must match LAT_HIST_SUB_BUCKETS");

uint64_t lat_now_ns(void)
{
    struct timespec ts;

    /* Cannot fail for CLOCK_MONOTONIC with a valid pointer. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

unsigned lat_hist_bucket(uint64_t ns)
{
    unsigned e, sub;

    if (ns < (UINT64_C(1) << LAT_HIST_MIN_SHIFT)) {
        return 0;
    }
    if (ns >= (UINT64_C(1) << LAT_HIST_MAX_SHIFT)) {
        return LAT_HIST_BUCKETS - 1;
    }
    e = 63 - __builtin_clzll(ns);
    sub = (ns >> (e - SUB_BITS)) & (LAT_HIST_SUB_BUCKETS - 1);
    return 1 + (e - LAT_HIST_MIN_SHIFT) * LAT_HIST_SUB_BUCKETS + sub;
}

uint64_t lat_hist_boundary(unsigned i)
{
    unsigned e = LAT_HIST_MIN_SHIFT + (i - 1) / LAT_HIST_SUB_BUCKETS;
    unsigned sub = (i - 1) % LAT_HIST_SUB_BUCKETS;

    return (uint64_t)(LAT_HIST_SUB_BUCKETS + sub) << (e - SUB_BITS);
}

void lat_hist_add(LatHist *h, uint64_t ns)
{
    h->count++;
    h->bins[lat_hist_bucket(ns)]++;
    if (ns > h->max_ns) {
        h->max_ns = ns;
    }
}

void lat_hist_reset(LatHist *h)
{
    memset(h, 0, sizeof(*h));
}

uint64_t lat_hist_percentile(const LatHist *h, unsigned permille)
{
    uint64_t rank, seen = 0;

    if (!h->count) {
        return 0;
    }
    permille = permille < 1 ? 1 : permille > 1000 ? 1000 : permille;
    /* ceil(count * permille / 1000) without overflow for any count */
    rank = h->count / 1000 * permille +
           (h->count % 1000 * permille + 999) / 1000;
    if (rank == 0) {
        rank = 1;
    }
    for (unsigned i = 0; i < LAT_HIST_BUCKETS - 1; i++) {
        seen += h->bins[i];
        if (seen >= rank) {
            uint64_t upper = lat_hist_boundary(i + 1);

            return upper < h->max_ns ? upper : h->max_ns;
        }
    }
    return h->max_ns;
}
