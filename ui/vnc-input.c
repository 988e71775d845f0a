/*
 * VNC key and pointer events to the input API; see include/ui/vnc-input.h
 * and docs/display.md ("VNC input").
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "vnc-input"

#include "ui/vnc-input.h"

#include <glib.h>
#include <inttypes.h>
#include <linux/input-event-codes.h>
#include <X11/keysym.h>

#include "util/trace.h"

/* RFB's button mask: the bits a client may set that mean something. */
#define VNC_BUTTON_LEFT     (1 << 0)
#define VNC_BUTTON_MIDDLE   (1 << 1)
#define VNC_BUTTON_RIGHT    (1 << 2)
#define VNC_WHEEL_UP        (1 << 3)
#define VNC_WHEEL_DOWN      (1 << 4)
#define VNC_WHEEL_LEFT      (1 << 5)
#define VNC_WHEEL_RIGHT     (1 << 6)
#define VNC_BUTTON_BITS     0x7f

/*
 * A keysym with more entries than this is not in any keymap QEMU ships
 * (two is the most); the rest are not considered.
 */
#define VNC_KEY_ENTRIES 8
/* Distinct unknown keysyms traced per client; then tracing stops. */
#define VNC_UNKNOWN_TRACED 64

/* A key the client holds: the keysym it pressed and the key that was. */
typedef struct VncHeldKey {
    uint32_t keysym;
    uint16_t code;
} VncHeldKey;

/*
 * held has one entry per keysym held, so it is bounded by the keysyms
 * that have a key (the keymap's and the modifiers below), a few
 * hundred: a client pressing without releasing cannot grow it further.
 */
struct VncInput {
    InputConsole *ic;
    const Keymap *km;
    GArray *held;               /* VncHeldKey, in press order */
    GHashTable *unknown;        /* keysyms traced as unknown */
    bool hwheel_traced;
    int buttons;                /* the mask last seen, VNC_BUTTON_BITS */
    bool have_pos;
    uint32_t x, y;              /* the position last sent */
};

/*
 * Modifiers go to their own keys whatever the layout, and before the
 * keymap: QEMU's files put Meta_L on shift+Alt (X makes Meta from
 * Shift+Alt), which the table keeps as plain Alt, as QEMU sends it,
 * without pressing a shift the client did not press.
 */
static const struct {
    uint32_t keysym;
    uint16_t code;
} vnc_modifiers[] = {
    { XK_Shift_L, KEY_LEFTSHIFT },
    { XK_Shift_R, KEY_RIGHTSHIFT },
    { XK_Control_L, KEY_LEFTCTRL },
    { XK_Control_R, KEY_RIGHTCTRL },
    { XK_Alt_L, KEY_LEFTALT },
    { XK_Alt_R, KEY_RIGHTALT },
    { XK_Meta_L, KEY_LEFTALT },
    { XK_Meta_R, KEY_RIGHTALT },
    { XK_Super_L, KEY_LEFTMETA },
    { XK_Super_R, KEY_RIGHTMETA },
    { XK_ISO_Level3_Shift, KEY_RIGHTALT },
    { XK_Mode_switch, KEY_RIGHTALT },
    { XK_Caps_Lock, KEY_CAPSLOCK },
    { XK_Num_Lock, KEY_NUMLOCK },
};

VncInput *vnc_input_new(InputConsole *ic, const Keymap *km)
{
    VncInput *vi = g_new0(VncInput, 1);

    vi->ic = ic;
    vi->km = km;
    vi->held = g_array_new(false, false, sizeof(VncHeldKey));
    vi->unknown = g_hash_table_new(g_direct_hash, g_direct_equal);
    return vi;
}

void vnc_input_free(VncInput *vi)
{
    if (!vi) {
        return;
    }
    vnc_input_release_all(vi);
    g_array_free(vi->held, true);
    g_hash_table_destroy(vi->unknown);
    g_free(vi);
}

static VncHeldKey *vnc_held(VncInput *vi, guint i)
{
    return &g_array_index(vi->held, VncHeldKey, i);
}

static int vnc_held_keysym(VncInput *vi, uint32_t keysym)
{
    for (guint i = 0; i < vi->held->len; i++) {
        if (vnc_held(vi, i)->keysym == keysym) {
            return i;
        }
    }
    return -1;
}

static bool vnc_held_code(VncInput *vi, uint16_t code)
{
    for (guint i = 0; i < vi->held->len; i++) {
        if (vnc_held(vi, i)->code == code) {
            return true;
        }
    }
    return false;
}

