/*
 * The block backend end to end in EMULATE mode: Xenner's services, the
 * backend core, xen_disk and the test blkfront, over real image files,
 * real io_uring, and QEMU's own storage daemons for qcow2.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk-fixture.h"

/* ---- integrity: concurrent random I/O against a model ------------------- */

typedef struct Workload Workload;

typedef struct Io {
    Workload *w;
    bool busy;
    uint8_t op;
    uint64_t sector;
    uint32_t nr;
    uint8_t *buf;
} Io;

struct Workload {
    Fixture *f;
    BlkFront *bf;
    uint8_t *model;
    uint8_t *busy;              /* per sector: in flight */
    uint64_t sectors;
    GRand *rand;
    unsigned max_sectors;
    unsigned depth;             /* per queue */
    Io *ios;
    unsigned nr_ios;
    unsigned issued, completed, target;
    unsigned reads, writes;
    unsigned bad;
};

static void io_done(void *opaque, int16_t status)
{
    Io *io = opaque;
    Workload *w = io->w;

    if (status != BLKIF_RSP_OKAY) {
        w->bad++;
    } else if (io->op == BLKIF_OP_READ &&
               memcmp(io->buf, w->model + io->sector * SECTOR,
                      io->nr * SECTOR)) {
        w->bad++;
    }
    memset(w->busy + io->sector, 0, io->nr);
    io->busy = false;
    w->completed++;
}

/* Starts one request on a free range; false when none fits right now. */
static bool workload_issue(Workload *w, Io *io, unsigned queue)
{
    uint32_t nr = g_rand_int_range(w->rand, 1, w->max_sectors + 1);
    uint64_t sector = g_rand_int_range(w->rand, 0, w->sectors - nr + 1);

    for (uint32_t i = 0; i < nr; i++) {
        if (w->busy[sector + i]) {
            return false;
        }
    }
    io->op = g_rand_boolean(w->rand) ? BLKIF_OP_WRITE : BLKIF_OP_READ;
    io->sector = sector;
    io->nr = nr;
    if (io->op == BLKIF_OP_WRITE) {
        for (uint32_t i = 0; i < nr * SECTOR; i += 4) {
            uint32_t v = g_rand_int(w->rand);

            memcpy(io->buf + i, &v, 4);
        }
    }
    if (blkfront_submit(w->bf, queue, io->op, sector, io->buf, nr, false,
                        io_done, io) < 0) {
        return false;
    }
    if (io->op == BLKIF_OP_WRITE) {
        /* No read of this range is in flight: the model moves now. */
        memcpy(w->model + sector * SECTOR, io->buf, nr * SECTOR);
        w->writes++;
    } else {
        w->reads++;
    }
    memset(w->busy + sector, 1, nr);
    io->busy = true;
    w->issued++;
    return true;
}

static void workload_run(Workload *w, unsigned count)
{
    unsigned queues = blkfront_nr_queues(w->bf);

    w->target += count;
    for (int spins = 0; w->completed < w->target && spins < 200000;
         spins++) {
        for (unsigned i = 0; i < w->nr_ios && w->issued < w->target; i++) {
            if (!w->ios[i].busy) {
                workload_issue(w, &w->ios[i], i % queues);
            }
        }
        g_assert_true(event_loop_run_once(w->f->loop, 1, NULL));
    }
    g_assert_cmpuint(w->completed, ==, w->target);
    g_assert_cmpuint(w->bad, ==, 0);
}

static void workload_init(Workload *w, Fixture *f, BlkFront *bf,
                          unsigned max_sectors, unsigned depth)
{
    unsigned queues = blkfront_nr_queues(bf);

    memset(w, 0, sizeof(*w));
    w->f = f;
    w->bf = bf;
    w->sectors = blkfront_sectors(bf);
    w->model = g_malloc0(w->sectors * SECTOR);
    w->busy = g_malloc0(w->sectors);
    w->rand = g_rand_new_with_seed(42);
    w->max_sectors = max_sectors;
    w->nr_ios = depth * queues;
    w->ios = g_new0(Io, w->nr_ios);
    for (unsigned i = 0; i < w->nr_ios; i++) {
        w->ios[i].w = w;
        w->ios[i].buf = g_malloc(max_sectors * SECTOR);
    }
}

