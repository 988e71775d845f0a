/*
 * QMP's JSON text checked by us: see include/monitor/qmp-json.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor/qmp-json.h"

#include <glib.h>
#include <string.h>

/* What an error message quotes of the offending text, at most. */
#define QMP_JSON_QUOTE_MAX 32

typedef struct QmpJsonReader {
    const char *p;
    const char *end;
    unsigned max_depth;
    Error **errp;
} QmpJsonReader;

static bool G_GNUC_PRINTF(2, 3)
qmp_json_error(QmpJsonReader *r, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_setg(r->errp, "JSON parse error, %s", msg);
    return false;
}

/* A token that is no JSON, quoted as QEMU's lexer does ("stray '...'"). */
static bool qmp_json_stray(QmpJsonReader *r, const char *start, size_t len)
{
    len = MIN(len, (size_t)(r->end - start));
    /* Cut at a character boundary: the message must stay UTF-8. */
    if (len > QMP_JSON_QUOTE_MAX) {
        len = g_utf8_find_prev_char(start, start + QMP_JSON_QUOTE_MAX + 1) -
              start;
    }
    return qmp_json_error(r, "stray '%.*s'", (int)len, start);
}

static void qmp_json_skip_space(QmpJsonReader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
                             *r->p == '\r' || *r->p == '\n')) {
        r->p++;
    }
}

static bool qmp_json_peek(QmpJsonReader *r, char c)
{
    qmp_json_skip_space(r);
    return r->p < r->end && *r->p == c;
}

static int qmp_json_hex4(const char *p, const char *end)
{
    int v = 0;

    if (end - p < 4) {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        int d = g_ascii_xdigit_value(p[i]);

        if (d < 0) {
            return -1;
        }
        v = v << 4 | d;
    }
    return v;
}

/*
 * A \u escape at r->p (past the backslash and 'u'), with the low half
 * of a surrogate pair: json-glib 1.6 leaks memory on a malformed pair
 * and decodes a lone half into bytes that are not UTF-8, so such text
 * never reaches it.
 */
static bool qmp_json_unicode_escape(QmpJsonReader *r, gunichar *u)
{
    int hi = qmp_json_hex4(r->p, r->end);
    int lo;

    if (hi < 0 || (hi >= 0xdc00 && hi <= 0xdfff)) {
        return qmp_json_error(r, "invalid \\u escape");
    }
    r->p += 4;
    if (hi < 0xd800 || hi > 0xdbff) {
        *u = hi;
        return true;
    }
    if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u') {
        return qmp_json_error(r, "invalid \\u escape");
    }
    lo = qmp_json_hex4(r->p + 2, r->end);
    if (lo < 0xdc00 || lo > 0xdfff) {
        return qmp_json_error(r, "invalid \\u escape");
    }
    r->p += 6;
    *u = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
    return true;
}

/*
 * A string at r->p (its opening quote). With @decoded, its value is
 * stored there, a U+0000 as the two bytes C0 80 (as QEMU's modified
 * UTF-8): keys are compared as C strings, and no valid UTF-8 input
 * has those bytes, so two different keys never compare equal.
 */
static bool qmp_json_string(QmpJsonReader *r, GString *decoded)
{
    r->p++;
    if (decoded) {
        g_string_truncate(decoded, 0);
    }
    while (r->p < r->end) {
        const char *run = r->p;
        char c;

        /* Plain bytes up to the next quote, escape or control byte. */
        while (r->p < r->end && *r->p != '"' && *r->p != '\\' &&
               (unsigned char)*r->p >= 0x20) {
            r->p++;
        }
        if (decoded) {
            g_string_append_len(decoded, run, r->p - run);
        }
        if (r->p == r->end) {
            break;
        }
        c = *r->p++;
        if (c == '"') {
            return true;
        }
        if (c != '\\') {
            /* A raw control character: echoed, it would split a line. */
            return qmp_json_error(r, "control character 0x%02x in string",
                                  (unsigned char)c);
        }
        if (r->p == r->end) {
            break;
        }
        c = *r->p++;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            break;
        case 'b':
            c = '\b';
            break;
        case 'f':
            c = '\f';
            break;
        case 'n':
            c = '\n';
            break;
        case 'r':
            c = '\r';
            break;
        case 't':
            c = '\t';
            break;
        case 'u': {
            gunichar u = 0;

            if (!qmp_json_unicode_escape(r, &u)) {
                return false;
            }
            if (decoded && u == 0) {
                g_string_append(decoded, "\xc0\x80");
            } else if (decoded) {
                g_string_append_unichar(decoded, u);
            }
            continue;
        }
        default:
            return qmp_json_error(r, "invalid escape sequence in string");
        }
        if (decoded) {
            g_string_append_c(decoded, c);
        }
    }
    return qmp_json_error(r, "premature EOI");
}

static const char *qmp_json_digits(const char *p, const char *end)
{
    while (p < end && g_ascii_isdigit(*p)) {
        p++;
    }
    return p;
}

/*
 * A number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? and nothing
 * glued to it, so "01", "1." or "0x10" are refused whole.
 */
