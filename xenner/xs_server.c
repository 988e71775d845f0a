/*
 * Xenner xenstore: the unix socket transport. Connections are
 * non-blocking; output is queued per connection and flushed once per
 * batch of input, so a client that pipelines requests gets its replies in
 * few writes. What clients leave unread is bounded: a guest's requests
 * wait while it has its quota of replies outstanding, and the output
 * queued for all clients is held to the shared XsBudget, which says
 * whom to disconnect when a domain's or all guests' share is used up.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xenner-xs"

#include "config-host.h"
#include "xenner/xs_server.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#ifdef CONFIG_MALLOC_TRIM
#include <malloc.h>
#endif
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#include "util/trace.h"
#include "xenner/xs_wire.h"

#define READ_CHUNK 65536
/*
 * Requests answered for one connection before the loop turns to the
 * others: a client pipelining thousands of requests (each of which may
 * fire hundreds of watches) must not keep domain 0's clients waiting.
 */
#define BATCH_REQUESTS 32
/*
 * Output buffers that grew past this are given back once the client has
 * read them, or as it reads them, rather than kept at their largest.
 */
#define OUT_KEEP (64 * 1024)

typedef struct XsServerConn {
    XsServer *server;
    int fd;
    XsWireConn *wire;
    XsBudgetConn *budget;       /* what out may hold */
    GByteArray *out;
    size_t out_off;
    size_t out_peak;            /* the most out held since allocated */
    unsigned outstanding;       /* replies (not events) in out */
    /* Input read from the socket but not yet taken, or NULL. */
    GByteArray *in;
    size_t in_off;
    bool dirty;                 /* on the server's flush list */
    bool broken;                /* to be closed at the next flush */
    bool stalled;               /* requests wait until replies are read */
    bool reading, writing;      /* the fd handlers installed */
} XsServerConn;

struct XsServer {
    EventLoop *loop;
    XsTree *tree;
    XsBudget *budget;
    char *path;
    int listen_fd;
    /*
     * A spare descriptor, given up to turn a client away when the process
     * is out of them (see server_accept); -1 if none could be had.
     */
    int reserve_fd;
    uint16_t domid;
    GPtrArray *conns;
    GPtrArray *flush_list;
    bool in_batch;              /* conn_process flushes when it is done */
    RateLimit rl;
};

static void server_flush(void *opaque);
static void server_trim(void *opaque);
static void conn_read(void *opaque);
static void conn_write(void *opaque);
static void conn_resume(void *opaque);

static void conn_close(XsServerConn *conn)
{
    XsServer *s = conn->server;

    if (conn->dirty) {
        g_ptr_array_remove_fast(s->flush_list, conn);
    }
    trace("%s: connection %d of domain %u closed", s->path, conn->fd,
          s->domid);
    event_loop_cancel(s->loop, conn_resume, conn);
    event_loop_set_fd_handler(s->loop, conn->fd, NULL, NULL, NULL, NULL);
    close(conn->fd);
    xenner_xs_wire_conn_free(conn->wire);
    xenner_xs_budget_conn_free(conn->budget);
    if (conn->out_peak > OUT_KEEP) {
        event_loop_schedule(s->loop, server_trim, s);
    }
    g_byte_array_unref(conn->out);
    if (conn->in) {
        g_byte_array_unref(conn->in);
    }
    g_ptr_array_remove_fast(s->conns, conn);
    g_free(conn);
}

/* Puts @conn on the flush list, where it is flushed or closed. */
static void conn_mark_dirty(XsServerConn *conn)
{
    XsServer *s = conn->server;

    if (conn->dirty) {
        return;
    }
    conn->dirty = true;
    g_ptr_array_add(s->flush_list, conn);
    /* Output raised outside a read batch, e.g. by an in-process change. */
    if (!s->in_batch) {
        event_loop_schedule(s->loop, server_flush, s);
    }
}

/* Closed at the next flush: never from inside a tree operation. */
static void conn_break(XsServerConn *conn)
{
    conn->broken = true;
    conn_mark_dirty(conn);
}

/*
 * Reads while nothing holds the connection's requests back, and waits
 * to write while output is queued.
 */
static void conn_set_handlers(XsServerConn *conn)
{
    bool read = !conn->broken && !conn->stalled && !conn->in;
    bool write = !conn->broken && conn->out_off < conn->out->len;

    if (read == conn->reading && write == conn->writing) {
        return;
    }
    if (!event_loop_set_fd_handler(conn->server->loop, conn->fd,
                                   read ? conn_read : NULL,
                                   write ? conn_write : NULL, conn, NULL)) {
        conn_break(conn);
        return;
    }
    conn->reading = read;
    conn->writing = write;
}

