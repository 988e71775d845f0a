/*
 * The xenner_pvh guest's PV devices: its disks (hw/kvm/pvh_disk.c),
 * vifs (hw/kvm/pvh_nic.c), and with -vnc a vfb and a vkbd
 * (hw/xen/xen_guest_display.c), on the backends that serve xenner_pv's and
 * real Xen's guests. Read once at start-up; at each boot of the guest
 * one backend core serves it as domain 0 and the devices' directories
 * are written as a toolstack writes them, so that the guest's frontends
 * find them; when the guest stops they go.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_KVM_PVH_DEVICES_H
#define HW_KVM_PVH_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_backend_ops.h"
#include "hw/xen/xen_disk.h"
#include "hw/xen/xen_guest_display.h"
#include "hw/xen/xen_machine.h"
#include "util/error.h"
#include "util/event-loop.h"

typedef struct PvhDevices PvhDevices;

/*
 * The devices of guest @domid on the command line (-drive, -netdev,
 * -nic, -device, -vnc), each checked as xenner_pv checks it; a -device
 * no backend here serves is refused. -vnc's display is open from here
 * on, across the guest's reboots.
 */
PvhDevices *pvh_devices_new(EventLoop *loop, const XenMachineConfig *cfg,
                            uint16_t domid, Error **errp);
/*
 * The guest is about to boot, its xenstore home written: starts the
 * backend core (domain 0 of @svc) and writes every device. Nothing when
 * the guest has no device.
 */
bool pvh_devices_start(PvhDevices *pv, const XenServices *svc, Error **errp);
/*
 * The guest is gone: every device disconnects and lets go of the guest's
 * grants and ports (before its grant table and event channels go), and
 * the backend directories are removed.
 */
void pvh_devices_stop(PvhDevices *pv);
void pvh_devices_free(PvhDevices *pv);
/* For QMP (query-block, screendump, query-vnc): they live as long. */
XenDiskHost *pvh_devices_disk_host(PvhDevices *pv);
const XenGuestDisplay *pvh_devices_display(PvhDevices *pv);

#endif /* HW_KVM_PVH_DEVICES_H */
