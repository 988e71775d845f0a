/*
 * Unit tests of the disk I/O engines (include/block/blk.h): every case
 * runs on io_uring (with a roomy and a tiny ring, the latter to exercise
 * the overflow queue), on the thread pool, and on nbd over a qcow2 image
 * served by qemu-storage-daemon and by qemu-nbd. Callbacks check that
 * they never run inside the call that queued their request.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "block/blk.h"

#define IMG_SIZE (4u << 20)
#define SLOT_SIZE 8192u                 /* 16 iovecs of 512 bytes */
#define SLOT_IOVS (SLOT_SIZE / 512)
#define NREQS 64
/* An upper bound only: completions are waited for, never slept on. */
#define WAIT_US (20 * G_USEC_PER_SEC)

typedef struct TbConfig {
    const char *name;
    BlkEngine engine;
    BlkDaemon daemon;
    const char *format;                 /* NULL: raw */
    unsigned queue_depth;
    const char *expect_engine;
    const char *parent;                 /* NULL: the temporary directory */
} TbConfig;

static const TbConfig tb_configs[] = {
    { "io_uring", BLK_ENGINE_IO_URING, BLK_DAEMON_AUTO, NULL, 0, "io_uring" },
    /* SQ 4, CQ 8: 64 requests go through the overflow queue. */
    { "io_uring-depth4", BLK_ENGINE_IO_URING, BLK_DAEMON_AUTO, NULL, 4,
      "io_uring" },
    /* A file in memory: io_uring does its writes at once (blk-uring.c). */
    { "io_uring-tmpfs", BLK_ENGINE_IO_URING, BLK_DAEMON_AUTO, NULL, 0,
      "io_uring", "/dev/shm" },
    { "threads", BLK_ENGINE_THREADS, BLK_DAEMON_AUTO, NULL, 0, "threads" },
    { "nbd-qsd", BLK_ENGINE_AUTO, BLK_DAEMON_QSD, "qcow2", 0, "nbd" },
    { "nbd-qemu-nbd", BLK_ENGINE_AUTO, BLK_DAEMON_QEMU_NBD, "qcow2", 0,
      "nbd" },
};

typedef struct TbFixture {
    const TbConfig *cfg;
    EventLoop *loop;
    char *dir;
    char *path;
    bool in_call;               /* inside a blk_* call: no callback now */
    unsigned completed;
    guint8 *shadow;             /* what the image should hold */
    GRand *rand;
} TbFixture;

typedef struct TbReq {
    TbFixture *f;
    bool done;
    int ret;
    guint8 *buf;
    struct iovec iov[SLOT_IOVS];
    uint64_t offset;
} TbReq;

static void tb_cb(void *opaque, int ret)
{
    TbReq *r = opaque;

    g_assert_false(r->f->in_call);
    g_assert_false(r->done);
    r->done = true;
    r->ret = ret;
    r->f->completed++;
}

static bool tb_is_raw(TbFixture *f)
{
    return !f->cfg->format;
}

static void tb_run_cmd(const char *const *argv)
{
    g_autoptr(GError) gerr = NULL;
    int status;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                               &status, &gerr));
    g_assert_no_error(gerr);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
}

static void tb_setup(TbFixture *f, gconstpointer data)
{
    g_autoptr(GError) gerr = NULL;

    f->cfg = data;
    f->loop = event_loop_new(NULL);
    g_assert_nonnull(f->loop);
    if (f->cfg->parent) {
        f->dir = g_build_filename(f->cfg->parent, "test-blk-XXXXXX", NULL);
        g_assert_nonnull(g_mkdtemp(f->dir));
    } else {
        f->dir = g_dir_make_tmp("test-blk-XXXXXX", &gerr);
        g_assert_no_error(gerr);
    }
    f->path = g_build_filename(f->dir, "disk.img", NULL);
    f->shadow = g_malloc0(IMG_SIZE);
    f->rand = g_rand_new_with_seed(0x5eed);
    if (tb_is_raw(f)) {
        int fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0600);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(ftruncate(fd, IMG_SIZE), ==, 0);
        close(fd);
    } else {
        g_autofree char *size = g_strdup_printf("%u", IMG_SIZE);
        const char *argv[] = { "qemu-img", "create", "-q", "-f",
                               f->cfg->format, f->path, size, NULL };

        tb_run_cmd(argv);
    }
}

static void tb_teardown(TbFixture *f, gconstpointer data)
{
    g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
    const char *name;

    /* Every case ran its loop dry: nothing scheduled may still fire. */
    for (int i = 0; i < 3; i++) {
        g_assert_true(event_loop_run_once(f->loop, 0, NULL));
    }
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *p = g_build_filename(f->dir, name, NULL);

        g_unlink(p);
    }
    g_rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
    g_free(f->shadow);
    g_rand_free(f->rand);
    event_loop_free(f->loop);
}

