/*
 * Unit tests of the QMP monitor: the session core driven directly
 * (greeting, negotiation, id echo, the built-in commands, errors,
 * framing of split and merged input, limits), and one client over a
 * real unix socket chardev and event loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor/qmp-json.h"
#include "monitor/qmp.h"

/* An upper bound only: conditions are waited for, never slept on. */
#define WAIT_MS 5000

/*
 * Parses one line of output, which must be a JSON object: RFC 8259's,
 * with no duplicate key (json-glib alone would take more).
 */
static JsonNode *tq_parse(const char *text, size_t len)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    Error *strict = NULL;
    JsonNode *root;

    if (!qmp_json_check(text, len, QMP_NESTING_MAX, NULL, &strict)) {
        g_error("output '%.*s' is not JSON: %s", (int)len, text,
                error_get_pretty(strict));
    }
    if (!json_parser_load_from_data(parser, text, len, &err)) {
        g_error("invalid JSON output '%.*s': %s", (int)len, text,
                err->message);
    }
    root = json_parser_get_root(parser);
    g_assert_nonnull(root);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
    return json_node_copy(root);
}

/* Takes every message out of the output; each must end in "\r\n". */
static GPtrArray *tq_take(QmpSession *sess)
{
    GString *out = qmp_session_output(sess);
    GPtrArray *msgs = g_ptr_array_new_with_free_func(
        (GDestroyNotify)json_node_unref);
    const char *p = out->str;
    const char *end = out->str + out->len;

    while (p < end) {
        const char *nl = g_strstr_len(p, end - p, "\r\n");

        g_assert_nonnull(nl);
        /* No bare newline inside a message. */
        g_assert_null(memchr(p, '\n', nl - p));
        g_ptr_array_add(msgs, tq_parse(p, nl - p));
        p = nl + 2;
    }
    g_string_truncate(out, 0);
    return msgs;
}

static GPtrArray *tq_take_after(QmpSession *sess, const char *text)
{
    qmp_session_input(sess, text, strlen(text));
    return tq_take(sess);
}

/* Feeds @text; exactly one reply must come back. */
static JsonNode *tq_cmd(QmpSession *sess, const char *text)
{
    g_autoptr(GPtrArray) msgs = NULL;

    qmp_session_input(sess, text, strlen(text));
    msgs = tq_take(sess);
    if (msgs->len != 1) {
        g_error("'%s': %u replies", text, msgs->len);
    }
    return json_node_ref(g_ptr_array_index(msgs, 0));
}

/* A session past the greeting and, if @negotiate, capabilities. */
static QmpSession *tq_session(bool negotiate)
{
    QmpSession *sess = qmp_session_new("test-package");
    g_autoptr(GPtrArray) msgs = NULL;

    qmp_session_open(sess);
    msgs = tq_take(sess);
    g_assert_cmpuint(msgs->len, ==, 1);
    if (negotiate) {
        g_autoptr(JsonNode) r = tq_cmd(sess,
                                       "{\"execute\": \"qmp_capabilities\"}");
        JsonObject *o = json_node_get_object(r);

        g_assert_true(json_object_has_member(o, "return"));
    }
    return sess;
}

/* The "return" member of a success reply (borrowed). */
static JsonNode *tq_return(JsonNode *reply)
{
    JsonObject *o = json_node_get_object(reply);

    if (!json_object_has_member(o, "return")) {
        g_autofree char *s = json_to_string(reply, false);

        g_error("not a success: %s", s);
    }
    g_assert_false(json_object_has_member(o, "error"));
    return json_object_get_member(o, "return");
}

static JsonObject *tq_return_object(JsonNode *reply)
{
    JsonNode *ret = tq_return(reply);

    g_assert_true(JSON_NODE_HOLDS_OBJECT(ret));
    return json_node_get_object(ret);
}

/* An error reply of class @cls whose desc starts with @desc. */
static void tq_error(JsonNode *reply, const char *cls, const char *desc)
{
    JsonObject *o = json_node_get_object(reply);
    JsonObject *err;
    const char *got;

    g_assert_false(json_object_has_member(o, "return"));
    g_assert_true(json_object_has_member(o, "error"));
    err = json_object_get_object_member(o, "error");
    g_assert_cmpstr(json_object_get_string_member(err, "class"), ==, cls);
    got = json_object_get_string_member(err, "desc");
    if (!g_str_has_prefix(got, desc)) {
        g_error("desc '%s', expected '%s...'", got, desc);
    }
}

