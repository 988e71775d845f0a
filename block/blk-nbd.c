/*
 * The nbd engine: every image format other than raw is left to QEMU's
 * own block layer. A qemu-storage-daemon (or qemu-nbd) is started to
 * serve the image on a unix socket in a private directory (removed once
 * connected: blk-nbd-dir.c), or an NBD URI is used as given; libnbd's
 * asynchronous API talks to it from the event loop.
 *
 * libnbd calls completion callbacks from inside its own calls (even
 * while a command is being issued), so they only record the result:
 * the user callbacks run afterwards, from the fd handlers or a bottom
 * half.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "blk"

#include "block/blk.h"
#include "blk-int.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <libnbd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define BLK_NBD_EXPORT "disk"
/*
 * Spent only while the daemon lives and has not listened yet: one that
 * fails is seen at once. Its start-up is slow under load (in the rig, a
 * dom0 under TCG loads it over 9p beside a sanitizer suite), and the
 * 10 s this once was is the likely reason a qcow2 disk in the rig
 * failed to connect in one loaded run.
 */
#define BLK_NBD_CONNECT_TIMEOUT_US (60 * G_USEC_PER_SEC)
#define BLK_NBD_STOP_TIMEOUT_US (5 * G_USEC_PER_SEC)
/* NBD lengths are 32 bits; servers commonly take 32 MiB per command. */
#define BLK_NBD_MAX_REQUEST (32u << 20)
#define BLK_NBD_MAX_TRIM (1u << 30)
/* What the daemon said before it served: enough for any refusal. */
#define BLK_NBD_MAX_STARTUP_OUTPUT (16u << 10)

typedef struct BlkNbd {
    BlkDev *b;
    struct nbd_handle *nbd;
    int fd;                     /* watched by the loop; -1: none */
    unsigned dir;               /* LIBNBD_AIO_DIRECTION_* watched */
    uint64_t max_request;
    BlkReq *done_head;          /* requests whose commands all finished */
    BlkReq **done_tail;
    GPid pid;                   /* the daemon; 0: none */
    char *name;                 /* for messages */
    bool lost;                  /* the connection died; reported */
    BlkNbdDir *sock_dir;        /* NULL once connected */
    char *sock;
    /*
     * The daemon's stdout and stderr: kept while it starts, so that its
     * refusal (a lock held elsewhere, a corrupt image) becomes the open's
     * error; copied to our stderr once it serves.
     */
    int out_fd;                 /* -1: none */
    GString *startup_output;
} BlkNbd;

static void blk_nbd_done_bh(void *opaque);

static BlkReq *blk_nbd_take_done(BlkNbd *u)
{
    BlkReq *list = u->done_head;

    u->done_head = NULL;
    u->done_tail = &u->done_head;
    return list;
}

static void blk_nbd_run_done(BlkNbd *u)
{
    BlkReq *req = blk_nbd_take_done(u);

    while (req) {
        BlkReq *next = req->next;

        blk_req_complete(u->b, req, req->ret);
        req = next;
    }
}

static void blk_nbd_req_done(BlkNbd *u, BlkReq *req)
{
    req->next = NULL;
    *u->done_tail = req;
    u->done_tail = &req->next;
    event_loop_schedule(u->b->loop, blk_nbd_done_bh, u);
}

static void blk_nbd_done_bh(void *opaque)
{
    blk_nbd_run_done(opaque);
}

static int blk_nbd_cmd_done(void *user_data, int *error)
{
    BlkReq *req = user_data;

    /* The first error wins. */
    if (*error && !req->ret) {
        req->ret = -*error;
    }
    if (--req->pending == 0) {
        blk_nbd_req_done(req->dev->engine, req);
    }
    return 1;                   /* retire the command */
}

static void blk_nbd_readable(void *opaque);
static void blk_nbd_writable(void *opaque);

