/*
 * The fuzz targets' view of their input: a script of bytes read in
 * order, where bytes past the end read as 0, so that every input, however
 * short, is a whole run.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_FUZZ_FUZZ_INPUT_H
#define TESTS_FUZZ_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct FuzzInput {
    const uint8_t *p;
    size_t left;
} FuzzInput;

/* The next @bytes (at most 8) bytes as a little-endian number. */
static inline uint64_t fuzz_take(FuzzInput *in, unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < bytes && in->left; i++) {
        v |= (uint64_t)*in->p++ << (8 * i);
        in->left--;
    }
    return v;
}

#endif /* TESTS_FUZZ_FUZZ_INPUT_H */