static void tq_cmd_error(QmpSession *sess, const char *text, const char *cls,
                         const char *desc)
{
    g_autoptr(JsonNode) r = tq_cmd(sess, text);

    tq_error(r, cls, desc);
}

/* The QEMU we claim to be, 7.2.0: libxl checks the major version. */
static void assert_qemu_version(JsonObject *qemu)
{
    g_assert_nonnull(qemu);
    g_assert_cmpint(json_object_get_int_member(qemu, "major"), ==, 7);
    g_assert_cmpint(json_object_get_int_member(qemu, "minor"), ==, 2);
    g_assert_cmpint(json_object_get_int_member(qemu, "micro"), ==, 0);
}

static void test_greeting(void)
{
    QmpSession *sess = qmp_session_new(NULL);
    g_autoptr(GPtrArray) msgs = NULL;
    GString *out = qmp_session_output(sess);
    JsonObject *o, *qmp, *version;

    /* Nothing before a client. */
    g_assert_cmpuint(out->len, ==, 0);
    qmp_session_open(sess);
    g_assert_true(g_str_has_suffix(out->str, "\r\n"));
    msgs = tq_take(sess);
    g_assert_cmpuint(msgs->len, ==, 1);
    o = json_node_get_object(g_ptr_array_index(msgs, 0));
    g_assert_cmpuint(json_object_get_size(o), ==, 1);
    qmp = json_object_get_object_member(o, "QMP");
    g_assert_nonnull(qmp);
    g_assert_cmpuint(json_array_get_length(
        json_object_get_array_member(qmp, "capabilities")), ==, 0);
    version = json_object_get_object_member(qmp, "version");
    g_assert_cmpstr(json_object_get_string_member(version, "package"), ==,
                    "qemu-xenpv 0.1.0");
    assert_qemu_version(json_object_get_object_member(version, "qemu"));
    qmp_session_free(sess);
}

static void test_negotiation(void)
{
    QmpSession *sess = tq_session(false);
    g_autoptr(JsonNode) r = NULL;
    g_autoptr(GPtrArray) msgs = NULL;

    tq_cmd_error(sess, "{\"execute\": \"query-status\"}", "CommandNotFound",
                 "Expecting capabilities negotiation with "
                 "'qmp_capabilities'");
    tq_cmd_error(sess, "{\"execute\": \"no-such\"}", "CommandNotFound",
                 "Expecting capabilities negotiation with "
                 "'qmp_capabilities'");
    tq_cmd_error(sess, "{\"execute\": \"qmp_capabilities\", "
                 "\"arguments\": {\"enable\": [\"oob\"]}}", "GenericError",
                 "Capability 'oob' not available");
    tq_cmd_error(sess, "{\"execute\": \"qmp_capabilities\", "
                 "\"arguments\": {\"bogus\": 1}}", "GenericError",
                 "Parameter 'bogus' is unexpected");
    r = tq_cmd(sess, "{\"execute\": \"qmp_capabilities\", "
               "\"arguments\": {\"enable\": []}}");
    g_assert_cmpuint(json_object_get_size(tq_return_object(r)), ==, 0);
    tq_cmd_error(sess, "{\"execute\": \"qmp_capabilities\"}",
                 "CommandNotFound", "Capabilities negotiation is already "
                 "complete, command ignored");

    /* A new client starts over, with a fresh greeting. */
    qmp_session_input(sess, "{\"execute\": ", 12);
    qmp_session_open(sess);
    msgs = tq_take(sess);
    g_assert_cmpuint(msgs->len, ==, 1);
    g_assert_true(json_object_has_member(
        json_node_get_object(g_ptr_array_index(msgs, 0)), "QMP"));
    tq_cmd_error(sess, "{\"execute\": \"query-status\"}", "CommandNotFound",
                 "Expecting capabilities negotiation");
    qmp_session_free(sess);
}

/*
 * Sends @cmd with @id as written; exactly one reply must come back, of
 * the kind @success says, ending in @echo (the id without the
 * whitespace between its tokens) as its text: ids go back as they came.
 */
static void tq_check_id_as(QmpSession *sess, const char *cmd, const char *id,
                           bool success, const char *echo)
{
    g_autofree char *text = g_strdup_printf("{\"execute\": \"%s\", "
                                            "\"id\": %s}", cmd, id);
    g_autofree char *tail = g_strdup_printf(",\"id\":%s}\r\n", echo);
    GString *out = qmp_session_output(sess);
    g_autoptr(JsonNode) r = NULL;
    JsonObject *o;

    qmp_session_input(sess, text, strlen(text));
    if (!g_str_has_suffix(out->str, tail)) {
        g_error("id %s came back as: %s", id, out->str);
    }
    r = tq_cmd(sess, "");
    o = json_node_get_object(r);
    g_assert_true(json_object_has_member(o, success ? "return" : "error"));
    g_assert_true(json_object_has_member(o, "id"));
}

