/*
 * -netdev stream: Ethernet frames over a unix or TCP stream socket in
 * QEMU's framing (stream-frame.h), so that another QEMU, passt or a test
 * can be the other end.
 *
 *   -netdev stream,id=ID,server=on|off,addr.type=unix,addr.path=PATH
 *   -netdev stream,id=ID,server=on|off,addr.type=inet,addr.host=H,
 *           addr.port=P[,reconnect=SECONDS]
 *
 * A server takes one peer at a time, as QEMU's does; a client connects
 * at start-up and, with reconnect=, again after the peer went. While no
 * peer is there, frames from the guest are dropped, as QEMU drops them
 * (while a connect() is under way they wait for it).
 * The wire carries no virtio-net header: the core finishes offloads
 * before a frame gets here, and frames from the peer are plain.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "net"

#include "net/net-int.h"
#include "net/stream-frame.h"

#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/trace.h"

/* How much may wait for the peer before the guest is told to stop. */
#define STREAM_OUT_MAX (256 * 1024)
#define STREAM_IN_SIZE (64 * 1024)

typedef struct NetStream {
    NetDev *nd;
    bool server;
    bool is_unix;
    char *path;                 /* addr.path */
    char *host, *port;          /* addr.host, addr.port */
    char *what;                 /* the address, for messages */
    unsigned reconnect;         /* seconds; 0: never */
    EventLoopTimer *retry;

    int listen_fd;
    int fd;                     /* the peer's, or -1 */
    bool connecting;            /* fd is a connect() under way */
    bool reading;               /* attached */
    bool rx_stopped;            /* the guest is full */

    NetStreamDecoder *dec;
    uint8_t *in;                /* read from the peer, not decoded yet */
    size_t in_pos, in_len;
    GByteArray *out;            /* framed, not written yet */
    size_t out_pos;
    bool blocked;               /* -EAGAIN given to the core */
} NetStream;

static const char *const stream_keys[] = {
    "server", "addr.type", "addr.path", "addr.host", "addr.port",
    "reconnect", NULL,
};

static void stream_io(void *opaque);
static void stream_accept(void *opaque);
static bool stream_connect(NetStream *s, Error **errp);

static void stream_update(NetStream *s)
{
    bool rd, wr;

    if (s->fd < 0) {
        return;
    }
    rd = !s->connecting && s->reading && !s->rx_stopped;
    wr = s->connecting || s->out_pos < s->out->len;
    event_loop_set_fd_handler(s->nd->loop, s->fd, rd ? stream_io : NULL,
                              wr ? stream_io : NULL, s, NULL);
}

static void stream_retry(void *opaque)
{
    NetStream *s = opaque;
    Error *err = NULL;

    if (stream_connect(s, &err)) {
        return;
    }
    trace("netdev %s: %s", s->nd->id, error_get_pretty(err));
    error_free(err);
}

/* The peer went (or never came): back to waiting for one. */
static void stream_disconnect(NetStream *s)
{
    NetDev *nd = s->nd;

    if (s->fd >= 0) {
        event_loop_set_fd_handler(nd->loop, s->fd, NULL, NULL, NULL, NULL);
        close(s->fd);
        s->fd = -1;
        trace("netdev %s: peer on %s gone", nd->id, s->what);
    }
    s->connecting = false;
    s->rx_stopped = false;
    net_stream_decoder_reset(s->dec);
    s->in_pos = s->in_len = 0;
    g_byte_array_set_size(s->out, 0);
    s->out_pos = 0;
    if (s->server) {
        event_loop_set_fd_handler(nd->loop, s->listen_fd, stream_accept,
                                  NULL, s, NULL);
    } else if (s->reconnect && !s->retry) {
        s->retry = event_loop_add_timer(nd->loop, s->reconnect * 1000,
                                        stream_retry, s, NULL);
    }
    if (s->blocked) {
        /* Nothing waits any more: frames are dropped until a peer comes. */
        s->blocked = false;
        net_dev_host_writable(nd, 0);
    }
}

