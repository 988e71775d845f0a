/*
 * Xenner xenstore: parsing and answering xs_wire requests. Every byte here
 * comes from a client: lengths are checked before use, arguments must be
 * nul-terminated, and anything malformed is answered with EINVAL.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xenner/xs_wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "util/error.h"

#define MAX_ARGS 16

struct XsWireConn {
    XsClient *client;
    XsTree *tree;
    XsWireOutputFn *output;
    void *opaque;
    struct xsd_sockmsg hdr;
    uint8_t payload[XENSTORE_PAYLOAD_MAX + 1];  /* +1: always terminated */
    size_t have;                /* bytes of header and payload received */
    /*
     * While a request is answered, events it raises for this connection
     * wait here, so that the reply goes first, as xenstored sends it.
     */
    bool in_request;
    GByteArray *deferred;
    RateLimit event_rl;
};

/* A request's payload split into nul-terminated strings. */
typedef struct XsArgs {
    const char *arg[MAX_ARGS];
    unsigned count;             /* nul-terminated strings */
    const uint8_t *data;
    size_t len;
} XsArgs;

static void send_msg(XsWireConn *conn, GByteArray *to, uint32_t type,
                     uint32_t req_id, uint32_t tx_id, const void *body,
                     size_t len)
{
    struct xsd_sockmsg hdr = {
        .type = type,
        .req_id = req_id,
        .tx_id = tx_id,
        .len = len,
    };

    if (to) {
        g_byte_array_append(to, (const guint8 *)&hdr, sizeof(hdr));
        g_byte_array_append(to, body, len);
        return;
    }
    if (len <= 256) {
        uint8_t buf[sizeof(hdr) + 256];

        memcpy(buf, &hdr, sizeof(hdr));
        if (len) {
            /* An empty value has no buffer at all. */
            memcpy(buf + sizeof(hdr), body, len);
        }
        conn->output(conn->opaque, buf, sizeof(hdr) + len);
    } else {
        g_autoptr(GByteArray) msg = g_byte_array_sized_new(sizeof(hdr) + len);

        g_byte_array_append(msg, (const guint8 *)&hdr, sizeof(hdr));
        g_byte_array_append(msg, body, len);
        conn->output(conn->opaque, msg->data, msg->len);
    }
}

static void reply(XsWireConn *conn, const void *body, size_t len)
{
    if (len > XENSTORE_PAYLOAD_MAX) {
        const char *e2big = xenner_xs_errno_name(E2BIG);

        send_msg(conn, NULL, XS_ERROR, conn->hdr.req_id, conn->hdr.tx_id,
                 e2big, strlen(e2big) + 1);
        return;
    }
    send_msg(conn, NULL, conn->hdr.type, conn->hdr.req_id, conn->hdr.tx_id,
             body, len);
}

static void reply_str(XsWireConn *conn, const char *str)
{
    reply(conn, str, strlen(str) + 1);
}

static void reply_error(XsWireConn *conn, int err)
{
    const char *name = xenner_xs_errno_name(err);

    send_msg(conn, NULL, XS_ERROR, conn->hdr.req_id, conn->hdr.tx_id,
             name, strlen(name) + 1);
}

static void reply_status(XsWireConn *conn, int ret)
{
    if (ret) {
        reply_error(conn, -ret);
    } else {
        reply_str(conn, "OK");
    }
}

static void watch_event(void *opaque, const char *path, const char *token)
{
    XsWireConn *conn = opaque;
    size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
    g_autofree char *body = NULL;

    if (plen + tlen > XENSTORE_PAYLOAD_MAX) {
        warn_report_ratelimited(&conn->event_rl,
                                "xenstore: dropped a watch event over %u "
                                "bytes for domain %u",
                                XENSTORE_PAYLOAD_MAX,
                                xenner_xs_client_domid(conn->client));
        return;
    }
    body = g_malloc(plen + tlen);
    memcpy(body, path, plen);
    memcpy(body + plen, token, tlen);
    send_msg(conn, conn->in_request ? conn->deferred : NULL, XS_WATCH_EVENT,
             0, 0, body, plen + tlen);
}

