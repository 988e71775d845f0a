/*
 * qemu-xenpv: a standalone, QEMU-compatible Xen paravirtual device model.
 * Command line, start-up and the main loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>
#include <xen/xen.h>

#include "chardev/char.h"
#include "hw/xen/xen_machine.h"
#include "util/error.h"
#include "util/event-loop.h"
#include "util/qemu-option.h"

typedef struct Options {
    const char *machine;            /* -M argument */
    GPtrArray *guest_sockets;       /* -xenstore-guest-socket arguments */
    GPtrArray *chardevs;            /* -chardev arguments */
    GPtrArray *devices;             /* -device arguments */
    GPtrArray *drives;              /* -drive arguments */
    GPtrArray *xenner_guests;       /* -xenner-guest arguments */
    const char *xen_domid;          /* -xen-domid argument */
    bool xen_attach;
    bool xen_create;
} Options;

static void help(void)
{
    printf("usage: qemu-xenpv [options]\n"
           "\n"
           "A standalone Xen paravirtual device model.\n"
           "\n"
           "Standard options:\n"
           "-h or -help     display this help and exit\n"
           "-version        display version information and exit\n"
           "-machine [type=]name[,prop[=value][,...]]\n"
           "                selects the machine type (-machine help lists "
           "them)\n"
           "-M              same as -machine\n"
           "\n"
           "xenner_pv properties (XEN_EMULATE, no hypervisor):\n"
           "                xenstore-socket=PATH\n"
           "                    serve xenstore to dom0 tools on a unix "
           "socket\n"
           "                    (XENSTORED_PATH=PATH xenstore-ls)\n"
           "                xenstore-quota-nodes=N (default 1000)\n"
           "                xenstore-quota-entry-size=BYTES (default 2048)\n"
           "                xenstore-quota-watches=N (default 128)\n"
           "                xenstore-quota-transactions=N (default 10)\n"
           "                xenstore-quota-perms=N (default 5)\n"
           "                    limits on unprivileged domains; 0 means "
           "none\n"
           "-xenstore-guest-socket domid=N,path=PATH\n"
           "                serve xenstore on PATH as seen by guest domain "
           "N\n"
           "                (unprivileged; repeatable)\n"
           "-xenner-guest domid=N[,name=NAME][,mem=MiB][,console=OUTPUT]\n"
           "             [,program=PROGRAM][,attack=KIND][,attack-console=I]"
           "\n"
           "                build emulated PV domain N and run an "
           "in-process test\n"
           "                guest in it: program=echo (default), demo, "
           "hostile or\n"
           "                disk (checks every disk; "
           "[,disk-queues=N][,disk-ring-order=N]\n"
           "                [,disk-persistent=on|off]"
           "[,disk-indirect=on|off]);\n"
           "                console= is its primary console's output "
           "(default null)\n"
           "\n"
           "Xen mode (xenpv machine):\n"
           "-xen-domid N    the guest's domain id\n"
           "-xen-attach     serve domain N, which the toolstack built "
           "(XEN_ATTACH)\n"
           "-xen-create     build the domain, then serve it (XEN_CREATE)\n"
           "\n"
           "Devices:\n"
           "-chardev BACKEND,id=ID[,...]\n"
           "                pty | socket,path=P,server=on,wait=off | "
           "file,path=P\n"
           "                | stdio | null | ringbuf[,size=N] "
           "(docs/chardev.md)\n"
           "-device xen-console,domid=N,idx=I,chardev=ID|output=SPEC"
           "[,name=NAME]\n"
           "                console I (I > 0) of guest N, as libxl "
           "writes it;\n"
           "                output= takes pty, null, file:PATH, "
           "unix:PATH,,server,,nowait\n"
           "                (commas inside a value are doubled)\n"
           "-drive file=PATH[,if=xen|none][,id=ID][,format=FMT][,index=N]\n"
           "       [,media=disk|cdrom][,readonly=on|off][,cache=MODE]"
           "[,aio=ENGINE]\n"
           "       [,discard=unmap|ignore]\n"
           "                a disk; if=xen (the default) gives it to the "
           "first\n"
           "                -xenner-guest as xvd<a+index>; format=raw "
           "(default) goes\n"
           "                through io_uring, any other QEMU format "
           "through\n"
           "                qemu-storage-daemon; file=nbd://... "
           "connects to a server;\n"
           "                cache=none uses O_DIRECT; aio=io_uring, "
           "threads\n"
           "-device xen-disk,domid=N,vdev=NAME,drive=ID[,max-queues=N]\n"
           "        [,max-ring-page-order=N][,max-indirect-segments=N]"
           "[,persistent=on|off]\n"
           "        [,daemon=qsd|qemu-nbd]\n"
           "                disk NAME (xvdb, 51728) of guest N, from "
           "-drive if=none,id=ID\n"
           "                (docs/block.md)\n"
           "\n"
           "During emulation, SIGINT, SIGTERM and SIGHUP stop qemu-xenpv "
           "cleanly.\n");
}

