/*
 * The io_uring engine, for raw files and block devices.
 *
 * Requests become SQEs at once but are submitted together: by a bottom
 * half once per event-loop turn, when the SQ is full, or by blk_submit().
 * Completions are reaped in batches when the ring's eventfd fires.
 * No more requests are in flight than the CQ has entries, so that no
 * CQE can ever be dropped; the rest wait on an overflow queue.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "blk"

#include "block/blk.h"
#include "blk-int.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <liburing.h>
#include <limits.h>
#include <linux/magic.h>
#include <sys/eventfd.h>
#include <sys/vfs.h>
#include <unistd.h>

#define BLK_URING_DEFAULT_DEPTH 256
#define BLK_URING_REAP_BATCH 64

typedef struct BlkUring {
    BlkDev *b;
    struct io_uring ring;
    int efd;
    /* Requests with an SQE prepared, submitted or not, until reaped. */
    unsigned in_flight;
    unsigned max_in_flight;
    BlkReq *overflow_head;
    BlkReq **overflow_tail;
    /* io_uring has no discard operation for block devices. */
    BlkThreads *threads;
    RateLimit submit_rl;
    /*
     * Writes, flushes and discards done at once (see blk_uring_open),
     * waiting for the bottom half that completes them.
     */
    bool sync_writes;
    BlkReq *done_head;
    BlkReq **done_tail;
} BlkUring;

static void blk_uring_submit_bh(void *opaque);
static void blk_uring_done_bh(void *opaque);

static void blk_uring_overflow_push(BlkUring *u, BlkReq *req)
{
    req->next = NULL;
    *u->overflow_tail = req;
    u->overflow_tail = &req->next;
}

static BlkReq *blk_uring_overflow_pop(BlkUring *u)
{
    BlkReq *req = u->overflow_head;

    if (req) {
        u->overflow_head = req->next;
        if (!u->overflow_head) {
            u->overflow_tail = &u->overflow_head;
        }
        req->next = NULL;
    }
    return req;
}

static void blk_uring_do_submit(BlkUring *u)
{
    int ret;

    do {
        ret = io_uring_submit(&u->ring);
    } while (ret == -EINTR);
    if (ret == -EAGAIN || ret == -EBUSY) {
        /* The kernel is short of memory or CQ room: retry next turn. */
        event_loop_schedule(u->b->loop, blk_uring_submit_bh, u);
    } else if (ret < 0) {
        warn_report_ratelimited(&u->submit_rl, "io_uring_submit: %s",
                                g_strerror(-ret));
    }
}

/* Fills an SQE for @req; false when the SQ stays full. */
static bool blk_uring_prep(BlkUring *u, BlkReq *req)
{
    BlkDev *b = u->b;
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

    if (!sqe) {
        blk_uring_do_submit(u);
        sqe = io_uring_get_sqe(&u->ring);
        if (!sqe) {
            return false;
        }
    }
    switch (req->op) {
    case BLK_OP_READ:
        io_uring_prep_readv(sqe, b->fd, req->iov, MIN(req->iovcnt, IOV_MAX),
                            req->offset);
        break;
    case BLK_OP_WRITE:
        io_uring_prep_writev(sqe, b->fd, req->iov, MIN(req->iovcnt, IOV_MAX),
                             req->offset);
        break;
    case BLK_OP_FLUSH:
        io_uring_prep_fsync(sqe, b->fd, IORING_FSYNC_DATASYNC);
        break;
    case BLK_OP_DISCARD:
        io_uring_prep_fallocate(sqe, b->fd,
                                FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                req->offset, req->len);
        break;
    }
    io_uring_sqe_set_data(sqe, req);
    event_loop_schedule(b->loop, blk_uring_submit_bh, u);
    return true;
}

/* Moves waiting requests into the SQ while the CQ has room for them. */
static void blk_uring_drain_overflow(BlkUring *u)
{
    while (u->overflow_head && u->in_flight < u->max_in_flight) {
        BlkReq *req = blk_uring_overflow_pop(u);

        if (!blk_uring_prep(u, req)) {
            /* Back to the head, keeping the order; the bh retries. */
            req->next = u->overflow_head;
            u->overflow_head = req;
            if (!req->next) {
                u->overflow_tail = &req->next;
            }
            event_loop_schedule(u->b->loop, blk_uring_submit_bh, u);
            return;
        }
        u->in_flight++;
    }
}

static void blk_uring_submit_bh(void *opaque)
{
    BlkUring *u = opaque;

    blk_uring_drain_overflow(u);
    blk_uring_do_submit(u);
}

/* Sends @req, already counted in flight, to the kernel again. */
static void blk_uring_resubmit(BlkUring *u, BlkReq *req)
{
    if (!blk_uring_prep(u, req)) {
        u->in_flight--;
        blk_uring_overflow_push(u, req);
        event_loop_schedule(u->b->loop, blk_uring_submit_bh, u);
    }
}

