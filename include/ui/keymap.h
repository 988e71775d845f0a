/*
 * Keysym -> Linux key code, for `-k KEYMAP`: reads QEMU's keymap files
 * (/usr/share/qemu/keymaps, Debian's qemu-system-data), so that a VNC
 * client's keysyms reach the guest as the keys of the layout the guest
 * uses. A keymap file lists `KEYSYM-NAME NUMBER [shift] [altgr] ...`
 * where NUMBER is QEMU's key number (a PC scancode, 0x80 set for the
 * 0xe0-prefixed ones); the comment before each block names the evdev
 * (Linux) code of that number, which is where we take the translation
 * from, so that no scancode table is copied here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UI_KEYMAP_H
#define UI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define KEYMAP_DIR "/usr/share/qemu/keymaps"

typedef struct Keymap Keymap;

/* What must be held for the keysym, as the file says. */
enum {
    KEYMAP_MOD_SHIFT = 1 << 0,
    KEYMAP_MOD_ALTGR = 1 << 1,
    KEYMAP_MOD_NUMLOCK = 1 << 2,
};

/*
 * Loads keymap @name ("de", "en-us") from @dir (NULL: KEYMAP_DIR),
 * following `include` lines. @name may not contain '/'.
 */
Keymap *keymap_load(const char *name, const char *dir, Error **errp);
void keymap_free(Keymap *km);

/*
 * The Linux key code (KEY_*) for X11 @keysym, or -1 when the map has
 * none; *@mods (may be NULL) gets the KEYMAP_MOD_* the entry names. The
 * first entry of a keysym in the file wins, as in QEMU.
 */
int keymap_lookup(const Keymap *km, uint32_t keysym, unsigned *mods);

/* One entry of a keysym: press @code with @mods held. */
typedef struct KeymapKey {
    uint16_t code;              /* KEY_* */
    uint8_t mods;               /* KEYMAP_MOD_* */
} KeymapKey;

/*
 * Every entry of X11 @keysym, in the order of the file (the first is
 * keymap_lookup()'s); at most @max are stored in @out. Returns how many
 * the map has, which may exceed @max; 0 when none.
 */
size_t keymap_lookup_all(const Keymap *km, uint32_t keysym, KeymapKey *out,
                         size_t max);

/* The X11 keysym of a name ("z", "Escape", "U20AC"), or 0. */
uint32_t keymap_keysym_from_name(const char *name);

#endif /* UI_KEYMAP_H */
