/*
 * VNC input (ui/vnc-input.c) on a real InputHub: what a guest's device
 * would receive for the key and pointer events a VNC client sends.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <limits.h>
#include <linux/input-event-codes.h>
#include <stdarg.h>
#include <X11/keysym.h>

#include "ui/input.h"
#include "ui/keymap.h"
#include "ui/vnc-input.h"

/* What the sink got, as text: "k30+ k30- a10,20 w1 ". */
typedef struct Fixture {
    InputHub *hub;
    InputConsole *ic;
    GString *got;
    Keymap *us, *de;
} Fixture;

static void rec_event(void *opaque, const InputEvent *ev)
{
    GString *got = opaque;

    switch (ev->type) {
    case INPUT_EVENT_KEY:
        g_string_append_printf(got, "k%u%c ", ev->key.code,
                               ev->key.down ? '+' : '-');
        break;
    case INPUT_EVENT_ABS:
        g_string_append_printf(got, "a%u,%u ", ev->abs.x, ev->abs.y);
        break;
    case INPUT_EVENT_REL:
        if (ev->rel.dx || ev->rel.dy) {
            g_string_append_printf(got, "r%d,%d ", ev->rel.dx, ev->rel.dy);
        }
        if (ev->rel.dz) {
            g_string_append_printf(got, "w%d ", ev->rel.dz);
        }
        break;
    case INPUT_EVENT_MT:
        g_string_append(got, "mt ");
        break;
    }
}

static const InputSinkOps rec_ops = { rec_event, NULL };

static bool have_keymaps(void)
{
    return g_file_test(KEYMAP_DIR "/de", G_FILE_TEST_EXISTS) &&
           g_file_test(KEYMAP_DIR "/en-us", G_FILE_TEST_EXISTS);
}

static void fixture_init(Fixture *f)
{
    Error *e = NULL;

    f->hub = input_hub_new();
    f->ic = input_hub_console(f->hub, 1);
    f->got = g_string_new(NULL);
    input_console_add_sink(f->ic, &rec_ops, f->got);
    if (have_keymaps()) {
        f->us = keymap_load("en-us", NULL, &e);
        g_assert_null(e);
        f->de = keymap_load("de", NULL, &e);
        g_assert_null(e);
    }
}

static void fixture_fini(Fixture *f)
{
    input_console_remove_sink(f->ic, f->got);
    input_hub_free(f->hub);
    g_string_free(f->got, true);
    keymap_free(f->us);
    keymap_free(f->de);
}

/* The events since the last call must be exactly @fmt's. */
G_GNUC_PRINTF(2, 3)
static void expect(Fixture *f, const char *fmt, ...)
{
    g_autofree char *want = NULL;
    va_list ap;

    va_start(ap, fmt);
    want = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_assert_cmpstr(f->got->str, ==, want);
    g_string_truncate(f->got, 0);
}

static void key(VncInput *vi, uint32_t keysym)
{
    vnc_input_key(vi, true, keysym);
    vnc_input_key(vi, false, keysym);
}

#define SKIP_WITHOUT_KEYMAPS()                                          \
    do {                                                                \
        if (!have_keymaps()) {                                          \
            g_test_skip("no " KEYMAP_DIR " (qemu-system-data)");        \
            return;                                                     \
        }                                                               \
    } while (0)

