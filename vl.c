/*
 * qemu-xenpv: a standalone, QEMU-compatible Xen paravirtual device model.
 * Command line, start-up and the main loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdint.h>
#include <xen/xen.h>

#include "chardev/char.h"
#include "hw/xen/xen_machine.h"
#include "hw/xen/xen_nic_option.h"
#include "net/net.h"
#include "util/error.h"
#include "util/event-loop.h"
#include "util/qemu-option.h"
#include "util/trace.h"

typedef struct Options {
    const char *machine;            /* -M argument */
    GPtrArray *guest_sockets;       /* -xenstore-guest-socket arguments */
    GPtrArray *chardevs;            /* -chardev arguments */
    GPtrArray *devices;             /* -device arguments */
    GPtrArray *drives;              /* -drive arguments */
    GPtrArray *netdevs;             /* -netdev arguments */
    GPtrArray *nics;                /* -nic arguments */
    GPtrArray *xenner_guests;       /* -xenner-guest arguments */
    GPtrArray *mons;                /* -mon arguments */
    const char *xen_domid;          /* -xen-domid argument */
    bool xen_attach;
    bool xen_create;
    const char *name;               /* -name */
    const char *keymap;             /* -k */
    const char *vnc;                /* -vnc */
    const char *ram_size;           /* -m */
    const char *kernel;             /* -kernel, -initrd, -append */
    const char *initrd;
    const char *append;
    const char *serial;             /* -serial */
    const char *smp;                /* -smp */
    const char *uuid;               /* -uuid */
    bool no_reboot;
    const char *pidfile;
    bool daemonize;
    GPtrArray *traces;              /* -trace arguments */
    const char *logfile;            /* -D */
} Options;

/*
 * Options libxl passes that ask for what qemu-xenpv does anyway: it
 * creates no default devices, reads no configuration file, opens no
 * window, and leaves a PV guest's shutdown to the toolstack.
 */
static const char *const implied_flags[] = {
    "nodefaults", "no-user-config", "nographic", "no-shutdown", NULL,
};

/* Options whose only value we support is one that turns them off. */
static const struct {
    const char *name;
    const char *const values[4];
    const char *why;
} off_only[] = {
    { "display", { "none" }, "only -display none is supported" },
    { "monitor", { "none", "null", "/dev/null" },
      "only -mon mode=control (QMP) monitors are supported" },
    { "parallel", { "none", "null", "/dev/null" },
      "a PV guest has no emulated parallel port" },
};

static bool is_implied_flag(const char *name)
{
    for (const char *const *f = implied_flags; *f; f++) {
        if (!strcmp(name, *f)) {
            return true;
        }
    }
    return false;
}

static bool is_off_only(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(off_only); i++) {
        if (!strcmp(name, off_only[i].name)) {
            return true;
        }
    }
    return false;
}

