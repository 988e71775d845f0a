/*
 * The QMP monitor: the protocol of one connection (QmpSession) and its
 * glue to a chardev (QmpServer). Messages and error wording follow
 * QEMU 7.2's monitor/qmp.c and qapi/qmp-dispatch.c, which is what
 * libxl_qmp.c was written against.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "qmp"

#include "monitor/qmp.h"
#include "config-host.h"
#include "monitor/qmp-json.h"

#include <string.h>

#include "util/trace.h"

#define QMP_DEFAULT_PACKAGE "qemu-xenpv " QEMU_XENPV_VERSION

/* What the server reads from the chardev at a time. */
#define QMP_READ_CHUNK 4096
/*
 * Input stops while this much output waits: a client that sends
 * requests without reading the replies must not make us grow forever.
 */
#define QMP_OUTPUT_HIGH (64 * 1024)

/* Where the framer is in the input stream. */
typedef enum QmpFrame {
    QMP_FRAME_IDLE,         /* between values: whitespace is skipped */
    QMP_FRAME_VALUE,        /* inside an object, array or string */
    QMP_FRAME_SCALAR,       /* a bare number or literal at top level */
} QmpFrame;

struct QmpSession {
    char *package;
    GHashTable *commands;       /* name -> QmpCommand */
    GString *in;                /* the value being framed */
    GString *out;
    QmpFrame frame;
    unsigned depth;
    bool in_string;
    bool escape;
    /* The current value broke a limit: it is skipped to its end. */
    bool discarding;
    bool negotiated;
    bool quit;
};

struct QmpServer {
    EventLoop *loop;
    Chardev *chr;
    QmpSession *sess;
    void (*quit)(void *opaque);
    void *quit_opaque;
    bool quit_called;
    bool write_watch;
};

/* Replies. */

static JsonNode *qmp_node_object(JsonObject *obj)
{
    JsonNode *node = json_node_alloc();

    json_node_init_object(node, obj);
    json_object_unref(obj);
    return node;
}

static JsonNode *qmp_empty_object(void)
{
    return qmp_node_object(json_object_new());
}

/*
 * Queues @msg (taken) with @id, the request's id as its text (or NULL),
 * as its last member: spliced in, so that it goes out exactly as it
 * came in.
 */
static void qmp_send(QmpSession *sess, JsonObject *msg, const char *id)
{
    g_autoptr(JsonNode) root = qmp_node_object(msg);

    qmp_json_append(sess->out, root);
    if (id) {
        /* Our messages are never empty: there is a member before it. */
        g_string_truncate(sess->out, sess->out->len - 1);
        g_string_append_printf(sess->out, ",\"id\":%s}", id);
    }
    g_string_append(sess->out, "\r\n");
}

/* Takes @ret; @id as for qmp_send(). */
static void qmp_reply_return(QmpSession *sess, JsonNode *ret, const char *id)
{
    JsonObject *msg = json_object_new();

    json_object_set_member(msg, "return", ret);
    qmp_send(sess, msg, id);
}

static void G_GNUC_PRINTF(4, 5)
qmp_reply_error(QmpSession *sess, const char *id, const char *cls,
                const char *fmt, ...)
{
    JsonObject *msg = json_object_new();
    JsonObject *err = json_object_new();
    g_autofree char *desc = NULL;
    va_list ap;

    va_start(ap, fmt);
    desc = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* Names from the request end up here: keep the output valid UTF-8. */
    if (!g_utf8_validate(desc, -1, NULL)) {
        char *valid = g_utf8_make_valid(desc, -1);

        g_free(desc);
        desc = valid;
    }
    trace("error %s: %s", cls, desc);
    json_object_set_string_member(err, "class", cls);
    json_object_set_string_member(err, "desc", desc);
    json_object_set_object_member(msg, "error", err);
    qmp_send(sess, msg, id);
}

