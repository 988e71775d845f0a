/*
 * The xenner_pv machine (XEN_EMULATE): no hypervisor. Xenner provides the
 * Xen services in-process; this file plays the toolstack and the domain
 * builder for them: it serves xenstore on unix sockets, builds the
 * -xenner-guest domains with their primary consoles, writes the
 * -device directories as libxl would, and starts the backend core.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"
#include "hw/xen/xen_machine.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chardev/char.h"
#include "hw/xen/xen_backend.h"
#include "hw/xen/xen_console.h"
#include "hw/xen/xen_disk.h"
#include "hw/xen/xen_fb.h"
#include "hw/xen/xen_kbd.h"
#include "hw/xen/xen_nic.h"
#include "hw/xen/xen_drive.h"
#include "hw/xen/xen_qmp.h"
#include "net/net.h"
#include "ui/vnc.h"
#include "xenner/guests/programs.h"
#include "xenner/guest.h"
#include "xenner/xenner.h"
#include "xenner/xs_server.h"
#include "xenner/xs_tree.h"

#define XENNER_GUEST_DEFAULT_MEM_MB 16

typedef struct MachineGuest {
    uint16_t domid;
    XennerGuest *guest;
    GuestProgram *program;
} MachineGuest;

struct XenMachineState {
    EventLoop *loop;
    XsTree *xenstore;
    XsBudget *xs_budget;        /* shared by the servers */
    GPtrArray *servers;         /* XsServer */
    Xenner *xenner;
    ChardevSet *chardevs;
    XenBackend *backend;
    XenDiskHost *disks;
    ConsoleList *consoles;      /* the framebuffers' displays */
    GPtrArray *drives;          /* XenDrive */
    XenQmp *qmp;
    GPtrArray *guests;          /* MachineGuest */
    InputHub *input;            /* the guests' keyboards and pointers */
    VncDisplay *vnc;            /* -vnc, or NULL */
    NetDevList *nets;           /* -netdev */
    XenNicHost *nics;           /* the vifs on them */
};

const char *const xenner_pv_props[] = {
    "type",
    "xenstore-socket",
    "xenstore-quota-nodes",
    "xenstore-quota-entry-size",
    "xenstore-quota-watches",
    "xenstore-quota-transactions",
    "xenstore-quota-transaction-nodes",
    "xenstore-quota-perms",
    "xenstore-quota-outstanding",
    "xenstore-quota-memory",
    "xenstore-quota-memory-total",
    "xenstore-sched-batch",
    NULL,
};

static bool xenner_set_quota(XsTree *tree, QemuOpts *opts, Error **errp)
{
    XsQuota q;
    static const char *const keys[] = {
        "xenstore-quota-nodes", "xenstore-quota-entry-size",
        "xenstore-quota-watches", "xenstore-quota-transactions",
        "xenstore-quota-transaction-nodes", "xenstore-quota-perms",
        "xenstore-quota-outstanding", "xenstore-quota-memory",
        "xenstore-quota-memory-total",
    };

    xenner_xs_tree_get_quota(tree, &q);
    unsigned *fields[G_N_ELEMENTS(keys)] = {
        &q.nodes, &q.entry_size, &q.watches, &q.transactions,
        &q.transaction_nodes, &q.perms, &q.outstanding, &q.memory,
        &q.memory_total,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        uint64_t v;

        if (!qemu_opt_get_number(opts, keys[i], *fields[i], UINT32_MAX, &v,
                                 errp)) {
            return false;
        }
        *fields[i] = v;
    }
    xenner_xs_tree_set_quota(tree, &q);
    return true;
}

/*
 * What identifies the file a socket path names, however it is spelt:
 * the directory's device and inode (so "x", "./x" and a symlinked
 * directory agree) and the last component.
 */
