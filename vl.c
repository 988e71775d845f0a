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
#include "vl-help.h"
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
            vl_help();
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
static bool expand_nics(GPtrArray *nics, const XenMachineType *type,
                        XenMachineConfig *cfg, Error **errp)
{
    long domid = type->guest_domid ? type->guest_domid :
                 cfg->xen_create ? XEN_NIC_DOMID_BUILT : cfg->xen_domid;

    for (guint i = 0; i < nics->len; i++) {
        QemuOpts *netdev, *device;

        if (!xen_nic_option_expand(g_ptr_array_index(nics, i), i,
                                   cfg->xenner_guests, domid,
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
        expand_nics(o->nics, type, cfg, errp) &&
        check_mons(cfg->mons, errp) &&
        (!o->ram_size || check_ram_size(o->ram_size, &cfg->ram_mb, errp)) &&
        check_serial(o->serial, o->xen_create || type->boots_kernel, errp) &&
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
