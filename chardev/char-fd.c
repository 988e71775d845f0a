/*
 * Chardevs over plain file descriptors: file (output to a file), stdio
 * (the process's terminal or pipes) and null (nothing at all).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "char-int.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* file */

typedef struct FileChardev {
    Chardev parent;
    int fd;
} FileChardev;

static const char *const file_keys[] = { "path", "append", NULL };

static bool file_open(Chardev *chr, QemuOpts *opts, Error **errp)
{
    FileChardev *f = (FileChardev *)chr;
    const char *path = qemu_opt_get(opts, "path");
    bool append;

    if (!path) {
        error_setg(errp, "chardev: file: no filename given");
        return false;
    }
    if (!chardev_opt_get_bool(opts, "append", false, &append, errp)) {
        return false;
    }
    f->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
                 (append ? O_APPEND : O_TRUNC), 0666);
    if (f->fd < 0) {
        error_setg_errno(errp, errno, "Could not open '%s'", path);
        return false;
    }
    chr->connected = true;
    return true;
}

static void file_close(Chardev *chr)
{
    close(((FileChardev *)chr)->fd);
}

/* A regular file never makes us wait, so everything is written. */
static ssize_t file_write(Chardev *chr, const void *buf, size_t len)
{
    FileChardev *f = (FileChardev *)chr;
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(f->fd, (const char *)buf + done, len - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return done ? (ssize_t)done : -errno;
        }
        if (n == 0) {
            break;
        }
        done += n;
    }
    return done;
}

const ChardevClass chardev_file_class = {
    .name = "file",
    .instance_size = sizeof(FileChardev),
    .keys = file_keys,
    .open = file_open,
    .close = file_close,
    .write = file_write,
};

/* stdio */

typedef struct StdioChardev {
    Chardev parent;
    int in_fd;                  /* -1 after end of input */
    int out_fd;
    bool own_in;                /* in_fd/out_fd are our own descriptions */
    bool own_out;
} StdioChardev;

static const char *const stdio_keys[] = { "signal", NULL };

/*
 * The terminal and the atexit() hook are process-wide, so this is the
 * one piece of state kept outside a context struct: it also enforces a
 * single stdio chardev per process, as QEMU does.
 */
static struct {
    bool in_use;
    bool saved;
    bool atexit_done;
    struct termios tio;
} stdio_term;

static void stdio_restore_term(void)
{
    if (stdio_term.saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_term.tio);
        stdio_term.saved = false;
    }
}

/*
 * O_NONBLOCK lives in the open file description, which stdin and stdout
 * share with the shell and with stderr. A tty or fifo is reopened to get
 * a description of our own; a regular file never blocks and keeps its
 * offset by staying as it is.
 */
