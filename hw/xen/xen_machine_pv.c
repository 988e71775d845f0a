/*
 * Machine types and the mode switch.
 *
 * xenner_pv (XEN_EMULATE, hw/xen/xenner_machine.c): no hypervisor; Xenner
 * emulates the Xen services in-process. It is the default.
 * xenpv: the services of a real Xen host, for a domain the toolstack
 * built (-xen-attach, XEN_ATTACH) or one we build (-xen-create).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"
#include "hw/xen/xen_machine.h"

#include <stdio.h>
#include <string.h>

#include <errno.h>
#include <unistd.h>

#include "hw/xen/xen_nic_option.h"

#ifdef CONFIG_XEN
#include "chardev/char.h"
#include "hw/xen/xen_backend.h"
#include "hw/xen/xen_console.h"
#include "hw/xen/xen_disk.h"
#include "hw/xen/xen_fb.h"
#include "hw/xen/xen_kbd.h"
#include "hw/xen/xen_nic.h"
#include "hw/xen/xen_operations.h"
#include "hw/xen/xen_qmp.h"
#include "hw/xen/xen_vfb_vnc.h"
#include "net/net.h"
#include "ui/vnc.h"
#endif

static const char *const xenpv_props[] = { "type", NULL };

#ifdef CONFIG_XEN
/*
 * -M xenpv -xen-attach: the device model of one domain the toolstack
 * built. libxl has written every device in xenstore before it starts us;
 * we serve that domain's qdisk disks and ioemu consoles, say so in
 * device-model/<domid>/state, and run until libxl's SIGHUP.
 */
typedef struct XenPvMachine {
    XenCreateMachine *create;   /* -xen-create: the rest is unused */
    const XenServices *svc;
    XenXsHandle *xs;
    ChardevSet *chardevs;
    XenDiskHost *disks;
    XenBackend *backend;
    InputHub *input;            /* the guest's keyboard and pointer */
    ConsoleList *consoles;      /* its framebuffer's display */
    VncDisplay *vnc;            /* -vnc, or NULL */
    XenQmp *qmp;
    NetDevList *nets;           /* -netdev */
    XenNicHost *nics;           /* the guest's vifs, on taps of ours */
} XenPvMachine;

static void xenpv_cleanup(XenMachineState *ms)
{
    XenPvMachine *pm = (XenPvMachine *)ms;

    xen_create_cleanup(pm->create);
    xen_qmp_free(pm->qmp);
    vnc_display_close(pm->vnc);
    xen_backend_free(pm->backend);
    xen_nic_host_free(pm->nics);
    net_dev_list_free(pm->nets);
    input_hub_free(pm->input);
    console_list_free(pm->consoles);
    xen_disk_host_free(pm->disks);
    if (pm->chardevs) {
        chardev_set_free(pm->chardevs);
    }
    if (pm->xs) {
        pm->svc->xenstore->close(pm->xs);
    }
    if (pm->svc) {
        xen_real_services_free(pm->svc);
    }
    g_free(pm);
}

/* Our own domain: 0 in dom0, a driver domain's id elsewhere. */
static uint16_t xenpv_own_domid(XenPvMachine *pm)
{
    g_autofree char *value = NULL;
    guint64 domid;

    if (pm->svc->xenstore->read(pm->xs, XEN_XS_TXN_NULL, "domid", &value,
                                NULL) ||
        !g_ascii_string_to_unsigned(value, 10, 0, DOMID_FIRST_RESERVED - 1,
                                    &domid, NULL)) {
        return 0;
    }
    return domid;
}

static bool xenpv_write_state(XenPvMachine *pm, uint16_t be_domid,
                              uint16_t domid, const char *state,
                              Error **errp)
{
    g_autofree char *path = g_strdup_printf(
        "/local/domain/%u/device-model/%u/state", be_domid, domid);
    int ret = pm->svc->xenstore->write(pm->xs, XEN_XS_TXN_NULL, path, state,
                                       strlen(state));

    if (ret) {
        error_setg(errp, "cannot write %s: %s", path, g_strerror(-ret));
        return false;
    }
    return true;
}

