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
    bool vbd;                   /* backend=vbd: the dom0 kernel's blkback */
    XenDiskOpts opts;
    bool used;                  /* a -device took it */
    int lock_fd;                /* the start-up check's locks; -1: none */
} XenDrive;

/*
 * Parses one -drive, and checks that its file can be opened as asked,
 * and locked as QEMU would (no other writer, here or in another
 * process), so that a typo or a clash stops start-up as in QEMU rather
 * than failing the disk later. The check's locks are held until
 * xen_drive_unlock(), so that the drives of one command line are checked
 * against each other as well. Free with xen_drive_free().
 */
XenDrive *xen_drive_parse(QemuOpts *opts, Error **errp);
/* Releases the check's locks: before the disk's own open takes them. */
void xen_drive_unlock(XenDrive *drive);
void xen_drive_free(XenDrive *drive);

/*
 * The disk name of -drive if=xen number @index (its index= or its
 * place): xvda upwards, as QEMU's xenpv machine numbers them.
 */
char *xen_drive_vdev_name(unsigned index, Error **errp);

/*
 * The xen-disk -device keys beyond domid/vdev/drive, applied to
 * @drive's options.
 */
extern const char *const xen_disk_device_keys[];
bool xen_disk_device_apply(QemuOpts *opts, XenDrive *drive, Error **errp);

#endif /* HW_XEN_XEN_DRIVE_H */