static char *xenner_socket_identity(const char *path)
{
    g_autofree char *real = realpath(path, NULL);
    const char *p = real ? real : path;
    g_autofree char *dir = g_path_get_dirname(p);
    g_autofree char *base = g_path_get_basename(p);
    struct stat st;

    if (stat(dir, &st) == 0) {
        return g_strdup_printf("%" PRIuMAX ":%" PRIuMAX "/%s",
                               (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
                               base);
    }
    /* Binding there fails anyway; only spellings need telling apart. */
    return g_canonicalize_filename(p, NULL);
}

/*
 * A server replaces a stale socket file at its path when it binds: two
 * servers on one file would leave the first one listening on nothing
 * reachable (dom0 silently without its socket). Checked for all of them
 * before any is bound.
 */
static bool xenner_check_socket_paths(const XenMachineConfig *cfg,
                                      Error **errp)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash,
                                                       g_str_equal, g_free,
                                                       g_free);
    guint n = cfg->xenstore_guest_sockets->len;

    for (guint i = 0; i <= n; i++) {
        const char *path = i == 0
            ? qemu_opt_get(cfg->machine_opts, "xenstore-socket")
            : qemu_opt_get(g_ptr_array_index(cfg->xenstore_guest_sockets,
                                             i - 1), "path");
        g_autofree char *what = NULL;
        const char *other;
        char *id;

        if (!path) {
            continue;           /* refused later, with the option's rules */
        }
        what = g_strconcat(i == 0 ? "xenstore-socket="
                                  : "-xenstore-guest-socket path=",
                           path, NULL);
        id = xenner_socket_identity(path);
        other = g_hash_table_lookup(seen, id);
        if (other) {
            error_setg(errp, "%s and %s name the same socket file: each "
                       "xenstore socket needs a path of its own", other,
                       what);
            g_free(id);
            return false;
        }
        g_hash_table_insert(seen, id, g_steal_pointer(&what));
    }
    return true;
}

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
    server = xenner_xs_server_new(ms->loop, ms->xenstore, ms->xs_budget,
                                  path, domid, errp);
    if (!server) {
        return false;
    }
    g_ptr_array_add(ms->servers, server);
    /* As a toolstack would before the guest's ring connects. */
    toolstack = xenner_xs_client_new(ms->xenstore, 0, NULL, NULL);
    ret = xenner_xs_client_introduce(toolstack, domid);
    xenner_xs_client_free(toolstack);
    if (ret) {
        error_setg(errp, "cannot introduce domain %u: %s", (unsigned)domid,
                   xenner_xs_errno_name(-ret));
        return false;
    }
    return true;
}

/* ---- guests ------------------------------------------------------------ */

static MachineGuest *machine_find_guest(XenMachineState *ms, uint64_t domid)
{
    for (guint i = 0; i < ms->guests->len; i++) {
        MachineGuest *mg = g_ptr_array_index(ms->guests, i);

        if (mg->domid == domid) {
            return mg;
        }
    }
    return NULL;
}

/*
 * The domain builder's part: memory, the primary console's page and
 * port (what start_info carries), and the console's xenstore entries.
 */
