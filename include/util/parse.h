/*
 * Numbers read from xenstore or sent over xs_wire, and sizes given on
 * the command line.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UTIL_PARSE_H
#define UTIL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Parses @s as an unsigned decimal number no larger than @max: one or
 * more ASCII digits and nothing else. Leading zeros are allowed and do
 * not mean octal ("010" is 10), as in Linux's xenbus_scanf("%u") and
 * QEMU's sscanf-based readers; "0x10" is refused, as is everything
 * those readers would take only by skipping it: signs, whitespace before
 * or after, trailing junk. So every string accepted here means the same
 * number to a Linux frontend, to QEMU and to us, and a string on which
 * they could disagree is an error. On failure *@value is untouched.
 */
bool parse_decimal(const char *s, uint64_t max, uint64_t *value);

/*
 * Parses @s as a size in bytes as QEMU's qemu_strtosz() reads one:
 * decimal digits, an optional fraction, and an optional suffix B, K, M,
 * G, T, P or E in either case (powers of 1024). Without a suffix the
 * number counts @unit bytes (1; -m counts MiB). A fraction needs a
 * suffix worth more than a byte ("1.5G"; not "1.5" nor "1.5B") and is
 * rounded to the nearest byte, halves up, exactly however long it is.
 *
 * Stricter than QEMU where QEMU takes a string only by skipping part of
 * it with strtoull(): no blanks before, no sign (QEMU reads " 512" and
 * "+512"), no hexadecimal, nothing after the suffix. Returns 0, -EINVAL
 * when @s is not a size, or -ERANGE when it is 2^64 bytes or more; on
 * failure *@value is untouched.
 */
int parse_size(const char *s, uint64_t unit, uint64_t *value);

#endif /* UTIL_PARSE_H */
