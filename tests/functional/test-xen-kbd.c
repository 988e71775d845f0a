/*
 * The vkbd backend end to end in EMULATE mode: events sent through the
 * input API reach the test kbdfront (a frontend behaving as Linux's
 * xen-kbdfront) with the features it read at probe, scaled to the range
 * it was told, and rescaled when the display's size changes; the ring-
 * full policy; hostile frontends fail their own device only, while
 * another guest's keyboard keeps working.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <string.h>

#include "hw/xen/xen_kbd.h"
#include "hw/xen/xen_kbd_queue.h"
#include "ui/input.h"
#include "xenner/guests/kbdfront.h"
#include "xenner/guest.h"
#include "xenner/xenner.h"

#define DOMID 5
#define OTHER 6                 /* a second guest, which must not notice */
#define MEM_FRAMES 4096

typedef struct Fixture {
    EventLoop *loop;
    XsTree *tree;
    Xenner *x;
    XenBackend *be;
    InputHub *hub;
    XennerGuest *guest, *other;
    GPtrArray *fronts;          /* KbdFront */
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    memset(f, 0, sizeof(*f));
    f->loop = event_loop_new(NULL);
    f->tree = xenner_xs_tree_new();
    f->x = xenner_new(f->loop, f->tree, NULL);
    g_assert_nonnull(f->x);
    g_assert_true(xenner_domain_create(f->x, DOMID, "kbd", MEM_FRAMES, NULL));
    g_assert_true(xenner_domain_create(f->x, OTHER, "other", MEM_FRAMES,
                                       NULL));
    f->guest = xenner_guest_new(f->x, DOMID, NULL);
    f->other = xenner_guest_new(f->x, OTHER, NULL);
    g_assert_nonnull(f->guest);
    g_assert_nonnull(f->other);
    f->be = xen_backend_new(f->loop, xenner_services(f->x), 0, NULL);
    g_assert_nonnull(f->be);
    f->hub = input_hub_new();
    g_assert_true(xen_kbd_register(f->be, f->hub, NULL));
    f->fronts = g_ptr_array_new_with_free_func((GDestroyNotify)kbdfront_free);
}

static void pump(Fixture *f, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        g_assert_true(event_loop_run_once(f->loop, 1, NULL));
    }
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_ptr_array_free(f->fronts, true);
    pump(f, 50);
    xen_backend_free(f->be);
    input_hub_free(f->hub);
    xenner_guest_free(f->guest);
    xenner_guest_free(f->other);
    xenner_domain_destroy(f->x, DOMID);
    xenner_domain_destroy(f->x, OTHER);
    xenner_free(f->x);
    xenner_xs_tree_free(f->tree);
    event_loop_free(f->loop);
}

static char *be_key(Fixture *f, uint16_t domid, const char *key)
{
    g_autofree char *path = g_strdup_printf(
        "/local/domain/0/backend/vkbd/%u/0/%s", domid, key);

    return xenner_guest_xs_read(f->guest, path);
}

static bool be_failed(Fixture *f, uint16_t domid)
{
    g_autofree char *error = be_key(f, domid, "error");

    return error != NULL;
}

static void pump_until_failed(Fixture *f, uint16_t domid)
{
    for (int i = 0; i < 20000 && !be_failed(f, domid); i++) {
        pump(f, 1);
    }
    g_assert_true(be_failed(f, domid));
}

static KbdFront *attach(Fixture *f, XennerGuest *g, const XenKbdOpts *opts,
                        const KbdFrontConfig *cfg, bool wait)
{
    uint16_t domid = xenner_guest_domid(g);
    XenKbdOpts def;
    KbdFront *kf;

    if (!opts) {
        xen_kbd_opts_default(&def);
        opts = &def;
    }
    g_assert_true(xen_kbd_create(f->be, domid, 0, opts, NULL));
    pump(f, 5);
    kf = kbdfront_new(g, 0, cfg, NULL, NULL);
    g_ptr_array_add(f->fronts, kf);
    for (int i = 0; wait && i < 20000 && !kbdfront_connected(kf); i++) {
        pump(f, 1);
    }
    g_assert_true(!wait || kbdfront_connected(kf));
    return kf;
}

