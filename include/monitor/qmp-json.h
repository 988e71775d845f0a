/*
 * The JSON text of QMP messages, where json-glib is not enough: its
 * reader takes what is not JSON (single quotes, comments, hex numbers,
 * control characters in strings) and keeps the last of duplicate keys;
 * its writer turns numbers it cannot hold into text that is not JSON
 * (1e999 comes out as "inf.0"). json-glib still builds the tree that
 * commands read; these check what goes into it and write what comes out.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MONITOR_QMP_JSON_H
#define MONITOR_QMP_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "util/error.h"

/*
 * Checks that @text (@len bytes of valid UTF-8) is exactly one JSON
 * value as RFC 8259 defines it, with no object holding a key twice (as
 * QEMU's parser: keys compare after their escapes are decoded) and no
 * more than @max_depth nested objects and arrays. Errors read as QEMU's
 * ("JSON parse error, duplicate key").
 *
 * When the value is an object with an "id" member and @id is not NULL,
 * *@id is set to that member's text as the client wrote it, with the
 * whitespace between its tokens dropped so that it fits on one line: an
 * id is echoed as this text, never re-encoded, since json-glib reads
 * 18446744073709551615 as -1 and 1e999 as infinity. Otherwise, and on
 * failure, *@id is NULL. The caller frees it.
 */
bool qmp_json_check(const char *text, size_t len, unsigned max_depth,
                    char **id, Error **errp);

/*
 * Appends @node to @out as compact JSON. Unlike json-glib's generator,
 * the result is always JSON: a double is written as the shortest text
 * that reads back as the same number, one that is not finite (only an
 * out-of-range client number makes one) as null, as JSON has no
 * infinity.
 */
void qmp_json_append(GString *out, JsonNode *node);

#endif /* MONITOR_QMP_JSON_H */
