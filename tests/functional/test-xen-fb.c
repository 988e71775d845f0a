/*
 * The framebuffer backend end to end in EMULATE mode: Xenner's services,
 * the backend core, xen_fb, a display console and the test fbfront. The
 * guest draws known patterns; screendump (PPM and PNG) must equal them
 * bit for bit. Hostile frontends fail their own device only, while
 * another guest's framebuffer keeps working.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

#include "display-fixture.h"

/* ---- patterns ----------------------------------------------------------- */

/*
 * A channel of @bits widened to 8 by repeating its bits (as pixman and
 * QEMU do): 0 stays 0, all ones becomes 255.
 */
static uint32_t scale(uint32_t v, unsigned bits)
{
    switch (bits) {
    case 2:
        return v * 0x55;
    case 3:
        return v << 5 | v << 2 | v >> 1;
    case 5:
        return v << 3 | v >> 2;
    default:
        return v << 2 | v >> 4;
    }
}

/* The pixel as 0x00RRGGBB, by fbif's layouts, computed independently. */
static uint32_t expect_rgb(uint32_t v, unsigned depth)
{
    switch (depth) {
    case 8:
        return scale(v >> 5, 3) << 16 | scale((v >> 2) & 7, 3) << 8 |
               scale(v & 3, 2);
    case 16:
        return scale(v >> 11, 5) << 16 | scale((v >> 5) & 63, 6) << 8 |
               scale(v & 31, 5);
    default:
        return v & 0xffffff;
    }
}

/* screendump in both formats equals the pattern @k the guest drew. */
static void check_screen(Fixture *f, uint16_t domid, FbFront *ff, unsigned k)
{
    for (int png = 0; png < 2; png++) {
        g_autofree char *path = g_build_filename(f->dir, png ? "s.png"
                                                 : "s.ppm", NULL);
        g_autofree uint32_t *px = NULL;
        Error *err = NULL;
        unsigned w, h;

        g_assert_true(console_screendump(console_of(f, domid), path,
                                         png ? "png" : "ppm", &err));
        g_assert_null(err);
        px = image_read(path, png, &w, &h);
        g_assert_cmpuint(w, ==, fbfront_width(ff));
        g_assert_cmpuint(h, ==, fbfront_height(ff));
        for (unsigned y = 0; y < h; y++) {
            for (unsigned x = 0; x < w; x++) {
                uint32_t want = expect_rgb(pattern(x, y, fbfront_depth(ff),
                                                   k), fbfront_depth(ff));

                if (px[y * w + x] != want) {
                    g_error("depth %u %s: pixel %u,%u is %06x, not %06x",
                            fbfront_depth(ff), png ? "png" : "ppm", x, y,
                            px[y * w + x], want);
                }
            }
        }
    }
}

/* The permissions of the mapping that holds @addr, from /proc/self/maps. */
static char *map_perms(const void *addr)
{
    g_autofree char *maps = NULL;
    g_auto(GStrv) lines = NULL;
    uintptr_t a = (uintptr_t)addr;

    g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
    lines = g_strsplit(maps, "\n", -1);
    for (char **l = lines; *l; l++) {
        unsigned long lo, hi;
        char perms[8];

        if (sscanf(*l, "%lx-%lx %7s", &lo, &hi, perms) == 3 && a >= lo &&
            a < hi) {
            return g_strdup(perms);
        }
    }
    return NULL;
}

/* A consumer that counts what it hears, as the VNC server will. */
typedef struct Watcher {
    unsigned updates, resizes;
    uint32_t x, y, w, h;
} Watcher;

static void watch_update(void *opaque, QemuConsole *con, uint32_t x,
                         uint32_t y, uint32_t w, uint32_t h)
{
    Watcher *wt = opaque;

    wt->updates++;
    wt->x = x;
    wt->y = y;
    wt->w = w;
    wt->h = h;
}

