/*
 * The display's functional tests' common part; see display-fixture.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "display-fixture.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *prog = g_path_get_basename(g_get_prgname());
    g_autofree char *tmpl = g_strdup_printf("%s-XXXXXX", prog);

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
    f->dir = g_dir_make_tmp(tmpl, NULL);
    g_assert_nonnull(f->dir);
}

void fixture_teardown(Fixture *f, gconstpointer data)
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

void fixture_add(const char *path, gconstpointer data,
                 void (*fn)(Fixture *f, gconstpointer data))
{
    g_test_add(path, Fixture, data, fixture_setup, fn, fixture_teardown);
}

void pump(Fixture *f, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        g_assert_true(event_loop_run_once(f->loop, 1, NULL));
    }
}

/* Opens the display on a free loopback port (to= finds one), keymap @km. */
void open_vnc_km(Fixture *f, const char *extra, const char *km)
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

void open_vnc(Fixture *f, const char *extra)
{
    open_vnc_km(f, extra, NULL);
}

XennerGuest *guest_of(Fixture *f, uint16_t domid)
{
    return domid == DOM_A ? f->ga : f->gb;
}

/* Creates the vfb of @domid as the toolstack would, then the frontend. */
FbFront *attach_dom(Fixture *f, uint16_t domid, const FbFrontConfig *cfg)
{
    XenFbConfig c;

    xen_fb_config_default(&c);
    c.width = 320;
    c.height = 200;
    c.videoram_mb = 4;
    g_assert_true(xen_fb_create(f->be, domid, 0, &c, NULL));
    pump(f, 5);
    return fbfront_new(guest_of(f, domid), 0, cfg, NULL, NULL);
}

FbFront *attach(Fixture *f, const FbFrontConfig *cfg)
{
    return attach_dom(f, DOM_A, cfg);
}

FbFront *attach_connected(Fixture *f, uint16_t domid,
                          const FbFrontConfig *cfg)
{
    FbFront *ff = attach_dom(f, domid, cfg);

    PUMP_UNTIL(f, fbfront_connected(ff));
    return ff;
}

QemuConsole *console_of(Fixture *f, uint16_t domid)
{
    g_autofree char *label = xen_fb_console_label(domid, 0);

    return console_list_lookup(f->consoles, label, 0, NULL);
}

char *be_read(Fixture *f, uint16_t domid, const char *key)
{
    g_autofree char *path = g_strdup_printf(
        "/local/domain/0/backend/vfb/%u/0/%s", domid, key);

    return xenner_guest_xs_read(guest_of(f, domid), path);
}

uint32_t pattern(unsigned x, unsigned y, unsigned depth, unsigned k)
{
    uint32_t v = (x * 2654435761u) ^ (y * 40503u) ^ (k * 0x9e3779b9u);

    v ^= v >> 13;
    return depth == 32 ? v & 0xffffff : v & ((1u << depth) - 1);
}

void fill(FbFront *ff, unsigned k)
{
    for (unsigned y = 0; y < fbfront_height(ff); y++) {
        for (unsigned x = 0; x < fbfront_width(ff); x++) {
            fbfront_put_pixel(ff, x, y, pattern(x, y, fbfront_depth(ff), k));
        }
    }
}

void draw(FbFront *ff, unsigned k)
{
    fill(ff, k);
    fbfront_update(ff, 0, 0, fbfront_width(ff), fbfront_height(ff));
}

/* ---- child processes ---------------------------------------------------- */

/* Waits for a child run_child() started with @pid_out. */
int wait_child(Fixture *f, GPid pid)
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

/* Runs @argv while the loop runs; its exit status (-1: a signal). */
int run_child(Fixture *f, char **argv, GPid *pid_out)
{
    GError *gerr = NULL;
    GPid pid;

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
    return wait_child(f, pid);
}

char **capture_argv(Fixture *f, const char *path)
{
    char **argv = g_new0(char *, 5);

    argv[0] = g_strdup("gvnccapture");
    argv[1] = g_strdup("-q");
    argv[2] = g_strdup_printf("127.0.0.1:%d", f->port - 5900);
    argv[3] = g_strdup(path);
    return argv;
}

/* @px, from @what, equals screendump of the shown console. */
void check_pixels(Fixture *f, const uint32_t *px, unsigned w, unsigned h,
                  const char *what)
{
    g_autofree char *dump = g_build_filename(f->dir, "dump.png", NULL);
    g_autofree uint32_t *b = NULL;
    unsigned bw, bh;

    g_assert_true(console_screendump(vnc_display_console(f->vd), dump,
                                     "png", NULL));
    b = image_read(dump, true, &bw, &bh);
    g_assert_cmpuint(bw, ==, w);
    g_assert_cmpuint(bh, ==, h);
    for (unsigned i = 0; i < w * h; i++) {
        if (px[i] != b[i]) {
            g_error("pixel %u,%u: %s %06x, screendump %06x", i % w, i / w,
                    what, px[i], b[i]);
        }
    }
}

/* The capture at @path equals screendump, and is @w x @h. */
void check_capture(Fixture *f, const char *path, unsigned w, unsigned h)
{
    g_autofree uint32_t *a = NULL;
    unsigned aw, ah;

    a = image_read(path, true, &aw, &ah);
    g_assert_cmpuint(aw, ==, w);
    g_assert_cmpuint(ah, ==, h);
    check_pixels(f, a, w, h, "capture");
}

void capture_and_check(Fixture *f, FbFront *ff)
{
    g_autofree char *path = g_build_filename(f->dir, "cap.png", NULL);
    g_auto(GStrv) argv = capture_argv(f, path);

    g_assert_cmpint(run_child(f, argv, NULL), ==, 0);
    check_capture(f, path, fbfront_width(ff), fbfront_height(ff));
}

/* ---- a raw RFB client, for what real clients do not send ---------------- */

int rc_connect(Fixture *f)
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
bool rc_read(Fixture *f, int fd, void *buf, size_t len)
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

void rc_write(int fd, const void *buf, size_t len)
{
    g_assert_cmpint(send(fd, buf, len, MSG_NOSIGNAL), ==, len);
}

/* Until the server closes @fd (whatever it sends first is drained). */
void rc_wait_closed(Fixture *f, int fd)
{
    char buf[4096];

    while (rc_read(f, fd, buf, 1)) {
        continue;
    }
}

/* Version, no security, ClientInit shared: the client is ready. */
void rc_handshake(Fixture *f, int fd)
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

/* Net::VNC logs in and sends what @script says ($v is the client). */
void net_vnc(Fixture *f, const char *script)
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
char *events_since(KbdFront *kf, guint from)
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

KbdFront *attach_kbd_dom(Fixture *f, uint16_t domid)
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

KbdFront *attach_kbd(Fixture *f)
{
    return attach_kbd_dom(f, DOM_A);
}

void put32(uint8_t *p, uint32_t v)
{
    v = htonl(v);
    memcpy(p, &v, 4);
}

uint32_t get32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return ntohl(v);
}

