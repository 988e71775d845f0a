/*
 * The QMP monitors a machine serves (-mon chardev=ID,mode=control), with
 * the commands about the machine itself: query-name, query-chardev,
 * query-block, query-blockstats, screendump and the VNC display's
 * query-vnc, change-vnc-password and set_password, and
 * system_powerdown, beside monitor/'s built-ins. quit stops the event
 * loop, as SIGTERM does.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_QMP_H
#define HW_XEN_XEN_QMP_H

#include <glib.h>

#include "chardev/char.h"
#include "hw/xen/xen_disk.h"
#include "ui/console.h"
#include "ui/vnc.h"
#include "util/event-loop.h"

typedef struct XenQmp XenQmp;

/* @mons: QemuOpts of -mon; @disks may be NULL (no disks to report). */
XenQmp *xen_qmp_start(EventLoop *loop, GPtrArray *mons, ChardevSet *chardevs,
                      XenDiskHost *disks, const char *name, Error **errp);
/* The displays screendump reads; without them it has no console. */
void xen_qmp_set_consoles(XenQmp *q, ConsoleList *consoles);
/* The VNC display query-vnc reports (NULL: none, enabled false). */
void xen_qmp_set_vnc(XenQmp *q, VncDisplay *vnc);
/*
 * What system_powerdown does: a machine that built its guest asks it to
 * power off; without one the command fails, as the toolstack owns the
 * domain.
 */
typedef bool XenQmpPowerdownFn(void *opaque, Error **errp);
void xen_qmp_set_powerdown(XenQmp *q, XenQmpPowerdownFn *fn, void *opaque);
void xen_qmp_free(XenQmp *q);

#endif /* HW_XEN_XEN_QMP_H */