/*
 * Sends what the socket takes. Returns false when the connection is to
 * be closed.
 */
static bool conn_flush(XsServerConn *conn)
{
    while (conn->out_off < conn->out->len) {
        ssize_t n = send(conn->fd, conn->out->data + conn->out_off,
                         conn->out->len - conn->out_off, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            /* A slow reader's sent part goes, not only once it is done. */
            if (conn->out_off > OUT_KEEP &&
                conn->out_off > conn->out->len / 2) {
                g_byte_array_remove_range(conn->out, 0, conn->out_off);
                conn->out_off = 0;
            }
            return true;
        }
        if (n < 0) {
            return false;
        }
        conn->out_off += n;
        xenner_xs_budget_release(conn->budget, n);
    }
    if (conn->out_peak > OUT_KEEP) {
        g_byte_array_unref(conn->out);
        conn->out = g_byte_array_new();
        conn->out_peak = 0;
        event_loop_schedule(conn->server->loop, server_trim, conn->server);
    } else {
        /* Emptied in place: the buffer is kept for the next replies. */
        conn->out->len = 0;
    }
    conn->out_off = 0;
    conn->outstanding = 0;
    if (conn->stalled) {
        /* Not from here: this may run while its requests are taken. */
        conn->stalled = false;
        event_loop_schedule(conn->server->loop, conn_resume, conn);
    }
    return true;
}

static void conn_write(void *opaque)
{
    XsServerConn *conn = opaque;

    if (!conn_flush(conn)) {
        conn_close(conn);
        return;
    }
    conn_set_handlers(conn);
}

/*
 * Flushes or closes every connection that got output since the last
 * flush. Never called from inside a tree operation: closing a connection
 * frees its watches.
 */
static void server_flush(void *opaque)
{
    XsServer *s = opaque;

    while (s->flush_list->len) {
        XsServerConn *conn = g_ptr_array_steal_index_fast(s->flush_list, 0);

        conn->dirty = false;
        if (conn->broken || !conn_flush(conn)) {
            conn_close(conn);
        } else {
            conn_set_handlers(conn);
        }
    }
}

/*
 * Once a large output buffer is freed: the heap keeps freed memory for
 * reuse, so after a flood of clients that do not read most of the peak
 * would stay resident; glibc's malloc_trim() returns the free pages.
 * Measured with issue 12's probe as xenstore-hostile.sh runs it (8 MiB
 * before, a 16 MiB peak): once the slow clients were gone, RSS stayed at
 * 12-13 MiB without it, and came back to 9 MiB with it.
 */
static void server_trim(void *opaque)
{
#ifdef CONFIG_MALLOC_TRIM
    malloc_trim(0);
#endif
}

/* The replies (all but watch events) among @len bytes of whole messages. */
static unsigned count_replies(const uint8_t *buf, size_t len)
{
    unsigned n = 0;

    while (len >= sizeof(struct xsd_sockmsg)) {
        struct xsd_sockmsg hdr;

        memcpy(&hdr, buf, sizeof(hdr));
        if (hdr.len > len - sizeof(hdr)) {
            break;
        }
        n += hdr.type != XS_WATCH_EVENT;
        buf += sizeof(hdr) + hdr.len;
        len -= sizeof(hdr) + hdr.len;
    }
    return n;
}

/* The budget would give up on this client unless the socket takes more. */
static void conn_budget_flush(void *opaque)
{
    XsServerConn *conn = opaque;

    if (!conn->broken && !conn_flush(conn)) {
        conn_break(conn);
    }
}

/*
 * The budget gave up on this client, maybe on behalf of another one:
 * what it had queued is dropped now, the connection closed at the flush.
 */
static void conn_evict(void *opaque)
{
    XsServerConn *conn = opaque;

    g_byte_array_set_size(conn->out, 0);
    conn->out_off = 0;
    conn_break(conn);
}

static void conn_output(void *opaque, const void *buf, size_t len)
{
    XsServerConn *conn = opaque;

    /* Past a bound, the client that reads least goes: maybe this one. */
    if (conn->broken || !xenner_xs_budget_reserve(conn->budget, len)) {
        return;
    }
    g_byte_array_append(conn->out, buf, len);
    conn->out_peak = MAX(conn->out_peak, conn->out->len);
    conn->outstanding += count_replies(buf, len);
    /* Else the write handler sends it once the client reads. */
    if (!conn->writing) {
        conn_mark_dirty(conn);
    }
}

