/*
 * Xenner: the Xen services of XEN_EMULATE mode, in-process. A Xenner
 * holds what a hypervisor and xenstored would: the xenstore tree, the
 * event channels, and per domain its memory and grant table. Its
 * XenServices let the backend core and every backend use them through
 * the same ops tables as real Xen; in-process guests use the guest-side
 * interface of xenner/guest.h.
 *
 * Domain 0 exists from the start and runs the backends.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_XENNER_H
#define XENNER_XENNER_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_backend_ops.h"
#include "util/error.h"
#include "util/event-loop.h"
#include "xenner/evtchn.h"
#include "xenner/gnttab.h"
#include "xenner/guest_mem.h"
#include "xenner/xs_tree.h"

typedef struct Xenner Xenner;

/*
 * Grant table frames a new domain gets: 32, 16384 v1 entries (Xen's
 * gnttab_max_frames allows 64 by default). Linux's blkfront with
 * indirect descriptors and several queues holds thousands of grants.
 */
#define XENNER_DOMAIN_GNTTAB_FRAMES 32

Xenner *xenner_new(EventLoop *loop, XsTree *xenstore, Error **errp);
/* Every domain but 0 must have been removed, every handle closed. */
void xenner_free(Xenner *x);

EventLoop *xenner_loop(Xenner *x);
XsTree *xenner_xenstore(Xenner *x);
XennerEvtchn *xenner_evtchn(Xenner *x);
/* The ops tables over this Xenner, acting as domain 0. */
const XenServices *xenner_services(Xenner *x);

/*
 * Builds domain @domid as a toolstack would: @mem_frames of memory, a
 * grant table in its first frames, event channels, and its xenstore
 * entries (/local/domain/<domid> owned by it, with name and domid;
 * @introduceDomain fires).
 */
bool xenner_domain_create(Xenner *x, uint16_t domid, const char *name,
                          uint64_t mem_frames, Error **errp);
/*
 * Destroys it: its event channels close, its xenstore entries go,
 * @releaseDomain fires. Backends must have unmapped its memory.
 */
void xenner_domain_destroy(Xenner *x, uint16_t domid);
/*
 * A domain a machine builds itself (xenner_pvh: a guest on KVM whose RAM
 * is @mem and whose grant table is @gnttab, both the caller's): the ops
 * tables reach them as they reach a created domain's. Its event channels
 * and xenstore entries are the caller's to make. Detach it before
 * freeing @mem or @gnttab, once the backends have let go of it.
 */
bool xenner_domain_attach(Xenner *x, uint16_t domid, XennerMem *mem,
                          XennerGnttab *gnttab, Error **errp);
void xenner_domain_detach(Xenner *x, uint16_t domid);
bool xenner_domain_exists(Xenner *x, uint16_t domid);
XennerMem *xenner_domain_mem(Xenner *x, uint16_t domid);
XennerGnttab *xenner_domain_gnttab(Xenner *x, uint16_t domid);

/*
 * A xenstore handle acting for @domid (guests use this one; backends get
 * domain 0's through xenner_services()).
 */
XenXsHandle *xenner_xs_open_as(Xenner *x, uint16_t domid);

#endif /* XENNER_XENNER_H */