static BlkDev *tb_open_opts(TbFixture *f, bool readonly, bool direct,
                            Error **errp)
{
    BlkOpenOpts opts = {
        .filename = f->path,
        .format = f->cfg->format,
        .readonly = readonly,
        .direct = direct,
        .engine = f->cfg->engine,
        .daemon = f->cfg->daemon,
        .queue_depth = f->cfg->queue_depth,
    };

    return blk_open(f->loop, &opts, errp);
}

static BlkDev *tb_open(TbFixture *f, bool readonly, bool direct)
{
    Error *err = NULL;
    BlkDev *b = tb_open_opts(f, readonly, direct, &err);

    if (!b) {
        g_error("blk_open: %s", error_get_pretty(err));
    }
    g_assert_cmpstr(blk_engine_name(b), ==, f->cfg->expect_engine);
    return b;
}

/* Runs the loop until @n callbacks came, with a time bound. */
static void tb_wait(TbFixture *f, unsigned n)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_US;

    while (f->completed < n) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_assert_true(event_loop_run_once(f->loop, 100, NULL));
    }
    g_assert_cmpuint(f->completed, ==, n);
}

static TbReq *tb_req_new(TbFixture *f, uint64_t offset, size_t len,
                         size_t piece)
{
    TbReq *r = g_new0(TbReq, 1);
    unsigned n = 0;

    g_assert_cmpuint(len / piece, <=, G_N_ELEMENTS(r->iov));
    r->f = f;
    r->offset = offset;
    /* Aligned for O_DIRECT, whichever test uses it. */
    g_assert_cmpint(posix_memalign((void **)&r->buf, 4096, len), ==, 0);
    for (size_t off = 0; off < len; off += piece) {
        r->iov[n].iov_base = r->buf + off;
        r->iov[n].iov_len = MIN(piece, len - off);
        n++;
    }
    return r;
}

static void tb_req_free(TbReq *r)
{
    free(r->buf);
    g_free(r);
}

static int tb_iovcnt(TbReq *r)
{
    int n = 0;

    while (n < (int)G_N_ELEMENTS(r->iov) && r->iov[n].iov_len) {
        n++;
    }
    return n;
}

static int tb_preadv(TbFixture *f, BlkDev *b, TbReq *r)
{
    int ret;

    f->in_call = true;
    ret = blk_preadv(b, r->offset, r->iov, tb_iovcnt(r), tb_cb, r);
    f->in_call = false;
    return ret;
}

static int tb_pwritev(TbFixture *f, BlkDev *b, TbReq *r)
{
    int ret;

    f->in_call = true;
    ret = blk_pwritev(b, r->offset, r->iov, tb_iovcnt(r), tb_cb, r);
    f->in_call = false;
    return ret;
}

/* Synchronous helpers for setting the stage. */
static void tb_write_sync(TbFixture *f, BlkDev *b, uint64_t offset,
                          size_t len, guint8 fill)
{
    TbReq *r = tb_req_new(f, offset, len, len);
    unsigned base = f->completed;

    memset(r->buf, fill, len);
    g_assert_cmpint(tb_pwritev(f, b, r), ==, 0);
    tb_wait(f, base + 1);
    g_assert_cmpint(r->ret, ==, 0);
    memset(f->shadow + offset, fill, len);
    tb_req_free(r);
}

static void tb_check_sync(TbFixture *f, BlkDev *b, uint64_t offset,
                          size_t len)
{
    TbReq *r = tb_req_new(f, offset, len, len);
    unsigned base = f->completed;

    g_assert_cmpint(tb_preadv(f, b, r), ==, 0);
    tb_wait(f, base + 1);
    g_assert_cmpint(r->ret, ==, 0);
    g_assert_true(memcmp(r->buf, f->shadow + offset, len) == 0);
    tb_req_free(r);
}

static int tb_flush_sync(TbFixture *f, BlkDev *b)
{
    TbReq r = { .f = f };
    unsigned base = f->completed;

    f->in_call = true;
    g_assert_cmpint(blk_flush(b, tb_cb, &r), ==, 0);
    f->in_call = false;
    tb_wait(f, base + 1);
    return r.ret;
}

static int tb_discard_sync(TbFixture *f, BlkDev *b, uint64_t offset,
                           uint64_t len)
{
    TbReq r = { .f = f };
    unsigned base = f->completed;
    int ret;

    f->in_call = true;
    ret = blk_discard(b, offset, len, tb_cb, &r);
    f->in_call = false;
    if (ret < 0) {
        return ret;
    }
    tb_wait(f, base + 1);
    return r.ret;
}

