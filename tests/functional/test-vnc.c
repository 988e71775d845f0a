/*
 * The VNC display end to end in EMULATE mode: Xenner, the vfb backend,
 * the test fbfront, and real VNC clients from Debian (gvnccapture from
 * gvncviewer, Net::VNC from libnet-vnc-perl) run as child processes on
 * loopback while this process runs the event loop. What a client
 * captures must equal screendump pixel for pixel; clients that
 * misbehave lose their own connection only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <linux/input-event-codes.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <png.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hw/xen/xen_fb.h"
#include "hw/xen/xen_kbd.h"
#include "ui/console.h"
#include "ui/vnc.h"
#include "xenner/guests/fbfront.h"
#include "xenner/guests/kbdfront.h"
#include "xenner/guest.h"
#include "xenner/xenner.h"

#define DOM_A 5
#define DOM_B 6
#define MEM_FRAMES (64u << 8)           /* 64 MiB */

typedef struct Fixture {
    EventLoop *loop;
    XsTree *tree;
    Xenner *x;
    XenBackend *be;
    ConsoleList *consoles;
    InputHub *hub;
    XennerGuest *ga, *gb;
    VncDisplay *vd;
    int port;
    char *dir;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    memset(f, 0, sizeof(*f));
    f->loop = event_loop_new(NULL);
    f->tree = xenner_xs_tree_new();
    f->x = xenner_new(f->loop, f->tree, NULL);
    g_assert_true(xenner_domain_create(f->x, DOM_A, "a", MEM_FRAMES, NULL));
    g_assert_true(xenner_domain_create(f->x, DOM_B, "b", MEM_FRAMES, NULL));
    f->ga = xenner_guest_new(f->x, DOM_A, NULL);
    f->gb = xenner_guest_new(f->x, DOM_B, NULL);
    f->be = xen_backend_new(f->loop, xenner_services(f->x), 0, NULL);
    f->consoles = console_list_new();
    f->hub = input_hub_new();
    g_assert_true(xen_fb_register(f->be, f->consoles, NULL));
    g_assert_true(xen_kbd_register(f->be, f->hub, NULL));
    f->dir = g_dir_make_tmp("test-vnc-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
    const char *name;

    for (int i = 0; i < 20; i++) {
        event_loop_run_once(f->loop, 0, NULL);
    }
    vnc_display_close(f->vd);
    xen_backend_free(f->be);
    input_hub_free(f->hub);
    console_list_free(f->consoles);
    xenner_guest_free(f->ga);
    xenner_guest_free(f->gb);
    xenner_domain_destroy(f->x, DOM_A);
    xenner_domain_destroy(f->x, DOM_B);
    xenner_free(f->x);
    xenner_xs_tree_free(f->tree);
    event_loop_free(f->loop);
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(f->dir, name, NULL);

        g_unlink(path);
    }
    g_rmdir(f->dir);
    g_free(f->dir);
}

/* Runs the loop until @cond holds, failing after 20000 idle rounds. */
#define PUMP_UNTIL(f, cond)                                                 \
    do {                                                                    \
        for (int i_ = 0; i_ < 20000 && !(cond); i_++) {                     \
            g_assert_true(event_loop_run_once((f)->loop, 1, NULL));         \
        }                                                                   \
        g_assert_true(cond);                                                \
    } while (0)

static void pump(Fixture *f, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        g_assert_true(event_loop_run_once(f->loop, 1, NULL));
    }
}

/* Opens the display on a free loopback port (to= finds one), keymap @km. */
static void open_vnc_km(Fixture *f, const char *extra, const char *km)
{
    g_autofree char *opt = g_strdup_printf("127.0.0.1:%u,to=%u%s",
                                           300 + getpid() % 1000,
                                           1700 + getpid() % 1000,
                                           extra ? extra : "");
    Error *err = NULL;

    f->vd = vnc_display_open(f->loop, f->consoles, f->hub, opt, km, NULL,
                             &err);
    if (!f->vd) {
        g_error("%s", error_get_pretty(err));
    }
    g_assert_true(vnc_display_enabled(f->vd));
    g_assert_cmpstr(vnc_display_addr(f->vd)->family, ==, "ipv4");
    g_assert_cmpstr(vnc_display_addr(f->vd)->host, ==, "127.0.0.1");
    f->port = atoi(vnc_display_addr(f->vd)->service);
}

static void open_vnc(Fixture *f, const char *extra)
{
    open_vnc_km(f, extra, NULL);
}

/* Creates the vfb of @domid as the toolstack would, then the frontend. */
static FbFront *attach_dom(Fixture *f, uint16_t domid,
                           const FbFrontConfig *cfg)
{
    XenFbConfig c;

    xen_fb_config_default(&c);
    c.width = 320;
    c.height = 200;
    c.videoram_mb = 4;
    g_assert_true(xen_fb_create(f->be, domid, 0, &c, NULL));
    pump(f, 5);
    return fbfront_new(domid == DOM_A ? f->ga : f->gb, 0, cfg, NULL, NULL);
}

static FbFront *attach(Fixture *f, const FbFrontConfig *cfg)
{
    return attach_dom(f, DOM_A, cfg);
}

static QemuConsole *console_a(Fixture *f)
{
    g_autofree char *label = xen_fb_console_label(DOM_A, 0);

    return console_list_lookup(f->consoles, label, 0, NULL);
}

static uint32_t pattern(unsigned x, unsigned y, unsigned depth, unsigned k)
{
    uint32_t v = (x * 2654435761u) ^ (y * 40503u) ^ (k * 0x9e3779b9u);

    v ^= v >> 13;
    return depth == 32 ? v & 0xffffff : v & ((1u << depth) - 1);
}

