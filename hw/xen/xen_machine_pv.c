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

static const char *const xenpv_props[] = { "type", NULL };

/*
 * -M xenpv: the real hypervisor's services. Both modes need a binary
 * built with Xen and a host running Xen; everything is checked before
 * anything starts (xen_machine_check_mode()).
 */
static XenMachineState *xenpv_init(EventLoop *loop,
                                   const XenMachineConfig *cfg, Error **errp)
{
    error_setg(errp, "xenpv: %s on a real Xen host is not implemented yet "
               "in this qemu-xenpv; -M xenner_pv emulates Xen instead",
               cfg->xen_attach ? "-xen-attach" : "-xen-create");
    return NULL;
}

static void xenpv_cleanup(XenMachineState *ms)
{
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
#endif
    {
        .name = "xenpv",
        .desc = "Xen PV machine on a real Xen host (-xen-attach, "
                "-xen-create)",
        .props = xenpv_props,
        .init = xenpv_init,
        .cleanup = xenpv_cleanup,
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
