/*
 * The VNC display: a guest's display console (ui/console.h) served to
 * RFB clients by libvncserver, on the process's one event loop.
 *
 * A display shows one console: the one whose label display= names, or
 * else the first console of the list; until it exists (the vfb makes its
 * console when the backend discovers the device) and while it has no
 * surface, clients see a black 640x480 screen. Keys and the pointer go
 * to the InputConsole of that console's guest (ui/input.h), keysyms
 * translated with the keymap of -k (ui/keymap.h).
 *
 * The display listens to the console only while a client is connected:
 * with none, the guest is told to stop refreshing (REFRESH_PERIOD 0)
 * and the display costs nothing.
 *
 * Single-threaded: everything runs in the event loop's callbacks. No
 * global state of ours; libvncserver's log functions are pointed at
 * our trace domain "vnc" once (they are the library's globals).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UI_VNC_H
#define UI_VNC_H

#include <stdbool.h>

#include "ui/console.h"
#include "ui/input.h"
#include "util/error.h"
#include "util/event-loop.h"

typedef struct VncDisplay VncDisplay;

/* The keymap when -k gives none, as QEMU's. */
#define VNC_DEFAULT_KEYMAP "en-us"

/*
 * Opens the display that @optstr describes, in -vnc's syntax
 * (ui/vnc-opts.h: "127.0.0.1:0,to=99,password=on", "unix:/path",
 * "none"), showing a console of @consoles and sending input to @hub.
 * @keymap is -k's layout name (NULL: VNC_DEFAULT_KEYMAP), loaded from
 * @keymap_dir (NULL: KEYMAP_DIR).
 *
 * "none" gives a display that listens nowhere (query-vnc: enabled
 * false), as QEMU's -vnc none. This is also what a machine calls when
 * the toolstack, not the command line, asks for VNC (ATTACH: libxl's
 * vfb keys vnclisten/vncdisplay/vncunused turned into the same string;
 * vncpasswd through vnc_display_set_password()).
 *
 * The listening socket is bound before this returns: a port in use (or
 * no free one in to='s range) is an error here, not later.
 */
VncDisplay *vnc_display_open(EventLoop *loop, ConsoleList *consoles,
                             InputHub *hub, const char *optstr,
                             const char *keymap, const char *keymap_dir,
                             Error **errp);
/* Disconnects every client; the unix socket file is removed. */
void vnc_display_close(VncDisplay *vd);

/*
 * The VNC password (QMP change-vnc-password, set_password): only the
 * first 8 characters count, as in VNC authentication. Clients that
 * connect from now on need it. False ("Could not set password", QEMU's
 * words) when the display was not opened with password=on.
 */
bool vnc_display_set_password(VncDisplay *vd, const char *password,
                              Error **errp);

/* ---- query-vnc ----------------------------------------------------------- */

typedef struct VncAddrInfo {
    const char *host;           /* numeric; "" for a unix socket */
    const char *service;        /* a port, or a socket's path */
    const char *family;         /* "ipv4", "ipv6", "unix", "unknown" */
} VncAddrInfo;

/* False for -vnc none (nothing is listening). */
bool vnc_display_enabled(const VncDisplay *vd);
/* Where it listens; valid while @vd is. Only when enabled. */
const VncAddrInfo *vnc_display_addr(const VncDisplay *vd);
/* "none" or "vnc", as QEMU's VncInfo.auth. */
const char *vnc_display_auth(const VncDisplay *vd);

typedef void VncClientFn(void *opaque, const VncAddrInfo *client);
/* Every client connected, its peer address. */
void vnc_display_foreach_client(VncDisplay *vd, VncClientFn *fn,
                                void *opaque);
unsigned vnc_display_client_count(const VncDisplay *vd);

/* The console shown, or NULL (blank). For tests and query-vnc users. */
QemuConsole *vnc_display_console(const VncDisplay *vd);

#endif /* UI_VNC_H */