static void stream_connected(NetStream *s)
{
    s->connecting = false;
    event_loop_del_timer(s->nd->loop, s->retry);
    s->retry = NULL;
    trace("netdev %s: connected on %s", s->nd->id, s->what);
    stream_update(s);
}

/* Decodes and delivers what was read; false when the peer broke the protocol. */
static bool stream_process(NetStream *s)
{
    while (!s->rx_stopped && s->in_pos < s->in_len) {
        size_t len;
        ssize_t used = net_stream_decode(s->dec, s->in + s->in_pos,
                                         s->in_len - s->in_pos, &len);

        if (used < 0) {
            warn_report("netdev %s: the peer on %s sent a frame length "
                        "of 0 or above %u: not QEMU's stream protocol; "
                        "disconnected", s->nd->id, s->what,
                        (unsigned)NET_FRAME_MAX);
            return false;
        }
        s->in_pos += used;
        if (len) {
            struct iovec iov = { .iov_base = s->dec->buf, .iov_len = len };

            if (!net_dev_deliver(s->nd, 0, NULL, &iov, 1)) {
                s->rx_stopped = true;
            }
        }
    }
    if (s->in_pos == s->in_len) {
        s->in_pos = s->in_len = 0;
    }
    return true;
}

static bool stream_flush(NetStream *s)
{
    while (s->out_pos < s->out->len) {
        ssize_t n = send(s->fd, s->out->data + s->out_pos,
                         s->out->len - s->out_pos, MSG_NOSIGNAL);

        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                return false;
            }
            /* What was written goes, so the buffer stays bounded. */
            g_byte_array_remove_range(s->out, 0, s->out_pos);
            s->out_pos = 0;
            return true;
        }
        s->out_pos += n;
    }
    g_byte_array_set_size(s->out, 0);
    s->out_pos = 0;
    return true;
}

static void stream_io(void *opaque)
{
    NetStream *s = opaque;

    if (s->connecting) {
        int err = 0;
        socklen_t len = sizeof(err);

        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
            err = errno;
        }
        if (err) {
            trace("netdev %s: cannot connect to %s: %s", s->nd->id,
                  s->what, g_strerror(err));
            stream_disconnect(s);
            return;
        }
        stream_connected(s);
        return;
    }
    if (s->out_pos < s->out->len) {
        if (!stream_flush(s)) {
            stream_disconnect(s);
            return;
        }
        if (s->out_pos == s->out->len && s->blocked) {
            s->blocked = false;
            net_dev_host_writable(s->nd, 0);
        }
    }
    if (s->fd >= 0 && s->reading && !s->rx_stopped && !s->in_len) {
        ssize_t n = recv(s->fd, s->in, STREAM_IN_SIZE, 0);

        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                       errno != EINTR)) {
            stream_disconnect(s);
            return;
        }
        if (n > 0) {
            s->in_len = n;
        }
    }
    if (s->fd >= 0 && !stream_process(s)) {
        stream_disconnect(s);
        return;
    }
    stream_update(s);
}

static void stream_accept(void *opaque)
{
    NetStream *s = opaque;
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (fd < 0) {
        return;
    }
    /* One peer at a time: the next one waits in the backlog. */
    event_loop_set_fd_handler(s->nd->loop, s->listen_fd, NULL, NULL, NULL,
                              NULL);
    s->fd = fd;
    stream_connected(s);
}

/* The socket address of addr.*: one, as given. */
static int stream_socket(NetStream *s, struct sockaddr_storage *sa,
                         socklen_t *salen, Error **errp)
{
    if (s->is_unix) {
        struct sockaddr_un *un = (struct sockaddr_un *)sa;

        if (strlen(s->path) >= sizeof(un->sun_path)) {
            error_setg(errp, "UNIX socket path '%s' is too long", s->path);
            return -1;
        }
        memset(un, 0, sizeof(*un));
        un->sun_family = AF_UNIX;
        strcpy(un->sun_path, s->path);
        *salen = sizeof(*un);
    } else {
        struct addrinfo hints = {
            .ai_family = AF_UNSPEC,
            .ai_socktype = SOCK_STREAM,
            .ai_flags = AI_NUMERICSERV | (s->server ? AI_PASSIVE : 0),
        };
        struct addrinfo *res;
        int ret = getaddrinfo(s->host, s->port, &hints, &res);

        if (ret) {
            error_setg(errp, "address resolution failed for %s:%s: %s",
                       s->host, s->port, gai_strerror(ret));
            return -1;
        }
        memcpy(sa, res->ai_addr, res->ai_addrlen);
        *salen = res->ai_addrlen;
        freeaddrinfo(res);
    }
    return socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  0);
}