/*
 * -vnc when given; else the display the toolstack asked for in the vfb's
 * backend directory (hw/xen/xen_vfb_vnc.c), as QEMU lets the command
 * line win. libxl writes the vfb before it starts us.
 */
static bool xenpv_open_vnc(XenPvMachine *pm, EventLoop *loop,
                           const XenMachineConfig *cfg, uint16_t be_domid,
                           uint16_t domid, Error **errp)
{
    XenVfbVnc keys;
    bool ok;

    if (cfg->vnc) {
        pm->vnc = vnc_display_open(loop, pm->consoles, pm->input, cfg->vnc,
                                   cfg->keymap, NULL, errp);
        return pm->vnc;
    }
    if (!xen_vfb_vnc_read(pm->svc->xenstore, pm->xs, be_domid, domid, &keys,
                          errp)) {
        return false;
    }
    if (!keys.optstr) {
        return true;
    }
    pm->vnc = vnc_display_open(loop, pm->consoles, pm->input, keys.optstr,
                               cfg->keymap, NULL, errp);
    ok = pm->vnc && (!keys.password ||
                     vnc_display_set_password(pm->vnc, keys.password, errp));
    if (!ok) {
        error_prepend(errp, "the vfb's vnc keys (-vnc %s): ", keys.optstr);
    }
    xen_vfb_vnc_clear(&keys);
    return ok;
}

static XenMachineState *xenpv_init(EventLoop *loop,
                                   const XenMachineConfig *cfg, Error **errp)
{
    XenPvMachine *pm;
    g_autofree char *dom_path = NULL, *dom_dir = NULL;
    uint16_t domid = cfg->xen_domid, be_domid;

    pm = g_new0(XenPvMachine, 1);
    if (cfg->xen_create) {
        pm->create = xen_create_init(loop, cfg, errp);
        if (!pm->create) {
            goto fail;
        }
        return (XenMachineState *)pm;
    }
    pm->svc = xen_real_services(loop, errp);
    if (!pm->svc) {
        goto fail;
    }
    pm->xs = pm->svc->xenstore->open(pm->svc->provider, errp);
    if (!pm->xs) {
        goto fail;
    }
    dom_path = pm->svc->xenstore->get_domain_path(pm->xs, domid);
    if (!dom_path ||
        pm->svc->xenstore->read(pm->xs, XEN_XS_TXN_NULL, dom_path, &dom_dir,
                                NULL)) {
        error_setg(errp, "-xen-domid %u: no such domain", domid);
        goto fail;
    }
    be_domid = xenpv_own_domid(pm);
    pm->chardevs = chardev_set_new(loop);
    for (guint i = 0; i < cfg->chardevs->len; i++) {
        if (!chardev_set_add_opts(pm->chardevs,
                                  g_ptr_array_index(cfg->chardevs, i),
                                  errp)) {
            goto fail;
        }
    }
    /* Before the backends: a net device finds its netdev by id. */
    pm->nets = net_dev_list_new(loop, cfg->netdevs, errp);
    if (!pm->nets) {
        goto fail;
    }
    pm->nics = xen_nic_host_new(pm->nets);
    pm->disks = xen_disk_host_new();
    pm->input = input_hub_new();
    pm->consoles = console_list_new();
    pm->backend = xen_backend_new(loop, pm->svc, be_domid, errp);
    if (!pm->backend) {
        goto fail;
    }
    xen_backend_serve_domain(pm->backend, domid);
    if (!xen_console_register(pm->backend, pm->chardevs, errp) ||
        !xen_disk_register(pm->backend, pm->disks, false, errp) ||
        !xen_kbd_register(pm->backend, pm->input, errp) ||
        !xen_fb_register(pm->backend, pm->consoles, errp)) {
        goto fail;
    }
    /* The guest's vifs, unless the dom0 kernel's netback serves them. */
    if (xen_nic_kernel_netback_loaded()) {
        info_report("xen-netback is loaded: it serves the guest's vifs");
    } else if (!xen_nic_register(pm->backend, pm->nics, errp)) {
        goto fail;
    }
    if (!xenpv_open_vnc(pm, loop, cfg, be_domid, domid, errp)) {
        goto fail;
    }
    pm->qmp = xen_qmp_start(loop, cfg->mons, pm->chardevs, pm->disks,
                            cfg->name, errp);
    if (pm->qmp) {
        xen_qmp_set_consoles(pm->qmp, pm->consoles);
        xen_qmp_set_vnc(pm->qmp, pm->vnc);
    }
    if (!pm->qmp ||
        !xenpv_write_state(pm, be_domid, domid, "running", errp)) {
        goto fail;
    }
    return (XenMachineState *)pm;

fail:
    xenpv_cleanup((XenMachineState *)pm);
    return NULL;
}