/*
 * The modifiers this client holds, as the keymap names them. AltGr is
 * the right Alt key, as every layout with AltGr places it. NumLock is
 * not the guest's state, which kbdif cannot tell us: a keypad digit
 * keysym says the client's NumLock is on, and that selects among the
 * keysym's entries (en-us's KP_Decimal is the keypad's . with NumLock).
 */
static unsigned vnc_mods(VncInput *vi, uint32_t keysym)
{
    unsigned mods = 0;

    if (vnc_held_code(vi, KEY_LEFTSHIFT) ||
        vnc_held_code(vi, KEY_RIGHTSHIFT)) {
        mods |= KEYMAP_MOD_SHIFT;
    }
    if (vnc_held_code(vi, KEY_RIGHTALT)) {
        mods |= KEYMAP_MOD_ALTGR;
    }
    if ((keysym >= XK_KP_0 && keysym <= XK_KP_9) ||
        keysym == XK_KP_Decimal || keysym == XK_KP_Separator) {
        mods |= KEYMAP_MOD_NUMLOCK;
    }
    return mods;
}

static size_t vnc_entries(VncInput *vi, uint32_t keysym, KeymapKey *out)
{
    size_t n;

    for (size_t i = 0; i < G_N_ELEMENTS(vnc_modifiers); i++) {
        if (vnc_modifiers[i].keysym == keysym) {
            out[0] = (KeymapKey){ .code = vnc_modifiers[i].code };
            return 1;
        }
    }
    if (!vi->km) {
        return 0;
    }
    n = keymap_lookup_all(vi->km, keysym, out, VNC_KEY_ENTRIES);
    /*
     * Unicode keysyms (0x1000000 + code point) below U+0100 are the
     * Latin-1 keysyms the keymaps name; clients differ in which they
     * send.
     */
    if (!n && keysym >= 0x1000020 && keysym < 0x1000100) {
        n = keymap_lookup_all(vi->km, keysym & 0xff, out, VNC_KEY_ENTRIES);
    }
    return MIN(n, VNC_KEY_ENTRIES);
}

/*
 * The key for pressing @keysym: of its entries, the one whose modifiers
 * agree most with those held (the earlier one on a tie), as QEMU's
 * keysym2scancode picks. Modifiers are never pressed for the client:
 * an 'A' typed with the client's Caps Lock on is the A key alone, and
 * the guest's own Caps Lock (the client's Caps_Lock presses reach it)
 * decides its case.
 */
static int vnc_key_for(VncInput *vi, uint32_t keysym)
{
    KeymapKey e[VNC_KEY_ENTRIES];
    size_t n = vnc_entries(vi, keysym, e);
    unsigned want, all = KEYMAP_MOD_SHIFT | KEYMAP_MOD_ALTGR |
                         KEYMAP_MOD_NUMLOCK;
    int best = -1, best_score = -1;

    if (!n) {
        return -1;
    }
    want = vnc_mods(vi, keysym);
    for (size_t i = 0; i < n; i++) {
        int score = __builtin_popcount(~(e[i].mods ^ want) & all);

        if (score > best_score) {
            best = i;
            best_score = score;
        }
    }
    return e[best].code;
}

/* Of @keysym's keys, one this client holds, or -1. */
static int vnc_key_held_for(VncInput *vi, uint32_t keysym)
{
    KeymapKey e[VNC_KEY_ENTRIES];
    size_t n = vnc_entries(vi, keysym, e);

    for (size_t i = 0; i < n; i++) {
        if (vnc_held_code(vi, e[i].code)) {
            return e[i].code;
        }
    }
    return -1;
}

static void vnc_trace_unknown(VncInput *vi, uint32_t keysym)
{
    gpointer key = GUINT_TO_POINTER(keysym);

    if (g_hash_table_size(vi->unknown) >= VNC_UNKNOWN_TRACED ||
        g_hash_table_contains(vi->unknown, key)) {
        return;
    }
    g_hash_table_add(vi->unknown, key);
    trace("keysym 0x%" PRIx32 " has no key in the keymap: dropped%s",
          keysym, g_hash_table_size(vi->unknown) == VNC_UNKNOWN_TRACED ?
          " (no more are traced for this client)" : "");
}

