/*
 * The xenner_pvh guest's disks, served by the block backend that serves
 * xenner_pv's and real Xen's guests (on hw/kvm/pvh_devices.c's core).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/kvm/pvh_disk.h"

#include <glib.h>
#include <string.h>

#include "hw/xen/xen_backend.h"
#include "hw/xen/xen_disk.h"
#include "hw/xen/xen_drive.h"

/* One disk of the guest: its drive and its name there. */
typedef struct PvhDisk {
    XenDrive *drive;
    char *vdev_name;
    unsigned vdev;
} PvhDisk;

struct PvhDisks {
    uint16_t domid;
    GPtrArray *drives;          /* XenDrive, every -drive */
    GArray *disks;              /* PvhDisk */
    XenDiskHost *host;
};

static bool add_disk(void *opaque, XenDrive *d, const char *name,
                     Error **errp)
{
    PvhDisks *pd = opaque;
    PvhDisk disk = { .drive = d };

    if (d->vbd) {
        error_setg(errp, "-drive backend=vbd needs -M xenpv -xen-create "
                   "(the dom0 kernel's blkback)");
        return false;
    }
    if (!xen_disk_parse_vdev(name, &disk.vdev, errp)) {
        return false;
    }
    for (guint i = 0; i < pd->disks->len; i++) {
        if (g_array_index(pd->disks, PvhDisk, i).vdev == disk.vdev) {
            error_setg(errp, "the guest already has disk %s", name);
            return false;
        }
    }
    d->used = true;
    disk.vdev_name = g_strdup(name);
    g_array_append_val(pd->disks, disk);
    return true;
}

/* As xenner_pv takes it. */
bool pvh_disks_add_device(PvhDisks *pd, QemuOpts *opts, Error **errp)
{
    const char *vdev;
    uint64_t domid;
    XenDrive *d = xen_disk_device_parse(opts, pd->drives, pd->domid, &domid,
                                        &vdev, errp);

    if (!d) {
        return false;
    }
    if (domid != pd->domid) {
        error_setg(errp, "xen-disk: domid=%u: the guest of -machine "
                   "xenner_pvh is domain %u", (unsigned)domid, pd->domid);
        return false;
    }
    return add_disk(pd, d, vdev, errp);
}

static bool parse(PvhDisks *pd, const XenMachineConfig *cfg, Error **errp)
{
    if (!xen_drives_parse(cfg->drives, pd->drives, errp) ||
        !xen_drives_each_if_xen(pd->drives, add_disk, pd, errp)) {
        return false;
    }
    return true;
}

PvhDisks *pvh_disks_new(const XenMachineConfig *cfg, uint16_t domid,
                        Error **errp)
{
    PvhDisks *pd = g_new0(PvhDisks, 1);

    pd->domid = domid;
    pd->drives = g_ptr_array_new_with_free_func(
        (GDestroyNotify)xen_drive_free);
    pd->disks = g_array_new(false, true, sizeof(PvhDisk));
    pd->host = xen_disk_host_new();
    if (!parse(pd, cfg, errp)) {
        pvh_disks_free(pd);
        return NULL;
    }
    return pd;
}

bool pvh_disks_empty(PvhDisks *pd)
{
    return !pd->disks->len;
}

bool pvh_disks_start(PvhDisks *pd, XenBackend *be, Error **errp)
{
    if (!pd->disks->len) {
        return true;
    }
    if (!xen_disk_register(be, pd->host, true, errp)) {
        return false;
    }
    for (guint i = 0; i < pd->disks->len; i++) {
        PvhDisk *disk = &g_array_index(pd->disks, PvhDisk, i);
        XenDrive *d = disk->drive;

        if (!xen_disk_create(be, pd->host, pd->domid, disk->vdev,
                             disk->vdev_name, d->params, d->readonly,
                             d->cdrom, &d->opts, errp)) {
            return false;
        }
    }
    return true;
}

void pvh_disks_free(PvhDisks *pd)
{
    if (!pd) {
        return;
    }
    for (guint i = 0; i < pd->disks->len; i++) {
        g_free(g_array_index(pd->disks, PvhDisk, i).vdev_name);
    }
    g_array_free(pd->disks, true);
    xen_disk_host_free(pd->host);
    g_ptr_array_free(pd->drives, true);
    g_free(pd);
}

XenDiskHost *pvh_disks_host(PvhDisks *pd)
{
    return pd->host;
}
