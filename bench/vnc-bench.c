/*
 * The VNC display's figures, in-process over Xenner: the test fbfront
 * draws into a vfb, the framebuffer backend and the VNC server run on
 * the event loop of the main thread, and an RFB client of our own in a
 * second thread reads what a viewer would, over a unix socket, counting
 * every byte on the wire:
 *  - full-screen updates per second delivered to the client, at
 *    800x600x32 and 1920x1080x32, Raw and ZRLE encodings: the guest draws
 *    a new frame as soon as the client has the previous one;
 *  - the bytes one small update costs (a 640x16 text line);
 *  - the process's CPU time per second while the guest keeps drawing a
 *    line every 30 ms, with no client connected and then with one.
 * The guest's drawing runs in the same process and is part of every
 * figure. Figures only: nothing here passes or fails on speed.
 *
 * usage: vnc-bench [SECONDS_PER_FIGURE]
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <math.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"
#include "hw/xen/xen_backend.h"
#include "hw/xen/xen_fb.h"
#include "ui/console.h"
#include "ui/input.h"
#include "ui/vnc.h"
#include "xenner/guests/fbfront.h"
#include "xenner/guest.h"
#include "xenner/xenner.h"

#define GUEST_DOMID 1
#define GUEST_FRAMES (64u << 8)         /* 64 MiB */
#define RFB_ENC_RAW 0
#define RFB_ENC_ZRLE 16
#define RFB_ENC_DESKTOP_SIZE (-223)
#define LINE_W 640
#define LINE_H 16

typedef struct Bench {
    EventLoop *loop;
    XsTree *tree;
    Xenner *x;
    XenBackend *be;
    ConsoleList *consoles;
    InputHub *hub;
    char *dir;
    GPtrArray *scenes;
} Bench;

/* One figure's guest, its vfb and a VNC display showing it alone. */
typedef struct Scene {
    uint16_t domid;
    XennerGuest *g;
    FbFront *ff;
    VncDisplay *vd;
    char *sock;
    unsigned frame;             /* frames drawn */
} Scene;

/* What the client thread reports; read by the main thread. */
typedef struct Client {
    int fd;
    int32_t encoding;
    unsigned width, height;
    gint updates;               /* FramebufferUpdates complete */
    gint full_updates;          /* ... covering the whole screen */
    gssize bytes;               /* read from the server, all of it */
    gssize last_update_bytes;   /* the size of the last update message */
    gint stop;
    bool failed;
} Client;

/* ---- the client -------------------------------------------------------- */

static bool read_full(Client *c, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n = read(c->fd, p, len);

        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            return false;
        }
        p += n;
        len -= n;
        g_atomic_pointer_add(&c->bytes, n);
    }
    return true;
}

static bool skip(Client *c, size_t len)
{
    uint8_t buf[65536];

    while (len) {
        size_t n = MIN(len, sizeof(buf));

        if (!read_full(c, buf, n)) {
            return false;
        }
        len -= n;
    }
    return true;
}

static bool write_full(Client *c, const void *buf, size_t len)
{
    return write(c->fd, buf, len) == (ssize_t)len;
}

static bool request_update(Client *c, bool incremental)
{
    uint8_t m[10] = { 3, incremental };

    m[6] = c->width >> 8;
    m[7] = c->width;
    m[8] = c->height >> 8;
    m[9] = c->height;
    return write_full(c, m, sizeof(m));
}

