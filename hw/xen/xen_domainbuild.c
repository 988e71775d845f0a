/*
 * XEN_CREATE's domain builder: the sequence of libxl's PV build
 * (libxl__domain_make, libxl__build_pre, libxl__build_pv,
 * libxl__build_post) and of Xen's init-xenstore-domain, written over
 * libxenctrl and libxenguest: create with a PV config, limits, the store
 * and console event channels, the xc_dom_* image build, the grant table
 * seeded for xenstored and the console backend, the xenstore tree with
 * libxl's permissions, xs_introduce_domain. Unpausing is left to the
 * caller, once the devices are written.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xen-create"

#include "hw/xen/xen_domainbuild.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenguest.h>
#include <xenstore.h>

#include "util/trace.h"

/* What libxl adds to a PV domain's memory limit (LIBXL_MAXMEM_CONSTANT). */
#define XEN_DOMAIN_MAXMEM_SLACK_KB 1024
/* libxl's default event channel limit for a domU. */
#define XEN_DOMAIN_MAX_EVTCHN 1023

struct XenDomainBuilder {
    xc_interface *xch;
    struct xs_handle *xsh;
    uint32_t own_domid;         /* the backends' domain: 0 in dom0 */
};

/* The socket xenstored listens on, for the refusal's message. */
static const char *xs_socket_path(void)
{
    const char *p = getenv("XENSTORED_PATH");

    return p ? p : "/run/xenstored/socket";
}

XenDomainBuilder *xen_domain_builder_new(Error **errp)
{
    XenDomainBuilder *b;
    struct xs_handle *probe;
    char *v;
    unsigned len;

    /*
     * xs_open(0) falls back to /dev/xen/xenbus, where every request of
     * a dom0 without xenstored hangs: ask the daemon's socket first.
     */
    probe = xs_open(XS_OPEN_SOCKETONLY);
    if (!probe) {
        error_setg_errno(errp, errno, "-xen-create: no xenstored on this "
                         "host (cannot connect to %s); start xenstored "
                         "and xenconsoled as the host's init does",
                         xs_socket_path());
        return NULL;
    }
    b = g_new0(XenDomainBuilder, 1);
    b->xsh = probe;
    b->xch = xc_interface_open(NULL, NULL, 0);
    if (!b->xch) {
        error_setg_errno(errp, errno, "-xen-create: this host is not "
                         "running Xen (xc_interface_open)");
        xen_domain_builder_free(b);
        return NULL;
    }
    v = xs_read(b->xsh, XBT_NULL, "domid", &len);
    b->own_domid = v ? strtoul(v, NULL, 10) : 0;
    free(v);
    return b;
}

void xen_domain_builder_free(XenDomainBuilder *b)
{
    if (!b) {
        return;
    }
    if (b->xch) {
        xc_interface_close(b->xch);
    }
    if (b->xsh) {
        xs_close(b->xsh);
    }
    g_free(b);
}

bool xen_domain_check(XenDomainBuilder *b, XenDomainConfig *cfg,
                      Error **errp)
{
    xc_physinfo_t info = { 0 };
    uint64_t want, free_mb;

    if (access(cfg->kernel, R_OK)) {
        error_setg_errno(errp, errno, "-kernel %s", cfg->kernel);
        return false;
    }
    if (cfg->initrd && access(cfg->initrd, R_OK)) {
        error_setg_errno(errp, errno, "-initrd %s", cfg->initrd);
        return false;
    }
    if (!cfg->uuid[0]) {
        g_autofree char *u = g_uuid_string_random();

        g_strlcpy(cfg->uuid, u, sizeof(cfg->uuid));
    }
    if (xc_physinfo(b->xch, &info)) {
        error_setg_errno(errp, errno, "-xen-create: xc_physinfo");
        return false;
    }
    if (!(info.capabilities & XEN_SYSCTL_PHYSCAP_pv)) {
        error_setg(errp, "-xen-create: this Xen runs no PV guests");
        return false;
    }
    /* Pages the build takes beyond RAM: page tables, p2m, slack. */
    want = (uint64_t)cfg->mem_mb + XEN_DOMAIN_MAXMEM_SLACK_KB / 1024 + 4;
    free_mb = info.free_pages >> (20 - XC_PAGE_SHIFT);
    if (want > free_mb) {
        error_setg(errp, "-m %u: the host has only %" PRIu64 " MiB of free "
                   "memory (Xen's free pages; dom0 holds the rest)",
                   cfg->mem_mb, free_mb);
        return false;
    }
    return true;
}