/* Runs the loop until @kf has recorded @n events in all. */
static void pump_events(Fixture *f, KbdFront *kf, guint n)
{
    for (int i = 0; i < 20000 && kbdfront_events(kf)->len < n; i++) {
        pump(f, 1);
    }
    g_assert_cmpuint(kbdfront_events(kf)->len, ==, n);
}

static const union xenkbd_in_event *ev_at(KbdFront *kf, guint i)
{
    return &g_array_index(kbdfront_events(kf), union xenkbd_in_event, i);
}

static void assert_key(KbdFront *kf, guint i, unsigned code, bool down)
{
    const union xenkbd_in_event *ev = ev_at(kf, i);

    g_assert_cmpuint(ev->type, ==, XENKBD_TYPE_KEY);
    g_assert_cmpuint(ev->key.keycode, ==, code);
    g_assert_cmpuint(ev->key.pressed, ==, down);
}

static void assert_pos(KbdFront *kf, guint i, int x, int y, int z)
{
    const union xenkbd_in_event *ev = ev_at(kf, i);

    g_assert_cmpuint(ev->type, ==, XENKBD_TYPE_POS);
    g_assert_cmpint(ev->pos.abs_x, ==, x);
    g_assert_cmpint(ev->pos.abs_y, ==, y);
    g_assert_cmpint(ev->pos.rel_z, ==, z);
}

static void assert_motion(KbdFront *kf, guint i, int x, int y, int z)
{
    const union xenkbd_in_event *ev = ev_at(kf, i);

    g_assert_cmpuint(ev->type, ==, XENKBD_TYPE_MOTION);
    g_assert_cmpint(ev->motion.rel_x, ==, x);
    g_assert_cmpint(ev->motion.rel_y, ==, y);
    g_assert_cmpint(ev->motion.rel_z, ==, z);
}

/* ---- features and events ------------------------------------------------ */

static void test_features(Fixture *f, gconstpointer data)
{
    XenKbdOpts o;
    KbdFront *kf;
    const KbdFrontFeatures *feat;
    g_autofree char *req_abs = NULL, *req_mt = NULL, *feat_raw = NULL;

    xen_kbd_opts_default(&o);
    o.width = 1024;
    o.height = 768;
    o.multi_touch = true;
    o.mt_width = 2048;
    o.mt_height = 1536;
    o.mt_contacts = 5;
    o.unique_id = g_strdup("kbd-1");
    kf = attach(f, f->guest, &o, NULL, true);
    xen_kbd_opts_clear(&o);
    feat = kbdfront_features(kf);
    /* All of it was there when the frontend probed. */
    g_assert_true(feat->with_kbd);
    g_assert_true(feat->with_ptr);
    g_assert_true(feat->abs);
    g_assert_true(feat->mtouch);
    g_assert_cmpuint(feat->width, ==, 1024);
    g_assert_cmpuint(feat->height, ==, 768);
    g_assert_cmpuint(feat->mt_width, ==, 2048);
    g_assert_cmpuint(feat->mt_height, ==, 1536);
    g_assert_cmpuint(feat->mt_contacts, ==, 5);
    g_assert_cmpstr(feat->unique_id, ==, "kbd-1");
    req_abs = xenner_guest_xs_read(f->guest, "device/vkbd/0/request-abs-pointer");
    req_mt = xenner_guest_xs_read(f->guest, "device/vkbd/0/request-multi-touch");
    feat_raw = be_key(f, DOMID, "feature-raw-pointer");
    g_assert_cmpstr(req_abs, ==, "1");
    g_assert_cmpstr(req_mt, ==, "1");
    g_assert_cmpstr(feat_raw, ==, "1");
}