static bool xenner_add_guest(XenMachineState *ms, QemuOpts *opts,
                             GuestProgramStartInfo *si, Error **errp)
{
    static const char *const machine_keys[] = {
        "domid", "name", "mem", "console",
    };
    g_autoptr(GPtrArray) keys = g_ptr_array_new();
    const char *program = qemu_opt_get(opts, "program");
    const char *console = qemu_opt_get(opts, "console");
    g_autofree char *name = NULL;
    uint64_t domid, mem_mb;
    MachineGuest *mg;
    int port;

    for (size_t i = 0; i < G_N_ELEMENTS(machine_keys); i++) {
        g_ptr_array_add(keys, (gpointer)machine_keys[i]);
    }
    for (const char *const *k = guest_program_keys; *k; k++) {
        g_ptr_array_add(keys, (gpointer)*k);
    }
    g_ptr_array_add(keys, NULL);
    if (!qemu_opts_check_keys(opts, (const char *const *)keys->pdata,
                              "xenner-guest", errp) ||
        !qemu_opt_get_number(opts, "domid", 0, DOMID_FIRST_RESERVED - 1,
                             &domid, errp) ||
        !qemu_opt_get_number(opts, "mem", XENNER_GUEST_DEFAULT_MEM_MB,
                             65536, &mem_mb, errp)) {
        return false;
    }
    if (domid == 0) {
        error_setg(errp, "-xenner-guest needs domid=N with N > 0");
        return false;
    }
    if (machine_find_guest(ms, domid)) {
        error_setg(errp, "-xenner-guest: domain %u given twice",
                   (unsigned)domid);
        return false;
    }
    if (!program) {
        program = "echo";
    }
    if (!guest_program_exists(program)) {
        error_setg(errp, "-xenner-guest: program '%s' unknown (one of %s)",
                   program, guest_program_list());
        return false;
    }
    name = g_strdup(qemu_opt_get(opts, "name"));
    if (!name) {
        name = g_strdup_printf("%s-%u", program, (unsigned)domid);
    }
    if (!xenner_domain_create(ms->xenner, domid, name,
                              mem_mb << (20 - XENNER_PAGE_SHIFT), errp)) {
        return false;
    }
    mg = g_new0(MachineGuest, 1);
    mg->domid = domid;
    g_ptr_array_add(ms->guests, mg);
    mg->guest = xenner_guest_new(ms->xenner, domid, errp);
    if (!mg->guest) {
        return false;
    }
    if (!xenner_guest_alloc_page(mg->guest, &si->console_gfn)) {
        error_setg(errp, "domain %u: no memory for its console",
                   (unsigned)domid);
        return false;
    }
    port = xenner_evtchn_guest_alloc_unbound(xenner_evtchn(ms->xenner),
                                             domid, 0);
    if (port < 0) {
        error_setg(errp, "domain %u: no port for its console: %s",
                   (unsigned)domid, g_strerror(-port));
        return false;
    }
    si->console_port = port;
    return xen_console_create(ms->backend, domid, 0,
                              console ? console : "null", NULL,
                              si->console_gfn, port, errp);
}

/* ---- disks --------------------------------------------------------------- */

static bool xenner_create_disk(XenMachineState *ms, uint16_t domid,
                               const char *vdev_name, XenDrive *d,
                               Error **errp)
{
    unsigned vdev;

    if (!xen_disk_parse_vdev(vdev_name, &vdev, errp)) {
        return false;
    }
    if (xen_backend_find_device(ms->backend, "qdisk", domid, vdev)) {
        error_setg(errp, "domain %u already has disk %s", domid, vdev_name);
        return false;
    }
    d->used = true;
    return xen_disk_create(ms->backend, ms->disks, domid, vdev, vdev_name,
                           d->params, d->readonly, d->cdrom, &d->opts, errp);
}

/* -drive if=xen: a disk of the first guest. */
static bool xenner_add_if_xen(void *opaque, XenDrive *d,
                              const char *vdev_name, Error **errp)
{
    XenMachineState *ms = opaque;
    MachineGuest *first = ms->guests->len ? g_ptr_array_index(ms->guests, 0)
                                          : NULL;

    if (d->vbd) {
        error_setg(errp, "-drive backend=vbd needs -M xenpv -xen-create "
                   "(the dom0 kernel's blkback)");
        return false;
    }
    if (!first) {
        error_setg(errp, "-drive if=xen needs a -xenner-guest to attach to");
        return false;
    }
    return xenner_create_disk(ms, first->domid, vdev_name, d, errp);
}

/*
 * -drive if=xen: the first guest's disks, xvda upwards in order unless
 * index= says where, as QEMU's xenpv machine numbers them.
 */
static bool xenner_add_drives(XenMachineState *ms, GPtrArray *drive_opts,
                              Error **errp)
{
    return xen_drives_parse(drive_opts, ms->drives, errp) &&
           xen_drives_each_if_xen(ms->drives, xenner_add_if_xen, ms, errp);
}

static bool xenner_add_disk_device(XenMachineState *ms, QemuOpts *opts,
                                   Error **errp)
{
    const char *vdev;
    uint64_t domid;
    XenDrive *d = xen_disk_device_parse(opts, ms->drives, 0, &domid, &vdev,
                                        errp);

    if (!d) {
        return false;
    }
    if (!machine_find_guest(ms, domid)) {
        error_setg(errp, "xen-disk: domid=%u is not a -xenner-guest",
                   (unsigned)domid);
        return false;
    }
    return xenner_create_disk(ms, domid, vdev, d, errp);
}

