/*
 * A PVH guest's xenstore ring (xen/io/xs_wire.h's
 * xenstore_domain_interface), served on a Xenner xenstore tree: what
 * xenstored does for a guest on Xen. Requests the guest writes into
 * `req` go through xs_wire's parser (xenner/xs_wire.c) as the guest's
 * domain; replies and watch events go into `rsp`, held back while the
 * guest has not made room. The ring's indices go through xen_ring.h's
 * checked accessors: a guest that lies about them loses its xenstore,
 * nothing else.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_KVM_PVH_STORE_H
#define HW_KVM_PVH_STORE_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/xs_wire.h>

#include "xenner/evtchn.h"
#include "xenner/xs_tree.h"

typedef struct PvhStore PvhStore;

/*
 * Serves @intf (a page of the guest's) for @domid over @tree; @be's
 * @port is ours of the ring's event channel.
 */
PvhStore *pvh_store_new(XsTree *tree, uint16_t domid,
                        struct xenstore_domain_interface *intf,
                        XennerEvtchnHandle *be, evtchn_port_t port);
void pvh_store_free(PvhStore *s);
/* The guest sent an event: requests to answer, or room for replies. */
void pvh_store_event(PvhStore *s);

#endif /* HW_KVM_PVH_STORE_H */
