/*
 * The JSON text of QMP messages, where json-glib is not enough: its
 * reader takes what is not JSON (single quotes, comments, hex numbers,
 * control characters in strings) and keeps the last of duplicate keys.
 * json-glib still builds the tree that commands read; this checks what
 * goes into it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MONITOR_QMP_JSON_H
#define MONITOR_QMP_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/*
 * Checks that @text (@len bytes of valid UTF-8) is exactly one JSON
 * value as RFC 8259 defines it, with no object holding a key twice (as
 * QEMU's parser: keys compare after their escapes are decoded) and no
 * more than @max_depth nested objects and arrays. Errors read as QEMU's
 * ("JSON parse error, duplicate key").
 */
bool qmp_json_check(const char *text, size_t len, unsigned max_depth,
                    Error **errp);

#endif /* MONITOR_QMP_JSON_H */