static void uuid_to_handle(const char *uuid, xen_domain_handle_t handle)
{
    unsigned n = 0;

    for (const char *p = uuid; *p && n < 16; p++) {
        if (*p == '-') {
            continue;
        }
        handle[n] = g_ascii_xdigit_value(p[0]) << 4 |
                    g_ascii_xdigit_value(p[1]);
        n++;
        p++;
    }
}

/* ---- xenstore ----------------------------------------------------------- */

typedef enum {
    XS_NODE_RO,         /* ours; the guest reads */
    XS_NODE_RW,         /* the guest's */
} XsNodeKind;

static bool xs_node(struct xs_handle *xsh, xs_transaction_t t,
                    uint32_t domid, const char *path, const char *value,
                    XsNodeKind kind)
{
    struct xs_permissions ro[2] = {
        { .id = 0, .perms = XS_PERM_NONE },
        { .id = domid, .perms = XS_PERM_READ },
    };
    struct xs_permissions rw[1] = {
        { .id = domid, .perms = XS_PERM_NONE },
    };

    if (!(value ? xs_write(xsh, t, path, value, strlen(value))
                : xs_mkdir(xsh, t, path))) {
        return false;
    }
    return kind == XS_NODE_RO ? xs_set_permissions(xsh, t, path, ro, 2)
                              : xs_set_permissions(xsh, t, path, rw, 1);
}

/*
 * The tree libxl leaves for a PV domain: the domain directory and /vm
 * readable by the guest, control/ ours but the keys the guest answers
 * in (shutdown, feature-*) its own, as are data, drivers, feature,
 * attr and error.
 */
