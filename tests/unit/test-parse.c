/*
 * Unit tests of parse_decimal(), the one reader of numbers from xenstore
 * and xs_wire.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdint.h>

#include "util/parse.h"

static void assert_parses(const char *s, uint64_t max, uint64_t expect)
{
    uint64_t v = 12345;
    g_autofree char *shown = g_strescape(s, NULL);

    g_test_message("\"%s\" max %" G_GUINT64_FORMAT, shown, max);
    g_assert_true(parse_decimal(s, max, &v));
    g_assert_cmpuint(v, ==, expect);
}

static void assert_refused(const char *s, uint64_t max)
{
    uint64_t v = 12345;
    g_autofree char *shown = g_strescape(s, NULL);

    g_test_message("\"%s\" max %" G_GUINT64_FORMAT, shown, max);
    g_assert_false(parse_decimal(s, max, &v));
    g_assert_cmpuint(v, ==, 12345);
}

static void test_decimal(void)
{
    assert_parses("0", UINT64_MAX, 0);
    assert_parses("7", UINT64_MAX, 7);
    assert_parses("4294967295", UINT64_MAX, UINT32_MAX);
    /* Leading zeros are not octal, as in xenbus_scanf("%u"). */
    assert_parses("010", UINT64_MAX, 10);
    assert_parses("0009", UINT64_MAX, 9);
    assert_parses("00", UINT64_MAX, 0);
}

static void test_not_decimal(void)
{
    static const char *const junk[] = {
        "", "0x10", "0X10", "x10", "-1", "+1", "-0", " 1", "1 ", "\t1",
        "1\n", "1a", "a1", "1.0", "1e3", "١", "1,000", "\xff",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(junk); i++) {
        assert_refused(junk[i], UINT64_MAX);
    }
}

static void test_max(void)
{
    assert_parses("255", 255, 255);
    assert_refused("256", 255);
    assert_parses("0", 0, 0);
    assert_refused("1", 0);
    assert_parses("7", 7, 7);
    assert_refused("8", 7);
    assert_refused("10", 9);
    assert_parses("32751", 0x7fef, 0x7fef);
    assert_refused("32752", 0x7fef);
    assert_parses("4294967295", UINT32_MAX, UINT32_MAX);
    assert_refused("4294967296", UINT32_MAX);
}

static void test_overflow(void)
{
    assert_parses("18446744073709551615", UINT64_MAX, UINT64_MAX);
    assert_parses("018446744073709551615", UINT64_MAX, UINT64_MAX);
    assert_refused("18446744073709551616", UINT64_MAX);
    assert_refused("18446744073709551620", UINT64_MAX);
    assert_refused("99999999999999999999", UINT64_MAX);
    /* Wraps to a small number in a reader that ignores overflow. */
    assert_refused("18446744073709551626", 100);
    assert_refused("36893488147419103242", UINT64_MAX);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/parse/decimal", test_decimal);
    g_test_add_func("/parse/not-decimal", test_not_decimal);
    g_test_add_func("/parse/max", test_max);
    g_test_add_func("/parse/overflow", test_overflow);
    return g_test_run();
}