static void tq_check_id(QmpSession *sess, const char *cmd, const char *id,
                        bool success)
{
    tq_check_id_as(sess, cmd, id, success, id);
}

static void test_id_echo(void)
{
    QmpSession *sess = tq_session(false);
    g_autoptr(JsonNode) r = NULL;
    /* What json-glib reads as something else: each comes back as sent. */
    static const char *const numbers[] = {
        "1e999", "-1e999", "1e308", "1E+2", "2.50", "0.1", "-0", "-0.0",
        "18446744073709551615", "18446744073709551616",
        "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809",
        "123456789012345678901234567890", "1e-400", "4.9e-324",
    };

    /* Errors carry the id too, negotiation ones included. */
    tq_check_id(sess, "query-status", "7", false);
    g_ptr_array_unref(tq_take_after(sess, "{\"execute\": "
                                    "\"qmp_capabilities\"}"));
    tq_check_id(sess, "query-status", "42", true);
    tq_check_id(sess, "query-status", "-1234567890123", true);
    tq_check_id(sess, "query-status", "\"libxl-3\"", true);
    tq_check_id(sess, "query-status",
                "{\"a\":[1,\"x\",null],\"b\":true}", true);
    tq_check_id(sess, "query-status", "null", true);
    tq_check_id(sess, "query-status", "false", true);
    tq_check_id(sess, "query-status", "[]", true);
    tq_check_id(sess, "query-status", "{}", true);
    tq_check_id(sess, "query-status", "\"\"", true);
    tq_check_id(sess, "no-such", "\"e\"", false);
    for (size_t i = 0; i < G_N_ELEMENTS(numbers); i++) {
        tq_check_id(sess, "query-status", numbers[i], true);
        tq_check_id(sess, "no-such", numbers[i], false);
    }
    /* Escapes stay as written, whatever they stand for. */
    tq_check_id(sess, "query-status",
                "\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u00e9\\u00E9\\ud83d\\ude00"
                "\\u0000\\u001f\"", true);
    tq_check_id(sess, "query-status", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
                true);
    /* Whitespace between tokens goes: a reply stays on one line. */
    tq_check_id_as(sess, "query-status",
                   "{ \"a\" :\r\n [ 1 ,\t1e999 , \" x y \" ] ,\n\"b\":{ } }",
                   true, "{\"a\":[1,1e999,\" x y \"],\"b\":{}}");
    tq_check_id_as(sess, "no-such", "[\n18446744073709551615\n]", false,
                   "[18446744073709551615]");
    /* Only the request's own id: one inside the arguments is not it. */
    r = tq_cmd(sess, "{\"execute\": \"query-status\", "
               "\"arguments\": {\"id\": 5}}");
    tq_error(r, "GenericError", "Parameter 'id' is unexpected");
    g_assert_false(json_object_has_member(json_node_get_object(r), "id"));
    g_clear_pointer(&r, json_node_unref);

    /* No id in, no id out. */
    r = tq_cmd(sess, "{\"execute\": \"query-status\"}");
    g_assert_false(json_object_has_member(json_node_get_object(r), "id"));
    qmp_session_free(sess);
}

