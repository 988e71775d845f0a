/*
 * Unit tests of the Xenner xs_wire layer: raw request bytes in, replies
 * and watch events out, decoded as a xenstore client would.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>
#include <xen/io/xs_wire.h>

#include "xenner/xs_tree.h"
#include "xenner/xs_wire.h"
#include "xs-test-util.h"

/* A string literal as (pointer, length), its own terminating nul left out. */
#define S(lit) (lit), (sizeof(lit) - 1)

/* One connection and what it has sent back, not yet looked at. */
typedef struct Wire {
    XsWireConn *conn;
    GByteArray *out;
    unsigned released;          /* times the transport was told */
} Wire;

typedef struct WireFixture {
    XsTree *tree;
    XsClient *api;      /* dom0, to look at the tree directly */
    XtEvents api_ev;
    Wire w0;
} WireFixture;

static void wire_output(void *opaque, const void *buf, size_t len)
{
    Wire *w = opaque;

    g_assert_cmpuint(len, >=, sizeof(struct xsd_sockmsg));
    g_byte_array_append(w->out, buf, len);
}

static void wire_init(Wire *w, XsTree *tree, uint16_t domid)
{
    w->released = 0;
    w->out = g_byte_array_new();
    w->conn = xenner_xs_wire_conn_new(tree, domid, wire_output, w);
}

static void wire_destroy(Wire *w)
{
    xenner_xs_wire_conn_free(w->conn);
    g_byte_array_unref(w->out);
}

static void setup(WireFixture *f, gconstpointer data)
{
    f->tree = xenner_xs_tree_new();
    xt_events_init(&f->api_ev);
    f->api = xenner_xs_client_new(f->tree, 0, xt_event_fn, &f->api_ev);
    wire_init(&f->w0, f->tree, 0);
}

static void teardown(WireFixture *f, gconstpointer data)
{
    /* Every test looks at everything it was sent. */
    g_assert_cmpuint(f->w0.out->len, ==, 0);
    wire_destroy(&f->w0);
    xenner_xs_tree_free(f->tree);
    xt_events_destroy(&f->api_ev);
}

static void append_msg(GByteArray *to, uint32_t type, uint32_t req_id,
                       uint32_t tx_id, const void *payload, size_t len)
{
    struct xsd_sockmsg hdr = {
        .type = type, .req_id = req_id, .tx_id = tx_id, .len = len,
    };

    g_byte_array_append(to, (const guint8 *)&hdr, sizeof(hdr));
    g_byte_array_append(to, payload, len);
}

static void req(Wire *w, uint32_t type, uint32_t req_id, uint32_t tx_id,
                const void *payload, size_t len)
{
    g_autoptr(GByteArray) msg = g_byte_array_new();

    append_msg(msg, type, req_id, tx_id, payload, len);
    g_assert_true(xenner_xs_wire_conn_input(w->conn, msg->data, msg->len));
}

/* Takes the next message the connection sent; there must be one. */
static GByteArray *next_msg(Wire *w, struct xsd_sockmsg *hdr)
{
    GByteArray *body;

    g_assert_cmpuint(w->out->len, >=, sizeof(*hdr));
    memcpy(hdr, w->out->data, sizeof(*hdr));
    g_assert_cmpuint(w->out->len, >=, sizeof(*hdr) + hdr->len);
    body = g_byte_array_new();
    g_byte_array_append(body, w->out->data + sizeof(*hdr), hdr->len);
    g_byte_array_remove_range(w->out, 0, sizeof(*hdr) + hdr->len);
    return body;
}

static void expect_msg(Wire *w, uint32_t type, uint32_t req_id,
                       uint32_t tx_id, const void *body, size_t len)
{
    struct xsd_sockmsg hdr;
    g_autoptr(GByteArray) got = next_msg(w, &hdr);

    g_assert_cmpuint(hdr.type, ==, type);
    g_assert_cmpuint(hdr.req_id, ==, req_id);
    g_assert_cmpuint(hdr.tx_id, ==, tx_id);
    g_assert_cmpmem(got->data, got->len, body, len);
}

static void expect_ok(Wire *w, uint32_t type, uint32_t req_id,
                      uint32_t tx_id)
{
    expect_msg(w, type, req_id, tx_id, S("OK\0"));
}

static void expect_error(Wire *w, uint32_t req_id, uint32_t tx_id,
                         const char *name)
{
    expect_msg(w, XS_ERROR, req_id, tx_id, name, strlen(name) + 1);
}

static void expect_event(Wire *w, const char *path, const char *token)
{
    g_autofree char *body = g_strdup_printf("%s%c%s", path, '\0', token);

    expect_msg(w, XS_WATCH_EVENT, 0, 0, body,
               strlen(path) + strlen(token) + 2);
}

static void expect_nothing(Wire *w)
{
    g_assert_cmpuint(w->out->len, ==, 0);
}

/* Starts a transaction over the wire and returns its id. */
static uint32_t wire_start(Wire *w, uint32_t req_id)
{
    struct xsd_sockmsg hdr;
    g_autoptr(GByteArray) body = NULL;
    uint64_t id;

    req(w, XS_TRANSACTION_START, req_id, 0, S("\0"));
    body = next_msg(w, &hdr);
    g_assert_cmpuint(hdr.type, ==, XS_TRANSACTION_START);
    g_assert_cmpuint(hdr.req_id, ==, req_id);
    g_assert_cmpuint(hdr.tx_id, ==, 0);
    g_assert_cmpuint(body->len, >=, 2);
    g_assert_cmpuint(body->data[body->len - 1], ==, '\0');
    id = g_ascii_strtoull((char *)body->data, NULL, 10);
    g_assert_cmpuint(id, !=, 0);
    g_assert_cmpuint(id, <=, UINT32_MAX);
    return id;
}

#define WIRE_ADD(path, fn) \
    g_test_add((path), WireFixture, NULL, setup, (fn), teardown)

/* ---- requests and replies --------------------------------------------- */

