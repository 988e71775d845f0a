/*
 * The input API (routing, display size, scaling) and the keymap reader
 * over QEMU's own keymap files.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <linux/input-event-codes.h>

#include "ui/input.h"
#include "ui/keymap.h"

typedef struct Rec {
    GArray *events;
    uint32_t w, h;
    unsigned resizes;
} Rec;

static void rec_event(void *opaque, const InputEvent *ev)
{
    Rec *r = opaque;

    g_array_append_val(r->events, *ev);
}

static void rec_resize(void *opaque, uint32_t w, uint32_t h)
{
    Rec *r = opaque;

    r->w = w;
    r->h = h;
    r->resizes++;
}

static const InputSinkOps rec_ops = { rec_event, rec_resize };

static void test_routing(void)
{
    InputHub *hub = input_hub_new();
    InputConsole *a = input_hub_console(hub, 1), *b = input_hub_console(hub, 2);
    Rec ra = { g_array_new(false, false, sizeof(InputEvent)) };
    Rec rb = { g_array_new(false, false, sizeof(InputEvent)) };
    const InputEvent *ev;
    uint32_t w, h;

    g_assert_true(input_hub_console(hub, 1) == a);
    input_console_add_sink(a, &rec_ops, &ra);
    input_console_add_sink(b, &rec_ops, &rb);
    input_send_key(a, KEY_A, true);
    input_send_abs(a, 10, 20);
    input_send_wheel(a, -1);
    input_send_mt(a, INPUT_MT_DOWN, 3, 5, 6);
    input_send_rel(b, 4, -4);
    g_assert_cmpuint(ra.events->len, ==, 4);
    g_assert_cmpuint(rb.events->len, ==, 1);
    ev = &g_array_index(ra.events, InputEvent, 0);
    g_assert_cmpint(ev->type, ==, INPUT_EVENT_KEY);
    g_assert_cmpuint(ev->key.code, ==, KEY_A);
    g_assert_true(ev->key.down);
    ev = &g_array_index(ra.events, InputEvent, 1);
    g_assert_cmpint(ev->type, ==, INPUT_EVENT_ABS);
    g_assert_cmpuint(ev->abs.x, ==, 10);
    g_assert_cmpuint(ev->abs.y, ==, 20);
    ev = &g_array_index(ra.events, InputEvent, 2);
    g_assert_cmpint(ev->type, ==, INPUT_EVENT_REL);
    g_assert_cmpint(ev->rel.dz, ==, -1);
    ev = &g_array_index(ra.events, InputEvent, 3);
    g_assert_cmpint(ev->type, ==, INPUT_EVENT_MT);
    g_assert_cmpuint(ev->mt.contact, ==, 3);
    ev = &g_array_index(rb.events, InputEvent, 0);
    g_assert_cmpint(ev->rel.dx, ==, 4);
    g_assert_cmpint(ev->rel.dy, ==, -4);

    input_console_display_size(a, &w, &h);
    g_assert_cmpuint(w, ==, INPUT_DEFAULT_WIDTH);
    g_assert_cmpuint(h, ==, INPUT_DEFAULT_HEIGHT);
    input_console_set_display_size(a, 1024, 768);
    input_console_set_display_size(a, 1024, 768);   /* no change */
    input_console_set_display_size(a, 0, 5);        /* ignored */
    g_assert_cmpuint(ra.resizes, ==, 1);
    g_assert_cmpuint(ra.w, ==, 1024);
    g_assert_cmpuint(ra.h, ==, 768);
    g_assert_cmpuint(rb.resizes, ==, 0);

    input_console_remove_sink(a, &ra);
    input_send_key(a, KEY_B, true);
    g_assert_cmpuint(ra.events->len, ==, 4);
    input_console_remove_sink(b, &rb);
    input_hub_free(hub);
    g_array_free(ra.events, true);
    g_array_free(rb.events, true);
}

static void test_scale(void)
{
    g_assert_cmpuint(input_scale(0, 800, 1024), ==, 0);
    g_assert_cmpuint(input_scale(799, 800, 1024), ==, 1023);
    g_assert_cmpuint(input_scale(400, 801, 1025), ==, 512);
    g_assert_cmpuint(input_scale(5000, 800, 1024), ==, 1023);
    g_assert_cmpuint(input_scale(UINT32_MAX, UINT32_MAX, UINT32_MAX), ==,
                     UINT32_MAX - 1);
    g_assert_cmpuint(input_scale(1, 800, 800), ==, 1);
    g_assert_cmpuint(input_scale(7, 0, 800), ==, 0);
    g_assert_cmpuint(input_scale(7, 800, 1), ==, 0);
}

static void test_keysym_names(void)
{
    g_assert_cmphex(keymap_keysym_from_name("z"), ==, 0x7a);
    g_assert_cmphex(keymap_keysym_from_name("Escape"), ==, 0xff1b);
    g_assert_cmphex(keymap_keysym_from_name("U20AC"), ==, 0x10020ac);
    g_assert_cmphex(keymap_keysym_from_name("no_such_keysym"), ==, 0);
}

