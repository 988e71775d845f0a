/*
 * QEMU's "key=value,key=value" option strings. A first element without
 * '=' is the value of an implied key (e.g. the machine type of -M), and
 * ",," stands for a literal comma inside a value.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UTIL_QEMU_OPTION_H
#define UTIL_QEMU_OPTION_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

typedef struct QemuOpts QemuOpts;

QemuOpts *qemu_opts_parse(const char *str, const char *implied_key,
                          Error **errp);
void qemu_opts_free(QemuOpts *opts);
/*
 * The options as a command line would give them, commas doubled inside
 * values, @implied_key's value first and bare (NULL: none): for messages
 * that name the option, as QEMU's "-netdev tap,id=n0: ..." do.
 */
char *qemu_opts_to_string(QemuOpts *opts, const char *implied_key);

/* The last value given for @key, or NULL. */
const char *qemu_opt_get(QemuOpts *opts, const char *key);
/*
 * Every value given for @key, in order, for the options that repeat
 * (-netdev user's hostfwd=): a NULL-terminated array, g_strfreev() it.
 */
char **qemu_opt_get_all(QemuOpts *opts, const char *key);
/*
 * Parses @key as an unsigned number no larger than @max; *value keeps
 * @def when the key is absent.
 */
bool qemu_opt_get_number(QemuOpts *opts, const char *key, uint64_t def,
                         uint64_t max, uint64_t *value, Error **errp);
/*
 * Parses @key as a size in bytes with QEMU's suffixes (parse_size()),
 * counting @unit bytes when it has none; *value keeps @def when the key
 * is absent. Errors read as QEMU's: "Parameter 'size' expects a
 * non-negative number below 2^64" (with QEMU's hint on the suffixes),
 * "Value '16E' is out of range for parameter 'size'".
 */
bool qemu_opt_get_size(QemuOpts *opts, const char *key, uint64_t def,
                       uint64_t unit, uint64_t *value, Error **errp);

/*
 * Fails on the first key not in @allowed (NULL-terminated), with QEMU's
 * message "Property '<owner>.<key>' not found".
 */
bool qemu_opts_check_keys(QemuOpts *opts, const char *const *allowed,
                          const char *owner, Error **errp);
/*
 * The same for an option whose keys QEMU checks as it parses them (-m):
 * "Invalid parameter '<key>'".
 */
bool qemu_opts_check_params(QemuOpts *opts, const char *const *allowed,
                            Error **errp);

#endif /* UTIL_QEMU_OPTION_H */
