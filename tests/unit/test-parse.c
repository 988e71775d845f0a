/*
 * Unit tests of parse_decimal(), the one reader of numbers from xenstore
 * and xs_wire, and of parse_size(), the one reader of sizes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
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

static void assert_size(const char *s, uint64_t unit, uint64_t expect)
{
    uint64_t v = 12345;

    g_test_message("size \"%s\" unit %" G_GUINT64_FORMAT, s, unit);
    g_assert_cmpint(parse_size(s, unit, &v), ==, 0);
    g_assert_cmpuint(v, ==, expect);
}

static void assert_size_refused(const char *s, uint64_t unit, int err)
{
    uint64_t v = 12345;
    g_autofree char *shown = g_strescape(s, NULL);

    g_test_message("size \"%s\" unit %" G_GUINT64_FORMAT, shown, unit);
    g_assert_cmpint(parse_size(s, unit, &v), ==, err);
    g_assert_cmpuint(v, ==, 12345);
}

static void test_size(void)
{
    assert_size("0", 1, 0);
    assert_size("512", 1, 512);
    assert_size("512", 1 << 20, UINT64_C(512) << 20);
    assert_size("0", 1 << 20, 0);
    assert_size("0512", 1, 512);
    /* QEMU's suffixes, either case, powers of 1024, over any unit. */
    assert_size("1b", 1 << 20, 1);
    assert_size("1B", 1, 1);
    assert_size("1k", 1 << 20, 1024);
    assert_size("1K", 1, 1024);
    assert_size("2m", 1, UINT64_C(2) << 20);
    assert_size("512M", 1 << 20, UINT64_C(512) << 20);
    assert_size("3G", 1, UINT64_C(3) << 30);
    assert_size("1t", 1, UINT64_C(1) << 40);
    assert_size("1P", 1, UINT64_C(1) << 50);
    assert_size("15E", 1, UINT64_C(15) << 60);
    /* A fraction with a suffix, rounded to the byte, halves up. */
    assert_size("1.5G", 1, UINT64_C(3) << 29);
    assert_size("0.5K", 1, 512);
    assert_size("1.0009765625K", 1, 1025);
    assert_size("0.0004882812K", 1, 0);
    assert_size("0.00048828125K", 1, 1);
    assert_size("0.0014648437K", 1, 1);
    assert_size("0.00146484375K", 1, 2);
    assert_size("0.999999999999999999999999999999K", 1, 1024);
    assert_size("0.000000000000000000000000000001E", 1, 0);
    assert_size("15.999999999999999999E", 1, UINT64_MAX);
    assert_size("0.1k", 1 << 20, 102);
    /* The last byte below 2^64 and the first at it. */
    assert_size("18446744073709551615", 1, UINT64_MAX);
    assert_size("18446744073709551615B", 1 << 20, UINT64_MAX);
    assert_size("17592186044415", 1 << 20, UINT64_C(17592186044415) << 20);
}

static void test_size_refused(void)
{
    static const char *const junk[] = {
        "", "-5", "-0", "+5", " 5", "5 ", "\t5", "5\n", "size", "5X",
        "5MB", "5 M", "5m5", "5KK", "0x10", "0X10", "0x10M", "1e3", "1e3M",
        ".5", ".5K", "1.", "1.K", "1.5", "1.5B", "1.5b", "1..5K", "1.5.5K",
        "1,5K", "1_000", "\xd9\xa1", "\xff", "5\xff", "K", "-1K", "-0.5K",
        "inf", "nan",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(junk); i++) {
        assert_size_refused(junk[i], 1, -EINVAL);
        assert_size_refused(junk[i], 1 << 20, -EINVAL);
    }
    /* A fraction of the default unit is refused too, as in QEMU. */
    assert_size_refused("1.5", 1 << 20, -EINVAL);
    /* 2^64 bytes and above, however they get there. */
    assert_size_refused("18446744073709551616", 1, -ERANGE);
    assert_size_refused("18446744073709551616B", 1, -ERANGE);
    assert_size_refused("99999999999999999999999999", 1, -ERANGE);
    assert_size_refused("17592186044416", 1 << 20, -ERANGE);
    assert_size_refused("18446744073709551615", 1 << 20, -ERANGE);
    assert_size_refused("16E", 1, -ERANGE);
    assert_size_refused("16384P", 1, -ERANGE);
    assert_size_refused("17179869184G", 1, -ERANGE);
    assert_size_refused("15.9999999999999999999E", 1, -ERANGE);
    assert_size_refused("15.999999999999999999999999E", 1, -ERANGE);
    assert_size_refused("36893488147419103232", 1, -ERANGE);
}

/*
 * Every size made of a few digits, a fraction and a suffix, against a
 * model in 128-bit arithmetic.
 */
static void test_size_model(void)
{
    static const char *const ints[] = {
        "0", "1", "7", "1023", "4095", "16383", "1048575",
        "17179869183", "17592186044415", "18014398509481983",
    };
    static const char *const fracs[] = {
        "", "0", "5", "25", "4999", "5001", "999", "0009765625",
        "00048828125", "123456789012345678",
    };
    static const char *const suffixes[] = {
        "", "b", "k", "M", "g", "T", "p", "E",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ints); i++) {
        for (size_t j = 0; j < G_N_ELEMENTS(fracs); j++) {
            for (size_t k = 0; k < G_N_ELEMENTS(suffixes); k++) {
                unsigned __int128 mul =
                    (unsigned __int128)1 << (10 * (k ? k - 1 : 0));
                unsigned __int128 ten = 1;
                unsigned __int128 num = 0;
                unsigned __int128 want;
                uint64_t got = 0;
                int want_ret = 0;
                g_autofree char *s = g_strdup_printf(
                    "%s%s%s%s", ints[i], *fracs[j] ? "." : "", fracs[j],
                    suffixes[k]);
                int ret = parse_size(s, 1, &got);

                for (const char *p = fracs[j]; *p; p++) {
                    num = num * 10 + (*p - '0');
                    ten *= 10;
                }
                /* Rounded half up: floor(x + 1/2). */
                want = (unsigned __int128)g_ascii_strtoull(ints[i], NULL,
                                                           10) * mul +
                       (num * mul * 2 + ten) / (ten * 2);
                if (*fracs[j] && mul == 1) {
                    want_ret = -EINVAL;
                } else if (want > UINT64_MAX) {
                    want_ret = -ERANGE;
                }
                if (ret != want_ret || (!ret && got != (uint64_t)want)) {
                    g_error("\"%s\": %d %" G_GUINT64_FORMAT ", expected %d "
                            "%" G_GUINT64_FORMAT, s, ret, got, want_ret,
                            (uint64_t)want);
                }
            }
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/parse/decimal", test_decimal);
    g_test_add_func("/parse/not-decimal", test_not_decimal);
    g_test_add_func("/parse/max", test_max);
    g_test_add_func("/parse/overflow", test_overflow);
    g_test_add_func("/parse/size", test_size);
    g_test_add_func("/parse/size-refused", test_size_refused);
    g_test_add_func("/parse/size-model", test_size_model);
    return g_test_run();
}