/* RFB 3.8 without authentication, 32-bit little-endian xRGB. */
static bool handshake(Client *c)
{
    static const uint8_t pixel_format[20] = {
        0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0,
    };
    uint8_t ver[12], n, types[255], init[24], enc[12];
    uint32_t result, name_len;

    if (!read_full(c, ver, 12) || !write_full(c, "RFB 003.008\n", 12) ||
        !read_full(c, &n, 1) || !n || !read_full(c, types, n) ||
        !memchr(types, 1, n) || !write_full(c, "\1", 1) ||
        !read_full(c, &result, 4) || result ||
        !write_full(c, "\1", 1) || !read_full(c, init, 24)) {
        return false;
    }
    c->width = init[0] << 8 | init[1];
    c->height = init[2] << 8 | init[3];
    name_len = GUINT32_FROM_BE(*(uint32_t *)&init[20]);
    if (!skip(c, name_len) || !write_full(c, pixel_format, 20)) {
        return false;
    }
    enc[0] = 2;
    enc[1] = 0;
    enc[2] = 0;
    enc[3] = 2;
    *(int32_t *)&enc[4] = GINT32_TO_BE(c->encoding);
    *(int32_t *)&enc[8] = GINT32_TO_BE(RFB_ENC_DESKTOP_SIZE);
    return write_full(c, enc, sizeof(enc)) && request_update(c, false);
}

/* One FramebufferUpdate, after its type byte. */
static bool read_update(Client *c)
{
    uint8_t hdr[3], rect[12];
    gssize start = g_atomic_pointer_get(&c->bytes) - 1;
    uint64_t area = 0;
    unsigned nrects;

    if (!read_full(c, hdr, 3)) {
        return false;
    }
    nrects = hdr[1] << 8 | hdr[2];
    for (unsigned i = 0; i < nrects; i++) {
        unsigned w, h;
        int32_t enc;
        uint32_t len;

        if (!read_full(c, rect, 12)) {
            return false;
        }
        w = rect[4] << 8 | rect[5];
        h = rect[6] << 8 | rect[7];
        enc = GINT32_FROM_BE(*(int32_t *)&rect[8]);
        if (enc == RFB_ENC_DESKTOP_SIZE) {
            c->width = w;
            c->height = h;
            continue;
        }
        area += (uint64_t)w * h;
        if (enc == RFB_ENC_RAW) {
            if (!skip(c, (size_t)w * h * 4)) {
                return false;
            }
        } else if (enc == RFB_ENC_ZRLE) {
            if (!read_full(c, &len, 4) || !skip(c, GUINT32_FROM_BE(len))) {
                return false;
            }
        } else {
            fprintf(stderr, "vnc-bench: unexpected encoding %d\n", enc);
            return false;
        }
    }
    g_atomic_pointer_set(&c->last_update_bytes,
                         g_atomic_pointer_get(&c->bytes) - start);
    if (area >= (uint64_t)c->width * c->height) {
        g_atomic_int_inc(&c->full_updates);
    }
    g_atomic_int_inc(&c->updates);
    return true;
}

static gpointer client_thread(gpointer opaque)
{
    Client *c = opaque;
    uint8_t type, pad[7];
    uint32_t len;
    bool ok = handshake(c);

    while (ok && !g_atomic_int_get(&c->stop)) {
        if (!read_full(c, &type, 1)) {
            ok = false;
            break;
        }
        switch (type) {
        case 0:
            ok = read_update(c) && request_update(c, true);
            break;
        case 2:                 /* Bell */
            break;
        case 3:                 /* ServerCutText */
            ok = read_full(c, pad, 3) && read_full(c, &len, 4) &&
                 skip(c, GUINT32_FROM_BE(len));
            break;
        default:
            fprintf(stderr, "vnc-bench: server message %u\n", type);
            ok = false;
        }
    }
    c->failed = !ok && !g_atomic_int_get(&c->stop);
    return NULL;
}

static Client *client_start(Scene *sc, int32_t encoding, GThread **thread)
{
    Client *c = g_new0(Client, 1);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    c->encoding = encoding;
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_strlcpy(sa.sun_path, sc->sock, sizeof(sa.sun_path));
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
        perror("vnc-bench: connect");
        exit(1);
    }
    *thread = g_thread_new("rfb-client", client_thread, c);
    return c;
}

static void client_stop(Client *c, GThread *thread)
{
    g_atomic_int_set(&c->stop, 1);
    shutdown(c->fd, SHUT_RDWR);
    g_thread_join(thread);
    close(c->fd);
    g_free(c);
}

