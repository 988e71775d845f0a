/*
 * The xenner_pvh guest's vifs: -netdev with -device xen-net-device (or
 * -nic), read once at start-up, and written at each boot on the backend
 * core hw/kvm/pvh_devices.c starts. The netdevs stay open across boots.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_KVM_PVH_NIC_H
#define HW_KVM_PVH_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_backend.h"
#include "hw/xen/xen_machine.h"
#include "util/error.h"
#include "util/event-loop.h"
#include "util/qemu-option.h"

typedef struct PvhNics PvhNics;

/* Opens every -netdev for guest @domid. */
PvhNics *pvh_nics_new(EventLoop *loop, const XenMachineConfig *cfg,
                      uint16_t domid, Error **errp);
/*
 * -device xen-net-device,netdev=ID[,mac=...]: checked now, written at
 * each boot; domid= may be given: the guest's.
 */
bool pvh_nics_add_device(PvhNics *pn, QemuOpts *opts, Error **errp);
bool pvh_nics_empty(PvhNics *pn);
/* Serves the vifs on @be and writes their directories. */
bool pvh_nics_start(PvhNics *pn, XenBackend *be, Error **errp);
/* After @be is freed: the vifs are gone, their netdevs free again. */
void pvh_nics_stop(PvhNics *pn);
void pvh_nics_free(PvhNics *pn);

#endif /* HW_KVM_PVH_NIC_H */
