/*
 * Backend data path benchmark, all in-process over Xenner (no hypervisor,
 * no sockets): event channel notifications each way, grant map+unmap
 * pairs one page and 32 pages at a time, and console output throughput
 * from a ConsFront guest through the console backend into a null
 * chardev, next to plain memcpy of the same bytes. Each figure is the
 * median of REPS runs. Figures only: nothing here passes or fails on
 * speed.
 *
 * usage: backend-bench [SECONDS_PER_FIGURE] [CONSOLE_MIB]
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/console.h>

#include "bench-util.h"
#include "chardev/char.h"
#include "hw/xen/xen_backend.h"
#include "hw/xen/xen_console.h"
#include "xenner/guests/consfront.h"
#include "util/qemu-option.h"
#include "xenner/guest.h"
#include "xenner/xenner.h"
#include "xenner/xs_tree.h"

#define REPS 3
#define GUEST_DOMID 1
#define GUEST_FRAMES 4096           /* 16 MiB */
#define GRANT_PAGES 32
#define CONSOLE_IDX 1
/* What the guest writes from, cycled: larger than any cache it would fit. */
#define SRC_SIZE (1u << 20)
#define RING_CHUNK sizeof(((struct xencons_interface *)NULL)->out)
/* Time allowed for set-up steps that wait on the event loop. */
#define SETUP_TIMEOUT_US (10 * G_USEC_PER_SEC)

typedef struct Bench {
    EventLoop *loop;
    XsTree *tree;
    Xenner *x;
    const XenServices *svc;
    XennerGuest *guest;
    double secs;                /* per repetition */
    uint64_t guest_events;      /* seen by the guest's port handler */
} Bench;

