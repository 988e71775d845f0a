/*
 * The ops tables of xen_backend_ops.h over real Xen: libxenevtchn,
 * libxengnttab, libxenforeignmemory and libxenstore.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_OPERATIONS_H
#define HW_XEN_XEN_OPERATIONS_H

#include "hw/xen/xen_backend_ops.h"
#include "util/event-loop.h"

/*
 * The services of the Xen we run on. Xenstore watches are delivered
 * through @loop, which must outlive the returned services. Fails when
 * this is not a Xen domain with the privcmd driver (no foreign memory).
 */
const XenServices *xen_real_services(EventLoop *loop, Error **errp);
/* Frees what xen_real_services() returned, after every handle is closed. */
void xen_real_services_free(const XenServices *services);

#endif /* HW_XEN_XEN_OPERATIONS_H */
