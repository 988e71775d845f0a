/*
 * Disks the dom0 kernel's blkback serves (backend/vbd, libxl's
 * backendtype=phy), for a machine that is the toolstack (-xen-create):
 * what libxl's block hotplug script does, a loop device for an image
 * file and physical-device for blkback, without running any script.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_VBD_H
#define HW_XEN_XEN_VBD_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_backend.h"

typedef struct XenVbd XenVbd;

/*
 * Writes disk @vdev (@dev_name) of @domid as backend/vbd of @be's
 * domain, for blkback: @path is a block device, or a raw image file,
 * which gets a loop device of its own. Fails when blkback is not
 * loaded in this kernel.
 */
XenVbd *xen_vbd_create(XenBackend *be, uint16_t domid, unsigned vdev,
                       const char *dev_name, const char *path, bool readonly,
                       bool cdrom, Error **errp);
/*
 * After the domain's directories are gone: lets the loop device go,
 * which the kernel detaches once blkback has released it too.
 */
void xen_vbd_free(XenVbd *vbd);

#endif /* HW_XEN_XEN_VBD_H */