static JsonObject *qmp_version_object(QmpSession *sess)
{
    JsonObject *version = json_object_new();
    JsonObject *qemu = json_object_new();

    json_object_set_int_member(qemu, "micro", QMP_QEMU_MICRO);
    json_object_set_int_member(qemu, "minor", QMP_QEMU_MINOR);
    json_object_set_int_member(qemu, "major", QMP_QEMU_MAJOR);
    json_object_set_object_member(version, "qemu", qemu);
    json_object_set_string_member(version, "package", sess->package);
    return version;
}

/* Built-in commands. */

/* Built-ins without parameters refuse any, as QEMU's generated code. */
static bool qmp_no_args(JsonObject *args, Error **errp)
{
    g_autoptr(GList) names = NULL;

    if (!args || !json_object_get_size(args)) {
        return true;
    }
    names = json_object_get_members(args);
    error_setg(errp, "Parameter '%s' is unexpected",
               (const char *)names->data);
    return false;
}

static bool qmp_cmd_capabilities(void *opaque, JsonObject *args,
                                 JsonNode **ret, Error **errp)
{
    QmpSession *sess = opaque;

    if (args) {
        g_autoptr(GList) names = json_object_get_members(args);

        for (GList *l = names; l; l = l->next) {
            JsonNode *node = json_object_get_member(args, l->data);
            JsonArray *enable;

            if (strcmp(l->data, "enable")) {
                error_setg(errp, "Parameter '%s' is unexpected",
                           (const char *)l->data);
                return false;
            }
            if (!JSON_NODE_HOLDS_ARRAY(node)) {
                error_setg(errp, "Invalid parameter type for 'enable', "
                           "expected: array");
                return false;
            }
            /* We offer no capabilities (no "oob"): any named is refused. */
            enable = json_node_get_array(node);
            if (json_array_get_length(enable)) {
                JsonNode *cap = json_array_get_element(enable, 0);

                if (JSON_NODE_HOLDS_VALUE(cap) &&
                    json_node_get_value_type(cap) == G_TYPE_STRING) {
                    error_setg(errp, "Capability '%s' not available",
                               json_node_get_string(cap));
                } else {
                    error_setg(errp, "Invalid parameter type for "
                               "'enable[0]', expected: string");
                }
                return false;
            }
        }
    }
    sess->negotiated = true;
    return true;
}

static bool qmp_cmd_query_version(void *opaque, JsonObject *args,
                                  JsonNode **ret, Error **errp)
{
    if (!qmp_no_args(args, errp)) {
        return false;
    }
    *ret = qmp_node_object(qmp_version_object(opaque));
    return true;
}

static gint qmp_compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(a, b);
}

static bool qmp_cmd_query_commands(void *opaque, JsonObject *args,
                                   JsonNode **ret, Error **errp)
{
    QmpSession *sess = opaque;
    g_autoptr(GList) names = NULL;
    JsonArray *list = json_array_new();

    if (!qmp_no_args(args, errp)) {
        json_array_unref(list);
        return false;
    }
    /* Sorted, so that the answer does not depend on hashing. */
    names = g_list_sort(g_hash_table_get_keys(sess->commands),
                        qmp_compare_names);
    for (GList *l = names; l; l = l->next) {
        JsonObject *cmd = json_object_new();

        json_object_set_string_member(cmd, "name", l->data);
        json_array_add_object_element(list, cmd);
    }
    *ret = json_node_alloc();
    json_node_init_array(*ret, list);
    json_array_unref(list);
    return true;
}

static bool qmp_cmd_query_status(void *opaque, JsonObject *args,
                                 JsonNode **ret, Error **errp)
{
    JsonObject *status;

    if (!qmp_no_args(args, errp)) {
        return false;
    }
    status = json_object_new();
    json_object_set_string_member(status, "status", "running");
    json_object_set_boolean_member(status, "singlestep", false);
    json_object_set_boolean_member(status, "running", true);
    *ret = qmp_node_object(status);
    return true;
}

static bool qmp_cmd_quit(void *opaque, JsonObject *args, JsonNode **ret,
                         Error **errp)
{
    QmpSession *sess = opaque;

    if (!qmp_no_args(args, errp)) {
        return false;
    }
    sess->quit = true;
    return true;
}

