/*
 * -M xenpv -xen-create (XEN_CREATE): qemu-xenpv is the toolstack of one
 * PV domain. It builds the domain (hw/xen/xen_domainbuild.c), writes its
 * devices from the command line as libxl would and serves them, and
 * follows the domain's life through xenstored's @releaseDomain: a
 * poweroff ends the process with 0, a reboot builds the domain anew, a
 * crash ends it with the reason; a signal, QMP quit, or the domain
 * destroyed from outside ends it too, and the domain never outlives us
 * (a watcher process destroys it should we be killed).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xen-create"

#include "config-host.h"
#include "hw/xen/xen_machine.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/sched.h>

#include "chardev/char.h"
#include "hw/xen/xen_backend.h"
#include "hw/xen/xen_console.h"
#include "hw/xen/xen_disk.h"
#include "hw/xen/xen_domainbuild.h"
#include "hw/xen/xen_drive.h"
#include "hw/xen/xen_guest_display.h"
#include "hw/xen/xen_nic.h"
#include "hw/xen/xen_operations.h"
#include "hw/xen/xen_qmp.h"
#include "hw/xen/xen_vbd.h"
#include "net/net.h"
#include "util/trace.h"

/* QEMU's default RAM size, for a command line without -m. */
#define XEN_CREATE_DEFAULT_MEM_MB 128

struct XenCreateMachine {
    EventLoop *loop;
    XenDomainConfig dcfg;
    const char *console;        /* the primary console's output spec */
    bool no_reboot;
    XenDomainWatcher *watcher;
    XenDomainBuilder *builder;
    const XenServices *svc;
    XenXsHandle *xs;
    XenXsWatch *release;        /* @releaseDomain */
    ChardevSet *chardevs;
    GPtrArray *drives;          /* XenDrive, -drive if=xen */
    GPtrArray *vbds;            /* XenVbd, the current domain's */
    XenDiskHost *disks;
    GPtrArray *nic_devices;     /* QemuOpts of -device xen-net-device */
    NetDevList *nets;           /* -netdev: they outlive a reboot */
    XenGuestDisplay display;    /* -vnc: each domain's vfb and vkbd */
    XenQmp *qmp;
    /* The current domain and the backend serving it: */
    XenBackend *backend;
    XenNicHost *nics;           /* its vifs, on -netdev's netdevs */
    XenDomain dom;
    bool have_domain;
    Error *failure;             /* why the machine stopped, if it failed */
};

static void create_track(void *opaque, uint32_t domid)
{
    XenCreateMachine *cm = opaque;

    xen_domain_watcher_track(cm->watcher, domid);
}

/*
 * Devices first, domain last: the backends let go of its grants and
 * ports while it still exists.
 */
static void create_teardown(XenCreateMachine *cm)
{
    if (!cm->have_domain) {
        return;
    }
    xen_domain_pause(cm->builder, cm->dom.domid);
    xen_backend_free(cm->backend);
    cm->backend = NULL;
    /* Its vifs are gone: the netdevs are free for the next domain's. */
    xen_nic_host_free(cm->nics);
    cm->nics = NULL;
    xen_domain_destroy(cm->builder, cm->dom.domid);
    g_ptr_array_set_size(cm->vbds, 0);
    xen_domain_watcher_track(cm->watcher, XEN_DOMAIN_WATCH_NONE);
    cm->have_domain = false;
}

static bool create_disks(XenCreateMachine *cm, Error **errp)
{
    unsigned next = 0;

    for (guint i = 0; i < cm->drives->len; i++) {
        XenDrive *d = g_ptr_array_index(cm->drives, i);
        g_autofree char *name = NULL;
        unsigned index = d->index >= 0 ? (unsigned)d->index : next;
        unsigned vdev;

        next = index + 1;
        name = xen_drive_vdev_name(index, errp);
        if (!name || !xen_disk_parse_vdev(name, &vdev, errp)) {
            return false;
        }
        if (d->vbd) {
            XenVbd *vbd = xen_vbd_create(cm->backend, cm->dom.domid, vdev,
                                         name, d->file, d->readonly,
                                         d->cdrom, errp);

            if (!vbd) {
                return false;
            }
            g_ptr_array_add(cm->vbds, vbd);
        } else if (!xen_disk_create(cm->backend, cm->disks, cm->dom.domid,
                                    vdev, name, d->params, d->readonly,
                                    d->cdrom, &d->opts, errp)) {
            return false;
        }
    }
    return true;
}