XsWireConn *xenner_xs_wire_conn_new(XsTree *tree, uint16_t domid,
                                    XsWireOutputFn *output, void *opaque)
{
    XsWireConn *conn = g_new0(XsWireConn, 1);

    conn->tree = tree;
    conn->output = output;
    conn->opaque = opaque;
    conn->deferred = g_byte_array_new();
    conn->client = xenner_xs_client_new(tree, domid, watch_event, conn);
    return conn;
}

void xenner_xs_wire_conn_free(XsWireConn *conn)
{
    if (!conn) {
        return;
    }
    xenner_xs_client_free(conn->client);
    g_byte_array_unref(conn->deferred);
    g_free(conn);
}

static void split_args(XsArgs *a, const uint8_t *data, size_t len)
{
    size_t start = 0;

    a->count = 0;
    a->data = data;
    a->len = len;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\0') {
            if (a->count < MAX_ARGS) {
                a->arg[a->count] = (const char *)data + start;
            }
            a->count++;
            start = i + 1;
        }
    }
}

/* Exactly @n strings, and nothing after the last one. */
static bool want_args(const XsArgs *a, unsigned n)
{
    return a->count == n && a->len && a->data[a->len - 1] == '\0';
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;

    if (!g_ascii_isdigit(s[0])) {
        return false;
    }
    errno = 0;
    *out = strtoul(s, &end, 10);
    return !errno && !*end && *out <= max;
}

/* Domain ids from DOMID_FIRST_RESERVED up are not domains. */
static bool parse_domid(const char *s, uint16_t *domid)
{
    unsigned long v;

    if (!parse_uint(s, 0x7fef, &v)) {
        return false;
    }
    *domid = v;
    return true;
}

static void do_read(XsWireConn *conn, const XsArgs *a)
{
    g_autoptr(GByteArray) value = g_byte_array_new();
    int ret;

    if (!want_args(a, 1)) {
        reply_error(conn, EINVAL);
        return;
    }
    ret = xenner_xs_client_read(conn->client, conn->hdr.tx_id, a->arg[0],
                                value);
    if (ret) {
        reply_error(conn, -ret);
    } else {
        reply(conn, value->data, value->len);
    }
}

static void do_write(XsWireConn *conn, const XsArgs *a)
{
    size_t plen;

    /* The value is the rest of the payload, nul bytes and all. */
    if (a->count < 1) {
        reply_error(conn, EINVAL);
        return;
    }
    plen = strlen(a->arg[0]) + 1;
    reply_status(conn, xenner_xs_client_write(conn->client, conn->hdr.tx_id,
                                              a->arg[0], a->data + plen,
                                              a->len - plen));
}

static void do_directory(XsWireConn *conn, const XsArgs *a)
{
    g_autoptr(GByteArray) names = g_byte_array_new();
    int ret;

    if (!want_args(a, 1)) {
        reply_error(conn, EINVAL);
        return;
    }
    ret = xenner_xs_client_directory(conn->client, conn->hdr.tx_id, a->arg[0],
                                     names);
    if (ret) {
        reply_error(conn, -ret);
    } else {
        reply(conn, names->data, names->len);
    }
}

static void do_directory_part(XsWireConn *conn, const XsArgs *a)
{
    g_autoptr(GByteArray) out = g_byte_array_new();
    unsigned long offset;
    int ret;

    if (!want_args(a, 2) || !parse_uint(a->arg[1], UINT32_MAX, &offset)) {
        reply_error(conn, EINVAL);
        return;
    }
    ret = xenner_xs_client_directory_part(conn->client, conn->hdr.tx_id,
                                          a->arg[0], offset, out);
    if (ret) {
        reply_error(conn, -ret);
    } else {
        reply(conn, out->data, out->len);
    }
}