static void blk_uring_complete(BlkUring *u, BlkReq *req, int res)
{
    BlkDev *b = u->b;

    if (res == -EAGAIN || res == -EINTR) {
        blk_uring_resubmit(u, req);
        return;
    }
    if (res >= 0 && (req->op == BLK_OP_READ || req->op == BLK_OP_WRITE)) {
        if (res == 0 && req->len) {
            /* The file shrank under us: what is gone reads as a hole. */
            if (req->op == BLK_OP_READ) {
                blk_req_zero_rest(req);
            } else {
                res = -EIO;
            }
        } else if ((uint64_t)res < req->len) {
            blk_req_advance(req, res);
            blk_uring_resubmit(u, req);
            return;
        }
    }
    if (req->op == BLK_OP_DISCARD && res == -EOPNOTSUPP) {
        b->can_discard = false;
    }
    u->in_flight--;
    blk_req_complete(b, req, res < 0 ? res : 0);
}

static void blk_uring_reap(BlkUring *u)
{
    struct io_uring_cqe *cqes[BLK_URING_REAP_BATCH];
    unsigned n;

    while ((n = io_uring_peek_batch_cqe(&u->ring, cqes,
                                        BLK_URING_REAP_BATCH)) > 0) {
        BlkReq *reqs[BLK_URING_REAP_BATCH];
        int res[BLK_URING_REAP_BATCH];

        /*
         * Copied out and released before any callback runs: callbacks
         * queue new requests, which must find the CQ room they count on.
         */
        for (unsigned i = 0; i < n; i++) {
            reqs[i] = io_uring_cqe_get_data(cqes[i]);
            res[i] = cqes[i]->res;
        }
        io_uring_cq_advance(&u->ring, n);
        for (unsigned i = 0; i < n; i++) {
            blk_uring_complete(u, reqs[i], res[i]);
        }
        blk_uring_drain_overflow(u);
    }
}

static void blk_uring_event(void *opaque)
{
    BlkUring *u = opaque;
    uint64_t cnt;

    /* Reset first: a CQE posted after this wakes us again. */
    (void)!read(u->efd, &cnt, sizeof(cnt));
    blk_uring_reap(u);
}

/*
 * Done here and now; completed from a bottom half, as the caller expects
 * its callback after queueing, never from inside it.
 */
static void blk_uring_do_now(BlkUring *u, BlkReq *req)
{
    req->ret = blk_do_sync(u->b, req);
    if (req->op == BLK_OP_DISCARD && req->ret == -EOPNOTSUPP) {
        u->b->can_discard = false;
    }
    req->next = NULL;
    *u->done_tail = req;
    u->done_tail = &req->next;
    event_loop_schedule(u->b->loop, blk_uring_done_bh, u);
}

static void blk_uring_done_bh(void *opaque)
{
    BlkUring *u = opaque;
    BlkReq *req = u->done_head;

    /* Detached first: callbacks may queue more. */
    u->done_head = NULL;
    u->done_tail = &u->done_head;
    while (req) {
        BlkReq *next = req->next;

        blk_req_complete(u->b, req, req->ret);
        req = next;
    }
}

static int blk_uring_queue(BlkDev *b, BlkReq *req)
{
    BlkUring *u = b->engine;

    if (req->op == BLK_OP_DISCARD && b->is_blockdev) {
        return blk_threads_queue(u->threads, req);
    }
    if (u->sync_writes && req->op != BLK_OP_READ) {
        blk_uring_do_now(u, req);
        return 0;
    }
    if (u->overflow_head || u->in_flight >= u->max_in_flight ||
        !blk_uring_prep(u, req)) {
        blk_uring_overflow_push(u, req);
        event_loop_schedule(b->loop, blk_uring_submit_bh, u);
        return 0;
    }
    u->in_flight++;
    return 0;
}

static void blk_uring_submit(BlkDev *b)
{
    BlkUring *u = b->engine;

    event_loop_cancel(b->loop, blk_uring_submit_bh, u);
    blk_uring_submit_bh(u);
}

/*
 * Waits for one completion, submitting what is prepared first. The kernel
 * holds our callers' buffers until then, so an error is retried, never
 * taken as done.
 */
static void blk_uring_wait(BlkUring *u)
{
    int ret = io_uring_submit_and_wait(&u->ring, 1);

    if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
        warn_report("io_uring_submit_and_wait: %s", g_strerror(-ret));
        g_usleep(1000);
    }
}

static void blk_uring_drain(BlkDev *b)
{
    BlkUring *u = b->engine;

    /*
     * Callbacks of one side may queue on the other (a block device's
     * discard completes on the pool and its flush goes to io_uring), so
     * both must be idle at once.
     */
    do {
        blk_uring_done_bh(u);
        while (u->in_flight || u->overflow_head) {
            blk_uring_drain_overflow(u);
            blk_uring_wait(u);
            /* Completions may queue more; the loop submits them next. */
            blk_uring_reap(u);
        }
        blk_threads_drain(u->threads);
    } while (u->in_flight || u->overflow_head || u->done_head);
    /* The callbacks scheduled work that has nothing left to do. */
    event_loop_cancel(b->loop, blk_uring_submit_bh, u);
    event_loop_cancel(b->loop, blk_uring_done_bh, u);
}