/* libnbd's wishes change after every call into it: follow them. */
static void blk_nbd_update(BlkNbd *u)
{
    int fd = nbd_aio_get_fd(u->nbd);
    unsigned dir = fd >= 0 ? nbd_aio_get_direction(u->nbd) : 0;

    if (u->fd >= 0 && fd != u->fd) {
        event_loop_set_fd_handler(u->b->loop, u->fd, NULL, NULL, NULL, NULL);
        u->fd = -1;
        u->dir = 0;
    }
    if (fd < 0 || (fd == u->fd && dir == u->dir)) {
        return;
    }
    event_loop_set_fd_handler(u->b->loop, fd,
                              dir & LIBNBD_AIO_DIRECTION_READ ?
                              blk_nbd_readable : NULL,
                              dir & LIBNBD_AIO_DIRECTION_WRITE ?
                              blk_nbd_writable : NULL, u, NULL);
    u->fd = dir ? fd : -1;
    u->dir = dir;
}

/* libnbd fails the commands in flight itself: only tell the admin. */
static void blk_nbd_check_lost(BlkNbd *u, int ret)
{
    if (ret < 0 && !u->lost && nbd_aio_is_dead(u->nbd) > 0) {
        u->lost = true;
        warn_report("'%s': NBD connection lost: %s", u->name,
                    nbd_get_error());
    }
}

static void blk_nbd_readable(void *opaque)
{
    BlkNbd *u = opaque;

    blk_nbd_check_lost(u, nbd_aio_notify_read(u->nbd));
    blk_nbd_update(u);
    blk_nbd_run_done(u);
}

static void blk_nbd_writable(void *opaque)
{
    BlkNbd *u = opaque;

    blk_nbd_check_lost(u, nbd_aio_notify_write(u->nbd));
    blk_nbd_update(u);
    blk_nbd_run_done(u);
}

static int blk_nbd_errno(void)
{
    int err = nbd_get_errno();

    return err > 0 ? -err : -EIO;
}

/* After a command was refused: fixes the count of @req's commands. */
static int blk_nbd_issue_failed(BlkNbd *u, BlkReq *req)
{
    if (nbd_aio_is_dead(u->nbd) > 0 || nbd_aio_is_closed(u->nbd) > 0) {
        /*
         * The connection died during the call, which failed every command
         * in flight through its callback already. libnbd 1.14 may even
         * report a command it had queued (and so failed) as refused:
         * whatever the return value, nothing of @req is in flight now
         * but the guard.
         */
        req->pending = 1;
        return -ENOTCONN;
    }
    /* Refused up front: libnbd does not call back for it. */
    req->pending--;
    return blk_nbd_errno();
}

/* Issues one command per iovec element (split at max_request). */
static int blk_nbd_issue_rw(BlkNbd *u, BlkReq *req)
{
    nbd_completion_callback cb = {
        .callback = blk_nbd_cmd_done, .user_data = req,
    };
    uint64_t offset = req->offset;

    for (int i = 0; i < req->iovcnt; i++) {
        char *base = req->iov[i].iov_base;
        size_t left = req->iov[i].iov_len;

        while (left) {
            size_t n = MIN(left, u->max_request);
            int64_t cookie;

            req->pending++;
            cookie = req->op == BLK_OP_READ
                ? nbd_aio_pread(u->nbd, base, n, offset, cb, 0)
                : nbd_aio_pwrite(u->nbd, base, n, offset, cb, 0);
            if (cookie < 0) {
                return blk_nbd_issue_failed(u, req);
            }
            base += n;
            offset += n;
            left -= n;
        }
    }
    return 0;
}

static int blk_nbd_issue(BlkNbd *u, BlkReq *req)
{
    nbd_completion_callback cb = {
        .callback = blk_nbd_cmd_done, .user_data = req,
    };
    uint64_t offset = req->offset;
    uint64_t left = req->len;

    switch (req->op) {
    case BLK_OP_READ:
    case BLK_OP_WRITE:
        return blk_nbd_issue_rw(u, req);
    case BLK_OP_FLUSH:
        /* A server without flush writes through: nothing to wait for. */
        if (!u->b->can_flush) {
            return 0;
        }
        req->pending++;
        if (nbd_aio_flush(u->nbd, cb, 0) < 0) {
            return blk_nbd_issue_failed(u, req);
        }
        return 0;
    case BLK_OP_DISCARD:
        while (left) {
            uint64_t n = MIN(left, BLK_NBD_MAX_TRIM);

            req->pending++;
            if (nbd_aio_trim(u->nbd, n, offset, cb, 0) < 0) {
                return blk_nbd_issue_failed(u, req);
            }
            offset += n;
            left -= n;
        }
        return 0;
    }
    return -EINVAL;
}