static void workload_finish(Workload *w, const char *image)
{
    /* Outside the backend: the file holds exactly what the model says. */
    if (image) {
        g_autofree char *contents = NULL;
        gsize len;

        g_assert_true(g_file_get_contents(image, &contents, &len, NULL));
        g_assert_cmpuint(len, ==, w->sectors * SECTOR);
        g_assert_true(memcmp(contents, w->model, len) == 0);
    }
    g_test_message("%u reads, %u writes verified", w->reads, w->writes);
    for (unsigned i = 0; i < w->nr_ios; i++) {
        g_free(w->ios[i].buf);
    }
    g_free(w->ios);
    g_free(w->model);
    g_free(w->busy);
    g_rand_free(w->rand);
}

typedef struct IntegrityCase {
    BlkFrontConfig cfg;
    BlkEngine engine;
    bool reconnect;
    unsigned max_sectors;       /* 0: as many as 11 or 32 pages hold */
    unsigned depth;             /* per queue; 0: 32 */
    unsigned count;             /* requests; 0: 3000 */
} IntegrityCase;

static void test_integrity(Fixture *f, gconstpointer data)
{
    const IntegrityCase *c = data;
    g_autofree char *image = make_raw(f, "disk.img", DISK_SECTORS * SECTOR);
    g_autofree char *params = g_strdup_printf("aio:%s", image);
    XenDiskOpts opts;
    Conn *conn;
    BlkFront *bf;
    Workload w;
    /* Past one direct request's 11 pages only with indirect descriptors. */
    unsigned max_sectors = c->max_sectors ? c->max_sectors
                         : c->cfg.indirect ? 256 : 88;
    unsigned count = c->count ? c->count : 3000;

    xen_disk_opts_default(&opts);
    opts.engine = c->engine;
    bf = attach(f, 51712, params, false, &opts, &c->cfg, &conn);
    g_assert_cmpuint(blkfront_sectors(bf), ==, DISK_SECTORS);
    g_assert_cmpuint(blkfront_nr_queues(bf), ==, MAX(c->cfg.nr_queues, 1u));
    g_assert_cmpuint(blkfront_ring_size(bf), ==,
                     32u << c->cfg.ring_page_order);
    g_assert_cmpuint(blkfront_max_segments(bf), ==,
                     c->cfg.indirect ? 256 : 11);
    workload_init(&w, f, bf, max_sectors, c->depth ? c->depth : 32);
    workload_run(&w, count);
    if (c->reconnect) {
        conn->connected = false;
        blkfront_reconnect(bf);
        pump_until(f, &conn->connected);
        workload_run(&w, count);
    }
    workload_finish(&w, image);
}

/* ---- latency counters ---------------------------------------------------- */

static void get_stats(void *opaque, const XenDiskInfo *info)
{
    XenDiskStats *st = opaque;

    *st = *info->stats;
}

/* One class's histogram agrees with itself and counts @expect requests. */
static void check_latency(const XenDiskStats *st, XenDiskLatClass cls,
                          uint64_t expect)
{
    const LatHist *h = &st->latency[cls];
    uint64_t sum = 0;
    uint64_t p50 = lat_hist_percentile(h, 500);
    uint64_t p99 = lat_hist_percentile(h, 990);

    for (unsigned i = 0; i < LAT_HIST_BUCKETS; i++) {
        sum += h->bins[i];
    }
    g_test_message("class %d: %" PRIu64 " requests, p50 %" PRIu64
                   " ns, p99 %" PRIu64 " ns, max %" PRIu64 " ns", cls,
                   h->count, p50, p99, h->max_ns);
    g_assert_cmpuint(h->count, ==, expect);
    g_assert_cmpuint(sum, ==, expect);
    g_assert_cmpuint(p50, <=, p99);
    g_assert_cmpuint(p99, <=, h->max_ns);
    if (expect) {
        /* every request took some time, and the total holds them all */
        g_assert_cmpuint(p50, >, 0);
        g_assert_cmpuint(st->total_time_ns[cls], >=, h->max_ns);
        g_assert_cmpuint(st->total_time_ns[cls], >=, h->count);
    }
}

/*
 * Reads, writes and flushes are each timed once, from ring to pushed
 * response; refused requests and discards are not; a reset forgets the
 * histograms but not the counters.
 */