static void blk_uring_close(BlkDev *b)
{
    BlkUring *u = b->engine;
    BlkReq *req;

    event_loop_cancel(b->loop, blk_uring_submit_bh, u);
    event_loop_cancel(b->loop, blk_uring_done_bh, u);
    /* Never reached the kernel, or done: simply dropped. */
    while ((req = blk_uring_overflow_pop(u))) {
        blk_req_put(b, req);
    }
    while ((req = u->done_head)) {
        u->done_head = req->next;
        blk_req_put(b, req);
    }
    /*
     * The kernel may still be writing into the caller's buffers: whatever
     * was prepared is submitted and all of it waited for.
     */
    while (u->in_flight) {
        struct io_uring_cqe *cqe;

        if (io_uring_peek_cqe(&u->ring, &cqe) < 0) {
            blk_uring_wait(u);
            continue;
        }
        req = io_uring_cqe_get_data(cqe);
        io_uring_cqe_seen(&u->ring, cqe);
        u->in_flight--;
        blk_req_put(b, req);
    }
    blk_threads_free(u->threads);
    event_loop_set_fd_handler(b->loop, u->efd, NULL, NULL, NULL, NULL);
    io_uring_queue_exit(&u->ring);
    close(u->efd);
    g_free(u);
    b->engine = NULL;
}

static const BlkOps blk_uring_ops = {
    .name = "io_uring",
    .queue = blk_uring_queue,
    .submit = blk_uring_submit,
    .drain = blk_uring_drain,
    .close = blk_uring_close,
};

/*
 * Whether @b is a file in memory (tmpfs, ramfs), whose writes are then
 * done at once rather than through io_uring. Such a file never waits
 * on a device, but before Linux 6.6 tmpfs cannot take a write without
 * blocking, so io_uring hands every write to an io-wq worker: a wake-up
 * per submission and a worker contending for io-wq's lock with us. In
 * the rig's dom0 (Linux 6.1, a PV dom0 whose vCPUs Xen often holds
 * off), 4 KiB random writes at depth 32 to an image in tmpfs spent 6 %
 * of all dom0's samples in the worker, 3.6 % of them in its lock's
 * slow path, and 2.3 % in waking it (bench/rig-peers.sh --perf).
 * Flushes and discards take the same path. Reads still go through
 * io_uring, which completes them inline from the page cache.
 */
static bool blk_uring_in_memory(BlkDev *b)
{
    struct statfs sf;

    return !b->is_blockdev && fstatfs(b->fd, &sf) == 0 &&
           (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
}

bool blk_uring_open(BlkDev *b, const BlkOpenOpts *opts, Error **errp)
{
    unsigned depth = opts->queue_depth ? opts->queue_depth
                                       : BLK_URING_DEFAULT_DEPTH;
    BlkUring *u = g_new0(BlkUring, 1);
    int ret;

    u->b = b;
    u->efd = -1;
    u->overflow_tail = &u->overflow_head;
    u->done_tail = &u->done_head;
    u->sync_writes = blk_uring_in_memory(b);
    /*
     * Completions on files are posted by io-wq workers; without
     * COOP_TASKRUN each one interrupts this thread with an IPI even
     * while it is busy in user space. With it they wait for our next
     * system call (epoll_wait at the latest, which they still wake), so
     * a batch costs one wake-up: on a 2-vCPU VM that took 4K reads at
     * depth 32 from about 0.5 to about 1.0 of a plain io_uring loop
     * (bench/disk-bench). Kernels before 5.19 refuse the flag.
     */
    ret = io_uring_queue_init(depth, &u->ring, IORING_SETUP_COOP_TASKRUN);
    if (ret == -EINVAL) {
        ret = io_uring_queue_init(depth, &u->ring, 0);
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "io_uring_queue_init");
        g_free(u);
        return false;
    }
    u->max_in_flight = u->ring.cq.ring_entries;
    u->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (u->efd < 0) {
        error_setg_errno(errp, errno, "eventfd");
        goto fail;
    }
    ret = io_uring_register_eventfd(&u->ring, u->efd);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "io_uring_register_eventfd");
        goto fail;
    }
    if (b->is_blockdev) {
        u->threads = blk_threads_new(b, errp);
        if (!u->threads) {
            goto fail;
        }
    }
    if (!event_loop_set_fd_handler(b->loop, u->efd, blk_uring_event, NULL, u,
                                   errp)) {
        blk_threads_free(u->threads);
        goto fail;
    }
    b->engine = u;
    b->ops = &blk_uring_ops;
    return true;

fail:
    io_uring_queue_exit(&u->ring);
    if (u->efd >= 0) {
        close(u->efd);
    }
    g_free(u);
    return false;
}