static void test_read_write(WireFixture *f, gconstpointer data)
{
    Wire *w = &f->w0;

    req(w, XS_WRITE, 1, 0, S("/a\0hello"));
    expect_ok(w, XS_WRITE, 1, 0);
    req(w, XS_READ, 2, 0, S("/a\0"));
    expect_msg(w, XS_READ, 2, 0, S("hello"));

    /* The value is the rest of the payload, nul bytes and all. */
    req(w, XS_WRITE, 3, 0, S("/b\0x\0y\0"));
    expect_ok(w, XS_WRITE, 3, 0);
    req(w, XS_READ, 4, 0, S("/b\0"));
    expect_msg(w, XS_READ, 4, 0, S("x\0y\0"));
    req(w, XS_WRITE, 5, 0, S("/c\0"));
    expect_ok(w, XS_WRITE, 5, 0);
    req(w, XS_READ, 6, 0, S("/c\0"));
    expect_msg(w, XS_READ, 6, 0, S(""));

    req(w, XS_MKDIR, 7, 0, S("/d/e\0"));
    expect_ok(w, XS_MKDIR, 7, 0);
    req(w, XS_DIRECTORY, 8, 0, S("/\0"));
    expect_msg(w, XS_DIRECTORY, 8, 0, S("a\0b\0c\0d\0"));
    req(w, XS_RM, 9, 0, S("/d\0"));
    expect_ok(w, XS_RM, 9, 0);
    req(w, XS_READ, 10, 0, S("/d/e\0"));
    expect_error(w, 10, 0, "ENOENT");
    req(w, XS_DIRECTORY, 11, 0, S("/d\0"));
    expect_error(w, 11, 0, "ENOENT");
    expect_nothing(w);
}

static void test_header_echo(WireFixture *f, gconstpointer data)
{
    Wire *w = &f->w0;
    uint32_t tx;

    req(w, XS_WRITE, 0xdeadbeef, 0, S("/a\0v"));
    expect_ok(w, XS_WRITE, 0xdeadbeef, 0);
    req(w, XS_READ, 0, 0, S("/none\0"));
    expect_error(w, 0, 0, "ENOENT");

    tx = wire_start(w, 77);
    req(w, XS_WRITE, 42, tx, S("/a\0tx"));
    expect_ok(w, XS_WRITE, 42, tx);
    req(w, XS_READ, 43, tx, S("/a\0"));
    expect_msg(w, XS_READ, 43, tx, S("tx"));
    req(w, XS_READ, 44, tx, S("/none\0"));
    expect_error(w, 44, tx, "ENOENT");
    req(w, XS_READ, 45, tx + 1, S("/a\0"));
    expect_error(w, 45, tx + 1, "ENOENT");
    req(w, XS_TRANSACTION_END, 46, tx, S("T\0"));
    expect_ok(w, XS_TRANSACTION_END, 46, tx);
}

static void test_error_names(WireFixture *f, gconstpointer data)
{
    static const struct {
        int err;
        const char *name;
    } names[] = {
        { EINVAL, "EINVAL" }, { EACCES, "EACCES" }, { EEXIST, "EEXIST" },
        { EISDIR, "EISDIR" }, { ENOENT, "ENOENT" }, { ENOMEM, "ENOMEM" },
        { ENOSPC, "ENOSPC" }, { EIO, "EIO" }, { ENOTEMPTY, "ENOTEMPTY" },
        { ENOSYS, "ENOSYS" }, { EROFS, "EROFS" }, { EBUSY, "EBUSY" },
        { EAGAIN, "EAGAIN" }, { EISCONN, "EISCONN" }, { E2BIG, "E2BIG" },
        { EPERM, "EPERM" },
    };

    g_assert_cmpuint(G_N_ELEMENTS(names), ==, G_N_ELEMENTS(xsd_errors));
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_assert_cmpint(xsd_errors[i].errnum, ==, names[i].err);
        g_assert_cmpstr(xsd_errors[i].errstring, ==, names[i].name);
        g_assert_cmpstr(xenner_xs_errno_name(names[i].err), ==, names[i].name);
    }
    /* What the protocol has no name for goes out as EIO. */
    g_assert_cmpstr(xenner_xs_errno_name(ENOTDIR), ==, "EIO");
}

/* Each error a client can provoke reaches it under its xs_wire name. */
static void test_errors_on_wire(WireFixture *f, gconstpointer data)
{
    const XsQuota q = { 1, 2048, 1, 1, 5 };
    Wire *w = &f->w0, w5;
    uint32_t tx;

    wire_init(&w5, f->tree, 5);
    req(w, XS_READ, 1, 0, S("/a b\0"));
    expect_error(w, 1, 0, "EINVAL");
    req(&w5, XS_READ, 2, 0, S("/\0"));
    expect_error(&w5, 2, 0, "EACCES");
    req(w, XS_WATCH, 3, 0, S("/w\0t\0"));
    expect_ok(w, XS_WATCH, 3, 0);
    expect_event(w, "/w", "t");
    req(w, XS_WATCH, 4, 0, S("/w\0t\0"));
    expect_error(w, 4, 0, "EEXIST");

    xenner_xs_tree_set_quota(f->tree, &q);
    req(&w5, XS_WATCH, 5, 0, S("/w\0a\0"));
    expect_ok(&w5, XS_WATCH, 5, 0);
    expect_event(&w5, "/w", "a");
    req(&w5, XS_WATCH, 6, 0, S("/w\0b\0"));
    expect_error(&w5, 6, 0, "E2BIG");
    wire_start(&w5, 7);
    req(&w5, XS_TRANSACTION_START, 8, 0, S("\0"));
    expect_error(&w5, 8, 0, "ENOSPC");

    xt_make_home(f->api, 5);
    req(&w5, XS_WRITE, 9, 0, S("mine\0v"));
    expect_error(&w5, 9, 0, "ENOSPC");
    req(&w5, XS_SET_PERMS, 10, 0, S("/local/domain/5\0n6\0"));
    expect_error(&w5, 10, 0, "EPERM");

    tx = wire_start(w, 11);
    req(w, XS_READ, 12, tx, S("/local/domain/5\0"));
    expect_msg(w, XS_READ, 12, tx, S(""));
    req(w, XS_WRITE, 13, 0, S("/local/domain/5\0x"));
    expect_ok(w, XS_WRITE, 13, 0);
    req(w, XS_TRANSACTION_END, 14, tx, S("T\0"));
    expect_error(w, 14, tx, "EAGAIN");
    expect_nothing(w);
    expect_nothing(&w5);
    wire_destroy(&w5);
}