static void test_letters(void)
{
    Fixture f;
    VncInput *vi;

    SKIP_WITHOUT_KEYMAPS();
    fixture_init(&f);
    vi = vnc_input_new(f.ic, f.us);
    key(vi, 'a');
    key(vi, 'z');
    key(vi, '1');
    key(vi, XK_Return);
    key(vi, XK_Up);
    expect(&f, "k%d+ k%d- k%d+ k%d- k%d+ k%d- k%d+ k%d- k%d+ k%d- ",
           KEY_A, KEY_A, KEY_Z, KEY_Z, KEY_1, KEY_1, KEY_ENTER, KEY_ENTER,
           KEY_UP, KEY_UP);

    /* Keys past the plain scancodes; X's shift+Tab. */
    key(vi, XK_Print);
    key(vi, XK_Pause);
    key(vi, XK_Menu);
    vnc_input_key(vi, true, XK_Shift_L);
    key(vi, XK_ISO_Left_Tab);
    vnc_input_key(vi, false, XK_Shift_L);
    expect(&f, "k%d+ k%d- k%d+ k%d- k%d+ k%d- k%d+ k%d+ k%d- k%d- ",
           KEY_SYSRQ, KEY_SYSRQ, KEY_PAUSE, KEY_PAUSE, KEY_COMPOSE,
           KEY_COMPOSE, KEY_LEFTSHIFT, KEY_TAB, KEY_TAB, KEY_LEFTSHIFT);

    /* Shift + letter: what a client sends for 'A'. */
    vnc_input_key(vi, true, XK_Shift_L);
    key(vi, 'A');
    vnc_input_key(vi, false, XK_Shift_L);
    expect(&f, "k%d+ k%d+ k%d- k%d- ", KEY_LEFTSHIFT, KEY_A, KEY_A,
           KEY_LEFTSHIFT);
    /* '@' is shift+2 on en-us; the shift is the client's to press. */
    vnc_input_key(vi, true, XK_Shift_R);
    key(vi, '@');
    vnc_input_key(vi, false, XK_Shift_R);
    expect(&f, "k%d+ k%d+ k%d- k%d- ", KEY_RIGHTSHIFT, KEY_2, KEY_2,
           KEY_RIGHTSHIFT);
    /* With the client's Caps Lock on: 'A' without shift, no shift made. */
    key(vi, XK_Caps_Lock);
    key(vi, 'A');
    expect(&f, "k%d+ k%d- k%d+ k%d- ", KEY_CAPSLOCK, KEY_CAPSLOCK, KEY_A,
           KEY_A);
    vnc_input_free(vi);
    expect(&f, "%s", "");
    fixture_fini(&f);
}

static void test_modifiers(void)
{
    static const struct {
        uint32_t keysym;
        uint16_t code;
    } mods[] = {
        { XK_Shift_L, KEY_LEFTSHIFT }, { XK_Shift_R, KEY_RIGHTSHIFT },
        { XK_Control_L, KEY_LEFTCTRL }, { XK_Control_R, KEY_RIGHTCTRL },
        { XK_Alt_L, KEY_LEFTALT }, { XK_Alt_R, KEY_RIGHTALT },
        { XK_Meta_L, KEY_LEFTALT }, { XK_Meta_R, KEY_RIGHTALT },
        { XK_Super_L, KEY_LEFTMETA }, { XK_Super_R, KEY_RIGHTMETA },
        { XK_ISO_Level3_Shift, KEY_RIGHTALT },
        { XK_Mode_switch, KEY_RIGHTALT },
        { XK_Caps_Lock, KEY_CAPSLOCK }, { XK_Num_Lock, KEY_NUMLOCK },
    };
    Fixture f;

    fixture_init(&f);
    /* Any keymap, even none: modifiers are the same keys everywhere. */
    for (int m = 0; m < 3; m++) {
        VncInput *vi = vnc_input_new(f.ic, m == 0 ? NULL :
                                     m == 1 ? f.us : f.de);

        if (m && !f.us) {
            vnc_input_free(vi);
            continue;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(mods); i++) {
            key(vi, mods[i].keysym);
            expect(&f, "k%d+ k%d- ", mods[i].code, mods[i].code);
        }
        vnc_input_free(vi);
    }
    fixture_fini(&f);
}