static void test_builtins(void)
{
    QmpSession *sess = tq_session(true);
    g_autoptr(JsonNode) version = NULL;
    g_autoptr(JsonNode) commands = NULL;
    g_autoptr(JsonNode) status = NULL;
    g_autoptr(JsonNode) vnc = NULL;
    g_autoptr(JsonNode) quit = NULL;
    JsonObject *o;
    JsonNode *ret;
    JsonArray *list;
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    static const char *const expected[] = {
        "qmp_capabilities", "query-version", "query-commands",
        "query-status", "quit", "query-vnc", "change-vnc-password",
    };

    version = tq_cmd(sess, "{\"execute\": \"query-version\"}");
    o = tq_return_object(version);
    g_assert_cmpstr(json_object_get_string_member(o, "package"), ==,
                    "test-package");
    assert_qemu_version(json_object_get_object_member(o, "qemu"));

    commands = tq_cmd(sess, "{\"execute\": \"query-commands\"}");
    ret = tq_return(commands);
    g_assert_true(JSON_NODE_HOLDS_ARRAY(ret));
    list = json_node_get_array(ret);
    g_assert_cmpuint(json_array_get_length(list), ==, G_N_ELEMENTS(expected));
    for (unsigned i = 0; i < json_array_get_length(list); i++) {
        JsonObject *c = json_array_get_object_element(list, i);

        g_assert_cmpuint(json_object_get_size(c), ==, 1);
        g_hash_table_add(names,
                         (char *)json_object_get_string_member(c, "name"));
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(expected); i++) {
        g_assert_true(g_hash_table_contains(names, expected[i]));
    }

    status = tq_cmd(sess, "{\"execute\": \"query-status\"}");
    o = tq_return_object(status);
    g_assert_cmpstr(json_object_get_string_member(o, "status"), ==,
                    "running");
    g_assert_true(json_object_get_boolean_member(o, "running"));
    g_assert_false(json_object_get_boolean_member(o, "singlestep"));

    vnc = tq_cmd(sess, "{\"execute\": \"query-vnc\"}");
    o = tq_return_object(vnc);
    g_assert_cmpuint(json_object_get_size(o), ==, 1);
    g_assert_false(json_object_get_boolean_member(o, "enabled"));
    tq_cmd_error(sess, "{\"execute\": \"change-vnc-password\", "
                 "\"arguments\": {\"password\": \"x\"}}", "GenericError",
                 "Could not set password");

    /* Parameterless commands refuse parameters. */
    tq_cmd_error(sess, "{\"execute\": \"query-status\", "
                 "\"arguments\": {\"x\": 1}}", "GenericError",
                 "Parameter 'x' is unexpected");

    g_assert_false(qmp_session_quit_requested(sess));
    quit = tq_cmd(sess, "{\"execute\": \"quit\", \"id\": 9}");
    g_assert_cmpuint(json_object_get_size(tq_return_object(quit)), ==, 0);
    g_assert_true(qmp_session_quit_requested(sess));
    /* After quit, input is ignored. */
    qmp_session_input(sess, "{\"execute\": \"query-status\"}",
                      strlen("{\"execute\": \"query-status\"}"));
    g_assert_cmpuint(qmp_session_output(sess)->len, ==, 0);
    qmp_session_free(sess);
}

static void test_errors(void)
{
    QmpSession *sess = tq_session(true);
    g_autoptr(JsonNode) r = NULL;

    tq_cmd_error(sess, "{\"execute\": \"query-block\"}", "CommandNotFound",
                 "The command query-block has not been found");
    tq_cmd_error(sess, "{\"execute\": }", "GenericError",
                 "JSON parse error, ");
    tq_cmd_error(sess, "{\"execute\" \"x\"}", "GenericError",
                 "JSON parse error, ");
    tq_cmd_error(sess, "}", "GenericError", "JSON parse error, ");
    tq_cmd_error(sess, "{\"a\": \"\xff\"}", "GenericError",
                 "JSON parse error, invalid UTF-8");
    /* A lone surrogate would come back as invalid UTF-8. */
    tq_cmd_error(sess, "{\"execute\": \"x\", \"id\": \"\\ud83dx\"}",
                 "GenericError", "JSON parse error, invalid \\u escape");
    tq_cmd_error(sess, "{\"execute\": \"x\", \"id\": \"\\ude00\"}",
                 "GenericError", "JSON parse error, invalid \\u escape");
    tq_cmd_error(sess, "{\"execute\": \"x\", \"id\": \"\\ud83d\\u00e9\"}",
                 "GenericError", "JSON parse error, invalid \\u escape");
    tq_cmd_error(sess, "{\"execute\": \"x\", \"id\": \"\\ud83d\\ude00\"}",
                 "CommandNotFound", "The command x has not been found");
    tq_cmd_error(sess, "[{\"execute\": \"quit\"}]", "GenericError",
                 "QMP input must be a JSON object");
    tq_cmd_error(sess, "\"quit\"", "GenericError",
                 "QMP input must be a JSON object");
    tq_cmd_error(sess, "42 ", "GenericError",
                 "QMP input must be a JSON object");
    tq_cmd_error(sess, "{\"id\": 1}", "GenericError",
                 "QMP input lacks member 'execute'");
    tq_cmd_error(sess, "{\"execute\": 1}", "GenericError",
                 "QMP input member 'execute' must be a string");
    tq_cmd_error(sess, "{\"execute\": \"quit\", \"arguments\": []}",
                 "GenericError",
                 "QMP input member 'arguments' must be an object");
    tq_cmd_error(sess, "{\"execute\": \"quit\", \"foo\": 1}", "GenericError",
                 "QMP input member 'foo' is unexpected");
    /* Still alive and well after all that. */
    g_assert_false(qmp_session_quit_requested(sess));
    r = tq_cmd(sess, "{\"execute\": \"query-status\"}");
    tq_return_object(r);
    qmp_session_free(sess);
}