/* Picks @n distinct slots of the image. */
static void tb_pick_slots(TbFixture *f, unsigned *slots, unsigned n)
{
    unsigned nslots = IMG_SIZE / SLOT_SIZE;
    g_autofree unsigned *all = g_new(unsigned, nslots);

    for (unsigned i = 0; i < nslots; i++) {
        all[i] = i;
    }
    for (unsigned i = 0; i < n; i++) {
        unsigned j = g_rand_int_range(f->rand, i, nslots);
        unsigned t = all[i];

        all[i] = all[j];
        all[j] = t;
        slots[i] = all[i];
    }
}

/*
 * Rounds of 64 writes in flight at once, each 16 iovecs of 512 bytes at
 * distinct places, then 64 reads checked against the shadow copy, then
 * the whole image read back.
 */
static void tb_rw_rounds(TbFixture *f, BlkDev *b)
{
    for (int round = 0; round < 3; round++) {
        unsigned slots[NREQS];
        TbReq *reqs[NREQS];
        unsigned base = f->completed;

        tb_pick_slots(f, slots, NREQS);
        for (int i = 0; i < NREQS; i++) {
            reqs[i] = tb_req_new(f, (uint64_t)slots[i] * SLOT_SIZE,
                                 SLOT_SIZE, 512);
            for (unsigned k = 0; k < SLOT_SIZE; k += 4) {
                guint32 v = g_rand_int(f->rand);

                memcpy(reqs[i]->buf + k, &v, 4);
            }
            g_assert_cmpint(tb_pwritev(f, b, reqs[i]), ==, 0);
            if (i == NREQS / 2) {
                blk_submit(b);          /* half now, half at end of turn */
            }
        }
        g_assert_cmpuint(f->completed, ==, base);
        tb_wait(f, base + NREQS);
        for (int i = 0; i < NREQS; i++) {
            g_assert_cmpint(reqs[i]->ret, ==, 0);
            memcpy(f->shadow + reqs[i]->offset, reqs[i]->buf, SLOT_SIZE);
            tb_req_free(reqs[i]);
        }

        base = f->completed;
        tb_pick_slots(f, slots, NREQS);
        for (int i = 0; i < NREQS; i++) {
            reqs[i] = tb_req_new(f, (uint64_t)slots[i] * SLOT_SIZE,
                                 SLOT_SIZE, 512);
            g_assert_cmpint(tb_preadv(f, b, reqs[i]), ==, 0);
        }
        tb_wait(f, base + NREQS);
        for (int i = 0; i < NREQS; i++) {
            g_assert_cmpint(reqs[i]->ret, ==, 0);
            g_assert_true(memcmp(reqs[i]->buf, f->shadow + reqs[i]->offset,
                                 SLOT_SIZE) == 0);
            tb_req_free(reqs[i]);
        }
    }
    for (uint64_t off = 0; off < IMG_SIZE; off += 1 << 20) {
        tb_check_sync(f, b, off, 1 << 20);
    }
}

static void test_open(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, false);

    g_assert_cmpuint(blk_size(b), ==, IMG_SIZE);
    g_assert_cmpuint(blk_logical_block_size(b), ==, 512);
    g_assert_cmpuint(blk_physical_block_size(b), >=, 512);
    g_assert_cmpuint(blk_physical_block_size(b), <=, 4096);
    g_assert_false(blk_is_readonly(b));
    g_assert_true(blk_can_flush(b));
    g_assert_true(blk_can_discard(b));
    g_assert_cmpuint(blk_discard_granularity(b), >=, 512);
    blk_close(b);
}

static void test_rw(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, false);

    tb_rw_rounds(f, b);
    blk_close(b);

    /* What was written is in the image, not only in the engine. */
    b = tb_open(f, true, false);
    tb_check_sync(f, b, 0, IMG_SIZE);
    blk_close(b);
}

static void test_direct(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, true);

    tb_rw_rounds(f, b);
    g_assert_cmpint(tb_flush_sync(f, b), ==, 0);
    blk_close(b);
}

