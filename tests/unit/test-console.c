/*
 * Display consoles: pixel conversion at every depth, listeners, and the
 * refresh wanted only while a consumer is attached.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "image-util.h"
#include "ui/console.h"

static void test_convert(void)
{
    uint8_t p8[] = { 0xe0, 0x1c, 0x03, 0xff, 0x00 };
    uint8_t p16[] = { 0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00, 0x10, 0x84 };
    uint8_t p24[] = { 0x01, 0x02, 0x03 };
    uint8_t p32[] = { 0x01, 0x02, 0x03, 0xaa };
    DisplaySurface s = { .height = 1 };
    uint32_t out[5];

    s = (DisplaySurface) { 5, 1, 8, 5, p8 };
    display_surface_row_xrgb(&s, 0, 0, 5, out);
    g_assert_cmphex(out[0], ==, 0xff0000);
    g_assert_cmphex(out[1], ==, 0x00ff00);
    g_assert_cmphex(out[2], ==, 0x0000ff);
    g_assert_cmphex(out[3], ==, 0xffffff);
    g_assert_cmphex(out[4], ==, 0);
    s = (DisplaySurface) { 4, 1, 16, 8, p16 };
    display_surface_row_xrgb(&s, 0, 0, 4, out);
    g_assert_cmphex(out[0], ==, 0xff0000);
    g_assert_cmphex(out[1], ==, 0x00ff00);
    g_assert_cmphex(out[2], ==, 0x0000ff);
    /* 10000 100000 10000: the top bit of each widened */
    g_assert_cmphex(out[3], ==, 0x848284);
    s = (DisplaySurface) { 1, 1, 24, 3, p24 };
    display_surface_row_xrgb(&s, 0, 0, 1, out);
    g_assert_cmphex(out[0], ==, 0x030201);
    s = (DisplaySurface) { 1, 1, 32, 4, p32 };
    display_surface_row_xrgb(&s, 0, 0, 1, out);
    g_assert_cmphex(out[0], ==, 0x030201);
}

static void test_valid(void)
{
    uint8_t buf[64];
    DisplaySurface s = { 4, 2, 32, 16, buf };

    g_assert_true(display_surface_valid(&s));
    s.stride = 15;
    g_assert_false(display_surface_valid(&s));
    s.stride = 16;
    s.depth = 12;
    g_assert_false(display_surface_valid(&s));
    s.depth = 32;
    s.width = 0;
    g_assert_false(display_surface_valid(&s));
}

typedef struct Seen {
    int wanted;                 /* last refresh call: 1, 0; -1 none yet */
    unsigned resizes, updates;
    uint32_t x, y, w, h;
    bool gone;
} Seen;

static void seen_refresh(void *opaque, bool wanted)
{
    ((Seen *)opaque)->wanted = wanted;
}

static void seen_resize(void *opaque, QemuConsole *con,
                        const DisplaySurface *s)
{
    Seen *seen = opaque;

    seen->resizes++;
    seen->gone = s == NULL;
}

static void seen_update(void *opaque, QemuConsole *con, uint32_t x,
                        uint32_t y, uint32_t w, uint32_t h)
{
    Seen *seen = opaque;

    seen->updates++;
    seen->x = x;
    seen->y = y;
    seen->w = w;
    seen->h = h;
}

static const DisplayListenerOps seen_ops = {
    .resize = seen_resize,
    .update = seen_update,
};

static void test_listeners(void)
{
    ConsoleList *cl = console_list_new();
    Seen be = { .wanted = -1 }, a = { 0 }, b = { 0 };
    QemuConsole *con = console_new(cl, "xenfb1.0", 1, seen_refresh, &be);
    uint8_t buf[8 * 4 * 4];
    DisplaySurface s = { 8, 4, 32, 32, buf };
    DisplayListener *la, *lb;

    g_assert_true(console_list_lookup(cl, NULL, 0, NULL) == con);
    g_assert_true(console_list_lookup(cl, "xenfb1.0", 0, NULL) == con);
    g_assert_null(console_list_lookup(cl, "vga", 0, NULL));
    g_assert_null(console_list_lookup(cl, "xenfb1.0", 1, NULL));
    g_assert_false(console_refresh_wanted(con));
    la = console_add_listener(con, &seen_ops, &a);
    g_assert_cmpint(be.wanted, ==, 1);
    lb = console_add_listener(con, &seen_ops, &b);
    console_set_surface(con, &s);
    g_assert_cmpuint(a.resizes, ==, 1);
    g_assert_cmpuint(b.resizes, ==, 1);
    g_assert_cmpuint(console_surface(con)->width, ==, 8);
    console_update(con, 6, 2, 100, 100);
    g_assert_cmpuint(a.updates, ==, 1);
    g_assert_cmpuint(a.w, ==, 2);
    g_assert_cmpuint(a.h, ==, 2);
    console_update(con, 8, 0, 1, 1);
    console_update(con, 0, 0, 0, 1);
    g_assert_cmpuint(a.updates, ==, 1);
    console_remove_listener(con, la);
    g_assert_cmpint(be.wanted, ==, 1);
    console_remove_listener(con, lb);
    g_assert_cmpint(be.wanted, ==, 0);
    g_assert_false(console_refresh_wanted(con));
    console_add_listener(con, &seen_ops, &a);
    console_free(con);
    g_assert_true(a.gone);
    g_assert_cmpuint(console_list_count(cl), ==, 0);
    console_list_free(cl);
}