/*
 * Whether the next request may be answered: not while a guest's client
 * leaves its quota of replies unread. Its requests then wait in the
 * socket, where they cost us nothing, as in xenstored, which stops
 * reading a domain's ring with that many replies outstanding.
 */
static bool conn_may_take(XsServerConn *conn)
{
    XsQuota q;

    if (conn->server->domid == XS_DOMID_PRIVILEGED) {
        return true;
    }
    xenner_xs_tree_get_quota(conn->server->tree, &q);
    if (!q.outstanding || conn->outstanding < q.outstanding) {
        return true;
    }
    /* The replies may only be waiting for the flush after this batch. */
    if (!conn_flush(conn)) {
        conn_break(conn);
        return false;
    }
    return conn->outstanding < q.outstanding;
}

/*
 * Answers the requests in @len bytes while the connection may take more
 * and its turn (*@turn requests) lasts. Returns the number of bytes
 * taken, or -EMSGSIZE.
 */
static ssize_t conn_take(XsServerConn *conn, const uint8_t *p, size_t len,
                         unsigned *turn)
{
    size_t done = 0;

    while (done < len && *turn && !conn->broken) {
        ssize_t n;

        if (!conn_may_take(conn)) {
            conn->stalled = !conn->broken;
            break;
        }
        n = xenner_xs_wire_conn_input_one(conn->wire, p + done, len - done);
        if (n < 0) {
            return n;
        }
        done += n;
        (*turn)--;
    }
    return done;
}

/*
 * One turn of a connection: the input held back last time, then what
 * the socket has, up to BATCH_REQUESTS requests. What is left is kept for
 * the next turn, which comes when the client has read its replies if it
 * was stalled, else after the other clients' turns.
 */
static void conn_process(XsServerConn *conn)
{
    XsServer *s = conn->server;
    uint8_t buf[READ_CHUNK];
    unsigned turn = BATCH_REQUESTS;
    bool oversized = false, hangup = false;

    s->in_batch = true;
    if (conn->in) {
        ssize_t n = conn_take(conn, conn->in->data + conn->in_off,
                              conn->in->len - conn->in_off, &turn);

        if (n < 0) {
            oversized = true;
        } else {
            conn->in_off += n;
            if (conn->in_off == conn->in->len) {
                g_byte_array_unref(conn->in);
                conn->in = NULL;
                conn->in_off = 0;
            }
        }
    }
    while (!conn->in && !conn->broken && !oversized && turn) {
        ssize_t n = recv(conn->fd, buf, sizeof(buf), 0), taken;

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            break;
        }
        if (n <= 0) {
            hangup = true;
            break;
        }
        taken = conn_take(conn, buf, n, &turn);
        if (taken < 0) {
            oversized = true;
            break;
        }
        if (taken < n) {
            conn->in = g_byte_array_sized_new(n - taken);
            g_byte_array_append(conn->in, buf + taken, n - taken);
            conn->in_off = 0;
        }
        if ((size_t)n < sizeof(buf)) {
            break;
        }
    }
    s->in_batch = false;
    if (oversized) {
        warn_report_ratelimited(&s->rl, "xenstore: closing a client of %s "
                                "that sent an oversized request", s->path);
    }
    if (oversized || hangup) {
        conn_break(conn);
    } else if (conn->in && !conn->stalled && !conn->broken) {
        event_loop_schedule(s->loop, conn_resume, conn);
    }
    /*
     * A connection with replies queued is flushed first and has its
     * handlers set after: were they set now, the write handler would be
     * added and, once the replies went out, removed again, two
     * epoll_ctl() calls a request for nothing.
     */
    if (!conn->dirty) {
        conn_set_handlers(conn);
    }
    server_flush(s);
}

static void conn_read(void *opaque)
{
    conn_process(opaque);
}

static void conn_resume(void *opaque)
{
    XsServerConn *conn = opaque;

    if (!conn->stalled && !conn->broken) {
        conn_process(conn);
    }
}

/*
 * The domain is gone: close the connection at the next flush, as its ring
 * would be gone on Xen. Not at once: this comes from inside a request of
 * dom0's, with the tree in the middle of an operation.
 */
static void conn_released(void *opaque)
{
    conn_break(opaque);
}

