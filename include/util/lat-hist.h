/*
 * A latency histogram of fixed log-scale buckets: recording costs a few
 * instructions and never allocates, so a data path can time every
 * request, and percentiles come out of it afterwards.
 *
 * Buckets, in nanoseconds: [0, 1024), then four per power of two from
 * 2^10 (about 1 us) to 2^36 (about 69 s), each a quarter of its octave
 * wide, then [2^36, infinity). A percentile is the upper edge of the
 * bucket holding it, and never above the largest value recorded (kept
 * exactly): so it is at most 25 % above the true value and never below
 * it, and p50 <= p99 <= max always holds.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UTIL_LAT_HIST_H
#define UTIL_LAT_HIST_H

#include <stdint.h>

#define LAT_HIST_MIN_SHIFT 10
#define LAT_HIST_MAX_SHIFT 36
#define LAT_HIST_SUB_BUCKETS 4
#define LAT_HIST_BUCKETS \
    (2 + (LAT_HIST_MAX_SHIFT - LAT_HIST_MIN_SHIFT) * LAT_HIST_SUB_BUCKETS)

typedef struct LatHist {
    uint64_t count;
    uint64_t max_ns;
    uint64_t bins[LAT_HIST_BUCKETS];
} LatHist;

/* CLOCK_MONOTONIC in nanoseconds: what latencies are measured with. */
uint64_t lat_now_ns(void);

void lat_hist_add(LatHist *h, uint64_t ns);

/* Forgets everything recorded. */
void lat_hist_reset(LatHist *h);

/*
 * The lower edge of bucket @i, 1 <= @i < LAT_HIST_BUCKETS: what QEMU's
 * BlockLatencyHistogramInfo calls boundaries (bucket 0 starts at 0).
 */
uint64_t lat_hist_boundary(unsigned i);

/* The bucket @ns falls in. */
unsigned lat_hist_bucket(uint64_t ns);

/*
 * The @permille-th per-mille latency (500: the median, 990: p99) by
 * nearest rank, as described above; 0 when nothing was recorded.
 * @permille is clamped to 1..1000; 1000 is the maximum.
 */
uint64_t lat_hist_percentile(const LatHist *h, unsigned permille);

#endif /* UTIL_LAT_HIST_H */