/* ---- the machine -------------------------------------------------------- */

static void pump_for(Bench *b, double seconds)
{
    double end = bench_now() + seconds;

    while (bench_now() < end) {
        event_loop_run_once(b->loop, 1, NULL);
    }
}

/* Runs the loop until *@counter passes @value; false after 10 s. */
static bool pump_until(Bench *b, gint *counter, gint value)
{
    double end = bench_now() + 10;

    while (g_atomic_int_get(counter) < value) {
        if (bench_now() > end) {
            return false;
        }
        event_loop_run_once(b->loop, 1, NULL);
    }
    return true;
}

static void bench_setup(Bench *b)
{
    Error *err = NULL;

    memset(b, 0, sizeof(*b));
    b->loop = event_loop_new(&err);
    if (!b->loop) {
        bench_die("event loop", err);
    }
    b->tree = xenner_xs_tree_new();
    b->x = xenner_new(b->loop, b->tree, &err);
    if (!b->x ||
        !(b->be = xen_backend_new(b->loop, xenner_services(b->x), 0, &err))) {
        bench_die("xenner", err);
    }
    b->consoles = console_list_new();
    b->hub = input_hub_new();
    if (!xen_fb_register(b->be, b->consoles, &err)) {
        bench_die("vfb", err);
    }
    b->dir = g_dir_make_tmp("vnc-bench-XXXXXX", NULL);
    b->scenes = g_ptr_array_new();
}

static void bench_teardown(Bench *b)
{
    for (unsigned i = 0; i < b->scenes->len; i++) {
        Scene *sc = b->scenes->pdata[i];

        fbfront_free(sc->ff);
        vnc_display_close(sc->vd);
    }
    pump_for(b, 0.1);
    xen_backend_free(b->be);
    console_list_free(b->consoles);
    input_hub_free(b->hub);
    for (unsigned i = 0; i < b->scenes->len; i++) {
        Scene *sc = b->scenes->pdata[i];

        xenner_guest_free(sc->g);
        xenner_domain_destroy(b->x, sc->domid);
        g_free(sc->sock);
        g_free(sc);
    }
    g_ptr_array_free(b->scenes, true);
    xenner_free(b->x);
    xenner_xs_tree_free(b->tree);
    event_loop_free(b->loop);
    g_rmdir(b->dir);
    g_free(b->dir);
}

/* A new guest with a @w x @h vfb, its frontend connected, and a display. */
static Scene *scene_new(Bench *b, unsigned w, unsigned h)
{
    Scene *sc = g_new0(Scene, 1);
    XenFbConfig cfg;
    Error *err = NULL;
    double end = bench_now() + 10;
    g_autofree char *name = NULL, *label = NULL, *opts = NULL;

    sc->domid = b->scenes->len + 1;
    g_ptr_array_add(b->scenes, sc);
    name = g_strdup_printf("vnc-bench-%u", sc->domid);
    if (!xenner_domain_create(b->x, sc->domid, name, GUEST_FRAMES, &err) ||
        !(sc->g = xenner_guest_new(b->x, sc->domid, &err))) {
        bench_die("guest", err);
    }
    xen_fb_config_default(&cfg);
    cfg.width = w;
    cfg.height = h;
    cfg.videoram_mb = ((size_t)w * h * 4 + (1 << 20) - 1) >> 20;
    if (!xen_fb_create(b->be, sc->domid, 0, &cfg, &err)) {
        bench_die("xen_fb_create", err);
    }
    pump_for(b, 0.05);
    sc->ff = fbfront_new(sc->g, 0, NULL, NULL, NULL);
    while (!fbfront_connected(sc->ff)) {
        if (bench_now() > end) {
            bench_die("the frontend did not connect", NULL);
        }
        event_loop_run_once(b->loop, 1, NULL);
    }
    sc->sock = g_strdup_printf("%s/vnc%u.sock", b->dir, sc->domid);
    label = xen_fb_console_label(sc->domid, 0);
    opts = g_strdup_printf("unix:%s,display=%s", sc->sock, label);
    sc->vd = vnc_display_open(b->loop, b->consoles, b->hub, opts, NULL, NULL,
                              &err);
    if (!sc->vd) {
        bench_die("vnc", err);
    }
    return sc;
}