static void watch_resize(void *opaque, QemuConsole *con,
                         const DisplaySurface *s)
{
    ((Watcher *)opaque)->resizes++;
}

static const DisplayListenerOps watch_ops = {
    .update = watch_update,
    .resize = watch_resize,
};

/* @wt watches @domid's console, and @ff has been told to refresh. */
static DisplayListener *watch(Fixture *f, uint16_t domid, FbFront *ff,
                              Watcher *wt)
{
    DisplayListener *dl = console_add_listener(console_of(f, domid),
                                               &watch_ops, wt);

    PUMP_UNTIL(f, fbfront_refresh_period(ff) == CONSOLE_REFRESH_MS);
    return dl;
}

/* ---- drawing at each depth, through each ABI ---------------------------- */

typedef struct DepthCase {
    unsigned depth;
    const char *protocol;
} DepthCase;

static void test_depth(Fixture *f, gconstpointer data)
{
    const DepthCase *c = data;
    FbFrontConfig cfg = { .protocol = c->protocol, .depth = c->depth };
    FbFront *ff = attach_connected(f, DOM_A, &cfg);
    Watcher wt = { 0 };
    DisplayListener *dl;
    g_autofree char *ru = NULL, *vr = NULL, *fr = NULL;

    ru = be_read(f, DOM_A, "request-update");
    vr = be_read(f, DOM_A, "videoram");
    fr = be_read(f, DOM_A, "feature-resize");
    g_assert_cmpstr(ru, ==, "1");
    g_assert_cmpstr(vr, ==, "4");
    g_assert_cmpstr(fr, ==, "1");
    g_assert_cmpuint(fbfront_width(ff), ==, 320);
    g_assert_cmpuint(fbfront_height(ff), ==, 200);
    /* the backend maps the guest's framebuffer read-only */
    {
        g_autofree char *perms =
            map_perms(console_surface(console_of(f, DOM_A))->data);

        g_assert_nonnull(perms);
        g_assert_true(g_str_has_prefix(perms, "r-"));
    }
    dl = watch(f, DOM_A, ff, &wt);
    fill(ff, c->depth);
    g_assert_true(fbfront_update(ff, 10, 20, 30, 40));
    PUMP_UNTIL(f, wt.updates == 1);
    g_assert_cmpuint(wt.x, ==, 10);
    g_assert_cmpuint(wt.h, ==, 40);
    check_screen(f, DOM_A, ff, c->depth);
    console_remove_listener(console_of(f, DOM_A), dl);
    fbfront_free(ff);
}

/* ---- resizes ------------------------------------------------------------ */

static void test_resize(Fixture *f, gconstpointer data)
{
    FbFront *ff = attach_connected(f, DOM_A, NULL);
    Watcher wt = { 0 };
    DisplayListener *dl;

    dl = console_add_listener(console_of(f, DOM_A), &watch_ops, &wt);
    /* smaller, 16 bits, past a page of offset, with padded lines */
    g_assert_cmpint(fbfront_resize(ff, 100, 50, 256, 16, 8192), ==, 0);
    fill(ff, 1);
    fbfront_update(ff, 0, 0, 100, 50);
    PUMP_UNTIL(f, wt.resizes == 1 && wt.updates >= 1);
    check_screen(f, DOM_A, ff, 1);
    /* larger than offered at first, up to the end of video memory */
    g_assert_cmpint(fbfront_resize(ff, 1024, 1024, 4096, 32, 0), ==, 0);
    fill(ff, 2);
    fbfront_update(ff, 0, 0, 1024, 1024);
    PUMP_UNTIL(f, wt.resizes == 2 && wt.updates >= 2);
    g_assert_cmpuint(wt.w, ==, 1024);
    check_screen(f, DOM_A, ff, 2);
    console_remove_listener(console_of(f, DOM_A), dl);
    fbfront_free(ff);
}

/* ---- refresh period ----------------------------------------------------- */

