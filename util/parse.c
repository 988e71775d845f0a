/*
 * Numbers read from xenstore or sent over xs_wire: see util/parse.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "util/parse.h"

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