static void test_split_bytes(WireFixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) msgs = g_byte_array_new();
    Wire *w = &f->w0;
    size_t first;

    append_msg(msgs, XS_WRITE, 1, 0, S("/split\0value"));
    first = msgs->len;
    append_msg(msgs, XS_READ, 2, 0, S("/split\0"));
    for (size_t i = 0; i < msgs->len; i++) {
        g_assert_true(xenner_xs_wire_conn_input(w->conn, msgs->data + i, 1));
        if (i + 1 < first) {
            expect_nothing(w);
        } else if (i + 1 == first) {
            expect_ok(w, XS_WRITE, 1, 0);
        } else if (i + 1 < msgs->len) {
            expect_nothing(w);
        }
    }
    expect_msg(w, XS_READ, 2, 0, S("value"));
    g_assert_true(xenner_xs_wire_conn_input(w->conn, "", 0));
    expect_nothing(w);
}

static void test_pipelined(WireFixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) msgs = g_byte_array_new();
    Wire *w = &f->w0;

    append_msg(msgs, XS_WRITE, 1, 0, S("/p\0one"));
    append_msg(msgs, XS_READ, 2, 0, S("/p\0"));
    append_msg(msgs, XS_READ, 3, 0, S("/q\0"));
    append_msg(msgs, XS_WRITE, 4, 0, S("/p\0two"));
    /* Half of the next one: it waits for the rest. */
    append_msg(msgs, XS_READ, 5, 0, S("/p\0"));
    g_assert_true(
        xenner_xs_wire_conn_input(w->conn, msgs->data, msgs->len - 2));
    expect_ok(w, XS_WRITE, 1, 0);
    expect_msg(w, XS_READ, 2, 0, S("one"));
    expect_error(w, 3, 0, "ENOENT");
    expect_ok(w, XS_WRITE, 4, 0);
    expect_nothing(w);
    g_assert_true(
        xenner_xs_wire_conn_input(w->conn, msgs->data + msgs->len - 2, 2));
    expect_msg(w, XS_READ, 5, 0, S("two"));
}

/* A transport pacing a client takes one request per call. */
static void test_one_at_a_time(WireFixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) msgs = g_byte_array_new();
    const struct xsd_sockmsg big = { XS_WRITE, 9, 0,
        XENSTORE_PAYLOAD_MAX + 1 };
    Wire *w = &f->w0;
    size_t first, second;

    append_msg(msgs, XS_WRITE, 1, 0, S("/p\0one"));
    first = msgs->len;
    append_msg(msgs, XS_READ, 2, 0, S("/p\0"));
    second = msgs->len;
    append_msg(msgs, XS_READ, 3, 0, S("/p\0"));

    g_assert_cmpint(xenner_xs_wire_conn_input_one(w->conn, msgs->data,
                                                  msgs->len), ==, first);
    expect_ok(w, XS_WRITE, 1, 0);
    expect_nothing(w);
    g_assert_cmpint(xenner_xs_wire_conn_input_one(w->conn, msgs->data + first,
                                                  msgs->len - first),
                    ==, second - first);
    expect_msg(w, XS_READ, 2, 0, S("one"));
    expect_nothing(w);
    /* Short of a whole request: everything is taken, nothing answered. */
    g_assert_cmpint(xenner_xs_wire_conn_input_one(w->conn, msgs->data + second,
                                                  5), ==, 5);
    expect_nothing(w);
    g_assert_cmpint(xenner_xs_wire_conn_input_one(w->conn,
                                                  msgs->data + second + 5,
                                                  msgs->len - second - 5),
                    ==, msgs->len - second - 5);
    expect_msg(w, XS_READ, 3, 0, S("one"));

    g_assert_cmpint(xenner_xs_wire_conn_input_one(w->conn, &big, sizeof(big)),
                    ==, -EMSGSIZE);
    expect_nothing(w);
}

static void test_oversized(WireFixture *f, gconstpointer data)
{
    const struct xsd_sockmsg big = { XS_WRITE, 1, 0,
        XENSTORE_PAYLOAD_MAX + 1 };
    g_autoptr(GByteArray) payload = g_byte_array_new();
    g_autoptr(GByteArray) value = g_byte_array_new();
    Wire w1, w2;

    wire_init(&w1, f->tree, 0);
    g_assert_false(xenner_xs_wire_conn_input(w1.conn, &big, sizeof(big)));
    expect_nothing(&w1);
    wire_destroy(&w1);

    /* Found as soon as the header is whole, however it arrives. */
    wire_init(&w2, f->tree, 0);
    g_assert_true(xenner_xs_wire_conn_input(w2.conn, &big, 10));
    g_assert_false(xenner_xs_wire_conn_input(w2.conn, (const char *)&big + 10,
                                             sizeof(big) - 10));
    expect_nothing(&w2);
    wire_destroy(&w2);

    /* The largest payload is fine. */
    g_byte_array_append(payload, (const guint8 *)"/big", 5);
    while (payload->len < XENSTORE_PAYLOAD_MAX) {
        g_byte_array_append(payload, (const guint8 *)"z", 1);
    }
    req(&f->w0, XS_WRITE, 2, 0, payload->data, payload->len);
    expect_ok(&f->w0, XS_WRITE, 2, 0);
    g_assert_cmpint(xenner_xs_client_read(f->api, 0, "/big", value), ==, 0);
    g_assert_cmpuint(value->len, ==, XENSTORE_PAYLOAD_MAX - 5);
}