/* 0: not an off-only option; 1: accepted; -1: refused (reported). */
static int check_off_only(const char *opt, const char *name, const char *arg)
{
    for (size_t i = 0; i < G_N_ELEMENTS(off_only); i++) {
        if (strcmp(name, off_only[i].name)) {
            continue;
        }
        for (const char *const *v = off_only[i].values; *v; v++) {
            if (!strcmp(arg, *v)) {
                return 1;
            }
        }
        error_report("%s %s: %s", opt, arg, off_only[i].why);
        return -1;
    }
    return 0;
}

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
           "                xenstore-quota-transaction-nodes=N "
           "(default 1024)\n"
           "                xenstore-quota-perms=N (default 5)\n"
           "                xenstore-quota-outstanding=N (default 20)\n"
           "                xenstore-quota-memory=BYTES (default 2621440)\n"
           "                xenstore-quota-memory-total=BYTES "
           "(default 67108864)\n"
           "                    limits on unprivileged domains; 0 means "
           "none\n"
           "-xenstore-guest-socket domid=N,path=PATH\n"
           "                serve xenstore on PATH as seen by guest domain "
           "N\n"
           "                (unprivileged; repeatable, each on a path "
           "of its own)\n"
           "-xenner-guest domid=N[,name=NAME][,mem=MiB][,console=OUTPUT]\n"
           "             [,program=PROGRAM][,attack=KIND][,attack-console=I]"
           "\n"
           "                build emulated PV domain N and run an "
           "in-process test\n"
           "                guest in it: program=echo (default), demo, "
           "hostile, fb\n"
           "                (draws on its -device xen-fb) or "
           "disk (checks every disk;\n"
           "                "
           "[,disk-queues=N][,disk-ring-order=N]\n"
           "                [,disk-persistent=on|off]"
           "[,disk-indirect=on|off]) or\n"
           "                net (bridges vif 0 and vif 1, counts in "
           "data/net;\n"
           "                [,net-queues=N][,net-split=on|off]"
           "[,net-sg=on|off]\n"
           "                [,net-gso=on|off][,net-csum=on|off]"
           "[,net-ctrl=on|off]);\n"
           "                console= is its primary console's output "
           "(default null)\n"
           "\n"
           "Xen mode (xenpv machine):\n"
           "-xen-domid N    the guest's domain id\n"
           "-xen-attach     serve domain N, which the toolstack built "
           "(XEN_ATTACH):\n"
           "                its qdisk disks and ioemu consoles; libxl's "
           "device_model_override\n"
           "-xen-create     build a PV domain and serve its devices, "
           "with no toolstack\n"
           "                (XEN_CREATE, docs/xen-create.md): qemu-xenpv "
           "runs while the\n"
           "                guest does; it exits 0 when the guest powers "
           "off, non-zero\n"
           "                when it crashes; a signal or QMP quit "
           "destroys the domain\n"
           "-kernel FILE    the guest's Xen PV kernel (-xen-create)\n"
           "-initrd FILE    its initial ramdisk\n"
           "-append CMDLINE its command line\n"
           "-m SIZE         its memory (default 128 MiB)\n"
           "-smp [cpus=]N   its vCPUs (default 1)\n"
           "-uuid UUID      its handle and /vm/UUID (default: random)\n"
           "-serial SPEC    its console: stdio (the default), pty, "
           "file:PATH, unix:PATH,\n"
           "                null or chardev:ID of a -chardev\n"
           "-drive file=PATH,if=xen[,backend=qdisk|vbd][,format=FMT]"
           "[,index=N][,...]\n"
           "                a disk, xvda upwards: qdisk (default) is "
           "qemu-xenpv's backend,\n"
           "                vbd the dom0 kernel's blkback (raw images, "
           "on a loop device)\n"
           "-no-reboot      exit when the guest reboots, instead of "
           "building it again\n"
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
           "       [,discard=unmap|ignore][,[file.]locking=auto|on|off]\n"
           "                a disk; if=xen (the default) gives it to the "
           "first\n"
           "                -xenner-guest as xvd<a+index>; format=raw "
           "(default) goes\n"
           "                through io_uring, any other QEMU format "
           "through\n"
           "                qemu-storage-daemon; file=nbd://... "
           "connects to a server;\n"
           "                cache=none uses O_DIRECT; aio=io_uring, "
           "threads;\n"
           "                the image is locked as QEMU locks it "
           "(locking=off: not)\n"
           "-device xen-disk,domid=N,vdev=NAME,drive=ID[,max-queues=N]\n"
           "        [,max-ring-page-order=N][,max-indirect-segments=N]"
           "[,persistent=on|off]\n"
           "        [,daemon=qsd|qemu-nbd]\n"
           "                disk NAME (xvdb, 51728) of guest N, from "
           "-drive if=none,id=ID\n"
           "                (docs/block.md)\n"
           "-device xen-net-device,netdev=ID,domid=N[,mac=52:54:00:...]"
           "[,devid=I][,mtu=N]\n"
           "        [,max-queues=N][,rate=BYTES@USEC]\n"
           "                vif I (default 0) of guest N on -netdev ID: "
           "netback's\n"
           "                features (sg, csum, GSO, queues, control "
           "ring); rate\n"
           "                limits TX to BYTES every USEC microseconds\n"
           "                (docs/net.md)\n"
           "-device xen-fb,domid=N[,width=W][,height=H][,videoram=MiB]\n"
           "                a framebuffer (vfb) for guest N: the size "
           "offered to it\n"
           "                (default 800x600) and the most video memory "
           "it may use\n"
           "                (default 16, at most 128); QMP screendump "
           "shows it\n"
           "                (docs/display.md)\n"
           "-device xen-kbd,domid=N[,devid=I][,width=W][,height=H]"
           "[,abs-pointer=on|off]\n"
           "        [,raw-pointer=on|off][,multi-touch=on|off]"
           "[,multi-touch-width=W]\n"
           "        [,multi-touch-height=H][,multi-touch-contacts=N]"
           "[,disable-keyboard=on|off]\n"
           "        [,disable-pointer=on|off][,unique-id=ID]\n"
           "                keyboard and pointer I (default 0) of guest N "
           "(vkbd);\n"
           "                width x height is the pointer's range "
           "(800x600)\n"
           "                (docs/display.md)\n"
           "\n"
           "Network (docs/net.md):\n"
           "-netdev TYPE,id=ID[,...]\n"
           "                a host-side network backend for a Xen net "
           "device;\n"
           "                -netdev help lists the types this build has\n"
           "-netdev tap,id=ID[,ifname=NAME][,script=no|PATH]"
           "[,downscript=no|PATH]\n"
           "        [,vhost=off][,queues=N][,vnet_hdr=on|off]\n"
           "                a tap interface (offloads pass through with "
           "vnet_hdr=on);\n"
           "                script runs PATH IFNAME after opening "
           "(default " "/etc/qemu-ifup),\n"
           "                downscript at exit (default "
           "/etc/qemu-ifdown); no: none\n"
           "-netdev user,id=ID[,restrict=on|off][,net=ADDR[/MASK]]"
           "[,host=ADDR]\n"
           "        [,dhcpstart=ADDR][,hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-"
           "[GUESTADDR]:GUESTPORT]\n"
           "                user-mode networking (libslirp): DHCP, DNS and "
           "NAT for the\n"
           "                guest (default 10.0.2.0/24); hostfwd= forwards "
           "a host port\n"
           "                (repeatable); restrict=on keeps the guest in\n"
           "-netdev stream,id=ID,server=on|off,addr.type=unix,addr.path=PATH\n"
           "-netdev stream,id=ID,server=on|off,addr.type=inet,addr.host=HOST,"
           "\n"
           "        addr.port=PORT[,reconnect=SECONDS]\n"
           "                frames over a stream socket in QEMU's framing "
           "(another QEMU,\n"
           "                passt); a client retries every SECONDS with "
           "reconnect=\n"
           "-nic TYPE[,netdev options][,mac=MAC][,model=xen-net-device]"
           "[,domid=N]\n"
           "                a -netdev TYPE and a xen-net-device on it, as "
           "QEMU's -nic;\n"
           "                domid defaults to the only -xenner-guest, the "
           "vif to its\n"
           "                first free number; -nic none: no NIC; "
           "model=help lists models\n"
           "\n"
           "Monitor and process (as libxl passes them):\n"
           "-mon chardev=ID,mode=control\n"
           "                a QMP monitor on chardev ID\n"
           "-name NAME      the guest's name, for QMP's query-name\n"
           "-daemonize      detach once the machine is up (the parent "
           "exits 0 then)\n"
           "-pidfile FILE   write the process id to FILE\n"
           "-m [size=]SIZE[,slots=N,maxmem=SIZE]\n"
           "                the -xen-create guest's memory; otherwise "
           "only checked, a PV\n"
           "                guest's memory being the toolstack's; SIZE "
           "is in MiB\n"
           "                or has a suffix B, K, M, G, T, P or E "
           "(maxmem: bytes)\n"
           "-nodefaults, -no-user-config, -nographic, -no-shutdown\n"
           "                accepted: qemu-xenpv creates no default "
           "devices, reads no\n"
           "                configuration file, opens no window, and "
           "leaves a PV\n"
           "                guest's shutdown to the toolstack\n"
           "-display none, -monitor|-parallel none|null|/dev/null, and "
           "-serial so\n"
           "                without -xen-create\n"
           "                accepted; other values are refused\n"
           "\n"
           "Display (docs/display.md):\n"
           "-vnc [HOST]:N[,to=L][,password=on][,display=CONSOLE]"
           "[,ipv4=on|ipv6=on]\n"
           "-vnc unix:PATH[,...], -vnc none\n"
           "                a VNC server on TCP port 5900+N of HOST "
           "(empty: every\n"
           "                address; [IPV6] in brackets), or the first "
           "free one up to\n"
           "                5900+L with to=L; password=on asks for the "
           "password QMP's\n"
           "                change-vnc-password sets (none set: every "
           "client refused);\n"
           "                display= shows that console (xenfb<domid>.0), "
           "default the first.\n"
           "                Without -vnc, -M xenpv -xen-attach opens the "
           "display libxl's\n"
           "                vfb keys ask for (vnc, vnclisten, vncdisplay, "
           "vncunused, vncpasswd)\n"
           "-k LAYOUT       the keyboard layout of VNC clients' keys "
           "(default en-us),\n"
           "                from " "/usr/share/qemu/keymaps\n"
           "\n"
           "Debug/Expert options:\n"
           "-trace [enable=]PATTERN\n"
           "                trace the log domains matching the glob "
           "PATTERN, e.g.\n"
           "                'xen-*' (repeatable; -trace help lists the "
           "domains);\n"
           "                G_MESSAGES_DEBUG=DOMAIN... or all does the "
           "same\n"
           "-D FILE         write the trace to FILE instead of stderr\n"
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

