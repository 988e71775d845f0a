/*
 * Block backend benchmark, all in-process over Xenner (EMULATE mode):
 * a test blkfront guest drives the qdisk backend on a raw file in tmpfs,
 * next to the same workload issued on the same file directly with
 * io_uring. 4 KiB random reads and writes at queue depth 1 and 32,
 * 1 MiB sequential reads and writes at depth 4, each side measured for
 * a fixed time after a warm-up; then the copy path (no persistent
 * grants) at depth 32, and the resident memory each connected device
 * costs. Figures only: nothing here passes or fails on speed.
 *
 * usage: disk-bench [SECONDS_PER_FIGURE] [ONLY]
 * ONLY: run just the comparisons whose name contains it (for perf),
 * e.g. "randread  QD32"; "copy" and "memory" name the last two parts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <glib.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xen/io/protocols.h>

#include "bench-util.h"
#include "hw/xen/xen_backend.h"
#include "hw/xen/xen_disk.h"
#include "xenner/guests/blkfront.h"
#include "xenner/guest.h"
#include "xenner/xenner.h"
#include "xenner/xs_tree.h"

#define GUEST_DOMID 1
#define GUEST_FRAMES 131072u        /* 512 MiB */
#define FILE_SIZE (256ull << 20)
#define MAX_DEPTH 32
#define SEQ_DEPTH 4
#define SMALL (4u << 10)
#define LARGE (1u << 20)
#define WARMUP 0.3                  /* seconds, before each measurement */
/* Each figure: median of REPS runs, backend and direct taking turns. */
#define REPS 3
#define MEM_DEVICES 16
#define BURST_REQS 2048             /* 4 KiB requests per device and burst */
/*
 * 1 MiB requests per device and burst, at depth 1: at depth 4 the
 * frontend's persistent pool is ~1060 grants a device, and 16 of those
 * overrun the guest's 16384-entry grant table.
 */
#define BURST_LARGE 32
#define SEED 0x9e3779b97f4a7c15ull
/* Time allowed for set-up steps that wait on the event loop. */
#define SETUP_TIMEOUT_US (10 * G_USEC_PER_SEC)

typedef struct Bench {
    EventLoop *loop;
    XsTree *tree;
    Xenner *x;
    XennerGuest *guest;
    XenBackend *be;
    XenDiskHost *host;
    char *path;
    int fd;                     /* the direct side's */
    double secs;
    const char *only;           /* NULL: every figure */
    uint8_t *bufs[MAX_DEPTH];   /* LARGE each, shared by both sides */
} Bench;

/* One workload: what both sides run. */
typedef struct Work {
    bool write, seq;
    uint32_t bs;
    unsigned depth;
    uint64_t rng, seq_off;
} Work;

typedef struct Job Job;
typedef struct Slot {
    Job *job;
    uint8_t *buf;
} Slot;

/* A workload on the backend side, resubmitted from each completion. */
struct Job {
    Bench *b;
    BlkFront *bf;
    Work w;
    uint64_t completed, errors, limit;  /* limit: stop submitting after */
    uint64_t submitted;
    unsigned inflight;
    bool stop;
    Slot slots[MAX_DEPTH];
};

typedef struct Conn {
    bool connected, failed;
} Conn;

static char *file_path;         /* removed at exit, however we leave */

static void remove_file(void)
{
    if (file_path) {
        unlink(file_path);
    }
}

/*
 * CPU time of the whole process: every thread, io_uring's io-wq workers
 * included (they are threads of ours).
 */
static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One measurement: requests per second, and CPU microseconds each. */
typedef struct Meas {
    double rate, cpu_us;
} Meas;

static Meas meas(uint64_t n, double t, double cpu)
{
    return (Meas) { n / t, n ? cpu * 1e6 / n : 0 };
}

static void print_ratio(const char *what, double v)
{
    printf("%-44s %14.3f\n", what, v);
}

/* xorshift64*: the same sequence of offsets for both sides. */
static uint64_t next_offset(Work *w)
{
    uint64_t off;

    if (w->seq) {
        off = w->seq_off;
        w->seq_off = (w->seq_off + w->bs) % FILE_SIZE;
        return off;
    }
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return ((w->rng * 0x2545f4914f6cdd1dull) >> 11) % (FILE_SIZE / w->bs) *
           w->bs;
}