static bool xenner_add_kbd_device(XenMachineState *ms, QemuOpts *opts,
                                  Error **errp)
{
    g_autoptr(GPtrArray) keys = g_ptr_array_new();
    XenKbdOpts ko;
    unsigned devid;
    uint64_t domid;
    bool ok;

    g_ptr_array_add(keys, (gpointer)"driver");
    g_ptr_array_add(keys, (gpointer)"domid");
    for (const char *const *k = xen_kbd_device_keys; *k; k++) {
        g_ptr_array_add(keys, (gpointer)*k);
    }
    g_ptr_array_add(keys, NULL);
    if (!qemu_opts_check_keys(opts, (const char *const *)keys->pdata,
                              "xen-kbd", errp) ||
        !qemu_opt_get_number(opts, "domid", 0, DOMID_FIRST_RESERVED - 1,
                             &domid, errp)) {
        return false;
    }
    if (!machine_find_guest(ms, domid)) {
        error_setg(errp, "xen-kbd: domid=%u is not a -xenner-guest",
                   (unsigned)domid);
        return false;
    }
    if (!xen_kbd_device_parse(opts, &ko, &devid, errp)) {
        return false;
    }
    if (xen_backend_find_device(ms->backend, "vkbd", domid,
                                devid)) {
        error_setg(errp, "xen-kbd: guest %u has keyboard %u already",
                   (unsigned)domid, devid);
        xen_kbd_opts_clear(&ko);
        return false;
    }
    ok = xen_kbd_create(ms->backend, domid, devid, &ko, errp);
    xen_kbd_opts_clear(&ko);
    return ok;
}

static bool xenner_add_fb_device(XenMachineState *ms, QemuOpts *opts,
                                 Error **errp)
{
    static const char *const keys[] = {
        "driver", "domid", "width", "height", "videoram", NULL,
    };
    XenFbConfig cfg;
    uint64_t domid, w, h, videoram;

    xen_fb_config_default(&cfg);
    if (!qemu_opts_check_keys(opts, keys, "xen-fb", errp) ||
        !qemu_opt_get_number(opts, "domid", 0, DOMID_FIRST_RESERVED - 1,
                             &domid, errp) ||
        !qemu_opt_get_number(opts, "width", cfg.width, 16384, &w, errp) ||
        !qemu_opt_get_number(opts, "height", cfg.height, 16384, &h, errp) ||
        !qemu_opt_get_number(opts, "videoram", cfg.videoram_mb,
                             XEN_FB_MAX_VIDEORAM_MB, &videoram, errp)) {
        return false;
    }
    if (!machine_find_guest(ms, domid)) {
        error_setg(errp, "xen-fb: domid=%u is not a -xenner-guest",
                   (unsigned)domid);
        return false;
    }
    cfg.width = w;
    cfg.height = h;
    cfg.videoram_mb = videoram;
    return xen_fb_create(ms->backend, domid, 0, &cfg, errp);
}

static bool xenner_add_net_device(XenMachineState *ms, QemuOpts *opts,
                                  Error **errp)
{
    uint64_t domid;

    if (!qemu_opt_get_number(opts, "domid", 0, DOMID_FIRST_RESERVED - 1,
                             &domid, errp)) {
        return false;
    }
    if (!machine_find_guest(ms, domid)) {
        error_setg(errp, "xen-net-device: domid=%u is not a -xenner-guest",
                   (unsigned)domid);
        return false;
    }
    return xen_nic_device_add(ms->backend, ms->nics, opts, domid, errp);
}

/* ---- -device ----------------------------------------------------------- */