static bool stream_connect(NetStream *s, Error **errp)
{
    struct sockaddr_storage sa;
    socklen_t salen;
    int fd = stream_socket(s, &sa, &salen, errp);

    if (fd < 0) {
        if (errp && !*errp) {
            error_setg_errno(errp, errno, "socket");
        }
        return false;
    }
    if (connect(fd, (struct sockaddr *)&sa, salen) < 0) {
        if (errno != EINPROGRESS) {
            error_setg_errno(errp, errno, "Failed to connect to '%s'",
                             s->what);
            close(fd);
            return false;
        }
        s->connecting = true;
    }
    s->fd = fd;
    if (s->connecting) {
        stream_update(s);
    } else {
        stream_connected(s);
    }
    return true;
}

static bool stream_listen(NetStream *s, Error **errp)
{
    struct sockaddr_storage sa;
    socklen_t salen;
    int one = 1;
    int fd = stream_socket(s, &sa, &salen, errp);

    if (fd < 0) {
        if (errp && !*errp) {
            error_setg_errno(errp, errno, "socket");
        }
        return false;
    }
    if (s->is_unix) {
        unlink(s->path);        /* a stale socket file, as QEMU does */
    } else {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    }
    if (bind(fd, (struct sockaddr *)&sa, salen) < 0 || listen(fd, 1) < 0) {
        error_setg_errno(errp, errno, "Failed to bind socket %s", s->what);
        close(fd);
        return false;
    }
    s->listen_fd = fd;
    event_loop_set_fd_handler(s->nd->loop, fd, stream_accept, NULL, s,
                              NULL);
    return true;
}

static bool stream_parse(NetStream *s, QemuOpts *opts, Error **errp)
{
    const char *server = qemu_opt_get(opts, "server");
    const char *type = qemu_opt_get(opts, "addr.type");
    const char *own[2], *other[2];
    uint64_t reconnect;

    if (server && !strcmp(server, "on")) {
        s->server = true;
    } else if (server && strcmp(server, "off")) {
        error_setg(errp, "Parameter 'server' expects 'on' or 'off'");
        return false;
    }
    if (!type && !qemu_opt_get(opts, "addr.path") &&
        !qemu_opt_get(opts, "addr.host") && !qemu_opt_get(opts, "addr.port")) {
        error_setg(errp, "Parameter 'addr' is missing");
        return false;
    }
    if (!type) {
        error_setg(errp, "Parameter 'addr.type' is missing");
        return false;
    }
    if (!strcmp(type, "unix")) {
        s->is_unix = true;
        own[0] = "addr.path";
        own[1] = NULL;
        other[0] = "addr.host";
        other[1] = "addr.port";
    } else if (!strcmp(type, "inet")) {
        own[0] = "addr.host";
        own[1] = "addr.port";
        other[0] = "addr.path";
        other[1] = NULL;
    } else {
        error_setg(errp, "Parameter 'addr.type' does not accept value '%s'",
                   type);
        return false;
    }
    for (int i = 0; i < 2; i++) {
        if (own[i] && !qemu_opt_get(opts, own[i])) {
            error_setg(errp, "Parameter '%s' is missing", own[i]);
            return false;
        }
        if (other[i] && qemu_opt_get(opts, other[i])) {
            error_setg(errp, "Parameter '%s' is unexpected", other[i]);
            return false;
        }
    }
    if (!qemu_opt_get_number(opts, "reconnect", 0, UINT32_MAX / 1000,
                             &reconnect, errp)) {
        return false;
    }
    if (reconnect && s->server) {
        error_setg(errp, "'reconnect' option is incompatible with socket "
                   "in server listening mode");
        return false;
    }
    s->reconnect = reconnect;
    s->path = g_strdup(qemu_opt_get(opts, "addr.path"));
    s->host = g_strdup(qemu_opt_get(opts, "addr.host"));
    s->port = g_strdup(qemu_opt_get(opts, "addr.port"));
    s->what = s->is_unix ? g_strdup(s->path)
                         : g_strdup_printf("%s:%s", s->host, s->port);
    return true;
}

