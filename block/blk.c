/*
 * Disk images, the common part: opening and probing a local file or
 * block device, choosing an engine, validating requests and keeping the
 * pool of request structures so that the steady state does no malloc.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "blk"

#include "block/blk.h"
#include "blk-int.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/trace.h"

BlkReq *blk_req_get(BlkDev *b)
{
    BlkReq *req = b->free_reqs;

    if (req) {
        b->free_reqs = req->next;
    } else {
        req = g_new0(BlkReq, 1);
        req->iov_buf = req->iov_inline;
        req->iov_cap = BLK_REQ_INLINE_IOV;
        req->dev = b;
    }
    req->next = NULL;
    req->pending = 0;
    req->ret = 0;
    return req;
}

void blk_req_put(BlkDev *b, BlkReq *req)
{
    req->cb = NULL;
    req->opaque = NULL;
    req->next = b->free_reqs;
    b->free_reqs = req;
}

void blk_req_complete(BlkDev *b, BlkReq *req, int ret)
{
    BlkCompleteFn *cb = req->cb;
    void *opaque = req->opaque;

    /* Returned first: the callback typically queues the next request. */
    blk_req_put(b, req);
    cb(opaque, ret);
}

static void blk_req_set_iov(BlkReq *req, const struct iovec *iov, int iovcnt)
{
    if (iovcnt > req->iov_cap) {
        if (req->iov_buf != req->iov_inline) {
            g_free(req->iov_buf);
        }
        /* Kept with the request when it goes back to the pool. */
        req->iov_buf = g_new(struct iovec, iovcnt);
        req->iov_cap = iovcnt;
    }
    if (iovcnt) {
        memcpy(req->iov_buf, iov, iovcnt * sizeof(*iov));
    }
    req->iov = req->iov_buf;
    req->iovcnt = iovcnt;
}

void blk_req_advance(BlkReq *req, size_t n)
{
    req->offset += n;
    req->len -= n;
    while (req->iovcnt && n >= req->iov[0].iov_len) {
        n -= req->iov[0].iov_len;
        req->iov++;
        req->iovcnt--;
    }
    if (n) {
        req->iov[0].iov_base = (char *)req->iov[0].iov_base + n;
        req->iov[0].iov_len -= n;
    }
}

void blk_req_zero_rest(BlkReq *req)
{
    for (int i = 0; i < req->iovcnt; i++) {
        memset(req->iov[i].iov_base, 0, req->iov[i].iov_len);
    }
    req->iovcnt = 0;
    req->len = 0;
}

/* A block device's discard granularity from sysfs; 0: no discard. */
static unsigned blk_sysfs_discard_granularity(dev_t rdev, unsigned fallback)
{
    /* A partition has no queue/ of its own: its disk's is one up. */
    static const char *const fmts[] = {
        "/sys/dev/block/%u:%u/queue/discard_granularity",
        "/sys/dev/block/%u:%u/../queue/discard_granularity",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(fmts); i++) {
        g_autofree char *path = g_strdup_printf(fmts[i], major(rdev),
                                                minor(rdev));
        g_autofree char *text = NULL;

        if (g_file_get_contents(path, &text, NULL, NULL)) {
            return (unsigned)g_ascii_strtoull(text, NULL, 10);
        }
    }
    return fallback;
}