static bool xenner_add_device(XenMachineState *ms, QemuOpts *opts,
                              Error **errp)
{
    static const char *const console_keys[] = {
        "driver", "domid", "idx", "chardev", "output", "name", NULL,
    };
    const char *driver = qemu_opt_get(opts, "driver");
    const char *chardev = qemu_opt_get(opts, "chardev");
    const char *output = qemu_opt_get(opts, "output");
    g_autofree char *out = NULL;
    uint64_t domid, idx;

    if (!driver || !strcmp(driver, "help")) {
        error_setg(errp, "-device: available devices: xen-console, "
                   "xen-disk, xen-fb, xen-kbd, xen-net-device");
        return false;
    }
    if (!strcmp(driver, "xen-disk")) {
        return xenner_add_disk_device(ms, opts, errp);
    }
    if (!strcmp(driver, "xen-kbd")) {
        return xenner_add_kbd_device(ms, opts, errp);
    }
    if (!strcmp(driver, "xen-net-device")) {
        return xenner_add_net_device(ms, opts, errp);
    }
    if (!strcmp(driver, "xen-fb")) {
        return xenner_add_fb_device(ms, opts, errp);
    }
    if (strcmp(driver, "xen-console")) {
        error_setg(errp, "'%s' is not a valid device model name", driver);
        return false;
    }
    if (!qemu_opts_check_keys(opts, console_keys, driver, errp) ||
        !qemu_opt_get_number(opts, "domid", 0, DOMID_FIRST_RESERVED - 1,
                             &domid, errp) ||
        !qemu_opt_get_number(opts, "idx", 1, INT32_MAX, &idx, errp)) {
        return false;
    }
    if (!machine_find_guest(ms, domid)) {
        error_setg(errp, "xen-console: domid=%u is not a -xenner-guest",
                   (unsigned)domid);
        return false;
    }
    if (idx == 0) {
        error_setg(errp, "xen-console: idx=0 is the primary console; set "
                   "its output with -xenner-guest ...,console=");
        return false;
    }
    if (!!chardev == !!output) {
        error_setg(errp, "xen-console: give chardev=ID or output=SPEC");
        return false;
    }
    if (chardev && !chardev_set_find(ms->chardevs, chardev)) {
        error_setg(errp, "xen-console: chardev '%s' not found", chardev);
        return false;
    }
    out = chardev ? g_strdup_printf("chardev:%s", chardev) : g_strdup(output);
    return xen_console_create(ms->backend, domid, idx, out,
                              qemu_opt_get(opts, "name"), 0, 0, errp);
}

/*
 * xenstore-sched-batch=on|off (default on): with a xenstore socket to
 * serve, the loop runs as SCHED_BATCH (see xs_server.h). A host that
 * refuses it gets a warning, not a failed start.
 */
static bool xenner_sched_batch(XenMachineState *ms, QemuOpts *opts,
                               Error **errp)
{
    const char *v = qemu_opt_get(opts, "xenstore-sched-batch");
    Error *err = NULL;

    if (v && strcmp(v, "on") && strcmp(v, "off")) {
        error_setg(errp, "xenstore-sched-batch must be on or off, not '%s'",
                   v);
        return false;
    }
    if ((v && !strcmp(v, "off")) || !ms->servers->len) {
        return true;
    }
    if (!xenner_xs_server_sched_batch(&err)) {
        warn_report("xenstore: %s", error_get_pretty(err));
        error_free(err);
    }
    return true;
}

/* ---- the machine ------------------------------------------------------- */

