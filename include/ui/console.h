/*
 * Display consoles: the surface a display backend (the vfb) fills and its
 * consumers (screendump, the VNC display) read.
 *
 * A surface is a view, not a copy: its pixels are the guest's
 * framebuffer as mapped (read-only) by the backend, valid until the next
 * resize or until the console is freed. The guest may change them at any
 * time; a consumer converts what it reads into its own memory with
 * display_surface_row_xrgb() and never trusts it to stay put.
 *
 * Consumers register a DisplayListener. While at least one is attached
 * the console tells its backend, through the ConsoleRefreshFn, that a
 * refresh is wanted (the vfb then sends the guest REFRESH_PERIOD with
 * CONSOLE_REFRESH_MS); when the last one goes, that none is
 * (XENFB_NO_REFRESH), so an unwatched guest stops sending updates.
 *
 * No global state: the machine owns a ConsoleList, and each console is
 * in exactly one list. Everything runs on the event loop thread.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UI_CONSOLE_H
#define UI_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* The refresh period a consumer asks of a guest, in milliseconds (QEMU's). */
#define CONSOLE_REFRESH_MS 30

/*
 * Pixel formats by depth, as QEMU's xenfb and Linux's frontends lay them
 * out, little-endian: 8 is RGB 3:3:2 (red in the top bits), 16 is RGB
 * 5:6:5, 24 is three bytes B, G, R, 32 is xRGB 8:8:8:8 (B first).
 */
typedef struct DisplaySurface {
    uint32_t width;             /* pixels */
    uint32_t height;
    uint32_t depth;             /* bits per pixel: 8, 16, 24 or 32 */
    uint32_t stride;            /* bytes from one row to the next */
    const uint8_t *data;        /* row 0; stride * height bytes readable */
} DisplaySurface;

/* True when @s is well formed: a depth above, a stride that holds a row. */
bool display_surface_valid(const DisplaySurface *s);

/*
 * Converts @w pixels of row @y from column @x into 32-bit xRGB
 * (0x00RRGGBB) in @out; the caller keeps x + w <= width and y < height.
 */
void display_surface_row_xrgb(const DisplaySurface *s, uint32_t x,
                              uint32_t y, uint32_t w, uint32_t *out);

typedef struct ConsoleList ConsoleList;
typedef struct QemuConsole QemuConsole;
typedef struct DisplayListener DisplayListener;

/* What a consumer hears; any member may be NULL. */
typedef struct DisplayListenerOps {
    /* The surface changed size or format (or went: NULL). */
    void (*resize)(void *opaque, QemuConsole *con, const DisplaySurface *s);
    /* The guest drew into this rectangle, clipped to the surface. */
    void (*update)(void *opaque, QemuConsole *con, uint32_t x, uint32_t y,
                   uint32_t w, uint32_t h);
} DisplayListenerOps;

/* The backend's side: a consumer came (@wanted) or the last one went. */
typedef void ConsoleRefreshFn(void *opaque, bool wanted);

ConsoleList *console_list_new(void);
/* Every console must have been freed first. */
void console_list_free(ConsoleList *cl);
unsigned console_list_count(const ConsoleList *cl);
/* Consoles are numbered in creation order; NULL past the last. */
QemuConsole *console_list_nth(ConsoleList *cl, unsigned index);
/*
 * The console QMP's screendump names: @device is a console's label
 * (NULL: the first console), @head must be 0 (one head per console).
 * NULL with errp set, in QEMU's words, otherwise.
 */
QemuConsole *console_list_lookup(ConsoleList *cl, const char *device,
                                 unsigned head, Error **errp);

/*
 * A console with no surface yet; @label names it for QMP ("xenfb0.0"),
 * @domid is the guest it shows (-1: none). The list's notifiers hear
 * of it before this returns.
 */
QemuConsole *console_new(ConsoleList *cl, const char *label, int domid,
                         ConsoleRefreshFn *refresh, void *opaque);
/*
 * Listeners still attached hear a resize to NULL first, and are then
 * dropped: their DisplayListener is freed with the console, so a
 * consumer forgets it there and never removes it afterwards.
 */
void console_free(QemuConsole *con);
const char *console_label(const QemuConsole *con);

/*
 * The guest domain whose display this is (console_new()'s @domid), so
 * that a display (VNC) sends its input to that guest's InputConsole
 * (ui/input.h); -1 for none.
 */
int console_domid(const QemuConsole *con);

/*
 * The backend's: the surface is now @s (copied; NULL: none), which must
 * be valid. Every listener hears resize.
 */
void console_set_surface(QemuConsole *con, const DisplaySurface *s);
/* NULL while there is none. */
const DisplaySurface *console_surface(const QemuConsole *con);
/*
 * The backend's: the guest drew here. Clipped to the surface; nothing
 * is sent for an empty rectangle.
 */
void console_update(QemuConsole *con, uint32_t x, uint32_t y, uint32_t w,
                    uint32_t h);
/* Whether a consumer is attached: what the backend tells the guest. */
bool console_refresh_wanted(const QemuConsole *con);

/*
 * Writes the surface to @filename as QMP's screendump does: @format
 * "ppm" (NULL: the default) or "png", 8-bit RGB. False with QEMU's
 * error text for an unknown format, no surface or an unwritable file.
 */
bool console_screendump(QemuConsole *con, const char *filename,
                        const char *format, Error **errp);

/*
 * A display that shows a console which may not exist yet (the vfb's
 * console is made when the backend discovers the device) hears when
 * consoles come and go. @removed is called at the start of
 * console_free(), while the console and its listeners are still whole:
 * a consumer removes its listener there and forgets the console.
 */
typedef struct ConsoleListNotifierOps {
    void (*added)(void *opaque, QemuConsole *con);
    void (*removed)(void *opaque, QemuConsole *con);
} ConsoleListNotifierOps;

void console_list_add_notifier(ConsoleList *cl,
                               const ConsoleListNotifierOps *ops,
                               void *opaque);
/* By @opaque; a no-op when it has none. */
void console_list_remove_notifier(ConsoleList *cl, void *opaque);

DisplayListener *console_add_listener(QemuConsole *con,
                                      const DisplayListenerOps *ops,
                                      void *opaque);
void console_remove_listener(QemuConsole *con, DisplayListener *dl);

#endif /* UI_CONSOLE_H */