static void test_eof(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, false);
    TbReq *r;

    tb_write_sync(f, b, IMG_SIZE - 65536, 65536, 0xa5);
    /* Exactly to the end. */
    tb_check_sync(f, b, IMG_SIZE - 65536, 65536);
    tb_check_sync(f, b, IMG_SIZE - 512, 512);

    /* Across or past the end: refused at once, no callback. */
    r = tb_req_new(f, IMG_SIZE - 512, 1024, 512);
    g_assert_cmpint(tb_preadv(f, b, r), ==, -EINVAL);
    g_assert_cmpint(tb_pwritev(f, b, r), ==, -EINVAL);
    r->offset = IMG_SIZE;
    g_assert_cmpint(tb_preadv(f, b, r), ==, -EINVAL);
    r->offset = UINT64_MAX - 511;
    g_assert_cmpint(tb_preadv(f, b, r), ==, -EINVAL);
    g_assert_false(r->done);
    tb_req_free(r);
    blk_close(b);

    if (tb_is_raw(f)) {
        /* A size that is no multiple of 512: the last read is short. */
        int fd = open(f->path, O_WRONLY | O_TRUNC);
        guint8 tail[8292];

        g_assert_cmpint(fd, >=, 0);
        for (size_t i = 0; i < sizeof(tail); i++) {
            tail[i] = i * 7 + 3;
        }
        g_assert_cmpint(write(fd, tail, sizeof(tail)), ==, sizeof(tail));
        close(fd);
        memcpy(f->shadow, tail, sizeof(tail));

        b = tb_open(f, false, false);
        g_assert_cmpuint(blk_size(b), ==, sizeof(tail));
        r = tb_req_new(f, 0, sizeof(tail), 4096);  /* 4096+4096+100 */
        g_assert_cmpint(tb_preadv(f, b, r), ==, 0);
        tb_wait(f, f->completed + 1);
        g_assert_cmpint(r->ret, ==, 0);
        g_assert_true(memcmp(r->buf, tail, sizeof(tail)) == 0);
        tb_req_free(r);
        tb_check_sync(f, b, 8192, 100);
        blk_close(b);
    }
}

static void test_flush(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, false);

    g_assert_cmpint(tb_flush_sync(f, b), ==, 0);
    tb_write_sync(f, b, 4096, 4096, 0x11);
    g_assert_cmpint(tb_flush_sync(f, b), ==, 0);
    tb_check_sync(f, b, 0, 16384);
    blk_close(b);
}

static uint64_t tb_blocks(TbFixture *f)
{
    struct stat st;

    g_assert_cmpint(stat(f->path, &st), ==, 0);
    return st.st_blocks;
}

static void test_discard(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, false);
    uint64_t before, after;

    g_assert_true(blk_can_discard(b));
    tb_write_sync(f, b, 1 << 20, 1 << 20, 0x77);
    tb_write_sync(f, b, 3 << 20, 65536, 0x78);
    g_assert_cmpint(tb_flush_sync(f, b), ==, 0);
    before = tb_blocks(f);
    g_assert_cmpint(tb_discard_sync(f, b, 1 << 20, 1 << 20), ==, 0);
    memset(f->shadow + (1 << 20), 0, 1 << 20);
    g_assert_cmpint(tb_flush_sync(f, b), ==, 0);
    after = tb_blocks(f);
    if (tb_is_raw(f)) {
        /* The megabyte is gone from the file (st_blocks is in 512s). */
        g_assert_cmpuint(before - after, >=, (1 << 20) / 512);
    } else {
        g_assert_cmpuint(after, <=, before);
    }
    /* Discarded ranges read as zeros; the rest is untouched. */
    tb_check_sync(f, b, 0, IMG_SIZE);
    g_assert_cmpint(blk_discard(b, IMG_SIZE, 4096, tb_cb, NULL), ==,
                    -EINVAL);
    blk_close(b);
}

static void test_readonly(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, false);
    TbReq *r;
    int ret;

    tb_write_sync(f, b, 0, 65536, 0x3c);
    blk_close(b);

    b = tb_open(f, true, false);
    g_assert_true(blk_is_readonly(b));
    g_assert_false(blk_can_discard(b));
    tb_check_sync(f, b, 0, 131072);
    r = tb_req_new(f, 0, 4096, 512);
    ret = tb_pwritev(f, b, r);
    if (ret == 0) {
        tb_wait(f, f->completed + 1);
        ret = r->ret;
    }
    g_assert_true(ret == -EROFS || ret == -EBADF || ret == -EPERM);
    g_assert_cmpint(tb_discard_sync(f, b, 0, 4096), <, 0);
    /* A flush of a read-only image is harmless. */
    g_assert_cmpint(tb_flush_sync(f, b), ==, 0);
    tb_req_free(r);
    tb_check_sync(f, b, 0, 131072);
    blk_close(b);
}

/*
 * Closing with requests in flight waits for them without calling back;
 * ASan checks that nothing leaks and nothing touches freed memory.
 */