static bool xs_write_domain(XenDomainBuilder *b, const XenDomainConfig *cfg,
                            const XenDomain *dom, Error **errp)
{
    struct xs_handle *xsh = b->xsh;
    uint32_t domid = dom->domid;
    g_autofree char *dom_path = xs_get_domain_path(xsh, domid);
    g_autofree char *vm_path = g_strdup_printf("/vm/%s", cfg->uuid);
    g_autofree char *mem_kb = g_strdup_printf("%u", cfg->mem_mb * 1024);
    g_autofree char *domid_s = g_strdup_printf("%u", domid);
    g_autofree char *port = g_strdup_printf("%u", dom->store_port);
    g_autofree char *mfn = g_strdup_printf("%" PRIu64, dom->store_mfn);
    g_autofree char *start = g_strdup_printf("%ld", (long)time(NULL));
    static const char *const rw_nodes[] = {
        "control/shutdown", "control/feature-poweroff",
        "control/feature-reboot", "control/feature-suspend", "control/sysrq",
        "device/suspend/event-channel", "data", "drivers", "feature",
        "attr", "error", NULL,
    };

    for (int tries = 0; tries < 10; tries++) {
        xs_transaction_t t = xs_transaction_start(xsh);
        bool ok;

        if (t == XBT_NULL) {
            break;
        }
        xs_rm(xsh, t, dom_path);
        xs_rm(xsh, t, vm_path);
        ok = xs_node(xsh, t, domid, dom_path, NULL, XS_NODE_RO) &&
             xs_node(xsh, t, domid, vm_path, NULL, XS_NODE_RO);
        {
            const char *const ro[][2] = {
                { "vm", vm_path }, { "name", cfg->name },
                { "domid", domid_s },
                { "memory/static-max", mem_kb }, { "memory/target", mem_kb },
                { "memory/videoram", "0" },
                { "store/port", port }, { "store/ring-ref", mfn },
                { "control", NULL },
                { "control/platform-feature-multiprocessor-suspend", "1" },
                { "control/platform-feature-xs_reset_watches", "1" },
                { "device", NULL },
            };

            for (size_t i = 0; ok && i < G_N_ELEMENTS(ro); i++) {
                g_autofree char *p = g_strdup_printf("%s/%s", dom_path,
                                                     ro[i][0]);

                ok = xs_node(xsh, t, domid, p, ro[i][1], XS_NODE_RO);
            }
        }
        for (unsigned i = 0; ok && i < cfg->vcpus; i++) {
            g_autofree char *p = g_strdup_printf("%s/cpu/%u/availability",
                                                 dom_path, i);

            ok = xs_node(xsh, t, domid, p, "online", XS_NODE_RO);
        }
        for (size_t i = 0; ok && rw_nodes[i]; i++) {
            g_autofree char *p = g_strdup_printf("%s/%s", dom_path,
                                                 rw_nodes[i]);

            ok = xs_node(xsh, t, domid, p, "", XS_NODE_RW);
        }
        {
            const char *const vm[][2] = {
                { "uuid", cfg->uuid }, { "name", cfg->name },
                { "start_time", start },
            };

            for (size_t i = 0; ok && i < G_N_ELEMENTS(vm); i++) {
                g_autofree char *p = g_strdup_printf("%s/%s", vm_path,
                                                     vm[i][0]);

                ok = xs_node(xsh, t, domid, p, vm[i][1], XS_NODE_RO);
            }
        }
        if (!ok) {
            int err = errno;

            xs_transaction_end(xsh, t, true);
            error_setg_errno(errp, err, "cannot write %s in xenstore",
                             dom_path);
            return false;
        }
        if (xs_transaction_end(xsh, t, false)) {
            return true;
        }
        if (errno != EAGAIN) {
            break;
        }
    }
    error_setg_errno(errp, errno, "xenstore transaction for %s", dom_path);
    return false;
}

/* What we wrote, the device directories of our backends included. */
static void xs_remove_domain(struct xs_handle *xsh, uint32_t own_domid,
                             uint32_t domid)
{
    g_autofree char *dom_path = xs_get_domain_path(xsh, domid);
    g_autofree char *own_path = xs_get_domain_path(xsh, own_domid);
    g_autofree char *be_path = g_strdup_printf("%s/backend", own_path);
    g_autofree char *vm_key = g_strdup_printf("%s/vm", dom_path);
    char *vm = xs_read(xsh, XBT_NULL, vm_key, NULL);
    char **types;
    unsigned n = 0;

    types = xs_directory(xsh, XBT_NULL, be_path, &n);
    for (unsigned i = 0; types && i < n; i++) {
        g_autofree char *p = g_strdup_printf("%s/%s/%u", be_path, types[i],
                                             domid);

        xs_rm(xsh, XBT_NULL, p);
    }
    free(types);
    /*
     * Only a /vm/ path of ours: the key is the guest's to read, not ours
     * to trust blindly should it have been rewritten.
     */
    if (vm && g_str_has_prefix(vm, "/vm/") && !strchr(vm + 4, '/')) {
        xs_rm(xsh, XBT_NULL, vm);
    }
    free(vm);
    xs_rm(xsh, XBT_NULL, dom_path);
}

/* ---- the build ---------------------------------------------------------- */

static bool dom_fail(Error **errp, const char *what)
{
    error_setg_errno(errp, errno ? errno : EIO, "-xen-create: %s", what);
    return false;
}

