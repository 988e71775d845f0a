/*
 * -vnc for a machine that builds its guest; see xen_guest_display.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/xen/xen_guest_display.h"

#include <string.h>

#include "hw/xen/xen_fb.h"
#include "hw/xen/xen_kbd.h"

bool xen_guest_display_open(XenGuestDisplay *d, EventLoop *loop,
                            const char *vnc, const char *keymap,
                            Error **errp)
{
    *d = (XenGuestDisplay) { 0 };
    if (!vnc || !strcmp(vnc, "none")) {
        return true;
    }
    d->input = input_hub_new();
    d->consoles = console_list_new();
    d->vnc = vnc_display_open(loop, d->consoles, d->input, vnc, keymap,
                              NULL, errp);
    return d->vnc;
}

bool xen_guest_display_wanted(const XenGuestDisplay *d)
{
    return d->vnc;
}

bool xen_guest_display_add(XenGuestDisplay *d, XenBackend *be,
                           uint16_t domid, Error **errp)
{
    XenFbConfig fb;
    XenKbdOpts kbd;
    bool ok;

    if (!d->vnc) {
        return true;
    }
    xen_fb_config_default(&fb);
    xen_kbd_opts_default(&kbd);
    ok = xen_kbd_register(be, d->input, errp) &&
         xen_fb_register(be, d->consoles, errp) &&
         xen_fb_create(be, domid, 0, &fb, errp) &&
         xen_kbd_create(be, domid, 0, &kbd, errp);
    xen_kbd_opts_clear(&kbd);
    return ok;
}

void xen_guest_display_close(XenGuestDisplay *d)
{
    vnc_display_close(d->vnc);
    input_hub_free(d->input);
    console_list_free(d->consoles);
    *d = (XenGuestDisplay) { 0 };
}
