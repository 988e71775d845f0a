/*
 * The xenner_pvh guest's disks, served by the block backend that serves
 * xenner_pv's and real Xen's guests.
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
    XenBackend *backend;        /* while the guest runs */
    const XenServices *svc;
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

/* -device xen-disk,vdev=NAME,drive=ID: as xenner_pv takes it. */
static bool add_disk_device(PvhDisks *pd, QemuOpts *opts, Error **errp)
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
    for (guint i = 0; i < cfg->devices->len; i++) {
        QemuOpts *opts = g_ptr_array_index(cfg->devices, i);
        const char *driver = qemu_opt_get(opts, "driver");

        if (!driver || strcmp(driver, "xen-disk")) {
            error_setg(errp, "-machine xenner_pvh: -device %s is not "
                       "supported: only xen-disk is (or -drive if=xen)",
                       driver ? driver : "");
            return false;
        }
        if (!add_disk_device(pd, opts, errp)) {
            return false;
        }
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

bool pvh_disks_start(PvhDisks *pd, EventLoop *loop, const XenServices *svc,
                     Error **errp)
{
    if (!pd->disks->len) {
        return true;
    }
    pd->svc = svc;
    pd->backend = xen_backend_new(loop, svc, 0, errp);
    if (!pd->backend) {
        return false;
    }
    xen_backend_serve_domain(pd->backend, pd->domid);
    if (!xen_disk_register(pd->backend, pd->host, true, errp)) {
        return false;
    }
    for (guint i = 0; i < pd->disks->len; i++) {
        PvhDisk *disk = &g_array_index(pd->disks, PvhDisk, i);
        XenDrive *d = disk->drive;

        if (!xen_disk_create(pd->backend, pd->host, pd->domid, disk->vdev,
                             disk->vdev_name, d->params, d->readonly,
                             d->cdrom, &d->opts, errp)) {
            return false;
        }
    }
    return true;
}

void pvh_disks_stop(PvhDisks *pd)
{
    static const char *const types[] = { "qdisk", "vbd" };
    XenXsHandle *xs;

    if (!pd->backend) {
        return;
    }
    xen_backend_free(pd->backend);
    pd->backend = NULL;
    /*
     * As a toolstack does when the domain goes: the next boot's backend
     * then finds no stale directory of this one's.
     */
    xs = pd->svc->xenstore->open(pd->svc->provider, NULL);
    if (xs) {
        g_autofree char *dom = pd->svc->xenstore->get_domain_path(xs, 0);

        for (size_t i = 0; dom && i < G_N_ELEMENTS(types); i++) {
            g_autofree char *path = g_strdup_printf("%s/backend/%s/%u", dom,
                                                    types[i], pd->domid);

            pd->svc->xenstore->rm(xs, 0, path);
        }
        pd->svc->xenstore->close(xs);
    }
}

void pvh_disks_free(PvhDisks *pd)
{
    if (!pd) {
        return;
    }
    pvh_disks_stop(pd);
    for (guint i = 0; i < pd->disks->len; i++) {
        g_free(g_array_index(pd->disks, PvhDisk, i).vdev_name);
    }
    g_array_free(pd->disks, true);
    xen_disk_host_free(pd->host);
    g_ptr_array_free(pd->drives, true);
    g_free(pd);
}