static void test_latency(Fixture *f, gconstpointer data)
{
    g_autofree char *image = make_raw(f, "disk.img", DISK_SECTORS * SECTOR);
    g_autofree char *params = g_strdup_printf("aio:%s", image);
    BlkFrontConfig cfg = { .indirect = true, .persistent = true,
                           .nr_queues = 2 };
    g_autofree uint8_t *buf = g_malloc0(8 * SECTOR);
    Error *error = NULL;
    XenDiskStats st;
    BlkFront *bf;
    Workload w;

    bf = attach(f, 51712, params, false, NULL, &cfg, NULL);
    xen_disk_host_foreach(f->host, get_stats, &st);
    for (unsigned i = 0; i < XEN_DISK_LAT__MAX; i++) {
        check_latency(&st, i, 0);
    }
    workload_init(&w, f, bf, 64, 16);
    workload_run(&w, 600);
    workload_finish(&w, image);
    /* two flushes, one with data; a discard; a refused read */
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_FLUSH_DISKCACHE, 0, NULL, 0,
                          false), ==, BLKIF_RSP_OKAY);
    g_assert_cmpint(do_io(f, bf, 1, BLKIF_OP_FLUSH_DISKCACHE, 8, buf, 8,
                          false), ==, BLKIF_RSP_OKAY);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_DISCARD, 64, NULL, 64, false),
                    ==, BLKIF_RSP_OKAY);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_READ, DISK_SECTORS, buf, 8,
                          false), ==, BLKIF_RSP_ERROR);
    xen_disk_host_foreach(f->host, get_stats, &st);
    g_assert_cmpuint(st.rd_operations, ==, w.reads);
    g_assert_cmpuint(st.wr_operations, ==, w.writes + 1);
    g_assert_cmpuint(st.flush_operations, ==, 2);
    check_latency(&st, XEN_DISK_LAT_RD, w.reads);
    check_latency(&st, XEN_DISK_LAT_WR, w.writes);
    check_latency(&st, XEN_DISK_LAT_FLUSH, 2);

    g_assert_false(xen_disk_host_reset_latency(f->host, "xvd1", &error));
    g_assert_nonnull(error);
    error_free(error);
    g_assert_true(xen_disk_host_reset_latency(f->host, "xvd51712", NULL));
    xen_disk_host_foreach(f->host, get_stats, &st);
    g_assert_cmpuint(st.rd_operations, ==, w.reads);
    g_assert_cmpuint(st.total_time_ns[XEN_DISK_LAT_RD], >, 0);
    for (unsigned i = 0; i < XEN_DISK_LAT__MAX; i++) {
        check_latency(&st, i, 0);
    }
    g_assert_cmpint(do_io(f, bf, 1, BLKIF_OP_READ, 0, buf, 8, false), ==,
                    BLKIF_RSP_OKAY);
    xen_disk_host_foreach(f->host, get_stats, &st);
    check_latency(&st, XEN_DISK_LAT_RD, 1);
    g_assert_true(xen_disk_host_reset_latency(f->host, NULL, NULL));
    xen_disk_host_foreach(f->host, get_stats, &st);
    check_latency(&st, XEN_DISK_LAT_RD, 0);
}

/* ---- flush, barrier, discard, read-only -------------------------------- */

static BlkFront *attach_raw(Fixture *f, char **image, bool readonly)
{
    g_autofree char *params = NULL;
    BlkFrontConfig cfg = { .indirect = true, .persistent = true };

    *image = make_raw(f, "disk.img", DISK_SECTORS * SECTOR);
    params = g_strdup_printf("aio:%s", *image);
    return attach(f, 51712, params, readonly, NULL, &cfg, NULL);
}

/* What the file holds at @sector, read outside the backend. */
static void file_read(const char *image, uint64_t sector, void *buf,
                      size_t len)
{
    int fd = open(image, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, len, sector * SECTOR), ==, len);
    close(fd);
}