static void test_events(Fixture *f, gconstpointer data)
{
    InputConsole *ic = input_hub_console(f->hub, DOMID);
    XenKbdOpts o;
    KbdFront *kf;

    xen_kbd_opts_default(&o);
    o.width = 1024;
    o.height = 768;
    kf = attach(f, f->guest, &o, NULL, true);

    input_send_key(ic, KEY_A, true);
    input_send_key(ic, KEY_A, false);
    input_send_key(ic, BTN_LEFT, true);
    input_send_rel(ic, 5, -3);
    input_send_wheel(ic, -1);
    /* The display is 800x600 until told otherwise. */
    input_send_abs(ic, 0, 0);
    input_send_abs(ic, 799, 599);
    input_send_abs(ic, 400, 300);
    input_send_abs(ic, 5000, 5000);          /* off the screen: the edge */
    pump_events(f, kf, 9);
    assert_key(kf, 0, KEY_A, true);
    assert_key(kf, 1, KEY_A, false);
    assert_key(kf, 2, BTN_LEFT, true);
    assert_motion(kf, 3, 5, -3, 0);
    assert_motion(kf, 4, 0, 0, -1);
    assert_pos(kf, 5, 0, 0, 0);
    assert_pos(kf, 6, 1023, 767, 0);
    /* 400 * 1023 / 799 = 512.1, 300 * 767 / 599 = 384.1 */
    assert_pos(kf, 7, 512, 384, 0);
    assert_pos(kf, 8, 1023, 767, 0);

    /* The framebuffer grew: the same guest range spans the new size. */
    input_console_set_display_size(ic, 1600, 1200);
    input_send_abs(ic, 1599, 1199);
    input_send_abs(ic, 800, 600);
    input_send_abs(ic, 799, 599);
    pump_events(f, kf, 12);
    assert_pos(kf, 9, 1023, 767, 0);
    /* 800 * 1023 / 1599 = 511.8, 600 * 767 / 1199 = 383.8 */
    assert_pos(kf, 10, 512, 384, 0);
    /* 799 * 1023 / 1599 = 511.2, 599 * 767 / 1199 = 383.2 */
    assert_pos(kf, 11, 511, 383, 0);

    /* And shrank to the guest's own size: one to one. */
    input_console_set_display_size(ic, 1024, 768);
    input_send_abs(ic, 123, 456);
    pump_events(f, kf, 13);
    assert_pos(kf, 12, 123, 456, 0);
    g_assert_false(be_failed(f, DOMID));
}

static void test_mtouch(Fixture *f, gconstpointer data)
{
    InputConsole *ic = input_hub_console(f->hub, DOMID);
    const union xenkbd_in_event *ev;
    XenKbdOpts o;
    KbdFront *kf;

    xen_kbd_opts_default(&o);
    o.multi_touch = true;
    o.mt_width = 1600;
    o.mt_height = 1200;
    o.mt_contacts = 2;
    kf = attach(f, f->guest, &o, NULL, true);
    input_send_mt(ic, INPUT_MT_DOWN, 1, 799, 599);
    input_send_mt(ic, INPUT_MT_MOTION, 1, 0, 0);
    input_send_mt(ic, INPUT_MT_DOWN, 2, 10, 10);   /* beyond the contacts */
    input_send_mt(ic, INPUT_MT_UP, 1, 0, 0);
    input_send_mt(ic, INPUT_MT_SYN, 0, 0, 0);
    pump_events(f, kf, 4);
    ev = ev_at(kf, 0);
    g_assert_cmpuint(ev->type, ==, XENKBD_TYPE_MTOUCH);
    g_assert_cmpuint(ev->mtouch.event_type, ==, XENKBD_MT_EV_DOWN);
    g_assert_cmpuint(ev->mtouch.contact_id, ==, 1);
    g_assert_cmpint(ev->mtouch.u.pos.abs_x, ==, 1599);
    g_assert_cmpint(ev->mtouch.u.pos.abs_y, ==, 1199);
    ev = ev_at(kf, 1);
    g_assert_cmpuint(ev->mtouch.event_type, ==, XENKBD_MT_EV_MOTION);
    g_assert_cmpint(ev->mtouch.u.pos.abs_x, ==, 0);
    ev = ev_at(kf, 2);
    g_assert_cmpuint(ev->mtouch.event_type, ==, XENKBD_MT_EV_UP);
    g_assert_cmpuint(ev->mtouch.contact_id, ==, 1);
    ev = ev_at(kf, 3);
    g_assert_cmpuint(ev->mtouch.event_type, ==, XENKBD_MT_EV_SYN);
}