static void test_release_changed_keysym(void)
{
    Fixture f;
    VncInput *vi;

    SKIP_WITHOUT_KEYMAPS();
    fixture_init(&f);
    vi = vnc_input_new(f.ic, f.us);

    /* Press 'a', shift goes down, the release says 'A'. */
    vnc_input_key(vi, true, 'a');
    vnc_input_key(vi, true, XK_Shift_L);
    vnc_input_key(vi, false, 'A');
    vnc_input_key(vi, false, XK_Shift_L);
    expect(&f, "k%d+ k%d+ k%d- k%d- ", KEY_A, KEY_LEFTSHIFT, KEY_A,
           KEY_LEFTSHIFT);
    /* 'a' was released: its late release is nothing. */
    vnc_input_key(vi, false, 'a');
    expect(&f, "%s", "");

    /* Press 'A' with shift, shift goes up first, the release says 'a'. */
    vnc_input_key(vi, true, XK_Shift_L);
    vnc_input_key(vi, true, 'A');
    vnc_input_key(vi, false, XK_Shift_L);
    vnc_input_key(vi, false, 'a');
    expect(&f, "k%d+ k%d+ k%d- k%d- ", KEY_LEFTSHIFT, KEY_A, KEY_LEFTSHIFT,
           KEY_A);

    /* Auto-repeat, and a repeat under a new keysym, one release. */
    vnc_input_key(vi, true, 'a');
    vnc_input_key(vi, true, 'a');
    vnc_input_key(vi, true, XK_Shift_L);
    vnc_input_key(vi, true, 'A');
    vnc_input_key(vi, false, 'A');
    vnc_input_key(vi, false, 'a');
    vnc_input_key(vi, false, XK_Shift_L);
    expect(&f, "k%d+ k%d+ k%d+ k%d+ k%d- k%d- ", KEY_A, KEY_A,
           KEY_LEFTSHIFT, KEY_A, KEY_A, KEY_LEFTSHIFT);

    /* A keysym on the same key: z pressed, Z released (Caps Lock). */
    vnc_input_key(vi, true, 'z');
    vnc_input_key(vi, false, 'Z');
    expect(&f, "k%d+ k%d- ", KEY_Z, KEY_Z);

    /* A release of what this client never pressed is nothing. */
    vnc_input_key(vi, false, 'q');
    vnc_input_key(vi, false, XK_Shift_L);
    expect(&f, "%s", "");
    vnc_input_free(vi);
    fixture_fini(&f);
}

static void test_clients_apart(void)
{
    Fixture f;
    VncInput *a, *b;

    SKIP_WITHOUT_KEYMAPS();
    fixture_init(&f);
    a = vnc_input_new(f.ic, f.us);
    b = vnc_input_new(f.ic, f.us);
    vnc_input_key(a, true, 'a');
    vnc_input_key(b, false, 'a');
    vnc_input_release_all(b);
    expect(&f, "k%d+ ", KEY_A);
    /* b's shift does not pick a's keys, nor is it released by a. */
    vnc_input_key(b, true, XK_Shift_L);
    vnc_input_free(a);
    expect(&f, "k%d+ k%d- ", KEY_LEFTSHIFT, KEY_A);
    vnc_input_free(b);
    expect(&f, "k%d- ", KEY_LEFTSHIFT);
    fixture_fini(&f);
}