static void test_malformed(WireFixture *f, gconstpointer data)
{
    static const struct {
        uint32_t type;
        const char *payload;
        size_t len;
    } bad[] = {
        { XS_READ, S("abc") },
        { XS_READ, S("") },
        { XS_READ, S("/a\0/b\0") },
        { XS_READ, S("/a\0junk") },
        { XS_WRITE, S("/a") },
        { XS_WRITE, S("") },
        { XS_MKDIR, S("/a\0/b\0") },
        { XS_MKDIR, S("/a") },
        { XS_RM, S("") },
        { XS_DIRECTORY, S("/\0x\0") },
        { XS_DIRECTORY_PART, S("/\0") },
        { XS_DIRECTORY_PART, S("/\0abc\0") },
        { XS_DIRECTORY_PART, S("/\0-1\0") },
        { XS_DIRECTORY_PART, S("/\0" "0") },
        { XS_GET_PERMS, S("/\0x\0") },
        { XS_SET_PERMS, S("/a\0") },
        { XS_SET_PERMS, S("/a\0x1\0") },
        { XS_SET_PERMS, S("/a\0r\0") },
        { XS_SET_PERMS, S("/a\0r-1\0") },
        { XS_SET_PERMS, S("/a\0r70000\0") },
        { XS_SET_PERMS, S("/a\0n0\0r5") },
        { XS_SET_PERMS, S("/a\0n0\0\0") },
        { XS_WATCH, S("/a\0") },
        { XS_WATCH, S("/a\0t\0x\0") },
        { XS_WATCH, S("/a\0t") },
        { XS_UNWATCH, S("/a\0") },
        { XS_TRANSACTION_END, S("") },
        { XS_TRANSACTION_END, S("T\0F\0") },
        { XS_TRANSACTION_END, S("true\0") },
        { XS_TRANSACTION_END, S("T") },
        { XS_INTRODUCE, S("5\0") },
        { XS_INTRODUCE, S("x\0" "1\0" "2\0") },
        { XS_INTRODUCE, S("5\0abc\0" "2\0") },
        { XS_INTRODUCE, S("5\0" "1\0port\0") },
        { XS_INTRODUCE, S("-5\0" "1\0" "2\0") },
        { XS_INTRODUCE, S("70000\0" "1\0" "2\0") },
        { XS_INTRODUCE, S("32752\0" "1\0" "2\0") },
        { XS_RELEASE, S("abc\0") },
        { XS_RELEASE, S("") },
        { XS_RELEASE, S("5") },
        { XS_RELEASE, S("5\0" "6\0") },
        { XS_IS_DOMAIN_INTRODUCED, S("x\0") },
        { XS_GET_DOMAIN_PATH, S("5x\0") },
        { XS_GET_DOMAIN_PATH, S(" 5\0") },
        { XS_GET_DOMAIN_PATH, S("\0") },
        { XS_SET_TARGET, S("5\0") },
        { XS_SET_TARGET, S("5\0y\0") },
        { XS_CONTROL, S("") },
        { XS_CONTROL, S("quota") },
    };
    Wire *w = &f->w0;

    req(w, XS_WRITE, 1, 0, S("/a\0keep"));
    expect_ok(w, XS_WRITE, 1, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_test_message("case %zu", i);
        req(w, bad[i].type, 100 + i, 0, bad[i].payload, bad[i].len);
        expect_error(w, 100 + i, 0, "EINVAL");
        expect_nothing(w);
    }
    /* None of it did anything, and the connection still works. */
    req(w, XS_READ, 2, 0, S("/a\0"));
    expect_msg(w, XS_READ, 2, 0, S("keep"));
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 2);
}

static void test_unknown_type(WireFixture *f, gconstpointer data)
{
    static const uint32_t types[] = {
        XS_WATCH_EVENT, XS_ERROR, XS_SET_TARGET + 1, XS_TYPE_COUNT,
        XS_INVALID, 0x12345, UINT32_MAX,
    };
    Wire *w = &f->w0;

    /* Replies and events are the server's to send, not the client's. */
    for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
        req(w, types[i], i + 1, 0, S("/a\0"));
        expect_error(w, i + 1, 0, "ENOSYS");
    }
    req(w, XS_READ, 99, 0, S("/\0"));
    expect_msg(w, XS_READ, 99, 0, S(""));
}

/*
 * Every type below XS_TYPE_COUNT, held to a list of our own of what
 * xenstored answers: a handled type is dispatched (not ENOSYS), and one
 * that only the privileged domain may send is refused to others with
 * EACCES, whatever its payload; the rest are ENOSYS for everyone.
 */
static void test_every_type(WireFixture *f, gconstpointer data)
{
    static const struct {
        const char *name;
        bool priv;
    } expect[XS_TYPE_COUNT] = {
        [XS_CONTROL] = { "CONTROL", true },
        [XS_DIRECTORY] = { "DIRECTORY", false },
        [XS_READ] = { "READ", false },
        [XS_GET_PERMS] = { "GET_PERMS", false },
        [XS_WATCH] = { "WATCH", false },
        [XS_UNWATCH] = { "UNWATCH", false },
        [XS_TRANSACTION_START] = { "TRANSACTION_START", false },
        [XS_TRANSACTION_END] = { "TRANSACTION_END", false },
        [XS_INTRODUCE] = { "INTRODUCE", true },
        [XS_RELEASE] = { "RELEASE", true },
        [XS_GET_DOMAIN_PATH] = { "GET_DOMAIN_PATH", false },
        [XS_WRITE] = { "WRITE", false },
        [XS_MKDIR] = { "MKDIR", false },
        [XS_RM] = { "RM", false },
        [XS_SET_PERMS] = { "SET_PERMS", false },
        [XS_IS_DOMAIN_INTRODUCED] = { "IS_DOMAIN_INTRODUCED", true },
        [XS_RESUME] = { "RESUME", true },
        [XS_SET_TARGET] = { "SET_TARGET", true },
        [XS_RESET_WATCHES] = { "RESET_WATCHES", false },
        [XS_DIRECTORY_PART] = { "DIRECTORY_PART", false },
    };
    Wire w5;

    wire_init(&w5, f->tree, 5);
    xt_make_home(f->api, 5);
    for (uint32_t t = 0; t < XS_TYPE_COUNT; t++) {
        bool priv = !expect[t].priv;
        const char *name = xenner_xs_wire_type_name(t, &priv);
        struct xsd_sockmsg hdr;
        g_autoptr(GByteArray) body = NULL;

        g_test_message("type %u: %s", t, expect[t].name);
        g_assert_cmpstr(name, ==, expect[t].name);
        if (!name) {
            req(&f->w0, t, t + 1, 0, S("x\0"));
            expect_error(&f->w0, t + 1, 0, "ENOSYS");
            req(&w5, t, t + 1, 0, S("x\0"));
            expect_error(&w5, t + 1, 0, "ENOSYS");
            continue;
        }
        g_assert_cmpint(priv, ==, expect[t].priv);
        /* A payload of no use to any type: refused, but not as unknown. */
        req(&f->w0, t, t + 1, 0, S("\0\0\0\0\0"));
        body = next_msg(&f->w0, &hdr);
        g_assert_cmpuint(hdr.req_id, ==, t + 1);
        g_assert_false(hdr.type == XS_ERROR &&
                       !strcmp((char *)body->data, "ENOSYS"));
        expect_nothing(&f->w0);
        req(&w5, t, t + 1, 0, S("\0\0\0\0\0"));
        if (expect[t].priv) {
            expect_error(&w5, t + 1, 0, "EACCES");
        } else {
            g_byte_array_unref(next_msg(&w5, &hdr));
            g_assert_cmpuint(hdr.req_id, ==, t + 1);
        }
        expect_nothing(&w5);
    }
    g_assert_null(xenner_xs_wire_type_name(XS_TYPE_COUNT, NULL));
    g_assert_null(xenner_xs_wire_type_name(UINT32_MAX, NULL));
    wire_destroy(&w5);
}