static void test_framing(void)
{
    QmpSession *sess = tq_session(true);
    static const char two[] =
        "{\"execute\": \"query-status\", \"id\": 1}\r\n"
        "  {\"execute\": \"query-version\", \"id\": \"}{\\\"\"}";
    static const char one[] =
        "{\"execute\": \"query-status\", \"arguments\": {}, "
        "\"id\": {\"s\": \"a}b\\\\\", \"t\": [\"{\"]}}";
    g_autoptr(GPtrArray) msgs = NULL;
    g_autoptr(GPtrArray) split = NULL;
    JsonObject *o;

    /* Two requests in one chunk: two replies, in order. */
    qmp_session_input(sess, two, strlen(two));
    msgs = tq_take(sess);
    g_assert_cmpuint(msgs->len, ==, 2);
    o = json_node_get_object(g_ptr_array_index(msgs, 0));
    g_assert_cmpint(json_object_get_int_member(o, "id"), ==, 1);
    g_assert_true(json_object_has_member(
        json_object_get_object_member(o, "return"), "running"));
    o = json_node_get_object(g_ptr_array_index(msgs, 1));
    g_assert_cmpstr(json_object_get_string_member(o, "id"), ==, "}{\"");
    g_assert_true(json_object_has_member(
        json_object_get_object_member(o, "return"), "qemu"));

    /* One request a byte at a time: nothing until the last byte. */
    for (size_t i = 0; i < strlen(one); i++) {
        g_assert_cmpuint(qmp_session_output(sess)->len, ==, 0);
        qmp_session_input(sess, one + i, 1);
    }
    split = tq_take(sess);
    g_assert_cmpuint(split->len, ==, 1);
    o = json_node_get_object(g_ptr_array_index(split, 0));
    g_assert_true(json_object_has_member(o, "return"));
    o = json_object_get_object_member(o, "id");
    g_assert_cmpstr(json_object_get_string_member(o, "s"), ==, "a}b\\");
    qmp_session_free(sess);
}

/* A machine command: echoes its "value" argument, which it requires. */
static bool tq_cmd_echo(void *opaque, JsonObject *args, JsonNode **ret,
                        Error **errp)
{
    unsigned *calls = opaque;

    (*calls)++;
    if (!args || !json_object_has_member(args, "value")) {
        error_setg(errp, "Parameter 'value' is missing");
        return false;
    }
    *ret = json_node_copy(json_object_get_member(args, "value"));
    return true;
}

/* Returns nothing: the reply is {}. */
static bool tq_cmd_nothing(void *opaque, JsonObject *args, JsonNode **ret,
                           Error **errp)
{
    return true;
}

static void test_command(void)
{
    QmpSession *sess = tq_session(true);
    const char *text;
    unsigned calls = 0;
    g_autoptr(JsonNode) r = NULL;
    g_autoptr(JsonNode) vnc = NULL;
    JsonNode *ret;

    qmp_session_add_command(sess, "x-echo", tq_cmd_echo, &calls);
    r = tq_cmd(sess, "{\"execute\": \"x-echo\", \"id\": 5, "
               "\"arguments\": {\"value\": [1, {\"k\": \"v\"}]}}");
    ret = tq_return(r);
    g_assert_true(JSON_NODE_HOLDS_ARRAY(ret));
    g_assert_cmpuint(json_array_get_length(json_node_get_array(ret)), ==, 2);
    tq_cmd_error(sess, "{\"execute\": \"x-echo\"}", "GenericError",
                 "Parameter 'value' is missing");
    g_assert_cmpuint(calls, ==, 2);

    /*
     * What a command returns is written as JSON, doubles included, which
     * json-glib's generator gets wrong ("inf.0", "1e+308.0"); a number
     * JSON cannot hold comes back as null.
     */
    text = "{\"execute\": \"x-echo\", \"arguments\": {\"value\": "
           "[1e999, -1e999, 1e308, 0.1, 1.5, -0.0, 1E+2, 5e-324, 7, "
           "\"a\\u0001\\n\\\"\\u00e9\"]}}";
    qmp_session_input(sess, text, strlen(text));
    g_assert_cmpstr(qmp_session_output(sess)->str, ==,
                    "{\"return\":[null,null,1e+308,0.1,1.5,-0,100,"
                    "4.94065645841247e-324,7,\"a\\u0001\\n\\\"\xc3\xa9\"]}"
                    "\r\n");
    g_string_truncate(qmp_session_output(sess), 0);

    /* A default is replaced. */
    qmp_session_add_command(sess, "query-vnc", tq_cmd_nothing, NULL);
    vnc = tq_cmd(sess, "{\"execute\": \"query-vnc\"}");
    g_assert_cmpuint(json_object_get_size(tq_return_object(vnc)), ==, 0);
    qmp_session_free(sess);
}

