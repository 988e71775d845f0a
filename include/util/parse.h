/*
 * Numbers read from xenstore or sent over xs_wire.
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

#endif /* UTIL_PARSE_H */