static void draw(FbFront *ff, unsigned k)
{
    for (unsigned y = 0; y < fbfront_height(ff); y++) {
        for (unsigned x = 0; x < fbfront_width(ff); x++) {
            fbfront_put_pixel(ff, x, y, pattern(x, y, fbfront_depth(ff), k));
        }
    }
    fbfront_update(ff, 0, 0, fbfront_width(ff), fbfront_height(ff));
}

/* ---- child processes ---------------------------------------------------- */

/* Runs @argv while the loop runs; its exit status (-1: a signal). */
static int run_child(Fixture *f, char **argv, GPid *pid_out)
{
    GError *gerr = NULL;
    GPid pid;
    int status = 0;
    pid_t r = 0;

    if (!g_spawn_async(NULL, argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                       G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid,
                       &gerr)) {
        g_error("%s: %s", argv[0], gerr->message);
    }
    if (pid_out) {
        *pid_out = pid;
        return 0;
    }
    for (int i = 0; i < 60000 && r == 0; i++) {
        g_assert_true(event_loop_run_once(f->loop, 2, NULL));
        r = waitpid(pid, &status, WNOHANG);
    }
    g_assert_cmpint(r, ==, pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Waits for a child run_child() started with @pid_out. */
static int wait_child(Fixture *f, GPid pid)
{
    int status = 0;
    pid_t r = 0;

    for (int i = 0; i < 60000 && r == 0; i++) {
        g_assert_true(event_loop_run_once(f->loop, 2, NULL));
        r = waitpid(pid, &status, WNOHANG);
    }
    g_assert_cmpint(r, ==, pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char **capture_argv(Fixture *f, const char *path)
{
    char **argv = g_new0(char *, 5);

    argv[0] = g_strdup("gvnccapture");
    argv[1] = g_strdup("-q");
    argv[2] = g_strdup_printf("127.0.0.1:%d", f->port - 5900);
    argv[3] = g_strdup(path);
    return argv;
}

/*
 * A PNG as 0x00RRGGBB. gvnccapture writes RGBA with the pixels' padding
 * byte as alpha (0): read as RGBA, so that libpng composites nothing,
 * and ignore alpha.
 */
static uint32_t *read_png(const char *path, unsigned *w, unsigned *h)
{
    png_image img = { .version = PNG_IMAGE_VERSION };
    g_autofree uint8_t *rgba = NULL;
    uint32_t *px;

    g_assert_true(png_image_begin_read_from_file(&img, path));
    img.format = PNG_FORMAT_RGBA;
    rgba = g_malloc(PNG_IMAGE_SIZE(img));
    g_assert_true(png_image_finish_read(&img, NULL, rgba, 0, NULL));
    *w = img.width;
    *h = img.height;
    px = g_new(uint32_t, *w * *h);
    for (unsigned i = 0; i < *w * *h; i++) {
        px[i] = rgba[4 * i] << 16 | rgba[4 * i + 1] << 8 | rgba[4 * i + 2];
    }
    return px;
}

/* The capture at @path equals screendump, and is @w x @h. */
static void check_capture(Fixture *f, const char *path, unsigned w,
                          unsigned h)
{
    g_autofree char *dump = g_build_filename(f->dir, "dump.png", NULL);
    g_autofree uint32_t *a = NULL, *b = NULL;
    unsigned aw, ah, bw, bh;

    g_assert_true(console_screendump(vnc_display_console(f->vd), dump,
                                     "png", NULL));
    a = read_png(path, &aw, &ah);
    b = read_png(dump, &bw, &bh);
    g_assert_cmpuint(aw, ==, w);
    g_assert_cmpuint(ah, ==, h);
    g_assert_cmpuint(bw, ==, w);
    g_assert_cmpuint(bh, ==, h);
    for (unsigned i = 0; i < w * h; i++) {
        if (a[i] != b[i]) {
            g_error("pixel %u,%u: capture %06x, screendump %06x", i % w,
                    i / w, a[i], b[i]);
        }
    }
}

static void capture_and_check(Fixture *f, FbFront *ff)
{
    g_autofree char *path = g_build_filename(f->dir, "cap.png", NULL);
    g_auto(GStrv) argv = capture_argv(f, path);

    g_assert_cmpint(run_child(f, argv, NULL), ==, 0);
    check_capture(f, path, fbfront_width(ff), fbfront_height(ff));
}

/* ---- a raw RFB client, for what real clients do not send ---------------- */

static int rc_connect(Fixture *f)
{
    struct sockaddr_in sin = {
        .sin_family = AF_INET,
        .sin_port = htons(f->port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    /* The backlog takes it; the loop accepts it later. */
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), ==,
                    0);
    return fd;
}

/* Reads @len bytes while the loop runs; false at EOF or an error. */
static bool rc_read(Fixture *f, int fd, void *buf, size_t len)
{
    size_t got = 0;

    for (int i = 0; i < 60000 && got < len; i++) {
        ssize_t n = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);

        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            return false;
        }
        if (n > 0) {
            got += n;
            continue;
        }
        g_assert_true(event_loop_run_once(f->loop, 2, NULL));
    }
    g_assert_cmpuint(got, ==, len);
    return true;
}

static void rc_write(int fd, const void *buf, size_t len)
{
    g_assert_cmpint(send(fd, buf, len, MSG_NOSIGNAL), ==, len);
}

/* Until the server closes @fd (whatever it sends first is drained). */
static void rc_wait_closed(Fixture *f, int fd)
{
    char buf[4096];

    while (rc_read(f, fd, buf, 1)) {
        continue;
    }
}

/* Version, no security, ClientInit shared: the client is ready. */
static void rc_handshake(Fixture *f, int fd)
{
    char version[12];
    uint8_t n, types[8], init[24];
    uint32_t result, name_len;
    g_autofree char *name = NULL;

    g_assert_true(rc_read(f, fd, version, sizeof(version)));
    g_assert_cmpmem(version, 4, "RFB ", 4);
    rc_write(fd, "RFB 003.008\n", 12);
    g_assert_true(rc_read(f, fd, &n, 1));
    g_assert_cmpuint(n, >=, 1);
    g_assert_true(rc_read(f, fd, types, MIN(n, sizeof(types))));
    g_assert_cmpuint(types[0], ==, 1);
    rc_write(fd, "\x01", 1);
    g_assert_true(rc_read(f, fd, &result, 4));
    g_assert_cmpuint(result, ==, 0);
    rc_write(fd, "\x01", 1);
    g_assert_true(rc_read(f, fd, init, sizeof(init)));
    memcpy(&name_len, init + 20, 4);
    name_len = ntohl(name_len);
    g_assert_cmpuint(name_len, <, 256);
    name = g_malloc(name_len);
    g_assert_true(rc_read(f, fd, name, name_len));
}

/* ---- tests -------------------------------------------------------------- */

static void test_depth(Fixture *f, gconstpointer data)
{
    FbFrontConfig cfg = { .depth = GPOINTER_TO_UINT(data) };
    FbFront *ff;

    open_vnc(f, NULL);
    ff = attach(f, &cfg);
    PUMP_UNTIL(f, fbfront_connected(ff));
    g_assert_true(vnc_display_console(f->vd) == console_a(f));
    draw(ff, cfg.depth);
    capture_and_check(f, ff);
    fbfront_free(ff);
}

static void test_resize(Fixture *f, gconstpointer data)
{
    FbFront *ff;

    open_vnc(f, NULL);
    ff = attach(f, NULL);
    PUMP_UNTIL(f, fbfront_connected(ff));
    draw(ff, 1);
    capture_and_check(f, ff);
    /* smaller, 16 bits, with padded lines */
    g_assert_cmpint(fbfront_resize(ff, 100, 50, 256, 16, 8192), ==, 0);
    draw(ff, 2);
    pump(f, 5);
    capture_and_check(f, ff);
    /* larger than offered at first */
    g_assert_cmpint(fbfront_resize(ff, 640, 480, 2560, 32, 0), ==, 0);
    draw(ff, 3);
    pump(f, 5);
    capture_and_check(f, ff);
    fbfront_free(ff);
}

/*
 * Before the guest has a console the screen is blank 640x480; a client
 * connected meanwhile is watching when it comes, and two clients at once
 * get the same screen.
 */
static void test_blank_and_two_clients(Fixture *f, gconstpointer data)
{
    g_autofree char *p1 = g_build_filename(f->dir, "one.png", NULL);
    g_autofree char *p2 = g_build_filename(f->dir, "two.png", NULL);
    g_auto(GStrv) a1 = NULL, a2 = NULL;
    g_autofree uint32_t *px = NULL;
    unsigned w, h;
    GPid pid1, pid2;
    FbFront *ff;
    int fd;

    open_vnc(f, NULL);
    g_assert_null(vnc_display_console(f->vd));
    a1 = capture_argv(f, p1);
    g_assert_cmpint(run_child(f, a1, NULL), ==, 0);
    px = read_png(p1, &w, &h);
    g_assert_cmpuint(w, ==, 640);
    g_assert_cmpuint(h, ==, 480);
    for (unsigned i = 0; i < w * h; i++) {
        g_assert_cmpuint(px[i], ==, 0);
    }

    fd = rc_connect(f);
    rc_handshake(f, fd);
    g_assert_cmpuint(vnc_display_client_count(f->vd), ==, 1);
    ff = attach(f, NULL);
    PUMP_UNTIL(f, fbfront_connected(ff));
    /* The raw client watches: the guest is told to refresh. */
    PUMP_UNTIL(f, fbfront_refresh_period(ff) == CONSOLE_REFRESH_MS);
    draw(ff, 7);
    a2 = capture_argv(f, p2);
    run_child(f, a1, &pid1);
    run_child(f, a2, &pid2);
    g_assert_cmpint(wait_child(f, pid1), ==, 0);
    g_assert_cmpint(wait_child(f, pid2), ==, 0);
    check_capture(f, p1, 320, 200);
    check_capture(f, p2, 320, 200);
    close(fd);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
    fbfront_free(ff);
}

/*
 * Nobody watching: the guest is told refresh 0 and sends no updates; a
 * client makes it refresh; the last one leaving stops it again.
 */
static void test_unwatched(Fixture *f, gconstpointer data)
{
    FbFront *ff;
    unsigned sent;
    int fd;

    open_vnc(f, NULL);
    ff = attach(f, NULL);
    PUMP_UNTIL(f, fbfront_connected(ff));
    PUMP_UNTIL(f, fbfront_refresh_period(ff) == XENFB_NO_REFRESH);
    sent = fbfront_updates_sent(ff);
    g_assert_false(fbfront_update(ff, 0, 0, 10, 10));
    fd = rc_connect(f);
    rc_handshake(f, fd);
    PUMP_UNTIL(f, fbfront_refresh_period(ff) == CONSOLE_REFRESH_MS);
    g_assert_true(fbfront_update(ff, 0, 0, 10, 10));
    PUMP_UNTIL(f, fbfront_updates_sent(ff) > sent);
    close(fd);
    PUMP_UNTIL(f, fbfront_refresh_period(ff) == XENFB_NO_REFRESH);
    sent = fbfront_updates_sent(ff);
    for (int i = 0; i < 10; i++) {
        g_assert_false(fbfront_update(ff, 0, 0, 10, 10));
        pump(f, 2);
    }
    g_assert_cmpuint(fbfront_updates_sent(ff), ==, sent);
    fbfront_free(ff);
}

/* Net::VNC's login with @password: 0 when accepted. */
static int login(Fixture *f, const char *password)
{
    g_autofree char *port = g_strdup_printf("%d", f->port);
    char *argv[] = {
        (char *)"perl", (char *)"-MNet::VNC", (char *)"-e",
        (char *)"my $v = Net::VNC->new({hostname => '127.0.0.1', "
                "port => $ARGV[0], password => $ARGV[1]}); "
                "eval { $v->login; 1 } or exit 1; exit 0",
        port, (char *)password, NULL,
    };

    return run_child(f, argv, NULL);
}

static void test_password(Fixture *f, gconstpointer data)
{
    Error *err = NULL;

    open_vnc(f, ",password=on");
    g_assert_cmpstr(vnc_display_auth(f->vd), ==, "vnc");
    /* No password set: every client is refused. */
    g_assert_cmpint(login(f, ""), ==, 1);
    g_assert_cmpint(login(f, "anything"), ==, 1);
    g_assert_true(vnc_display_set_password(f->vd, "secret99", NULL));
    g_assert_cmpint(login(f, "secret98"), ==, 1);
    g_assert_cmpint(login(f, "secret99"), ==, 0);
    /* Eight characters count. */
    g_assert_true(vnc_display_set_password(f->vd, "longer-password", NULL));
    g_assert_cmpint(login(f, "longer-p"), ==, 0);
    g_assert_cmpint(login(f, "longer-x"), ==, 1);
    vnc_display_close(f->vd);
    f->vd = NULL;
    /* Without password=on there is nothing to set, as in QEMU. */
    open_vnc(f, NULL);
    g_assert_cmpstr(vnc_display_auth(f->vd), ==, "none");
    g_assert_false(vnc_display_set_password(f->vd, "x", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Could not set password");
    error_free(err);
    g_assert_cmpint(login(f, ""), ==, 0);
}

static void see_client(void *opaque, const VncAddrInfo *c)
{
    GPtrArray *seen = opaque;

    g_ptr_array_add(seen, g_strdup_printf("%s %s %s", c->family, c->host,
                                          c->service));
}

static void test_query(Fixture *f, gconstpointer data)
{
    g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    g_autofree char *want = NULL;
    int fd;

    open_vnc(f, NULL);
    fd = rc_connect(f);
    rc_handshake(f, fd);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
    want = g_strdup_printf("ipv4 127.0.0.1 %u", ntohs(sin.sin_port));
    vnc_display_foreach_client(f->vd, see_client, seen);
    g_assert_cmpuint(seen->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(seen, 0), ==, want);
    close(fd);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
}

/* ---- keys and pointer ----------------------------------------------------- */

/* Net::VNC logs in and sends what @script says ($v is the client). */
static void net_vnc(Fixture *f, const char *script)
{
    g_autofree char *port = g_strdup_printf("%d", f->port);
    g_autofree char *code = g_strdup_printf(
        "my $v = Net::VNC->new({hostname => '127.0.0.1', "
        "port => $ARGV[0]}); $v->login; %s; exit 0", script);
    char *argv[] = {
        (char *)"perl", (char *)"-MNet::VNC", (char *)"-e", code, port, NULL,
    };

    g_assert_cmpint(run_child(f, argv, NULL), ==, 0);
}

/* The events the kbdfront got from @from on, as "K30+", "P125,62". */
static char *events_since(KbdFront *kf, guint from)
{
    GArray *evs = kbdfront_events(kf);
    GString *out = g_string_new(NULL);

    for (guint i = from; i < evs->len; i++) {
        union xenkbd_in_event *ev = &g_array_index(evs,
                                                   union xenkbd_in_event, i);

        switch (ev->type) {
        case XENKBD_TYPE_KEY:
            g_string_append_printf(out, "K%u%c ", ev->key.keycode,
                                   ev->key.pressed ? '+' : '-');
            break;
        case XENKBD_TYPE_POS:
            g_string_append_printf(out, "P%d,%d ", ev->pos.abs_x,
                                   ev->pos.abs_y);
            break;
        default:
            g_string_append_printf(out, "T%u ", ev->type);
            break;
        }
    }
    return g_strchomp(g_string_free(out, false));
}

static KbdFront *attach_kbd_dom(Fixture *f, uint16_t domid)
{
    XenKbdOpts ko;
    KbdFront *kf;

    xen_kbd_opts_default(&ko);
    g_assert_true(xen_kbd_create(f->be, domid, 0, &ko, NULL));
    xen_kbd_opts_clear(&ko);
    pump(f, 5);
    kf = kbdfront_new(domid == DOM_A ? f->ga : f->gb, 0, NULL, NULL, NULL);
    PUMP_UNTIL(f, kbdfront_connected(kf));
    return kf;
}

static KbdFront *attach_kbd(Fixture *f)
{
    return attach_kbd_dom(f, DOM_A);
}

/*
 * Keys and the pointer a real client sends reach the guest's kbdfront
 * as Linux codes; positions are scaled from the framebuffer (320x200)
 * to the pointer's range (800x600).
 */
static void test_keys(Fixture *f, gconstpointer data)
{
    g_autofree char *got = NULL;
    g_autofree char *want = NULL;
    FbFront *ff;
    KbdFront *kf;

    open_vnc(f, NULL);
    ff = attach(f, NULL);
    PUMP_UNTIL(f, fbfront_connected(ff));
    kf = attach_kbd(f);
    net_vnc(f, "$v->send_key_event(0x61); "           /* a */
               "$v->send_key_event_down(0xffe1); "    /* Shift_L */
               "$v->send_key_event(0x41); "           /* A */
               "$v->send_key_event_up(0xffe1); "
               "$v->send_key_event(0xff0d); "         /* Return */
               "$v->send_pointer_event(0, 160, 100); "
               "$v->send_pointer_event(1, 160, 100); "
               "$v->send_pointer_event(0, 319, 199)");
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
    pump(f, 20);
    got = events_since(kf, 0);
    /* A move comes before the buttons of the same message. */
    want = g_strdup_printf(
        "K%u+ K%u- K%u+ K%u+ K%u- K%u- K%u+ K%u- P%u,%u K%u+ P%u,%u K%u-",
        KEY_A, KEY_A, KEY_LEFTSHIFT, KEY_A, KEY_A, KEY_LEFTSHIFT, KEY_ENTER,
        KEY_ENTER, input_scale(160, 320, 800), input_scale(100, 200, 600),
        BTN_LEFT, 799, 599, BTN_LEFT);
    g_assert_cmpstr(got, ==, want);
    kbdfront_free(kf);
    fbfront_free(ff);
}

/* With -k de, the keysym z is the key where a US keyboard has Y. */
static void test_keymap_de(Fixture *f, gconstpointer data)
{
    g_autofree char *got = NULL;
    g_autofree char *want = g_strdup_printf("K%u+ K%u- K%u+ K%u-", KEY_Y,
                                            KEY_Y, KEY_Z, KEY_Z);
    KbdFront *kf;
    FbFront *ff;

    open_vnc_km(f, NULL, "de");
    ff = attach(f, NULL);
    kf = attach_kbd(f);
    PUMP_UNTIL(f, vnc_display_console(f->vd) != NULL);
    net_vnc(f, "$v->send_key_event(0x7a); "           /* z */
               "$v->send_key_event(0x79)");           /* y */
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
    pump(f, 20);
    got = events_since(kf, 0);
    g_assert_cmpstr(got, ==, want);
    kbdfront_free(kf);
    fbfront_free(ff);
}

/*
 * display= picks the console by name: the second guest's screen is
 * shown, and keys go to the second guest only.
 */
static void test_display_option(Fixture *f, gconstpointer data)
{
    g_autofree char *label = xen_fb_console_label(DOM_B, 0);
    g_autofree char *opt = g_strdup_printf(",display=%s", label);
    g_autofree char *got_a = NULL, *got_b = NULL;
    g_autofree char *want = g_strdup_printf("K%u+ K%u-", KEY_Q, KEY_Q);
    FbFront *fa, *fb;
    KbdFront *ka, *kb;

    open_vnc(f, opt);
    fa = attach_dom(f, DOM_A, NULL);
    fb = attach_dom(f, DOM_B, NULL);
    PUMP_UNTIL(f, fbfront_connected(fa) && fbfront_connected(fb));
    ka = attach_kbd_dom(f, DOM_A);
    kb = attach_kbd_dom(f, DOM_B);
    PUMP_UNTIL(f, vnc_display_console(f->vd) != NULL);
    g_assert_cmpstr(console_label(vnc_display_console(f->vd)), ==, label);
    draw(fa, 20);
    draw(fb, 21);
    capture_and_check(f, fb);
    net_vnc(f, "$v->send_key_event(0x71)");           /* q */
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
    pump(f, 20);
    got_a = events_since(ka, 0);
    got_b = events_since(kb, 0);
    g_assert_cmpstr(got_a, ==, "");
    g_assert_cmpstr(got_b, ==, want);
    /* The other guest was never watched. */
    g_assert_cmpint(fbfront_refresh_period(fa), ==, XENFB_NO_REFRESH);
    kbdfront_free(ka);
    kbdfront_free(kb);
    fbfront_free(fa);
    fbfront_free(fb);
}

/* The toolstack unplugs a vfb, as libxl does: online=0, then Closing. */
static void unplug_fb(Fixture *f, uint16_t domid)
{
    XenXsHandle *xs = xenner_xs_open_as(f->x, 0);
    const XenXenstoreOps *ops = xenner_services(f->x)->xenstore;
    g_autofree char *online = g_strdup_printf(
        "/local/domain/0/backend/vfb/%u/0/online", domid);
    g_autofree char *state = g_strdup_printf(
        "/local/domain/0/backend/vfb/%u/0/state", domid);

    g_assert_cmpint(ops->write(xs, 0, online, "0", 1), ==, 0);
    g_assert_cmpint(ops->write(xs, 0, state, "5", 1), ==, 0);
    ops->close(xs);
}

/*
 * The console shown goes (its vfb unplugged) while a client watches:
 * the display shows the next console, and the client keeps working.
 */
static void test_console_gone(Fixture *f, gconstpointer data)
{
    g_autofree char *label_b = xen_fb_console_label(DOM_B, 0);
    FbFront *fa, *fb;
    int fd;

    open_vnc(f, NULL);
    fa = attach_dom(f, DOM_A, NULL);
    PUMP_UNTIL(f, fbfront_connected(fa));
    fb = attach_dom(f, DOM_B, NULL);
    PUMP_UNTIL(f, fbfront_connected(fb));
    PUMP_UNTIL(f, vnc_display_console(f->vd) != NULL);
    g_assert_cmpstr(console_label(vnc_display_console(f->vd)), !=, label_b);
    fd = rc_connect(f);
    rc_handshake(f, fd);
    PUMP_UNTIL(f, fbfront_refresh_period(fa) == CONSOLE_REFRESH_MS);
    unplug_fb(f, DOM_A);
    PUMP_UNTIL(f, vnc_display_console(f->vd) != NULL &&
               !strcmp(console_label(vnc_display_console(f->vd)), label_b));
    /* B is watched now; the client is still there. */
    PUMP_UNTIL(f, fbfront_refresh_period(fb) == CONSOLE_REFRESH_MS);
    g_assert_cmpuint(vnc_display_client_count(f->vd), ==, 1);
    draw(fb, 50);
    capture_and_check(f, fb);
    close(fd);
    PUMP_UNTIL(f, fbfront_refresh_period(fb) == XENFB_NO_REFRESH);
    fbfront_free(fa);
    fbfront_free(fb);
}

/* ---- hostile clients ------------------------------------------------------ */

typedef enum Hostility {
    GARBAGE,            /* not a protocol version */
    POINTER_BEFORE_INIT,
    HUGE_CUT_TEXT,
    MANY_ENCODINGS,     /* 65535 of them: legal, served */
    GONE_MID_UPDATE,    /* asks for the whole screen, then resets */
    TOO_MANY,           /* 40 connections at once */
} Hostility;

static void put32(uint8_t *p, uint32_t v)
{
    v = htonl(v);
    memcpy(p, &v, 4);
}

static void attack(Fixture *f, Hostility h)
{
    int fd = rc_connect(f);

    switch (h) {
    case GARBAGE:
        rc_write(fd, "GET / HTTP/1.0\r\n\r\n\xff\xfe", 20);
        rc_wait_closed(f, fd);
        break;
    case POINTER_BEFORE_INIT: {
        static const uint8_t ptr[6] = { 5, 1, 0, 10, 0, 10 };

        rc_write(fd, ptr, sizeof(ptr));
        rc_write(fd, ptr, sizeof(ptr));
        rc_wait_closed(f, fd);
        break;
    }
    case HUGE_CUT_TEXT: {
        uint8_t msg[8] = { 6 };

        rc_handshake(f, fd);
        put32(msg + 4, 0x7fffffff);
        rc_write(fd, msg, sizeof(msg));
        rc_wait_closed(f, fd);
        break;
    }
    case MANY_ENCODINGS: {
        size_t n = 65535, len = 4 + 4 * n;
        g_autofree uint8_t *msg = g_malloc0(len);
        uint8_t req[10] = { 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        uint8_t hdr[4];

        rc_handshake(f, fd);
        msg[0] = 2;
        msg[2] = n >> 8;
        msg[3] = n & 0xff;
        for (size_t i = 0; i < n; i++) {
            put32(msg + 4 + 4 * i, (uint32_t)(i * 7919));
        }
        /* Raw last, so the update below is one we can read. */
        put32(msg + 4 + 4 * (n - 1), 0);
        /* A blocking send would stall: the server reads as we pump. */
        for (size_t off = 0; off < len;) {
            ssize_t w = send(fd, msg + off, len - off,
                             MSG_NOSIGNAL | MSG_DONTWAIT);

            if (w > 0) {
                off += w;
            } else {
                g_assert_true(errno == EAGAIN);
                pump(f, 1);
            }
        }
        req[6] = 0;
        req[7] = 16;
        req[8] = 0;
        req[9] = 16;
        rc_write(fd, req, sizeof(req));
        /* Still served: a FramebufferUpdate comes. */
        g_assert_true(rc_read(f, fd, hdr, sizeof(hdr)));
        g_assert_cmpuint(hdr[0], ==, 0);
        close(fd);
        return;
    }
    case GONE_MID_UPDATE: {
        uint8_t req[10] = { 3, 0, 0, 0, 0, 0, 640 >> 8, 640 & 0xff,
                            480 >> 8, 480 & 0xff };
        struct linger lg = { .l_onoff = 1, .l_linger = 0 };

        rc_handshake(f, fd);
        rc_write(fd, req, sizeof(req));
        /* A reset, not a FIN: the server's writes fail at once. */
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(fd);
        PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
        return;
    }
    case TOO_MANY: {
        int fds[40];

        fds[0] = fd;
        for (int i = 1; i < 40; i++) {
            /* Within the listen backlog: the loop accepts as we go. */
            pump(f, 2);
            fds[i] = rc_connect(f);
        }
        /* 32 are served; the others are closed at once. */
        PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 32);
        pump(f, 20);
        g_assert_cmpuint(vnc_display_client_count(f->vd), ==, 32);
        for (int i = 0; i < 40; i++) {
            close(fds[i]);
        }
        return;
    }
    }
    close(fd);
}

static void test_hostile(Fixture *f, gconstpointer data)
{
    Hostility h = GPOINTER_TO_UINT(data);
    FbFront *ff;

    open_vnc(f, NULL);
    ff = attach(f, NULL);
    PUMP_UNTIL(f, fbfront_connected(ff));
    draw(ff, 9);
    attack(f, h);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
    /* The display, the guest and the next client are unharmed. */
    g_assert_true(fbfront_connected(ff));
    draw(ff, 10);
    capture_and_check(f, ff);
    fbfront_free(ff);
}

/*
 * Clients that send half a message and wait: libvncserver is not called
 * for them until the rest comes (it would block the loop reading it, and
 * drop them when its wait ran out), so other clients are served
 * meanwhile, and each is served when its message is whole.
 */
static void test_half_messages(Fixture *f, gconstpointer data)
{
    static const uint8_t encodings[] = {
        2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1,     /* Raw, CopyRect */
    };
    static const uint8_t request[10] = { 3, 0, 0, 0, 0, 0, 0, 8, 0, 8 };
    uint8_t hdr[4];
    FbFront *ff;
    int version, header, body;

    open_vnc(f, NULL);
    ff = attach(f, NULL);
    PUMP_UNTIL(f, fbfront_connected(ff));
    draw(ff, 30);
    version = rc_connect(f);
    rc_write(version, "RFB 003.", 8);
    header = rc_connect(f);
    rc_handshake(f, header);
    rc_write(header, encodings, 2);
    body = rc_connect(f);
    rc_handshake(f, body);
    rc_write(body, encodings, 8);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 3);
    capture_and_check(f, ff);
    /* Not one of them was given up on. */
    g_assert_cmpuint(vnc_display_client_count(f->vd), ==, 3);
    /* The rest of a message comes: it is read, and the client served. */
    rc_write(body, encodings + 8, sizeof(encodings) - 8);
    rc_write(body, request, sizeof(request));
    g_assert_true(rc_read(f, body, hdr, sizeof(hdr)));
    g_assert_cmpuint(hdr[0], ==, 0);
    rc_write(header, encodings + 2, sizeof(encodings) - 2);
    rc_write(header, request, sizeof(request));
    g_assert_true(rc_read(f, header, hdr, sizeof(hdr)));
    g_assert_cmpuint(hdr[0], ==, 0);
    close(version);
    close(header);
    close(body);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
    fbfront_free(ff);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return ntohl(v);
}

/*
 * Asks for the whole @w x @h screen, raw, and reads one update into
 * @px (0x00RRGGBB, from the client's format: red in the low byte);
 * false if it was a NewFBSize instead (then *@w, *@h are the new size).
 */
static bool rc_full_update(Fixture *f, int fd, unsigned *w, unsigned *h,
                           uint32_t **px)
{
    uint8_t req[10] = { 3, 0, 0, 0, 0, 0, *w >> 8, *w, *h >> 8, *h };
    uint8_t hdr[4], rect[12];
    bool pixels = false;

    rc_write(fd, req, sizeof(req));
    g_assert_true(rc_read(f, fd, hdr, sizeof(hdr)));
    g_assert_cmpuint(hdr[0], ==, 0);
    for (unsigned r = 0; r < (unsigned)(hdr[2] << 8 | hdr[3]); r++) {
        unsigned rx, ry, rw, rh;
        int32_t enc;

        g_assert_true(rc_read(f, fd, rect, sizeof(rect)));
        rx = rect[0] << 8 | rect[1];
        ry = rect[2] << 8 | rect[3];
        rw = rect[4] << 8 | rect[5];
        rh = rect[6] << 8 | rect[7];
        enc = (int32_t)get32(rect + 8);
        if (enc == -223) {              /* NewFBSize */
            *w = rw;
            *h = rh;
            g_free(*px);
            *px = g_new0(uint32_t, rw * rh);
            continue;
        }
        g_assert_cmpint(enc, ==, 0);
        g_assert_cmpuint(rx + rw, <=, *w);
        g_assert_cmpuint(ry + rh, <=, *h);
        for (unsigned y = ry; y < ry + rh; y++) {
            g_autofree uint8_t *row = g_malloc(rw * 4);

            g_assert_true(rc_read(f, fd, row, rw * 4));
            for (unsigned x = 0; x < rw; x++) {
                const uint8_t *p = row + 4 * x;

                (*px)[y * *w + rx + x] = p[0] << 16 | p[1] << 8 | p[2];
            }
        }
        pixels = true;
    }
    return pixels;
}

/* @px equals screendump of the shown console. */
static void check_pixels(Fixture *f, const uint32_t *px, unsigned w,
                         unsigned h)
{
    g_autofree char *dump = g_build_filename(f->dir, "dump.png", NULL);
    g_autofree uint32_t *b = NULL;
    unsigned bw, bh;

    g_assert_true(console_screendump(vnc_display_console(f->vd), dump,
                                     "png", NULL));
    b = read_png(dump, &bw, &bh);
    g_assert_cmpuint(bw, ==, w);
    g_assert_cmpuint(bh, ==, h);
    for (unsigned i = 0; i < w * h; i++) {
        if (px[i] != b[i]) {
            g_error("pixel %u,%u: client %06x, screendump %06x", i % w,
                    i / w, px[i], b[i]);
        }
    }
}

/*
 * A client that chose its own pixel format (red in the low byte, unlike
 * the server's) stays connected across resizes: it hears NewFBSize and
 * its raw pixels equal screendump each time.
 */
static void test_own_format_resize(Fixture *f, gconstpointer data)
{
    static const uint8_t format[20] = {
        0, 0, 0, 0,
        32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0,
    };
    static const uint8_t encodings[12] = {
        2, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x21,  /* Raw, NewFBSize */
    };
    g_autofree uint32_t *px = NULL;
    unsigned w = 320, h = 200;
    FbFront *ff;
    int fd;

    open_vnc(f, NULL);
    ff = attach(f, NULL);
    PUMP_UNTIL(f, fbfront_connected(ff));
    PUMP_UNTIL(f, vnc_display_console(f->vd) != NULL);
    fd = rc_connect(f);
    rc_handshake(f, fd);
    rc_write(fd, format, sizeof(format));
    rc_write(fd, encodings, sizeof(encodings));
    PUMP_UNTIL(f, fbfront_refresh_period(ff) == CONSOLE_REFRESH_MS);
    draw(ff, 40);
    pump(f, 5);
    px = g_new0(uint32_t, w * h);
    g_assert_true(rc_full_update(f, fd, &w, &h, &px));
    check_pixels(f, px, w, h);
    for (int i = 0; i < 2; i++) {
        if (i == 0) {
            g_assert_cmpint(fbfront_resize(ff, 200, 100, 512, 16, 4096), ==,
                            0);
        } else {
            g_assert_cmpint(fbfront_resize(ff, 640, 400, 2560, 32, 0), ==,
                            0);
        }
        draw(ff, 41 + i);
        pump(f, 5);
        /* The new size first, then the pixels at it. */
        g_assert_false(rc_full_update(f, fd, &w, &h, &px));
        g_assert_cmpuint(w, ==, fbfront_width(ff));
        g_assert_cmpuint(h, ==, fbfront_height(ff));
        g_assert_true(rc_full_update(f, fd, &w, &h, &px));
        check_pixels(f, px, w, h);
    }
    close(fd);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
    fbfront_free(ff);
}

/* A unix socket: a client is served, and listed with family unix. */
static void test_unix(Fixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "vnc.sock", NULL);
    g_autofree char *opt = g_strdup_printf("unix:%s", path);
    g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);
    static const uint8_t request[10] = { 3, 0, 0, 0, 0, 0, 0, 8, 0, 8 };
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    uint8_t hdr[4];
    FbFront *ff;
    int fd;

    f->vd = vnc_display_open(f->loop, f->consoles, f->hub, opt, NULL, NULL,
                             NULL);
    g_assert_nonnull(f->vd);
    g_assert_cmpstr(vnc_display_addr(f->vd)->family, ==, "unix");
    g_assert_cmpstr(vnc_display_addr(f->vd)->host, ==, "");
    g_assert_cmpstr(vnc_display_addr(f->vd)->service, ==, path);
    ff = attach(f, NULL);
    PUMP_UNTIL(f, fbfront_connected(ff));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), ==,
                    0);
    rc_handshake(f, fd);
    rc_write(fd, request, sizeof(request));
    g_assert_true(rc_read(f, fd, hdr, sizeof(hdr)));
    g_assert_cmpuint(hdr[0], ==, 0);
    vnc_display_foreach_client(f->vd, see_client, seen);
    g_assert_cmpuint(seen->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(seen, 0), ==, "unix  ");
    PUMP_UNTIL(f, fbfront_refresh_period(ff) == CONSOLE_REFRESH_MS);
    close(fd);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
    fbfront_free(ff);
    vnc_display_close(f->vd);
    f->vd = NULL;
    /* The socket file goes with the display. */
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