/* A frontend without an absolute pointer gets positions as motion. */
static void test_relative(Fixture *f, gconstpointer data)
{
    InputConsole *ic = input_hub_console(f->hub, DOMID);
    KbdFrontConfig cfg = { .no_abs = true };
    KbdFront *kf = attach(f, f->guest, NULL, &cfg, true);

    g_assert_false(kbdfront_features(kf)->abs);
    input_send_abs(ic, 100, 100);            /* where it starts */
    input_send_abs(ic, 110, 95);
    input_send_abs(ic, 110, 95);             /* no motion, no event */
    input_send_abs(ic, 100, 100);
    pump_events(f, kf, 2);
    assert_motion(kf, 0, 10, -5, 0);
    assert_motion(kf, 1, -10, 5, 0);
}

/* request-raw-pointer: the display's own pixels, unscaled. */
static void test_raw(Fixture *f, gconstpointer data)
{
    InputConsole *ic = input_hub_console(f->hub, DOMID);
    KbdFrontConfig cfg = { .want_raw = true };
    XenKbdOpts o;
    KbdFront *kf;

    xen_kbd_opts_default(&o);
    o.width = 1024;
    o.height = 768;
    kf = attach(f, f->guest, &o, &cfg, true);
    input_send_abs(ic, 400, 300);
    input_send_abs(ic, 900, 900);
    pump_events(f, kf, 2);
    assert_pos(kf, 0, 400, 300, 0);
    assert_pos(kf, 1, 799, 599, 0);
}

/* A frontend without page-gref: the frame in page-ref is mapped. */
static void test_page_ref(Fixture *f, gconstpointer data)
{
    InputConsole *ic = input_hub_console(f->hub, DOMID);
    KbdFrontConfig cfg = { .no_gref = true };
    KbdFront *kf = attach(f, f->guest, NULL, &cfg, true);

    input_send_key(ic, KEY_ENTER, true);
    pump_events(f, kf, 1);
    assert_key(kf, 0, KEY_ENTER, true);
}

static void test_disable(Fixture *f, gconstpointer data)
{
    InputConsole *ic = input_hub_console(f->hub, DOMID);
    XenKbdOpts o;
    KbdFront *kf;

    xen_kbd_opts_default(&o);
    o.disable_keyboard = true;
    kf = attach(f, f->guest, &o, NULL, true);
    g_assert_false(kbdfront_features(kf)->with_kbd);
    g_assert_true(kbdfront_features(kf)->with_ptr);
    input_send_key(ic, KEY_A, true);         /* no keyboard: not sent */
    input_send_key(ic, BTN_RIGHT, true);
    pump_events(f, kf, 1);
    assert_key(kf, 0, BTN_RIGHT, true);
}

/* ---- a guest that stops reading ------------------------------------------- */

/*
 * The ring (51 events) and the backlog (64) fill; then pointer motion
 * goes, oldest first, and every key arrives, in order, and so does the
 * last position.
 */
