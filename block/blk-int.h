/*
 * Internals shared by the disk I/O engines: the device, the request
 * and the engine vtable. The common layer (blk.c) validates requests and
 * fills a BlkReq; an engine queues it and completes it with
 * blk_req_complete() from an event-loop handler or bottom half.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_BLK_INT_H
#define BLOCK_BLK_INT_H

#include <stddef.h>

#include "block/blk.h"

typedef enum BlkOp {
    BLK_OP_READ,
    BLK_OP_WRITE,
    BLK_OP_FLUSH,
    BLK_OP_DISCARD,
} BlkOp;

/* Enough for the common case (a blkif request has up to 11 segments). */
#define BLK_REQ_INLINE_IOV 12

typedef struct BlkReq BlkReq;
struct BlkReq {
    BlkDev *dev;
    BlkReq *next;               /* free list, overflow or completion queue */
    BlkOp op;
    uint64_t offset;            /* advanced with short transfers */
    uint64_t len;               /* bytes still to transfer, or to discard */
    /*
     * A private copy of the caller's iovec array, so that short transfers
     * can be continued by advancing it. iov points into iov_buf.
     */
    struct iovec *iov;
    int iovcnt;
    struct iovec *iov_buf;
    int iov_cap;
    struct iovec iov_inline[BLK_REQ_INLINE_IOV];
    BlkCompleteFn *cb;
    void *opaque;
    int ret;                    /* result, once done */
    unsigned pending;           /* nbd: commands of this request in flight */
};

typedef struct BlkOps {
    const char *name;
    /* Queues @req; on -errno the common layer takes it back. */
    int (*queue)(BlkDev *b, BlkReq *req);
    void (*submit)(BlkDev *b);
    /* Completes everything in flight, callbacks included. */
    void (*drain)(BlkDev *b);
    /* Waits for (and drops) requests in flight, frees the engine. */
    void (*close)(BlkDev *b);
} BlkOps;

struct BlkDev {
    EventLoop *loop;
    const BlkOps *ops;
    void *engine;
    BlkReq *free_reqs;          /* only touched from the event loop thread */

    int fd;                     /* local engines; -1 for nbd */
    bool is_blockdev;
    bool readonly;
    bool direct;                /* O_DIRECT really in effect */
    uint64_t size;
    unsigned logical_block_size;
    unsigned physical_block_size;
    bool can_discard;
    unsigned discard_granularity;
    bool can_flush;
};

BlkReq *blk_req_get(BlkDev *b);
void blk_req_put(BlkDev *b, BlkReq *req);
/* Runs the callback of @req with @ret, after returning @req to the pool. */
void blk_req_complete(BlkDev *b, BlkReq *req, int ret);
void blk_req_advance(BlkReq *req, size_t n);
/* Zeroes what is left of a read that hit the end of a shrunken file. */
void blk_req_zero_rest(BlkReq *req);

/*
 * Takes QEMU's locks for a reader or writer of @filename on @fd, which
 * holds them until it is closed.
 */
bool blk_lock_fd(int fd, const char *filename, bool readonly,
                 BlkLocking locking, Error **errp);

/* Engines: each fills b->ops and b->engine, or fails. */
bool blk_uring_open(BlkDev *b, const BlkOpenOpts *opts, Error **errp);
bool blk_threads_open(BlkDev *b, Error **errp);
bool blk_nbd_open(BlkDev *b, const BlkOpenOpts *opts, Error **errp);

/*
 * A private directory for a storage daemon's socket (blk-nbd-dir.c),
 * marked as ours while it exists: free it (it is removed) as soon as the
 * daemon is connected. Leftovers of processes killed before that are
 * removed by the next one that makes such a directory.
 */
typedef struct BlkNbdDir BlkNbdDir;
BlkNbdDir *blk_nbd_dir_new(Error **errp);
const char *blk_nbd_dir_socket(BlkNbdDir *d);
void blk_nbd_dir_free(BlkNbdDir *d);

/*
 * The thread pool on its own, for requests io_uring cannot do (discard
 * on a block device). Completions come back through the event loop.
 */
typedef struct BlkThreads BlkThreads;
BlkThreads *blk_threads_new(BlkDev *b, Error **errp);
int blk_threads_queue(BlkThreads *t, BlkReq *req);
/* Waits for everything queued; the callbacks are not called. */
void blk_threads_free(BlkThreads *t);
/* Waits for everything queued and runs the callbacks. */
void blk_threads_drain(BlkThreads *t);
/* Does one request synchronously, on a worker: 0 or -errno. */
int blk_do_sync(BlkDev *b, BlkReq *req);

#endif /* BLOCK_BLK_INT_H */