static void test_layout_de(void)
{
    Fixture f;
    VncInput *vi;

    SKIP_WITHOUT_KEYMAPS();
    fixture_init(&f);
    vi = vnc_input_new(f.ic, f.de);
    /* z and y trade places. */
    key(vi, 'z');
    key(vi, 'y');
    expect(&f, "k%d+ k%d- k%d+ k%d- ", KEY_Y, KEY_Y, KEY_Z, KEY_Z);

    /* AltGr: @ is AltGr+Q, the Euro sign AltGr+E. */
    vnc_input_key(vi, true, XK_ISO_Level3_Shift);
    key(vi, XK_at);
    key(vi, XK_EuroSign);
    vnc_input_key(vi, false, XK_ISO_Level3_Shift);
    expect(&f, "k%d+ k%d+ k%d- k%d+ k%d- k%d- ", KEY_RIGHTALT, KEY_Q,
           KEY_Q, KEY_E, KEY_E, KEY_RIGHTALT);
    /* The same through the keysym Windows clients send for AltGr. */
    vnc_input_key(vi, true, XK_Alt_R);
    key(vi, XK_at);
    vnc_input_key(vi, false, XK_Alt_R);
    expect(&f, "k%d+ k%d+ k%d- k%d- ", KEY_RIGHTALT, KEY_Q, KEY_Q,
           KEY_RIGHTALT);

    /*
     * A keysym on two keys: the modifiers held pick. ° is shift+^ and
     * shift+AltGr+0; ^ is the ^ key alone and AltGr+ä.
     */
    vnc_input_key(vi, true, XK_Shift_L);
    key(vi, XK_degree);
    vnc_input_key(vi, true, XK_ISO_Level3_Shift);
    key(vi, XK_degree);
    vnc_input_key(vi, false, XK_ISO_Level3_Shift);
    vnc_input_key(vi, false, XK_Shift_L);
    expect(&f, "k%d+ k%d+ k%d- k%d+ k%d+ k%d- k%d- k%d- ", KEY_LEFTSHIFT,
           KEY_GRAVE, KEY_GRAVE, KEY_RIGHTALT, KEY_0, KEY_0, KEY_RIGHTALT,
           KEY_LEFTSHIFT);
    key(vi, XK_asciicircum);
    vnc_input_key(vi, true, XK_ISO_Level3_Shift);
    key(vi, XK_asciicircum);
    vnc_input_key(vi, false, XK_ISO_Level3_Shift);
    expect(&f, "k%d+ k%d- k%d+ k%d+ k%d- k%d- ", KEY_GRAVE, KEY_GRAVE,
           KEY_RIGHTALT, KEY_APOSTROPHE, KEY_APOSTROPHE, KEY_RIGHTALT);

    /* ä by its keysym and by its Unicode keysym (U+00E4). */
    key(vi, XK_adiaeresis);
    key(vi, 0x10000e4);
    expect(&f, "k%d+ k%d- k%d+ k%d- ", KEY_APOSTROPHE, KEY_APOSTROPHE,
           KEY_APOSTROPHE, KEY_APOSTROPHE);
    vnc_input_free(vi);

    /* The same keysyms on en-us. */
    vi = vnc_input_new(f.ic, f.us);
    key(vi, 'z');
    key(vi, 'y');
    expect(&f, "k%d+ k%d- k%d+ k%d- ", KEY_Z, KEY_Z, KEY_Y, KEY_Y);
    vnc_input_free(vi);
    fixture_fini(&f);
}

static void test_keypad(void)
{
    Fixture f;
    VncInput *vi;

    SKIP_WITHOUT_KEYMAPS();
    fixture_init(&f);
    vi = vnc_input_new(f.ic, f.us);
    /*
     * With the client's NumLock on (digits) or off (movement), the
     * keypad key; the guest's own NumLock decides what it means.
     */
    key(vi, XK_KP_7);
    key(vi, XK_KP_Home);
    key(vi, XK_KP_0);
    key(vi, XK_KP_Insert);
    key(vi, XK_KP_Decimal);
    key(vi, XK_KP_Delete);
    expect(&f, "k%d+ k%d- k%d+ k%d- k%d+ k%d- k%d+ k%d- k%d+ k%d- "
           "k%d+ k%d- ", KEY_KP7, KEY_KP7, KEY_KP7, KEY_KP7, KEY_KP0,
           KEY_KP0, KEY_KP0, KEY_KP0, KEY_KPDOT, KEY_KPDOT, KEY_KPDOT,
           KEY_KPDOT);
    key(vi, XK_KP_Enter);
    key(vi, XK_KP_Add);
    key(vi, XK_KP_Divide);
    key(vi, XK_Num_Lock);
    expect(&f, "k%d+ k%d- k%d+ k%d- k%d+ k%d- k%d+ k%d- ", KEY_KPENTER,
           KEY_KPENTER, KEY_KPPLUS, KEY_KPPLUS, KEY_KPSLASH, KEY_KPSLASH,
           KEY_NUMLOCK, KEY_NUMLOCK);
    /* Shift held does not move KP_Decimal off the keypad's dot. */
    vnc_input_key(vi, true, XK_Shift_L);
    key(vi, XK_KP_Decimal);
    vnc_input_key(vi, false, XK_Shift_L);
    expect(&f, "k%d+ k%d+ k%d- k%d- ", KEY_LEFTSHIFT, KEY_KPDOT, KEY_KPDOT,
           KEY_LEFTSHIFT);
    vnc_input_free(vi);
    fixture_fini(&f);
}