static void test_ring_full_motion(Fixture *f, gconstpointer data)
{
    InputConsole *ic = input_hub_console(f->hub, DOMID);
    KbdFrontConfig cfg = { .paused = true };
    KbdFront *kf = attach(f, f->guest, NULL, &cfg, true);
    const unsigned ring = XENKBD_IN_RING_LEN;
    unsigned keys = 0, last_x = 0;
    GArray *evs;

    for (unsigned i = 0; i < ring; i++) {
        input_send_abs(ic, i, 0);
    }
    input_send_key(ic, KEY_A, true);
    for (unsigned i = 0; i < 100; i++) {
        input_send_abs(ic, 100 + i, 1);
    }
    input_send_key(ic, KEY_A, false);
    pump(f, 10);
    g_assert_cmpuint(kbdfront_events(kf)->len, ==, 0);
    kbdfront_resume(kf);
    pump_events(f, kf, ring + XEN_KBD_QUEUE_LEN);
    evs = kbdfront_events(kf);
    for (unsigned i = 0; i < ring; i++) {
        assert_pos(kf, i, i, 0, 0);
    }
    for (guint i = ring; i < evs->len; i++) {
        const union xenkbd_in_event *ev = ev_at(kf, i);

        if (ev->type == XENKBD_TYPE_KEY) {
            assert_key(kf, i, KEY_A, keys == 0);
            keys++;
        } else {
            g_assert_cmpuint(ev->type, ==, XENKBD_TYPE_POS);
            /* The survivors keep their order. */
            g_assert_cmpint(ev->pos.abs_x, >, last_x);
            last_x = ev->pos.abs_x;
        }
    }
    g_assert_cmpuint(keys, ==, 2);
    assert_key(kf, evs->len - 1, KEY_A, false);
    assert_pos(kf, evs->len - 2, 199, 1, 0);
    g_assert_false(be_failed(f, DOMID));
}

/* Relative motion dropped is not distance lost: it joins the next. */
static void test_ring_full_relative(Fixture *f, gconstpointer data)
{
    InputConsole *ic = input_hub_console(f->hub, DOMID);
    KbdFrontConfig cfg = { .paused = true };
    KbdFront *kf = attach(f, f->guest, NULL, &cfg, true);
    int64_t sum_x = 0;
    unsigned total = XENKBD_IN_RING_LEN + XEN_KBD_QUEUE_LEN + 40;

    for (unsigned i = 0; i < total; i++) {
        input_send_rel(ic, 1, 0);
    }
    kbdfront_resume(kf);
    pump_events(f, kf, XENKBD_IN_RING_LEN + XEN_KBD_QUEUE_LEN);
    for (guint i = 0; i < kbdfront_events(kf)->len; i++) {
        sum_x += ev_at(kf, i)->motion.rel_x;
    }
    g_assert_cmpint(sum_x, ==, total);
}

/* With nothing but keys waiting, the oldest of the backlog goes. */
static void test_ring_full_keys(Fixture *f, gconstpointer data)
{
    InputConsole *ic = input_hub_console(f->hub, DOMID);
    KbdFrontConfig cfg = { .paused = true };
    KbdFront *kf = attach(f, f->guest, NULL, &cfg, true);
    const unsigned ring = XENKBD_IN_RING_LEN, extra = 10;

    for (unsigned i = 0; i < ring + XEN_KBD_QUEUE_LEN + extra; i++) {
        input_send_key(ic, KEY_ESC + i % 50, i % 2 == 0);
    }
    kbdfront_resume(kf);
    pump_events(f, kf, ring + XEN_KBD_QUEUE_LEN);
    for (unsigned i = 0; i < ring; i++) {
        assert_key(kf, i, KEY_ESC + i % 50, i % 2 == 0);
    }
    for (unsigned i = ring; i < ring + XEN_KBD_QUEUE_LEN; i++) {
        unsigned sent = i + extra;

        assert_key(kf, i, KEY_ESC + sent % 50, sent % 2 == 0);
    }
}