/* The options that take an argument, and where it goes in Options. */
typedef struct ArgOption {
    const char *name;
    size_t offset;
    bool repeatable;    /* a GPtrArray of every one; else the last one */
} ArgOption;

#define ARG(name, field) { name, offsetof(Options, field), false }
#define ARGS(name, field) { name, offsetof(Options, field), true }
static const ArgOption arg_options[] = {
    ARG("M", machine), ARG("machine", machine),
    ARGS("xenstore-guest-socket", guest_sockets),
    ARGS("chardev", chardevs), ARGS("device", devices),
    ARGS("drive", drives), ARGS("netdev", netdevs),
    ARGS("nic", nics),
    ARGS("xenner-guest", xenner_guests),
    ARGS("mon", mons), ARG("xen-domid", xen_domid), ARG("name", name),
    ARG("k", keymap), ARG("vnc", vnc), ARG("m", ram_size), ARG("pidfile", pidfile),
    ARG("kernel", kernel), ARG("initrd", initrd), ARG("append", append),
    ARG("serial", serial), ARG("smp", smp), ARG("uuid", uuid),
    ARGS("trace", traces), ARG("D", logfile),
};
#undef ARG
#undef ARGS

static const ArgOption *find_arg_option(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(arg_options); i++) {
        if (!strcmp(name, arg_options[i].name)) {
            return &arg_options[i];
        }
    }
    return NULL;
}