static int blk_nbd_queue(BlkDev *b, BlkReq *req)
{
    BlkNbd *u = b->engine;
    int ret;

    /* A guard reference: no command can finish the request while issuing. */
    req->pending = 1;
    ret = blk_nbd_issue(u, req);
    blk_nbd_update(u);
    if (ret < 0 && req->pending == 1) {
        return ret;             /* nothing went out: the caller gets it */
    }
    if (ret < 0 && !req->ret) {
        req->ret = ret;
    }
    if (--req->pending == 0) {
        blk_nbd_req_done(u, req);
    }
    return 0;
}

static void blk_nbd_drain(BlkDev *b)
{
    BlkNbd *u = b->engine;

    for (;;) {
        blk_nbd_run_done(u);
        /* A callback may have queued one that completes without a command. */
        if (nbd_aio_in_flight(u->nbd) <= 0 && !u->done_head) {
            break;
        }
        if (nbd_aio_in_flight(u->nbd) <= 0) {
            continue;
        }
        if (nbd_poll(u->nbd, -1) < 0 && nbd_get_errno() != EINTR) {
            /* A dead connection has failed what was in flight. */
            blk_nbd_check_lost(u, -1);
            blk_nbd_update(u);
            blk_nbd_run_done(u);
            break;
        }
        blk_nbd_update(u);
    }
    if (!u->done_head) {
        event_loop_cancel(b->loop, blk_nbd_done_bh, u);
    }
}

typedef struct BlkNbdChild {
    pid_t parent;
    int out_fd;                 /* the pipe's end for its stdout/stderr */
} BlkNbdChild;

static void blk_nbd_child_setup(gpointer data)
{
    const BlkNbdChild *c = data;
    sigset_t none;

    /* The event loop blocks the signals it handles; exec keeps the mask. */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /*
     * Do not outlive us if we die without blk_close(); if we died
     * before the prctl, it never fires: we have been reparented.
     */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != c->parent) {
        _exit(1);
    }
    /*
     * Both of its outputs into our pipe. Done here, after GLib set up
     * the standard fds: GLib 2.74 loses a child's stderr it is given
     * along with stdout.
     */
    dup2(c->out_fd, STDOUT_FILENO);
    dup2(c->out_fd, STDERR_FILENO);
}

/*
 * Reads what the daemon wrote so far: into startup_output while it
 * starts (up to a bound), to our stderr once it serves. False at its
 * end (EOF, or an error), when the pipe is closed.
 */
static bool blk_nbd_read_output(BlkNbd *u)
{
    char buf[4096];

    for (;;) {
        ssize_t n = read(u->out_fd, buf, sizeof(buf));

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return true;
        }
        if (n <= 0) {
            event_loop_set_fd_handler(u->b->loop, u->out_fd, NULL, NULL,
                                      NULL, NULL);
            close(u->out_fd);
            u->out_fd = -1;
            return false;
        }
        if (!u->startup_output) {
            fwrite(buf, 1, n, stderr);
            fflush(stderr);
        } else if (u->startup_output->len < BLK_NBD_MAX_STARTUP_OUTPUT) {
            g_string_append_len(u->startup_output, buf,
                                MIN((size_t)n, BLK_NBD_MAX_STARTUP_OUTPUT -
                                               u->startup_output->len));
        }
    }
}

static void blk_nbd_output_readable(void *opaque)
{
    blk_nbd_read_output(opaque);
}

/* It serves: what it said so far, and will say, goes to our stderr. */
static void blk_nbd_pass_output(BlkNbd *u)
{
    g_autoptr(GString) early = g_steal_pointer(&u->startup_output);

    if (early && early->len) {
        fwrite(early->str, 1, early->len, stderr);
        fflush(stderr);
    }
    if (u->out_fd >= 0 && blk_nbd_read_output(u) &&
        !event_loop_set_fd_handler(u->b->loop, u->out_fd,
                                   blk_nbd_output_readable, NULL, u, NULL)) {
        /* It is written to a pipe nobody reads: it blocks once full. */
        warn_report("'%s': the NBD server's messages are lost", u->name);
    }
}