static int stdio_own_fd(int fd, int mode, bool *own)
{
    struct stat st;
    g_autofree char *path = NULL;
    int nfd;

    *own = false;
    if (fstat(fd, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        return fd;
    }
    path = g_strdup_printf("/proc/self/fd/%d", fd);
    nfd = open(path, mode | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (nfd < 0) {
        return fd;
    }
    *own = true;
    return nfd;
}

static void stdio_readable(void *opaque);

static void stdio_stop_input(StdioChardev *s)
{
    event_loop_set_fd_handler(s->parent.loop, s->in_fd, NULL, NULL, NULL,
                              NULL);
    if (s->own_in) {
        close(s->in_fd);
    }
    s->in_fd = -1;
}

static void stdio_update(StdioChardev *s)
{
    Chardev *chr = &s->parent;
    bool reading = s->in_fd >= 0 && chardev_be_can_read(chr) > 0;

    if (s->in_fd < 0) {
        return;
    }
    /*
     * epoll refuses regular files and /dev/null: such a stdin is at its
     * end already, as far as a console can tell.
     */
    if (!event_loop_set_fd_handler(chr->loop, s->in_fd,
                                   reading ? stdio_readable : NULL, NULL, s,
                                   NULL)) {
        stdio_stop_input(s);
    }
}

static void stdio_writable(void *opaque)
{
    StdioChardev *s = opaque;

    event_loop_set_fd_handler(s->parent.loop, s->out_fd, NULL, NULL, NULL,
                              NULL);
    chardev_be_write_ready(&s->parent);
}

static void stdio_readable(void *opaque)
{
    StdioChardev *s = opaque;
    ssize_t n = chardev_be_read_fd(&s->parent, s->in_fd);

    if (n == -ENOSPC) {
        stdio_update(s);
    } else if (n == 0 || (n < 0 && n != -EAGAIN)) {
        /* End of input (a pipe or file): stop polling, keep output. */
        stdio_stop_input(s);
    }
}

static bool stdio_open(Chardev *chr, QemuOpts *opts, Error **errp)
{
    StdioChardev *s = (StdioChardev *)chr;
    bool allow_signal;

    if (stdio_term.in_use) {
        error_setg(errp, "cannot use stdio by multiple character devices");
        return false;
    }
    if (!chardev_opt_get_bool(opts, "signal", true, &allow_signal, errp)) {
        return false;
    }
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &stdio_term.tio) == 0) {
        struct termios tio = stdio_term.tio;

        if (!stdio_term.atexit_done) {
            atexit(stdio_restore_term);
            stdio_term.atexit_done = true;
        }
        stdio_term.saved = true;
        cfmakeraw(&tio);
        /* Keep "\n" → "\r\n" so guest output stays readable. */
        tio.c_oflag |= OPOST;
        if (allow_signal) {
            tio.c_lflag |= ISIG;
        }
        tcsetattr(STDIN_FILENO, TCSANOW, &tio);
    }
    stdio_term.in_use = true;
    s->in_fd = stdio_own_fd(STDIN_FILENO, O_RDONLY, &s->own_in);
    s->out_fd = stdio_own_fd(STDOUT_FILENO, O_WRONLY, &s->own_out);
    chr->connected = true;
    stdio_update(s);
    return true;
}

static void stdio_close(Chardev *chr)
{
    StdioChardev *s = (StdioChardev *)chr;

    if (s->in_fd >= 0) {
        stdio_stop_input(s);
    }
    event_loop_set_fd_handler(chr->loop, s->out_fd, NULL, NULL, NULL, NULL);
    if (s->own_out) {
        close(s->out_fd);
    }
    stdio_restore_term();
    stdio_term.in_use = false;
}

static ssize_t stdio_write(Chardev *chr, const void *buf, size_t len)
{
    StdioChardev *s = (StdioChardev *)chr;
    ssize_t n;

    do {
        n = write(s->out_fd, buf, len);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
        return n;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return 0;
    }
    /* EPIPE and the like: nobody reads stdout any more; drop. */
    return len;
}

static void stdio_update_input(Chardev *chr)
{
    stdio_update((StdioChardev *)chr);
}

static bool stdio_watch_output(Chardev *chr)
{
    StdioChardev *s = (StdioChardev *)chr;

    /* Only our own non-blocking description ever comes up short. */
    if (!s->own_out) {
        return false;
    }
    return event_loop_set_fd_handler(chr->loop, s->out_fd, NULL,
                                     stdio_writable, s, NULL);
}

const ChardevClass chardev_stdio_class = {
    .name = "stdio",
    .instance_size = sizeof(StdioChardev),
    .keys = stdio_keys,
    .open = stdio_open,
    .close = stdio_close,
    .write = stdio_write,
    .update_input = stdio_update_input,
    .watch_output = stdio_watch_output,
};

/* null */

static bool null_open(Chardev *chr, QemuOpts *opts, Error **errp)
{
    /* No peer ever: like QEMU, a null chardev never reports "opened". */
    return true;
}

static void null_close(Chardev *chr)
{
}

static ssize_t null_write(Chardev *chr, const void *buf, size_t len)
{
    return len;
}

const ChardevClass chardev_null_class = {
    .name = "null",
    .instance_size = sizeof(Chardev),
    .keys = NULL,
    .open = null_open,
    .close = null_close,
    .write = null_write,
};