static void version(void)
{
    printf("qemu-xenpv version " QEMU_XENPV_VERSION "\n"
           "features:%s%s\n",
#ifdef CONFIG_XEN
           " xen",
#else
           "",
#endif
#ifdef CONFIG_XENNER
           " xenner"
#else
           ""
#endif
           );
}

/* Returns 0 to go on, or an exit status + 1. */
static int parse_args(int argc, char **argv, Options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *name;
        const char *arg = NULL;

        if (opt[0] != '-') {
            error_report("%s: invalid option", opt);
            return 2;
        }
        /* QEMU accepts every option with one dash or two. */
        name = opt + (opt[1] == '-' ? 2 : 1);

        if (!strcmp(name, "h") || !strcmp(name, "help")) {
            help();
            return 1;
        }
        if (!strcmp(name, "version")) {
            version();
            return 1;
        }
        if (!strcmp(name, "xen-attach") || !strcmp(name, "xen-create")) {
            *(name[4] == 'a' ? &o->xen_attach : &o->xen_create) = true;
            continue;
        }
        if (!strcmp(name, "M") || !strcmp(name, "machine") ||
            !strcmp(name, "xenstore-guest-socket") ||
            !strcmp(name, "chardev") || !strcmp(name, "device") ||
            !strcmp(name, "drive") || !strcmp(name, "xenner-guest") || !strcmp(name, "xen-domid")) {
            if (i + 1 == argc) {
                error_report("%s: requires an argument", opt);
                return 2;
            }
            arg = argv[++i];
            if (!strcmp(name, "xenstore-guest-socket")) {
                g_ptr_array_add(o->guest_sockets, (char *)arg);
            } else if (!strcmp(name, "chardev")) {
                g_ptr_array_add(o->chardevs, (char *)arg);
            } else if (!strcmp(name, "device")) {
                g_ptr_array_add(o->devices, (char *)arg);
            } else if (!strcmp(name, "drive")) {
                g_ptr_array_add(o->drives, (char *)arg);
            } else if (!strcmp(name, "xenner-guest")) {
                g_ptr_array_add(o->xenner_guests, (char *)arg);
            } else if (!strcmp(name, "xen-domid")) {
                o->xen_domid = arg;
            } else {
                o->machine = arg;
            }
            continue;
        }
        error_report("%s: invalid option", opt);
        return 2;
    }
    return 0;
}

static void quit_on_signal(void *opaque, int signo)
{
    (void)signo;
    event_loop_quit(opaque);
}

/* Parses each argument of @args into @out with @parse; false on the first error. */
static bool parse_opts_list(GPtrArray *args, const char *implied_key,
                            bool chardev, GPtrArray *out, Error **errp)
{
    for (guint i = 0; i < args->len; i++) {
        const char *arg = g_ptr_array_index(args, i);
        QemuOpts *opts = chardev ? chardev_opts_parse(arg, errp)
                                 : qemu_opts_parse(arg, implied_key, errp);

        if (!opts) {
            return false;
        }
        g_ptr_array_add(out, opts);
    }
    return true;
}

static bool parse_domid(const char *arg, long *domid, Error **errp)
{
    guint64 v;

    if (!g_ascii_string_to_unsigned(arg, 10, 0, DOMID_FIRST_RESERVED - 1, &v,
                                    NULL)) {
        error_setg(errp, "-xen-domid: '%s' is not a domain id", arg);
        return false;
    }
    *domid = v;
    return true;
}