typedef struct Notes {
    ConsoleList *cl;
    QemuConsole *added, *removed;
    DisplayListener *dl;
    Seen seen;
    bool had_surface_when_removed;
} Notes;

static void notes_added(void *opaque, QemuConsole *con)
{
    Notes *n = opaque;

    n->added = con;
    n->dl = console_add_listener(con, &seen_ops, &n->seen);
}

/* As a display does: the listener goes while the console is whole. */
static void notes_removed(void *opaque, QemuConsole *con)
{
    Notes *n = opaque;

    n->removed = con;
    n->had_surface_when_removed = console_surface(con) != NULL;
    console_remove_listener(con, n->dl);
    console_list_remove_notifier(n->cl, n);
}

static const ConsoleListNotifierOps notes_ops = {
    .added = notes_added,
    .removed = notes_removed,
};

/* Consoles coming and going are announced; a consumer may leave in them. */
static void test_notifiers(void)
{
    ConsoleList *cl = console_list_new();
    Notes n = { .cl = cl };
    Seen be = { .wanted = -1 };
    uint8_t buf[8 * 4 * 4];
    DisplaySurface s = { 8, 4, 32, 32, buf };
    QemuConsole *con;

    console_list_add_notifier(cl, &notes_ops, &n);
    con = console_new(cl, "xenfb7.0", 7, seen_refresh, &be);
    g_assert_true(n.added == con);
    g_assert_cmpint(console_domid(con), ==, 7);
    g_assert_cmpint(be.wanted, ==, 1);
    console_set_surface(con, &s);
    console_free(con);
    g_assert_true(n.removed == con);
    g_assert_true(n.had_surface_when_removed);
    /* The listener left before the console went: it heard no NULL. */
    g_assert_false(n.seen.gone);
    g_assert_cmpint(be.wanted, ==, 0);
    con = console_new(cl, "xenfb8.0", -1, NULL, NULL);
    g_assert_cmpint(console_domid(con), ==, -1);
    g_assert_true(n.added != con);
    console_free(con);
    console_list_free(cl);
}

static void test_screendump(void)
{
    ConsoleList *cl = console_list_new();
    QemuConsole *con = console_new(cl, "xenfb1.0", 1, NULL, NULL);
    g_autofree char *dir = g_dir_make_tmp("test-console-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "shot", NULL);
    static const unsigned depths[] = { 8, 16, 24, 32 };
    uint8_t buf[37 * 5 * 4 + 64];
    Error *err = NULL;

    g_assert_false(console_screendump(con, path, "ppm", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "no surface");
    error_free(err);
    err = NULL;
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = i * 7 + 3;
    }
    for (size_t d = 0; d < G_N_ELEMENTS(depths); d++) {
        /* an odd width, a stride with padding */
        DisplaySurface s = { 37, 5, depths[d], 37 * depths[d] / 8 + 3, buf };

        console_set_surface(con, &s);
        for (int png = 0; png < 2; png++) {
            g_autofree uint32_t *px = NULL;
            uint32_t row[37];
            unsigned w, h;

            g_assert_true(console_screendump(con, path, png ? "png" : NULL,
                                             NULL));
            px = image_read(path, png, &w, &h);
            g_assert_cmpuint(w, ==, 37);
            g_assert_cmpuint(h, ==, 5);
            for (uint32_t y = 0; y < h; y++) {
                display_surface_row_xrgb(&s, 0, y, w, row);
                g_assert_cmpmem(px + y * w, w * 4, row, w * 4);
            }
        }
    }
    g_assert_false(console_screendump(con, path, "jpeg", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'format' does not accept value 'jpeg'");
    error_free(err);
    err = NULL;
    g_assert_false(console_screendump(con, "/nonexistent/x.ppm", "ppm",
                                      &err));
    g_assert_true(g_str_has_prefix(
        error_get_pretty(err), "failed to open file '/nonexistent/x.ppm'"));
    error_free(err);
    err = NULL;
    g_assert_null(console_list_lookup(cl, "vga", 0, &err));
    g_assert_cmpstr(error_get_class(err), ==, "DeviceNotFound");
    error_free(err);
    g_unlink(path);
    g_rmdir(dir);
    console_free(con);
    console_list_free(cl);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/console/convert", test_convert);
    g_test_add_func("/console/valid", test_valid);
    g_test_add_func("/console/listeners", test_listeners);
    g_test_add_func("/console/notifiers", test_notifiers);
    g_test_add_func("/console/screendump", test_screendump);
    return g_test_run();
}