/* A parse error: GenericError, no id (there is no request to take it from). */
static void tq_parse_error(QmpSession *sess, const char *text,
                           const char *desc)
{
    g_autoptr(JsonNode) r = tq_cmd(sess, text);

    tq_error(r, "GenericError", desc);
    g_assert_false(json_object_has_member(json_node_get_object(r), "id"));
}

static void test_duplicate_keys(void)
{
    QmpSession *sess = tq_session(true);
    unsigned calls = 0;
    g_autoptr(JsonNode) r = NULL;
    g_autoptr(JsonNode) distinct = NULL;

    qmp_session_add_command(sess, "x-echo", tq_cmd_echo, &calls);
    /* json-glib alone keeps the last one: this would quit. */
    tq_parse_error(sess, "{\"execute\": \"query-status\", "
                   "\"execute\": \"quit\"}", "JSON parse error, duplicate key");
    g_assert_false(qmp_session_quit_requested(sess));
    /* Keys compare as decoded: \u0065 is an 'e'. */
    tq_parse_error(sess, "{\"execute\": \"query-status\", "
                   "\"\\u0065xecute\": \"quit\"}",
                   "JSON parse error, duplicate key");
    tq_parse_error(sess, "{\"execute\": \"quit\", \"id\": 1, \"id\": 2}",
                   "JSON parse error, duplicate key");
    /* At any depth: in the arguments, in the id. */
    tq_parse_error(sess, "{\"execute\": \"x-echo\", "
                   "\"arguments\": {\"value\": 1, \"value\": 2}}",
                   "JSON parse error, duplicate key");
    tq_parse_error(sess, "{\"execute\": \"query-status\", "
                   "\"id\": [0, {\"a\": {\"b\": 1, \"c\": {}, \"b\": 1}}]}",
                   "JSON parse error, duplicate key");
    g_assert_false(qmp_session_quit_requested(sess));
    g_assert_cmpuint(calls, ==, 0);

    /* Keys that differ only in case, or past a U+0000, are distinct. */
    distinct = tq_cmd(sess, "{\"execute\": \"x-echo\", \"arguments\": "
                      "{\"value\": {\"k\": 1, \"K\": 2, \"a\\u0000b\": 3, "
                      "\"a\\u0000c\": 4}}}");
    tq_return_object(distinct);
    g_assert_cmpuint(calls, ==, 1);
    /* The session goes on. */
    r = tq_cmd(sess, "{\"execute\": \"query-status\"}");
    tq_return_object(r);
    qmp_session_free(sess);
}