static bool qmp_cmd_query_vnc(void *opaque, JsonObject *args, JsonNode **ret,
                              Error **errp)
{
    JsonObject *vnc;

    if (!qmp_no_args(args, errp)) {
        return false;
    }
    vnc = json_object_new();
    json_object_set_boolean_member(vnc, "enabled", false);
    *ret = qmp_node_object(vnc);
    return true;
}

static bool qmp_cmd_change_vnc_password(void *opaque, JsonObject *args,
                                        JsonNode **ret, Error **errp)
{
    /* There is no VNC server whose password could change. */
    error_setg(errp, "Could not set password");
    return false;
}

/* The session. */

static void qmp_command_free(gpointer data)
{
    QmpCommand *cmd = data;

    g_free((char *)cmd->name);
    g_free(cmd);
}

QmpSession *qmp_session_new(const char *package)
{
    QmpSession *sess = g_new0(QmpSession, 1);

    sess->package = g_strdup(package ? package : QMP_DEFAULT_PACKAGE);
    /* The key is the value's name, freed with it. */
    sess->commands = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                           qmp_command_free);
    sess->in = g_string_new(NULL);
    sess->out = g_string_new(NULL);
    qmp_session_add_command(sess, "qmp_capabilities", qmp_cmd_capabilities,
                            sess);
    qmp_session_add_command(sess, "query-version", qmp_cmd_query_version,
                            sess);
    qmp_session_add_command(sess, "query-commands", qmp_cmd_query_commands,
                            sess);
    qmp_session_add_command(sess, "query-status", qmp_cmd_query_status, sess);
    qmp_session_add_command(sess, "quit", qmp_cmd_quit, sess);
    qmp_session_add_command(sess, "query-vnc", qmp_cmd_query_vnc, sess);
    qmp_session_add_command(sess, "change-vnc-password",
                            qmp_cmd_change_vnc_password, sess);
    return sess;
}

void qmp_session_free(QmpSession *sess)
{
    if (!sess) {
        return;
    }
    g_hash_table_unref(sess->commands);
    g_string_free(sess->in, true);
    g_string_free(sess->out, true);
    g_free(sess->package);
    g_free(sess);
}

void qmp_session_add_command(QmpSession *sess, const char *name,
                             QmpCommandFn *fn, void *opaque)
{
    QmpCommand *cmd = g_new0(QmpCommand, 1);
    QmpCommand *old = g_hash_table_lookup(sess->commands, name);

    cmd->name = g_strdup(name);
    cmd->fn = fn;
    cmd->opaque = opaque;
    /*
     * The key lives in the value: inserting over the old pair would keep
     * its freed key, so take it out first.
     */
    if (old) {
        g_hash_table_steal(sess->commands, name);
        qmp_command_free(old);
    }
    g_hash_table_insert(sess->commands, (char *)cmd->name, cmd);
}

static void qmp_frame_reset(QmpSession *sess)
{
    g_string_truncate(sess->in, 0);
    sess->frame = QMP_FRAME_IDLE;
    sess->depth = 0;
    sess->in_string = false;
    sess->escape = false;
    sess->discarding = false;
}

void qmp_session_close(QmpSession *sess)
{
    qmp_frame_reset(sess);
    g_string_truncate(sess->out, 0);
    sess->negotiated = false;
    sess->quit = false;
}

void qmp_session_open(QmpSession *sess)
{
    JsonObject *msg = json_object_new();
    JsonObject *qmp = json_object_new();

    qmp_session_close(sess);
    trace("session opened: greeting sent");
    json_object_set_object_member(qmp, "version", qmp_version_object(sess));
    json_object_set_array_member(qmp, "capabilities", json_array_new());
    json_object_set_object_member(msg, "QMP", qmp);
    qmp_send(sess, msg, NULL);
}

GString *qmp_session_output(QmpSession *sess)
{
    return sess->out;
}

bool qmp_session_quit_requested(const QmpSession *sess)
{
    return sess->quit;
}