static void do_get_perms(XsWireConn *conn, const XsArgs *a)
{
    g_autofree XsPerm *perms = NULL;
    g_autoptr(GString) out = NULL;
    unsigned nperms;
    int ret;

    if (!want_args(a, 1)) {
        reply_error(conn, EINVAL);
        return;
    }
    ret = xenner_xs_client_get_perms(conn->client, conn->hdr.tx_id, a->arg[0],
                                     &perms, &nperms);
    if (ret) {
        reply_error(conn, -ret);
        return;
    }
    out = g_string_new(NULL);
    for (unsigned i = 0; i < nperms; i++) {
        char buf[8];

        xenner_xs_perm_format(&perms[i], buf);
        g_string_append_len(out, buf, strlen(buf) + 1);
    }
    reply(conn, out->str, out->len);
}

static void do_set_perms(XsWireConn *conn, const XsArgs *a)
{
    g_autofree XsPerm *perms = NULL;
    const char *p;
    unsigned n;

    if (a->count < 2 || a->data[a->len - 1] != '\0') {
        reply_error(conn, EINVAL);
        return;
    }
    /* Walk the payload itself: there may be more perms than MAX_ARGS. */
    n = a->count - 1;
    perms = g_new(XsPerm, n);
    p = a->arg[0] + strlen(a->arg[0]) + 1;
    for (unsigned i = 0; i < n; i++) {
        if (!xenner_xs_perm_parse(p, &perms[i])) {
            reply_error(conn, EINVAL);
            return;
        }
        p += strlen(p) + 1;
    }
    reply_status(conn, xenner_xs_client_set_perms(conn->client, conn->hdr.tx_id,
                                                  a->arg[0], perms, n));
}

static void do_transaction_start(XsWireConn *conn)
{
    char id[16];
    uint32_t tx;
    int ret;

    /* As xenstored: the id is looked up first, nesting refused after. */
    if (conn->hdr.tx_id) {
        reply_error(conn, xenner_xs_client_transaction_is_open(conn->client,
                                                               conn->hdr.tx_id)
                              ? EBUSY
                              : ENOENT);
        return;
    }
    ret = xenner_xs_client_transaction_start(conn->client, &tx);
    if (ret) {
        reply_error(conn, -ret);
        return;
    }
    snprintf(id, sizeof(id), "%u", tx);
    reply_str(conn, id);
}

static void do_transaction_end(XsWireConn *conn, const XsArgs *a)
{
    bool commit;

    if (!want_args(a, 1) ||
        (strcmp(a->arg[0], "T") && strcmp(a->arg[0], "F"))) {
        reply_error(conn, EINVAL);
        return;
    }
    commit = a->arg[0][0] == 'T';
    reply_status(conn,
                 xenner_xs_client_transaction_end(conn->client, conn->hdr.tx_id,
                                                  commit));
}

static void do_watch(XsWireConn *conn, const XsArgs *a, bool add)
{
    if (!want_args(a, 2)) {
        reply_error(conn, EINVAL);
        return;
    }
    reply_status(conn, add ? xenner_xs_client_watch(conn->client, a->arg[0],
                                                    a->arg[1])
                           : xenner_xs_client_unwatch(conn->client, a->arg[0],
                                                      a->arg[1]));
}

static void do_introduce(XsWireConn *conn, const XsArgs *a)
{
    unsigned long mfn, port;
    uint16_t domid;

    /*
     * The ring frame and port matter only with a hypervisor; an emulated
     * domain's ring is attached in-process. They are checked all the same.
     */
    if (!want_args(a, 3) || !parse_domid(a->arg[0], &domid) ||
        !parse_uint(a->arg[1], UINT64_MAX, &mfn) ||
        !parse_uint(a->arg[2], UINT32_MAX, &port)) {
        reply_error(conn, EINVAL);
        return;
    }
    reply_status(conn, xenner_xs_client_introduce(conn->client, domid));
}