static void test_flush(Fixture *f, gconstpointer data)
{
    uint8_t op = GPOINTER_TO_UINT(data);
    g_autofree char *image = NULL;
    BlkFront *bf = attach_raw(f, &image, false);
    g_autofree uint8_t *buf = g_malloc(64 * SECTOR);
    g_autofree uint8_t *back = g_malloc(64 * SECTOR);
    const char *key = op == BLKIF_OP_FLUSH_DISKCACHE ? "feature-flush-cache"
                                                      : "feature-barrier";
    g_autofree char *feature = be_key(f, 51712, key);

    g_assert_cmpstr(feature, ==, "1");
    /* A flush with data: the data is in the file when it is answered. */
    memset(buf, 0x5a, 64 * SECTOR);
    g_assert_cmpint(do_io(f, bf, 0, op, 1000, buf, 64, false), ==,
                    BLKIF_RSP_OKAY);
    file_read(image, 1000, back, 64 * SECTOR);
    g_assert_true(memcmp(buf, back, 64 * SECTOR) == 0);
    /* A plain write, then an empty flush. */
    memset(buf, 0xa5, 64 * SECTOR);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_WRITE, 2000, buf, 64, false),
                    ==, BLKIF_RSP_OKAY);
    g_assert_cmpint(do_io(f, bf, 0, op, 0, NULL, 0, false), ==,
                    BLKIF_RSP_OKAY);
    file_read(image, 2000, back, 64 * SECTOR);
    g_assert_true(memcmp(buf, back, 64 * SECTOR) == 0);
}

typedef struct Order {
    unsigned seq;               /* completions so far */
    unsigned at[17];            /* when each request completed */
    unsigned done;
    int16_t status[17];
} Order;

typedef struct OrderIo {
    Order *order;
    unsigned idx;
} OrderIo;

static void order_done(void *opaque, int16_t status)
{
    OrderIo *io = opaque;

    io->order->at[io->idx] = io->order->seq++;
    io->order->status[io->idx] = status;
    io->order->done++;
}

/*
 * A barrier among requests in flight: those before it complete before
 * it, those after it only after it.
 */
static void test_barrier_order(Fixture *f, gconstpointer data)
{
    g_autofree char *image = NULL;
    BlkFront *bf = attach_raw(f, &image, false);
    g_autofree uint8_t *buf = g_malloc(17 * 64 * SECTOR);
    g_autofree uint8_t *back = g_malloc(64 * SECTOR);
    Order order = { 0 };
    OrderIo io[17];
    bool all = false;

    for (unsigned i = 0; i < 17; i++) {
        uint8_t op = i == 8 ? BLKIF_OP_WRITE_BARRIER : BLKIF_OP_WRITE;

        io[i] = (OrderIo) { &order, i };
        memset(buf + i * 64 * SECTOR, i + 1, 64 * SECTOR);
        g_assert_cmpint(blkfront_submit(bf, 0, op, i * 64,
                                        buf + i * 64 * SECTOR, 64, false,
                                        order_done, &io[i]), ==, 0);
    }
    for (int i = 0; i < 20000 && !all; i++) {
        g_assert_true(event_loop_run_once(f->loop, 1, NULL));
        all = order.done == 17;
    }
    g_assert_true(all);
    for (unsigned i = 0; i < 17; i++) {
        g_assert_cmpint(order.status[i], ==, BLKIF_RSP_OKAY);
        if (i < 8) {
            g_assert_cmpuint(order.at[i], <, order.at[8]);
        } else if (i > 8) {
            g_assert_cmpuint(order.at[i], >, order.at[8]);
        }
    }
    file_read(image, 8 * 64, back, 64 * SECTOR);
    g_assert_true(memcmp(back, buf + 8 * 64 * SECTOR, 64 * SECTOR) == 0);
}

static uint64_t file_blocks(const char *image)
{
    struct stat st;

    g_assert_cmpint(stat(image, &st), ==, 0);
    return st.st_blocks;
}

static void test_discard(Fixture *f, gconstpointer data)
{
    bool secure = GPOINTER_TO_UINT(data);
    g_autofree char *image = NULL;
    BlkFront *bf = attach_raw(f, &image, false);
    g_autofree uint8_t *buf = g_malloc(2048 * SECTOR);
    g_autofree uint8_t *zero = g_malloc0(2048 * SECTOR);
    g_autofree char *feature = be_key(f, 51712, "feature-discard");
    g_autofree char *gran = be_key(f, 51712, "discard-granularity");
    g_autofree char *sec = be_key(f, 51712, "discard-secure");
    uint64_t before, after;

    g_assert_cmpstr(feature, ==, "1");
    g_assert_nonnull(gran);
    g_assert_cmpstr(sec, ==, "1");
    memset(buf, 0x77, 2048 * SECTOR);
    for (unsigned i = 0; i < 8; i++) {
        g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_WRITE, 4096 + i * 256,
                              buf, 256, false), ==, BLKIF_RSP_OKAY);
    }
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_FLUSH_DISKCACHE, 0, NULL, 0,
                          false), ==, BLKIF_RSP_OKAY);
    before = file_blocks(image);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_DISCARD, 4096, NULL, 2048,
                          secure), ==, BLKIF_RSP_OKAY);
    after = file_blocks(image);
    g_test_message("allocated 512-byte blocks: %" PRIu64 " -> %" PRIu64,
                   before, after);
    g_assert_cmpuint(after + 2048, <=, before);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_READ, 4096, buf, 256, false),
                    ==, BLKIF_RSP_OKAY);
    g_assert_true(memcmp(buf, zero, 256 * SECTOR) == 0);
    /* Past the end: refused. */
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_DISCARD, DISK_SECTORS - 8, NULL,
                          16, secure), ==, BLKIF_RSP_ERROR);
}