static void test_refresh(Fixture *f, gconstpointer data)
{
    FbFront *ff = attach_connected(f, DOM_A, NULL);
    Watcher wt = { 0 };
    DisplayListener *dl;

    /* nobody watches: the guest is told not to refresh, and does not */
    PUMP_UNTIL(f, fbfront_refresh_period(ff) == XENFB_NO_REFRESH);
    fill(ff, 3);
    g_assert_false(fbfront_update(ff, 0, 0, 320, 200));
    g_assert_cmpuint(fbfront_updates_sent(ff), ==, 0);
    /* a consumer comes: the period, then what was drawn meanwhile */
    dl = console_add_listener(console_of(f, DOM_A), &watch_ops, &wt);
    PUMP_UNTIL(f, wt.updates == 1);
    g_assert_cmpint(fbfront_refresh_period(ff), ==, CONSOLE_REFRESH_MS);
    g_assert_cmpuint(wt.w, ==, 320);
    check_screen(f, DOM_A, ff, 3);
    console_remove_listener(console_of(f, DOM_A), dl);
    PUMP_UNTIL(f, fbfront_refresh_period(ff) == XENFB_NO_REFRESH);
    fbfront_free(ff);
}

/*
 * A frontend without feature-update sends no events: while watched, the
 * consumer gets the whole screen each period instead; unwatched, no
 * timer runs.
 */
static void test_no_feature_update(Fixture *f, gconstpointer data)
{
    FbFrontConfig cfg = { .no_feature_update = true };
    FbFront *ff = attach_connected(f, DOM_A, &cfg);
    g_autofree char *ru = NULL;
    Watcher wt = { 0 };
    DisplayListener *dl;

    ru = be_read(f, DOM_A, "request-update");
    g_assert_cmpstr(ru, ==, "0");
    fill(ff, 5);
    dl = console_add_listener(console_of(f, DOM_A), &watch_ops, &wt);
    PUMP_UNTIL(f, wt.updates >= 2);
    g_assert_cmpuint(fbfront_updates_sent(ff), ==, 0);
    g_assert_cmpuint(wt.x, ==, 0);
    g_assert_cmpuint(wt.w, ==, 320);
    g_assert_cmpuint(wt.h, ==, 200);
    check_screen(f, DOM_A, ff, 5);
    console_remove_listener(console_of(f, DOM_A), dl);
    fbfront_free(ff);
}

/*
 * A frontend that closes and starts over (a rebooted or kexec'd guest)
 * is served again: a fresh mapping, the refresh period sent anew.
 */
static void test_reconnect(Fixture *f, gconstpointer data)
{
    FbFront *ff = attach_connected(f, DOM_A, NULL);
    Watcher wt = { 0 };
    DisplayListener *dl;

    dl = watch(f, DOM_A, ff, &wt);
    fill(ff, 6);
    check_screen(f, DOM_A, ff, 6);
    fbfront_free(ff);
    PUMP_UNTIL(f, console_surface(console_of(f, DOM_A)) == NULL);
    {
        g_autofree char *state = NULL;

        for (int i = 0; i < 20000; i++) {
            g_free(state);
            state = be_read(f, DOM_A, "state");
            if (state && !strcmp(state, "6")) {
                break;
            }
            g_assert_true(event_loop_run_once(f->loop, 1, NULL));
        }
        g_assert_cmpstr(state, ==, "6");
    }
    ff = fbfront_new(f->ga, 0, NULL, NULL, NULL);
    PUMP_UNTIL(f, fbfront_connected(ff));
    PUMP_UNTIL(f, fbfront_refresh_period(ff) == CONSOLE_REFRESH_MS);
    fill(ff, 7);
    g_assert_true(fbfront_update(ff, 0, 0, 320, 200));
    PUMP_UNTIL(f, wt.x == 0 && wt.w == 320 && wt.h == 200);
    check_screen(f, DOM_A, ff, 7);
    console_remove_listener(console_of(f, DOM_A), dl);
    fbfront_free(ff);
}

