/*
 * socket chardev over a unix socket: a server with one client at a time
 * (later clients wait in the listen backlog until the current one leaves,
 * as in QEMU), or a client of an existing server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "char-int.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* How often a client's hang-up is polled while its input is not read. */
#define SOCKET_POLL_MS 100

typedef struct SocketChardev {
    Chardev parent;
    char *path;
    int listen_fd;              /* -1 in client mode */
    int fd;                     /* the connection, or -1 */
    EventLoopTimer *timer;
    RateLimit accept_rl;
} SocketChardev;

static const char *const socket_keys[] = { "path", "server", "wait", NULL };

static void socket_update(SocketChardev *s);

static void socket_warn(SocketChardev *s, Error *err)
{
    warn_report("chardev %s: %s", s->parent.label, error_get_pretty(err));
    error_free(err);
}

static void socket_disconnect(SocketChardev *s)
{
    Chardev *chr = &s->parent;

    event_loop_set_fd_handler(chr->loop, s->fd, NULL, NULL, NULL, NULL);
    close(s->fd);
    s->fd = -1;
    chardev_be_set_connected(chr, false);
    /* Output is dropped from now on: a waiting writer can go ahead. */
    chardev_be_write_ready(chr);
    socket_update(s);
}

/* A write found the peer gone: disconnect outside the user's call. */
static void socket_disconnect_bh(void *opaque)
{
    SocketChardev *s = opaque;

    if (s->fd >= 0) {
        socket_disconnect(s);
    }
}

static void socket_poll_hup(void *opaque)
{
    SocketChardev *s = opaque;

    if (s->fd >= 0 && chardev_fd_hung_up(s->fd)) {
        socket_disconnect(s);
    }
}

static void socket_readable(void *opaque)
{
    SocketChardev *s = opaque;
    ssize_t n = chardev_be_read_fd(&s->parent, s->fd);

    if (n == -ENOSPC) {
        socket_update(s);
    } else if (n == 0 || (n < 0 && n != -EAGAIN)) {
        socket_disconnect(s);
    }
}

static void socket_writable(void *opaque)
{
    SocketChardev *s = opaque;

    chardev_be_write_ready(&s->parent);
    socket_update(s);
}

static void socket_connected(SocketChardev *s, int fd)
{
    s->fd = fd;
    chardev_be_set_connected(&s->parent, true);
    socket_update(s);
}

static void socket_accept(void *opaque)
{
    SocketChardev *s = opaque;
    int fd;

    if (s->fd >= 0) {
        return;
    }
    fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        int err = errno;

        if (err != EAGAIN && err != EINTR && err != ECONNABORTED) {
            warn_report_ratelimited(&s->accept_rl,
                                    "chardev %s: accept on %s: %s",
                                    s->parent.label, s->path,
                                    g_strerror(err));
        }
        return;
    }
    socket_connected(s, fd);
}

/*
 * The listener is watched only while there is no client; the client's
 * input while the user has room, its output while a watch is pending,
 * and its hang-up by the timer when its input is not read.
 */
static void socket_update(SocketChardev *s)
{
    Chardev *chr = &s->parent;
    bool reading = s->fd >= 0 && chardev_be_can_read(chr) > 0;
    bool writing = s->fd >= 0 && chardev_be_write_pending(chr);
    bool polling = s->fd >= 0 && !reading;
    Error *err = NULL;

    if (s->listen_fd >= 0 &&
        !event_loop_set_fd_handler(chr->loop, s->listen_fd,
                                   s->fd < 0 ? socket_accept : NULL, NULL,
                                   s, &err)) {
        socket_warn(s, err);
        err = NULL;
    }
    if (s->fd >= 0 &&
        !event_loop_set_fd_handler(chr->loop, s->fd,
                                   reading ? socket_readable : NULL,
                                   writing ? socket_writable : NULL, s,
                                   &err)) {
        socket_warn(s, err);
        err = NULL;
    }
    if (!polling && s->timer) {
        event_loop_del_timer(chr->loop, s->timer);
        s->timer = NULL;
    } else if (polling && !s->timer) {
        s->timer = event_loop_add_timer(chr->loop, SOCKET_POLL_MS,
                                        socket_poll_hup, s, &err);
        if (!s->timer) {
            socket_warn(s, err);
        }
    }
}

static bool socket_addr(const char *path, struct sockaddr_un *addr,
                        Error **errp)
{
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr->sun_path)) {
        error_setg(errp, "UNIX socket path '%s' is too long", path);
        return false;
    }
    strcpy(addr->sun_path, path);
    return true;
}