static void test_close_inflight(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, false);
    TbReq *reqs[2 * NREQS];
    TbReq flush = { .f = f };

    for (int i = 0; i < 2 * NREQS; i++) {
        reqs[i] = tb_req_new(f, (uint64_t)(i % NREQS) * SLOT_SIZE,
                             SLOT_SIZE, 512);
        memset(reqs[i]->buf, i, SLOT_SIZE);
        g_assert_cmpint(i < NREQS ? tb_pwritev(f, b, reqs[i])
                                  : tb_preadv(f, b, reqs[i]), ==, 0);
        if (i == NREQS) {
            blk_submit(b);
        }
    }
    f->in_call = true;
    g_assert_cmpint(blk_flush(b, tb_cb, &flush), ==, 0);
    f->in_call = false;
    blk_close(b);
    for (int i = 0; i < 5; i++) {
        g_assert_true(event_loop_run_once(f->loop, 10, NULL));
    }
    g_assert_cmpuint(f->completed, ==, 0);
    for (int i = 0; i < 2 * NREQS; i++) {
        g_assert_false(reqs[i]->done);
        tb_req_free(reqs[i]);
    }
}

/*
 * The file shrinks behind the engine's back, in the middle of an iovec
 * element: the kernel returns a short read, the engine continues it
 * from the middle of that element, gets 0 (end of file) and reads the
 * rest as a hole.
 */
static void test_short_read(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, false);
    const size_t cut = (1 << 20) + 1000;
    TbReq *r;

    if (!tb_is_raw(f)) {
        g_test_skip("the image file of a format cannot be truncated");
        blk_close(b);
        return;
    }
    for (int i = 0; i < 4; i++) {
        tb_write_sync(f, b, (uint64_t)i << 20, 1 << 20, 0x10 + i);
    }
    g_assert_cmpint(truncate(f->path, cut), ==, 0);
    memset(f->shadow + cut, 0, IMG_SIZE - cut);

    r = tb_req_new(f, 0, 2 << 20, 256 << 10);
    g_assert_cmpint(tb_preadv(f, b, r), ==, 0);
    tb_wait(f, f->completed + 1);
    g_assert_cmpint(r->ret, ==, 0);
    g_assert_true(memcmp(r->buf, f->shadow, 2 << 20) == 0);
    tb_req_free(r);
    blk_close(b);
}

/* Each callback queues the next request: a chain through the loop. */
typedef struct TbChain {
    TbFixture *f;
    BlkDev *b;
    TbReq *r;
    unsigned left;
    int ret;
} TbChain;

static void tb_chain_cb(void *opaque, int ret)
{
    TbChain *c = opaque;

    g_assert_false(c->f->in_call);
    c->f->completed++;
    if (ret < 0 || !--c->left) {
        c->ret = ret;
        c->left = 0;
        return;
    }
    c->r->offset = (c->r->offset + 4096) % IMG_SIZE;
    c->f->in_call = true;
    ret = c->left & 1
        ? blk_preadv(c->b, c->r->offset, c->r->iov, 1, tb_chain_cb, c)
        : blk_pwritev(c->b, c->r->offset, c->r->iov, 1, tb_chain_cb, c);
    c->f->in_call = false;
    g_assert_cmpint(ret, ==, 0);
}

static void test_chain(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, false);
    TbChain c = { .f = f, .b = b, .left = 300 };
    struct iovec none = { NULL, 0 };
    TbReq zero = { .f = f };

    c.r = tb_req_new(f, 0, 4096, 4096);
    memset(c.r->buf, 0, 4096);
    f->in_call = true;
    g_assert_cmpint(blk_pwritev(b, 0, c.r->iov, 1, tb_chain_cb, &c), ==, 0);
    f->in_call = false;
    tb_wait(f, 300);
    g_assert_cmpint(c.ret, ==, 0);
    tb_req_free(c.r);

    /* Nothing to transfer still completes, later. */
    f->in_call = true;
    g_assert_cmpint(blk_preadv(b, IMG_SIZE, &none, 1, tb_cb, &zero), ==, 0);
    f->in_call = false;
    tb_wait(f, 301);
    g_assert_cmpint(zero.ret, ==, 0);
    blk_close(b);
}

/* blk_drain() runs every callback, those of chained requests included. */
static void test_drain(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, false);
    TbReq *reqs[2 * NREQS];
    TbChain c = { .f = f, .b = b, .left = 50 };

    for (int i = 0; i < 2 * NREQS; i++) {
        reqs[i] = tb_req_new(f, (uint64_t)(i % NREQS) * SLOT_SIZE,
                             SLOT_SIZE, 512);
        memset(reqs[i]->buf, i, SLOT_SIZE);
        g_assert_cmpint(i < NREQS ? tb_pwritev(f, b, reqs[i])
                                  : tb_preadv(f, b, reqs[i]), ==, 0);
    }
    c.r = tb_req_new(f, 0, 4096, 4096);
    f->in_call = true;
    g_assert_cmpint(blk_preadv(b, 0, c.r->iov, 1, tb_chain_cb, &c), ==, 0);
    f->in_call = false;
    g_assert_cmpuint(f->completed, ==, 0);
    blk_drain(b);
    g_assert_cmpuint(f->completed, ==, 2 * NREQS + 50);
    g_assert_cmpuint(c.left, ==, 0);
    for (int i = 0; i < 2 * NREQS; i++) {
        g_assert_true(reqs[i]->done);
        g_assert_cmpint(reqs[i]->ret, ==, 0);
        tb_req_free(reqs[i]);
    }
    tb_req_free(c.r);
    /* Nothing in flight: returns at once; the loop has nothing left. */
    blk_drain(b);
    for (int i = 0; i < 3; i++) {
        g_assert_true(event_loop_run_once(f->loop, 10, NULL));
    }
    g_assert_cmpuint(f->completed, ==, 2 * NREQS + 50);
    blk_close(b);
}