/* What json-glib takes but is not JSON is refused, and not run. */
static void test_strict_json(void)
{
    QmpSession *sess = tq_session(true);
    g_autoptr(JsonNode) r = NULL;
    static const struct {
        const char *text;
        const char *desc;
    } cases[] = {
        { "{'execute': 'quit'}", "JSON parse error, key is not a string" },
        { "{\"execute\": 'quit'}", "JSON parse error, stray '''" },
        { "{\"execute\": \"quit\", \"id\": 0x10}",
          "JSON parse error, stray '0x10'" },
        { "{\"execute\": \"quit\", \"id\": 010}",
          "JSON parse error, stray '010'" },
        { "{\"execute\": \"quit\", \"id\": 1.}",
          "JSON parse error, stray '1.'" },
        { "{\"execute\": \"quit\", \"id\": .5}",
          "JSON parse error, stray '.'" },
        { "{\"execute\": \"quit\", \"id\": +1}",
          "JSON parse error, stray '+'" },
        { "{\"execute\": \"quit\", \"id\": -}",
          "JSON parse error, stray '-'" },
        { "{\"execute\": \"quit\", \"id\": 1e}",
          "JSON parse error, stray '1e'" },
        { "{\"execute\": \"quit\", \"id\": NaN}",
          "JSON parse error, invalid keyword 'NaN'" },
        { "{\"execute\": \"quit\", \"id\": Infinity}",
          "JSON parse error, invalid keyword 'Infinity'" },
        { "{\"execute\": \"quit\", \"id\": nul}",
          "JSON parse error, invalid keyword 'nul'" },
        { "{\"execute\": \"quit\", \"id\": /* c */ 1}",
          "JSON parse error, stray '/'" },
        { "{\"execute\": \"quit\", \"id\": \"a\tb\"}",
          "JSON parse error, control character 0x09 in string" },
        { "{\"execute\": \"quit\", \"id\": \"\\x41\"}",
          "JSON parse error, invalid escape sequence in string" },
        { "{\"execute\": \"quit\", \"id\": \"\\u12\"}",
          "JSON parse error, invalid \\u escape" },
        { "{\"execute\": \"quit\",}",
          "JSON parse error, key is not a string" },
        { "{\"execute\": \"quit\", \"id\": [1,]}",
          "JSON parse error, expecting value" },
        { "{\"execute\": \"quit\", \"id\": [1 2]}",
          "JSON parse error, expected separator in list" },
        { "{\"execute\": \"quit\" \"id\": 1}",
          "JSON parse error, expected separator in dict" },
        { "{\"execute\": \"quit\", \"id\" 1}",
          "JSON parse error, missing : in object pair" },
        { "{\"execute\": \"quit\", \"id\": \xc3\xa9}",
          "JSON parse error, stray '\xc3\xa9'" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        tq_parse_error(sess, cases[i].text, cases[i].desc);
    }
    g_assert_false(qmp_session_quit_requested(sess));
    r = tq_cmd(sess, "{\"execute\": \"query-status\", \"id\": "
               "[-0, 0.5e-3, 1E+2, -12.25, true, false, null, \"\\/\"]}");
    tq_return_object(r);
    qmp_session_free(sess);
}

static void test_limits(void)
{
    QmpSession *sess = tq_session(true);
    g_autoptr(GString) big = g_string_new("{\"execute\": \"");
    g_autoptr(GString) deep = g_string_new("{\"execute\": \"x\", \"id\": ");
    g_autoptr(GPtrArray) msgs = NULL;
    g_autoptr(JsonNode) r = NULL;
    JsonNode *tail;

    /* Over the limit: one error, then the rest of it is skipped. */
    for (size_t i = 0; i < QMP_INPUT_MAX / 64 + 1; i++) {
        g_string_append(big, "0123456789abcdef0123456789abcdef"
                        "0123456789abcdef0123456789abcde}");
    }
    g_string_append(big, "\"}{\"execute\": \"query-status\"}");
    qmp_session_input(sess, big->str, big->len);
    msgs = tq_take(sess);
    g_assert_cmpuint(msgs->len, ==, 2);
    tq_error(g_ptr_array_index(msgs, 0), "GenericError",
             "JSON parse error, input too long");
    tail = g_ptr_array_index(msgs, 1);
    tq_return_object(tail);
    g_ptr_array_unref(g_steal_pointer(&msgs));

    /* Too deep: refused before json-glib recurses through it. */
    for (int i = 0; i < QMP_NESTING_MAX + 10; i++) {
        g_string_append(deep, "[{\"a\": ");
    }
    g_string_append(deep, "1");
    for (int i = 0; i < QMP_NESTING_MAX + 10; i++) {
        g_string_append(deep, "}]");
    }
    g_string_append(deep, "}");
    qmp_session_input(sess, deep->str, deep->len);
    msgs = tq_take(sess);
    g_assert_cmpuint(msgs->len, ==, 1);
    tq_error(g_ptr_array_index(msgs, 0), "GenericError",
             "JSON parse error, nesting too deep");

    r = tq_cmd(sess, "{\"execute\": \"query-status\"}");
    tq_return_object(r);
    qmp_session_free(sess);
}

/* One client over a unix socket chardev, through the event loop. */

typedef struct TqServer {
    EventLoop *loop;
    ChardevSet *set;
    QmpServer *qmp;
    char *dir;
    char *path;
    GString *rx;
    unsigned quits;
} TqServer;

static void tq_quit(void *opaque)
{
    TqServer *t = opaque;

    t->quits++;
}

static void tq_no_error(Error *err)
{
    if (err) {
        g_error("unexpected error: %s", error_get_pretty(err));
    }
}

/* Runs the loop, reading from @fd, until a whole message is in. */
static JsonNode *tq_client_recv(TqServer *t, int fd)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
    char *nl;
    JsonNode *msg;

    while (!(nl = strstr(t->rx->str, "\r\n"))) {
        char buf[512];
        ssize_t n;

        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_assert_true(event_loop_run_once(t->loop, 10, NULL));
        n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            g_assert_cmpint(errno, ==, EAGAIN);
            continue;
        }
        g_assert_cmpint(n, >, 0);
        g_string_append_len(t->rx, buf, n);
    }
    msg = tq_parse(t->rx->str, nl - t->rx->str);
    g_string_erase(t->rx, 0, nl + 2 - t->rx->str);
    return msg;
}