static bool run(const Options *o, Error **errp)
{
    g_autoptr(GPtrArray) guest_sockets =
        g_ptr_array_new_with_free_func((GDestroyNotify)qemu_opts_free);
    g_autoptr(GPtrArray) chardevs =
        g_ptr_array_new_with_free_func((GDestroyNotify)qemu_opts_free);
    g_autoptr(GPtrArray) devices =
        g_ptr_array_new_with_free_func((GDestroyNotify)qemu_opts_free);
    g_autoptr(GPtrArray) drives =
        g_ptr_array_new_with_free_func((GDestroyNotify)qemu_opts_free);
    g_autoptr(GPtrArray) xenner_guests =
        g_ptr_array_new_with_free_func((GDestroyNotify)qemu_opts_free);
    XenMachineConfig cfg = {
        .xenstore_guest_sockets = guest_sockets,
        .chardevs = chardevs,
        .devices = devices,
        .drives = drives,
        .xenner_guests = xenner_guests,
        .xen_domid = -1,
        .xen_attach = o->xen_attach,
        .xen_create = o->xen_create,
    };
    const XenMachineType *type = xen_machine_default();
    XenMachineState *ms = NULL;
    EventLoop *loop = NULL;
    const char *name;
    bool ok = false;

    if (o->machine) {
        cfg.machine_opts = qemu_opts_parse(o->machine, "type", errp);
        if (!cfg.machine_opts) {
            return false;
        }
        name = qemu_opt_get(cfg.machine_opts, "type");
        if (name && !strcmp(name, "help")) {
            xen_machine_print_list();
            qemu_opts_free(cfg.machine_opts);
            return true;
        }
        if (name) {
            type = xen_machine_find(name);
            if (!type) {
                error_setg(errp, "unsupported machine type: \"%s\"\n"
                           "Use -machine help to list supported machines",
                           name);
                goto out;
            }
        }
    } else {
        cfg.machine_opts = qemu_opts_parse("", "type", errp);
    }
    if (!type) {
        error_setg(errp, "No machine specified, and there is no default\n"
                   "Use -machine help to list supported machines");
        goto out;
    }
    if (!qemu_opts_check_keys(cfg.machine_opts, type->props, type->name,
                              errp) ||
        (o->xen_domid && !parse_domid(o->xen_domid, &cfg.xen_domid, errp)) ||
        !parse_opts_list(o->guest_sockets, NULL, false, guest_sockets,
                         errp) ||
        !parse_opts_list(o->chardevs, NULL, true, chardevs, errp) ||
        !parse_opts_list(o->devices, "driver", false, devices, errp) ||
        !parse_opts_list(o->drives, NULL, false, drives, errp) ||
        !parse_opts_list(o->xenner_guests, NULL, false, xenner_guests,
                         errp) ||
        !xen_machine_check_mode(type, &cfg, errp)) {
        goto out;
    }
    for (guint i = 0; i < devices->len; i++) {
        const char *driver = qemu_opt_get(g_ptr_array_index(devices, i),
                                          "driver");

        if (driver && !strcmp(driver, "help")) {
            printf("Xen devices:\n"
                   "name \"xen-console\", bus xen-bus, desc \"Xen PV "
                   "console\"\n"
                   "name \"xen-disk\", bus xen-bus, desc \"Xen PV disk "
                   "(blkif)\"\n");
            ok = true;
            goto out;
        }
    }

    loop = event_loop_new(errp);
    if (!loop ||
        !event_loop_add_signal(loop, SIGINT, quit_on_signal, loop, errp) ||
        !event_loop_add_signal(loop, SIGTERM, quit_on_signal, loop, errp) ||
        !event_loop_add_signal(loop, SIGHUP, quit_on_signal, loop, errp)) {
        goto out;
    }
    ms = type->init(loop, &cfg, errp);
    if (!ms) {
        goto out;
    }
    ok = event_loop_run(loop, errp);
    type->cleanup(ms);

out:
    event_loop_free(loop);
    qemu_opts_free(cfg.machine_opts);
    return ok;
}

int main(int argc, char **argv)
{
    Options o = {
        .guest_sockets = g_ptr_array_new(),
        .chardevs = g_ptr_array_new(),
        .devices = g_ptr_array_new(),
        .drives = g_ptr_array_new(),
        .xenner_guests = g_ptr_array_new(),
    };
    Error *err = NULL;
    int status;

    /* A peer that goes away must not kill the process: see send(). */
    signal(SIGPIPE, SIG_IGN);

    status = parse_args(argc, argv, &o);
    if (status) {
        status--;
    } else if (!run(&o, &err)) {
        error_report_err(err);
        status = 1;
    }
    g_ptr_array_free(o.guest_sockets, true);
    g_ptr_array_free(o.chardevs, true);
    g_ptr_array_free(o.devices, true);
    g_ptr_array_free(o.drives, true);
    g_ptr_array_free(o.xenner_guests, true);
    return status;
}
