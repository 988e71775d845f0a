/*
 * Numbers read from xenstore or sent over xs_wire, and sizes: see
 * util/parse.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "util/parse.h"

#include <errno.h>
#include <string.h>

bool parse_decimal(const char *s, uint64_t max, uint64_t *value)
{
    uint64_t v = 0;

    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        unsigned d;

        /* Not isdigit(): the locale must not widen what a digit is. */
        if (*s < '0' || *s > '9') {
            return false;
        }
        d = *s - '0';
        /* v * 10 + d <= max, without overflowing on the way. */
        if (d > max || v > (max - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *value = v;
    return true;
}

/* Digits only, as parse_decimal(): the locale must not widen them. */
static bool parse_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The bytes a suffix stands for, or 0 for a character that is none. */
static uint64_t parse_size_suffix(char c)
{
    static const char suffixes[] = "BKMGTPE";

    /* ASCII case folding: no locale either. */
    if (c >= 'a' && c <= 'z') {
        c -= 'a' - 'A';
    }
    for (unsigned i = 0; suffixes[i]; i++) {
        if (c == suffixes[i]) {
            return UINT64_C(1) << (10 * i);
        }
    }
    return 0;
}

/*
 * The fraction 0.@digits (@n of them) times @mul, rounded to the
 * nearest integer, halves up. Horner's scheme from the last digit: with
 * x = (d * mul + x') / 10 at each step, only the integer part of x'
 * changes the integer part of x, and the final remainder alone decides
 * the rounding, so integers suffice and no digit is lost. Every
 * intermediate is below 10 * mul <= 10 * 2^60 < 2^64.
 */
static uint64_t parse_fraction(const char *digits, size_t n, uint64_t mul)
{
    uint64_t x = 0;
    uint64_t rem = 0;

    for (size_t i = n; i > 0; i--) {
        uint64_t t = (uint64_t)(digits[i - 1] - '0') * mul + x;

        x = t / 10;
        rem = t % 10;
    }
    return x + (rem >= 5);
}

int parse_size(const char *s, uint64_t unit, uint64_t *value)
{
    const char *frac = NULL;
    size_t nfrac = 0;
    uint64_t v = 0;
    uint64_t mul = unit;
    uint64_t f;
    bool overflow = false;

    if (!parse_is_digit(*s)) {
        return -EINVAL;
    }
    for (; parse_is_digit(*s); s++) {
        unsigned d = *s - '0';

        if (v > (UINT64_MAX - d) / 10) {
            overflow = true;
        }
        v = v * 10 + d;
    }
    if (*s == '.') {
        frac = ++s;
        while (parse_is_digit(*s)) {
            s++;
        }
        nfrac = s - frac;
        if (!nfrac) {
            return -EINVAL;
        }
    }
    if (*s) {
        mul = parse_size_suffix(*s);
        if (!mul || s[1]) {
            return -EINVAL;
        }
    }
    /* As QEMU: a fraction of a byte, or of the default unit, is no size. */
    if (frac && (!*s || mul == 1)) {
        return -EINVAL;
    }
    if (overflow || (v && mul > UINT64_MAX / v)) {
        return -ERANGE;
    }
    v *= mul;
    f = frac ? parse_fraction(frac, nfrac, mul) : 0;
    if (f > UINT64_MAX - v) {
        return -ERANGE;
    }
    *value = v + f;
    return 0;
}
