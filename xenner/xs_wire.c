/*
 * Xenner xenstore: parsing and answering xs_wire requests. Every byte here
 * comes from a client: lengths are checked before use, arguments must be
 * nul-terminated, and anything malformed is answered with EINVAL.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xenner-xs"

#include "xenner/xs_wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "util/error.h"
#include "util/parse.h"
#include "util/trace.h"

#define MAX_ARGS 16

struct XsWireConn {
    XsClient *client;
    XsTree *tree;
    XsWireOutputFn *output;
    XsWireReleasedFn *released;
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

static void send_msg(XsWireConn *conn, uint32_t type, uint32_t req_id,
                     uint32_t tx_id, const void *body, size_t len)
{
    struct xsd_sockmsg hdr = {
        .type = type,
        .req_id = req_id,
        .tx_id = tx_id,
        .len = len,
    };
    uint8_t buf[sizeof(hdr) + XENSTORE_PAYLOAD_MAX];

    /* On the stack whatever its size: the callers keep to the maximum. */
    if (len > XENSTORE_PAYLOAD_MAX) {
        return;
    }
    memcpy(buf, &hdr, sizeof(hdr));
    if (len) {
        /* An empty value has no buffer at all. */
        memcpy(buf + sizeof(hdr), body, len);
    }
    conn->output(conn->opaque, buf, sizeof(hdr) + len);
}

static void reply(XsWireConn *conn, const void *body, size_t len)
{
    if (len > XENSTORE_PAYLOAD_MAX) {
        const char *e2big = xenner_xs_errno_name(E2BIG);

        send_msg(conn, XS_ERROR, conn->hdr.req_id, conn->hdr.tx_id,
                 e2big, strlen(e2big) + 1);
        return;
    }
    send_msg(conn, conn->hdr.type, conn->hdr.req_id, conn->hdr.tx_id,
             body, len);
}

static void reply_str(XsWireConn *conn, const char *str)
{
    reply(conn, str, strlen(str) + 1);
}