static void qmp_dispatch(QmpSession *sess, const char *name, JsonObject *args,
                         const char *id)
{
    QmpCommand *cmd;
    JsonNode *ret = NULL;
    Error *err = NULL;

    trace("command %s", name);
    if (!sess->negotiated && strcmp(name, "qmp_capabilities")) {
        qmp_reply_error(sess, id, "CommandNotFound",
                        "Expecting capabilities negotiation with "
                        "'qmp_capabilities'");
        return;
    }
    if (sess->negotiated && !strcmp(name, "qmp_capabilities")) {
        qmp_reply_error(sess, id, "CommandNotFound",
                        "Capabilities negotiation is already complete, "
                        "command ignored");
        return;
    }
    cmd = g_hash_table_lookup(sess->commands, name);
    if (!cmd) {
        qmp_reply_error(sess, id, "CommandNotFound",
                        "The command %s has not been found", name);
        return;
    }
    if (!cmd->fn(cmd->opaque, args, &ret, &err)) {
        if (ret) {
            json_node_unref(ret);
        }
        qmp_reply_error(sess, id, err ? error_get_class(err) : "GenericError",
                        "%s", err ? error_get_pretty(err) : "Command failed");
        error_free(err);
        return;
    }
    qmp_reply_return(sess, ret ? ret : qmp_empty_object(), id);
}

/*
 * What json-glib made of the strings must be UTF-8: echoed back in an id
 * or an error they would otherwise make our output invalid. A second
 * line of defence behind qmp_json_check(); recursion is bounded by
 * the framer's QMP_NESTING_MAX.
 */
static bool qmp_node_valid_utf8(JsonNode *node)
{
    switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT: {
        JsonObject *obj = json_node_get_object(node);
        g_autoptr(GList) names = json_object_get_members(obj);

        for (GList *l = names; l; l = l->next) {
            if (!g_utf8_validate(l->data, -1, NULL) ||
                !qmp_node_valid_utf8(json_object_get_member(obj, l->data))) {
                return false;
            }
        }
        return true;
    }
    case JSON_NODE_ARRAY: {
        JsonArray *arr = json_node_get_array(node);

        for (guint i = 0; i < json_array_get_length(arr); i++) {
            if (!qmp_node_valid_utf8(json_array_get_element(arr, i))) {
                return false;
            }
        }
        return true;
    }
    case JSON_NODE_VALUE:
        return json_node_get_value_type(node) != G_TYPE_STRING ||
               g_utf8_validate(json_node_get_string(node), -1, NULL);
    case JSON_NODE_NULL:
        return true;
    }
    return false;
}

/* One complete top-level value from the framer. */
static void qmp_handle_message(QmpSession *sess, const char *text, size_t len)
{
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(GError) gerr = NULL;
    g_autoptr(GList) members = NULL;
    g_autofree char *id = NULL;
    Error *err = NULL;
    JsonNode *root;
    JsonObject *req;
    const char *name = NULL;
    JsonObject *args = NULL;

    /* json-glib wants UTF-8, and replies must stay valid UTF-8. */
    if (!g_utf8_validate(text, len, NULL)) {
        qmp_reply_error(sess, NULL, "GenericError",
                        "JSON parse error, invalid UTF-8 sequence");
        return;
    }
    /* json-glib keeps the last of duplicate keys, and takes non-JSON. */
    if (!qmp_json_check(text, len, QMP_NESTING_MAX, &id, &err)) {
        qmp_reply_error(sess, NULL, "GenericError", "%s",
                        error_get_pretty(err));
        error_free(err);
        return;
    }
    parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, text, len, &gerr)) {
        qmp_reply_error(sess, NULL, "GenericError", "JSON parse error, %s",
                        gerr->message);
        return;
    }
    root = json_parser_get_root(parser);
    if (root && !qmp_node_valid_utf8(root)) {
        qmp_reply_error(sess, NULL, "GenericError",
                        "JSON parse error, invalid \\u escape");
        return;
    }
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        qmp_reply_error(sess, NULL, "GenericError",
                        "QMP input must be a JSON object");
        return;
    }
    req = json_node_get_object(root);
    members = json_object_get_members(req);
    for (GList *l = members; l; l = l->next) {
        const char *key = l->data;
        JsonNode *node = json_object_get_member(req, key);

        if (!strcmp(key, "execute")) {
            if (!JSON_NODE_HOLDS_VALUE(node) ||
                json_node_get_value_type(node) != G_TYPE_STRING) {
                qmp_reply_error(sess, id, "GenericError",
                                "QMP input member 'execute' must be a "
                                "string");
                return;
            }
            name = json_node_get_string(node);
        } else if (!strcmp(key, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(node)) {
                qmp_reply_error(sess, id, "GenericError",
                                "QMP input member 'arguments' must be an "
                                "object");
                return;
            }
            args = json_node_get_object(node);
        } else if (strcmp(key, "id")) {
            qmp_reply_error(sess, id, "GenericError",
                            "QMP input member '%s' is unexpected", key);
            return;
        }
    }
    if (!name) {
        qmp_reply_error(sess, id, "GenericError",
                        "QMP input lacks member 'execute'");
        return;
    }
    qmp_dispatch(sess, name, args, id);
}

