/*
 * The xenner_pvh guest's disks: -drive if=xen and -device xen-disk, read
 * once at start-up. At each boot of the guest the block backend serves
 * them over Xenner's services, with their directories written as a
 * toolstack writes them, so that the guest's xen-blkfront finds them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_KVM_PVH_DISK_H
#define HW_KVM_PVH_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_backend_ops.h"
#include "hw/xen/xen_machine.h"
#include "util/error.h"
#include "util/event-loop.h"

typedef struct PvhDisks PvhDisks;

/*
 * The disks of guest @domid on the command line: -drive if=xen (xvda
 * upwards, or index=), and -device xen-disk,vdev=NAME,drive=ID (domid=
 * may be given: it must be @domid). Every image is checked as
 * xenner_pv checks it; any other -device is refused.
 */
PvhDisks *pvh_disks_new(const XenMachineConfig *cfg, uint16_t domid,
                        Error **errp);
/*
 * The guest is about to boot, its xenstore home written: starts the
 * block backend (domain 0 of @svc) and writes each disk's frontend and
 * backend directories. Nothing when there are no disks.
 */
bool pvh_disks_start(PvhDisks *pd, EventLoop *loop, const XenServices *svc,
                     Error **errp);
/*
 * The guest is gone: the backend disconnects and closes every disk
 * (before the guest's grant table and event channels go) and the
 * backend directories are removed.
 */
void pvh_disks_stop(PvhDisks *pd);
void pvh_disks_free(PvhDisks *pd);

#endif /* HW_KVM_PVH_DISK_H */