/* Numbers in requests are decimal, as util/parse.h reads them. */
static void test_decimal_args(WireFixture *f, gconstpointer data)
{
    Wire *w = &f->w0;

    req(w, XS_GET_DOMAIN_PATH, 1, 0, S("010\0"));
    expect_msg(w, XS_GET_DOMAIN_PATH, 1, 0, S("/local/domain/10\0"));
    req(w, XS_GET_DOMAIN_PATH, 2, 0, S("0x10\0"));
    expect_error(w, 2, 0, "EINVAL");
    req(w, XS_GET_DOMAIN_PATH, 3, 0, S(" 1\0"));
    expect_error(w, 3, 0, "EINVAL");
    req(w, XS_MKDIR, 4, 0, S("/p\0"));
    expect_ok(w, XS_MKDIR, 4, 0);
    req(w, XS_SET_PERMS, 5, 0, S("/p\0n00\0r010\0"));
    expect_ok(w, XS_SET_PERMS, 5, 0);
    req(w, XS_GET_PERMS, 6, 0, S("/p\0"));
    expect_msg(w, XS_GET_PERMS, 6, 0, S("n0\0r10\0"));
    req(w, XS_SET_PERMS, 7, 0, S("/p\0n0\0r0x5\0"));
    expect_error(w, 7, 0, "EINVAL");
    req(w, XS_SET_PERMS, 8, 0, S("/p\0n0\0r-5\0"));
    expect_error(w, 8, 0, "EINVAL");
}

/* ---- watches ---------------------------------------------------------- */

static void test_watch(WireFixture *f, gconstpointer data)
{
    Wire *w = &f->w0, other;

    wire_init(&other, f->tree, 0);
    /* The reply goes first, the initial event after it. */
    req(w, XS_WATCH, 1, 0, S("/w\0tok\0"));
    expect_ok(w, XS_WATCH, 1, 0);
    expect_event(w, "/w", "tok");
    expect_nothing(w);

    req(w, XS_WRITE, 2, 0, S("/w/k\0v"));
    expect_ok(w, XS_WRITE, 2, 0);
    expect_event(w, "/w/k", "tok");

    /* Another connection's change comes on its own. */
    req(&other, XS_MKDIR, 3, 0, S("/w/m\0"));
    expect_ok(&other, XS_MKDIR, 3, 0);
    expect_nothing(&other);
    expect_event(w, "/w/m", "tok");

    req(w, XS_UNWATCH, 4, 0, S("/w\0nope\0"));
    expect_error(w, 4, 0, "ENOENT");
    req(w, XS_UNWATCH, 5, 0, S("/w\0tok\0"));
    expect_ok(w, XS_UNWATCH, 5, 0);
    req(&other, XS_RM, 6, 0, S("/w\0"));
    expect_ok(&other, XS_RM, 6, 0);
    expect_nothing(w);

    req(w, XS_WATCH, 7, 0, S("rel\0r\0"));
    expect_ok(w, XS_WATCH, 7, 0);
    expect_event(w, "rel", "r");
    req(&other, XS_WRITE, 8, 0, S("/local/domain/0/rel/x\0v"));
    expect_ok(&other, XS_WRITE, 8, 0);
    expect_event(w, "rel/x", "r");

    req(w, XS_RESET_WATCHES, 9, 0, S(""));
    expect_ok(w, XS_RESET_WATCHES, 9, 0);
    req(&other, XS_WRITE, 10, 0, S("/local/domain/0/rel/x\0v"));
    expect_ok(&other, XS_WRITE, 10, 0);
    expect_nothing(w);
    wire_destroy(&other);
}

/* ---- directories and permissions -------------------------------------- */

static void test_directory_part(WireFixture *f, gconstpointer data)
{
    Wire *w = &f->w0;
    g_autofree char *gen = NULL;
    g_autofree char *body = NULL;
    size_t genlen;

    req(w, XS_MKDIR, 1, 0, S("/d/b\0"));
    expect_ok(w, XS_MKDIR, 1, 0);
    req(w, XS_MKDIR, 2, 0, S("/d/a\0"));
    expect_ok(w, XS_MKDIR, 2, 0);
    gen = g_strdup_printf("%" G_GUINT64_FORMAT,
                          xt_generation(f->api, 0, "/d"));
    genlen = strlen(gen) + 1;
    body = g_malloc(genlen + 6);
    memcpy(body, gen, genlen);

    req(w, XS_DIRECTORY_PART, 3, 0, S("/d\0" "0\0"));
    memcpy(body + genlen, "a\0b\0\0", 5);
    expect_msg(w, XS_DIRECTORY_PART, 3, 0, body, genlen + 5);
    req(w, XS_DIRECTORY_PART, 4, 0, S("/d\0" "2\0"));
    memcpy(body + genlen, "b\0\0", 3);
    expect_msg(w, XS_DIRECTORY_PART, 4, 0, body, genlen + 3);
    req(w, XS_DIRECTORY_PART, 5, 0, S("/d\0" "4\0"));
    memcpy(body + genlen, "\0", 1);
    expect_msg(w, XS_DIRECTORY_PART, 5, 0, body, genlen + 1);
    req(w, XS_DIRECTORY_PART, 6, 0, S("/d\0" "4000000000\0"));
    expect_msg(w, XS_DIRECTORY_PART, 6, 0, body, genlen + 1);
    req(w, XS_DIRECTORY_PART, 7, 0, S("/none\0" "0\0"));
    expect_error(w, 7, 0, "ENOENT");
}