static void test_readonly(Fixture *f, gconstpointer data)
{
    g_autofree char *image = NULL;
    BlkFront *bf = attach_raw(f, &image, true);
    g_autofree uint8_t *buf = g_malloc0(8 * SECTOR);
    g_autofree uint8_t *back = g_malloc(8 * SECTOR);

    g_assert_cmpuint(blkfront_info(bf) & VDISK_READONLY, ==, VDISK_READONLY);
    g_assert_false(blkfront_has_feature(bf, "feature-discard"));
    memset(buf, 0x11, 8 * SECTOR);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_WRITE, 8, buf, 8, false), ==,
                    BLKIF_RSP_ERROR);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_FLUSH_DISKCACHE, 8, buf, 8,
                          false), ==, BLKIF_RSP_ERROR);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_WRITE_BARRIER, 8, buf, 8, false),
                    ==, BLKIF_RSP_ERROR);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_DISCARD, 8, NULL, 8, false), ==,
                    BLKIF_RSP_EOPNOTSUPP);
    /* Reads work, and nothing reached the file. */
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_READ, 8, back, 8, false), ==,
                    BLKIF_RSP_OKAY);
    memset(buf, 0, 8 * SECTOR);
    g_assert_true(memcmp(buf, back, 8 * SECTOR) == 0);
    file_read(image, 8, back, 8 * SECTOR);
    g_assert_true(memcmp(buf, back, 8 * SECTOR) == 0);
}

/* Every key of blkif.h's backend half, as a frontend reads them. */
static void test_keys(Fixture *f, gconstpointer data)
{
    static const char *const expect[][2] = {
        { "feature-flush-cache", "1" }, { "feature-barrier", "1" },
        { "feature-discard", "1" }, { "discard-alignment", "0" },
        { "discard-secure", "1" }, { "feature-persistent", "1" },
        { "feature-max-indirect-segments", "256" },
        { "max-ring-page-order", "4" }, { "multi-queue-max-queues", "4" },
        { "sector-size", "512" }, { "info", "0" }, { "mode", "w" },
        { "device-type", "disk" }, { "removable", "0" },
        { "hotplug-status", "connected" }, { "state", "4" },
    };
    g_autofree char *image = NULL;
    g_autofree char *sectors = NULL, *phys = NULL;

    attach_raw(f, &image, false);
    for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
        g_autofree char *v = be_key(f, 51712, expect[i][0]);

        g_assert_cmpstr(v, ==, expect[i][1]);
    }
    sectors = be_key(f, 51712, "sectors");
    g_assert_cmpuint(g_ascii_strtoull(sectors, NULL, 10), ==, DISK_SECTORS);
    phys = be_key(f, 51712, "physical-sector-size");
    g_assert_nonnull(phys);
}

/*
 * Closes @bf and its backend (a QEMU daemon lets go of its image), then
 * compares @image of @format with the raw @ref: identical, as QEMU sees
 * them. Quietly: its "Images are identical." would break the TAP stream.
 */
