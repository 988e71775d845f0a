/*
 * Machine types and the mode switch.
 *
 * xenner_pv (XEN_EMULATE): no hypervisor. Xenner emulates the Xen services
 * in-process, starting with xenstore, which it serves on unix sockets so
 * that Xen's own tools and test programs can use it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"
#include "hw/xen/xen_machine.h"

#include <stdio.h>
#include <string.h>

#ifdef CONFIG_XENNER
#include "xenner/xs_server.h"
#include "xenner/xs_tree.h"

struct XenMachineState {
    EventLoop *loop;
    XsTree *xenstore;
    GPtrArray *servers;         /* XsServer */
};

static const char *const xenner_pv_props[] = {
    "type",
    "xenstore-socket",
    "xenstore-quota-nodes",
    "xenstore-quota-entry-size",
    "xenstore-quota-watches",
    "xenstore-quota-transactions",
    "xenstore-quota-perms",
    NULL,
};

static bool xenner_set_quota(XsTree *tree, QemuOpts *opts, Error **errp)
{
    XsQuota q;
    uint64_t v[5];
    static const char *const keys[5] = {
        "xenstore-quota-nodes", "xenstore-quota-entry-size",
        "xenstore-quota-watches", "xenstore-quota-transactions",
        "xenstore-quota-perms",
    };

    xs_tree_get_quota(tree, &q);
    unsigned *fields[5] = {
        &q.nodes, &q.entry_size, &q.watches, &q.transactions, &q.perms,
    };
    for (int i = 0; i < 5; i++) {
        if (!qemu_opt_get_number(opts, keys[i], *fields[i], UINT32_MAX,
                                 &v[i], errp)) {
            return false;
        }
        *fields[i] = v[i];
    }
    xs_tree_set_quota(tree, &q);
    return true;
}

static void xenner_pv_cleanup(XenMachineState *ms);

static bool xenner_add_guest_socket(XenMachineState *ms, QemuOpts *opts,
                                    Error **errp)
{
    static const char *const keys[] = { "domid", "path", NULL };
    const char *path = qemu_opt_get(opts, "path");
    XsClient *toolstack;
    XsServer *server;
    uint64_t domid;
    int ret;

    if (!qemu_opts_check_keys(opts, keys, "xenstore-guest-socket", errp) ||
        !qemu_opt_get_number(opts, "domid", 0, 0x7fef, &domid, errp)) {
        return false;
    }
    if (!path || domid == 0) {
        error_setg(errp, "-xenstore-guest-socket needs domid=N (N > 0) "
                   "and path=PATH");
        return false;
    }
    server = xs_server_new(ms->loop, ms->xenstore, path, domid, errp);
    if (!server) {
        return false;
    }
    g_ptr_array_add(ms->servers, server);
    /* As a toolstack would before the guest's ring connects. */
    toolstack = xs_client_new(ms->xenstore, 0, NULL, NULL);
    ret = xs_introduce(toolstack, domid);
    xs_client_free(toolstack);
    if (ret) {
        error_setg(errp, "cannot introduce domain %u: %s",
                   (unsigned)domid, xs_errno_name(-ret));
        return false;
    }
    return true;
}

static XenMachineState *xenner_pv_init(EventLoop *loop,
                                       const XenMachineConfig *cfg,
                                       Error **errp)
{
    XenMachineState *ms = g_new0(XenMachineState, 1);
    const char *socket = qemu_opt_get(cfg->machine_opts, "xenstore-socket");

    ms->loop = loop;
    ms->xenstore = xs_tree_new();
    ms->servers = g_ptr_array_new();
    if (!xenner_set_quota(ms->xenstore, cfg->machine_opts, errp)) {
        goto fail;
    }
    if (socket) {
        XsServer *server = xs_server_new(loop, ms->xenstore, socket, 0, errp);

        if (!server) {
            goto fail;
        }
        g_ptr_array_add(ms->servers, server);
    }
    for (guint i = 0; i < cfg->xenstore_guest_sockets->len; i++) {
        if (!xenner_add_guest_socket(
                ms, g_ptr_array_index(cfg->xenstore_guest_sockets, i),
                errp)) {
            goto fail;
        }
    }
    return ms;

fail:
    xenner_pv_cleanup(ms);
    return NULL;
}

static void xenner_pv_cleanup(XenMachineState *ms)
{
    for (guint i = 0; i < ms->servers->len; i++) {
        xs_server_free(g_ptr_array_index(ms->servers, i));
    }
    g_ptr_array_free(ms->servers, true);
    xs_tree_free(ms->xenstore);
    g_free(ms);
}
#endif /* CONFIG_XENNER */

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
    return machine_types[0].name ? &machine_types[0] : NULL;
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