static void test_unknown_keysyms(void)
{
    Fixture f;
    VncInput *vi;

    SKIP_WITHOUT_KEYMAPS();
    fixture_init(&f);
    vi = vnc_input_new(f.ic, f.us);
    /* More distinct unknown keysyms than are traced; none reaches. */
    for (uint32_t s = 0; s < 200; s++) {
        key(vi, 0x12340000 + s);
    }
    key(vi, 0);
    key(vi, UINT32_MAX);
    key(vi, 0x1000000);
    key(vi, 0x10020ac);         /* U+20AC: not in en-us */
    expect(&f, "%s", "");
    key(vi, 'a');
    expect(&f, "k%d+ k%d- ", KEY_A, KEY_A);
    vnc_input_free(vi);
    fixture_fini(&f);
}

static void test_buttons(void)
{
    Fixture f;
    VncInput *vi;

    fixture_init(&f);
    vi = vnc_input_new(f.ic, NULL);
    /* The position first, then the click, so it lands there. */
    vnc_input_pointer(vi, 1, 10, 20);
    vnc_input_pointer(vi, 0, 10, 20);
    expect(&f, "a10,20 k%d+ k%d- ", BTN_LEFT, BTN_LEFT);
    vnc_input_pointer(vi, 5, 11, 20);
    vnc_input_pointer(vi, 2, 11, 20);
    vnc_input_pointer(vi, 0, 11, 20);
    expect(&f, "a11,20 k%d+ k%d+ k%d- k%d+ k%d- k%d- ", BTN_LEFT,
           BTN_RIGHT, BTN_LEFT, BTN_MIDDLE, BTN_RIGHT, BTN_MIDDLE);
    /* A drag: the button stays down while the position moves. */
    vnc_input_pointer(vi, 1, 11, 20);
    vnc_input_pointer(vi, 1, 30, 40);
    vnc_input_pointer(vi, 0, 30, 40);
    expect(&f, "k%d+ a30,40 k%d- ", BTN_LEFT, BTN_LEFT);
    /* Nothing changed, nothing sent. */
    vnc_input_pointer(vi, 0, 30, 40);
    expect(&f, "%s", "");
    vnc_input_free(vi);
    fixture_fini(&f);
}

static void test_wheel(void)
{
    Fixture f;
    VncInput *vi;

    fixture_init(&f);
    vi = vnc_input_new(f.ic, NULL);
    vnc_input_pointer(vi, 0, 0, 0);
    expect(&f, "a0,0 ");
    /* A step per press: up is +1, down -1; the release is nothing. */
    vnc_input_pointer(vi, 8, 0, 0);
    vnc_input_pointer(vi, 0, 0, 0);
    vnc_input_pointer(vi, 16, 0, 0);
    vnc_input_pointer(vi, 16, 0, 0);
    vnc_input_pointer(vi, 0, 0, 0);
    vnc_input_pointer(vi, 8, 0, 0);
    vnc_input_pointer(vi, 0, 0, 0);
    expect(&f, "w1 w-1 w1 ");
    /* With a button held, and at a new position. */
    vnc_input_pointer(vi, 1 | 16, 5, 5);
    vnc_input_pointer(vi, 1, 5, 5);
    vnc_input_pointer(vi, 0, 5, 5);
    expect(&f, "a5,5 k%d+ w-1 k%d- ", BTN_LEFT, BTN_LEFT);
    /* Horizontal: kbdif has no such wheel; dropped. */
    vnc_input_pointer(vi, 32, 5, 5);
    vnc_input_pointer(vi, 0, 5, 5);
    vnc_input_pointer(vi, 64, 5, 5);
    vnc_input_pointer(vi, 0, 5, 5);
    expect(&f, "%s", "");
    vnc_input_free(vi);
    fixture_fini(&f);
}

