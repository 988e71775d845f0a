/*
 * QMP's JSON text checked by us: see include/monitor/qmp-json.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor/qmp-json.h"

#include <glib.h>
#include <math.h>
#include <string.h>

/* What an error message quotes of the offending text, at most. */
#define QMP_JSON_QUOTE_MAX 32

typedef struct QmpJsonReader {
    const char *p;
    const char *end;
    unsigned max_depth;
    char **id;                  /* where the top-level "id" goes, or NULL */
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

/* A checked value's text, without the whitespace between its tokens. */
static char *qmp_json_compact(const char *start, const char *end)
{
    GString *out = g_string_sized_new(end - start);
    bool in_string = false;

    for (const char *p = start; p < end; p++) {
        if (in_string) {
            g_string_append_c(out, *p);
            if (*p == '\\') {
                g_string_append_c(out, *++p);
            } else if (*p == '"') {
                in_string = false;
            }
        } else if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
            g_string_append_c(out, *p);
            in_string = *p == '"';
        }
    }
    return g_string_free(out, false);
}

static bool qmp_json_object(QmpJsonReader *r, unsigned depth)
{
    g_autoptr(GHashTable) keys = NULL;
    g_autoptr(GString) key = NULL;
    const char *value;

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
        qmp_json_skip_space(r);
        value = r->p;
        if (!qmp_json_value(r, depth)) {
            return false;
        }
        /* As QEMU: the pair is whole before its key is looked up. */
        if (g_hash_table_contains(keys, key->str)) {
            return qmp_json_error(r, "duplicate key");
        }
        if (depth == 1 && r->id && !strcmp(key->str, "id")) {
            *r->id = qmp_json_compact(value, r->p);
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
                    char **id, Error **errp)
{
    QmpJsonReader r = {
        .p = text, .end = text + len, .max_depth = max_depth, .id = id,
        .errp = errp,
    };

    if (id) {
        *id = NULL;
    }
    qmp_json_skip_space(&r);
    if (qmp_json_value(&r, 0)) {
        qmp_json_skip_space(&r);
        if (r.p == r.end) {
            return true;
        }
        qmp_json_stray(&r, r.p, g_utf8_next_char(r.p) - r.p);
    }
    if (id) {
        g_free(*id);
        *id = NULL;
    }
    return false;
}

/* Writing. */

static void qmp_json_append_string(GString *out, const char *s)
{
    g_autofree char *valid = NULL;

    /* Ours or checked on the way in; a last guard for the output. */
    if (!g_utf8_validate(s, -1, NULL)) {
        s = valid = g_utf8_make_valid(s, -1);
    }
    g_string_append_c(out, '"');
    for (; *s; s++) {
        unsigned char c = *s;

        switch (c) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\b':
            g_string_append(out, "\\b");
            break;
        case '\f':
            g_string_append(out, "\\f");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (c < 0x20) {
                g_string_append_printf(out, "\\u%04x", c);
            } else {
                g_string_append_c(out, c);
            }
        }
    }
    g_string_append_c(out, '"');
}

static void qmp_json_append_double(GString *out, double d)
{
    static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    if (!isfinite(d)) {
        g_string_append(out, "null");
        return;
    }
    /* %.17g always reads back; a shorter one reads better when it does. */
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_ascii_formatd(buf, sizeof(buf), formats[i], d);
        if (g_ascii_strtod(buf, NULL) == d) {
            break;
        }
    }
    g_string_append(out, buf);
}

void qmp_json_append(GString *out, JsonNode *node)
{
    switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT: {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        bool first = true;

        g_string_append_c(out, '{');
        json_object_iter_init_ordered(&iter, json_node_get_object(node));
        while (json_object_iter_next_ordered(&iter, &name, &member)) {
            if (!first) {
                g_string_append_c(out, ',');
            }
            first = false;
            qmp_json_append_string(out, name);
            g_string_append_c(out, ':');
            qmp_json_append(out, member);
        }
        g_string_append_c(out, '}');
        return;
    }
    case JSON_NODE_ARRAY: {
        JsonArray *arr = json_node_get_array(node);

        g_string_append_c(out, '[');
        for (guint i = 0; i < json_array_get_length(arr); i++) {
            if (i) {
                g_string_append_c(out, ',');
            }
            qmp_json_append(out, json_array_get_element(arr, i));
        }
        g_string_append_c(out, ']');
        return;
    }
    case JSON_NODE_VALUE:
        switch (json_node_get_value_type(node)) {
        case G_TYPE_INT64:
            g_string_append_printf(out, "%" G_GINT64_FORMAT,
                                   json_node_get_int(node));
            return;
        case G_TYPE_DOUBLE:
            qmp_json_append_double(out, json_node_get_double(node));
            return;
        case G_TYPE_BOOLEAN:
            g_string_append(out, json_node_get_boolean(node) ? "true"
                                                             : "false");
            return;
        case G_TYPE_STRING:
            qmp_json_append_string(out, json_node_get_string(node));
            return;
        }
        break;
    case JSON_NODE_NULL:
        break;
    }
    g_string_append(out, "null");
}
