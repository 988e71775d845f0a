/*
 * pty chardev: a pseudo-terminal whose slave (/dev/pts/N) a user opens
 * with a terminal program. Opening and closing the slave shows on no file
 * descriptor while we are not reading, so its state is polled.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "char-int.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

/* How often the slave's state is polled while input does not tell us. */
#define PTY_POLL_MS 100

typedef struct PtyChardev {
    Chardev parent;
    int master;
    char *path;
    EventLoopTimer *timer;
} PtyChardev;

static void pty_update(PtyChardev *p);

static void pty_hang_up(PtyChardev *p)
{
    Chardev *chr = &p->parent;

    event_loop_set_fd_handler(chr->loop, p->master, NULL, NULL, NULL, NULL);
    chardev_be_set_connected(chr, false);
    /* Output is dropped from now on: a waiting writer can go ahead. */
    chardev_be_write_ready(chr);
    pty_update(p);
}

/* A write found the slave gone: hang up outside the user's call. */
static void pty_hang_up_bh(void *opaque)
{
    PtyChardev *p = opaque;

    if (p->parent.connected) {
        pty_hang_up(p);
    }
}

static void pty_poll_state(void *opaque)
{
    PtyChardev *p = opaque;
    bool hup = chardev_fd_hung_up(p->master);

    if (p->parent.connected && hup) {
        pty_hang_up(p);
    } else if (!p->parent.connected && !hup) {
        chardev_be_set_connected(&p->parent, true);
        pty_update(p);
    }
}

static void pty_readable(void *opaque)
{
    PtyChardev *p = opaque;
    ssize_t n = chardev_be_read_fd(&p->parent, p->master);

    if (n == -ENOSPC) {
        pty_update(p);
    } else if (n == 0 || (n < 0 && n != -EAGAIN)) {
        /* EIO: the last slave file descriptor was closed. */
        pty_hang_up(p);
    }
}

static void pty_writable(void *opaque)
{
    PtyChardev *p = opaque;

    /* One-shot: stop watching before the user writes again. */
    chardev_be_write_ready(&p->parent);
    pty_update(p);
}

/*
 * Input is polled while the slave is open and the user has room; output
 * while a write watch is pending. Otherwise the timer keeps an eye on the
 * slave.
 */
static void pty_update(PtyChardev *p)
{
    Chardev *chr = &p->parent;
    bool reading = chr->connected && chardev_be_can_read(chr) > 0;
    bool writing = chr->connected && chardev_be_write_pending(chr);
    Error *err = NULL;

    if (!event_loop_set_fd_handler(chr->loop, p->master,
                                   reading ? pty_readable : NULL,
                                   writing ? pty_writable : NULL, p, &err)) {
        warn_report("chardev %s: %s", chr->label, error_get_pretty(err));
        error_free(err);
    }
    if (reading && p->timer) {
        event_loop_del_timer(chr->loop, p->timer);
        p->timer = NULL;
    } else if (!reading && !p->timer) {
        p->timer = event_loop_add_timer(chr->loop, PTY_POLL_MS,
                                        pty_poll_state, p, &err);
        if (!p->timer) {
            warn_report("chardev %s: %s", chr->label, error_get_pretty(err));
            error_free(err);
        }
    }
}

static bool pty_open(Chardev *chr, QemuOpts *opts, Error **errp)
{
    PtyChardev *p = (PtyChardev *)chr;
    struct termios tio;
    char path[64];
    int slave;

    p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (p->master < 0) {
        error_setg_errno(errp, errno, "Failed to create PTY");
        return false;
    }
    if (grantpt(p->master) < 0 || unlockpt(p->master) < 0 ||
        ptsname_r(p->master, path, sizeof(path)) != 0) {
        error_setg_errno(errp, errno, "Failed to create PTY");
        goto fail;
    }
    /*
     * The master hangs up only after a slave has been closed; open and
     * close one so that "nobody has it open" reads the same from the
     * start as after a terminal program quit.
     */
    slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        error_setg_errno(errp, errno, "Failed to open PTY slave %s", path);
        goto fail;
    }
    /* Termios set through the master apply to the slave: bytes pass raw. */
    if (tcgetattr(p->master, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(p->master, TCSAFLUSH, &tio);
    }
    close(slave);
    if (fcntl(p->master, F_SETFL,
              fcntl(p->master, F_GETFL) | O_NONBLOCK) < 0) {
        error_setg_errno(errp, errno, "Failed to set PTY non-blocking");
        goto fail;
    }
    p->path = g_strdup(path);
    info_report("char device redirected to %s (label %s)", p->path,
                chr->label);
    pty_update(p);
    return true;

fail:
    close(p->master);
    return false;
}

static void pty_close(Chardev *chr)
{
    PtyChardev *p = (PtyChardev *)chr;

    event_loop_cancel(chr->loop, pty_hang_up_bh, p);
    event_loop_del_timer(chr->loop, p->timer);
    event_loop_set_fd_handler(chr->loop, p->master, NULL, NULL, NULL, NULL);
    close(p->master);
    g_free(p->path);
}

static ssize_t pty_write(Chardev *chr, const void *buf, size_t len)
{
    PtyChardev *p = (PtyChardev *)chr;
    ssize_t n;

    if (!chr->connected) {
        return len;
    }
    do {
        n = write(p->master, buf, len);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
        return n;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return 0;
    }
    /* The slave went away (EIO): what it would have read is dropped. */
    event_loop_schedule(chr->loop, pty_hang_up_bh, p);
    return len;
}

static void pty_update_input(Chardev *chr)
{
    pty_update((PtyChardev *)chr);
}

static bool pty_watch_output(Chardev *chr)
{
    if (!chr->connected) {
        return false;
    }
    pty_update((PtyChardev *)chr);
    return true;
}

const char *chardev_pty_path(const Chardev *chr)
{
    if (chr->cls != &chardev_pty_class) {
        return NULL;
    }
    return ((const PtyChardev *)chr)->path;
}

const ChardevClass chardev_pty_class = {
    .name = "pty",
    .instance_size = sizeof(PtyChardev),
    .keys = NULL,
    .open = pty_open,
    .close = pty_close,
    .write = pty_write,
    .update_input = pty_update_input,
    .watch_output = pty_watch_output,
};