static void store_arg(Options *o, const ArgOption *opt, const char *arg)
{
    void *field = (char *)o + opt->offset;

    if (opt->repeatable) {
        g_ptr_array_add(*(GPtrArray **)field, (char *)arg);
    } else {
        *(const char **)field = arg;
    }
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
        if (!strcmp(name, "daemonize")) {
            o->daemonize = true;
            continue;
        }
        if (!strcmp(name, "no-reboot")) {
            o->no_reboot = true;
            continue;
        }
        if (is_implied_flag(name)) {
            continue;
        }
        if (find_arg_option(name) || is_off_only(name)) {
            int off;

            if (i + 1 == argc) {
                error_report("%s: requires an argument", opt);
                return 2;
            }
            arg = argv[++i];
            off = check_off_only(opt, name, arg);
            if (off) {
                if (off < 0) {
                    return 2;
                }
                continue;
            }
            if (!strcmp(name, "trace") && !strcmp(arg, "help")) {
                trace_list_domains(stdout);
                return 1;
            }
            /* As QEMU: answered whatever else the command line says. */
            if (!strcmp(name, "netdev") && !strcmp(arg, "help")) {
                net_dev_print_help();
                return 1;
            }
            if (!strcmp(name, "nic") && xen_nic_option_wants_help(arg)) {
                xen_nic_option_print_models();
                return 1;
            }
            store_arg(o, find_arg_option(name), arg);
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

/* -mon chardev=ID,mode=control[,pretty=on|off]: QMP only. */
static bool check_mons(GPtrArray *mons, Error **errp)
{
    static const char *const keys[] = { "chardev", "mode", "pretty", NULL };

    for (guint i = 0; i < mons->len; i++) {
        QemuOpts *opts = g_ptr_array_index(mons, i);
        const char *mode = qemu_opt_get(opts, "mode");

        if (!qemu_opts_check_keys(opts, keys, "mon", errp)) {
            return false;
        }
        if (!qemu_opt_get(opts, "chardev")) {
            error_setg(errp, "-mon: chardev=ID is required");
            return false;
        }
        if (mode && strcmp(mode, "control")) {
            error_setg(errp, "-mon mode=%s: only mode=control (QMP) is "
                       "supported", mode);
            return false;
        }
    }
    return true;
}

/*
 * -m [size=]SIZE[,slots=N,maxmem=SIZE]: read and checked as QEMU does
 * (a bare size counts MiB, maxmem bytes; 0 means the default), so that
 * what QEMU refuses is refused here too. A PV guest's memory is the
 * toolstack's to give: nothing uses it.
 */
static bool check_ram_size(const char *arg, uint64_t *mb, Error **errp)
{
    static const char *const keys[] = { "size", "slots", "maxmem", NULL };
    QemuOpts *opts;
    uint64_t size, slots, maxmem;
    Error *err = NULL;

    /* An empty -m is an empty size, refused: not QEMU's silent default. */
    opts = qemu_opts_parse(*arg ? arg : "size=", "size", &err);
    if (opts && qemu_opts_check_params(opts, keys, &err) &&
        qemu_opt_get_size(opts, "size", 0, 1 << 20, &size, &err) &&
        qemu_opt_get_size(opts, "maxmem", 0, 1, &maxmem, &err) &&
        qemu_opt_get_number(opts, "slots", 0, UINT64_MAX, &slots, &err)) {
        if (!qemu_opt_get(opts, "maxmem")) {
            if (qemu_opt_get(opts, "slots")) {
                error_setg(&err, "slots specified but no max-size");
            }
        } else if (size && maxmem < size) {
            error_setg(&err, "invalid value of maxmem: maximum memory size "
                       "(0x%" PRIx64 ") must be at least the initial "
                       "memory size (0x%" PRIx64 ")", maxmem, size);
        } else if (size && slots && maxmem == size) {
            error_setg(&err, "invalid value of maxmem: memory slots were "
                       "specified but maximum memory size (0x%" PRIx64
                       ") is equal to the initial memory size (0x%" PRIx64
                       ")", maxmem, size);
        }
    }
    qemu_opts_free(opts);
    if (!err) {
        *mb = size >> 20;
    }
    if (err) {
        error_prepend(&err, "-m %s: ", arg);
        error_propagate(errp, err);
        return false;
    }
    return true;
}

/*
 * -serial: the guest's primary console with -xen-create, where any
 * chardev spec goes (stdio, pty, file:PATH, unix:PATH, chardev:ID);
 * otherwise there is no serial port to connect, and only "off" is taken.
 */
static bool check_serial(const char *arg, bool xen_create, Error **errp)
{
    static const char *const off[] = { "none", "null", "/dev/null", NULL };

    if (!arg || xen_create) {
        return true;
    }
    for (const char *const *v = off; *v; v++) {
        if (!strcmp(arg, *v)) {
            return true;
        }
    }
    error_setg(errp, "-serial %s: a PV guest has no emulated serial port "
               "(with -xen-create, -serial is its console)", arg);
    return false;
}

/* -smp [cpus=]N: the vCPUs -xen-create gives the domain. */
static bool parse_smp(const char *arg, unsigned *smp, Error **errp)
{
    static const char *const keys[] = { "cpus", NULL };
    QemuOpts *opts = qemu_opts_parse(arg, "cpus", errp);
    uint64_t n;
    bool ok;

    ok = opts && qemu_opts_check_params(opts, keys, errp) &&
         qemu_opt_get_number(opts, "cpus", 1, 128, &n, errp);
    qemu_opts_free(opts);
    if (ok && !n) {
        error_setg(errp, "-smp %s: at least one CPU", arg);
        ok = false;
    }
    if (ok) {
        *smp = n;
    }
    return ok;
}

static bool check_uuid(const char *arg, Error **errp)
{
    if (!g_uuid_string_is_valid(arg)) {
        error_setg(errp, "-uuid %s: not a UUID "
                   "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", arg);
        return false;
    }
    return true;
}

/* -k: a keyboard layout name such as en-us or de-ch, for a VNC display. */
static bool check_keymap(const char *arg, Error **errp)
{
    for (const char *p = arg; *p; p++) {
        if (!g_ascii_islower(*p) && *p != '-' && *p != '_') {
            error_setg(errp, "-k %s: not a keyboard layout name", arg);
            return false;
        }
    }
    if (!*arg) {
        error_setg(errp, "-k: a keyboard layout name is required");
        return false;
    }
    return true;
}

/*
 * -daemonize, as QEMU does it: the parent waits until the child has
 * started the machine and exits 0 then, or 1 if the child failed, so
 * that the caller (libxl) knows the device model is up when it returns.
 */
static bool daemonize_start(int *ready_fd, Error **errp)
{
    int fds[2];
    pid_t pid;

    if (pipe(fds) < 0) {
        error_setg_errno(errp, errno, "-daemonize: pipe");
        return false;
    }
    pid = fork();
    if (pid < 0) {
        error_setg_errno(errp, errno, "-daemonize: fork");
        return false;
    }
    if (pid > 0) {
        char c = 0;

        close(fds[1]);
        while (read(fds[0], &c, 1) < 0 && errno == EINTR) {
            continue;
        }
        _exit(c == 'r' ? 0 : 1);
    }
    close(fds[0]);
    setsid();
    *ready_fd = fds[1];
    return true;
}

static void daemonize_finish(int ready_fd)
{
    int null = open("/dev/null", O_RDWR);

    if (write(ready_fd, "r", 1) < 0) {
        /* The parent is gone: nobody is waiting. */
    }
    close(ready_fd);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    if (chdir("/") < 0) {
        /* Stays where it was: harmless. */
    }
}

static bool write_pidfile(const char *path, Error **errp)
{
    g_autofree char *pid = g_strdup_printf("%d\n", (int)getpid());
    GError *gerr = NULL;

    if (!g_file_set_contents(path, pid, -1, &gerr)) {
        error_setg(errp, "Cannot write pid file %s: %s", path,
                   gerr->message);
        g_error_free(gerr);
        return false;
    }
    return true;
}

/*
 * -trace and -D, before anything that traces starts: GLib's log writer
 * is the process's, so it is chosen here and nowhere else.
 */
static bool trace_setup(const Options *o, Error **errp)
{
    TraceConfig *tc = trace_config_new();

    for (guint i = 0; i < o->traces->len; i++) {
        if (!trace_config_add(tc, g_ptr_array_index(o->traces, i), errp)) {
            trace_config_free(tc);
            return false;
        }
    }
    if (o->logfile && !trace_config_set_file(tc, o->logfile, errp)) {
        trace_config_free(tc);
        return false;
    }
    trace_config_install(tc);
    return true;
}

static GPtrArray *opts_array_new(void)
{
    return g_ptr_array_new_with_free_func((GDestroyNotify)qemu_opts_free);
}

static void machine_config_init(XenMachineConfig *cfg, const Options *o)
{
    *cfg = (XenMachineConfig) {
        .xenstore_guest_sockets = opts_array_new(),
        .chardevs = opts_array_new(),
        .devices = opts_array_new(),
        .drives = opts_array_new(),
        .netdevs = opts_array_new(),
        .xenner_guests = opts_array_new(),
        .mons = opts_array_new(),
        .name = o->name,
        .vnc = o->vnc,
        .keymap = o->keymap,
        .xen_domid = -1,
        .xen_attach = o->xen_attach,
        .xen_create = o->xen_create,
        .kernel = o->kernel,
        .initrd = o->initrd,
        .append = o->append,
        .serial = o->serial,
        .uuid = o->uuid,
        .no_reboot = o->no_reboot,
    };
}

static void machine_config_free(XenMachineConfig *cfg)
{
    g_ptr_array_free(cfg->xenstore_guest_sockets, true);
    g_ptr_array_free(cfg->chardevs, true);
    g_ptr_array_free(cfg->devices, true);
    g_ptr_array_free(cfg->drives, true);
    g_ptr_array_free(cfg->netdevs, true);
    g_ptr_array_free(cfg->xenner_guests, true);
    g_ptr_array_free(cfg->mons, true);
    qemu_opts_free(cfg->machine_opts);
}

/*
 * -machine: sets *@type, or leaves it NULL once `-machine help` was
 * answered.
 */
static bool select_machine(const char *arg, XenMachineConfig *cfg,
                           const XenMachineType **type, Error **errp)
{
    const char *name;

    *type = xen_machine_default();
    cfg->machine_opts = qemu_opts_parse(arg ? arg : "", "type", errp);
    if (!cfg->machine_opts) {
        return false;
    }
    name = qemu_opt_get(cfg->machine_opts, "type");
    if (name && !strcmp(name, "help")) {
        xen_machine_print_list();
        *type = NULL;
        return true;
    }
    if (name) {
        *type = xen_machine_find(name);
        if (!*type) {
            error_setg(errp, "unsupported machine type: \"%s\"\n"
                       "Use -machine help to list supported machines",
                       name);
            return false;
        }
    }
    if (!*type) {
        error_setg(errp, "No machine specified, and there is no default\n"
                   "Use -machine help to list supported machines");
        return false;
    }
    return true;
}

/* Each -nic as the -netdev and -device xen-net-device it stands for. */
static bool expand_nics(GPtrArray *nics, XenMachineConfig *cfg, Error **errp)
{
    for (guint i = 0; i < nics->len; i++) {
        QemuOpts *netdev, *device;

        if (!xen_nic_option_expand(g_ptr_array_index(nics, i), i,
                                   cfg->xenner_guests, cfg->xen_domid,
                                   &netdev, &device, errp)) {
            return false;
        }
        if (netdev) {
            g_ptr_array_add(cfg->netdevs, netdev);
            g_ptr_array_add(cfg->devices, device);
        }
    }
    return true;
}

/* Every option's value, checked before anything starts. */
static bool parse_config(const Options *o, const XenMachineType *type,
                         XenMachineConfig *cfg, Error **errp)
{
    return qemu_opts_check_keys(cfg->machine_opts, type->props, type->name,
                                errp) &&
        (!o->xen_domid || parse_domid(o->xen_domid, &cfg->xen_domid,
                                      errp)) &&
        parse_opts_list(o->guest_sockets, NULL, false,
                        cfg->xenstore_guest_sockets, errp) &&
        parse_opts_list(o->chardevs, NULL, true, cfg->chardevs, errp) &&
        parse_opts_list(o->devices, "driver", false, cfg->devices, errp) &&
        parse_opts_list(o->drives, NULL, false, cfg->drives, errp) &&
        parse_opts_list(o->netdevs, "type", false, cfg->netdevs, errp) &&
        parse_opts_list(o->xenner_guests, NULL, false, cfg->xenner_guests,
                        errp) &&
        parse_opts_list(o->mons, NULL, false, cfg->mons, errp) &&
        expand_nics(o->nics, cfg, errp) &&
        check_mons(cfg->mons, errp) &&
        (!o->ram_size || check_ram_size(o->ram_size, &cfg->ram_mb, errp)) &&
        check_serial(o->serial, o->xen_create, errp) &&
        (!o->smp || parse_smp(o->smp, &cfg->smp, errp)) &&
        (!o->uuid || check_uuid(o->uuid, errp)) &&
        (!o->keymap || check_keymap(o->keymap, errp)) &&
        xen_machine_check_mode(type, cfg, errp);
}

/* `-device help`: true when it was asked for (and answered). */
static bool device_help(GPtrArray *devices)
{
    for (guint i = 0; i < devices->len; i++) {
        const char *driver = qemu_opt_get(g_ptr_array_index(devices, i),
                                          "driver");

        if (driver && !strcmp(driver, "help")) {
            printf("Xen devices:\n"
                   "name \"xen-console\", bus xen-bus, desc \"Xen PV "
                   "console\"\n"
                   "name \"xen-disk\", bus xen-bus, desc \"Xen PV disk "
                   "(blkif)\"\n"
                   "name \"xen-fb\", bus xen-bus, desc \"Xen PV "
                   "framebuffer (vfb)\"\n"
                   "name \"xen-kbd\", bus xen-bus, desc \"Xen PV keyboard "
                   "and pointer (vkbd)\"\n"
                   "name \"xen-net-device\", bus xen-bus, desc \"Xen PV "
                   "network device (vif)\"\n");
            return true;
        }
    }
    return false;
}

static EventLoop *loop_new_quitting_on_signals(Error **errp)
{
    EventLoop *loop = event_loop_new(errp);

    if (loop &&
        (!event_loop_add_signal(loop, SIGINT, quit_on_signal, loop, errp) ||
         !event_loop_add_signal(loop, SIGTERM, quit_on_signal, loop, errp) ||
         !event_loop_add_signal(loop, SIGHUP, quit_on_signal, loop, errp))) {
        event_loop_free(loop);
        return NULL;
    }
    return loop;
}

/*
 * The machine, from start to its loop's end: a daemon's parent returns
 * only once the machine is up (or failed), and the pid file exists
 * exactly while it runs.
 */
static bool run_machine(const Options *o, const XenMachineType *type,
                        const XenMachineConfig *cfg, Error **errp)
{
    int ready_fd = -1;
    EventLoop *loop;
    XenMachineState *ms;
    bool ok = false;

    if (o->daemonize && !daemonize_start(&ready_fd, errp)) {
        return false;
    }
    loop = loop_new_quitting_on_signals(errp);
    ms = loop ? type->init(loop, cfg, errp) : NULL;
    if (ms && (!o->pidfile || write_pidfile(o->pidfile, errp))) {
        if (ready_fd >= 0) {
            daemonize_finish(ready_fd);
        }
        ok = event_loop_run(loop, errp) &&
             (!type->result || type->result(ms, errp));
        if (o->pidfile) {
            unlink(o->pidfile);     /* as QEMU does at exit */
        }
    }
    if (ms) {
        type->cleanup(ms);
    }
    event_loop_free(loop);
    return ok;
}

static bool run(const Options *o, Error **errp)
{
    XenMachineConfig cfg;
    const XenMachineType *type;
    bool ok;

    machine_config_init(&cfg, o);
    ok = select_machine(o->machine, &cfg, &type, errp);
    if (ok && type) {
        ok = parse_config(o, type, &cfg, errp) &&
             (device_help(cfg.devices) || run_machine(o, type, &cfg, errp));
    }
    machine_config_free(&cfg);
    return ok;
}

int main(int argc, char **argv)
{
    Options o = {
        .guest_sockets = g_ptr_array_new(),
        .chardevs = g_ptr_array_new(),
        .devices = g_ptr_array_new(),
        .drives = g_ptr_array_new(),
        .netdevs = g_ptr_array_new(),
        .nics = g_ptr_array_new(),
        .xenner_guests = g_ptr_array_new(),
        .mons = g_ptr_array_new(),
        .traces = g_ptr_array_new(),
    };
    Error *err = NULL;
    int status;

    /* A peer that goes away must not kill the process: see send(). */
    signal(SIGPIPE, SIG_IGN);

    status = parse_args(argc, argv, &o);
    if (status) {
        status--;
    } else if (!trace_setup(&o, &err) || !run(&o, &err)) {
        error_report_err(err);
        status = 1;
    }
    g_ptr_array_free(o.guest_sockets, true);
    g_ptr_array_free(o.chardevs, true);
    g_ptr_array_free(o.devices, true);
    g_ptr_array_free(o.drives, true);
    g_ptr_array_free(o.netdevs, true);
    g_ptr_array_free(o.nics, true);
    g_ptr_array_free(o.xenner_guests, true);
    g_ptr_array_free(o.mons, true);
    g_ptr_array_free(o.traces, true);
    return status;
}
