/*
 * The VNC display a toolstack asks for in a vfb's backend directory.
 *
 * libxl writes, for vfb = [ 'vnc=1,vnclisten=...,vncdisplay=N,
 * vncunused=1,vncpasswd=...' ], the keys vnc, vnclisten, vncdisplay,
 * vncunused and vncpasswd (the last only when set) into
 * backend/vfb/<domid>/<devid>. It also passes -vnc on the command line
 * of a qemu-xen device model, and as in QEMU the command line wins; the
 * keys are what a device model started without -vnc goes by (the way
 * qemu-traditional served xend and libxl).
 *
 * The keys become the -vnc string libxl would have built from them
 * (libxl_dm.c): "LISTEN:DISPLAY", or LISTEN alone when it holds a ':'
 * (and vncdisplay is 0), then ",password=on" when vncpasswd is not
 * empty, then ",to=99" for vncunused=1. The password itself is set
 * apart, as libxl's change-vnc-password would.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_VFB_VNC_H
#define HW_XEN_XEN_VFB_VNC_H

#include <stdbool.h>

#include "hw/xen/xen_backend_ops.h"
#include "util/error.h"

/* The keys as read; NULL when absent. */
typedef struct XenVfbVncKeys {
    const char *vnc;            /* "1": a VNC display; "0" or absent: none */
    const char *vnclisten;      /* host, or host:display; default 127.0.0.1 */
    const char *vncdisplay;     /* decimal; default 0 */
    const char *vncunused;      /* "1": the first free display from there */
    const char *vncpasswd;      /* empty or absent: no password */
} XenVfbVncKeys;

typedef struct XenVfbVnc {
    char *optstr;               /* in -vnc's syntax; NULL: no VNC asked for */
    char *password;             /* NULL: none */
} XenVfbVnc;

/* libxl's default vnclisten. */
#define XEN_VFB_VNC_DEFAULT_LISTEN "127.0.0.1"
/* libxl's to= for vncunused=1: displays up to 99. */
#define XEN_VFB_VNC_UNUSED_TO 99

/*
 * Fills @out (cleared first) from @k. False, with the key and value
 * named, for a value libxl would not write: vnc or vncunused other than
 * 0 or 1, a vncdisplay that is not a display number, a vncdisplay
 * beside a vnclisten that holds one, a comma or a control character in
 * vnclisten (it would add options to the string).
 */
bool xen_vfb_vnc_from_keys(const XenVfbVncKeys *k, XenVfbVnc *out,
                           Error **errp);
void xen_vfb_vnc_clear(XenVfbVnc *v);

/*
 * Reads the keys of domain @domid's first vfb (the lowest devid under
 * /local/domain/@be_domid/backend/vfb/@domid) through @ops and converts
 * them. A domain without a vfb gets out->optstr NULL and true; a failed
 * read other than a missing key is an error.
 */
bool xen_vfb_vnc_read(const XenXenstoreOps *ops, XenXsHandle *xs,
                      unsigned be_domid, unsigned domid, XenVfbVnc *out,
                      Error **errp);

#endif /* HW_XEN_XEN_VFB_VNC_H */