static Work work(bool write, bool seq, uint32_t bs, unsigned depth)
{
    return (Work) { .write = write, .seq = seq, .bs = bs, .depth = depth,
                    .rng = SEED };
}

static void run_loop_once(Bench *b, int timeout_ms)
{
    Error *err = NULL;

    if (!event_loop_run_once(b->loop, timeout_ms, &err)) {
        bench_die("event loop", err);
    }
}

/* ---- backend side ------------------------------------------------------ */

static void job_done(void *opaque, int16_t status);

static void job_submit(Slot *s)
{
    Job *j = s->job;
    uint64_t off = next_offset(&j->w);
    int ret = blkfront_submit(j->bf, 0,
                              j->w.write ? BLKIF_OP_WRITE : BLKIF_OP_READ,
                              off >> 9, s->buf, j->w.bs >> 9, false,
                              job_done, s);

    if (ret) {
        fprintf(stderr, "disk-bench: blkfront_submit: %s\n",
                g_strerror(-ret));
        exit(1);
    }
    j->inflight++;
    j->submitted++;
}

/* Runs inside blkfront's interrupt handler: the slot is free again. */
static void job_done(void *opaque, int16_t status)
{
    Slot *s = opaque;
    Job *j = s->job;

    j->inflight--;
    j->completed++;
    j->errors += status != BLKIF_RSP_OKAY;
    if (!j->stop && j->submitted < j->limit) {
        job_submit(s);
    }
}

static void job_start(Job *j, Bench *b, BlkFront *bf, Work w, uint64_t limit)
{
    *j = (Job) { .b = b, .bf = bf, .w = w, .limit = limit };
    for (unsigned i = 0; i < w.depth; i++) {
        j->slots[i] = (Slot) { .job = j, .buf = b->bufs[i] };
        job_submit(&j->slots[i]);
    }
}

static void job_drain(Job *j)
{
    j->stop = true;
    while (j->inflight) {
        run_loop_once(j->b, 100);
    }
    if (j->errors) {
        fprintf(stderr, "disk-bench: %" G_GUINT64_FORMAT " requests failed\n",
                j->errors);
        exit(1);
    }
}

/* Over b->secs / REPS, after the warm-up. */
static Meas run_backend(Bench *b, BlkFront *bf, Work w)
{
    Job j;
    uint64_t c0;
    double t0, t, cpu;

    job_start(&j, b, bf, w, UINT64_MAX);
    t0 = bench_now();
    while (bench_now() - t0 < WARMUP) {
        run_loop_once(b, 100);
    }
    c0 = j.completed;
    cpu = cpu_now();
    t0 = bench_now();
    do {
        run_loop_once(b, 100);
        t = bench_now() - t0;
    } while (t < b->secs / REPS);
    c0 = j.completed - c0;
    cpu = cpu_now() - cpu;
    job_drain(&j);
    return meas(c0, t, cpu);
}

/* ---- direct side ------------------------------------------------------- */

static void direct_prep(struct io_uring *ring, int fd, Work *w, unsigned slot,
                        uint8_t *buf)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    uint64_t off = next_offset(w);

    if (w->write) {
        io_uring_prep_write(sqe, fd, buf, w->bs, off);
    } else {
        io_uring_prep_read(sqe, fd, buf, w->bs, off);
    }
    io_uring_sqe_set_data64(sqe, slot);
}

/*
 * The same workload with liburing: @depth in flight, submitted in a
 * batch with the wait, completions reaped in batches.
 */