static bool xenpv_result(XenMachineState *ms, Error **errp)
{
    XenPvMachine *pm = (XenPvMachine *)ms;

    return !pm->create || xen_create_result(pm->create, errp);
}
#else
static XenMachineState *xenpv_init(EventLoop *loop,
                                   const XenMachineConfig *cfg, Error **errp)
{
    /* xen_machine_check_mode() has refused already. */
    error_setg(errp, "-machine xenpv: built without Xen support");
    return NULL;
}

static void xenpv_cleanup(XenMachineState *ms)
{
}

static bool xenpv_result(XenMachineState *ms, Error **errp)
{
    return true;
}
#endif

/* -kernel and friends describe a domain to build: only -xen-create does. */
static bool xen_machine_check_create_opts(const XenMachineType *type,
                                          const XenMachineConfig *cfg,
                                          Error **errp)
{
    const struct {
        const char *opt;
        bool given;
    } opts[] = {
        { "-kernel", cfg->kernel }, { "-initrd", cfg->initrd },
        { "-append", cfg->append }, { "-smp", cfg->smp },
        { "-uuid", cfg->uuid }, { "-no-reboot", cfg->no_reboot },
    };

    if (type->boots_kernel) {
        if (!cfg->kernel) {
            error_setg(errp, "-machine %s needs -kernel (a Linux kernel "
                       "built with CONFIG_PVH)", type->name);
            return false;
        }
        /* Disks: -drive and -device xen-disk, which the machine reads. */
        if (cfg->uuid || cfg->xenner_guests->len) {
            error_setg(errp, "-machine %s: only -kernel, -initrd, -append, "
                       "-m, -smp 1, -serial, -no-reboot, -drive and "
                       "-device xen-disk are supported so far", type->name);
            return false;
        }
        return true;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(opts); i++) {
        if (opts[i].given && !cfg->xen_create) {
            error_setg(errp, "%s needs -machine xenpv -xen-create (a "
                       "domain qemu-xenpv builds)", opts[i].opt);
            return false;
        }
    }
    if (cfg->xen_create && !cfg->kernel) {
        error_setg(errp, "-xen-create needs -kernel (a Xen PV kernel)");
        return false;
    }
    for (guint i = 0; cfg->xen_create && i < cfg->devices->len; i++) {
        QemuOpts *dev = g_ptr_array_index(cfg->devices, i);
        const char *driver = qemu_opt_get(dev, "driver");

        /* Disks have -drive; a display comes with -vnc. */
        if (!driver || strcmp(driver, XEN_NIC_MODEL)) {
            error_setg(errp, "-xen-create: -device %s is not supported: "
                       "only " XEN_NIC_MODEL " is (disks: -drive "
                       "file=...,if=xen; a display: -vnc)",
                       driver ? driver : "");
            return false;
        }
        if (qemu_opt_get(dev, "domid")) {
            error_setg(errp, "-xen-create: " XEN_NIC_MODEL " takes no "
                       "domid=: its guest is the domain qemu-xenpv builds, "
                       "whose id Xen picks");
            return false;
        }
    }
    return true;
}

