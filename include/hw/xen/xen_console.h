/*
 * The console backend: backend/console devices, the primary console of
 * a PV guest (index 0, its ring in a page the domain builder chose) and
 * secondary consoles or channels at device/console/N, whose host side is
 * the chardev their `output` key names.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_CONSOLE_H
#define HW_XEN_XEN_CONSOLE_H

#include "chardev/char.h"
#include "hw/xen/xen_backend.h"

/* Output bytes buffered per console when `limit` does not say. */
#define XEN_CONSOLE_DEFAULT_LIMIT (64 * 1024)
#define XEN_CONSOLE_MAX_LIMIT (16 * 1024 * 1024)

bool xen_console_register(XenBackend *be, ChardevSet *chardevs,
                          Error **errp);

/*
 * The toolstack's part, as libxl does it: console @idx of @domid, served
 * by us (type ioemu), connected to @output ("pty", "chardev:ID", or a
 * legacy chardev spec such as "file:PATH"). Index 0 is the primary
 * console, whose ring (frame @ring_gfn) and port the domain builder gave
 * the guest; other indices take theirs from the frontend.
 */
bool xen_console_create(XenBackend *be, uint16_t domid, unsigned idx,
                        const char *output, const char *name,
                        uint64_t ring_gfn, evtchn_port_t port, Error **errp);

#endif /* HW_XEN_XEN_CONSOLE_H */