/* Ends an error about the daemon with what it said, as QEMU says it. */
static void blk_nbd_append_output(BlkNbd *u, Error **errp)
{
    g_autofree char *said = NULL;
    g_autofree char *msg = NULL;

    if (u->out_fd >= 0) {
        blk_nbd_read_output(u);
    }
    if (!errp || !*errp || !u->startup_output) {
        return;
    }
    said = g_strstrip(g_strdup(u->startup_output->str));
    if (!*said) {
        return;
    }
    msg = g_strdup_printf("%s: %s", error_get_pretty(*errp), said);
    error_free(*errp);
    *errp = NULL;
    error_setg(errp, "%s", msg);
}

/* QemuOpts values: a comma is written twice. */
static char *blk_nbd_opt_escape(const char *s)
{
    g_auto(GStrv) parts = g_strsplit(s, ",", -1);

    return g_strjoinv(",,", parts);
}

static GPtrArray *blk_nbd_daemon_argv(BlkNbd *u, const BlkOpenOpts *opts,
                                      BlkDaemon daemon)
{
    static const char *const lockings[] = {
        [BLK_LOCKING_AUTO] = "auto", [BLK_LOCKING_ON] = "on",
        [BLK_LOCKING_OFF] = "off",
    };
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    const char *format = opts->format ? opts->format : "raw";
    const char *locking = lockings[opts->locking];
    g_autofree char *file = blk_nbd_opt_escape(opts->filename);
    bool ro = opts->readonly;

    if (daemon == BLK_DAEMON_QSD) {
        g_autofree char *sock = blk_nbd_opt_escape(u->sock);

        g_ptr_array_add(argv, g_strdup("qemu-storage-daemon"));
        g_ptr_array_add(argv, g_strdup("--blockdev"));
        g_ptr_array_add(argv, g_strdup_printf(
            "driver=file,node-name=file0,filename=%s,locking=%s%s%s", file,
            locking, opts->direct ? ",aio=native,cache.direct=on" : "",
            ro ? ",read-only=on" : ",discard=unmap"));
        g_ptr_array_add(argv, g_strdup("--blockdev"));
        g_ptr_array_add(argv, g_strdup_printf(
            "driver=%s,node-name=fmt0,file=file0%s", format,
            ro ? ",read-only=on" : ",discard=unmap"));
        g_ptr_array_add(argv, g_strdup("--nbd-server"));
        g_ptr_array_add(argv, g_strdup_printf(
            "addr.type=unix,addr.path=%s", sock));
        g_ptr_array_add(argv, g_strdup("--export"));
        g_ptr_array_add(argv, g_strdup_printf(
            "type=nbd,id=exp0,node-name=fmt0,name=" BLK_NBD_EXPORT
            ",writable=%s", ro ? "off" : "on"));
    } else {
        g_ptr_array_add(argv, g_strdup("qemu-nbd"));
        /* Its file driver's options only come with --image-opts. */
        if (opts->locking != BLK_LOCKING_AUTO) {
            g_ptr_array_add(argv, g_strdup("--image-opts"));
        } else {
            g_ptr_array_add(argv, g_strdup_printf("--format=%s", format));
        }
        g_ptr_array_add(argv, g_strdup_printf("--socket=%s", u->sock));
        g_ptr_array_add(argv, g_strdup("--export-name=" BLK_NBD_EXPORT));
        /* Our connection attempts must not end the server. */
        g_ptr_array_add(argv, g_strdup("--persistent"));
        g_ptr_array_add(argv, g_strdup(ro ? "--read-only"
                                          : "--discard=unmap"));
        if (opts->direct) {
            g_ptr_array_add(argv, g_strdup("--cache=none"));
            g_ptr_array_add(argv, g_strdup("--aio=native"));
        }
        g_ptr_array_add(argv, g_strdup("--"));
        if (opts->locking != BLK_LOCKING_AUTO) {
            g_ptr_array_add(argv, g_strdup_printf(
                "driver=%s,file.driver=file,file.filename=%s,"
                "file.locking=%s", format, file, locking));
        } else {
            g_ptr_array_add(argv, g_strdup(opts->filename));
        }
    }
    g_ptr_array_add(argv, NULL);
    return argv;
}

static char *blk_nbd_wait_status(int status)
{
    if (WIFEXITED(status)) {
        return g_strdup_printf("exited with status %d", WEXITSTATUS(status));
    }
    return g_strdup_printf("was killed by signal %d", WTERMSIG(status));
}