static void close_and_compare(Fixture *f, BlkFront *bf, const char *format,
                              const char *image, const char *ref)
{
    g_autofree char *cmd = g_strdup_printf(
        "qemu-img compare -q -f %s -F raw %s %s", format, image, ref);
    int status;

    blkfront_free(bf);
    g_ptr_array_remove(f->fronts, bf);
    xen_backend_free(f->be);
    f->be = xen_backend_new(f->loop, xenner_services(f->x), 0, NULL);
    g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/* A page written and read back, and the same bytes seen in @image. */
static void roundtrip(Fixture *f, BlkFront *bf, uint64_t sector,
                      const char *image)
{
    g_autofree uint8_t *buf = g_malloc(8 * SECTOR);
    g_autofree uint8_t *back = g_malloc(8 * SECTOR);

    for (unsigned i = 0; i < 8 * SECTOR; i++) {
        buf[i] = i * 7 + sector;
    }
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_WRITE, sector, buf, 8, false),
                    ==, BLKIF_RSP_OKAY);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_READ, sector, back, 8, false),
                    ==, BLKIF_RSP_OKAY);
    g_assert_true(memcmp(buf, back, 8 * SECTOR) == 0);
    if (image) {
        file_read(image, sector, back, 8 * SECTOR);
        g_assert_true(memcmp(buf, back, 8 * SECTOR) == 0);
    }
}

/*
 * backend/vbd, as libxl writes it for a kernel blkback: params is a
 * plain path.
 */
static void test_vbd(Fixture *f, gconstpointer data)
{
    g_autofree char *image = make_raw(f, "vbd.img", 1 << 20);
    const char *be_keys[] = {
        "params", image, "mode", "w", "type", "phy", "dev", "xvdb",
        "device-type", "disk", "removable", "0", NULL,
    };
    const char *fe_keys[] = {
        "virtual-device", "51728", "device-type", "disk", NULL,
    };
    BlkFrontConfig cfg = { .indirect = true };
    Conn conn = { 0 };
    BlkFront *bf;

    g_assert_true(xen_backend_create_device(f->be, "vbd", DOMID, 51728,
                                            "/local/domain/5/device/vbd/"
                                            "51728", be_keys, fe_keys, NULL,
                                            NULL));
    pump(f, 5);
    bf = blkfront_new(f->guest, 51728, &cfg, fixture_conn_state, &conn);
    pump_until(f, &conn.connected);
    g_assert_cmpuint(blkfront_sectors(bf), ==, 2048);
    roundtrip(f, bf, 100, image);
    blkfront_free(bf);
    pump(f, 10);
}

/* media=cdrom: read-only and removable, and the guest is told so. */
static void test_cdrom(Fixture *f, gconstpointer data)
{
    g_autofree char *image = make_raw(f, "cd.iso", 1 << 20);
    g_autofree char *params = g_strdup_printf("raw:%s", image);
    g_autofree uint8_t *buf = g_malloc0(8 * SECTOR);
    XenDiskOpts opts;
    BlkFrontConfig cfg = { 0 };
    Conn conn = { 0 };
    BlkFront *bf;

    xen_disk_opts_default(&opts);
    g_assert_true(xen_disk_create(f->be, f->host, DOMID, 5632, "hdc", params,
                                  false, true, &opts, NULL));
    pump(f, 5);
    bf = blkfront_new(f->guest, 5632, &cfg, fixture_conn_state, &conn);
    pump_until(f, &conn.connected);
    g_assert_cmpuint(blkfront_info(bf), ==,
                     VDISK_CDROM | VDISK_READONLY | VDISK_REMOVABLE);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_WRITE, 0, buf, 8, false), ==,
                    BLKIF_RSP_ERROR);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_READ, 0, buf, 8, false), ==,
                    BLKIF_RSP_OKAY);
    blkfront_free(bf);
    pump(f, 10);
}

/* Every other format libxl names, through QEMU's block layer. */
static void test_format(Fixture *f, gconstpointer data)
{
    const char *const *fmt = data;     /* libxl prefix, qemu-img name */
    g_autofree char *name = g_strdup_printf("disk.%s", fmt[1]);
    g_autofree char *image = g_build_filename(f->dir, name, NULL);
    g_autofree char *cmd = g_strdup_printf("qemu-img create -q -f %s %s 16M",
                                           fmt[1], image);
    g_autofree char *params = g_strdup_printf("%s:%s", fmt[0], image);
    g_autofree char *ref = make_raw(f, "ref.img", 16 << 20);
    BlkFrontConfig cfg = { .indirect = true, .persistent = true };
    BlkFront *bf;
    BlkFront *raw;
    int status;

    g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    bf = attach(f, 51712, params, false, NULL, &cfg, NULL);
    /* vpc rounds the size up to its disk geometry */
    g_assert_cmpuint(blkfront_sectors(bf), >=, 16 << 11);
    /* The same writes to a raw reference, through the backend too. */
    g_free(params);
    params = g_strdup_printf("aio:%s", ref);
    raw = attach(f, 51728, params, false, NULL, &cfg, NULL);
    for (uint64_t sector = 0; sector < 32768; sector += 10000) {
        roundtrip(f, bf, sector, NULL);
        roundtrip(f, raw, sector, ref);
    }
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_FLUSH_DISKCACHE, 0, NULL, 0,
                          false), ==, BLKIF_RSP_OKAY);
    close_and_compare(f, bf, fmt[1], image, ref);
}