/*
 * The vifs and the display, with the backends XEN_ATTACH serves them
 * with and the devices EMULATE writes: libxl's directories and
 * permissions; -vnc stands for xl's vfb = [ 'vnc=1' ], which gives the
 * guest a vkbd as well.
 */
static bool create_nics_and_display(XenCreateMachine *cm, Error **errp)
{
    if (cm->nic_devices->len &&
        !xen_nic_register(cm->backend, cm->nics, errp)) {
        return false;
    }
    for (guint i = 0; i < cm->nic_devices->len; i++) {
        if (!xen_nic_device_add(cm->backend, cm->nics,
                                g_ptr_array_index(cm->nic_devices, i),
                                cm->dom.domid, errp)) {
            return false;
        }
    }
    return xen_guest_display_add(&cm->display, cm->backend, cm->dom.domid,
                                 errp);
}

/* Builds the domain, writes and serves its devices, and starts it. */
static bool create_domain(XenCreateMachine *cm, Error **errp)
{
    uint32_t be_domid = xen_domain_builder_backend_domid(cm->builder);

    if (!xen_domain_build(cm->builder, &cm->dcfg, create_track, cm,
                          &cm->dom, errp)) {
        xen_domain_watcher_track(cm->watcher, XEN_DOMAIN_WATCH_NONE);
        return false;
    }
    cm->have_domain = true;
    cm->backend = xen_backend_new(cm->loop, cm->svc, be_domid, errp);
    if (!cm->backend) {
        return false;
    }
    xen_backend_serve_domain(cm->backend, cm->dom.domid);
    cm->nics = xen_nic_host_new(cm->nets);
    if (!xen_console_register(cm->backend, cm->chardevs, errp) ||
        !xen_disk_register(cm->backend, cm->disks, false, errp) ||
        !xen_console_create(cm->backend, cm->dom.domid, 0, cm->console,
                            NULL, cm->dom.console_ring_mfn,
                            cm->dom.console_port, errp) ||
        !create_disks(cm, errp) ||
        !create_nics_and_display(cm, errp) ||
        !xen_domain_unpause(cm->builder, cm->dom.domid, errp)) {
        return false;
    }
    info_report("domain %u (%s) started", cm->dom.domid, cm->dcfg.name);
    return true;
}

static void create_stop(XenCreateMachine *cm, Error *failure)
{
    create_teardown(cm);
    if (failure && !cm->failure) {
        cm->failure = failure;
    } else if (failure) {
        error_free(failure);
    }
    event_loop_quit(cm->loop);
}

/* From a bottom half: the domain's state changed, or some domain's did. */
static void create_check_domain(void *opaque)
{
    XenCreateMachine *cm = opaque;
    Error *err = NULL;
    unsigned reason = 0;
    uint32_t domid = cm->dom.domid;

    if (!cm->have_domain) {
        return;
    }
    switch (xen_domain_run_state(cm->builder, domid, &reason)) {
    case XEN_DOMAIN_RUNNING:
        trace("@releaseDomain: domain %u still runs", domid);
        return;
    case XEN_DOMAIN_GONE:
        info_report("domain %u was destroyed from outside", domid);
        create_stop(cm, NULL);
        return;
    case XEN_DOMAIN_SHUTDOWN:
        break;
    }
    switch (reason) {
    case SHUTDOWN_poweroff:
        info_report("domain %u powered off", domid);
        create_stop(cm, NULL);
        return;
    case SHUTDOWN_reboot:
        if (cm->no_reboot) {
            info_report("domain %u rebooted; -no-reboot: exiting", domid);
            create_stop(cm, NULL);
            return;
        }
        info_report("domain %u rebooted; building it again", domid);
        create_teardown(cm);
        if (!create_domain(cm, &err)) {
            error_prepend(&err, "reboot: ");
            create_stop(cm, err);
        }
        return;
    default:
        error_setg(&err, "domain %u stopped: %s", domid,
                   xen_domain_shutdown_name(reason));
        if (reason == SHUTDOWN_crash || reason == SHUTDOWN_watchdog) {
            error_prepend(&err, "the guest crashed: ");
        } else {
            error_prepend(&err, "not supported with -xen-create: ");
        }
        create_stop(cm, err);
        return;
    }
}