bool xen_machine_check_mode(const XenMachineType *type,
                            const XenMachineConfig *cfg, Error **errp)
{
    bool xenpv = !strcmp(type->name, "xenpv");
    const char *mode = cfg->xen_attach ? "-xen-attach" : "-xen-create";

    if (cfg->xen_attach && cfg->xen_create) {
        error_setg(errp, "-xen-attach and -xen-create exclude each other");
        return false;
    }
    if (!xen_machine_check_create_opts(type, cfg, errp)) {
        return false;
    }
    if (!xenpv) {
        if (cfg->xen_attach || cfg->xen_create) {
            error_setg(errp, "%s needs -machine xenpv (machine %s emulates "
                       "Xen)", mode, type->name);
            return false;
        }
        if (cfg->xen_domid >= 0) {
            error_setg(errp, "-xen-domid needs -machine xenpv; Xenner "
                       "guests take domid= in -xenner-guest");
            return false;
        }
        return true;
    }
    if (!cfg->xen_attach && !cfg->xen_create) {
        error_setg(errp, "-machine xenpv needs -xen-attach (serve a domain "
                   "the toolstack built) or -xen-create; -machine xenner_pv "
                   "emulates Xen without a hypervisor");
        return false;
    }
    if (cfg->xen_attach && cfg->xen_domid < 0) {
        error_setg(errp, "-xen-attach needs -xen-domid N");
        return false;
    }
    if (cfg->xenner_guests->len) {
        error_setg(errp, "-xenner-guest needs -machine xenner_pv");
        return false;
    }
    if (cfg->xen_attach && (cfg->drives->len || cfg->devices->len)) {
        /* libxl writes them in xenstore; a second source would race it. */
        error_setg(errp, "-machine xenpv: -drive and -device are not "
                   "supported; the toolstack configures the domain's "
                   "devices (xl's disk= and channel=)");
        return false;
    }
#ifndef CONFIG_XEN
    error_setg(errp, "%s: this qemu-xenpv was built without Xen support "
               "(configure --disable-xen or libxen-dev missing)", mode);
    return false;
#else
    if (access("/dev/xen/privcmd", R_OK | W_OK)) {
        error_setg_errno(errp, errno, "%s: this host is not running Xen "
                         "(cannot open /dev/xen/privcmd)", mode);
        return false;
    }
    return true;
#endif
}

static const XenMachineType machine_types[] = {
#ifdef CONFIG_XENNER
    {
        .name = "xenner_pv",
        .desc = "Xen PV machine, Xen services emulated (XEN_EMULATE)",
        .props = xenner_pv_props,
        .init = xenner_pv_init,
        .cleanup = xenner_pv_cleanup,
    },
    {
        .name = "xenner_pvh",
        .desc = "Xen PVH guest kernel on KVM, Xen services emulated "
                "(Xenner on KVM)",
        .props = xenner_pvh_props,
        .init = xenner_pvh_init,
        .cleanup = xenner_pvh_cleanup,
        .result = xenner_pvh_result,
        .boots_kernel = true,
        .guest_domid = XENNER_PVH_DOMID,
    },
#endif
    {
        .name = "xenpv",
        .desc = "Xen PV machine on a real Xen host (-xen-attach, "
                "-xen-create)",
        .props = xenpv_props,
        .init = xenpv_init,
        .cleanup = xenpv_cleanup,
        .result = xenpv_result,
    },
    { NULL },
};

const XenMachineType *xen_machine_find(const char *name)
{
    for (const XenMachineType *t = machine_types; t->name; t++) {
        if (!strcmp(t->name, name)) {
            return t;
        }
    }
    return NULL;
}

const XenMachineType *xen_machine_default(void)
{
    /* Only emulation may be a default: attaching is always asked for. */
    return xen_machine_find("xenner_pv");
}

void xen_machine_print_list(void)
{
    const XenMachineType *def = xen_machine_default();

    printf("Supported machines are:\n");
    for (const XenMachineType *t = machine_types; t->name; t++) {
        printf("%-20s %s%s\n", t->name, t->desc,
               t == def ? " (default)" : "");
    }
}
