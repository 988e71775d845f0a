/*
 * libFuzzer target: parse_decimal(), the reader of every number a guest
 * or client writes to xenstore, against a model built on strtoull. The
 * first byte picks the bound (a table of edge values, or the next eight
 * bytes); the rest, up to a nul, is the string.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool model(const char *s, uint64_t max, uint64_t *value)
{
    char *end;
    unsigned long long v;

    /* Only digits: strtoull's own leniency (spaces, signs) never comes in. */
    if (!*s || strspn(s, "0123456789") != strlen(s)) {
        return false;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v > max) {
        return false;
    }
    *value = v;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t bounds[] = {
        0, 1, 9, 10, 255, 0x7fef, UINT16_MAX, INT32_MAX, UINT32_MAX,
        UINT64_MAX / 10, UINT64_MAX / 10 + 1, UINT64_MAX - 1, UINT64_MAX,
    };
    uint64_t max, got = 1, want = 2;
    char *s;
    bool ok;

    if (size < 1) {
        return 0;
    }
    if (data[0] < sizeof(bounds) / sizeof(bounds[0])) {
        max = bounds[data[0]];
        data++;
        size--;
    } else {
        if (size < 9) {
            return 0;
        }
        memcpy(&max, data + 1, sizeof(max));
        data += 9;
        size -= 9;
    }
    s = strndup((const char *)data, size);
    ok = parse_decimal(s, max, &got);
    if (ok != model(s, max, &want) || (ok && got != want) ||
        (!ok && got != 1)) {
        abort();
    }
    free(s);
    return 0;
}
