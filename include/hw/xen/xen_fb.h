/*
 * The framebuffer backend (backend/vfb, xen/io/fbif.h): maps the guest's
 * framebuffer read-only and shows it on a display console.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_FB_H
#define HW_XEN_XEN_FB_H

#include "hw/xen/xen_backend.h"
#include "ui/console.h"

/* What a frontend is offered when the toolstack says nothing (Linux's). */
#define XEN_FB_DEFAULT_WIDTH 800
#define XEN_FB_DEFAULT_HEIGHT 600
#define XEN_FB_DEFAULT_VIDEORAM_MB 16
/*
 * The most video memory a frontend is granted: mapped in one window
 * (Xenner maps at most 256 MiB), and its directory fits before the
 * rings on x86_64 (123 directory pages of 2 MiB).
 */
#define XEN_FB_MAX_VIDEORAM_MB 128

typedef struct XenFbConfig {
    unsigned width;             /* offered to the frontend (`width`) */
    unsigned height;
    unsigned videoram_mb;       /* `videoram`: the most mem_length may be */
} XenFbConfig;

void xen_fb_config_default(XenFbConfig *cfg);

/* Serves backend/vfb; each device gets a console in @consoles. */
bool xen_fb_register(XenBackend *be, ConsoleList *consoles, Error **errp);

/*
 * The toolstack's part: vfb @devid of @domid, with `videoram`, `width`
 * and `height` in the backend directory before the frontend can probe.
 */
bool xen_fb_create(XenBackend *be, uint16_t domid, unsigned devid,
                   const XenFbConfig *cfg, Error **errp);

/* The console of a device's label: "xenfb<domid>.<devid>" (for QMP). */
char *xen_fb_console_label(uint16_t domid, unsigned devid);

#endif /* HW_XEN_XEN_FB_H */
