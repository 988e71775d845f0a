/*
 * Unit tests of the latency histogram: bucket edges, percentiles by
 * nearest rank, and the bounds a percentile keeps to.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdint.h>

#include "util/lat-hist.h"

static void test_buckets(void)
{
    /* Every boundary opens its own bucket, and they increase. */
    g_assert_cmpuint(lat_hist_boundary(1), ==, 1024);
    g_assert_cmpuint(lat_hist_boundary(2), ==, 1280);
    g_assert_cmpuint(lat_hist_boundary(5), ==, 2048);
    g_assert_cmpuint(lat_hist_boundary(LAT_HIST_BUCKETS - 1), ==,
                     UINT64_C(1) << LAT_HIST_MAX_SHIFT);
    for (unsigned i = 1; i < LAT_HIST_BUCKETS; i++) {
        uint64_t b = lat_hist_boundary(i);

        g_assert_cmpuint(lat_hist_bucket(b), ==, i);
        g_assert_cmpuint(lat_hist_bucket(b - 1), ==, i - 1);
        if (i > 1) {
            g_assert_cmpuint(b, >, lat_hist_boundary(i - 1));
            /* a quarter of an octave: at most 25 % wide */
            g_assert_cmpuint(b * 4, <=, lat_hist_boundary(i - 1) * 5);
        }
    }
    g_assert_cmpuint(lat_hist_bucket(0), ==, 0);
    g_assert_cmpuint(lat_hist_bucket(UINT64_MAX), ==, LAT_HIST_BUCKETS - 1);
}

static void test_empty(void)
{
    LatHist h = { 0 };

    g_assert_cmpuint(lat_hist_percentile(&h, 500), ==, 0);
    g_assert_cmpuint(lat_hist_percentile(&h, 1000), ==, 0);
}

static void test_percentiles(void)
{
    LatHist h = { 0 };

    /* 98 fast ones, one slow, one stall */
    for (int i = 0; i < 98; i++) {
        lat_hist_add(&h, 50000);
    }
    lat_hist_add(&h, 400000);
    lat_hist_add(&h, 3000000000u);
    g_assert_cmpuint(h.count, ==, 100);
    g_assert_cmpuint(h.max_ns, ==, 3000000000u);
    /* 50000 is in [49152, 57344): its upper edge */
    g_assert_cmpuint(lat_hist_percentile(&h, 500), ==, 57344);
    g_assert_cmpuint(lat_hist_percentile(&h, 980), ==, 57344);
    g_assert_cmpuint(lat_hist_percentile(&h, 990), ==, 458752);
    g_assert_cmpuint(lat_hist_percentile(&h, 1000), ==, 3000000000u);
    g_assert_cmpuint(lat_hist_percentile(&h, 2000), ==, 3000000000u);
    g_assert_cmpuint(lat_hist_percentile(&h, 0), ==, 57344);

    /* never above the maximum, even inside its bucket */
    lat_hist_reset(&h);
    lat_hist_add(&h, 50000);
    g_assert_cmpuint(lat_hist_percentile(&h, 500), ==, 50000);
    lat_hist_add(&h, 100);
    g_assert_cmpuint(lat_hist_percentile(&h, 500), ==, 1024);
    g_assert_cmpuint(h.bins[0], ==, 1);
}

/* Any mix of values: ordered percentiles, at most 25 % above the truth. */
static void test_bounds(void)
{
    GRand *rand = g_rand_new_with_seed(16);

    for (int round = 0; round < 50; round++) {
        LatHist h = { 0 };
        unsigned n = g_rand_int_range(rand, 1, 2000);
        g_autofree uint64_t *v = g_new(uint64_t, n);
        uint64_t p50, p99, max;

        for (unsigned i = 0; i < n; i++) {
            v[i] = (uint64_t)g_rand_int(rand) >> g_rand_int_range(rand, 0, 32);
            v[i] *= g_rand_int_range(rand, 1, 16);   /* below 2^36 */
            lat_hist_add(&h, v[i]);
        }
        p50 = lat_hist_percentile(&h, 500);
        p99 = lat_hist_percentile(&h, 990);
        max = lat_hist_percentile(&h, 1000);
        g_assert_cmpuint(p50, <=, p99);
        g_assert_cmpuint(p99, <=, max);
        g_assert_cmpuint(max, ==, h.max_ns);
        for (unsigned pm = 1; pm <= 1000; pm += 37) {
            uint64_t p = lat_hist_percentile(&h, pm);
            unsigned le = 0, lt = 0;

            /* p is an upper bound of the pm-th value, and a tight one */
            for (unsigned i = 0; i < n; i++) {
                le += v[i] <= p;
                lt += v[i] * 5 < p * 4 && p > 1024;
            }
            g_assert_cmpuint((uint64_t)le * 1000, >=, (uint64_t)n * pm);
            g_assert_cmpuint((uint64_t)lt * 1000, <, (uint64_t)n * pm);
        }
    }
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/lat-hist/buckets", test_buckets);
    g_test_add_func("/lat-hist/empty", test_empty);
    g_test_add_func("/lat-hist/percentiles", test_percentiles);
    g_test_add_func("/lat-hist/bounds", test_bounds);
    return g_test_run();
}