/* ---- hostile frontends ------------------------------------------------------ */

/* The other guest's keyboard, which must keep working. */
static KbdFront *attach_bystander(Fixture *f)
{
    return attach(f, f->other, NULL, NULL, true);
}

static void assert_bystander_works(Fixture *f, KbdFront *kf)
{
    guint before = kbdfront_events(kf)->len;

    input_send_key(input_hub_console(f->hub, OTHER), KEY_Q, true);
    pump_events(f, kf, before + 1);
    assert_key(kf, before, KEY_Q, true);
    g_assert_false(be_failed(f, OTHER));
}

static void test_hostile_gref(Fixture *f, gconstpointer data)
{
    KbdFront *other = attach_bystander(f);
    KbdFrontConfig cfg = { .bad_gref = true };
    g_autofree char *error = NULL;

    attach(f, f->guest, NULL, &cfg, false);
    pump_until_failed(f, DOMID);
    error = be_key(f, DOMID, "error");
    g_test_message("error = %s", error);
    input_send_key(input_hub_console(f->hub, DOMID), KEY_A, true);
    assert_bystander_works(f, other);
}

static void test_hostile_in_indices(Fixture *f, gconstpointer data)
{
    KbdFront *other = attach_bystander(f);
    KbdFront *kf = attach(f, f->guest, NULL, NULL, true);
    struct xenkbd_page *page = kbdfront_page(kf);

    /* in_cons far ahead of in_prod: never a walk of 2^32 events. */
    __atomic_store_n(&page->in_cons, page->in_prod + 0x80000000u,
                     __ATOMIC_RELEASE);
    input_send_key(input_hub_console(f->hub, DOMID), KEY_A, true);
    pump_until_failed(f, DOMID);
    input_send_key(input_hub_console(f->hub, DOMID), KEY_B, true);
    assert_bystander_works(f, other);
}

static void test_hostile_out_indices(Fixture *f, gconstpointer data)
{
    KbdFront *other = attach_bystander(f);
    KbdFront *kf = attach(f, f->guest, NULL, NULL, true);
    struct xenkbd_page *page = kbdfront_page(kf);

    __atomic_store_n(&page->out_prod, page->out_cons + 5000,
                     __ATOMIC_RELEASE);
    kbdfront_notify(kf);
    pump_until_failed(f, DOMID);
    assert_bystander_works(f, other);
}

static void test_hostile_request(Fixture *f, gconstpointer data)
{
    KbdFront *other = attach_bystander(f);
    KbdFrontConfig cfg = { .bad_request = data };

    attach(f, f->guest, NULL, &cfg, false);
    pump_until_failed(f, DOMID);
    assert_bystander_works(f, other);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/kbd/features", test_features);
    ADD("/kbd/events", test_events);
    ADD("/kbd/multi-touch", test_mtouch);
    ADD("/kbd/relative", test_relative);
    ADD("/kbd/raw", test_raw);
    ADD("/kbd/page-ref", test_page_ref);
    ADD("/kbd/disable-keyboard", test_disable);
    ADD("/kbd/ring-full/motion", test_ring_full_motion);
    ADD("/kbd/ring-full/relative", test_ring_full_relative);
    ADD("/kbd/ring-full/keys", test_ring_full_keys);
    ADD("/kbd/hostile/ungranted-gref", test_hostile_gref);
    ADD("/kbd/hostile/in-indices", test_hostile_in_indices);
    ADD("/kbd/hostile/out-indices", test_hostile_out_indices);
#undef ADD
    g_test_add("/kbd/hostile/request-abs-pointer/2", Fixture, "2",
               fixture_setup, test_hostile_request, fixture_teardown);
    g_test_add("/kbd/hostile/request-abs-pointer/junk", Fixture, "1x",
               fixture_setup, test_hostile_request, fixture_teardown);
    return g_test_run();
}
