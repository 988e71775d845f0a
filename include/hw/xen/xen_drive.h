/*
 * -drive and -device xen-disk, read into what the block backend needs:
 * shared by every machine type that creates disks itself.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_DRIVE_H
#define HW_XEN_XEN_DRIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

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
 * Every -drive of @drive_opts (QemuOpts) parsed into @drives (XenDrive),
 * their IDs unique; then their check's locks released, each having been
 * checked against the others.
 */
bool xen_drives_parse(GPtrArray *drive_opts, GPtrArray *drives,
                      Error **errp);
/* The drive of @drives with id=@id, or NULL. */
XenDrive *xen_drives_find(GPtrArray *drives, const char *id);

/*
 * Calls @add for each if=xen drive of @drives, in order, with its disk
 * name (its index= or its place: xen_drive_vdev_name); false at the
 * first failure.
 */
typedef bool XenDriveAddFn(void *opaque, XenDrive *drive,
                           const char *vdev_name, Error **errp);
bool xen_drives_each_if_xen(GPtrArray *drives, XenDriveAddFn *add,
                            void *opaque, Error **errp);

/*
 * -device xen-disk,domid=D,vdev=NAME,drive=ID[,max-queues=...]: checks
 * its keys, reads domid= (@default_domid without it) into @domid and
 * vdev= into @vdev_name, finds the unused if=none drive ID in @drives
 * and applies the device's keys to it. Returns that drive, or NULL.
 */
XenDrive *xen_disk_device_parse(QemuOpts *opts, GPtrArray *drives,
                                unsigned default_domid, uint64_t *domid,
                                const char **vdev_name, Error **errp);

#endif /* HW_XEN_XEN_DRIVE_H */