static void test_release_all(void)
{
    Fixture f;
    VncInput *vi;

    SKIP_WITHOUT_KEYMAPS();
    fixture_init(&f);
    vi = vnc_input_new(f.ic, f.us);
    vnc_input_key(vi, true, XK_Control_L);
    vnc_input_key(vi, true, 'a');
    vnc_input_key(vi, true, 'a');
    vnc_input_pointer(vi, 1 | 4 | 8, 3, 4);
    expect(&f, "k%d+ k%d+ k%d+ a3,4 k%d+ k%d+ w1 ", KEY_LEFTCTRL, KEY_A,
           KEY_A, BTN_LEFT, BTN_RIGHT);
    /* Focus lost: the last pressed first, each key once. */
    vnc_input_release_all(vi);
    expect(&f, "k%d- k%d- k%d- k%d- ", KEY_A, KEY_LEFTCTRL, BTN_LEFT,
           BTN_RIGHT);
    vnc_input_release_all(vi);
    vnc_input_key(vi, false, 'a');
    expect(&f, "%s", "");
    /* The client's next mask is new presses again, wheel included. */
    vnc_input_pointer(vi, 1 | 8, 3, 4);
    expect(&f, "k%d+ w1 ", BTN_LEFT);

    /* Freeing a client releases what it holds. */
    vnc_input_key(vi, true, XK_Shift_R);
    vnc_input_key(vi, true, 'b');
    vnc_input_pointer(vi, 2 | 8, 3, 4);
    expect(&f, "k%d+ k%d+ k%d- k%d+ ", KEY_RIGHTSHIFT, KEY_B, BTN_LEFT,
           BTN_MIDDLE);
    vnc_input_free(vi);
    expect(&f, "k%d- k%d- k%d- ", KEY_B, KEY_RIGHTSHIFT, BTN_MIDDLE);
    vnc_input_free(NULL);
    fixture_fini(&f);
}

static void test_clamp(void)
{
    Fixture f;
    VncInput *vi;

    fixture_init(&f);
    vi = vnc_input_new(f.ic, NULL);
    vnc_input_pointer(vi, 0, -5, -7);
    vnc_input_pointer(vi, 0, INT_MIN, INT_MIN);     /* the same: clamped */
    vnc_input_pointer(vi, 0, INT_MAX, INT_MAX);
    vnc_input_pointer(vi, 0, 800, 100000);
    vnc_input_pointer(vi, 0, 799, 599);
    vnc_input_pointer(vi, 0, INT_MIN, 300);
    expect(&f, "a0,0 a%d,%d a0,300 ", INPUT_DEFAULT_WIDTH - 1,
           INPUT_DEFAULT_HEIGHT - 1);
    /* The display's size now, not the one at the client's start. */
    input_console_set_display_size(f.ic, 1024, 768);
    vnc_input_pointer(vi, 0, 5000, 5000);
    input_console_set_display_size(f.ic, 1, 1);
    vnc_input_pointer(vi, 0, 5000, 5000);
    expect(&f, "a1023,767 a0,0 ");
    input_console_set_display_size(f.ic, 800, 600);
    /* Every bit of the mask: the three buttons and both wheels. */
    vnc_input_pointer(vi, -1, 0, 0);
    expect(&f, "k%d+ k%d+ k%d+ w1 w-1 ", BTN_LEFT, BTN_MIDDLE, BTN_RIGHT);
    /* Bits past RFB's 7 are nothing: all up. */
    vnc_input_pointer(vi, 0x7fffff80, 0, 0);
    expect(&f, "k%d- k%d- k%d- ", BTN_LEFT, BTN_MIDDLE, BTN_RIGHT);
    vnc_input_pointer(vi, INT_MIN, 0, 0);
    expect(&f, "%s", "");
    vnc_input_free(vi);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vnc-input/letters", test_letters);
    g_test_add_func("/vnc-input/modifiers", test_modifiers);
    g_test_add_func("/vnc-input/release-changed-keysym",
                    test_release_changed_keysym);
    g_test_add_func("/vnc-input/clients-apart", test_clients_apart);
    g_test_add_func("/vnc-input/layout-de", test_layout_de);
    g_test_add_func("/vnc-input/keypad", test_keypad);
    g_test_add_func("/vnc-input/unknown-keysyms", test_unknown_keysyms);
    g_test_add_func("/vnc-input/buttons", test_buttons);
    g_test_add_func("/vnc-input/wheel", test_wheel);
    g_test_add_func("/vnc-input/release-all", test_release_all);
    g_test_add_func("/vnc-input/clamp", test_clamp);
    return g_test_run();
}