/* A full ring is legal: 51 events at once, all taken. */
static void test_full_ring(Fixture *f, gconstpointer data)
{
    FbFront *ff = attach_connected(f, DOM_A, NULL);
    Watcher wt = { 0 };
    DisplayListener *dl;

    dl = watch(f, DOM_A, ff, &wt);
    fill(ff, 4);
    for (unsigned i = 0; i < XENFB_OUT_RING_LEN; i++) {
        g_assert_true(fbfront_update(ff, i, i, 1, 1));
    }
    g_assert_false(fbfront_update(ff, 0, 0, 1, 1));  /* full */
    PUMP_UNTIL(f, fbfront_page(ff)->out_cons == fbfront_page(ff)->out_prod);
    g_assert_cmpuint(wt.updates, >=, 1);
    g_assert_true(fbfront_connected(ff));
    g_assert_true(fbfront_update(ff, 0, 0, 1, 1));
    console_remove_listener(console_of(f, DOM_A), dl);
    fbfront_free(ff);
}

/* ---- hostile frontends -------------------------------------------------- */

typedef enum Attack {
    ATTACK_MEM_LENGTH,          /* CVE-2008-1952: mem_length unclamped */
    ATTACK_GEOMETRY,            /* width*height*depth beyond mem_length */
    ATTACK_DEPTH,
    ATTACK_PD_FRAME,            /* a directory frame the guest lacks */
    ATTACK_FB_FRAME,            /* a framebuffer frame the guest lacks */
    ATTACK_RESIZE_NEGATIVE,
    ATTACK_RESIZE_HUGE,
    ATTACK_UPDATE_OUTSIDE,
    ATTACK_PROD_FAR,            /* out_prod 2^31 past out_cons */
    ATTACK_CONS_PAST_PROD,      /* out_cons > out_prod */
    ATTACK_PROTOCOL,
    ATTACK_IN_FAR,              /* in_cons 2^31 away from in_prod */
} Attack;

static void honest_b_works(Fixture *f, FbFront *fb_b)
{
    Watcher wt = { 0 };
    DisplayListener *dl = watch(f, DOM_B, fb_b, &wt);

    fill(fb_b, 9);
    g_assert_true(fbfront_update(fb_b, 0, 0, 320, 200));
    PUMP_UNTIL(f, wt.updates >= 1);
    check_screen(f, DOM_B, fb_b, 9);
    console_remove_listener(console_of(f, DOM_B), dl);
}