/* xc_dom_*: parse the image, allocate memory, load, boot, seed grants. */
static bool build_image(XenDomainBuilder *b, const XenDomainConfig *cfg,
                        XenDomain *dom, Error **errp)
{
    struct xc_dom_image *img;
    bool ok = false;

    img = xc_dom_allocate(b->xch, cfg->cmdline ? cfg->cmdline : "", NULL);
    if (!img) {
        return dom_fail(errp, "xc_dom_allocate");
    }
    img->container_type = XC_DOM_PV_CONTAINER;
    img->console_evtchn = dom->console_port;
    img->console_domid = b->own_domid;
    img->xenstore_evtchn = dom->store_port;
    img->xenstore_domid = 0;
    img->max_vcpus = cfg->vcpus;
    if (xc_dom_kernel_file(img, cfg->kernel)) {
        dom_fail(errp, "cannot load the -kernel file");
    } else if (cfg->initrd && xc_dom_module_file(img, cfg->initrd, NULL)) {
        dom_fail(errp, "cannot load the -initrd file");
    } else if (xc_dom_boot_xen_init(img, b->xch, dom->domid)) {
        dom_fail(errp, "xc_dom_boot_xen_init");
    } else if (xc_dom_parse_image(img)) {
        error_setg(errp, "-kernel %s: not a Xen PV kernel (no Xen ELF "
                   "notes libxenguest can boot)", cfg->kernel);
    } else if (xc_dom_mem_init(img, cfg->mem_mb)) {
        dom_fail(errp, "xc_dom_mem_init");
    } else if (xc_dom_boot_mem_init(img)) {
        error_setg_errno(errp, errno ? errno : ENOMEM, "-m %u: Xen cannot "
                         "give the domain its memory", cfg->mem_mb);
    } else if (xc_dom_build_image(img)) {
        dom_fail(errp, "xc_dom_build_image");
    } else if (xc_dom_boot_image(img)) {
        dom_fail(errp, "xc_dom_boot_image");
    } else if (xc_dom_gnttab_init(img)) {
        dom_fail(errp, "xc_dom_gnttab_init");
    } else {
        dom->console_ring_mfn = xc_dom_p2m(img, img->console_pfn);
        dom->store_mfn = xc_dom_p2m(img, img->xenstore_pfn);
        trace("domain %u: built: %s, console mfn %" PRIu64 " port %u, "
              "xenstore mfn %" PRIu64 " port %u", dom->domid,
              xc_dom_guest_os(img), dom->console_ring_mfn,
              dom->console_port, dom->store_mfn, dom->store_port);
        ok = true;
    }
    xc_dom_release(img);
    return ok;
}