/* A whole new frame: the two frames alternate. */
static void draw_frame(Scene *sc, uint32_t *const frames[2])
{
    unsigned w = fbfront_width(sc->ff), h = fbfront_height(sc->ff);

    fbfront_write(sc->ff, 0, frames[sc->frame++ & 1], (size_t)w * h * 4);
    fbfront_update(sc->ff, 0, 0, w, h);
}

/*
 * Text-like pixels: sparse light dots on dark, one in five lit, in an
 * arrangement that changes with @seed so that every tile changes.
 */
static uint32_t text_pixel(unsigned x, unsigned y, unsigned seed)
{
    uint32_t v = (x * 2654435761u) ^ (y * 40503u) ^ (seed * 97u);

    return (v >> 7) % 5 ? 0x000000 : 0xc0c0c0;
}

/* A text line's worth of changed pixels at row @y. */
static void draw_line(Scene *sc, unsigned y)
{
    uint32_t row[LINE_W];
    unsigned stride = fbfront_stride(sc->ff);

    sc->frame++;
    for (unsigned r = 0; r < LINE_H; r++) {
        for (unsigned x = 0; x < LINE_W; x++) {
            row[x] = text_pixel(x, y + r, sc->frame);
        }
        fbfront_write(sc->ff, (size_t)(y + r) * stride, row, sizeof(row));
    }
    fbfront_update(sc->ff, 0, y, LINE_W, LINE_H);
}

/* A whole screen of text_pixel()s. */
static uint32_t *make_frame(unsigned w, unsigned h, unsigned seed)
{
    uint32_t *f = g_new(uint32_t, (size_t)w * h);

    for (unsigned y = 0; y < h; y++) {
        for (unsigned x = 0; x < w; x++) {
            f[(size_t)y * w + x] = text_pixel(x, y, seed);
        }
    }
    return f;
}

static const char *enc_name(int32_t enc)
{
    return enc == RFB_ENC_RAW ? "raw" : "zrle";
}

/* Full-screen updates per second delivered to one client. */
static void full_screen(Bench *b, unsigned w, unsigned h, int32_t enc,
                        double seconds)
{
    uint32_t *frames[2] = { make_frame(w, h, 0), make_frame(w, h, 1) };
    Scene *sc = scene_new(b, w, h);
    GThread *t;
    Client *c = client_start(sc, enc, &t);
    gint got;
    double start, elapsed;
    gssize bytes0;

    /* The first frame, whole, once the client is there. */
    draw_frame(sc, frames);
    if (!pump_until(b, &c->full_updates, 1)) {
        bench_die("no first update", NULL);
    }
    got = g_atomic_int_get(&c->full_updates);
    bytes0 = g_atomic_pointer_get(&c->bytes);
    start = bench_now();
    while ((elapsed = bench_now() - start) < seconds && !c->failed) {
        draw_frame(sc, frames);
        if (!pump_until(b, &c->full_updates, got + 1)) {
            bench_die("a frame was not delivered", NULL);
        }
        got = g_atomic_int_get(&c->full_updates);
    }
    printf("%4ux%-4ux32 %-4s  full-screen updates/s: %7.1f   MB/s on the "
           "wire: %7.1f\n", w, h, enc_name(enc), (got - 1) / elapsed,
           (g_atomic_pointer_get(&c->bytes) - bytes0) / elapsed / 1e6);
    client_stop(c, t);
    g_free(frames[0]);
    g_free(frames[1]);
}