static bool stream_open(NetDev *nd, QemuOpts *opts, Error **errp)
{
    NetStream *s = g_new0(NetStream, 1);

    s->nd = nd;
    s->fd = -1;
    s->listen_fd = -1;
    s->dec = g_new(NetStreamDecoder, 1);
    net_stream_decoder_reset(s->dec);
    s->in = g_malloc(STREAM_IN_SIZE);
    s->out = g_byte_array_new();
    nd->state = s;
    if (!stream_parse(s, opts, errp)) {
        return false;
    }
    if (s->server) {
        return stream_listen(s, errp);
    }
    if (!s->reconnect) {
        return stream_connect(s, errp);
    }
    /* The peer may come later: reconnect= says to keep trying. */
    stream_retry(s);
    if (s->fd < 0) {
        stream_disconnect(s);
    }
    return true;
}

static void stream_close(NetDev *nd)
{
    NetStream *s = nd->state;

    if (!s) {
        return;
    }
    event_loop_del_timer(nd->loop, s->retry);
    if (s->fd >= 0) {
        event_loop_set_fd_handler(nd->loop, s->fd, NULL, NULL, NULL, NULL);
        close(s->fd);
    }
    if (s->listen_fd >= 0) {
        event_loop_set_fd_handler(nd->loop, s->listen_fd, NULL, NULL, NULL,
                                  NULL);
        close(s->listen_fd);
        if (s->is_unix) {
            unlink(s->path);
        }
    }
    g_byte_array_unref(s->out);
    g_free(s->in);
    g_free(s->dec);
    g_free(s->path);
    g_free(s->host);
    g_free(s->port);
    g_free(s->what);
    g_free(s);
}

static void stream_start(NetDev *nd)
{
    NetStream *s = nd->state;

    s->reading = true;
    stream_update(s);
}

static void stream_stop(NetDev *nd)
{
    NetStream *s = nd->state;

    s->reading = false;
    s->rx_stopped = false;
    s->blocked = false;
    stream_update(s);
}

static void stream_resume_bh(void *opaque)
{
    NetStream *s = opaque;

    if (s->fd < 0) {
        return;
    }
    if (!stream_process(s)) {
        stream_disconnect(s);
        return;
    }
    stream_update(s);
}

static void stream_resume(NetDev *nd, unsigned queue)
{
    NetStream *s = nd->state;

    s->rx_stopped = false;
    stream_resume_bh(s);
}

static int stream_send(NetDev *nd, unsigned queue,
                       const struct virtio_net_hdr *hdr,
                       const struct iovec *iov, int iovcnt)
{
    NetStream *s = nd->state;
    size_t len = net_iov_size(iov, iovcnt);
    uint8_t be[4];

    if (s->fd < 0) {
        return 0;               /* no peer: dropped, as QEMU does */
    }
    if (s->out->len - s->out_pos >= STREAM_OUT_MAX) {
        s->blocked = true;
        return -EAGAIN;
    }
    net_stream_encode_len(be, len);
    g_byte_array_append(s->out, be, 4);
    for (int i = 0; i < iovcnt; i++) {
        g_byte_array_append(s->out, iov[i].iov_base, iov[i].iov_len);
    }
    /* While connect() is under way the frame waits in the buffer. */
    if (!s->connecting && !stream_flush(s)) {
        stream_disconnect(s);
        return 0;
    }
    stream_update(s);
    return 0;
}

const NetDevClass net_stream_class = {
    .type = "stream",
    .keys = stream_keys,
    .open = stream_open,
    .close = stream_close,
    .start = stream_start,
    .stop = stream_stop,
    .resume = stream_resume,
    .send = stream_send,
};