static void server_accept(void *opaque)
{
    XsServer *s = opaque;

    for (;;) {
        int fd = accept4(s->listen_fd, NULL, NULL,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        XsServerConn *conn;

        if (fd < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN) {
                warn_report_ratelimited(&s->rl, "xenstore: accept on %s: %s",
                                        s->path, g_strerror(errno));
            }
            if ((errno == EMFILE || errno == ENFILE) && s->reserve_fd >= 0) {
                /*
                 * Out of descriptors. Left in the backlog, the client
                 * would keep the socket readable and the loop spinning:
                 * accept it with the spare descriptor and hang up at once.
                 */
                close(s->reserve_fd);
                fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (fd >= 0) {
                    close(fd);
                }
                s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (fd >= 0) {
                    continue;
                }
            }
            return;
        }
        /*
         * A released domain has no ring: none of its connections is
         * served until the toolstack introduces it again.
         */
        if (!xenner_xs_tree_is_introduced(s->tree, s->domid)) {
            trace("%s: connection %d refused, domain %u is not introduced",
                  s->path, fd, s->domid);
            close(fd);
            continue;
        }
        trace("%s: connection %d accepted, as domain %u", s->path, fd,
              s->domid);
        conn = g_new0(XsServerConn, 1);
        conn->server = s;
        conn->fd = fd;
        conn->out = g_byte_array_new();
        conn->budget = xenner_xs_budget_conn_new(s->budget, s->domid,
                                                 conn_budget_flush,
                                                 conn_evict, conn);
        conn->wire = xenner_xs_wire_conn_new(s->tree, s->domid, conn_output,
                                             conn);
        xenner_xs_wire_conn_set_released_fn(conn->wire, conn_released);
        g_ptr_array_add(s->conns, conn);
        if (!event_loop_set_fd_handler(s->loop, fd, conn_read, NULL, conn,
                                       NULL)) {
            conn_close(conn);
            continue;
        }
        conn->reading = true;
    }
}

XsServer *xenner_xs_server_new(EventLoop *loop, XsTree *tree,
                               XsBudget *budget, const char *path,
                               uint16_t domid, Error **errp)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct stat st;
    XsServer *s;
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        error_setg(errp, "xenstore socket path '%s' is too long", path);
        return NULL;
    }
    strcpy(addr.sun_path, path);
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "xenstore socket");
        return NULL;
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        error_setg_errno(errp, errno, "cannot bind xenstore socket '%s'",
                         path);
        close(fd);
        return NULL;
    }
    if (listen(fd, 128) < 0) {
        error_setg_errno(errp, errno, "listen on '%s'", path);
        close(fd);
        unlink(path);
        return NULL;
    }

    s = g_new0(XsServer, 1);
    s->loop = loop;
    s->tree = tree;
    s->budget = budget;
    s->path = g_strdup(path);
    s->listen_fd = fd;
    s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    s->domid = domid;
    s->conns = g_ptr_array_new();
    s->flush_list = g_ptr_array_new();
    if (!event_loop_set_fd_handler(loop, fd, server_accept, NULL, s, errp)) {
        xenner_xs_server_free(s);
        return NULL;
    }
    return s;
}

void xenner_xs_server_free(XsServer *s)
{
    if (!s) {
        return;
    }
    while (s->conns->len) {
        conn_close(g_ptr_array_index(s->conns, 0));
    }
    event_loop_cancel(s->loop, server_flush, s);
    event_loop_cancel(s->loop, server_trim, s);
    event_loop_set_fd_handler(s->loop, s->listen_fd, NULL, NULL, NULL, NULL);
    close(s->listen_fd);
    if (s->reserve_fd >= 0) {
        close(s->reserve_fd);
    }
    unlink(s->path);
    g_ptr_array_free(s->conns, true);
    g_ptr_array_free(s->flush_list, true);
    g_free(s->path);
    g_free(s);
}

/*
 * In the rig's one-vCPU dom0, test-xenstore's header write woke the
 * server, which read the header alone and slept until the payload came:
 * two wake-ups and five system calls a request. As SCHED_BATCH it was
 * woken once and made three (1528 and 2967 voluntary context switches
 * over 1525 requests), and the whole test-xenstore run took 13 % less.
 * Only wake-up preemption changes: the thread's share of the CPU stays
 * that of any other, and switching between SCHED_OTHER and SCHED_BATCH
 * needs no privilege.
 */
bool xenner_xs_server_sched_batch(Error **errp)
{
    struct sched_param param = { .sched_priority = 0 };

    if (sched_setscheduler(0, SCHED_BATCH, &param) < 0) {
        error_setg_errno(errp, errno, "sched_setscheduler(SCHED_BATCH)");
        return false;
    }
    return true;
}