static bool blk_probe_local(BlkDev *b, const char *filename, Error **errp)
{
    struct stat st;

    if (fstat(b->fd, &st) < 0) {
        error_setg_errno(errp, errno, "fstat '%s'", filename);
        return false;
    }
    b->can_flush = true;
    if (S_ISBLK(st.st_mode)) {
        uint64_t size;
        int lbs;
        unsigned int pbs;

        if (ioctl(b->fd, BLKGETSIZE64, &size) < 0) {
            error_setg_errno(errp, errno, "BLKGETSIZE64 '%s'", filename);
            return false;
        }
        if (ioctl(b->fd, BLKSSZGET, &lbs) < 0 || lbs < 512) {
            lbs = 512;
        }
        if (ioctl(b->fd, BLKPBSZGET, &pbs) < 0 || pbs < (unsigned)lbs) {
            pbs = lbs;
        }
        b->is_blockdev = true;
        b->size = size;
        b->logical_block_size = lbs;
        b->physical_block_size = pbs;
        b->discard_granularity = blk_sysfs_discard_granularity(st.st_rdev,
                                                               lbs);
        b->can_discard = b->discard_granularity != 0;
        if (!b->can_discard) {
            b->discard_granularity = lbs;
        }
        return true;
    }
    if (!S_ISREG(st.st_mode)) {
        error_setg(errp, "'%s' is neither a regular file nor a block device",
                   filename);
        return false;
    }
    b->size = st.st_size;
    b->logical_block_size = 512;
    /* st_blksize is the file system's block: what writes should cover. */
    b->physical_block_size = 4096;
    if (st.st_blksize >= 512 && st.st_blksize < 4096 &&
        !(st.st_blksize & (st.st_blksize - 1))) {
        b->physical_block_size = st.st_blksize;
    }
    b->discard_granularity = 4096;
    if (st.st_blksize >= 512 && !(st.st_blksize & (st.st_blksize - 1))) {
        b->discard_granularity = st.st_blksize;
    }
    /* Whether the file system can punch holes is learnt on first use. */
    b->can_discard = true;
    return true;
}