static void test_keymap_layouts(void)
{
    Error *e = NULL;
    Keymap *us, *de;
    unsigned mods;

    if (!g_file_test(KEYMAP_DIR "/de", G_FILE_TEST_EXISTS)) {
        g_test_skip("no " KEYMAP_DIR " (qemu-system-data)");
        return;
    }
    us = keymap_load("en-us", NULL, &e);
    g_assert_null(e);
    de = keymap_load("de", NULL, &e);
    g_assert_null(e);

    /* The layout-dependent pair: z and y trade places on a German board. */
    g_assert_cmpint(keymap_lookup(us, 'z', &mods), ==, KEY_Z);
    g_assert_cmpuint(mods, ==, 0);
    g_assert_cmpint(keymap_lookup(de, 'z', &mods), ==, KEY_Y);
    g_assert_cmpint(keymap_lookup(us, 'y', NULL), ==, KEY_Y);
    g_assert_cmpint(keymap_lookup(de, 'y', NULL), ==, KEY_Z);
    g_assert_cmpint(keymap_lookup(us, 'Z', &mods), ==, KEY_Z);
    g_assert_cmpuint(mods, ==, KEYMAP_MOD_SHIFT);
    g_assert_cmpint(keymap_lookup(de, 'Z', &mods), ==, KEY_Y);
    g_assert_cmpuint(mods, ==, KEYMAP_MOD_SHIFT);
    /* AltGr on a German board: @ is AltGr+Q. */
    g_assert_cmpint(keymap_lookup(de, '@', &mods), ==, KEY_Q);
    g_assert_cmpuint(mods & KEYMAP_MOD_ALTGR, ==, KEYMAP_MOD_ALTGR);
    g_assert_cmpint(keymap_lookup(us, '@', &mods), ==, KEY_2);
    /* Keys past the plain scancodes come through the evdev comments. */
    g_assert_cmpint(keymap_lookup(us, 0xff52 /* Up */, NULL), ==, KEY_UP);
    g_assert_cmpint(keymap_lookup(us, 0xffe4 /* Control_R */, NULL), ==,
                    KEY_RIGHTCTRL);
    g_assert_cmpint(keymap_lookup(us, 0xff1b /* Escape */, NULL), ==,
                    KEY_ESC);
    g_assert_cmpint(keymap_lookup(us, 0x12345678, NULL), ==, -1);
    {
        KeymapKey all[4];

        /* de's degree: shift+altgr+0 first, then shift+^. */
        g_assert_cmpuint(keymap_lookup_all(de, 0xb0, all, 4), ==, 2);
        g_assert_cmpuint(all[0].code, ==, KEY_0);
        g_assert_cmpuint(all[0].mods, ==,
                         KEYMAP_MOD_SHIFT | KEYMAP_MOD_ALTGR);
        g_assert_cmpuint(all[1].code, ==, KEY_GRAVE);
        g_assert_cmpuint(all[1].mods, ==, KEYMAP_MOD_SHIFT);
        /* Print is in the file twice, the same key: one entry. */
        g_assert_cmpuint(keymap_lookup_all(de, 0xff61, all, 4), ==, 1);
    }
    keymap_free(us);
    keymap_free(de);
}

static void test_keymap_files(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-keymap-XXXXXX", NULL);
    g_autofree char *base = g_build_filename(dir, "base", NULL);
    g_autofree char *top = g_build_filename(dir, "top", NULL);
    g_autofree char *loop = g_build_filename(dir, "loop", NULL);
    Error *e = NULL;
    Keymap *km;
    unsigned mods;

    g_assert_true(g_file_set_contents(base,
        "# evdev 103 (0x67), QKeyCode \"up\", number 0xc8\n"
        "Up 0xc8\n"
        "a 0x1e addupper\n"
        "bogus_name 0x10\n"
        "b 0x30 shift\n"
        "c 0xzz\n"
        "d 0x9999\n", -1, NULL));
    g_assert_true(g_file_set_contents(top,
        "include base\nmap 0x409\n\n  \nb 0x31\n", -1, NULL));
    g_assert_true(g_file_set_contents(loop, "include loop\n", -1, NULL));

    km = keymap_load("top", dir, &e);
    g_assert_null(e);
    g_assert_cmpint(keymap_lookup(km, 0xff52, NULL), ==, KEY_UP);
    g_assert_cmpint(keymap_lookup(km, 'a', &mods), ==, KEY_A);
    g_assert_cmpuint(mods, ==, 0);
    g_assert_cmpint(keymap_lookup(km, 'A', &mods), ==, KEY_A);
    g_assert_cmpuint(mods, ==, KEYMAP_MOD_SHIFT);
    /* The first entry wins, the included one here. */
    g_assert_cmpint(keymap_lookup(km, 'b', &mods), ==, KEY_B);
    g_assert_cmpuint(mods, ==, KEYMAP_MOD_SHIFT);
    {
        KeymapKey all[1];

        /* Every entry, in file order, even past the room given. */
        g_assert_cmpuint(keymap_lookup_all(km, 'b', all, 1), ==, 2);
        g_assert_cmpuint(all[0].code, ==, KEY_B);
        g_assert_cmpuint(all[0].mods, ==, KEYMAP_MOD_SHIFT);
        g_assert_cmpuint(keymap_lookup_all(km, 'c', all, 1), ==, 0);
    }
    g_assert_cmpint(keymap_lookup(km, 'c', NULL), ==, -1);
    g_assert_cmpint(keymap_lookup(km, 'd', NULL), ==, -1);
    keymap_free(km);

    g_assert_null(keymap_load("loop", dir, &e));
    g_assert_nonnull(e);
    error_free(e);
    e = NULL;
    g_assert_null(keymap_load("../etc/passwd", dir, &e));
    g_assert_nonnull(e);
    error_free(e);
    e = NULL;
    g_assert_null(keymap_load("missing", dir, &e));
    g_assert_nonnull(e);
    error_free(e);

    g_unlink(base);
    g_unlink(top);
    g_unlink(loop);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/input/routing", test_routing);
    g_test_add_func("/input/scale", test_scale);
    g_test_add_func("/keymap/keysym-names", test_keysym_names);
    g_test_add_func("/keymap/layouts", test_keymap_layouts);
    g_test_add_func("/keymap/files", test_keymap_files);
    return g_test_run();
}