static bool blk_nbd_start_daemon(BlkNbd *u, const BlkOpenOpts *opts,
                                 Error **errp)
{
    BlkDaemon daemon = opts->daemon;
    g_autoptr(GPtrArray) argv = NULL;
    BlkNbdChild child = { .parent = getpid() };
    GError *gerr = NULL;
    int out[2];
    bool ok;

    if (daemon == BLK_DAEMON_AUTO) {
        g_autofree char *qsd = g_find_program_in_path("qemu-storage-daemon");

        daemon = qsd ? BLK_DAEMON_QSD : BLK_DAEMON_QEMU_NBD;
    }
    u->sock_dir = blk_nbd_dir_new(errp);
    if (!u->sock_dir) {
        return false;
    }
    u->sock = g_strdup(blk_nbd_dir_socket(u->sock_dir));
    argv = blk_nbd_daemon_argv(u, opts, daemon);
    if (pipe2(out, O_CLOEXEC) < 0) {
        error_setg_errno(errp, errno, "pipe");
        return false;
    }
    child.out_fd = out[1];
    ok = g_spawn_async(NULL, (char **)argv->pdata, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH,
                       blk_nbd_child_setup, &child, &u->pid, &gerr);
    close(out[1]);
    u->out_fd = out[0];
    g_unix_set_fd_nonblocking(u->out_fd, true, NULL);
    u->startup_output = g_string_new(NULL);
    if (!ok) {
        error_setg(errp, "Could not start %s: %s", (char *)argv->pdata[0],
                   gerr->message);
        g_error_free(gerr);
        u->pid = 0;
        return false;
    }
    g_debug("'%s': served by %s (pid %d) on %s", opts->filename,
            (char *)argv->pdata[0], (int)u->pid, u->sock);
    return true;
}

/* Connects to our daemon, which needs a moment to create its socket. */
static bool blk_nbd_connect_daemon(BlkNbd *u, const char *filename,
                                   Error **errp)
{
    gint64 deadline = g_get_monotonic_time() + BLK_NBD_CONNECT_TIMEOUT_US;
    g_autofree char *last_err = NULL;

    for (;;) {
        int status;

        if (u->out_fd >= 0) {
            blk_nbd_read_output(u);
        }
        if (waitpid(u->pid, &status, WNOHANG) == u->pid) {
            g_autofree char *how = blk_nbd_wait_status(status);

            u->pid = 0;
            error_setg(errp, "'%s': the NBD server %s", filename, how);
            blk_nbd_append_output(u, errp);
            return false;
        }
        if (g_file_test(u->sock, G_FILE_TEST_EXISTS)) {
            u->nbd = nbd_create();
            if (!u->nbd) {
                error_setg(errp, "nbd_create: %s", nbd_get_error());
                return false;
            }
            if (nbd_set_export_name(u->nbd, BLK_NBD_EXPORT) == 0 &&
                nbd_connect_unix(u->nbd, u->sock) == 0) {
                /*
                 * Nobody else is to connect: the path has served, and
                 * must not outlive us if we are killed.
                 */
                g_clear_pointer(&u->sock_dir, blk_nbd_dir_free);
                blk_nbd_pass_output(u);
                return true;
            }
            g_free(last_err);
            last_err = g_strdup(nbd_get_error());
            nbd_close(u->nbd);
            u->nbd = NULL;
        }
        if (g_get_monotonic_time() > deadline) {
            error_setg(errp, "'%s': timed out connecting to the NBD server%s%s",
                       filename, last_err ? ": " : "",
                       last_err ? last_err : "");
            blk_nbd_append_output(u, errp);
            return false;
        }
        g_usleep(10 * 1000);
    }
}

static void blk_nbd_stop_daemon(BlkNbd *u)
{
    gint64 deadline = g_get_monotonic_time() + BLK_NBD_STOP_TIMEOUT_US;
    int status;

    if (!u->pid) {
        return;
    }
    kill(u->pid, SIGTERM);
    while (waitpid(u->pid, &status, WNOHANG) == 0) {
        if (g_get_monotonic_time() > deadline) {
            warn_report("NBD server (pid %d) ignores SIGTERM: killing it",
                        (int)u->pid);
            kill(u->pid, SIGKILL);
            waitpid(u->pid, &status, 0);
            break;
        }
        g_usleep(10 * 1000);
    }
    u->pid = 0;
}