static bool blk_open_local(BlkDev *b, const BlkOpenOpts *opts, Error **errp)
{
    int flags = (opts->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;

    b->direct = opts->direct;
    b->fd = open(opts->filename, flags | (opts->direct ? O_DIRECT : 0));
    if (b->fd < 0 && errno == EINVAL && opts->direct) {
        /* Some file systems (tmpfs on older kernels) refuse O_DIRECT. */
        trace("'%s': O_DIRECT refused, opening with the page cache",
                opts->filename);
        b->direct = false;
        b->fd = open(opts->filename, flags);
    }
    if (b->fd < 0) {
        error_setg_errno(errp, errno, "Could not open '%s'", opts->filename);
        return false;
    }
    if (!blk_lock_fd(b->fd, opts->filename, opts->readonly, opts->locking,
                     errp) ||
        !blk_probe_local(b, opts->filename, errp)) {
        return false;
    }

    switch (opts->engine) {
    case BLK_ENGINE_IO_URING:
        return blk_uring_open(b, opts, errp);
    case BLK_ENGINE_THREADS:
        return blk_threads_open(b, errp);
    default: {
        Error *local_err = NULL;

        if (blk_uring_open(b, opts, &local_err)) {
            return true;
        }
        /* io_uring can be compiled out, disabled by sysctl or seccomp. */
        trace("io_uring unavailable (%s): using threads",
                error_get_pretty(local_err));
        error_free(local_err);
        return blk_threads_open(b, errp);
    }
    }
}

static void blk_free(BlkDev *b)
{
    while (b->free_reqs) {
        BlkReq *req = b->free_reqs;

        b->free_reqs = req->next;
        if (req->iov_buf != req->iov_inline) {
            g_free(req->iov_buf);
        }
        g_free(req);
    }
    if (b->fd >= 0) {
        close(b->fd);
    }
    g_free(b);
}

BlkDev *blk_open(EventLoop *loop, const BlkOpenOpts *opts, Error **errp)
{
    bool raw = !opts->format || !strcmp(opts->format, "raw");
    bool use_nbd = opts->nbd_uri || !raw || opts->engine == BLK_ENGINE_NBD;
    BlkDev *b;
    bool ok;

    if (!opts->filename || !*opts->filename) {
        error_setg(errp, "no image file name");
        return NULL;
    }
    if (use_nbd && (opts->engine == BLK_ENGINE_IO_URING ||
                    opts->engine == BLK_ENGINE_THREADS)) {
        error_setg(errp, "'%s': %s needs the nbd engine", opts->filename,
                   opts->nbd_uri ? "an NBD URI" : "an image format");
        return NULL;
    }

    b = g_new0(BlkDev, 1);
    b->loop = loop;
    b->fd = -1;
    ok = use_nbd ? blk_nbd_open(b, opts, errp)
                 : blk_open_local(b, opts, errp);
    if (!ok) {
        blk_free(b);
        return NULL;
    }
    b->readonly = b->readonly || opts->readonly;
    return b;
}

void blk_close(BlkDev *b)
{
    if (!b) {
        return;
    }
    b->ops->close(b);
    blk_free(b);
}

uint64_t blk_size(BlkDev *b)
{
    return b->size;
}

unsigned blk_logical_block_size(BlkDev *b)
{
    return b->logical_block_size;
}

unsigned blk_physical_block_size(BlkDev *b)
{
    return b->physical_block_size;
}

bool blk_is_readonly(BlkDev *b)
{
    return b->readonly;
}

bool blk_can_discard(BlkDev *b)
{
    return b->can_discard && !b->readonly;
}

unsigned blk_discard_granularity(BlkDev *b)
{
    return b->discard_granularity;
}

bool blk_can_flush(BlkDev *b)
{
    return b->can_flush;
}

const char *blk_engine_name(BlkDev *b)
{
    return b->ops->name;
}

static int blk_queue(BlkDev *b, BlkOp op, uint64_t offset, uint64_t len,
                     const struct iovec *iov, int iovcnt, BlkCompleteFn *cb,
                     void *opaque)
{
    BlkReq *req = blk_req_get(b);
    int ret;

    req->op = op;
    req->offset = offset;
    req->len = len;
    req->cb = cb;
    req->opaque = opaque;
    blk_req_set_iov(req, iov, iovcnt);
    ret = b->ops->queue(b, req);
    if (ret < 0) {
        blk_req_put(b, req);
    }
    return ret;
}

static int blk_check_rw(BlkDev *b, uint64_t offset, const struct iovec *iov,
                        int iovcnt, BlkCompleteFn *cb, uint64_t *len)
{
    uint64_t total = 0;

    if (!cb || iovcnt < 0 || iovcnt > IOV_MAX || (iovcnt && !iov)) {
        return -EINVAL;
    }
    for (int i = 0; i < iovcnt; i++) {
        total += iov[i].iov_len;
        if (total < iov[i].iov_len) {
            return -EINVAL;
        }
    }
    /* A disk does not grow: writes past the end are refused as well. */
    if (offset > b->size || total > b->size - offset) {
        return -EINVAL;
    }
    *len = total;
    return 0;
}

int blk_preadv(BlkDev *b, uint64_t offset, const struct iovec *iov,
               int iovcnt, BlkCompleteFn *cb, void *opaque)
{
    uint64_t len;
    int ret = blk_check_rw(b, offset, iov, iovcnt, cb, &len);

    if (ret < 0) {
        return ret;
    }
    return blk_queue(b, BLK_OP_READ, offset, len, iov, iovcnt, cb, opaque);
}

int blk_pwritev(BlkDev *b, uint64_t offset, const struct iovec *iov,
                int iovcnt, BlkCompleteFn *cb, void *opaque)
{
    uint64_t len;
    int ret;

    if (b->readonly) {
        return -EROFS;
    }
    ret = blk_check_rw(b, offset, iov, iovcnt, cb, &len);
    if (ret < 0) {
        return ret;
    }
    return blk_queue(b, BLK_OP_WRITE, offset, len, iov, iovcnt, cb, opaque);
}

int blk_flush(BlkDev *b, BlkCompleteFn *cb, void *opaque)
{
    if (!cb) {
        return -EINVAL;
    }
    return blk_queue(b, BLK_OP_FLUSH, 0, 0, NULL, 0, cb, opaque);
}

int blk_discard(BlkDev *b, uint64_t offset, uint64_t len, BlkCompleteFn *cb,
                void *opaque)
{
    if (!cb) {
        return -EINVAL;
    }
    if (b->readonly) {
        return -EROFS;
    }
    if (!b->can_discard) {
        return -EOPNOTSUPP;
    }
    if (offset > b->size || len > b->size - offset) {
        return -EINVAL;
    }
    return blk_queue(b, BLK_OP_DISCARD, offset, len, NULL, 0, cb, opaque);
}

void blk_drain(BlkDev *b)
{
    b->ops->drain(b);
}

void blk_submit(BlkDev *b)
{
    if (b->ops->submit) {
        b->ops->submit(b);
    }
}