/* A real client killed while it reads a large update. */
static void test_client_killed(Fixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "killed.png", NULL);
    g_auto(GStrv) argv = NULL;
    FbFront *ff;
    GPid pid;

    open_vnc(f, NULL);
    ff = attach(f, NULL);
    PUMP_UNTIL(f, fbfront_connected(ff));
    g_assert_cmpint(fbfront_resize(ff, 1024, 1024, 4096, 32, 0), ==, 0);
    draw(ff, 11);
    argv = capture_argv(f, path);
    run_child(f, argv, &pid);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 1);
    kill(pid, SIGKILL);
    g_assert_cmpint(wait_child(f, pid), ==, -1);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
    PUMP_UNTIL(f, fbfront_refresh_period(ff) == XENFB_NO_REFRESH);
    capture_and_check(f, ff);
    fbfront_free(ff);
}

int main(int argc, char **argv)
{
    static const unsigned depths[] = { 8, 16, 24, 32 };
    static const struct {
        const char *name;
        Hostility h;
    } hostile[] = {
        { "garbage", GARBAGE },
        { "pointer-before-init", POINTER_BEFORE_INIT },
        { "huge-cut-text", HUGE_CUT_TEXT },
        { "many-encodings", MANY_ENCODINGS },
        { "gone-mid-update", GONE_MID_UPDATE },
        { "too-many", TOO_MANY },
    };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(depths); i++) {
        g_autofree char *name = g_strdup_printf("/vnc/depth/%u", depths[i]);

        g_test_add(name, Fixture, GUINT_TO_POINTER(depths[i]),
                   fixture_setup, test_depth, fixture_teardown);
    }
    g_test_add("/vnc/resize", Fixture, NULL, fixture_setup, test_resize,
               fixture_teardown);
    g_test_add("/vnc/blank-and-two-clients", Fixture, NULL, fixture_setup,
               test_blank_and_two_clients, fixture_teardown);
    g_test_add("/vnc/unwatched", Fixture, NULL, fixture_setup,
               test_unwatched, fixture_teardown);
    g_test_add("/vnc/password", Fixture, NULL, fixture_setup,
               test_password, fixture_teardown);
    g_test_add("/vnc/query", Fixture, NULL, fixture_setup, test_query,
               fixture_teardown);
    g_test_add("/vnc/keys", Fixture, NULL, fixture_setup, test_keys,
               fixture_teardown);
    g_test_add("/vnc/keymap-de", Fixture, NULL, fixture_setup,
               test_keymap_de, fixture_teardown);
    g_test_add("/vnc/display-option", Fixture, NULL, fixture_setup,
               test_display_option, fixture_teardown);
    for (size_t i = 0; i < G_N_ELEMENTS(hostile); i++) {
        g_autofree char *name = g_strdup_printf("/vnc/hostile/%s",
                                                hostile[i].name);

        g_test_add(name, Fixture, GUINT_TO_POINTER(hostile[i].h),
                   fixture_setup, test_hostile, fixture_teardown);
    }
    g_test_add("/vnc/unix", Fixture, NULL, fixture_setup, test_unix,
               fixture_teardown);
    g_test_add("/vnc/console-gone", Fixture, NULL, fixture_setup,
               test_console_gone, fixture_teardown);
    g_test_add("/vnc/own-format-resize", Fixture, NULL, fixture_setup,
               test_own_format_resize, fixture_teardown);
    g_test_add("/vnc/half-messages", Fixture, NULL, fixture_setup,
               test_half_messages, fixture_teardown);
    g_test_add("/vnc/client-killed", Fixture, NULL, fixture_setup,
               test_client_killed, fixture_teardown);
    return g_test_run();
}
