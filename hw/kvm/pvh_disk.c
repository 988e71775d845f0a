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

static XenDrive *find_drive(PvhDisks *pd, const char *id)
{
    for (guint i = 0; i < pd->drives->len; i++) {
        XenDrive *d = g_ptr_array_index(pd->drives, i);

        if (d->id && !strcmp(d->id, id)) {
            return d;
        }
    }
    return NULL;
}

static bool add_disk(PvhDisks *pd, XenDrive *d, const char *name,
                     Error **errp)
{
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
    static const char *const base_keys[] = {
        "driver", "domid", "vdev", "drive",
    };
    g_autoptr(GPtrArray) keys = g_ptr_array_new();
    const char *vdev = qemu_opt_get(opts, "vdev");
    const char *drive = qemu_opt_get(opts, "drive");
    XenDrive *d;
    uint64_t domid;

    for (size_t i = 0; i < G_N_ELEMENTS(base_keys); i++) {
        g_ptr_array_add(keys, (gpointer)base_keys[i]);
    }
    for (const char *const *k = xen_disk_device_keys; *k; k++) {
        g_ptr_array_add(keys, (gpointer)*k);
    }
    g_ptr_array_add(keys, NULL);
    if (!qemu_opts_check_keys(opts, (const char *const *)keys->pdata,
                              "xen-disk", errp) ||
        !qemu_opt_get_number(opts, "domid", pd->domid,
                             DOMID_FIRST_RESERVED - 1, &domid, errp)) {
        return false;
    }
    if (domid != pd->domid) {
        error_setg(errp, "xen-disk: domid=%u: the guest of -machine "
                   "xenner_pvh is domain %u", (unsigned)domid, pd->domid);
        return false;
    }
    if (!vdev || !drive) {
        error_setg(errp, "xen-disk needs vdev=NAME and drive=ID");
        return false;
    }
    d = find_drive(pd, drive);
    if (!d || d->if_xen) {
        error_setg(errp, "xen-disk: no -drive if=none,id=%s", drive);
        return false;
    }
    if (d->used) {
        error_setg(errp, "xen-disk: drive %s is in use already", drive);
        return false;
    }
    return xen_disk_device_apply(opts, d, errp) &&
           add_disk(pd, d, vdev, errp);
}

static bool parse(PvhDisks *pd, const XenMachineConfig *cfg, Error **errp)
{
    unsigned next = 0;

    for (guint i = 0; i < cfg->drives->len; i++) {
        XenDrive *d = xen_drive_parse(g_ptr_array_index(cfg->drives, i),
                                      errp);

        if (!d) {
            return false;
        }
        g_ptr_array_add(pd->drives, d);
        if (d->id && find_drive(pd, d->id) != d) {
            error_setg(errp, "Duplicate ID '%s' for drive", d->id);
            return false;
        }
    }
    /* Each was checked against the others: the disks take their own. */
    for (guint i = 0; i < pd->drives->len; i++) {
        xen_drive_unlock(g_ptr_array_index(pd->drives, i));
    }
    for (guint i = 0; i < pd->drives->len; i++) {
        XenDrive *d = g_ptr_array_index(pd->drives, i);
        g_autofree char *name = NULL;
        unsigned index;

        if (!d->if_xen) {
            continue;
        }
        index = d->index >= 0 ? (unsigned)d->index : next;
        next = index + 1;
        name = xen_drive_vdev_name(index, errp);
        if (!name || !add_disk(pd, d, name, errp)) {
            return false;
        }
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
