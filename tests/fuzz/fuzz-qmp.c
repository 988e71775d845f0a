/*
 * libFuzzer target: the QMP session core (monitor/qmp.c) against a
 * hostile client's byte stream.
 *
 * Input layout: byte 0 picks the chunk size the rest is fed in (0 means
 * all at once, otherwise 1..255 bytes per qmp_session_input() call); the
 * rest is what the client sends.
 *
 * After every chunk the output is checked and drained: it must be whole
 * messages, each ending in "\r\n" with no other newline, each a JSON
 * object as RFC 8259 has it with no duplicate key (json-glib's reader
 * alone takes "inf.0"), the first after a (re)open the greeting, every
 * other one a reply with exactly one of "return" and "error". After
 * "quit" the session is reopened, so that input past it is exercised too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/qmp-json.h"
#include "monitor/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A machine command with arguments: echoes them back. */
static bool fq_echo(void *opaque, JsonObject *args, JsonNode **ret,
                    Error **errp)
{
    if (!args) {
        error_setg(errp, "Parameter 'value' is missing");
        return false;
    }
    *ret = json_node_alloc();
    json_node_init_object(*ret, args);
    return true;
}

static void fq_check(QmpSession *sess, bool *expect_greeting)
{
    GString *out = qmp_session_output(sess);
    const char *p = out->str;
    const char *end = out->str + out->len;

    while (p < end) {
        const char *nl = g_strstr_len(p, end - p, "\r\n");
        g_autoptr(JsonParser) parser = json_parser_new();
        JsonNode *root;
        JsonObject *o;

        if (!nl || memchr(p, '\n', nl - p)) {
            abort();
        }
        if (!qmp_json_check(p, nl - p, QMP_NESTING_MAX, NULL, NULL)) {
            abort();
        }
        if (!json_parser_load_from_data(parser, p, nl - p, NULL)) {
            abort();
        }
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
            abort();
        }
        o = json_node_get_object(root);
        if (*expect_greeting) {
            if (!json_object_has_member(o, "QMP")) {
                abort();
            }
            *expect_greeting = false;
        } else if (json_object_has_member(o, "return") ==
                   json_object_has_member(o, "error")) {
            abort();
        }
        p = nl + 2;
    }
    g_string_truncate(out, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QmpSession *sess;
    size_t chunk;
    bool greeting = true;

    if (!size) {
        return 0;
    }
    chunk = data[0] ? data[0] : size;
    data++;
    size--;
    sess = qmp_session_new(NULL);
    qmp_session_add_command(sess, "x-echo", fq_echo, NULL);
    qmp_session_open(sess);
    fq_check(sess, &greeting);
    for (size_t off = 0; off < size; off += chunk) {
        qmp_session_input(sess, data + off, MIN(chunk, size - off));
        fq_check(sess, &greeting);
        if (qmp_session_quit_requested(sess)) {
            qmp_session_open(sess);
            greeting = true;
            fq_check(sess, &greeting);
        }
    }
    qmp_session_close(sess);
    qmp_session_free(sess);
    return 0;
}