/* xenstored fires it for any domain's shutdown or death, ours or not. */
static void create_release_fired(void *opaque, const char *path)
{
    XenCreateMachine *cm = opaque;

    event_loop_schedule(cm->loop, create_check_domain, cm);
}

static bool create_powerdown(void *opaque, Error **errp)
{
    XenCreateMachine *cm = opaque;

    if (!cm->have_domain) {
        error_setg(errp, "system_powerdown: no domain running");
        return false;
    }
    return xen_domain_request_shutdown(cm->builder, cm->dom.domid,
                                       "poweroff", errp);
}

static bool create_parse_drives(XenCreateMachine *cm,
                                const XenMachineConfig *cfg, Error **errp)
{
    for (guint i = 0; i < cfg->drives->len; i++) {
        XenDrive *d = xen_drive_parse(g_ptr_array_index(cfg->drives, i),
                                      errp);

        if (!d) {
            return false;
        }
        g_ptr_array_add(cm->drives, d);
        if (!d->if_xen) {
            error_setg(errp, "-drive %s: with -xen-create, only if=xen "
                       "drives are used (no -device)", d->file);
            return false;
        }
    }
    /* Each was checked against the others: the disks take their own. */
    for (guint i = 0; i < cm->drives->len; i++) {
        xen_drive_unlock(g_ptr_array_index(cm->drives, i));
    }
    return true;
}

/*
 * -netdev, -nic and -device xen-net-device, checked before anything is
 * built (xen_machine_check_mode() took the -device drivers and domid=).
 */
static bool create_parse_nics(XenCreateMachine *cm,
                              const XenMachineConfig *cfg, Error **errp)
{
    g_autoptr(GHashTable) netdevs = NULL;
    XenNicHost *check;
    bool ok = true;

    /* Every -device is a vif by now. */
    if (cfg->devices->len && xen_nic_kernel_netback_loaded()) {
        /* Both would serve backend/vif, racing for each device. */
        error_setg(errp, "-xen-create: the dom0 kernel's xen-netback is "
                   "loaded and would take the guest's vifs; unload it "
                   "(rmmod xen-netback) for qemu-xenpv to serve them");
        return false;
    }
    cm->nets = net_dev_list_new(cm->loop, cfg->netdevs, errp);
    if (!cm->nets) {
        return false;
    }
    check = xen_nic_host_new(cm->nets);
    /* The binding would refuse a second vif only once the domain is built. */
    netdevs = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; ok && i < cfg->devices->len; i++) {
        QemuOpts *dev = g_ptr_array_index(cfg->devices, i);
        const char *netdev;

        ok = xen_nic_device_check(check, dev, errp);
        netdev = qemu_opt_get(dev, "netdev");
        if (ok && !g_hash_table_add(netdevs, (gpointer)netdev)) {
            error_setg(errp, "Property 'netdev' can't take value '%s', it's "
                       "in use", netdev);
            ok = false;
        }
        g_ptr_array_add(cm->nic_devices, dev);
    }
    xen_nic_host_free(check);
    return ok;
}

static bool create_config(XenCreateMachine *cm, const XenMachineConfig *cfg,
                          Error **errp)
{
    XenDomainConfig *d = &cm->dcfg;

    d->kernel = cfg->kernel;
    d->initrd = cfg->initrd;
    d->cmdline = cfg->append;
    d->mem_mb = cfg->ram_mb ? cfg->ram_mb : XEN_CREATE_DEFAULT_MEM_MB;
    d->vcpus = cfg->smp ? cfg->smp : 1;
    if (cfg->uuid) {
        g_strlcpy(d->uuid, cfg->uuid, sizeof(d->uuid));
    }
    if (!xen_domain_check(cm->builder, d, errp)) {
        return false;
    }
    /* A name is how xl and xenstore-ls show the domain: never empty. */
    d->name = cfg->name ? cfg->name : "qemu-xenpv";
    if (!cfg->serial || !strcmp(cfg->serial, "none") ||
        !strcmp(cfg->serial, "/dev/null")) {
        cm->console = cfg->serial ? "null" : "stdio";
    } else {
        cm->console = cfg->serial;
    }
    cm->no_reboot = cfg->no_reboot;
    return true;
}