bool xen_domain_build(XenDomainBuilder *b, const XenDomainConfig *cfg,
                      void (*created)(void *opaque, uint32_t domid),
                      void *opaque, XenDomain *dom, Error **errp)
{
    xc_physinfo_t info = { 0 };
    struct xen_domctl_createdomain create = {
        .ssidref = 0,               /* SECINITSID_DOMU without FLASK */
        .max_vcpus = cfg->vcpus,
        .max_evtchn_port = XEN_DOMAIN_MAX_EVTCHN,
        .max_grant_frames = -1,     /* the hypervisor's defaults */
        .max_maptrack_frames = -1,
    };
    uint64_t max_kb = (uint64_t)cfg->mem_mb * 1024;
    uint32_t domid = 0;
    int port;

    memset(dom, 0, sizeof(*dom));
    /* As libxl: grant v2 where Xen offers it, so a guest may choose. */
    create.grant_opts = XEN_DOMCTL_GRANT_version(
        !xc_physinfo(b->xch, &info) &&
        (info.capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v2) ? 2 : 1);
    uuid_to_handle(cfg->uuid, create.handle);
    if (xc_domain_create(b->xch, &domid, &create)) {
        return dom_fail(errp, "xc_domain_create");
    }
    dom->domid = domid;
    trace("domain %u: created (%s, %u MiB, %u vCPUs)", domid, cfg->name,
          cfg->mem_mb, cfg->vcpus);
    if (created) {
        created(opaque, domid);
    }
    if (xc_domain_max_vcpus(b->xch, domid, cfg->vcpus)) {
        dom_fail(errp, "xc_domain_max_vcpus");
        goto fail;
    }
    if (xc_domain_setmaxmem(b->xch, domid,
                            max_kb + XEN_DOMAIN_MAXMEM_SLACK_KB)) {
        dom_fail(errp, "xc_domain_setmaxmem");
        goto fail;
    }
    if (xc_domain_set_memmap_limit(b->xch, domid, max_kb)) {
        dom_fail(errp, "xc_domain_set_memmap_limit");
        goto fail;
    }
    port = xc_evtchn_alloc_unbound(b->xch, domid, 0);
    if (port < 0) {
        dom_fail(errp, "the xenstore event channel");
        goto fail;
    }
    dom->store_port = port;
    port = xc_evtchn_alloc_unbound(b->xch, domid, b->own_domid);
    if (port < 0) {
        dom_fail(errp, "the console event channel");
        goto fail;
    }
    dom->console_port = port;
    if (!build_image(b, cfg, dom, errp) ||
        !xs_write_domain(b, cfg, dom, errp)) {
        goto fail;
    }
    if (!xs_introduce_domain(b->xsh, domid, dom->store_mfn,
                             dom->store_port)) {
        dom_fail(errp, "xs_introduce_domain");
        goto fail;
    }
    trace("domain %u: xenstore written, introduced", domid);
    return true;

fail:
    xen_domain_destroy(b, domid);
    return false;
}

uint32_t xen_domain_builder_backend_domid(XenDomainBuilder *b)
{
    return b->own_domid;
}

void xen_domain_pause(XenDomainBuilder *b, uint32_t domid)
{
    /* Fails only for a domain already gone, which is as good. */
    xc_domain_pause(b->xch, domid);
}

bool xen_domain_unpause(XenDomainBuilder *b, uint32_t domid, Error **errp)
{
    if (xc_domain_unpause(b->xch, domid)) {
        return dom_fail(errp, "xc_domain_unpause");
    }
    return true;
}

/* Shared by the machine and the watcher: both own a handle of each. */
static void destroy_domain(xc_interface *xch, struct xs_handle *xsh,
                           uint32_t own_domid, uint32_t domid)
{
    if (xc_domain_destroy(xch, domid) && errno != ESRCH) {
        fprintf(stderr, "qemu-xenpv: cannot destroy domain %u: %s\n",
                domid, strerror(errno));
    }
    xs_remove_domain(xsh, own_domid, domid);
    /* xenstored drops a dying domain by itself; this only hurries it. */
    xs_release_domain(xsh, domid);
}

void xen_domain_destroy(XenDomainBuilder *b, uint32_t domid)
{
    trace("domain %u: destroyed, xenstore cleaned", domid);
    destroy_domain(b->xch, b->xsh, b->own_domid, domid);
}

XenDomainRunState xen_domain_run_state(XenDomainBuilder *b, uint32_t domid,
                                       unsigned *reason)
{
    xc_dominfo_t info;

    if (xc_domain_getinfo(b->xch, domid, 1, &info) != 1 ||
        info.domid != domid || info.dying) {
        return XEN_DOMAIN_GONE;
    }
    if (info.shutdown || info.crashed) {
        *reason = info.crashed ? SHUTDOWN_crash : info.shutdown_reason;
        return XEN_DOMAIN_SHUTDOWN;
    }
    return XEN_DOMAIN_RUNNING;
}

const char *xen_domain_shutdown_name(unsigned reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff:
        return "poweroff";
    case SHUTDOWN_reboot:
        return "reboot";
    case SHUTDOWN_suspend:
        return "suspend";
    case SHUTDOWN_crash:
        return "crash";
    case SHUTDOWN_watchdog:
        return "watchdog";
    case SHUTDOWN_soft_reset:
        return "soft_reset";
    default:
        return "unknown";
    }
}