static bool socket_listen(SocketChardev *s, const struct sockaddr_un *addr,
                          Error **errp)
{
    struct stat st;

    /* Only a stale socket is replaced, never another kind of file. */
    if (lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
        unlink(s->path) < 0 && errno != ENOENT) {
        error_setg_errno(errp, errno, "Failed to unlink socket %s", s->path);
        return false;
    }
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                          0);
    if (s->listen_fd < 0) {
        error_setg_errno(errp, errno, "Failed to create socket");
        return false;
    }
    if (bind(s->listen_fd, (const struct sockaddr *)addr,
             sizeof(*addr)) < 0) {
        error_setg_errno(errp, errno, "Failed to bind socket to %s", s->path);
        goto fail;
    }
    if (listen(s->listen_fd, 1) < 0) {
        error_setg_errno(errp, errno, "Failed to listen on socket %s",
                         s->path);
        unlink(s->path);
        goto fail;
    }
    return true;

fail:
    close(s->listen_fd);
    s->listen_fd = -1;
    return false;
}

/*
 * wait=on: start-up blocks until the first client, as in QEMU, but a
 * signal that stops the process (SIGTERM, SIGINT, SIGHUP through the
 * loop) ends the wait too: the chardev is then left as with wait=off,
 * and the loop, once it runs, stops at once and cleans up as always.
 */
static bool socket_wait_client(SocketChardev *s, Error **errp)
{
    EventLoop *loop = s->parent.loop;
    int fd;

    info_report("QEMU waiting for connection on: disconnected:unix:%s,"
                "server=on", s->path);
    for (;;) {
        if (event_loop_quit_pending(loop)) {
            return true;
        }
        if (!event_loop_wait_readable(loop, s->listen_fd, errp)) {
            error_prepend(errp, "Failed to wait for a client: ");
            return false;
        }
        fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            s->fd = fd;
            s->parent.connected = true;
            return true;
        }
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
            error_setg_errno(errp, errno, "Failed to accept a client");
            return false;
        }
    }
}

static bool socket_connect(SocketChardev *s, const struct sockaddr_un *addr,
                           Error **errp)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        error_setg_errno(errp, errno, "Failed to create socket");
        return false;
    }
    /* Blocking: a unix connect completes at once or fails. */
    if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0) {
        error_setg_errno(errp, errno, "Failed to connect to '%s'", s->path);
        close(fd);
        return false;
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        error_setg_errno(errp, errno, "Failed to set socket non-blocking");
        close(fd);
        return false;
    }
    s->fd = fd;
    s->parent.connected = true;
    return true;
}

static bool socket_open(Chardev *chr, QemuOpts *opts, Error **errp)
{
    SocketChardev *s = (SocketChardev *)chr;
    const char *path = qemu_opt_get(opts, "path");
    struct sockaddr_un addr;
    bool server;
    bool wait;

    s->listen_fd = -1;
    s->fd = -1;
    if (!path) {
        error_setg(errp, "chardev: socket: no path given (only unix "
                   "sockets are supported)");
        return false;
    }
    if (!chardev_opt_get_bool(opts, "server", false, &server, errp) ||
        !chardev_opt_get_bool(opts, "wait", true, &wait, errp) ||
        !socket_addr(path, &addr, errp)) {
        return false;
    }
    if (!server && qemu_opt_get(opts, "wait")) {
        error_setg(errp, "'wait' option is incompatible with socket in "
                   "client connect mode");
        return false;
    }
    s->path = g_strdup(path);
    if (!server) {
        if (!socket_connect(s, &addr, errp)) {
            goto fail;
        }
    } else {
        if (!socket_listen(s, &addr, errp)) {
            goto fail;
        }
        if (wait && !socket_wait_client(s, errp)) {
            close(s->listen_fd);
            unlink(s->path);
            goto fail;
        }
    }
    socket_update(s);
    return true;

fail:
    g_free(s->path);
    return false;
}

static void socket_close(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)chr;

    event_loop_cancel(chr->loop, socket_disconnect_bh, s);
    event_loop_del_timer(chr->loop, s->timer);
    if (s->fd >= 0) {
        event_loop_set_fd_handler(chr->loop, s->fd, NULL, NULL, NULL, NULL);
        close(s->fd);
    }
    if (s->listen_fd >= 0) {
        event_loop_set_fd_handler(chr->loop, s->listen_fd, NULL, NULL, NULL,
                                  NULL);
        close(s->listen_fd);
        unlink(s->path);
    }
    g_free(s->path);
}

static ssize_t socket_write(Chardev *chr, const void *buf, size_t len)
{
    SocketChardev *s = (SocketChardev *)chr;
    ssize_t n;

    if (s->fd < 0) {
        return len;
    }
    do {
        n = send(s->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
        return n;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return 0;
    }
    /* EPIPE, ECONNRESET: the client left; its output is dropped. */
    event_loop_schedule(chr->loop, socket_disconnect_bh, s);
    return len;
}

static void socket_update_input(Chardev *chr)
{
    socket_update((SocketChardev *)chr);
}

static bool socket_watch_output(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)chr;

    if (s->fd < 0) {
        return false;
    }
    socket_update(s);
    return true;
}

const ChardevClass chardev_socket_class = {
    .name = "socket",
    .instance_size = sizeof(SocketChardev),
    .keys = socket_keys,
    .open = socket_open,
    .close = socket_close,
    .write = socket_write,
    .update_input = socket_update_input,
    .watch_output = socket_watch_output,
};