XenMachineState *xenner_pv_init(EventLoop *loop, const XenMachineConfig *cfg,
                                Error **errp)
{
    XenMachineState *ms = g_new0(XenMachineState, 1);
    const char *socket = qemu_opt_get(cfg->machine_opts, "xenstore-socket");
    g_autofree GuestProgramStartInfo *si = NULL;

    ms->loop = loop;
    ms->xenstore = xenner_xs_tree_new();
    ms->xs_budget = xenner_xs_budget_new(ms->xenstore);
    ms->servers = g_ptr_array_new();
    ms->guests = g_ptr_array_new();
    ms->drives = g_ptr_array_new_with_free_func((GDestroyNotify)xen_drive_free);
    ms->disks = xen_disk_host_new();
    ms->consoles = console_list_new();
    ms->chardevs = chardev_set_new(loop);
    ms->input = input_hub_new();
    if (!xenner_set_quota(ms->xenstore, cfg->machine_opts, errp) ||
        !xenner_check_socket_paths(cfg, errp)) {
        goto fail;
    }
    if (socket) {
        XsServer *server = xenner_xs_server_new(loop, ms->xenstore,
                                                ms->xs_budget, socket, 0,
                                                errp);

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
    if (!xenner_sched_batch(ms, cfg->machine_opts, errp)) {
        goto fail;
    }
    for (guint i = 0; i < cfg->chardevs->len; i++) {
        if (!chardev_set_add_opts(ms->chardevs,
                                  g_ptr_array_index(cfg->chardevs, i),
                                  errp)) {
            goto fail;
        }
    }
    /* Before the backends: a net device finds its netdev by id. */
    ms->nets = net_dev_list_new(loop, cfg->netdevs, errp);
    if (!ms->nets) {
        goto fail;
    }
    ms->nics = xen_nic_host_new(ms->nets);
    ms->xenner = xenner_new(loop, ms->xenstore, errp);
    if (!ms->xenner) {
        goto fail;
    }
    ms->backend = xen_backend_new(loop, xenner_services(ms->xenner), 0, errp);
    if (!ms->backend ||
        !xen_console_register(ms->backend, ms->chardevs, errp) ||
        !xen_disk_register(ms->backend, ms->disks, true, errp) ||
        !xen_kbd_register(ms->backend, ms->input, errp) ||
        !xen_fb_register(ms->backend, ms->consoles, errp) ||
        !xen_nic_register(ms->backend, ms->nics, errp)) {
        goto fail;
    }
    si = g_new0(GuestProgramStartInfo, cfg->xenner_guests->len);
    for (guint i = 0; i < cfg->xenner_guests->len; i++) {
        if (!xenner_add_guest(ms, g_ptr_array_index(cfg->xenner_guests, i),
                              &si[i], errp)) {
            goto fail;
        }
    }
    if (!xenner_add_drives(ms, cfg->drives, errp)) {
        goto fail;
    }
    for (guint i = 0; i < cfg->devices->len; i++) {
        if (!xenner_add_device(ms, g_ptr_array_index(cfg->devices, i),
                               errp)) {
            goto fail;
        }
    }
    if (cfg->vnc) {
        ms->vnc = vnc_display_open(loop, ms->consoles, ms->input, cfg->vnc,
                                   cfg->keymap, NULL, errp);
        if (!ms->vnc) {
            goto fail;
        }
    }
    ms->qmp = xen_qmp_start(loop, cfg->mons, ms->chardevs, ms->disks,
                            cfg->name, errp);
    if (!ms->qmp) {
        goto fail;
    }
    xen_qmp_set_consoles(ms->qmp, ms->consoles);
    xen_qmp_set_vnc(ms->qmp, ms->vnc);
    /* The kernels run once every device the toolstack made is in place. */
    for (guint i = 0; i < cfg->xenner_guests->len; i++) {
        QemuOpts *opts = g_ptr_array_index(cfg->xenner_guests, i);
        MachineGuest *mg = g_ptr_array_index(ms->guests, i);
        const char *program = qemu_opt_get(opts, "program");

        mg->program = guest_program_start(mg->guest, program ? program : "echo",
                                       &si[i], opts, errp);
        if (!mg->program) {
            goto fail;
        }
    }
    return ms;

fail:
    xenner_pv_cleanup(ms);
    return NULL;
}

void xenner_pv_cleanup(XenMachineState *ms)
{
    /* Frontends first, then backends, as domains are torn down on Xen. */
    for (guint i = 0; i < ms->guests->len; i++) {
        MachineGuest *mg = g_ptr_array_index(ms->guests, i);

        guest_program_stop(mg->program);
    }
    xen_qmp_free(ms->qmp);
    vnc_display_close(ms->vnc);
    xen_backend_free(ms->backend);
    xen_nic_host_free(ms->nics);
    net_dev_list_free(ms->nets);
    input_hub_free(ms->input);
    xen_disk_host_free(ms->disks);
    console_list_free(ms->consoles);
    g_ptr_array_free(ms->drives, true);
    for (guint i = 0; i < ms->guests->len; i++) {
        MachineGuest *mg = g_ptr_array_index(ms->guests, i);

        xenner_guest_free(mg->guest);
        xenner_domain_destroy(ms->xenner, mg->domid);
        g_free(mg);
    }
    g_ptr_array_free(ms->guests, true);
    xenner_free(ms->xenner);
    chardev_set_free(ms->chardevs);
    for (guint i = 0; i < ms->servers->len; i++) {
        xenner_xs_server_free(g_ptr_array_index(ms->servers, i));
    }
    g_ptr_array_free(ms->servers, true);
    xenner_xs_budget_free(ms->xs_budget);
    xenner_xs_tree_free(ms->xenstore);
    g_free(ms);
}
