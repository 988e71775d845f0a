/*
 * QEMU keymap files -> Linux key codes; see include/ui/keymap.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ui/keymap.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>


typedef struct KeysymName {
    const char *name;
    uint32_t sym;
} KeysymName;

#include "keysym-names.h"

/* QEMU's key numbers stay below this (0x80 marks the 0xe0 prefix). */
#define KEYMAP_NUMBERS 0x200
/* Below this, a key number is the Linux code (the PC scancode set 1). */
#define KEYMAP_PLAIN_NUMBERS 0x59
#define KEYMAP_MAX_DEPTH 4

/* One line of the file; a keysym's lines are chained in file order. */
typedef struct KeymapEntry {
    KeymapKey key;
    int next;                   /* index in entries, -1 at the end */
} KeymapEntry;

struct Keymap {
    GHashTable *syms;           /* keysym -> 1 + index of its first entry */
    GArray *entries;            /* KeymapEntry */
    int evdev[KEYMAP_NUMBERS];  /* key number -> Linux code, 0 unknown */
};

static int keysym_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const KeysymName *)elem)->name);
}

uint32_t keymap_keysym_from_name(const char *name)
{
    const KeysymName *k = bsearch(name, keysym_names,
                                  G_N_ELEMENTS(keysym_names),
                                  sizeof(keysym_names[0]), keysym_cmp);
    uint64_t u;

    if (k) {
        return k->sym;
    }
    /* Unicode names, as xkb writes them: U20AC is keysym 0x10020ac. */
    if (name[0] == 'U' && name[1] && strlen(name) <= 7 &&
        strspn(name + 1, "0123456789abcdefABCDEF") == strlen(name + 1)) {
        u = strtoull(name + 1, NULL, 16);
        if (u <= 0x10ffff) {
            return u < 0x100 ? (uint32_t)u : 0x1000000 | (uint32_t)u;
        }
    }
    return 0;
}

/* "# evdev 97 (0x61), QKeyCode "ctrl_r", number 0x9d" */
static void keymap_parse_comment(Keymap *km, const char *line)
{
    const char *num;
    char *end;
    unsigned long evdev, number;

    if (!g_str_has_prefix(line, "# evdev ")) {
        return;
    }
    evdev = strtoul(line + strlen("# evdev "), &end, 10);
    num = strstr(end, ", number 0x");
    if (!num || end == line + strlen("# evdev ")) {
        return;
    }
    number = strtoul(num + strlen(", number 0x"), &end, 16);
    if (number < KEYMAP_NUMBERS && evdev > 0 && evdev <= 0x2ff) {
        km->evdev[number] = evdev;
    }
}

static KeymapEntry *keymap_entry(const Keymap *km, int i)
{
    return &g_array_index(km->entries, KeymapEntry, i);
}

/*
 * Keeps every entry of a keysym, not just the first: a keysym on two
 * keys (de's degree: shift+altgr+0 and shift+^) is typed with the one
 * the modifiers held select, as QEMU does.
 */
static void keymap_add(Keymap *km, uint32_t sym, unsigned code,
                       unsigned mods)
{
    KeymapEntry e = { .key = { .code = code, .mods = mods }, .next = -1 };
    gpointer key = GUINT_TO_POINTER(sym);
    gpointer head;
    int i;

    if (g_hash_table_lookup_extended(km->syms, key, NULL, &head)) {
        for (i = GPOINTER_TO_INT(head) - 1; ; i = keymap_entry(km, i)->next) {
            KeymapEntry *o = keymap_entry(km, i);

            if (o->key.code == code && o->key.mods == mods) {
                return;         /* included twice: one is enough */
            }
            if (o->next < 0) {
                break;
            }
        }
        keymap_entry(km, i)->next = km->entries->len;
    } else {
        g_hash_table_insert(km->syms, key,
                            GINT_TO_POINTER(km->entries->len + 1));
    }
    g_array_append_val(km->entries, e);
}

static bool keymap_parse_file(Keymap *km, const char *dir, const char *name,
                              int depth, Error **errp);