static void qmp_frame_complete(QmpSession *sess)
{
    if (!sess->discarding) {
        qmp_handle_message(sess, sess->in->str, sess->in->len);
    }
    qmp_frame_reset(sess);
}

/* A limit was hit: say so once, then skip the value to its end. */
static void qmp_frame_discard(QmpSession *sess, const char *why)
{
    qmp_reply_error(sess, NULL, "GenericError", "JSON parse error, %s", why);
    g_string_truncate(sess->in, 0);
    sess->discarding = true;
}

static void qmp_frame_append(QmpSession *sess, char c)
{
    if (sess->discarding) {
        return;
    }
    if (sess->in->len >= QMP_INPUT_MAX) {
        qmp_frame_discard(sess, "input too long");
        return;
    }
    g_string_append_c(sess->in, c);
}

static bool qmp_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Cuts the stream into top-level JSON values by tracking nesting and
 * strings, so that a request split across reads, or several in one
 * read, each reach the parser whole.
 */
static void qmp_frame_byte(QmpSession *sess, char c)
{
    switch (sess->frame) {
    case QMP_FRAME_IDLE:
        if (qmp_is_space(c)) {
            return;
        }
        qmp_frame_append(sess, c);
        if (c == '{' || c == '[') {
            sess->frame = QMP_FRAME_VALUE;
            sess->depth = 1;
        } else if (c == '"') {
            sess->frame = QMP_FRAME_VALUE;
            sess->in_string = true;
        } else if (c == '}' || c == ']') {
            /* A stray closer: let the parser word the error. */
            qmp_frame_complete(sess);
        } else {
            sess->frame = QMP_FRAME_SCALAR;
        }
        return;
    case QMP_FRAME_SCALAR:
        if (qmp_is_space(c) || strchr("{}[]\",:", c)) {
            qmp_frame_complete(sess);
            qmp_frame_byte(sess, c);
            return;
        }
        qmp_frame_append(sess, c);
        return;
    case QMP_FRAME_VALUE:
        qmp_frame_append(sess, c);
        if (sess->in_string) {
            if (sess->escape) {
                sess->escape = false;
            } else if (c == '\\') {
                sess->escape = true;
            } else if (c == '"') {
                sess->in_string = false;
                if (!sess->depth) {
                    qmp_frame_complete(sess);
                }
            }
            return;
        }
        if (c == '"') {
            sess->in_string = true;
        } else if (c == '{' || c == '[') {
            sess->depth++;
            /* json-glib's parser recurses: bound its stack. */
            if (sess->depth > QMP_NESTING_MAX && !sess->discarding) {
                qmp_frame_discard(sess, "nesting too deep");
            }
        } else if (c == '}' || c == ']') {
            if (!--sess->depth) {
                qmp_frame_complete(sess);
            }
        }
        return;
    }
}

