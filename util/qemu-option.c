/*
 * QEMU-style option strings.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "util/qemu-option.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"

typedef struct QemuOpt {
    char *key;
    char *value;
} QemuOpt;

struct QemuOpts {
    GArray *opts;       /* QemuOpt, in command-line order */
};

/* Copies up to the next unescaped @stop (or the end), undoing ",,". */
static const char *get_token(const char *p, char stop, GString *out)
{
    g_string_truncate(out, 0);
    while (*p) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(out, ',');
            p += 2;
            continue;
        }
        if (*p == ',' || *p == stop) {
            break;
        }
        g_string_append_c(out, *p++);
    }
    return p;
}

QemuOpts *qemu_opts_parse(const char *str, const char *implied_key,
                          Error **errp)
{
    QemuOpts *opts = g_new0(QemuOpts, 1);
    g_autoptr(GString) key = g_string_new(NULL);
    g_autoptr(GString) value = g_string_new(NULL);
    const char *p = str;
    bool first = true;

    opts->opts = g_array_new(false, false, sizeof(QemuOpt));
    while (*p) {
        QemuOpt opt;

        p = get_token(p, '=', key);
        if (*p == '=') {
            p = get_token(p + 1, '\0', value);
            opt.key = g_strdup(key->str);
            opt.value = g_strdup(value->str);
        } else if (first && implied_key) {
            opt.key = g_strdup(implied_key);
            opt.value = g_strdup(key->str);
        } else {
            error_setg(errp, "Invalid parameter '%s'", key->str);
            qemu_opts_free(opts);
            return NULL;
        }
        if (!opt.key[0]) {
            error_setg(errp, "Invalid parameter ''");
            g_free(opt.key);
            g_free(opt.value);
            qemu_opts_free(opts);
            return NULL;
        }
        g_array_append_val(opts->opts, opt);
        first = false;
        if (*p == ',') {
            p++;
        }
    }
    return opts;
}

void qemu_opts_free(QemuOpts *opts)
{
    if (!opts) {
        return;
    }
    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *opt = &g_array_index(opts->opts, QemuOpt, i);

        g_free(opt->key);
        g_free(opt->value);
    }
    g_array_free(opts->opts, true);
    g_free(opts);
}

static void append_escaped(GString *out, const char *s)
{
    for (; *s; s++) {
        g_string_append_c(out, *s);
        if (*s == ',') {
            g_string_append_c(out, ',');
        }
    }
}

char *qemu_opts_to_string(QemuOpts *opts, const char *implied_key)
{
    GString *out = g_string_new(NULL);
    const char *implied = implied_key ? qemu_opt_get(opts, implied_key)
                                      : NULL;

    if (implied) {
        append_escaped(out, implied);
    }
    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *opt = &g_array_index(opts->opts, QemuOpt, i);

        if (implied && !strcmp(opt->key, implied_key)) {
            continue;
        }
        if (out->len) {
            g_string_append_c(out, ',');
        }
        append_escaped(out, opt->key);
        g_string_append_c(out, '=');
        append_escaped(out, opt->value);
    }
    return g_string_free(out, false);
}

const char *qemu_opt_get(QemuOpts *opts, const char *key)
{
    for (guint i = opts->opts->len; i > 0; i--) {
        QemuOpt *opt = &g_array_index(opts->opts, QemuOpt, i - 1);

        if (!strcmp(opt->key, key)) {
            return opt->value;
        }
    }
    return NULL;
}

char **qemu_opt_get_all(QemuOpts *opts, const char *key)
{
    GPtrArray *all = g_ptr_array_new();

    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *opt = &g_array_index(opts->opts, QemuOpt, i);

        if (!strcmp(opt->key, key)) {
            g_ptr_array_add(all, g_strdup(opt->value));
        }
    }
    g_ptr_array_add(all, NULL);
    return (char **)g_ptr_array_free(all, false);
}

bool qemu_opt_get_number(QemuOpts *opts, const char *key, uint64_t def,
                         uint64_t max, uint64_t *value, Error **errp)
{
    const char *str = qemu_opt_get(opts, key);
    char *end;
    unsigned long long v;

    *value = def;
    if (!str) {
        return true;
    }
    errno = 0;
    v = strtoull(str, &end, 0);
    if (!g_ascii_isdigit(str[0]) || errno || *end || v > max) {
        error_setg(errp, "Parameter '%s' expects a number no larger than %"
                   G_GUINT64_FORMAT, key, max);
        return false;
    }
    *value = v;
    return true;
}

static bool qemu_opt_parse_size(const char *key, const char *str,
                                uint64_t unit, uint64_t *value, Error **errp)
{
    int ret = parse_size(str, unit, value);

    if (ret == -ERANGE) {
        error_setg(errp, "Value '%s' is out of range for parameter '%s'",
                   str, key);
        return false;
    }
    if (ret < 0) {
        error_setg(errp, "Parameter '%s' expects a non-negative number "
                   "below 2^64\n"
                   "Optional suffix k, M, G, T, P or E means kilo-, mega-, "
                   "giga-, tera-, peta-\n"
                   "and exabytes, respectively.", key);
        return false;
    }
    return true;
}

bool qemu_opt_get_size(QemuOpts *opts, const char *key, uint64_t def,
                       uint64_t unit, uint64_t *value, Error **errp)
{
    const char *str = qemu_opt_get(opts, key);

    *value = def;
    return !str || qemu_opt_parse_size(key, str, unit, value, errp);
}

bool qemu_opts_check_keys(QemuOpts *opts, const char *const *allowed,
                          const char *owner, Error **errp)
{
    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *opt = &g_array_index(opts->opts, QemuOpt, i);

        if (!g_strv_contains(allowed, opt->key)) {
            error_setg(errp, "Property '%s.%s' not found", owner, opt->key);
            return false;
        }
    }
    return true;
}

bool qemu_opts_check_params(QemuOpts *opts, const char *const *allowed,
                            Error **errp)
{
    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *opt = &g_array_index(opts->opts, QemuOpt, i);

        if (!g_strv_contains(allowed, opt->key)) {
            error_setg(errp, "Invalid parameter '%s'", opt->key);
            return false;
        }
    }
    return true;
}