static void test_perms(WireFixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) many = g_byte_array_new();
    g_autoptr(GByteArray) expect = g_byte_array_new();
    Wire *w = &f->w0;

    req(w, XS_MKDIR, 1, 0, S("/p\0"));
    expect_ok(w, XS_MKDIR, 1, 0);
    req(w, XS_GET_PERMS, 2, 0, S("/p\0"));
    expect_msg(w, XS_GET_PERMS, 2, 0, S("n0\0"));
    req(w, XS_SET_PERMS, 3, 0, S("/p\0n0\0r5\0"));
    expect_ok(w, XS_SET_PERMS, 3, 0);
    req(w, XS_GET_PERMS, 4, 0, S("/p\0"));
    expect_msg(w, XS_GET_PERMS, 4, 0, S("n0\0r5\0"));
    req(w, XS_SET_PERMS, 5, 0, S("/p\0b7\0w65535\0n1\0"));
    expect_ok(w, XS_SET_PERMS, 5, 0);
    req(w, XS_GET_PERMS, 6, 0, S("/p\0"));
    expect_msg(w, XS_GET_PERMS, 6, 0, S("b7\0w65535\0n1\0"));
    req(w, XS_GET_PERMS, 7, 0, S("@releaseDomain\0"));
    expect_msg(w, XS_GET_PERMS, 7, 0, S("n0\0"));

    /* More entries than one request has arguments for, for dom0. */
    g_byte_array_append(many, (const guint8 *)"/p", 3);
    for (unsigned i = 0; i < 40; i++) {
        g_autofree char *p = g_strdup_printf("r%u", 100 + i);

        g_byte_array_append(many, (const guint8 *)p, strlen(p) + 1);
        g_byte_array_append(expect, (const guint8 *)p, strlen(p) + 1);
    }
    req(w, XS_SET_PERMS, 8, 0, many->data, many->len);
    expect_ok(w, XS_SET_PERMS, 8, 0);
    req(w, XS_GET_PERMS, 9, 0, S("/p\0"));
    expect_msg(w, XS_GET_PERMS, 9, 0, expect->data, expect->len);
}

/* ---- transactions, domains, control ----------------------------------- */

static void test_transactions(WireFixture *f, gconstpointer data)
{
    Wire *w = &f->w0;
    uint32_t tx = wire_start(w, 1), tx2;

    /* One at a time per request: a start inside one is refused. */
    req(w, XS_TRANSACTION_START, 2, tx, S("\0"));
    expect_error(w, 2, tx, "EBUSY");
    req(w, XS_WRITE, 3, tx, S("/t\0v"));
    expect_ok(w, XS_WRITE, 3, tx);
    req(w, XS_READ, 4, 0, S("/t\0"));
    expect_error(w, 4, 0, "ENOENT");
    req(w, XS_TRANSACTION_END, 5, tx, S("T\0"));
    expect_ok(w, XS_TRANSACTION_END, 5, tx);
    req(w, XS_READ, 6, 0, S("/t\0"));
    expect_msg(w, XS_READ, 6, 0, S("v"));
    req(w, XS_TRANSACTION_END, 7, tx, S("T\0"));
    expect_error(w, 7, tx, "ENOENT");
    /* A start naming a transaction that is not open: the id is unknown. */
    req(w, XS_TRANSACTION_START, 8, tx, S("\0"));
    expect_error(w, 8, tx, "ENOENT");

    tx2 = wire_start(w, 8);
    g_assert_cmpuint(tx2, !=, tx);
    req(w, XS_WRITE, 9, tx2, S("/t\0aborted"));
    expect_ok(w, XS_WRITE, 9, tx2);
    req(w, XS_TRANSACTION_END, 10, tx2, S("F\0"));
    expect_ok(w, XS_TRANSACTION_END, 10, tx2);
    req(w, XS_READ, 11, 0, S("/t\0"));
    expect_msg(w, XS_READ, 11, 0, S("v"));
}

static void test_domains(WireFixture *f, gconstpointer data)
{
    Wire *w = &f->w0, w5;

    wire_init(&w5, f->tree, 5);
    req(w, XS_WATCH, 1, 0, S("@introduceDomain\0in\0"));
    expect_ok(w, XS_WATCH, 1, 0);
    expect_event(w, "@introduceDomain", "in");

    req(w, XS_INTRODUCE, 2, 0, S("5\0" "1234\0" "4\0"));
    expect_ok(w, XS_INTRODUCE, 2, 0);
    expect_event(w, "@introduceDomain", "in");
    req(w, XS_IS_DOMAIN_INTRODUCED, 3, 0, S("5\0"));
    expect_msg(w, XS_IS_DOMAIN_INTRODUCED, 3, 0, S("T\0"));
    req(w, XS_IS_DOMAIN_INTRODUCED, 4, 0, S("6\0"));
    expect_msg(w, XS_IS_DOMAIN_INTRODUCED, 4, 0, S("F\0"));
    req(w, XS_IS_DOMAIN_INTRODUCED, 5, 0, S("0\0"));
    expect_msg(w, XS_IS_DOMAIN_INTRODUCED, 5, 0, S("T\0"));
    req(w, XS_GET_DOMAIN_PATH, 6, 0, S("5\0"));
    expect_msg(w, XS_GET_DOMAIN_PATH, 6, 0, S("/local/domain/5\0"));

    /* Guests may find a home, but not manage or probe domains. */
    req(&w5, XS_GET_DOMAIN_PATH, 7, 0, S("32\0"));
    expect_msg(&w5, XS_GET_DOMAIN_PATH, 7, 0, S("/local/domain/32\0"));
    req(&w5, XS_IS_DOMAIN_INTRODUCED, 8, 0, S("5\0"));
    expect_error(&w5, 8, 0, "EACCES");
    req(&w5, XS_INTRODUCE, 9, 0, S("6\0" "1\0" "2\0"));
    expect_error(&w5, 9, 0, "EACCES");
    req(&w5, XS_RELEASE, 10, 0, S("5\0"));
    expect_error(&w5, 10, 0, "EACCES");

    req(w, XS_RELEASE, 11, 0, S("5\0"));
    expect_ok(w, XS_RELEASE, 11, 0);
    req(w, XS_RELEASE, 12, 0, S("5\0"));
    expect_error(w, 12, 0, "ENOENT");
    req(w, XS_RELEASE, 13, 0, S("9\0"));
    expect_error(w, 13, 0, "ENOENT");
    req(w, XS_IS_DOMAIN_INTRODUCED, 14, 0, S("5\0"));
    expect_msg(w, XS_IS_DOMAIN_INTRODUCED, 14, 0, S("F\0"));
    expect_nothing(&w5);
    wire_destroy(&w5);
}