static bool qmp_json_number(QmpJsonReader *r)
{
    const char *start = r->p;
    const char *p = start;
    const char *end = r->end;
    const char *q;

    if (p < end && *p == '-') {
        p++;
    }
    q = qmp_json_digits(p, end);
    if (q == p || (*p == '0' && q - p > 1)) {
        goto stray;
    }
    p = q;
    if (p < end && *p == '.') {
        q = qmp_json_digits(p + 1, end);
        if (q == p + 1) {
            goto stray;
        }
        p = q;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }
        q = qmp_json_digits(p, end);
        if (q == p) {
            goto stray;
        }
        p = q;
    }
    if (p < end && (g_ascii_isalnum(*p) || *p == '.' || *p == '_' ||
                    *p == '+' || *p == '-')) {
        goto stray;
    }
    r->p = p;
    return true;

stray:
    /* Quote the whole would-be token, as far as it looks like one. */
    while (p < end && (g_ascii_isalnum(*p) || (*p && strchr(".+-_", *p)))) {
        p++;
    }
    return qmp_json_stray(r, start, MAX(p - start, 1));
}

static bool qmp_json_keyword(QmpJsonReader *r)
{
    static const char *const keywords[] = { "true", "false", "null" };
    const char *start = r->p;
    size_t len;

    while (r->p < r->end && (g_ascii_isalnum(*r->p) || *r->p == '_')) {
        r->p++;
    }
    len = r->p - start;
    for (size_t i = 0; i < G_N_ELEMENTS(keywords); i++) {
        if (len == strlen(keywords[i]) && !memcmp(start, keywords[i], len)) {
            return true;
        }
    }
    return qmp_json_error(r, "invalid keyword '%.*s'",
                          (int)MIN(len, QMP_JSON_QUOTE_MAX), start);
}

static bool qmp_json_value(QmpJsonReader *r, unsigned depth);

static bool qmp_json_object(QmpJsonReader *r, unsigned depth)
{
    g_autoptr(GHashTable) keys = NULL;
    g_autoptr(GString) key = NULL;

    r->p++;
    if (qmp_json_peek(r, '}')) {
        r->p++;
        return true;
    }
    keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    key = g_string_new(NULL);
    for (;;) {
        qmp_json_skip_space(r);
        if (r->p == r->end) {
            return qmp_json_error(r, "premature EOI");
        }
        if (*r->p != '"') {
            return qmp_json_error(r, "key is not a string in object");
        }
        if (!qmp_json_string(r, key)) {
            return false;
        }
        if (!qmp_json_peek(r, ':')) {
            return qmp_json_error(r, "missing : in object pair");
        }
        r->p++;
        if (!qmp_json_value(r, depth)) {
            return false;
        }
        /* As QEMU: the pair is whole before its key is looked up. */
        if (g_hash_table_contains(keys, key->str)) {
            return qmp_json_error(r, "duplicate key");
        }
        g_hash_table_add(keys, g_strndup(key->str, key->len));
        qmp_json_skip_space(r);
        if (r->p == r->end) {
            return qmp_json_error(r, "premature EOI");
        }
        if (*r->p == '}') {
            r->p++;
            return true;
        }
        if (*r->p != ',') {
            return qmp_json_error(r, "expected separator in dict");
        }
        r->p++;
    }
}

static bool qmp_json_array(QmpJsonReader *r, unsigned depth)
{
    r->p++;
    if (qmp_json_peek(r, ']')) {
        r->p++;
        return true;
    }
    for (;;) {
        if (!qmp_json_value(r, depth)) {
            return false;
        }
        qmp_json_skip_space(r);
        if (r->p == r->end) {
            return qmp_json_error(r, "premature EOI");
        }
        if (*r->p == ']') {
            r->p++;
            return true;
        }
        if (*r->p != ',') {
            return qmp_json_error(r, "expected separator in list");
        }
        r->p++;
    }
}

/* A value inside @depth containers; recursion stops at r->max_depth. */
static bool qmp_json_value(QmpJsonReader *r, unsigned depth)
{
    char c;

    qmp_json_skip_space(r);
    if (r->p == r->end) {
        return qmp_json_error(r, "premature EOI");
    }
    c = *r->p;
    if (c == '{' || c == '[') {
        if (depth >= r->max_depth) {
            return qmp_json_error(r, "nesting too deep");
        }
        return c == '{' ? qmp_json_object(r, depth + 1)
                        : qmp_json_array(r, depth + 1);
    }
    if (c == '"') {
        return qmp_json_string(r, NULL);
    }
    if (c == '-' || g_ascii_isdigit(c)) {
        return qmp_json_number(r);
    }
    if (g_ascii_isalpha(c)) {
        return qmp_json_keyword(r);
    }
    if (c == '}' || c == ']' || c == ',' || c == ':') {
        return qmp_json_error(r, "expecting value");
    }
    return qmp_json_stray(r, r->p, g_utf8_next_char(r->p) - r->p);
}

bool qmp_json_check(const char *text, size_t len, unsigned max_depth,
                    Error **errp)
{
    QmpJsonReader r = {
        .p = text, .end = text + len, .max_depth = max_depth, .errp = errp,
    };

    if (!qmp_json_value(&r, 0)) {
        return false;
    }
    qmp_json_skip_space(&r);
    if (r.p != r.end) {
        return qmp_json_stray(&r, r.p, g_utf8_next_char(r.p) - r.p);
    }
    return true;
}