static void vnc_key_up(VncInput *vi, uint16_t code)
{
    /* Every keysym that pressed it: the key is up for all of them. */
    for (guint i = vi->held->len; i-- > 0;) {
        if (vnc_held(vi, i)->code == code) {
            g_array_remove_index(vi->held, i);
        }
    }
    input_send_key(vi->ic, code, false);
}

void vnc_input_key(VncInput *vi, bool down, uint32_t keysym)
{
    int i = vnc_held_keysym(vi, keysym);
    int code;

    if (down) {
        if (i >= 0) {
            /* Auto-repeat: the key it pressed, whatever changed since. */
            code = vnc_held(vi, i)->code;
        } else {
            VncHeldKey h = { .keysym = keysym };

            code = vnc_key_for(vi, keysym);
            if (code < 0) {
                vnc_trace_unknown(vi, keysym);
                return;
            }
            h.code = code;
            g_array_append_val(vi->held, h);
        }
        input_send_key(vi->ic, code, true);
        return;
    }
    /*
     * A release names the keysym of the moment: 'A' after shift went up
     * first for an 'a' pressed, or the reverse. Release the key that
     * keysym pressed, else the held one of its keys; a release of
     * nothing this client holds is dropped.
     */
    code = i >= 0 ? vnc_held(vi, i)->code : vnc_key_held_for(vi, keysym);
    if (code >= 0) {
        vnc_key_up(vi, code);
    }
}

static uint32_t vnc_clamp(int v, uint32_t size)
{
    if (v < 0) {
        return 0;
    }
    return MIN((uint32_t)v, size - 1);
}

void vnc_input_pointer(VncInput *vi, int button_mask, int x, int y)
{
    static const struct {
        int bit;
        uint16_t code;
    } buttons[] = {
        { VNC_BUTTON_LEFT, BTN_LEFT },
        { VNC_BUTTON_MIDDLE, BTN_MIDDLE },
        { VNC_BUTTON_RIGHT, BTN_RIGHT },
    };
    int mask = button_mask & VNC_BUTTON_BITS;
    int pressed = mask & ~vi->buttons, changed = mask ^ vi->buttons;
    uint32_t w, h, cx, cy;

    /* The position first: a click lands where the pointer now is. */
    input_console_display_size(vi->ic, &w, &h);
    cx = vnc_clamp(x, w);
    cy = vnc_clamp(y, h);
    if (!vi->have_pos || cx != vi->x || cy != vi->y) {
        vi->have_pos = true;
        vi->x = cx;
        vi->y = cy;
        input_send_abs(vi->ic, cx, cy);
    }
    vi->buttons = mask;
    for (size_t i = 0; i < G_N_ELEMENTS(buttons); i++) {
        if (changed & buttons[i].bit) {
            input_send_key(vi->ic, buttons[i].code, mask & buttons[i].bit);
        }
    }
    /* One step per press; the release that follows carries nothing. */
    if (pressed & VNC_WHEEL_UP) {
        input_send_wheel(vi->ic, 1);
    }
    if (pressed & VNC_WHEEL_DOWN) {
        input_send_wheel(vi->ic, -1);
    }
    /* kbdif has one wheel (rel_z) and the input API too: dropped. */
    if ((pressed & (VNC_WHEEL_LEFT | VNC_WHEEL_RIGHT)) &&
        !vi->hwheel_traced) {
        vi->hwheel_traced = true;
        trace("horizontal wheel: kbdif has none, dropped");
    }
}

void vnc_input_release_all(VncInput *vi)
{
    if (vi->held->len || (vi->buttons & (VNC_BUTTON_LEFT |
                                         VNC_BUTTON_MIDDLE |
                                         VNC_BUTTON_RIGHT))) {
        trace("releasing %u keys and buttons 0x%x", vi->held->len,
              vi->buttons);
    }
    /* The last pressed first, as a user's hands would. */
    while (vi->held->len) {
        vnc_key_up(vi, vnc_held(vi, vi->held->len - 1)->code);
    }
    if (vi->buttons & VNC_BUTTON_LEFT) {
        input_send_key(vi->ic, BTN_LEFT, false);
    }
    if (vi->buttons & VNC_BUTTON_MIDDLE) {
        input_send_key(vi->ic, BTN_MIDDLE, false);
    }
    if (vi->buttons & VNC_BUTTON_RIGHT) {
        input_send_key(vi->ic, BTN_RIGHT, false);
    }
    /* A wheel bit still set must count as a new press next time. */
    vi->buttons = 0;
}
