/*
 * The xenner_pvh guest's disks: -drive if=xen and -device xen-disk, read
 * once at start-up, and written at each boot on the backend core
 * hw/kvm/pvh_devices.c starts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_KVM_PVH_DISK_H
#define HW_KVM_PVH_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_backend.h"
#include "hw/xen/xen_disk.h"
#include "hw/xen/xen_machine.h"
#include "util/error.h"
#include "util/qemu-option.h"

typedef struct PvhDisks PvhDisks;

/*
 * The -drive options for guest @domid: if=xen ones are its disks (xvda
 * upwards, or index=); if=none ones wait for a -device xen-disk. Every
 * image is checked as xenner_pv checks it.
 */
PvhDisks *pvh_disks_new(const XenMachineConfig *cfg, uint16_t domid,
                        Error **errp);
/* -device xen-disk,vdev=NAME,drive=ID (domid= may be given: the guest's). */
bool pvh_disks_add_device(PvhDisks *pd, QemuOpts *opts, Error **errp);
bool pvh_disks_empty(PvhDisks *pd);
/* Serves the disks on @be and writes their directories. */
bool pvh_disks_start(PvhDisks *pd, XenBackend *be, Error **errp);
void pvh_disks_free(PvhDisks *pd);
/* What the disks report (QMP's query-block), across the guest's boots. */
XenDiskHost *pvh_disks_host(PvhDisks *pd);

#endif /* HW_KVM_PVH_DISK_H */