static void reply_error(XsWireConn *conn, int err)
{
    const char *name = xenner_xs_errno_name(err);
    const char *type = xenner_xs_wire_type_name(conn->hdr.type, NULL);

    /* A refusal is what a client's author needs to see; successes are not. */
    trace("domain %u: %s (type %u, req %u, tx %u): %s",
          xenner_xs_client_domid(conn->client), type ? type : "unknown",
          conn->hdr.type, conn->hdr.req_id, conn->hdr.tx_id, name);

    send_msg(conn, XS_ERROR, conn->hdr.req_id, conn->hdr.tx_id,
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

/*
 * One event per watcher and change: a write under a watched subtree with
 * hundreds of watchers makes hundreds, so each is built on the stack.
 */
static void watch_event(void *opaque, const char *path, const char *token)
{
    XsWireConn *conn = opaque;
    size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
    struct xsd_sockmsg hdr = { .type = XS_WATCH_EVENT };
    uint8_t msg[sizeof(hdr) + XENSTORE_PAYLOAD_MAX];

    if (plen + tlen > XENSTORE_PAYLOAD_MAX) {
        warn_report_ratelimited(&conn->event_rl,
                                "xenstore: dropped a watch event over %u "
                                "bytes for domain %u",
                                XENSTORE_PAYLOAD_MAX,
                                xenner_xs_client_domid(conn->client));
        return;
    }
    hdr.len = plen + tlen;
    memcpy(msg, &hdr, sizeof(hdr));
    memcpy(msg + sizeof(hdr), path, plen);
    memcpy(msg + sizeof(hdr) + plen, token, tlen);
    if (conn->in_request) {
        g_byte_array_append(conn->deferred, msg, sizeof(hdr) + hdr.len);
    } else {
        conn->output(conn->opaque, msg, sizeof(hdr) + hdr.len);
    }
}

static void client_released(void *opaque)
{
    XsWireConn *conn = opaque;

    trace("domain %u released: its connection ends",
          xenner_xs_client_domid(conn->client));
    if (conn->released) {
        conn->released(conn->opaque);
    }
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
    xenner_xs_client_set_released_fn(conn->client, client_released);
    return conn;
}

void xenner_xs_wire_conn_set_released_fn(XsWireConn *conn,
                                         XsWireReleasedFn *fn)
{
    conn->released = fn;
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
    /* memchr(): a written value is up to 4 KiB of bytes without a nul. */
    while (start < len) {
        const uint8_t *nul = memchr(data + start, '\0', len - start);

        if (!nul) {
            break;
        }
        if (a->count < MAX_ARGS) {
            a->arg[a->count] = (const char *)data + start;
        }
        a->count++;
        start = nul - data + 1;
    }
}

/* Exactly @n strings, and nothing after the last one. */
static bool want_args(const XsArgs *a, unsigned n)
{
    return a->count == n && a->len && a->data[a->len - 1] == '\0';
}

/* Domain ids from DOMID_FIRST_RESERVED up are not domains. */
static bool parse_domid(const char *s, uint16_t *domid)
{
    uint64_t v;

    if (!parse_decimal(s, 0x7fef, &v)) {
        return false;
    }
    *domid = v;
    return true;
}

static void do_read(XsWireConn *conn, const XsArgs *a)
{
    const void *value;
    size_t len;
    int ret;

    /* Sent before anything else runs, so without a copy of its own. */
    ret = xenner_xs_client_read_ref(conn->client, conn->hdr.tx_id, a->arg[0],
                                    &value, &len);
    if (ret) {
        reply_error(conn, -ret);
    } else {
        reply(conn, value, len);
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
    uint64_t offset;
    int ret;

    if (!parse_decimal(a->arg[1], UINT32_MAX, &offset)) {
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

static void do_transaction_start(XsWireConn *conn, const XsArgs *a)
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

    if (strcmp(a->arg[0], "T") && strcmp(a->arg[0], "F")) {
        reply_error(conn, EINVAL);
        return;
    }
    commit = a->arg[0][0] == 'T';
    reply_status(conn,
                 xenner_xs_client_transaction_end(conn->client, conn->hdr.tx_id,
                                                  commit));
}

static void do_mkdir(XsWireConn *conn, const XsArgs *a)
{
    reply_status(conn, xenner_xs_client_mkdir(conn->client, conn->hdr.tx_id,
                                              a->arg[0]));
}

static void do_rm(XsWireConn *conn, const XsArgs *a)
{
    reply_status(conn, xenner_xs_client_rm(conn->client, conn->hdr.tx_id,
                                           a->arg[0]));
}

static void do_watch(XsWireConn *conn, const XsArgs *a)
{
    reply_status(conn, xenner_xs_client_watch(conn->client, a->arg[0],
                                              a->arg[1]));
}

static void do_unwatch(XsWireConn *conn, const XsArgs *a)
{
    reply_status(conn, xenner_xs_client_unwatch(conn->client, a->arg[0],
                                                a->arg[1]));
}

static void do_reset_watches(XsWireConn *conn, const XsArgs *a)
{
    xenner_xs_client_reset_watches(conn->client);
    reply_str(conn, "OK");
}

static void do_introduce(XsWireConn *conn, const XsArgs *a)
{
    uint64_t mfn, port;
    uint16_t domid;

    /*
     * The ring frame and port matter only with a hypervisor; an emulated
     * domain's ring is attached in-process. They are checked all the same.
     */
    if (!parse_domid(a->arg[0], &domid) ||
        !parse_decimal(a->arg[1], UINT64_MAX, &mfn) ||
        !parse_decimal(a->arg[2], UINT32_MAX, &port)) {
        reply_error(conn, EINVAL);
        return;
    }
    reply_status(conn, xenner_xs_client_introduce(conn->client, domid));
}

/* The one argument of the requests about a domain. */
static bool arg_domid(XsWireConn *conn, const XsArgs *a, uint16_t *domid)
{
    if (!parse_domid(a->arg[0], domid)) {
        reply_error(conn, EINVAL);
        return false;
    }
    return true;
}

static void do_release(XsWireConn *conn, const XsArgs *a)
{
    uint16_t domid;

    if (arg_domid(conn, a, &domid)) {
        reply_status(conn, xenner_xs_client_release(conn->client, domid));
    }
}

static void do_resume(XsWireConn *conn, const XsArgs *a)
{
    uint16_t domid;
    bool introduced;

    /* Nothing to resume without a hypervisor; the checks still hold. */
    if (arg_domid(conn, a, &domid)) {
        xenner_xs_client_is_introduced(conn->client, domid, &introduced);
        reply_status(conn, introduced ? 0 : -ENOENT);
    }
}

static void do_is_domain_introduced(XsWireConn *conn, const XsArgs *a)
{
    uint16_t domid;
    bool introduced;

    if (arg_domid(conn, a, &domid)) {
        xenner_xs_client_is_introduced(conn->client, domid, &introduced);
        reply_str(conn, introduced ? "T" : "F");
    }
}

static void do_get_domain_path(XsWireConn *conn, const XsArgs *a)
{
    g_autofree char *path = NULL;
    uint16_t domid;

    if (arg_domid(conn, a, &domid)) {
        path = xenner_xs_domain_path(domid);
        reply_str(conn, path);
    }
}

static void do_set_target(XsWireConn *conn, const XsArgs *a)
{
    uint16_t domid, target;

    if (!parse_domid(a->arg[0], &domid) ||
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
    { "transaction-nodes", offsetof(XsQuota, transaction_nodes) },
    { "permissions", offsetof(XsQuota, perms) },
    { "outstanding", offsetof(XsQuota, outstanding) },
    { "memory", offsetof(XsQuota, memory) },
    { "memory-total", offsetof(XsQuota, memory_total) },
};

/* "quota DOMID": what the domain holds, in xenstored's format. */
static void control_usage(XsWireConn *conn, const char *arg)
{
    g_autofree char *out = NULL;
    uint16_t domid;
    XsUsage u;

    if (!parse_domid(arg, &domid)) {
        reply_error(conn, EINVAL);
        return;
    }
    if (xenner_xs_tree_get_usage(conn->tree, domid, &u)) {
        reply_error(conn, ENOENT);
        return;
    }
    out = g_strdup_printf("Domain %u:\n"
                          "%-16s: %8u\n"
                          "%-16s: %8u\n"
                          "%-16s: %8u\n",
                          domid, "nodes", u.nodes, "watches", u.watches,
                          "transactions", u.transactions);
    reply_str(conn, out);
}

/*
 * XS_CONTROL, as xenstore-control sends it: "help", "quota [set N V]",
 * "quota DOMID".
 */
static void do_control(XsWireConn *conn, const XsArgs *a)
{
    g_autoptr(GString) out = g_string_new(NULL);
    XsQuota quota;
    uint64_t value;

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
                        "quota set N V   set quota N to V (0: unlimited)\n"
                        "quota DOMID     show what domain DOMID holds "
                        "against them\n");
        return;
    }
    if (!strcmp(a->arg[0], "quota") && a->count == 1) {
        int width = 0;

        /* One column of values, however long the longest name. */
        for (size_t i = 0; i < G_N_ELEMENTS(quota_names); i++) {
            width = MAX(width, (int)strlen(quota_names[i].name));
        }
        for (size_t i = 0; i < G_N_ELEMENTS(quota_names); i++) {
            g_string_append_printf(out, "%-*s %u\n", width,
                                   quota_names[i].name,
                                   *(unsigned *)((char *)&quota +
                                                 quota_names[i].offset));
        }
        reply_str(conn, out->str);
        return;
    }
    if (!strcmp(a->arg[0], "quota") && a->count == 2) {
        control_usage(conn, a->arg[1]);
        return;
    }
    if (!strcmp(a->arg[0], "quota") && a->count == 4 &&
        !strcmp(a->arg[1], "set") &&
        parse_decimal(a->arg[3], UINT32_MAX, &value)) {
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

typedef void XsWireHandler(XsWireConn *conn, const XsArgs *a);

enum {
    /*
     * Refused to an unprivileged domain with EACCES before the arguments
     * are looked at, as xenstored's XS_FLAG_PRIV.
     */
    XS_WIRE_PRIV = 1 << 0,
};

/* The handler checks the shape of the payload itself. */
#define XS_WIRE_ARGS_ANY 0

typedef struct XsWireFunc {
    const char *name;
    XsWireHandler *fn;
    /*
     * Exactly this many nul-terminated strings and nothing after them,
     * else EINVAL before the handler runs; or XS_WIRE_ARGS_ANY.
     */
    unsigned nargs;
    unsigned flags;
} XsWireFunc;

/*
 * Every request type a client may send. The gaps (XS_WATCH_EVENT and
 * XS_ERROR, which are ours to send, and the removed XS_RESTRICT) and
 * types from XS_TYPE_COUNT up are answered ENOSYS, as by xenstored.
 */
static const XsWireFunc wire_funcs[XS_TYPE_COUNT] = {
    [XS_CONTROL] = { "CONTROL", do_control, XS_WIRE_ARGS_ANY, XS_WIRE_PRIV },
    [XS_DIRECTORY] = { "DIRECTORY", do_directory, 1, 0 },
    [XS_READ] = { "READ", do_read, 1, 0 },
    [XS_GET_PERMS] = { "GET_PERMS", do_get_perms, 1, 0 },
    [XS_WATCH] = { "WATCH", do_watch, 2, 0 },
    [XS_UNWATCH] = { "UNWATCH", do_unwatch, 2, 0 },
    [XS_TRANSACTION_START] = { "TRANSACTION_START", do_transaction_start,
                               XS_WIRE_ARGS_ANY, 0 },
    [XS_TRANSACTION_END] = { "TRANSACTION_END", do_transaction_end, 1, 0 },
    [XS_INTRODUCE] = { "INTRODUCE", do_introduce, 3, XS_WIRE_PRIV },
    [XS_RELEASE] = { "RELEASE", do_release, 1, XS_WIRE_PRIV },
    [XS_GET_DOMAIN_PATH] = { "GET_DOMAIN_PATH", do_get_domain_path, 1, 0 },
    [XS_WRITE] = { "WRITE", do_write, XS_WIRE_ARGS_ANY, 0 },
    [XS_MKDIR] = { "MKDIR", do_mkdir, 1, 0 },
    [XS_RM] = { "RM", do_rm, 1, 0 },
    [XS_SET_PERMS] = { "SET_PERMS", do_set_perms, XS_WIRE_ARGS_ANY, 0 },
    [XS_IS_DOMAIN_INTRODUCED] = { "IS_DOMAIN_INTRODUCED",
                                  do_is_domain_introduced, 1, XS_WIRE_PRIV },
    [XS_RESUME] = { "RESUME", do_resume, 1, XS_WIRE_PRIV },
    [XS_SET_TARGET] = { "SET_TARGET", do_set_target, 2, XS_WIRE_PRIV },
    [XS_RESET_WATCHES] = { "RESET_WATCHES", do_reset_watches,
                           XS_WIRE_ARGS_ANY, 0 },
    [XS_DIRECTORY_PART] = { "DIRECTORY_PART", do_directory_part, 2, 0 },
};

static const XsWireFunc *wire_func(uint32_t type)
{
    if (type >= G_N_ELEMENTS(wire_funcs) || !wire_funcs[type].fn) {
        return NULL;
    }
    return &wire_funcs[type];
}

const char *xenner_xs_wire_type_name(uint32_t type, bool *privileged)
{
    const XsWireFunc *f = wire_func(type);

    if (f && privileged) {
        *privileged = f->flags & XS_WIRE_PRIV;
    }
    return f ? f->name : NULL;
}

static void dispatch(XsWireConn *conn, const XsArgs *a)
{
    const XsWireFunc *f = wire_func(conn->hdr.type);

    if (!f) {
        reply_error(conn, ENOSYS);
        return;
    }
    if ((f->flags & XS_WIRE_PRIV) &&
        xenner_xs_client_domid(conn->client) != XS_DOMID_PRIVILEGED) {
        reply_error(conn, EACCES);
        return;
    }
    if (f->nargs != XS_WIRE_ARGS_ANY && !want_args(a, f->nargs)) {
        reply_error(conn, EINVAL);
        return;
    }
    f->fn(conn, a);
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

ssize_t xenner_xs_wire_conn_input_one(XsWireConn *conn, const void *data,
                                      size_t len)
{
    const uint8_t *p = data;
    size_t done = 0;

    while (done < len) {
        size_t want, n;

        if (conn->have < sizeof(conn->hdr)) {
            want = sizeof(conn->hdr) - conn->have;
            n = MIN(want, len - done);
            memcpy((uint8_t *)&conn->hdr + conn->have, p + done, n);
            conn->have += n;
            done += n;
            if (conn->have < sizeof(conn->hdr)) {
                break;
            }
            if (conn->hdr.len > XENSTORE_PAYLOAD_MAX) {
                return -EMSGSIZE;
            }
        }
        want = sizeof(conn->hdr) + conn->hdr.len - conn->have;
        n = MIN(want, len - done);
        memcpy(conn->payload + (conn->have - sizeof(conn->hdr)), p + done, n);
        conn->have += n;
        done += n;
        if (conn->have == sizeof(conn->hdr) + conn->hdr.len) {
            conn->payload[conn->hdr.len] = '\0';
            handle_request(conn);
            conn->have = 0;
            break;
        }
    }
    return done;
}

bool xenner_xs_wire_conn_input(XsWireConn *conn, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len) {
        ssize_t n = xenner_xs_wire_conn_input_one(conn, p, len);

        if (n < 0) {
            return false;
        }
        p += n;
        len -= n;
    }
    return true;
}
