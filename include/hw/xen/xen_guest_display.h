/*
 * -vnc for a machine that builds its guest (XEN_CREATE, xenner_pvh): one
 * display, and on it the guest's vfb and vkbd, as xl's
 * vfb = [ 'vnc=1' ] gives a domain both. The display outlives the
 * guest: each boot's backend writes the devices afresh.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_GUEST_DISPLAY_H
#define HW_XEN_XEN_GUEST_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_backend.h"
#include "ui/console.h"
#include "ui/input.h"
#include "ui/vnc.h"
#include "util/event-loop.h"

typedef struct XenGuestDisplay {
    InputHub *input;            /* the vkbd's keyboard and pointer */
    ConsoleList *consoles;      /* the vfb's console (QMP's screendump) */
    VncDisplay *vnc;            /* NULL: no -vnc (or -vnc none) */
} XenGuestDisplay;

/*
 * Opens -vnc @vnc (NULL or "none": no display, and true) with @keymap
 * (-k, or NULL), bound before it returns.
 */
bool xen_guest_display_open(XenGuestDisplay *d, EventLoop *loop,
                            const char *vnc, const char *keymap,
                            Error **errp);
/* Whether the guest gets a vfb and vkbd. */
bool xen_guest_display_wanted(const XenGuestDisplay *d);
/*
 * Registers the vfb and vkbd backends on @be and writes device 0 of
 * each for @domid, as libxl does; nothing without a display.
 */
bool xen_guest_display_add(XenGuestDisplay *d, XenBackend *be,
                           uint16_t domid, Error **errp);
void xen_guest_display_close(XenGuestDisplay *d);

#endif /* HW_XEN_XEN_GUEST_DISPLAY_H */