static void test_control(WireFixture *f, gconstpointer data)
{
    static const char shown[] =
        "nodes             1000\n"
        "node-size         2048\n"
        "watches           128\n"
        "transactions      10\n"
        "transaction-nodes 1024\n"
        "permissions       5\n"
        "outstanding       20\n"
        "memory            2621440\n"
        "memory-total      67108864\n";
    static const char shown_after[] =
        "nodes             10\n"
        "node-size         2048\n"
        "watches           128\n"
        "transactions      10\n"
        "transaction-nodes 1024\n"
        "permissions       5\n"
        "outstanding       20\n"
        "memory            2621440\n"
        "memory-total      67108864\n";
    const XsQuota def = XS_QUOTA_DEFAULT;
    struct xsd_sockmsg hdr;
    g_autoptr(GByteArray) help = NULL;
    Wire *w = &f->w0, w5;
    XsQuota q;

    wire_init(&w5, f->tree, 5);
    req(w, XS_CONTROL, 1, 0, S("quota\0"));
    expect_msg(w, XS_CONTROL, 1, 0, shown, sizeof(shown));

    req(w, XS_CONTROL, 2, 0, S("quota\0set\0nodes\0" "10\0"));
    expect_ok(w, XS_CONTROL, 2, 0);
    xenner_xs_tree_get_quota(f->tree, &q);
    g_assert_cmpuint(q.nodes, ==, 10);
    g_assert_cmpuint(q.entry_size, ==, def.entry_size);
    g_assert_cmpuint(q.watches, ==, def.watches);
    g_assert_cmpuint(q.transactions, ==, def.transactions);
    g_assert_cmpuint(q.perms, ==, def.perms);
    g_assert_cmpuint(q.outstanding, ==, def.outstanding);
    g_assert_cmpuint(q.memory, ==, def.memory);
    g_assert_cmpuint(q.memory_total, ==, def.memory_total);
    g_assert_cmpuint(q.transaction_nodes, ==, def.transaction_nodes);
    req(w, XS_CONTROL, 3, 0, S("quota\0"));
    expect_msg(w, XS_CONTROL, 3, 0, shown_after, sizeof(shown_after));

    req(w, XS_CONTROL, 4, 0, S("quota\0set\0bogus\0" "1\0"));
    expect_error(w, 4, 0, "EINVAL");
    req(w, XS_CONTROL, 5, 0, S("quota\0set\0nodes\0x\0"));
    expect_error(w, 5, 0, "EINVAL");
    req(w, XS_CONTROL, 6, 0, S("quota\0set\0nodes\0"));
    expect_error(w, 6, 0, "EINVAL");
    req(w, XS_CONTROL, 7, 0, S("no-such-command\0"));
    expect_error(w, 7, 0, "EINVAL");

    req(w, XS_CONTROL, 8, 0, S("help\0"));
    help = next_msg(w, &hdr);
    g_assert_cmpuint(hdr.type, ==, XS_CONTROL);
    g_assert_cmpuint(hdr.req_id, ==, 8);
    g_assert_cmpuint(help->len, >, 5);
    g_assert_cmpmem(help->data, 5, "help ", 5);
    g_assert_cmpuint(help->data[help->len - 1], ==, '\0');

    req(&w5, XS_CONTROL, 9, 0, S("quota\0"));
    expect_error(&w5, 9, 0, "EACCES");
    req(&w5, XS_CONTROL, 10, 0, S("quota\0set\0nodes\0" "0\0"));
    expect_error(&w5, 10, 0, "EACCES");
    xenner_xs_tree_get_quota(f->tree, &q);
    g_assert_cmpuint(q.nodes, ==, 10);

    req(w, XS_CONTROL, 11, 0, S("quota\0set\0transaction-nodes\0" "7\0"));
    expect_ok(w, XS_CONTROL, 11, 0);
    xenner_xs_tree_get_quota(f->tree, &q);
    g_assert_cmpuint(q.transaction_nodes, ==, 7);
    g_assert_cmpuint(q.transactions, ==, def.transactions);
    wire_destroy(&w5);
}

/* "quota DOMID", as xenstored 4.17 answers it. */
static void test_control_usage(WireFixture *f, gconstpointer data)
{
    static const char shown[] =
        "Domain 5:\n"
        "nodes           :        2\n"
        "watches         :        1\n"
        "transactions    :        1\n";
    Wire *w = &f->w0, w5;

    wire_init(&w5, f->tree, 5);
    xt_make_home(f->api, 5);
    req(&w5, XS_WRITE, 1, 0, S("a\0v"));
    expect_ok(&w5, XS_WRITE, 1, 0);
    req(&w5, XS_WATCH, 2, 0, S("a\0t\0"));
    expect_ok(&w5, XS_WATCH, 2, 0);
    expect_event(&w5, "a", "t");
    wire_start(&w5, 3);

    req(w, XS_CONTROL, 4, 0, S("quota\0" "5\0"));
    expect_msg(w, XS_CONTROL, 4, 0, shown, sizeof(shown));
    req(w, XS_CONTROL, 5, 0, S("quota\0" "4711\0"));
    expect_error(w, 5, 0, "ENOENT");
    req(w, XS_CONTROL, 6, 0, S("quota\0x\0"));
    expect_error(w, 6, 0, "EINVAL");
    req(&w5, XS_CONTROL, 7, 0, S("quota\0" "5\0"));
    expect_error(&w5, 7, 0, "EACCES");
    expect_nothing(&w5);
    wire_destroy(&w5);
}

