/*
 * The threads engine: a pool of workers doing preadv/pwritev/fdatasync/
 * fallocate/BLKDISCARD, for hosts without io_uring. Also used by the
 * io_uring engine for what io_uring cannot do (BLKDISCARD).
 *
 * Workers only touch the request they run; finished requests go on a
 * mutex-protected queue and an eventfd wakes the event loop, which runs
 * the callbacks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "blk"

#include "block/blk.h"
#include "blk-int.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/fs.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#define BLK_THREADS_MAX 8

struct BlkThreads {
    BlkDev *b;
    GThreadPool *pool;
    int efd;
    GMutex lock;
    BlkReq *done_head;          /* under lock */
    BlkReq **done_tail;         /* under lock */
    unsigned in_flight;         /* event loop thread only */
};

int blk_do_sync(BlkDev *b, BlkReq *req)
{
    switch (req->op) {
    case BLK_OP_READ:
    case BLK_OP_WRITE:
        while (req->len) {
            int cnt = MIN(req->iovcnt, IOV_MAX);
            ssize_t n = req->op == BLK_OP_READ
                ? preadv(b->fd, req->iov, cnt, req->offset)
                : pwritev(b->fd, req->iov, cnt, req->offset);

            if (n < 0) {
                if (errno == EINTR || errno == EAGAIN) {
                    continue;
                }
                return -errno;
            }
            if (n == 0) {
                /* The file shrank under us: what is gone reads as a hole. */
                if (req->op == BLK_OP_READ) {
                    blk_req_zero_rest(req);
                    return 0;
                }
                return -EIO;
            }
            blk_req_advance(req, n);
        }
        return 0;
    case BLK_OP_FLUSH:
        return fdatasync(b->fd) < 0 ? -errno : 0;
    case BLK_OP_DISCARD:
        if (b->is_blockdev) {
            uint64_t range[2] = { req->offset, req->len };

            return ioctl(b->fd, BLKDISCARD, range) < 0 ? -errno : 0;
        }
        return fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                         req->offset, req->len) < 0 ? -errno : 0;
    }
    return -EINVAL;
}

static void blk_threads_worker(gpointer data, gpointer user_data)
{
    BlkReq *req = data;
    BlkThreads *t = user_data;
    uint64_t one = 1;

    req->ret = blk_do_sync(t->b, req);
    req->next = NULL;
    g_mutex_lock(&t->lock);
    *t->done_tail = req;
    t->done_tail = &req->next;
    g_mutex_unlock(&t->lock);
    /* Can only fail when the counter is about to overflow: still awake. */
    (void)!write(t->efd, &one, sizeof(one));
}

static BlkReq *blk_threads_take_done(BlkThreads *t)
{
    BlkReq *list;

    g_mutex_lock(&t->lock);
    list = t->done_head;
    t->done_head = NULL;
    t->done_tail = &t->done_head;
    g_mutex_unlock(&t->lock);
    return list;
}

static void blk_threads_event(void *opaque)
{
    BlkThreads *t = opaque;
    uint64_t cnt;
    BlkReq *req;

    /* Reset first: a completion posted after this wakes us again. */
    (void)!read(t->efd, &cnt, sizeof(cnt));
    req = blk_threads_take_done(t);
    while (req) {
        BlkReq *next = req->next;

        t->in_flight--;
        if (req->op == BLK_OP_DISCARD && req->ret == -EOPNOTSUPP) {
            t->b->can_discard = false;
        }
        blk_req_complete(t->b, req, req->ret);
        req = next;
    }
}

BlkThreads *blk_threads_new(BlkDev *b, Error **errp)
{
    BlkThreads *t = g_new0(BlkThreads, 1);
    GError *gerr = NULL;

    t->b = b;
    g_mutex_init(&t->lock);
    t->done_tail = &t->done_head;
    t->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (t->efd < 0) {
        error_setg_errno(errp, errno, "eventfd");
        goto fail;
    }
    t->pool = g_thread_pool_new(blk_threads_worker, t, BLK_THREADS_MAX,
                                false, &gerr);
    if (!t->pool) {
        error_setg(errp, "Could not create the I/O thread pool: %s",
                   gerr->message);
        g_error_free(gerr);
        goto fail;
    }
    if (!event_loop_set_fd_handler(b->loop, t->efd, blk_threads_event, NULL,
                                   t, errp)) {
        g_thread_pool_free(t->pool, true, true);
        goto fail;
    }
    return t;

fail:
    if (t->efd >= 0) {
        close(t->efd);
    }
    g_mutex_clear(&t->lock);
    g_free(t);
    return NULL;
}

int blk_threads_queue(BlkThreads *t, BlkReq *req)
{
    GError *err = NULL;

    /*
     * False means a new thread could not be started, but the task is
     * queued all the same and a running worker will take it.
     */
    t->in_flight++;
    if (!g_thread_pool_push(t->pool, req, &err)) {
        warn_report("thread pool: %s", err->message);
        g_error_free(err);
    }
    return 0;
}

void blk_threads_drain(BlkThreads *t)
{
    while (t && t->in_flight) {
        struct pollfd pfd = { .fd = t->efd, .events = POLLIN };

        if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
            warn_report("poll while draining: %s", g_strerror(errno));
            return;
        }
        blk_threads_event(t);
    }
}

void blk_threads_free(BlkThreads *t)
{
    BlkReq *req;

    if (!t) {
        return;
    }
    /* Runs what is queued to the end: a worker may be mid-write. */
    g_thread_pool_free(t->pool, false, true);
    event_loop_set_fd_handler(t->b->loop, t->efd, NULL, NULL, NULL, NULL);
    close(t->efd);
    req = blk_threads_take_done(t);
    while (req) {
        BlkReq *next = req->next;

        blk_req_put(t->b, req);
        req = next;
    }
    g_mutex_clear(&t->lock);
    g_free(t);
}

static int blk_threads_engine_queue(BlkDev *b, BlkReq *req)
{
    return blk_threads_queue(b->engine, req);
}

static void blk_threads_engine_close(BlkDev *b)
{
    blk_threads_free(b->engine);
    b->engine = NULL;
}

static void blk_threads_engine_drain(BlkDev *b)
{
    blk_threads_drain(b->engine);
}

static const BlkOps blk_threads_ops = {
    .name = "threads",
    .queue = blk_threads_engine_queue,
    .drain = blk_threads_engine_drain,
    .close = blk_threads_engine_close,
};

bool blk_threads_open(BlkDev *b, Error **errp)
{
    b->engine = blk_threads_new(b, errp);
    if (!b->engine) {
        return false;
    }
    b->ops = &blk_threads_ops;
    return true;
}
