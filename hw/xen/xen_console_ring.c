/*
 * xencons_interface ring access; see xen_console_ring.h.
 *
 * Both rings are index-pair rings of bytes, so every check and index
 * access is xen_ring.h's; this file only says which array is which.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/xen/xen_console_ring.h"

#include "hw/xen/xen_ring.h"

static XenPairRing out_ring(struct xencons_interface *intf)
{
    return xen_pair_ring(intf->out, sizeof(intf->out), 1, XEN_PAIR_OUT(intf));
}

static XenPairRing in_ring(struct xencons_interface *intf)
{
    return xen_pair_ring(intf->in, sizeof(intf->in), 1, XEN_PAIR_IN(intf));
}

int xencons_read_out(struct xencons_interface *intf, void *buf, size_t max)
{
    XenPairRing r = out_ring(intf);

    return xen_pair_ring_read(&r, buf, max);
}

int xencons_in_space(struct xencons_interface *intf)
{
    XenPairRing r = in_ring(intf);

    return xen_pair_ring_space(&r);
}

int xencons_write_in(struct xencons_interface *intf, const void *buf,
                     size_t len)
{
    XenPairRing r = in_ring(intf);

    return xen_pair_ring_write(&r, buf, len);
}

int xencons_read_in(struct xencons_interface *intf, void *buf, size_t max)
{
    XenPairRing r = in_ring(intf);

    return xen_pair_ring_read(&r, buf, max);
}

int xencons_out_space(struct xencons_interface *intf)
{
    XenPairRing r = out_ring(intf);

    return xen_pair_ring_space(&r);
}

int xencons_write_out(struct xencons_interface *intf, const void *buf,
                      size_t len)
{
    XenPairRing r = out_ring(intf);

    return xen_pair_ring_write(&r, buf, len);
}
