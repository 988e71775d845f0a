/*
 * -drive and -device xen-disk, read into what the block backend needs:
 * shared by every machine type that creates disks itself.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_DRIVE_H
#define HW_XEN_XEN_DRIVE_H

#include <stdbool.h>

#include "hw/xen/xen_disk.h"
#include "util/qemu-option.h"

typedef struct XenDrive {
    char *id;                   /* NULL unless id= */
    bool if_xen;                /* if=xen: the machine attaches it */
    int index;                  /* index=, or -1 */
    char *file;                 /* file= */
    char *params;               /* as libxl writes it: "qcow2:/path" */
    bool readonly;
    bool cdrom;
    XenDiskOpts opts;
    bool used;                  /* a -device took it */
} XenDrive;

/*
 * Parses one -drive, and checks that its file can be opened as asked, so
 * that a typo stops start-up as in QEMU rather than failing the disk
 * later. Free with xen_drive_free().
 */
XenDrive *xen_drive_parse(QemuOpts *opts, Error **errp);
void xen_drive_free(XenDrive *drive);

/*
 * The xen-disk -device keys beyond domid/vdev/drive, applied to
 * @drive's options.
 */
extern const char *const xen_disk_device_keys[];
bool xen_disk_device_apply(QemuOpts *opts, XenDrive *drive, Error **errp);

#endif /* HW_XEN_XEN_DRIVE_H */