static void blk_nbd_free(BlkNbd *u)
{
    BlkReq *req;

    if (u->nbd) {
        /* Buffers stay in use until their commands finish. */
        while (nbd_aio_in_flight(u->nbd) > 0) {
            if (nbd_poll(u->nbd, -1) < 0) {
                break;
            }
        }
        if (u->fd >= 0) {
            event_loop_set_fd_handler(u->b->loop, u->fd, NULL, NULL, NULL,
                                      NULL);
        }
        nbd_shutdown(u->nbd, 0);
        nbd_close(u->nbd);
    }
    /* Scheduled by the completions just waited for, too. */
    event_loop_cancel(u->b->loop, blk_nbd_done_bh, u);
    req = blk_nbd_take_done(u);
    while (req) {
        BlkReq *next = req->next;

        blk_req_put(u->b, req);
        req = next;
    }
    blk_nbd_stop_daemon(u);
    /* Its last words, if it served; an open's error has them already. */
    if (u->out_fd >= 0) {
        if (!u->startup_output) {
            blk_nbd_read_output(u);
        }
        if (u->out_fd >= 0) {
            event_loop_set_fd_handler(u->b->loop, u->out_fd, NULL, NULL,
                                      NULL, NULL);
            close(u->out_fd);
        }
    }
    if (u->startup_output) {
        g_string_free(u->startup_output, true);
    }
    blk_nbd_dir_free(u->sock_dir);
    g_free(u->sock);
    g_free(u->name);
    g_free(u);
}

static void blk_nbd_close(BlkDev *b)
{
    blk_nbd_free(b->engine);
    b->engine = NULL;
}

static const BlkOps blk_nbd_ops = {
    .name = "nbd",
    .queue = blk_nbd_queue,
    .drain = blk_nbd_drain,
    .close = blk_nbd_close,
};

bool blk_nbd_open(BlkDev *b, const BlkOpenOpts *opts, Error **errp)
{
    BlkNbd *u = g_new0(BlkNbd, 1);
    int64_t min, pref, max;

    u->b = b;
    u->fd = -1;
    u->out_fd = -1;
    u->done_tail = &u->done_head;
    u->name = g_strdup(opts->filename);
    if (opts->nbd_uri) {
        u->nbd = nbd_create();
        if (!u->nbd) {
            error_setg(errp, "nbd_create: %s", nbd_get_error());
            goto fail;
        }
        if (nbd_connect_uri(u->nbd, opts->filename) < 0) {
            error_setg(errp, "'%s': %s", opts->filename, nbd_get_error());
            goto fail;
        }
    } else if (!blk_nbd_start_daemon(u, opts, errp) ||
               !blk_nbd_connect_daemon(u, opts->filename, errp)) {
        goto fail;
    }

    if (nbd_get_size(u->nbd) < 0) {
        error_setg(errp, "'%s': %s", opts->filename, nbd_get_error());
        goto fail;
    }
    b->size = nbd_get_size(u->nbd);
    b->readonly = opts->readonly || nbd_is_read_only(u->nbd) > 0;
    b->can_flush = nbd_can_flush(u->nbd) > 0;
    b->can_discard = nbd_can_trim(u->nbd) > 0;
    /* Servers may accept any alignment; a disk still has 512-byte sectors. */
    min = nbd_get_block_size(u->nbd, LIBNBD_SIZE_MINIMUM);
    pref = nbd_get_block_size(u->nbd, LIBNBD_SIZE_PREFERRED);
    max = nbd_get_block_size(u->nbd, LIBNBD_SIZE_MAXIMUM);
    b->logical_block_size = MAX(512, MIN(min, 4096));
    b->physical_block_size = CLAMP(pref, b->logical_block_size, 4096);
    b->discard_granularity = b->physical_block_size;
    u->max_request = max > 0 ? MIN(max, BLK_NBD_MAX_REQUEST)
                             : BLK_NBD_MAX_REQUEST;
    b->engine = u;
    b->ops = &blk_nbd_ops;
    blk_nbd_update(u);
    return true;

fail:
    blk_nbd_free(u);
    return false;
}
