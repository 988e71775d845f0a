/*
 * The xenner_pvh guest's PV devices on one backend core; see
 * pvh_devices.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/kvm/pvh_devices.h"

#include <glib.h>
#include <string.h>

#include "hw/kvm/pvh_disk.h"
#include "hw/kvm/pvh_nic.h"
#include "hw/xen/xen_backend.h"
#include "hw/xen/xen_nic.h"

struct PvhDevices {
    EventLoop *loop;
    uint16_t domid;
    PvhDisks *disks;
    PvhNics *nics;
    XenGuestDisplay display;    /* -vnc: the guest's vfb and vkbd */
    XenBackend *backend;        /* while the guest runs */
    const XenServices *svc;
};

static bool add_device(PvhDevices *pv, QemuOpts *opts, Error **errp)
{
    const char *driver = qemu_opt_get(opts, "driver");

    if (driver && !strcmp(driver, "xen-disk")) {
        return pvh_disks_add_device(pv->disks, opts, errp);
    }
    if (driver && !strcmp(driver, XEN_NIC_DEVICE)) {
        return pvh_nics_add_device(pv->nics, opts, errp);
    }
    error_setg(errp, "-machine xenner_pvh: -device %s is not supported: "
               "only xen-disk and " XEN_NIC_DEVICE " are (or -drive if=xen, "
               "-nic; a vfb and a vkbd: -vnc)", driver ? driver : "");
    return false;
}

PvhDevices *pvh_devices_new(EventLoop *loop, const XenMachineConfig *cfg,
                            uint16_t domid, Error **errp)
{
    PvhDevices *pv = g_new0(PvhDevices, 1);

    pv->loop = loop;
    pv->domid = domid;
    pv->disks = pvh_disks_new(cfg, domid, errp);
    if (!pv->disks) {
        goto fail;
    }
    pv->nics = pvh_nics_new(loop, cfg, domid, errp);
    if (!pv->nics) {
        goto fail;
    }
    for (guint i = 0; i < cfg->devices->len; i++) {
        if (!add_device(pv, g_ptr_array_index(cfg->devices, i), errp)) {
            goto fail;
        }
    }
    if (!xen_guest_display_open(&pv->display, loop, cfg->vnc, cfg->keymap,
                                errp)) {
        goto fail;
    }
    return pv;

fail:
    pvh_devices_free(pv);
    return NULL;
}

bool pvh_devices_start(PvhDevices *pv, const XenServices *svc, Error **errp)
{
    if (pvh_disks_empty(pv->disks) && pvh_nics_empty(pv->nics) &&
        !xen_guest_display_wanted(&pv->display)) {
        return true;
    }
    pv->svc = svc;
    pv->backend = xen_backend_new(pv->loop, svc, 0, errp);
    if (!pv->backend) {
        return false;
    }
    xen_backend_serve_domain(pv->backend, pv->domid);
    return pvh_disks_start(pv->disks, pv->backend, errp) &&
           pvh_nics_start(pv->nics, pv->backend, errp) &&
           xen_guest_display_add(&pv->display, pv->backend, pv->domid, errp);
}

void pvh_devices_stop(PvhDevices *pv)
{
    static const char *const types[] = {
        "qdisk", "vbd", "vif", "vfb", "vkbd",
    };
    XenXsHandle *xs;

    if (!pv->backend) {
        return;
    }
    xen_backend_free(pv->backend);
    pv->backend = NULL;
    pvh_nics_stop(pv->nics);
    /*
     * As a toolstack does when the domain goes: the next boot's backend
     * then finds no stale directory of this one's.
     */
    xs = pv->svc->xenstore->open(pv->svc->provider, NULL);
    if (xs) {
        g_autofree char *dom = pv->svc->xenstore->get_domain_path(xs, 0);

        for (size_t i = 0; dom && i < G_N_ELEMENTS(types); i++) {
            g_autofree char *path = g_strdup_printf("%s/backend/%s/%u", dom,
                                                    types[i], pv->domid);

            pv->svc->xenstore->rm(xs, 0, path);
        }
        pv->svc->xenstore->close(xs);
    }
}

void pvh_devices_free(PvhDevices *pv)
{
    if (!pv) {
        return;
    }
    pvh_devices_stop(pv);
    pvh_disks_free(pv->disks);
    pvh_nics_free(pv->nics);
    xen_guest_display_close(&pv->display);
    g_free(pv);
}

XenDiskHost *pvh_devices_disk_host(PvhDevices *pv)
{
    return pvh_disks_host(pv->disks);
}

const XenGuestDisplay *pvh_devices_display(PvhDevices *pv)
{
    return &pv->display;
}