/* The daemon blk started for @f: our only child with that image. */
static pid_t tb_find_daemon(void)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *name;

    while ((name = g_dir_read_name(proc))) {
        g_autofree char *path = g_strdup_printf("/proc/%s/stat", name);
        g_autofree char *stat = NULL;
        char *end;
        int ppid;

        if (!g_ascii_isdigit(name[0]) ||
            !g_file_get_contents(path, &stat, NULL, NULL)) {
            continue;
        }
        /* "pid (comm) state ppid ...": comm may hold spaces. */
        end = strrchr(stat, ')');
        if (end && sscanf(end + 2, "%*c %d", &ppid) == 1 &&
            ppid == getpid()) {
            return atoi(name);
        }
    }
    return 0;
}

/*
 * The server dies under us: requests fail (at once or through their
 * callbacks) and closing neither hangs nor leaks.
 */
static void test_server_dies(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, false);
    pid_t pid;
    TbReq *r;
    int ret;

    if (tb_is_raw(f)) {
        g_test_skip("no server");
        blk_close(b);
        return;
    }
    pid = tb_find_daemon();
    g_assert_cmpint(pid, >, 0);
    g_test_message("killing the server, pid %d", (int)pid);
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    r = tb_req_new(f, 0, 65536, 4096);
    ret = tb_preadv(f, b, r);
    if (ret == 0) {
        tb_wait(f, f->completed + 1);
        ret = r->ret;
    }
    g_test_message("read from a dead server: %s", g_strerror(-ret));
    g_assert_cmpint(ret, <, 0);
    ret = tb_preadv(f, b, r);
    if (ret == 0) {
        r->done = false;
        tb_wait(f, f->completed + 1);
        ret = r->ret;
    }
    g_assert_cmpint(ret, <, 0);
    tb_req_free(r);
    blk_close(b);
}

/* Requests refused up front, and open errors. */
static void test_errors(TbFixture *f, gconstpointer data)
{
    BlkDev *b = tb_open(f, false, false);
    g_autofree char *missing = g_build_filename(f->dir, "missing", NULL);
    struct iovec iov = { f->shadow, 512 };
    BlkOpenOpts opts = { .filename = missing, .format = f->cfg->format,
                         .engine = f->cfg->engine, .daemon = f->cfg->daemon };
    Error *err = NULL;

    g_assert_cmpint(blk_preadv(b, 0, &iov, -1, tb_cb, NULL), ==, -EINVAL);
    g_assert_cmpint(blk_preadv(b, 0, &iov, 1, NULL, NULL), ==, -EINVAL);
    g_assert_cmpint(blk_flush(b, NULL, NULL), ==, -EINVAL);
    blk_close(b);

    g_assert_null(blk_open(f->loop, &opts, &err));
    g_assert_nonnull(err);
    g_test_message("missing image: %s", error_get_pretty(err));
    error_free(err);
}