static JsonNode *tq_client_cmd(TqServer *t, int fd, const char *text)
{
    g_assert_cmpint(write(fd, text, strlen(text)), ==, strlen(text));
    return tq_client_recv(t, fd);
}

static int tq_client_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==,
                    0);
    return fd;
}

static void tq_client_session(TqServer *t)
{
    int fd = tq_client_connect(t->path);
    g_autoptr(JsonNode) greeting = tq_client_recv(t, fd);
    g_autoptr(JsonNode) caps = NULL;
    g_autoptr(JsonNode) status = NULL;
    g_autoptr(JsonNode) quit = NULL;
    unsigned quits = t->quits;
    JsonObject *o;

    g_assert_true(json_object_has_member(json_node_get_object(greeting),
                                         "QMP"));
    caps = tq_client_cmd(t, fd, "{\"execute\": \"qmp_capabilities\", "
                         "\"id\": 1}");
    tq_return_object(caps);
    status = tq_client_cmd(t, fd, "{\"execute\": \"query-status\", "
                           "\"id\": 2}");
    o = tq_return_object(status);
    g_assert_true(json_object_get_boolean_member(o, "running"));
    g_assert_cmpint(json_object_get_int_member(json_node_get_object(status),
                                               "id"), ==, 2);
    g_assert_cmpuint(t->quits, ==, quits);
    quit = tq_client_cmd(t, fd, "{\"execute\": \"quit\", \"id\": 3}");
    tq_return_object(quit);
    g_assert_cmpuint(t->quits, ==, quits + 1);
    close(fd);
}

static void test_socket(void)
{
    TqServer t = { 0 };
    Error *err = NULL;
    g_autofree char *spec = NULL;
    QemuOpts *opts;
    Chardev *chr;

    t.loop = event_loop_new(&err);
    tq_no_error(err);
    t.set = chardev_set_new(t.loop);
    t.dir = g_dir_make_tmp("test-qmp-XXXXXX", NULL);
    g_assert_nonnull(t.dir);
    t.path = g_build_filename(t.dir, "qmp", NULL);
    t.rx = g_string_new(NULL);
    spec = g_strdup_printf("socket,id=m,path=%s,server=on,wait=off", t.path);
    opts = chardev_opts_parse(spec, &err);
    tq_no_error(err);
    chr = chardev_set_add_opts(t.set, opts, &err);
    qemu_opts_free(opts);
    tq_no_error(err);
    t.qmp = qmp_server_new(t.loop, chr, NULL, tq_quit, &t, &err);
    tq_no_error(err);

    /* The chardev has its user now. */
    g_assert_null(qmp_server_new(t.loop, chr, NULL, NULL, NULL, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;

    tq_client_session(&t);
    /* A second client negotiates afresh (quit did not stop our loop). */
    g_string_truncate(t.rx, 0);
    tq_client_session(&t);
    g_assert_cmpuint(t.quits, ==, 2);

    qmp_server_free(t.qmp);
    chardev_set_free(t.set);
    event_loop_free(t.loop);
    g_unlink(t.path);
    g_rmdir(t.dir);
    g_free(t.path);
    g_free(t.dir);
    g_string_free(t.rx, true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/greeting", test_greeting);
    g_test_add_func("/qmp/negotiation", test_negotiation);
    g_test_add_func("/qmp/id-echo", test_id_echo);
    g_test_add_func("/qmp/builtins", test_builtins);
    g_test_add_func("/qmp/errors", test_errors);
    g_test_add_func("/qmp/framing", test_framing);
    g_test_add_func("/qmp/command", test_command);
    g_test_add_func("/qmp/duplicate-keys", test_duplicate_keys);
    g_test_add_func("/qmp/strict-json", test_strict_json);
    g_test_add_func("/qmp/limits", test_limits);
    g_test_add_func("/qmp/socket", test_socket);
    return g_test_run();
}