bool xen_domain_request_shutdown(XenDomainBuilder *b, uint32_t domid,
                                 const char *how, Error **errp)
{
    g_autofree char *dom_path = xs_get_domain_path(b->xsh, domid);
    g_autofree char *p = g_strdup_printf("%s/control/shutdown", dom_path);

    if (!xs_write(b->xsh, XBT_NULL, p, how, strlen(how))) {
        error_setg_errno(errp, errno, "cannot write %s", p);
        return false;
    }
    return true;
}

/* ---- the watcher -------------------------------------------------------- */

#define WATCHER_BYE (UINT32_MAX - 1)

struct XenDomainWatcher {
    pid_t pid;
    int fd;                     /* our end of the pipe */
};

/*
 * The child: nothing but a read loop; it must not touch the parent's
 * state, which it shares only as a copy made at fork.
 */
static G_NORETURN void watcher_main(int fd)
{
    uint32_t domid = XEN_DOMAIN_WATCH_NONE, msg;
    xc_interface *xch;
    struct xs_handle *xsh;
    char *v;

    for (;;) {
        ssize_t n = read(fd, &msg, sizeof(msg));

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n != sizeof(msg)) {
            break;              /* EOF: qemu-xenpv is gone */
        }
        if (msg == WATCHER_BYE) {
            _exit(0);
        }
        domid = msg;
    }
    if (domid == XEN_DOMAIN_WATCH_NONE) {
        _exit(0);
    }
    fprintf(stderr, "qemu-xenpv watcher: qemu-xenpv died; destroying "
            "domain %u\n", domid);
    xch = xc_interface_open(NULL, NULL, 0);
    xsh = xs_open(0);
    if (!xch || !xsh) {
        fprintf(stderr, "qemu-xenpv watcher: cannot reach Xen: %s\n",
                strerror(errno));
        _exit(1);
    }
    v = xs_read(xsh, XBT_NULL, "domid", NULL);
    destroy_domain(xch, xsh, v ? strtoul(v, NULL, 10) : 0, domid);
    _exit(0);
}

XenDomainWatcher *xen_domain_watcher_start(Error **errp)
{
    XenDomainWatcher *w;
    int fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        error_setg_errno(errp, errno, "-xen-create: watcher pipe");
        return NULL;
    }
    pid = fork();
    if (pid < 0) {
        error_setg_errno(errp, errno, "-xen-create: watcher fork");
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        sigset_t all;

        /*
         * A terminal's ^C or hangup goes to the whole process group: the
         * watcher must outlive qemu-xenpv's own clean-up, not race it.
         */
        signal(SIGINT, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        prctl(PR_SET_NAME, "xenpv-watcher");
        /* stdin and stdout may be a pipe someone reads to its end. */
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
        }
        if (fds[0] != 3) {
            dup2(fds[0], 3);
        }
        close_range(4, ~0U, 0);
        watcher_main(3);
    }
    close(fds[0]);
    w = g_new0(XenDomainWatcher, 1);
    w->pid = pid;
    w->fd = fds[1];
    return w;
}

static void watcher_send(XenDomainWatcher *w, uint32_t msg)
{
    if (write(w->fd, &msg, sizeof(msg)) != sizeof(msg)) {
        /* The watcher is gone: we clean up ourselves anyway. */
    }
}

void xen_domain_watcher_track(XenDomainWatcher *w, uint32_t domid)
{
    watcher_send(w, domid);
}

void xen_domain_watcher_stop(XenDomainWatcher *w)
{
    if (!w) {
        return;
    }
    watcher_send(w, WATCHER_BYE);
    close(w->fd);
    while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR) {
        continue;
    }
    g_free(w);
}