static void test_auto(void)
{
    g_autoptr(GError) gerr = NULL;
    g_autofree char *dir = g_dir_make_tmp("test-blk-XXXXXX", &gerr);
    g_autofree char *path = g_build_filename(dir, "raw.img", NULL);
    EventLoop *loop = event_loop_new(NULL);
    BlkOpenOpts opts = { .filename = path };
    Error *err = NULL;
    BlkDev *b;
    int fd;

    fd = open(path, O_RDWR | O_CREAT, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 65536), ==, 0);
    close(fd);

    b = blk_open(loop, &opts, &err);
    g_assert_nonnull(b);
    /* io_uring where the host allows it, threads otherwise. */
    g_assert_true(!strcmp(blk_engine_name(b), "io_uring") ||
                  !strcmp(blk_engine_name(b), "threads"));
    g_test_message("AUTO picked %s", blk_engine_name(b));
    blk_close(b);

    /* A format needs the nbd engine; forcing a local one is refused. */
    opts.format = "qcow2";
    opts.engine = BLK_ENGINE_IO_URING;
    g_assert_null(blk_open(loop, &opts, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;

    /* A raw image can still go through the daemon when asked. */
    opts.format = NULL;
    opts.engine = BLK_ENGINE_NBD;
    b = blk_open(loop, &opts, &err);
    g_assert_nonnull(b);
    g_assert_cmpstr(blk_engine_name(b), ==, "nbd");
    g_assert_cmpuint(blk_size(b), ==, 65536);
    blk_close(b);

    event_loop_free(loop);
    g_unlink(path);
    g_rmdir(dir);
}

/* An NBD URI: a qemu-nbd of our own, no daemon started by blk. */
static void test_uri(void)
{
    g_autoptr(GError) gerr = NULL;
    g_autofree char *dir = g_dir_make_tmp("test-blk-XXXXXX", &gerr);
    g_autofree char *path = g_build_filename(dir, "raw.img", NULL);
    g_autofree char *sock = g_build_filename(dir, "s.sock", NULL);
    g_autofree char *sockarg = g_strdup_printf("--socket=%s", sock);
    g_autofree char *uri = g_strdup_printf("nbd+unix:///x?socket=%s", sock);
    const char *argv[] = { "qemu-nbd", "--format=raw", "--export-name=x",
                           "--persistent", sockarg, path, NULL };
    EventLoop *loop = event_loop_new(NULL);
    BlkOpenOpts opts = { .filename = uri, .nbd_uri = true };
    gint64 deadline = g_get_monotonic_time() + WAIT_US;
    TbFixture f = { .loop = loop };
    TbConfig cfg = { .expect_engine = "nbd" };
    BlkDev *b = NULL;
    GPid pid;
    int fd;

    f.cfg = &cfg;
    f.shadow = g_malloc0(65536);
    fd = open(path, O_RDWR | O_CREAT, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 65536), ==, 0);
    close(fd);
    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                G_SPAWN_SEARCH_PATH |
                                G_SPAWN_DO_NOT_REAP_CHILD,
                                NULL, NULL, &pid, &gerr));
    while (!b) {
        Error *err = NULL;

        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        b = blk_open(loop, &opts, &err);
        if (!b) {
            error_free(err);
            g_usleep(10000);
        }
    }
    g_assert_cmpstr(blk_engine_name(b), ==, "nbd");
    g_assert_cmpuint(blk_size(b), ==, 65536);
    tb_write_sync(&f, b, 512, 1024, 0x42);
    tb_check_sync(&f, b, 0, 65536);
    blk_close(b);

    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    g_free(f.shadow);
    event_loop_free(loop);
    g_unlink(path);
    g_unlink(sock);
    g_rmdir(dir);
}

/* A discard whose callback queues a flush, as a secure discard does. */
typedef struct TbCross {
    BlkDev *b;
    int discard_ret, flush_ret;
    bool discarded, flushed;
} TbCross;

static void tb_cross_flushed(void *opaque, int ret)
{
    TbCross *c = opaque;

    c->flushed = true;
    c->flush_ret = ret;
}

static void tb_cross_discarded(void *opaque, int ret)
{
    TbCross *c = opaque;

    c->discarded = true;
    c->discard_ret = ret;
    g_assert_cmpint(blk_flush(c->b, tb_cross_flushed, c), ==, 0);
}

/*
 * A block device: TEST_BLK_BLOCKDEV=/dev/loopN, or, as root, a loop
 * device main() sets up over a sparse file. Its first IMG_SIZE bytes
 * are overwritten.
 */