/* The bytes of one FramebufferUpdate carrying a text line. */
static void small_update(Bench *b, int32_t enc)
{
    const unsigned reps = 20;
    Scene *sc = scene_new(b, 800, 600);
    GThread *t;
    Client *c = client_start(sc, enc, &t);
    gint64 total = 0;

    if (!pump_until(b, &c->updates, 1)) {
        bench_die("no first update", NULL);
    }
    for (unsigned i = 0; i < reps; i++) {
        gint n = g_atomic_int_get(&c->updates);

        pump_for(b, 0.02);      /* the client's next request is in */
        draw_line(sc, 100 + 20 * i);
        if (!pump_until(b, &c->updates, n + 1)) {
            bench_die("no update for a line", NULL);
        }
        total += g_atomic_pointer_get(&c->last_update_bytes);
    }
    printf("one %ux%u text line, %-4s: %8.0f bytes per update\n",
           LINE_W, LINE_H, enc_name(enc), (double)total / reps);
    client_stop(c, t);
}

static double cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double thread_cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The guest types a line every 30 ms for @seconds: the process's CPU ms
 * per second, and in *@guest_ms the part the guest's own drawing took.
 */
static double drawing_cpu(Bench *b, Scene *sc, double seconds,
                          unsigned *updates, double *guest_ms)
{
    double cpu0 = cpu_seconds(), start = bench_now(), next = start;
    double guest = 0;
    unsigned sent0 = fbfront_updates_sent(sc->ff);

    while (bench_now() - start < seconds) {
        double now = bench_now();

        if (now >= next) {
            double t0 = thread_cpu_seconds();

            draw_line(sc, 100 + 20 * (sc->frame % 20));
            guest += thread_cpu_seconds() - t0;
            next += 0.03;
        }
        /* Sleeps until the next line: the loop's own wake-ups only. */
        event_loop_run_once(b->loop, MAX(0, (int)ceil((next - now) * 1e3)),
                            NULL);
    }
    *updates = fbfront_updates_sent(sc->ff) - sent0;
    *guest_ms = guest / (bench_now() - start) * 1e3;
    return (cpu_seconds() - cpu0) / (bench_now() - start) * 1e3;
}

static void unwatched_cpu(Bench *b, double seconds)
{
    Scene *sc = scene_new(b, 800, 600);
    GThread *t;
    Client *c;
    unsigned sent;
    double ms, guest_ms;

    pump_for(b, 0.1);
    ms = drawing_cpu(b, sc, seconds, &sent, &guest_ms);
    printf("guest typing, no client:  %6.2f ms CPU per s (%.2f of it the "
           "guest's drawing); refresh period %" G_GINT64_FORMAT
           ", %u updates sent\n", ms, guest_ms,
           fbfront_refresh_period(sc->ff), sent);
    c = client_start(sc, RFB_ENC_ZRLE, &t);
    if (!pump_until(b, &c->updates, 1)) {
        bench_die("no first update", NULL);
    }
    ms = drawing_cpu(b, sc, seconds, &sent, &guest_ms);
    printf("guest typing, one client: %6.2f ms CPU per s (%.2f of it the "
           "guest's drawing); refresh period %" G_GINT64_FORMAT
           ", %u updates sent\n", ms, guest_ms,
           fbfront_refresh_period(sc->ff), sent);
    client_stop(c, t);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3;
    Bench b;

    if (seconds <= 0) {
        fprintf(stderr, "usage: vnc-bench [SECONDS_PER_FIGURE]\n");
        return 2;
    }
    bench_setup(&b);
    printf("VNC display, in-process over Xenner, %.0f s per figure "
           "(the guest's drawing included)\n", seconds);
    full_screen(&b, 800, 600, RFB_ENC_RAW, seconds);
    full_screen(&b, 800, 600, RFB_ENC_ZRLE, seconds);
    full_screen(&b, 1920, 1080, RFB_ENC_RAW, seconds);
    full_screen(&b, 1920, 1080, RFB_ENC_ZRLE, seconds);
    small_update(&b, RFB_ENC_RAW);
    small_update(&b, RFB_ENC_ZRLE);
    unwatched_cpu(&b, seconds);
    bench_teardown(&b);
    return 0;
}