static Meas run_direct(Bench *b, Work w)
{
    struct io_uring ring;
    struct io_uring_cqe *cqes[64];
    uint64_t completed = 0, c0 = 0;
    unsigned inflight = 0;
    bool stop = false, timing = false;
    double t0, t = 0, cpu = 0;
    int ret = io_uring_queue_init(64, &ring, 0);

    if (ret) {
        fprintf(stderr, "disk-bench: io_uring_queue_init: %s\n",
                g_strerror(-ret));
        exit(1);
    }
    for (unsigned i = 0; i < w.depth; i++) {
        direct_prep(&ring, b->fd, &w, i, b->bufs[i]);
        inflight++;
    }
    t0 = bench_now();
    while (inflight) {
        unsigned n;

        ret = io_uring_submit_and_wait(&ring, 1);
        if (ret < 0 && ret != -EINTR) {
            fprintf(stderr, "disk-bench: io_uring_submit_and_wait: %s\n",
                    g_strerror(-ret));
            exit(1);
        }
        n = io_uring_peek_batch_cqe(&ring, cqes, G_N_ELEMENTS(cqes));
        for (unsigned i = 0; i < n; i++) {
            unsigned slot = io_uring_cqe_get_data64(cqes[i]);

            if (cqes[i]->res != (int)w.bs) {
                fprintf(stderr, "disk-bench: direct I/O returned %d\n",
                        cqes[i]->res);
                exit(1);
            }
            inflight--;
            completed++;
            if (!stop) {
                direct_prep(&ring, b->fd, &w, slot, b->bufs[slot]);
                inflight++;
            }
        }
        io_uring_cq_advance(&ring, n);
        if (!timing && bench_now() - t0 >= WARMUP) {
            timing = true;
            c0 = completed;
            cpu = cpu_now();
            t0 = bench_now();
        } else if (timing && !stop && (t = bench_now() - t0) >= b->secs / REPS) {
            stop = true;
            c0 = completed - c0;
            cpu = cpu_now() - cpu;
        }
    }
    io_uring_queue_exit(&ring);
    return meas(c0, t, cpu);
}

/* ---- set-up ------------------------------------------------------------ */

static void conn_state(void *opaque, BlkFront *bf, bool connected)
{
    Conn *c = opaque;

    c->connected = connected;
    c->failed = !connected;
}

static BlkFront *attach(Bench *b, const char *name,
                        const BlkFrontConfig *cfg, Conn *conn)
{
    XenDiskOpts opts;
    Error *err = NULL;
    g_autofree char *params = g_strdup_printf("aio:%s", b->path);
    unsigned vdev;
    int64_t deadline;
    BlkFront *bf;

    xen_disk_opts_default(&opts);
    /*
     * Every disk of the bench is the same image, written through each:
     * QEMU's image locks would refuse the second, as they should on a
     * real command line.
     */
    opts.locking = BLK_LOCKING_OFF;
    if (!xen_disk_parse_vdev(name, &vdev, &err) ||
        !xen_disk_create(b->be, b->host, GUEST_DOMID, vdev, name, params,
                         false, false, &opts, &err)) {
        bench_die("xen_disk_create", err);
    }
    for (int i = 0; i < 5; i++) {
        run_loop_once(b, 1);
    }
    bf = blkfront_new(b->guest, vdev, cfg, conn_state, conn);
    deadline = g_get_monotonic_time() + SETUP_TIMEOUT_US;
    while (!conn->connected) {
        if (conn->failed || g_get_monotonic_time() > deadline) {
            bench_die(name, NULL);
        }
        run_loop_once(b, 10);
    }
    return bf;
}

