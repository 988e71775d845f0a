/*
 * The two rings of struct xencons_interface (xen/io/console.h), with the
 * checks a side must make on indices the other side writes. Each call
 * reads the peer's index once, checks that it lies within one ring of
 * ours, and only then touches the ring: a peer that lies gets -EPROTO and
 * nothing is copied.
 *
 * The backend reads `out` and writes `in`; a frontend does the opposite.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_CONSOLE_RING_H
#define HW_XEN_XEN_CONSOLE_RING_H

#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/console.h>

/* Backend: moves up to @max bytes the guest wrote into @buf. */
int xencons_read_out(struct xencons_interface *intf, void *buf, size_t max);
/* Backend: room for input in the guest's `in` ring, or -EPROTO. */
int xencons_in_space(struct xencons_interface *intf);
/* Backend: copies up to @len bytes of input; returns how many. */
int xencons_write_in(struct xencons_interface *intf, const void *buf,
                     size_t len);

/* Frontend: the same, the other way round. */
int xencons_read_in(struct xencons_interface *intf, void *buf, size_t max);
int xencons_out_space(struct xencons_interface *intf);
int xencons_write_out(struct xencons_interface *intf, const void *buf,
                      size_t len);

#endif /* HW_XEN_XEN_CONSOLE_RING_H */
