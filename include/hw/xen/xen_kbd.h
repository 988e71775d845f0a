/*
 * The vkbd backend (xen/io/kbdif.h): keys, pointer and multi-touch from
 * the input API (include/ui/input.h) to a guest's xen-kbdfront.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_KBD_H
#define HW_XEN_XEN_KBD_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_backend.h"
#include "ui/input.h"
#include "util/qemu-option.h"

/* Bounds of what the backend offers (abs_x and the like are int32). */
#define XEN_KBD_MAX_SIZE 32768
/* kbdif's contact_id is a byte. */
#define XEN_KBD_MAX_CONTACTS 256

/* What a device offers its frontend: the backend directory's keys. */
typedef struct XenKbdOpts {
    uint32_t width, height;         /* the absolute pointer's range */
    bool abs_pointer;               /* feature-abs-pointer */
    bool raw_pointer;               /* feature-raw-pointer */
    bool multi_touch;               /* feature-multi-touch */
    uint32_t mt_width, mt_height, mt_contacts;
    bool disable_keyboard;          /* feature-disable-keyboard */
    bool disable_pointer;           /* feature-disable-pointer */
    char *unique_id;                /* NULL: none */
} XenKbdOpts;

/* 800x600 (xen-kbdfront's own default), absolute and raw pointer on. */
void xen_kbd_opts_default(XenKbdOpts *opts);
void xen_kbd_opts_clear(XenKbdOpts *opts);

/* Serves backend/vkbd; each device feeds on @hub's console of its guest. */
bool xen_kbd_register(XenBackend *be, InputHub *hub, Error **errp);

/*
 * The toolstack's part (EMULATE, -device xen-kbd): writes device @devid
 * of @domid with every feature key in place before the guest can probe.
 */
bool xen_kbd_create(XenBackend *be, uint16_t domid, unsigned devid,
                    const XenKbdOpts *opts, Error **errp);

/* -device xen-kbd's keys beyond driver and domid, read into @opts. */
extern const char *const xen_kbd_device_keys[];
bool xen_kbd_device_parse(QemuOpts *qo, XenKbdOpts *opts, unsigned *devid,
                          Error **errp);

#endif /* HW_XEN_XEN_KBD_H */