/* Whether this process holds @path open with O_DIRECT. */
static bool open_with_o_direct(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
    const char *fd;

    while ((fd = g_dir_read_name(dir))) {
        g_autofree char *link = g_strdup_printf("/proc/self/fd/%s", fd);
        g_autofree char *target = g_file_read_link(link, NULL);
        g_autofree char *info = NULL;
        g_autofree char *info_path = NULL;
        const char *flags;

        if (!target || strcmp(target, path)) {
            continue;
        }
        info_path = g_strdup_printf("/proc/self/fdinfo/%s", fd);
        g_assert_true(g_file_get_contents(info_path, &info, NULL, NULL));
        flags = strstr(info, "flags:");
        g_assert_nonnull(flags);
        return strtoul(flags + 6, NULL, 8) & O_DIRECT;
    }
    return false;
}

/* cache=none (direct-io-safe=1): the image is opened with O_DIRECT. */
static void test_direct(Fixture *f, gconstpointer data)
{
    g_autofree char *image = make_raw(f, "direct.img", 4 << 20);
    g_autofree char *params = g_strdup_printf("aio:%s", image);
    g_autofree char *direct = NULL;
    BlkFrontConfig cfg = { .indirect = true };
    XenDiskOpts opts;
    BlkFront *bf;
    Workload w;

    xen_disk_opts_default(&opts);
    opts.direct = true;
    bf = attach(f, 51712, params, false, &opts, &cfg, NULL);
    direct = be_key(f, 51712, "direct-io-safe");
    g_assert_cmpstr(direct, ==, "1");
    g_assert_true(open_with_o_direct(image));
    workload_init(&w, f, bf, 256, 16);
    workload_run(&w, 1000);
    workload_finish(&w, image);
}

/* ---- qcow2 through QEMU's block layer ---------------------------------- */

static void test_qcow2(Fixture *f, gconstpointer data)
{
    BlkDaemon daemon = GPOINTER_TO_UINT(data);
    g_autofree char *qcow2 = g_build_filename(f->dir, "disk.qcow2", NULL);
    g_autofree char *raw = make_raw(f, "ref.img", DISK_SECTORS * SECTOR);
    g_autofree char *params = g_strdup_printf("qcow2:%s", qcow2);
    g_autofree char *cmd = g_strdup_printf("qemu-img create -q -f qcow2 %s %u",
                                           qcow2, DISK_SECTORS * SECTOR);
    BlkFrontConfig cfg = { .indirect = true, .persistent = true,
                           .nr_queues = 2 };
    XenDiskOpts opts;
    BlkFront *bf;
    Workload w;
    int status;

    g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    xen_disk_opts_default(&opts);
    opts.daemon = daemon;
    bf = attach(f, 51712, params, false, &opts, &cfg, NULL);
    g_assert_cmpuint(blkfront_sectors(bf), ==, DISK_SECTORS);
    workload_init(&w, f, bf, 256, 16);
    workload_run(&w, 2000);
    /* A discard in qcow2 reads back as zeros, in the model too. */
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_DISCARD, 0, NULL, 4096, false),
                    ==, BLKIF_RSP_OKAY);
    memset(w.model, 0, 4096 * SECTOR);
    g_assert_cmpint(do_io(f, bf, 0, BLKIF_OP_FLUSH_DISKCACHE, 0, NULL, 0,
                          false), ==, BLKIF_RSP_OKAY);
    /* The same writes, straight into a raw image. */
    {
        int fd = open(raw, O_WRONLY);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(pwrite(fd, w.model, DISK_SECTORS * SECTOR, 0), ==,
                        DISK_SECTORS * SECTOR);
        close(fd);
    }
    workload_finish(&w, NULL);
    close_and_compare(f, bf, "qcow2", qcow2, raw);
}