static void do_domid_op(XsWireConn *conn, const XsArgs *a)
{
    g_autofree char *path = NULL;
    uint16_t domid;
    bool introduced;

    if (!want_args(a, 1) || !parse_domid(a->arg[0], &domid)) {
        reply_error(conn, EINVAL);
        return;
    }
    switch (conn->hdr.type) {
    case XS_RELEASE:
        reply_status(conn, xenner_xs_client_release(conn->client, domid));
        break;
    case XS_RESUME:
        /* Nothing to resume without a hypervisor; the checks still hold. */
        xenner_xs_client_is_introduced(conn->client, domid, &introduced);
        reply_status(conn, introduced ? 0 : -ENOENT);
        break;
    case XS_IS_DOMAIN_INTRODUCED:
        xenner_xs_client_is_introduced(conn->client, domid, &introduced);
        reply_str(conn, introduced ? "T" : "F");
        break;
    case XS_GET_DOMAIN_PATH:
        path = xenner_xs_domain_path(domid);
        reply_str(conn, path);
        break;
    }
}

static void do_set_target(XsWireConn *conn, const XsArgs *a)
{
    uint16_t domid, target;

    if (!want_args(a, 2) || !parse_domid(a->arg[0], &domid) ||
        !parse_domid(a->arg[1], &target)) {
        reply_error(conn, EINVAL);
        return;
    }
    reply_status(conn,
                 xenner_xs_client_set_target(conn->client, domid, target));
}

static const struct {
    const char *name;
    size_t offset;
} quota_names[] = {
    { "nodes", offsetof(XsQuota, nodes) },
    { "node-size", offsetof(XsQuota, entry_size) },
    { "watches", offsetof(XsQuota, watches) },
    { "transactions", offsetof(XsQuota, transactions) },
    { "permissions", offsetof(XsQuota, perms) },
};

/* XS_CONTROL, as xenstore-control sends it: "help", "quota [set N V]". */
static void do_control(XsWireConn *conn, const XsArgs *a)
{
    g_autoptr(GString) out = g_string_new(NULL);
    XsQuota quota;
    unsigned long value;

    if (a->count < 1 || a->count > MAX_ARGS ||
        a->data[a->len - 1] != '\0') {
        reply_error(conn, EINVAL);
        return;
    }
    xenner_xs_tree_get_quota(conn->tree, &quota);
    if (!strcmp(a->arg[0], "help") && a->count == 1) {
        reply_str(conn, "help            show this text\n"
                        "quota           show the quotas of unprivileged "
                        "domains\n"
                        "quota set N V   set quota N to V (0: unlimited)\n");
        return;
    }
    if (!strcmp(a->arg[0], "quota") && a->count == 1) {
        for (size_t i = 0; i < G_N_ELEMENTS(quota_names); i++) {
            g_string_append_printf(out, "%-12s %u\n", quota_names[i].name,
                                   *(unsigned *)((char *)&quota +
                                                 quota_names[i].offset));
        }
        reply_str(conn, out->str);
        return;
    }
    if (!strcmp(a->arg[0], "quota") && a->count == 4 &&
        !strcmp(a->arg[1], "set") && parse_uint(a->arg[3], UINT32_MAX,
                                                &value)) {
        for (size_t i = 0; i < G_N_ELEMENTS(quota_names); i++) {
            if (!strcmp(a->arg[2], quota_names[i].name)) {
                *(unsigned *)((char *)&quota + quota_names[i].offset) = value;
                xenner_xs_tree_set_quota(conn->tree, &quota);
                reply_str(conn, "OK");
                return;
            }
        }
    }
    reply_error(conn, EINVAL);
}

/*
 * The requests xenstored refuses to an unprivileged domain before even
 * looking at their arguments (its XS_FLAG_PRIV).
 */
static bool privileged_only(uint32_t type)
{
    switch (type) {
    case XS_CONTROL:
    case XS_INTRODUCE:
    case XS_RELEASE:
    case XS_IS_DOMAIN_INTRODUCED:
    case XS_RESUME:
    case XS_SET_TARGET:
        return true;
    default:
        return false;
    }
}

