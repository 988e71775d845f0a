/*
 * The xenner_pvh guest's vifs, served by the net backend that serves
 * xenner_pv's and real Xen's guests (on hw/kvm/pvh_devices.c's core).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/kvm/pvh_nic.h"

#include <glib.h>
#include <xen/xen.h>

#include "hw/xen/xen_nic.h"
#include "net/net.h"

struct PvhNics {
    uint16_t domid;
    NetDevList *nets;           /* every -netdev, open while we run */
    /*
     * Which netdev each vif is on: a boot's own, since the backend's
     * vifs go with the guest and the next boot numbers them afresh.
     */
    XenNicHost *host;
    GPtrArray *devices;         /* QemuOpts, -device xen-net-device */
};

PvhNics *pvh_nics_new(EventLoop *loop, const XenMachineConfig *cfg,
                      uint16_t domid, Error **errp)
{
    PvhNics *pn = g_new0(PvhNics, 1);

    pn->domid = domid;
    pn->devices = g_ptr_array_new();
    pn->nets = net_dev_list_new(loop, cfg->netdevs, errp);
    if (!pn->nets) {
        pvh_nics_free(pn);
        return NULL;
    }
    pn->host = xen_nic_host_new(pn->nets);
    return pn;
}

bool pvh_nics_add_device(PvhNics *pn, QemuOpts *opts, Error **errp)
{
    uint64_t domid;

    if (!qemu_opt_get_number(opts, "domid", pn->domid,
                             DOMID_FIRST_RESERVED - 1, &domid, errp)) {
        return false;
    }
    if (domid != pn->domid) {
        error_setg(errp, XEN_NIC_DEVICE ": domid=%u: the guest of -machine "
                   "xenner_pvh is domain %u", (unsigned)domid, pn->domid);
        return false;
    }
    if (!xen_nic_device_check(pn->host, opts, errp)) {
        return false;
    }
    g_ptr_array_add(pn->devices, opts);
    return true;
}

bool pvh_nics_empty(PvhNics *pn)
{
    return !pn->devices->len;
}

bool pvh_nics_start(PvhNics *pn, XenBackend *be, Error **errp)
{
    if (!pn->devices->len) {
        return true;
    }
    if (!xen_nic_register(be, pn->host, errp)) {
        return false;
    }
    for (guint i = 0; i < pn->devices->len; i++) {
        if (!xen_nic_device_add(be, pn->host,
                                g_ptr_array_index(pn->devices, i), pn->domid,
                                errp)) {
            return false;
        }
    }
    return true;
}

void pvh_nics_stop(PvhNics *pn)
{
    xen_nic_host_free(pn->host);
    pn->host = xen_nic_host_new(pn->nets);
}

void pvh_nics_free(PvhNics *pn)
{
    if (!pn) {
        return;
    }
    xen_nic_host_free(pn->host);
    net_dev_list_free(pn->nets);
    g_ptr_array_free(pn->devices, true);
    g_free(pn);
}