void qmp_session_input(QmpSession *sess, const void *buf, size_t len)
{
    const char *p = buf;

    for (size_t i = 0; i < len && !sess->quit; i++) {
        qmp_frame_byte(sess, p[i]);
    }
}

/* The server. */

static void qmp_server_flush(QmpServer *s);

static void qmp_server_write_ready(void *opaque)
{
    QmpServer *s = opaque;

    s->write_watch = false;
    qmp_server_flush(s);
}

/* Sends what the chardev takes; the rest waits for its write watch. */
static void qmp_server_flush(QmpServer *s)
{
    GString *out = s->sess->out;
    bool was_full = out->len >= QMP_OUTPUT_HIGH;

    while (out->len) {
        ssize_t n = chardev_write(s->chr, out->str, out->len);

        if (n < 0) {
            /* The client is gone: its replies with it. */
            g_string_truncate(out, 0);
            break;
        }
        if (n == 0) {
            if (!s->write_watch) {
                s->write_watch = true;
                chardev_add_write_watch(s->chr, qmp_server_write_ready, s);
            }
            break;
        }
        g_string_erase(out, 0, n);
    }
    if (was_full && out->len < QMP_OUTPUT_HIGH) {
        chardev_accept_input(s->chr);
    }
}

static size_t qmp_server_can_read(void *opaque)
{
    QmpServer *s = opaque;

    if (qmp_session_quit_requested(s->sess) ||
        s->sess->out->len >= QMP_OUTPUT_HIGH) {
        return 0;
    }
    return QMP_READ_CHUNK;
}

static void qmp_server_read(void *opaque, const void *buf, size_t len)
{
    QmpServer *s = opaque;

    qmp_session_input(s->sess, buf, len);
    qmp_server_flush(s);
    if (qmp_session_quit_requested(s->sess) && !s->quit_called) {
        s->quit_called = true;
        /* Last: the callback may stop the loop that runs us. */
        if (s->quit) {
            s->quit(s->quit_opaque);
        }
    }
}

static void qmp_server_event(void *opaque, ChardevEvent event)
{
    QmpServer *s = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        /* Each client negotiates afresh, as with QEMU. */
        s->quit_called = false;
        qmp_session_open(s->sess);
        qmp_server_flush(s);
        break;
    case CHR_EVENT_CLOSED:
        s->quit_called = false;
        qmp_session_close(s->sess);
        break;
    }
}

QmpServer *qmp_server_new(EventLoop *loop, Chardev *chr, const char *package,
                          void (*quit)(void *opaque), void *quit_opaque,
                          Error **errp)
{
    QmpServer *s = g_new0(QmpServer, 1);
    int ret;

    s->loop = loop;
    s->chr = chr;
    s->sess = qmp_session_new(package);
    s->quit = quit;
    s->quit_opaque = quit_opaque;
    ret = chardev_set_handlers(chr, qmp_server_can_read, qmp_server_read,
                               qmp_server_event, s);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "chardev '%s' is already in use",
                         chardev_id(chr) ? chardev_id(chr) : "?");
        qmp_session_free(s->sess);
        g_free(s);
        return NULL;
    }
    return s;
}

void qmp_server_free(QmpServer *s)
{
    GString *out;

    if (!s) {
        return;
    }
    /* The reply to quit may still wait: one last try, never blocking. */
    out = s->sess->out;
    while (out->len) {
        ssize_t n = chardev_write(s->chr, out->str, out->len);

        if (n <= 0) {
            break;
        }
        g_string_erase(out, 0, n);
    }
    /* Also cancels our write watch. */
    chardev_set_handlers(s->chr, NULL, NULL, NULL, NULL);
    qmp_session_free(s->sess);
    g_free(s);
}

void qmp_server_add_command(QmpServer *s, const char *name, QmpCommandFn *fn,
                            void *opaque)
{
    qmp_session_add_command(s->sess, name, fn, opaque);
}

QmpSession *qmp_server_session(QmpServer *s)
{
    return s->sess;
}