int main(int argc, char **argv)
{
    static const IntegrityCase cases[] = {
        { { .nr_queues = 1 }, BLK_ENGINE_AUTO, false },
        { { .indirect = true, .persistent = true, .nr_queues = 4,
            .ring_page_order = 4 }, BLK_ENGINE_AUTO, false },
        { { .indirect = true, .nr_queues = 2, .ring_page_order = 2 },
          BLK_ENGINE_AUTO, false },
        { { .persistent = true, .ring_page_order = 4 }, BLK_ENGINE_AUTO,
          false },
        { { .indirect = true, .persistent = true, .nr_queues = 2,
            .ring_page_order = 1 }, BLK_ENGINE_AUTO, true },
        { { .indirect = true, .nr_queues = 2, .protocol = "x86_32-abi" },
          BLK_ENGINE_AUTO, false },
        { { .indirect = true, .persistent = true, .protocol = "x86_64-abi" },
          BLK_ENGINE_AUTO, false },
        { { .indirect = true, .persistent = true, .nr_queues = 2 },
          BLK_ENGINE_THREADS, true },
        /* 64 requests of up to 256 pages: more than the bounce pool */
        { { .indirect = true, .ring_page_order = 4 }, BLK_ENGINE_AUTO, false,
          .max_sectors = 2048, .depth = 64, .count = 400 },
    };
    /* libxl's params prefix and qemu-img's name for each format */
    static const char *const formats[][2] = {
        { "qcow", "qcow" }, { "vhd", "vpc" }, { "qed", "qed" },
        { "vmdk", "vmdk" }, { "vdi", "vdi" },
    };
    static const char *const names[] = {
        "direct-copy-no-protocol", "indirect-persistent-4q-order4",
        "indirect-copy-2q-order2", "direct-persistent-order4",
        "reconnect", "x86_32-abi", "x86_64-abi", "threads-reconnect",
        "bounce-pool-full",
    };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/disk/integrity/%s",
                                                names[i]);

        g_test_add(path, Fixture, &cases[i], fixture_setup, test_integrity,
                   fixture_teardown);
    }
    g_test_add("/disk/latency", Fixture, NULL, fixture_setup, test_latency,
               fixture_teardown);
    g_test_add("/disk/flush", Fixture,
               GUINT_TO_POINTER(BLKIF_OP_FLUSH_DISKCACHE), fixture_setup,
               test_flush, fixture_teardown);
    g_test_add("/disk/barrier", Fixture,
               GUINT_TO_POINTER(BLKIF_OP_WRITE_BARRIER), fixture_setup,
               test_flush, fixture_teardown);
    g_test_add("/disk/barrier-order", Fixture, NULL, fixture_setup,
               test_barrier_order, fixture_teardown);
    g_test_add("/disk/discard", Fixture, GUINT_TO_POINTER(false),
               fixture_setup, test_discard, fixture_teardown);
    g_test_add("/disk/discard-secure", Fixture, GUINT_TO_POINTER(true),
               fixture_setup, test_discard, fixture_teardown);
    g_test_add("/disk/readonly", Fixture, NULL, fixture_setup, test_readonly,
               fixture_teardown);
    g_test_add("/disk/keys", Fixture, NULL, fixture_setup, test_keys,
               fixture_teardown);
    g_test_add("/disk/vbd-plain-path", Fixture, NULL, fixture_setup,
               test_vbd, fixture_teardown);
    g_test_add("/disk/cdrom", Fixture, NULL, fixture_setup, test_cdrom,
               fixture_teardown);
    g_test_add("/disk/direct-io", Fixture, NULL, fixture_setup, test_direct,
               fixture_teardown);
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_autofree char *path = g_strdup_printf("/disk/format/%s",
                                                formats[i][0]);

        g_test_add(path, Fixture, formats[i], fixture_setup, test_format,
                   fixture_teardown);
    }
    g_test_add("/disk/qcow2/qemu-storage-daemon", Fixture,
               GUINT_TO_POINTER(BLK_DAEMON_QSD), fixture_setup, test_qcow2,
               fixture_teardown);
    g_test_add("/disk/qcow2/qemu-nbd", Fixture,
               GUINT_TO_POINTER(BLK_DAEMON_QEMU_NBD), fixture_setup,
               test_qcow2, fixture_teardown);
    return g_test_run();
}