static void make_file(Bench *b)
{
    g_autofree uint8_t *chunk = g_malloc(LARGE);
    Work w = work(false, false, 8, 1);

    b->path = g_strdup_printf("/dev/shm/disk-bench-%d.img", (int)getpid());
    b->fd = open(b->path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    file_path = b->path;
    atexit(remove_file);
    if (b->fd < 0) {
        fprintf(stderr, "disk-bench: %s: %s\n", b->path, g_strerror(errno));
        exit(1);
    }
    /* Real pages with data in them, so reads hit memory, not holes. */
    for (uint64_t off = 0; off < FILE_SIZE; off += LARGE) {
        for (size_t i = 0; i < LARGE; i += 8) {
            uint64_t v = next_offset(&w) ^ (off + i);

            memcpy(chunk + i, &v, 8);
        }
        if (pwrite(b->fd, chunk, LARGE, off) != LARGE) {
            fprintf(stderr, "disk-bench: filling %s: %s\n", b->path,
                    g_strerror(errno));
            exit(1);
        }
    }
}

/* ---- figures ----------------------------------------------------------- */

/*
 * Median rates of the two sides, taking turns so that a change in the
 * load of the machine hits both alike.
 */
static void both(Bench *b, BlkFront *bf, Work w, Meas *be, Meas *direct)
{
    double rb[REPS], rd[REPS], cb[REPS], cd[REPS];

    for (int r = 0; r < REPS; r++) {
        Meas m = run_backend(b, bf, w);

        rb[r] = m.rate;
        cb[r] = m.cpu_us;
        m = run_direct(b, w);
        rd[r] = m.rate;
        cd[r] = m.cpu_us;
    }
    *be = (Meas) { bench_median(rb, REPS), bench_median(cb, REPS) };
    *direct = (Meas) { bench_median(rd, REPS), bench_median(cd, REPS) };
}

/* A rate, with the CPU time (all threads) each request took. */
static void print_meas(const char *what, Meas m, double scale,
                       const char *unit)
{
    printf("%-44s %14.0f %s  (%.1f us CPU/req)\n", what, m.rate * scale,
           unit, m.cpu_us);
}

static void get_stats(void *opaque, const XenDiskInfo *info)
{
    XenDiskStats *st = opaque;

    /* the device the figures are about: xvda is attached first */
    if (!strcmp(info->device, "xvda")) {
        *st = *info->stats;
    }
}

/*
 * The backend's own latency of @cls over the runs since the last reset,
 * from ring to pushed response: a stall shows as a max far above p99.
 */
static void print_latency(Bench *b, const char *what, XenDiskLatClass cls)
{
    XenDiskStats st = { 0 };
    const LatHist *h = &st.latency[cls];

    xen_disk_host_foreach(b->host, get_stats, &st);
    printf("%-44s %6.0f/%.0f/%.0f us p50/p99/max (%" PRIu64 " requests)\n",
           what, lat_hist_percentile(h, 500) / 1e3,
           lat_hist_percentile(h, 990) / 1e3, h->max_ns / 1e3, h->count);
}

static bool wanted(Bench *b, const char *name)
{
    return !b->only || strstr(name, b->only);
}

static void compare(Bench *b, BlkFront *bf, const char *name, Work w,
                    bool mbs)
{
    Meas be, direct;
    double scale = mbs ? w.bs / 1e6 : 1;
    const char *unit = mbs ? "MB/s" : "IOPS";
    g_autofree char *l1 = g_strdup_printf("%s  backend", name);
    g_autofree char *l2 = g_strdup_printf("%s  direct io_uring", name);
    g_autofree char *l3 = g_strdup_printf("%s  backend / direct", name);
    g_autofree char *l4 = g_strdup_printf("%s  backend latency", name);

    if (!wanted(b, name)) {
        return;
    }
    xen_disk_host_reset_latency(b->host, NULL, NULL);
    both(b, bf, w, &be, &direct);

    print_meas(l1, be, scale, unit);
    print_meas(l2, direct, scale, unit);
    print_ratio(l3, be.rate / direct.rate);
    print_latency(b, l4, w.write ? XEN_DISK_LAT_WR : XEN_DISK_LAT_RD);
    fflush(stdout);
}

/* kB from /proc/self/status: VmRSS, RssAnon, RssShmem */
typedef struct Rss {
    long total, anon, shmem;
} Rss;

static Rss rss(void)
{
    g_autofree char *s = NULL;
    Rss r = { 0 };
    char *p;

    if (!g_file_get_contents("/proc/self/status", &s, NULL, NULL)) {
        bench_die("/proc/self/status", NULL);
    }
    if ((p = strstr(s, "VmRSS:"))) {
        r.total = strtol(p + 6, NULL, 10);
    }
    if ((p = strstr(s, "RssAnon:"))) {
        r.anon = strtol(p + 8, NULL, 10);
    }
    if ((p = strstr(s, "RssShmem:"))) {
        r.shmem = strtol(p + 9, NULL, 10);
    }
    return r;
}

/*
 * A short burst on every device at once: 4 KiB random reads and writes
 * at depth 32, then 1 MiB sequential reads and writes at depth 1.
 */
static void burst(Bench *b, BlkFront **bfs, unsigned n)
{
    static const struct { bool write, seq; uint32_t bs; unsigned depth;
                          uint64_t reqs; } phase[] = {
        { false, false, SMALL, MAX_DEPTH, BURST_REQS },
        { true, false, SMALL, MAX_DEPTH, BURST_REQS },
        { false, true, LARGE, 1, BURST_LARGE },
        { true, true, LARGE, 1, BURST_LARGE },
    };
    g_autofree Job *jobs = g_new0(Job, n);

    for (unsigned p = 0; p < G_N_ELEMENTS(phase); p++) {
        bool busy;

        for (unsigned i = 0; i < n; i++) {
            job_start(&jobs[i], b, bfs[i],
                      work(phase[p].write, phase[p].seq, phase[p].bs,
                           phase[p].depth), phase[p].reqs);
        }
        do {
            run_loop_once(b, 100);
            busy = false;
            for (unsigned i = 0; i < n; i++) {
                busy |= jobs[i].inflight != 0;
            }
        } while (busy);
        for (unsigned i = 0; i < n; i++) {
            job_drain(&jobs[i]);
        }
    }
}

/* RSS growth @d over @n devices, per device: total, then anon and shmem. */
static void print_kib(const char *what, const Rss *d, unsigned n)
{
    printf("%-44s %14.1f KiB  (anon %.1f, shmem %.1f)\n", what,
           (double)d->total / n, (double)d->anon / n, (double)d->shmem / n);
}

static void bench_memory(Bench *b, const BlkFrontConfig *cfg)
{
    BlkFront *bfs[MEM_DEVICES];
    Conn conns[MEM_DEVICES] = { 0 };
    Rss r0, r1, r2, r3, d;

    r0 = rss();
    for (unsigned i = 0; i < MEM_DEVICES; i++) {
        /* xvdc onwards: xvda and xvdb are connected already. */
        g_autofree char *name = g_strdup_printf("xvd%c", 'c' + i);

        bfs[i] = attach(b, name, cfg, &conns[i]);
    }
    burst(b, bfs, MEM_DEVICES);
    r1 = rss();
    burst(b, bfs, MEM_DEVICES);
    r2 = rss();
    burst(b, bfs, MEM_DEVICES);
    r3 = rss();

    d = (Rss) { r1.total - r0.total, r1.anon - r0.anon,
                r1.shmem - r0.shmem };
    printf("RSS before the %d devices: %ld KiB (anon %ld, shmem %ld)\n",
           MEM_DEVICES, r0.total, r0.anon, r0.shmem);
    printf("burst per device: %d 4K randread + %d 4K randwrite at QD32, "
           "%d 1M seqread + %d 1M seqwrite at QD1\n", BURST_REQS, BURST_REQS,
           BURST_LARGE, BURST_LARGE);
    printf("shmem: guest memory (frontend rings and persistent pages), "
           "counted again for each backend grant mapping\n");
    print_kib("RSS growth per device, connect + burst", &d, MEM_DEVICES);
    d = (Rss) { r2.total - r1.total, r2.anon - r1.anon,
                r2.shmem - r1.shmem };
    print_kib("RSS growth per device, 2nd burst", &d, MEM_DEVICES);
    d = (Rss) { r3.total - r2.total, r3.anon - r2.anon,
                r3.shmem - r2.shmem };
    print_kib("RSS growth per device, 3rd burst", &d, MEM_DEVICES);
    fflush(stdout);
    for (unsigned i = 0; i < MEM_DEVICES; i++) {
        blkfront_free(bfs[i]);
    }
}

int main(int argc, char **argv)
{
    Bench b = { 0 };
    Error *err = NULL;
    BlkFrontConfig cfg = {
        .indirect = true, .persistent = true, .nr_queues = 1,
        .ring_page_order = 4, .protocol = XEN_IO_PROTO_ABI_NATIVE,
    };
    BlkFrontConfig copy_cfg = cfg;
    Conn conn = { 0 }, copy_conn = { 0 };
    BlkFront *bf, *copy_bf;
    Meas be, direct;

    b.secs = argc > 1 ? g_ascii_strtod(argv[1], NULL) : 3.0;
    b.only = argc > 2 ? argv[2] : NULL;
    if (argc > 3 || b.secs <= 0) {
        fprintf(stderr, "usage: disk-bench [SECONDS_PER_FIGURE] [ONLY]\n");
        return 1;
    }
    for (int i = 0; i < MAX_DEPTH; i++) {
        b.bufs[i] = g_malloc(LARGE);
        memset(b.bufs[i], 0x5a + i, LARGE);
    }
    make_file(&b);

    b.loop = event_loop_new(&err);
    if (!b.loop) {
        bench_die("event loop", err);
    }
    b.tree = xenner_xs_tree_new();
    b.x = xenner_new(b.loop, b.tree, &err);
    if (!b.x ||
        !xenner_domain_create(b.x, GUEST_DOMID, "bench", GUEST_FRAMES,
                              &err)) {
        bench_die("xenner", err);
    }
    b.guest = xenner_guest_new(b.x, GUEST_DOMID, &err);
    if (!b.guest) {
        bench_die("guest", err);
    }
    b.be = xen_backend_new(b.loop, xenner_services(b.x), 0, &err);
    b.host = xen_disk_host_new();
    if (!b.be || !xen_disk_register(b.be, b.host, true, &err)) {
        bench_die("backend", err);
    }
    bf = attach(&b, "xvda", &cfg, &conn);

    printf("in-process over Xenner, %s (%llu MiB, tmpfs); each figure the "
           "median of %d runs of %.2f s after %.1f s warm-up, backend and "
           "direct in turn\n", b.path, FILE_SIZE >> 20, REPS, b.secs / REPS,
           WARMUP);
    printf("backend: default options (io_uring engine, buffered, %s); "
           "frontend: 1 queue, ring-page-order 4 (%u slots), %s, "
           "max %u segments\n",
           blkfront_has_feature(bf, "feature-persistent") ? "persistent"
                                                          : "no persistent",
           blkfront_ring_size(bf),
           cfg.persistent ? "persistent grants" : "grant copy",
           blkfront_max_segments(bf));
    printf("direct: liburing on the same file (O_RDWR, buffered), "
           "64-entry ring, same offsets\n");
    compare(&b, bf, "4K randread  QD1 ", work(false, false, SMALL, 1), false);
    compare(&b, bf, "4K randread  QD32", work(false, false, SMALL, 32),
            false);
    compare(&b, bf, "4K randwrite QD1 ", work(true, false, SMALL, 1), false);
    compare(&b, bf, "4K randwrite QD32", work(true, false, SMALL, 32),
            false);
    compare(&b, bf, "1M seqread   QD4 ", work(false, true, LARGE, SEQ_DEPTH),
            true);
    compare(&b, bf, "1M seqwrite  QD4 ", work(true, true, LARGE, SEQ_DEPTH),
            true);

    /* The copy path: the frontend declines persistent grants. */
    copy_cfg.persistent = false;
    copy_bf = attach(&b, "xvdb", &copy_cfg, &copy_conn);
    if (wanted(&b, "copy")) {
        both(&b, copy_bf, work(false, false, SMALL, 32), &be, &direct);
        print_meas("4K randread  QD32  backend, grant copy", be, 1, "IOPS");
        print_meas("4K randread  QD32  direct io_uring", direct, 1, "IOPS");
        print_ratio("4K randread  QD32  grant copy / direct",
                    be.rate / direct.rate);
        fflush(stdout);
    }
    if (wanted(&b, "memory")) {
        bench_memory(&b, &cfg);
    }

    blkfront_free(copy_bf);
    blkfront_free(bf);
    for (int i = 0; i < 50; i++) {
        run_loop_once(&b, 1);
    }
    xen_backend_free(b.be);
    xen_disk_host_free(b.host);
    xenner_guest_free(b.guest);
    xenner_domain_destroy(b.x, GUEST_DOMID);
    xenner_free(b.x);
    xenner_xs_tree_free(b.tree);
    event_loop_free(b.loop);
    close(b.fd);
    remove_file();
    file_path = NULL;
    g_free(b.path);
    for (int i = 0; i < MAX_DEPTH; i++) {
        g_free(b.bufs[i]);
    }
    return 0;
}