static void test_blockdev(gconstpointer data)
{
    const char *dev = g_getenv("TEST_BLK_BLOCKDEV");
    TbConfig cfg = { .engine = GPOINTER_TO_INT(data) };
    TbFixture f = { .cfg = &cfg };
    BlkDev *b;

    if (!dev) {
        g_test_skip("set TEST_BLK_BLOCKDEV to a scratch block device");
        return;
    }
    cfg.expect_engine = cfg.engine == BLK_ENGINE_THREADS ? "threads"
                                                         : "io_uring";
    f.loop = event_loop_new(NULL);
    f.path = g_strdup(dev);
    f.shadow = g_malloc0(IMG_SIZE);
    f.rand = g_rand_new_with_seed(0xb10c);
    b = tb_open(&f, false, true);
    g_assert_cmpuint(blk_size(b), >=, IMG_SIZE);
    g_assert_cmpuint(blk_logical_block_size(b), >=, 512);
    g_assert_cmpuint(blk_physical_block_size(b), >=,
                     blk_logical_block_size(b));
    g_test_message("%s: %" G_GUINT64_FORMAT " bytes, blocks %u/%u, "
                   "discard %d/%u", dev, blk_size(b),
                   blk_logical_block_size(b), blk_physical_block_size(b),
                   blk_can_discard(b), blk_discard_granularity(b));
    /* Whatever the device held: the shadow starts from what is there. */
    {
        TbReq *r = tb_req_new(&f, 0, IMG_SIZE, IMG_SIZE);

        g_assert_cmpint(tb_preadv(&f, b, r), ==, 0);
        tb_wait(&f, 1);
        g_assert_cmpint(r->ret, ==, 0);
        memcpy(f.shadow, r->buf, IMG_SIZE);
        tb_req_free(r);
    }
    tb_rw_rounds(&f, b);
    g_assert_cmpint(tb_flush_sync(&f, b), ==, 0);
    if (blk_can_discard(b)) {
        /* BLKDISCARD, on the thread pool even for io_uring. */
        g_assert_cmpint(tb_discard_sync(&f, b, 1 << 20, 1 << 20), ==, 0);
        memset(f.shadow + (1 << 20), 0, 1 << 20);   /* loop: a hole */
        tb_check_sync(&f, b, 0, IMG_SIZE);
        /*
         * The discard completes on the pool and its flush goes to
         * io_uring: blk_drain() must wait for both.
         */
        {
            TbCross c = { .b = b };

            g_assert_cmpint(blk_discard(b, 0, 1 << 20, tb_cross_discarded,
                                        &c), ==, 0);
            blk_drain(b);
            g_assert_true(c.discarded && c.flushed);
            g_assert_cmpint(c.discard_ret, ==, 0);
            g_assert_cmpint(c.flush_ret, ==, 0);
        }
    }
    blk_close(b);
    g_free(f.shadow);
    g_free(f.path);
    g_rand_free(f.rand);
    event_loop_free(f.loop);
}

typedef struct TbCase {
    const char *name;
    void (*fn)(TbFixture *f, gconstpointer data);
} TbCase;

static const TbCase tb_cases[] = {
    { "open", test_open },
    { "rw", test_rw },
    { "direct", test_direct },
    { "eof", test_eof },
    { "flush", test_flush },
    { "discard", test_discard },
    { "readonly", test_readonly },
    { "close-inflight", test_close_inflight },
    { "short-read", test_short_read },
    { "chain", test_chain },
    { "server-dies", test_server_dies },
    { "drain", test_drain },
    { "errors", test_errors },
};

/*
 * As root with losetup, a loop device over a sparse file for the block
 * device cases, unless TEST_BLK_BLOCKDEV names one; NULL otherwise.
 */
static char *tb_loop_setup(char **backing)
{
    g_autofree char *out = NULL;
    g_autofree char *losetup = g_find_program_in_path("losetup");
    const char *argv[] = { "losetup", "-f", "--show", NULL, NULL };
    int fd, status;

    if (g_getenv("TEST_BLK_BLOCKDEV") || geteuid() != 0 || !losetup) {
        return NULL;
    }
    fd = g_file_open_tmp("test-blk-loop-XXXXXX", backing, NULL);
    if (fd < 0) {
        return NULL;
    }
    if (ftruncate(fd, 4 * IMG_SIZE) < 0) {
        close(fd);
        return NULL;
    }
    close(fd);
    argv[3] = *backing;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH |
                      G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                      &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL) || !out) {
        g_unlink(*backing);
        return NULL;
    }
    g_strchomp(out);
    g_setenv("TEST_BLK_BLOCKDEV", out, true);
    return g_steal_pointer(&out);
}

static void tb_loop_teardown(char *dev, char *backing)
{
    const char *argv[] = { "losetup", "-d", dev, NULL };

    if (dev) {
        g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                     NULL, NULL, NULL, NULL, NULL);
        g_unlink(backing);
    }
    g_free(dev);
    g_free(backing);
}

int main(int argc, char **argv)
{
    char *backing = NULL;
    char *loop_dev;
    int ret;

    g_test_init(&argc, &argv, NULL);
    loop_dev = tb_loop_setup(&backing);
    for (size_t c = 0; c < G_N_ELEMENTS(tb_configs); c++) {
        for (size_t t = 0; t < G_N_ELEMENTS(tb_cases); t++) {
            g_autofree char *path = g_strdup_printf("/blk/%s/%s",
                                                    tb_configs[c].name,
                                                    tb_cases[t].name);

            g_test_add(path, TbFixture, &tb_configs[c], tb_setup,
                       tb_cases[t].fn, tb_teardown);
        }
    }
    g_test_add_func("/blk/auto", test_auto);
    g_test_add_func("/blk/nbd-uri", test_uri);
    g_test_add_data_func("/blk/blockdev/io_uring",
                         GINT_TO_POINTER(BLK_ENGINE_IO_URING), test_blockdev);
    g_test_add_data_func("/blk/blockdev/threads",
                         GINT_TO_POINTER(BLK_ENGINE_THREADS), test_blockdev);
    ret = g_test_run();
    tb_loop_teardown(loop_dev, backing);
    return ret;
}