static bool keymap_parse_line(Keymap *km, const char *dir, char *line,
                              int depth, Error **errp)
{
    g_auto(GStrv) tok = NULL;
    unsigned mods = 0, code;
    unsigned long number;
    uint32_t sym;
    char *end;

    g_strstrip(line);
    if (line[0] == '#') {
        keymap_parse_comment(km, line);
        return true;
    }
    tok = g_strsplit_set(line, " \t", -1);
    if (!tok[0] || !tok[0][0]) {
        return true;
    }
    if (!strcmp(tok[0], "include") && tok[1]) {
        return keymap_parse_file(km, dir, tok[1], depth + 1, errp);
    }
    if (!strcmp(tok[0], "map") || !tok[1]) {
        return true;
    }
    sym = keymap_keysym_from_name(tok[0]);
    errno = 0;
    number = strtoul(tok[1], &end, 0);
    if (!sym || errno || *end || number >= KEYMAP_NUMBERS) {
        return true;            /* a name we do not know: QEMU skips it */
    }
    code = km->evdev[number];
    if (!code && number < KEYMAP_PLAIN_NUMBERS) {
        code = number;
    }
    if (!code) {
        return true;
    }
    for (int i = 2; tok[i]; i++) {
        if (!strcmp(tok[i], "shift")) {
            mods |= KEYMAP_MOD_SHIFT;
        } else if (!strcmp(tok[i], "altgr")) {
            mods |= KEYMAP_MOD_ALTGR;
        } else if (!strcmp(tok[i], "numlock")) {
            mods |= KEYMAP_MOD_NUMLOCK;
        }
    }
    keymap_add(km, sym, code, mods);
    for (int i = 2; tok[i]; i++) {
        /* "a 0x1e addupper": A is the same key with shift. */
        if (!strcmp(tok[i], "addupper")) {
            g_autofree char *upper = g_ascii_strup(tok[0], -1);
            uint32_t usym = keymap_keysym_from_name(upper);

            if (usym && usym != sym) {
                keymap_add(km, usym, code, mods | KEYMAP_MOD_SHIFT);
            }
        }
    }
    return true;
}

static bool keymap_parse_file(Keymap *km, const char *dir, const char *name,
                              int depth, Error **errp)
{
    g_autofree char *path = NULL, *contents = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) lines = NULL;

    if (!name[0] || strchr(name, '/') || !strcmp(name, "..") ||
        !strcmp(name, ".")) {
        error_setg(errp, "keymap '%s': not a keymap name", name);
        return false;
    }
    if (depth > KEYMAP_MAX_DEPTH) {
        error_setg(errp, "keymap '%s': includes nested too deep", name);
        return false;
    }
    path = g_build_filename(dir, name, NULL);
    if (!g_file_get_contents(path, &contents, NULL, &err)) {
        error_setg(errp, "keymap '%s': %s", name, err->message);
        return false;
    }
    lines = g_strsplit(contents, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (!keymap_parse_line(km, dir, lines[i], depth, errp)) {
            return false;
        }
    }
    return true;
}

Keymap *keymap_load(const char *name, const char *dir, Error **errp)
{
    Keymap *km = g_new0(Keymap, 1);

    km->syms = g_hash_table_new(g_direct_hash, g_direct_equal);
    km->entries = g_array_new(false, false, sizeof(KeymapEntry));
    if (!keymap_parse_file(km, dir ? dir : KEYMAP_DIR, name, 0, errp)) {
        keymap_free(km);
        return NULL;
    }
    return km;
}

void keymap_free(Keymap *km)
{
    if (!km) {
        return;
    }
    g_hash_table_destroy(km->syms);
    g_array_free(km->entries, true);
    g_free(km);
}

size_t keymap_lookup_all(const Keymap *km, uint32_t keysym, KeymapKey *out,
                         size_t max)
{
    gpointer head;
    size_t n = 0;

    if (!g_hash_table_lookup_extended(km->syms, GUINT_TO_POINTER(keysym),
                                      NULL, &head)) {
        return 0;
    }
    for (int i = GPOINTER_TO_INT(head) - 1; i >= 0;
         i = keymap_entry(km, i)->next) {
        if (n < max) {
            out[n] = keymap_entry(km, i)->key;
        }
        n++;
    }
    return n;
}

int keymap_lookup(const Keymap *km, uint32_t keysym, unsigned *mods)
{
    KeymapKey first;

    if (!keymap_lookup_all(km, keysym, &first, 1)) {
        return -1;
    }
    if (mods) {
        *mods = first.mods;
    }
    return first.code;
}
