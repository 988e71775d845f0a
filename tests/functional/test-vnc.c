/*
 * The VNC display end to end in EMULATE mode: Xenner, the vfb and vkbd
 * backends, the test frontends, and real VNC clients from Debian
 * (gvnccapture from gvncviewer, Net::VNC from libnet-vnc-perl) run as
 * child processes on loopback while this process runs the event loop.
 * What a client captures must equal screendump pixel for pixel; keys
 * and clicks reach the guest. Misbehaving clients: test-vnc-hostile.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <linux/input-event-codes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "display-fixture.h"

static void test_depth(Fixture *f, gconstpointer data)
{
    FbFrontConfig cfg = { .depth = GPOINTER_TO_UINT(data) };
    FbFront *ff;

    open_vnc(f, NULL);
    ff = attach_connected(f, DOM_A, &cfg);
    g_assert_true(vnc_display_console(f->vd) == console_of(f, DOM_A));
    draw(ff, cfg.depth);
    capture_and_check(f, ff);
    fbfront_free(ff);
}

static void test_resize(Fixture *f, gconstpointer data)
{
    FbFront *ff;

    open_vnc(f, NULL);
    ff = attach_connected(f, DOM_A, NULL);
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
    px = image_read(p1, true, &w, &h);
    g_assert_cmpuint(w, ==, 640);
    g_assert_cmpuint(h, ==, 480);
    for (unsigned i = 0; i < w * h; i++) {
        g_assert_cmpuint(px[i], ==, 0);
    }

    fd = rc_connect(f);
    rc_handshake(f, fd);
    g_assert_cmpuint(vnc_display_client_count(f->vd), ==, 1);
    ff = attach_connected(f, DOM_A, NULL);
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
    ff = attach_connected(f, DOM_A, NULL);
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
    ff = attach_connected(f, DOM_A, NULL);
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
    fa = attach_connected(f, DOM_A, NULL);
    fb = attach_connected(f, DOM_B, NULL);
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
    ff = attach_connected(f, DOM_A, NULL);
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
    check_pixels(f, px, w, h, "client");
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
        check_pixels(f, px, w, h, "client");
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
    ff = attach_connected(f, DOM_A, NULL);
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

/*
 * gvnccapture's PNG is opaque where the screen is solid black, as with
 * QEMU's server. gtk-vnc copies a solid ZRLE tile's pixel unconverted,
 * its zero fourth byte becoming alpha, when the server's pixel format
 * equals its own (red in the low byte), which libvncserver's default
 * is: see docs/display.md. Blank, every tile is solid; a guest's
 * screen, black but for a line of text, mixes solid and palette tiles.
 */
static void test_capture_opaque(Fixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "opaque.png", NULL);
    g_auto(GStrv) argv = NULL;
    unsigned w, h;
    FbFront *ff;

    open_vnc(f, NULL);
    argv = capture_argv(f, path);
    g_assert_cmpint(run_child(f, argv, NULL), ==, 0);
    g_assert_cmpuint(image_count_translucent(path, &w, &h), ==, 0);
    g_assert_cmpuint(w, ==, 640);

    ff = attach_connected(f, DOM_A, NULL);
    for (unsigned y = 0; y < fbfront_height(ff); y++) {
        for (unsigned x = 0; x < fbfront_width(ff); x++) {
            bool ink = y < 16 && x % 8 < 5 && y % 16 < 12;

            fbfront_put_pixel(ff, x, y, !ink ? 0 :
                              x / 8 % 7 == 3 ? 0xaa5500 : 0xaaaaaa);
        }
    }
    fbfront_update(ff, 0, 0, fbfront_width(ff), fbfront_height(ff));
    pump(f, 5);
    g_assert_cmpint(run_child(f, argv, NULL), ==, 0);
    g_assert_cmpuint(image_count_translucent(path, &w, &h), ==, 0);
    check_capture(f, path, fbfront_width(ff), fbfront_height(ff));
    fbfront_free(ff);
}

int main(int argc, char **argv)
{
    static const unsigned depths[] = { 8, 16, 24, 32 };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(depths); i++) {
        g_autofree char *name = g_strdup_printf("/vnc/depth/%u", depths[i]);

        fixture_add(name, GUINT_TO_POINTER(depths[i]), test_depth);
    }
    fixture_add("/vnc/resize", NULL, test_resize);
    fixture_add("/vnc/blank-and-two-clients", NULL,
                test_blank_and_two_clients);
    fixture_add("/vnc/unwatched", NULL, test_unwatched);
    fixture_add("/vnc/password", NULL, test_password);
    fixture_add("/vnc/query", NULL, test_query);
    fixture_add("/vnc/keys", NULL, test_keys);
    fixture_add("/vnc/keymap-de", NULL, test_keymap_de);
    fixture_add("/vnc/display-option", NULL, test_display_option);
    fixture_add("/vnc/unix", NULL, test_unix);
    fixture_add("/vnc/console-gone", NULL, test_console_gone);
    fixture_add("/vnc/own-format-resize", NULL, test_own_format_resize);
    fixture_add("/vnc/capture-opaque", NULL, test_capture_opaque);
    return g_test_run();
}