static void wire_released(void *opaque)
{
    Wire *w = opaque;

    w->released++;
}

/* A released domain's connection is told to the transport, and dead. */
static void test_release_ends_connection(WireFixture *f, gconstpointer data)
{
    Wire *w = &f->w0, w5, w6;
    XsUsage u;

    wire_init(&w5, f->tree, 5);
    wire_init(&w6, f->tree, 6);
    xenner_xs_wire_conn_set_released_fn(w5.conn, wire_released);
    xenner_xs_wire_conn_set_released_fn(w6.conn, wire_released);
    req(w, XS_INTRODUCE, 1, 0, S("5\0" "1\0" "2\0"));
    expect_ok(w, XS_INTRODUCE, 1, 0);
    req(w, XS_INTRODUCE, 2, 0, S("6\0" "1\0" "2\0"));
    expect_ok(w, XS_INTRODUCE, 2, 0);
    req(&w5, XS_WATCH, 3, 0, S("/w\0t\0"));
    expect_ok(&w5, XS_WATCH, 3, 0);
    expect_event(&w5, "/w", "t");

    req(w, XS_RELEASE, 4, 0, S("5\0"));
    expect_ok(w, XS_RELEASE, 4, 0);
    g_assert_cmpuint(w5.released, ==, 1);
    g_assert_cmpint(xenner_xs_tree_get_usage(f->tree, 5, &u), ==, 0);
    g_assert_cmpuint(u.watches, ==, 0);

    /* Until the transport closes it, it is answered, never served. */
    req(&w5, XS_READ, 5, 0, S("/\0"));
    expect_error(&w5, 5, 0, "EIO");
    req(&w5, XS_WRITE, 6, 0, S("/x\0v"));
    expect_error(&w5, 6, 0, "EIO");
    req(&w6, XS_GET_DOMAIN_PATH, 7, 0, S("6\0"));
    expect_msg(&w6, XS_GET_DOMAIN_PATH, 7, 0, S("/local/domain/6\0"));
    g_assert_cmpuint(w5.released, ==, 1);
    g_assert_cmpuint(w6.released, ==, 0);
    expect_nothing(&w5);
    wire_destroy(&w5);
    wire_destroy(&w6);
}

static void test_big_replies(WireFixture *f, gconstpointer data)
{
    g_autofree char *value = g_strnfill(XS_VALUE_MAX, 'v');
    Wire *w = &f->w0;

    g_assert_cmpint(xenner_xs_client_write(f->api, 0, "/v", value,
                                           XS_VALUE_MAX),
                    ==, 0);
    req(w, XS_READ, 1, 0, S("/v\0"));
    expect_msg(w, XS_READ, 1, 0, value, XS_VALUE_MAX);

    /* A listing that cannot fit one reply is refused whole. */
    for (unsigned i = 0; i < 100; i++) {
        g_autofree char *pad = g_strnfill(60, 'x');
        g_autofree char *p = g_strdup_printf("/many/%03u%s", i, pad);

        g_assert_cmpint(xenner_xs_client_mkdir(f->api, 0, p), ==, 0);
    }
    req(w, XS_DIRECTORY, 2, 0, S("/many\0"));
    expect_error(w, 2, 0, "E2BIG");
}

static void test_unprivileged(WireFixture *f, gconstpointer data)
{
    g_autofree char *v = NULL;
    Wire w5;

    wire_init(&w5, f->tree, 5);
    xt_make_home(f->api, 5);
    req(&w5, XS_WRITE, 1, 0, S("data/x\0guest"));
    expect_ok(&w5, XS_WRITE, 1, 0);
    req(&w5, XS_READ, 2, 0, S("/local/domain/5/data/x\0"));
    expect_msg(&w5, XS_READ, 2, 0, S("guest"));
    req(&w5, XS_GET_PERMS, 3, 0, S("data/x\0"));
    expect_msg(&w5, XS_GET_PERMS, 3, 0, S("n5\0"));
    req(&w5, XS_WRITE, 4, 0, S("/tool\0x"));
    expect_error(&w5, 4, 0, "EACCES");
    req(&w5, XS_READ, 5, 0, S("/local/domain/0/none\0"));
    expect_error(&w5, 5, 0, "EACCES");
    v = xt_read(f->api, 0, "/local/domain/5/data/x");
    g_assert_cmpstr(v, ==, "guest");
    expect_nothing(&w5);
    wire_destroy(&w5);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    WIRE_ADD("/xs-wire/read-write", test_read_write);
    WIRE_ADD("/xs-wire/header-echo", test_header_echo);
    WIRE_ADD("/xs-wire/error-names", test_error_names);
    WIRE_ADD("/xs-wire/errors-on-wire", test_errors_on_wire);
    WIRE_ADD("/xs-wire/split-bytes", test_split_bytes);
    WIRE_ADD("/xs-wire/pipelined", test_pipelined);
    WIRE_ADD("/xs-wire/one-at-a-time", test_one_at_a_time);
    WIRE_ADD("/xs-wire/oversized", test_oversized);
    WIRE_ADD("/xs-wire/malformed", test_malformed);
    WIRE_ADD("/xs-wire/unknown-type", test_unknown_type);
    WIRE_ADD("/xs-wire/every-type", test_every_type);
    WIRE_ADD("/xs-wire/decimal-args", test_decimal_args);
    WIRE_ADD("/xs-wire/watch", test_watch);
    WIRE_ADD("/xs-wire/directory-part", test_directory_part);
    WIRE_ADD("/xs-wire/perms", test_perms);
    WIRE_ADD("/xs-wire/transactions", test_transactions);
    WIRE_ADD("/xs-wire/domains", test_domains);
    WIRE_ADD("/xs-wire/control", test_control);
    WIRE_ADD("/xs-wire/control-usage", test_control_usage);
    WIRE_ADD("/xs-wire/release-ends-connection",
             test_release_ends_connection);
    WIRE_ADD("/xs-wire/big-replies", test_big_replies);
    WIRE_ADD("/xs-wire/unprivileged", test_unprivileged);
    return g_test_run();
}