static void test_hostile(Fixture *f, gconstpointer data)
{
    Attack attack = GPOINTER_TO_INT(data);
    FbFrontConfig cfg = {
        .protocol = attack == ATTACK_PROTOCOL ? "arm-abi" : NULL,
    };
    FbFront *fb_b = attach_dom(f, DOM_B, NULL);
    FbFront *fb_a = attach(f, &cfg);
    struct xenfb_page *page = fbfront_page(fb_a);
    union xenfb_out_event ev;
    g_autofree char *error = NULL;
    bool at_setup = true;

    memset(&ev, 0, sizeof(ev));
    switch (attack) {
    case ATTACK_MEM_LENGTH:
        page->mem_length = UINT32_MAX;
        break;
    case ATTACK_GEOMETRY:
        page->height = 100000;
        break;
    case ATTACK_DEPTH:
        page->depth = 12;
        break;
    case ATTACK_PD_FRAME:
        page->pd[0] = 1ul << 39;
        break;
    case ATTACK_FB_FRAME: {
        /* the first directory page's first entry */
        uint64_t dir = page->pd[0];
        uint64_t *entries = xenner_guest_page(f->ga, dir);

        entries[0] = MEM_FRAMES + 5;
        break;
    }
    case ATTACK_PROTOCOL:
        break;
    default:
        at_setup = false;
        break;
    }
    PUMP_UNTIL(f, fbfront_connected(fb_b));
    if (at_setup) {
        PUMP_UNTIL(f, fbfront_closed(fb_a));
    } else {
        PUMP_UNTIL(f, fbfront_connected(fb_a));
        switch (attack) {
        case ATTACK_RESIZE_NEGATIVE:
            ev.resize = (struct xenfb_resize) {
                XENFB_TYPE_RESIZE, -320, 200, 1280, 32, 0 };
            g_assert_cmpint(fbfront_push_raw(fb_a, &ev), ==, 0);
            break;
        case ATTACK_RESIZE_HUGE:
            ev.resize = (struct xenfb_resize) {
                XENFB_TYPE_RESIZE, 65536, 65536, INT32_MAX, 32,
                INT32_MAX };
            g_assert_cmpint(fbfront_push_raw(fb_a, &ev), ==, 0);
            break;
        case ATTACK_UPDATE_OUTSIDE:
            ev.update = (struct xenfb_update) {
                XENFB_TYPE_UPDATE, 300, 190, 100, 100 };
            g_assert_cmpint(fbfront_push_raw(fb_a, &ev), ==, 0);
            break;
        case ATTACK_PROD_FAR:
            page->out_prod = page->out_cons + 0x80000000u;
            ev.type = 99;
            g_assert_cmpint(fbfront_push_raw(fb_a, &ev), ==, -EPROTO);
            break;
        case ATTACK_CONS_PAST_PROD:
            page->out_cons = page->out_prod + 1;
            break;
        case ATTACK_IN_FAR: {
            /* the next REFRESH_PERIOD, for a consumer, finds no sane room */
            Watcher wt = { 0 };

            page->in_cons = page->in_prod + 0x80000000u;
            console_remove_listener(console_of(f, DOM_A),
                console_add_listener(console_of(f, DOM_A), &watch_ops,
                                     &wt));
            break;
        }
        default:
            g_assert_not_reached();
        }
        fbfront_notify(fb_a);
        PUMP_UNTIL(f, fbfront_closed(fb_a));
    }
    error = be_read(f, DOM_A, "error");
    g_assert_nonnull(error);
    g_test_message("device failed: %s", error);
    g_assert_null(console_surface(console_of(f, DOM_A)));
    honest_b_works(f, fb_b);
    fbfront_free(fb_a);
    fbfront_free(fb_b);
}

int main(int argc, char **argv)
{
    static const DepthCase depths[] = {
        { 8, XEN_IO_PROTO_ABI_X86_32 }, { 16, XEN_IO_PROTO_ABI_X86_64 },
        { 24, NULL }, { 32, XEN_IO_PROTO_ABI_X86_32 },
        { 32, XEN_IO_PROTO_ABI_X86_64 },
    };
    static const char *const attacks[] = {
        "mem-length", "geometry", "depth", "pd-frame", "fb-frame",
        "resize-negative", "resize-huge", "update-outside", "prod-far",
        "cons-past-prod", "protocol", "in-far",
    };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(depths); i++) {
        g_autofree char *name = g_strdup_printf(
            "/xen-fb/depth/%u/%s", depths[i].depth,
            depths[i].protocol ? depths[i].protocol : "none");

        fixture_add(name, &depths[i], test_depth);
    }
    fixture_add("/xen-fb/resize", NULL, test_resize);
    fixture_add("/xen-fb/refresh", NULL, test_refresh);
    fixture_add("/xen-fb/no-feature-update", NULL, test_no_feature_update);
    fixture_add("/xen-fb/reconnect", NULL, test_reconnect);
    fixture_add("/xen-fb/full-ring", NULL, test_full_ring);
    for (size_t i = 0; i < G_N_ELEMENTS(attacks); i++) {
        g_autofree char *name = g_strdup_printf("/xen-fb/hostile/%s",
                                                attacks[i]);

        fixture_add(name, GINT_TO_POINTER(i), test_hostile);
    }
    return g_test_run();
}