XenCreateMachine *xen_create_init(EventLoop *loop,
                                  const XenMachineConfig *cfg, Error **errp)
{
    XenCreateMachine *cm = g_new0(XenCreateMachine, 1);

    cm->loop = loop;
    cm->drives = g_ptr_array_new_with_free_func(
        (GDestroyNotify)xen_drive_free);
    cm->vbds = g_ptr_array_new_with_free_func((GDestroyNotify)xen_vbd_free);
    cm->nic_devices = g_ptr_array_new();
    /* Before any thread or handle exists: the child keeps none of them. */
    cm->watcher = xen_domain_watcher_start(errp);
    if (!cm->watcher) {
        goto fail;
    }
    cm->builder = xen_domain_builder_new(errp);
    if (!cm->builder || !create_config(cm, cfg, errp)) {
        goto fail;
    }
    cm->svc = xen_real_services(loop, errp);
    if (!cm->svc) {
        goto fail;
    }
    cm->xs = cm->svc->xenstore->open(cm->svc->provider, errp);
    if (!cm->xs) {
        goto fail;
    }
    cm->chardevs = chardev_set_new(loop);
    for (guint i = 0; i < cfg->chardevs->len; i++) {
        if (!chardev_set_add_opts(cm->chardevs,
                                  g_ptr_array_index(cfg->chardevs, i),
                                  errp)) {
            goto fail;
        }
    }
    if (!create_parse_drives(cm, cfg, errp) ||
        !create_parse_nics(cm, cfg, errp) ||
        !xen_guest_display_open(&cm->display, loop, cfg->vnc, cfg->keymap,
                                errp)) {
        goto fail;
    }
    cm->disks = xen_disk_host_new();
    cm->qmp = xen_qmp_start(loop, cfg->mons, cm->chardevs, cm->disks,
                            cm->dcfg.name, errp);
    if (!cm->qmp) {
        goto fail;
    }
    xen_qmp_set_powerdown(cm->qmp, create_powerdown, cm);
    xen_qmp_set_consoles(cm->qmp, cm->display.consoles);
    xen_qmp_set_vnc(cm->qmp, cm->display.vnc);
    if (!create_domain(cm, errp)) {
        goto fail;
    }
    if (cm->svc->xenstore->watch(cm->xs, "@releaseDomain",
                                 create_release_fired, cm, &cm->release)) {
        error_setg(errp, "-xen-create: cannot watch @releaseDomain");
        goto fail;
    }
    return cm;

fail:
    xen_create_cleanup(cm);
    return NULL;
}

void xen_create_cleanup(XenCreateMachine *cm)
{
    if (!cm) {
        return;
    }
    event_loop_cancel(cm->loop, create_check_domain, cm);
    if (cm->release) {
        cm->svc->xenstore->unwatch(cm->xs, cm->release);
    }
    create_teardown(cm);
    xen_qmp_free(cm->qmp);
    xen_guest_display_close(&cm->display);
    net_dev_list_free(cm->nets);
    g_ptr_array_free(cm->nic_devices, true);
    xen_disk_host_free(cm->disks);
    g_ptr_array_free(cm->drives, true);
    g_ptr_array_free(cm->vbds, true);
    if (cm->chardevs) {
        chardev_set_free(cm->chardevs);
    }
    if (cm->xs) {
        cm->svc->xenstore->close(cm->xs);
    }
    xen_real_services_free(cm->svc);
    xen_domain_builder_free(cm->builder);
    /*
     * Last: until here, a crash of ours still leaves it a domain to
     * destroy.
     */
    xen_domain_watcher_stop(cm->watcher);
    error_free(cm->failure);
    g_free(cm);
}

bool xen_create_result(XenCreateMachine *cm, Error **errp)
{
    if (cm->failure) {
        error_propagate(errp, cm->failure);
        cm->failure = NULL;
        return false;
    }
    return true;
}