/* Keeps the compiler from dropping copies nobody reads. */
static void clobber(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static void print_rate(const char *what, double v, const char *unit)
{
    printf("%-44s %14.0f %s\n", what, v, unit);
}

/* ---- event channels --------------------------------------------------- */

static void guest_port_fired(void *opaque, evtchn_port_t port)
{
    Bench *b = opaque;

    b->guest_events++;
}

/*
 * Guest sends, backend takes the event with pending() and unmask(): what
 * a backend does for every event it handles (the eventfd stays unpolled,
 * so the figure is the cost of the event channel logic itself).
 */
static double evtchn_to_backend(Bench *b, XenEvtchnHandle *h,
                                evtchn_port_t gport, evtchn_port_t lport)
{
    const XenEvtchnOps *ops = b->svc->evtchn;
    uint64_t seen = 0;
    double t0 = bench_now(), t;

    do {
        for (int i = 0; i < 1000; i++) {
            xenner_guest_notify(b->guest, gport);
            if (ops->pending(h) == (int)lport) {
                seen++;
                ops->unmask(h, lport);
            }
        }
        t = bench_now() - t0;
    } while (t < b->secs);
    return seen / t;
}

/*
 * Backend notifies, the guest's handler runs from the event loop, as a
 * guest's upcall follows the hypercall that raised it.
 */
static double evtchn_to_guest(Bench *b, XenEvtchnHandle *h,
                              evtchn_port_t lport)
{
    uint64_t start = b->guest_events;
    Error *err = NULL;
    double t0 = bench_now(), t;

    do {
        for (int i = 0; i < 1000; i++) {
            b->svc->evtchn->notify(h, lport);
            if (!event_loop_run_once(b->loop, 0, &err)) {
                bench_die("event loop", err);
            }
        }
        t = bench_now() - t0;
    } while (t < b->secs);
    return (b->guest_events - start) / t;
}

static void bench_evtchn(Bench *b)
{
    const XenEvtchnOps *ops = b->svc->evtchn;
    double to_be[REPS], to_guest[REPS];
    Error *err = NULL;
    XenEvtchnHandle *h;
    int gport, lport;

    h = ops->open(b->svc->provider, &err);
    if (!h) {
        bench_die("evtchn open", err);
    }
    gport = xenner_guest_alloc_unbound(b->guest, 0, guest_port_fired, b);
    if (gport < 0) {
        bench_die("guest port", NULL);
    }
    lport = ops->bind_interdomain(h, GUEST_DOMID, gport);
    if (lport < 0) {
        bench_die("bind_interdomain", NULL);
    }
    /* A fresh binding starts pending, as on Xen: take that one first. */
    while (ops->pending(h) >= 0) {
        ops->unmask(h, lport);
    }
    for (int r = 0; r < REPS; r++) {
        to_be[r] = evtchn_to_backend(b, h, gport, lport);
        to_guest[r] = evtchn_to_guest(b, h, lport);
    }
    print_rate("evtchn guest->backend delivered", bench_median(to_be, REPS), "events/s");
    print_rate("evtchn backend->guest delivered", bench_median(to_guest, REPS),
               "events/s");
    ops->close(h);
    xenner_guest_close_port(b->guest, gport);
}

/* ---- grant tables ------------------------------------------------------ */

static double grant_pairs(Bench *b, XenGnttabHandle *h, const uint32_t *refs,
                          unsigned batch)
{
    const XenGnttabOps *ops = b->svc->gnttab;
    uint64_t pairs = 0;
    double t0 = bench_now(), t;

    do {
        for (int i = 0; i < 100; i++) {
            const uint32_t *r = refs + (batch == 1 ? pairs % GRANT_PAGES : 0);
            void *addr;
            int ret = ops->map_refs(h, GUEST_DOMID, batch, r, true, &addr);

            if (ret || ops->unmap(h, addr, r, batch)) {
                fprintf(stderr, "backend-bench: map/unmap: %s\n",
                        g_strerror(-ret));
                exit(1);
            }
            pairs++;
        }
        t = bench_now() - t0;
    } while (t < b->secs);
    return pairs / t;
}

static void bench_gnttab(Bench *b)
{
    const XenGnttabOps *ops = b->svc->gnttab;
    double single[REPS], batched[REPS], rate;
    uint32_t refs[GRANT_PAGES];
    uint64_t gfns[GRANT_PAGES];
    Error *err = NULL;
    XenGnttabHandle *h;

    for (int i = 0; i < GRANT_PAGES; i++) {
        int ref;

        if (!xenner_guest_alloc_page(b->guest, &gfns[i])) {
            bench_die("guest page", NULL);
        }
        ref = xenner_guest_grant(b->guest, 0, gfns[i], false);
        if (ref < 0) {
            bench_die("grant", NULL);
        }
        refs[i] = ref;
    }
    h = ops->open(b->svc->provider, &err);
    if (!h) {
        bench_die("gnttab open", err);
    }
    for (int r = 0; r < REPS; r++) {
        single[r] = grant_pairs(b, h, refs, 1);
        batched[r] = grant_pairs(b, h, refs, GRANT_PAGES);
    }
    rate = bench_median(single, REPS);
    print_rate("gnttab map+unmap, 1 page", rate, "pairs/s");
    print_rate("gnttab map+unmap, 1 page", rate, "pages/s");
    rate = bench_median(batched, REPS);
    print_rate("gnttab map+unmap, 32 pages", rate, "pairs/s");
    print_rate("gnttab map+unmap, 32 pages", rate * GRANT_PAGES, "pages/s");
    ops->close(h);
    for (int i = 0; i < GRANT_PAGES; i++) {
        xenner_guest_end_access(b->guest, refs[i]);
        xenner_guest_free_page(b->guest, gfns[i]);
    }
}

/* ---- console ----------------------------------------------------------- */

typedef struct ConsoleRun {
    uint64_t notified;          /* backend -> guest notifications */
} ConsoleRun;

static void console_notified(void *opaque, ConsFront *cf)
{
    ConsoleRun *run = opaque;

    run->notified++;
}

static void run_loop_once(Bench *b, int timeout_ms)
{
    Error *err = NULL;

    if (!event_loop_run_once(b->loop, timeout_ms, &err)) {
        bench_die("event loop", err);
    }
}

/*
 * Guest output until the backend has taken all of it: the guest fills
 * whatever room the ring has, the backend drains it into the chardev.
 */
static double console_push(Bench *b, ConsFront *cf, const uint8_t *src,
                           uint64_t total)
{
    struct xencons_interface *intf = consfront_ring(cf);
    uint64_t written = 0;
    double t0 = bench_now();

    for (;;) {
        bool wrote = false;

        if (written < total) {
            size_t pos = written % SRC_SIZE;
            size_t len = MIN(total - written, (uint64_t)(SRC_SIZE - pos));
            int n = consfront_write(cf, src + pos, len);

            if (n < 0) {
                fprintf(stderr, "backend-bench: console write: %s\n",
                        g_strerror(-n));
                exit(1);
            }
            written += n;
            wrote = n > 0;
        } else if (__atomic_load_n(&intf->out_cons, __ATOMIC_ACQUIRE) ==
                   intf->out_prod) {
            break;
        }
        /* A full ring waits for the backend's notification. */
        run_loop_once(b, wrote ? 0 : 100);
    }
    return total / (bench_now() - t0);
}

static double memcpy_chunks(const uint8_t *src, uint8_t *dst,
                            uint64_t total)
{
    double t0 = bench_now();

    for (uint64_t done = 0; done < total; done += RING_CHUNK) {
        memcpy(dst, src + done % SRC_SIZE, RING_CHUNK);
        clobber(dst);
    }
    return total / (bench_now() - t0);
}

static double memcpy_once(const uint8_t *src, uint8_t *dst, uint64_t total)
{
    double t0 = bench_now();

    memcpy(dst, src, total);
    clobber(dst);
    return total / (bench_now() - t0);
}

static void bench_console(Bench *b, uint64_t total)
{
    double cons[REPS], chunks[REPS], once[REPS], c;
    g_autofree uint8_t *src = g_malloc(SRC_SIZE);
    g_autofree uint8_t *chunk = g_malloc(RING_CHUNK);
    g_autofree uint8_t *big_src = NULL, *big_dst = NULL;
    ChardevSet *chardevs = chardev_set_new(b->loop);
    ConsoleRun run = { 0 };
    Error *err = NULL;
    XenBackend *be;
    QemuOpts *opts;
    ConsFront *cf;
    int64_t deadline;

    for (size_t i = 0; i < SRC_SIZE; i++) {
        src[i] = 'a' + i % 26;
    }
    /* The simplest sink: what is measured is the ring and the backend. */
    opts = chardev_opts_parse("null,id=sink", &err);
    if (!opts || !chardev_set_add_opts(chardevs, opts, &err)) {
        bench_die("chardev", err);
    }
    qemu_opts_free(opts);
    be = xen_backend_new(b->loop, b->svc, 0, &err);
    if (!be || !xen_console_register(be, chardevs, &err) ||
        !xen_console_create(be, GUEST_DOMID, CONSOLE_IDX, "chardev:sink",
                            NULL, 0, 0, &err)) {
        bench_die("console backend", err);
    }
    cf = consfront_new(b->guest, CONSOLE_IDX, console_notified, &run);
    deadline = g_get_monotonic_time() + SETUP_TIMEOUT_US;
    while (!consfront_connected(cf)) {
        if (g_get_monotonic_time() > deadline) {
            bench_die("console did not connect", NULL);
        }
        run_loop_once(b, 10);
    }

    big_src = g_malloc(total);
    big_dst = g_malloc(total);
    /* Fault the pages in now, not inside the timed copy. */
    memset(big_src, 'x', total);
    memset(big_dst, 0, total);
    for (int r = 0; r < REPS; r++) {
        run.notified = 0;
        cons[r] = console_push(b, cf, src, total);
        chunks[r] = memcpy_chunks(src, chunk, total);
        once[r] = memcpy_once(big_src, big_dst, total);
    }
    c = bench_median(cons, REPS);
    printf("%-44s %14.1f MB/s  (%" G_GUINT64_FORMAT " MiB, %" G_GUINT64_FORMAT
           " notifications in the last run)\n", "console guest->backend (null chardev)",
           c / 1e6, total >> 20, run.notified);
    printf("%-44s %14.1f MB/s\n", "memcpy, 2 KiB chunks", bench_median(chunks, REPS) / 1e6);
    printf("%-44s %14.1f MB/s\n", "memcpy, one copy", bench_median(once, REPS) / 1e6);
    printf("%-44s %14.3f\n", "console / memcpy 2 KiB chunks",
           c / bench_median(chunks, REPS));
    printf("%-44s %14.3f\n", "console / memcpy one copy", c / bench_median(once, REPS));

    consfront_free(cf);
    /* Let the backend see the frontend close before it goes. */
    for (int i = 0; i < 20; i++) {
        run_loop_once(b, 0);
    }
    xen_backend_free(be);
    chardev_set_free(chardevs);
}

int main(int argc, char **argv)
{
    Bench b = { 0 };
    Error *err = NULL;
    double secs = argc > 1 ? g_ascii_strtod(argv[1], NULL) : 1.0;
    uint64_t mib = argc > 2 ? g_ascii_strtoull(argv[2], NULL, 10) : 256;

    if (argc > 3 || secs <= 0 || mib == 0 || mib > 4096) {
        fprintf(stderr,
                "usage: backend-bench [SECONDS_PER_FIGURE] [CONSOLE_MIB]\n");
        return 1;
    }
    b.secs = secs / REPS;
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
    b.svc = xenner_services(b.x);
    b.guest = xenner_guest_new(b.x, GUEST_DOMID, &err);
    if (!b.guest) {
        bench_die("guest", err);
    }

    printf("in-process over Xenner, median of %d runs of %.2f s "
           "(console: of %d pushes)\n", REPS, b.secs, REPS);
    bench_evtchn(&b);
    bench_gnttab(&b);
    bench_console(&b, mib << 20);

    xenner_guest_free(b.guest);
    xenner_domain_destroy(b.x, GUEST_DOMID);
    xenner_free(b.x);
    xenner_xs_tree_free(b.tree);
    event_loop_free(b.loop);
    return 0;
}