static void dispatch(XsWireConn *conn, const XsArgs *a)
{
    if (privileged_only(conn->hdr.type) &&
        xenner_xs_client_domid(conn->client) != XS_DOMID_PRIVILEGED) {
        reply_error(conn, EACCES);
        return;
    }
    switch (conn->hdr.type) {
    case XS_READ:
        do_read(conn, a);
        break;
    case XS_WRITE:
        do_write(conn, a);
        break;
    case XS_MKDIR:
    case XS_RM:
        if (!want_args(a, 1)) {
            reply_error(conn, EINVAL);
        } else if (conn->hdr.type == XS_MKDIR) {
            reply_status(conn,
                         xenner_xs_client_mkdir(conn->client, conn->hdr.tx_id,
                                                a->arg[0]));
        } else {
            reply_status(conn, xenner_xs_client_rm(conn->client,
                                                   conn->hdr.tx_id, a->arg[0]));
        }
        break;
    case XS_DIRECTORY:
        do_directory(conn, a);
        break;
    case XS_DIRECTORY_PART:
        do_directory_part(conn, a);
        break;
    case XS_GET_PERMS:
        do_get_perms(conn, a);
        break;
    case XS_SET_PERMS:
        do_set_perms(conn, a);
        break;
    case XS_TRANSACTION_START:
        do_transaction_start(conn);
        break;
    case XS_TRANSACTION_END:
        do_transaction_end(conn, a);
        break;
    case XS_WATCH:
    case XS_UNWATCH:
        do_watch(conn, a, conn->hdr.type == XS_WATCH);
        break;
    case XS_RESET_WATCHES:
        xenner_xs_client_reset_watches(conn->client);
        reply_str(conn, "OK");
        break;
    case XS_INTRODUCE:
        do_introduce(conn, a);
        break;
    case XS_RELEASE:
    case XS_RESUME:
    case XS_IS_DOMAIN_INTRODUCED:
    case XS_GET_DOMAIN_PATH:
        do_domid_op(conn, a);
        break;
    case XS_SET_TARGET:
        do_set_target(conn, a);
        break;
    case XS_CONTROL:
        do_control(conn, a);
        break;
    default:
        /*
         * Unknown types, and replies and events, which are ours to send,
         * not the client's: ENOSYS, as xenstored answers.
         */
        reply_error(conn, ENOSYS);
        break;
    }
}

static void handle_request(XsWireConn *conn)
{
    XsArgs args;

    split_args(&args, conn->payload, conn->hdr.len);
    conn->in_request = true;
    dispatch(conn, &args);
    conn->in_request = false;
    if (conn->deferred->len) {
        conn->output(conn->opaque, conn->deferred->data,
                     conn->deferred->len);
        g_byte_array_set_size(conn->deferred, 0);
    }
}

bool xenner_xs_wire_conn_input(XsWireConn *conn, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len) {
        size_t want, n;

        if (conn->have < sizeof(conn->hdr)) {
            want = sizeof(conn->hdr) - conn->have;
            n = MIN(want, len);
            memcpy((uint8_t *)&conn->hdr + conn->have, p, n);
            conn->have += n;
            p += n;
            len -= n;
            if (conn->have < sizeof(conn->hdr)) {
                break;
            }
            if (conn->hdr.len > XENSTORE_PAYLOAD_MAX) {
                return false;
            }
        }
        want = sizeof(conn->hdr) + conn->hdr.len - conn->have;
        n = MIN(want, len);
        memcpy(conn->payload + (conn->have - sizeof(conn->hdr)), p, n);
        conn->have += n;
        p += n;
        len -= n;
        if (conn->have == sizeof(conn->hdr) + conn->hdr.len) {
            conn->payload[conn->hdr.len] = '\0';
            handle_request(conn);
            conn->have = 0;
        }
    }
    return true;
}
