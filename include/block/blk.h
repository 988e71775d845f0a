/*
 * Disk images for the block backend: asynchronous reads, writes, flushes
 * and discards, completed from the event loop.
 *
 * Engines:
 *  io_uring  raw files and block devices through liburing: requests are
 *            queued as SQEs and submitted together once per event-loop
 *            turn (or by blk_submit()); completions are reaped in batches
 *            when the ring's eventfd fires.
 *  threads   the same, on a pool of threads doing preadv/pwritev/
 *            fdatasync/fallocate, for hosts where io_uring is missing
 *            or disabled.
 *  nbd       every other image format, served by QEMU's own block layer:
 *            a qemu-storage-daemon (or qemu-nbd) started for the image,
 *            or an NBD server given by URI, reached with libnbd's
 *            asynchronous API. No format is parsed here.
 *
 * Every completion callback runs from the event loop, never inside the
 * call that queued the request. Offsets and lengths are in bytes.
 * Everything here is for the event loop's thread only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef BLOCK_BLK_H
#define BLOCK_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "util/error.h"
#include "util/event-loop.h"

typedef struct BlkDev BlkDev;

typedef enum BlkEngine {
    BLK_ENGINE_AUTO,            /* io_uring, else threads; nbd for formats */
    BLK_ENGINE_IO_URING,
    BLK_ENGINE_THREADS,
    BLK_ENGINE_NBD,
} BlkEngine;

typedef enum BlkDaemon {
    BLK_DAEMON_AUTO,            /* qemu-storage-daemon, else qemu-nbd */
    BLK_DAEMON_QSD,
    BLK_DAEMON_QEMU_NBD,
} BlkDaemon;

/*
 * QEMU's image locks (block/blk-lock.c): OFD locks on the bytes QEMU's
 * file-posix driver uses, so that QEMU and we refuse each other's
 * conflicting users. A writer keeps out other writers and the readers
 * that do not share writing (QEMU's disk devices, ours); a reader keeps
 * out writers and admits other readers.
 */
typedef enum BlkLocking {
    BLK_LOCKING_AUTO,           /* locked where the host has OFD locks */
    BLK_LOCKING_ON,             /* else POSIX locks, with QEMU's warning */
    BLK_LOCKING_OFF,
} BlkLocking;

typedef struct BlkOpenOpts {
    const char *filename;       /* a path, or an NBD URI when nbd_uri */
    const char *format;         /* NULL or "raw": raw; else QEMU's name */
    bool nbd_uri;               /* filename is nbd:// or nbd+unix:// */
    bool readonly;
    /* O_DIRECT, falling back when refused; nbd: the daemon's cache=none. */
    bool direct;
    BlkEngine engine;
    BlkDaemon daemon;
    /*
     * A local image is locked by the open (and unlocked by its close); a
     * daemon's image by the daemon, with QEMU's rules for what it serves
     * and this mode (its file driver's locking=); an NBD URI's by its
     * server.
     */
    BlkLocking locking;
    /*
     * io_uring SQ entries; 0: 256. Up to twice as many requests (the CQ
     * size) are in the kernel at once; more wait in a queue of ours.
     */
    unsigned queue_depth;
} BlkOpenOpts;

/* Completion: 0, or -errno. */
typedef void BlkCompleteFn(void *opaque, int ret);

/*
 * Takes @filename's locks for a reader or a writer on a descriptor of
 * their own (*@lock_fd; -1 with BLK_LOCKING_OFF), for a check before the
 * image is opened for use: they are released by closing it, which must
 * come before blk_open() takes the same locks. Fails, as QEMU does, with
 * 'Failed to get "write" lock' and "Is another process using the image
 * [@filename]?" when another open of the image (here or elsewhere)
 * conflicts.
 */
bool blk_lock_image(const char *filename, bool readonly, BlkLocking locking,
                    int *lock_fd, Error **errp);

/*
 * Blocks until the image is usable: for nbd, until the daemon it starts
 * (killed with us, never outliving the process) accepts the connection,
 * for at most 60 s, or until the NBD URI is connected. A daemon that
 * gives up fails the open with what it said (QEMU's own message, a lock
 * refused for instance); once it serves, its messages go to our stderr.
 * Debug messages (G_MESSAGES_DEBUG=blk) name the daemon and any O_DIRECT
 * or io_uring fallback.
 */
BlkDev *blk_open(EventLoop *loop, const BlkOpenOpts *opts, Error **errp);
/*
 * Waits for requests still in flight (their callbacks are not called),
 * stops a daemon it started, closes the image. NULL: no-op. Not from
 * inside a completion callback (the engine is still iterating over its
 * completions): schedule a bottom half for that.
 */
void blk_close(BlkDev *b);

uint64_t blk_size(BlkDev *b);
unsigned blk_logical_block_size(BlkDev *b);
unsigned blk_physical_block_size(BlkDev *b);
/* Opened read-only, or an NBD server that exports read-only. */
bool blk_is_readonly(BlkDev *b);
/*
 * Whether discards deallocate, and their granularity in bytes. False
 * when read-only. For a regular file it is only learnt by trying: it
 * turns false once a discard failed with -EOPNOTSUPP.
 */
bool blk_can_discard(BlkDev *b);
unsigned blk_discard_granularity(BlkDev *b);
/*
 * Whether a flush does anything (false for an NBD server without it, whose
 * flushes then simply complete with 0).
 */
bool blk_can_flush(BlkDev *b);
/* "io_uring", "threads" or "nbd", for logs and docs. */
const char *blk_engine_name(BlkDev *b);

/*
 * The buffers must stay valid until the callback (the iovec array itself
 * is copied) and be aligned for O_DIRECT when it is on (512 bytes).
 * Short transfers are continued internally; a read or write reaching past
 * the end of the image is -EINVAL (a disk does not grow), a write to a
 * read-only image -EROFS, a NULL @cb or more than IOV_MAX elements
 * -EINVAL; zero bytes is fine. Returns 0 when queued, -errno otherwise
 * (the callback is then not called).
 */
int blk_preadv(BlkDev *b, uint64_t offset, const struct iovec *iov,
               int iovcnt, BlkCompleteFn *cb, void *opaque);
int blk_pwritev(BlkDev *b, uint64_t offset, const struct iovec *iov,
                int iovcnt, BlkCompleteFn *cb, void *opaque);
/* Completes once every write completed before it is on stable storage. */
int blk_flush(BlkDev *b, BlkCompleteFn *cb, void *opaque);
/*
 * Deallocates the range (the file's blocks are freed: a hole is punched
 * and the size kept; a block device gets BLKDISCARD; an NBD server a
 * trim). -EOPNOTSUPP when !blk_can_discard(), -EROFS when read-only,
 * -EINVAL past the end; the range reads as zeros afterwards on files
 * and on formats without a backing file.
 */
int blk_discard(BlkDev *b, uint64_t offset, uint64_t len, BlkCompleteFn *cb,
                void *opaque);
/* Submits what was queued so far now rather than at the end of the turn. */
void blk_submit(BlkDev *b);
/*
 * Blocks until every request queued so far has completed, running their
 * callbacks from inside this call (requests those callbacks queue are
 * waited for as well): for taking buffers away while the image stays
 * open. Not from inside a completion callback.
 */
void blk_drain(BlkDev *b);

#endif /* BLOCK_BLK_H */
