/*
 * The xenner_pvh machine: Xenner on KVM. An unmodified Linux kernel runs
 * on /dev/kvm as a Xen PVH guest; qemu-xenpv is its hypervisor's
 * userspace half (the hypercalls, hw/kvm/xen_hcall*.c) and its device
 * model. Guest RAM is Xenner's memfd guest memory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"
#include "hw/xen/xen_machine.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <glib.h>
#include <xen/xen.h>
#include <xen/sched.h>

#include <xen/hvm/params.h>
#include <xen/io/console.h>

#include "chardev/char.h"
#include "hw/xen/xen_console_ring.h"
#include "hw/xen/xen_qmp.h"
#include "hw/kvm/kvm_vm.h"
#include "hw/kvm/pvh_devices.h"
#include "hw/kvm/pvh_store.h"
#include "hw/kvm/pvh_boot.h"
#include "hw/kvm/pvh_image.h"
#include "hw/kvm/pvh_acpi.h"
#include "hw/kvm/xen_hcall.h"
#include "xenner/evtchn.h"
#include "xenner/gnttab.h"
#include "xenner/guest_mem.h"
#include "xenner/xenner.h"
#include "xenner/xs_budget.h"
#include "xenner/xs_server.h"
#include "xenner/xs_tree.h"

#define PVH_DEFAULT_RAM_MB 512
#define PVH_DOMID XENNER_PVH_DOMID
/*
 * The console ring's frame, as the toolstack gives one: in the reserved
 * legacy hole, so Linux never takes it for RAM, and mapped there like RAM.
 */
#define PVH_CONSOLE_PFN 0xfe
#define PVH_STORE_PFN 0xff
/* The MADT's room and the VM's limit, the smaller. */
#define PVH_MAX_VCPUS MIN(PVH_ACPI_MAX_VCPUS, KVM_VM_MAX_VCPUS)
/* The grant table: frames after RAM in the guest memory, not in RAM. */
#define PVH_GRANT_FRAMES 32

typedef struct PvhMachine {
    EventLoop *loop;
    ChardevSet *chardevs;
    Chardev *console;
    XennerMem *mem;
    uint64_t ram_size;
    unsigned nr_vcpus;          /* -smp */
    XenHcall *hcall;
    KvmVm *vm;
    /*
     * The Xen services the backends use (xenner_services()): its event
     * channels are the guest's, its domain 1 the guest's RAM and grant
     * table.
     */
    Xenner *xenner;
    XennerEvtchn *evtchn;       /* the Xenner's */
    XennerGnttab *gnttab;       /* over the grant frames, while it runs */
    PvhDevices *devices;
    XenQmp *qmp;                /* -mon */
    XennerEvtchnHandle *be;     /* domain 0's side: the console's */
    evtchn_port_t console_port; /* ours, bound to the guest's */
    struct xencons_interface *console_ring;
    XsTree *xenstore;
    XsBudget *xs_budget;
    XsServer *xs_server;        /* -M xenner_pvh,xenstore-socket=PATH */
    XsClient *toolstack;        /* domain 0's, writing the guest's nodes */
    PvhStore *store;
    evtchn_port_t store_port;
    /* What each boot loads: -kernel, -initrd, -append. */
    char *kernel;
    char *initrd;
    char *append;
    bool no_reboot;
    bool acpi;                  /* -M xenner_pvh,acpi=on (the default) */
    /* How it ended: 0 running, else the reason for result(). */
    bool ended;
    bool failed;
    char *why;
} PvhMachine;

const char *const xenner_pvh_props[] = { "type", "xenstore-socket", "acpi",
                                         NULL };

static void pvh_console_write(void *opaque, const uint8_t *buf, size_t len)
{
    PvhMachine *pm = opaque;

    chardev_write(pm->console, buf, len);
}

/* The guest's hvc0: its output ring to the chardev. */
static void pvh_console_drain(PvhMachine *pm)
{
    uint8_t buf[1024];
    int n;
    bool any = false;

    while ((n = xencons_read_out(pm->console_ring, buf, sizeof(buf))) > 0) {
        chardev_write(pm->console, buf, n);
        any = true;
    }
    if (n < 0) {
        static RateLimit rl = RATELIMIT_INIT;

        warn_report_ratelimited(&rl, "domain %u: its console ring's "
                                "indices are corrupt", PVH_DOMID);
    }
    if (any) {
        xenner_evtchn_notify(pm->be, pm->console_port);
    }
}

static void pvh_evtchn_ready(void *opaque)
{
    PvhMachine *pm = opaque;
    int port;

    while ((port = xenner_evtchn_pending(pm->be)) > 0) {
        if ((evtchn_port_t)port == pm->console_port) {
            pvh_console_drain(pm);
        } else if ((evtchn_port_t)port == pm->store_port && pm->store) {
            pvh_store_event(pm->store);
        }
        xenner_evtchn_unmask(pm->be, port);
    }
}

static size_t pvh_console_can_read(void *opaque)
{
    PvhMachine *pm = opaque;
    int n = xencons_in_space(pm->console_ring);

    return n > 0 ? n : 0;
}

static void pvh_console_read(void *opaque, const void *buf, size_t len)
{
    PvhMachine *pm = opaque;

    if (xencons_write_in(pm->console_ring, buf, len) > 0) {
        xenner_evtchn_notify(pm->be, pm->console_port);
    }
}

/* A channel from the guest to domain 0's side: the guest's port. */
static int pvh_channel(PvhMachine *pm, evtchn_port_t *ours, Error **errp)
{
    int gport = xenner_evtchn_guest_alloc_unbound(pm->evtchn, PVH_DOMID, 0);
    int port = gport < 0 ? gport
                         : xenner_evtchn_bind_interdomain(pm->be, PVH_DOMID,
                                                          gport);

    if (port < 0) {
        error_setg(errp, "an event channel for the guest: %s",
                   g_strerror(-port));
        return -1;
    }
    *ours = port;
    return gport;
}

/* The guest's home in xenstore, as a toolstack writes it. */
static bool pvh_store_domain(PvhMachine *pm, Error **errp)
{
    static const char *const ro_dirs[] = { "", "/device", "/control" };
    static const char *const rw_dirs[] = {
        "/data", "/drivers", "/feature", "/attr", "/error",
        "/control/shutdown", "/control/feature-poweroff",
        "/control/feature-reboot", "/control/feature-suspend",
        "/control/sysrq",
    };
    const XsPerm ro[2] = { { 0, XS_PERM_NONE }, { PVH_DOMID, XS_PERM_READ } };
    const XsPerm rw[1] = { { PVH_DOMID, XS_PERM_NONE } };
    g_autofree char *home = xenner_xs_domain_path(PVH_DOMID);
    g_autofree char *name = g_strdup_printf("%s/name", home);
    g_autofree char *domid = g_strdup_printf("%s/domid", home);
    int ret = 0;

    xenner_xs_client_rm(pm->toolstack, 0, home);
    for (size_t i = 0; !ret && i < G_N_ELEMENTS(ro_dirs); i++) {
        g_autofree char *p = g_strconcat(home, ro_dirs[i], NULL);

        ret = xenner_xs_client_mkdir(pm->toolstack, 0, p) ?:
              xenner_xs_client_set_perms(pm->toolstack, 0, p, ro, 2);
    }
    for (size_t i = 0; !ret && i < G_N_ELEMENTS(rw_dirs); i++) {
        g_autofree char *p = g_strconcat(home, rw_dirs[i], NULL);

        ret = xenner_xs_client_mkdir(pm->toolstack, 0, p) ?:
              xenner_xs_client_set_perms(pm->toolstack, 0, p, rw, 1);
    }
    /*
     * Each vCPU online, as libxl says: Linux's vCPU hotplug watch reads
     * it at boot ("Unable to read cpu state" without it), and brings a
     * vCPU down or up when the toolstack changes it.
     */
    for (unsigned i = 0; !ret && i < pm->nr_vcpus; i++) {
        g_autofree char *p = g_strdup_printf("%s/cpu/%u/availability",
                                             home, i);

        ret = xenner_xs_client_write(pm->toolstack, 0, p, "online", 6);
    }
    ret = ret ?: xenner_xs_client_write(pm->toolstack, 0, name, "pvh", 3) ?:
          xenner_xs_client_write(pm->toolstack, 0, domid, "1", 1) ?:
          xenner_xs_client_introduce(pm->toolstack, PVH_DOMID);
    if (ret) {
        error_setg(errp, "writing the guest's xenstore nodes: %s",
                   g_strerror(-ret));
        return false;
    }
    return true;
}

/*
 * What xenstored gives a guest: its xenstore ring and an event channel,
 * in HVM_PARAM_STORE_PFN and _EVTCHN.
 */
static bool pvh_store_setup(PvhMachine *pm, Error **errp)
{
    struct xenstore_domain_interface *page =
        xenner_mem_frame(pm->mem, PVH_STORE_PFN);
    int gport;

    memset(page, 0, XENNER_PAGE_SIZE);
    gport = pvh_channel(pm, &pm->store_port, errp);
    if (gport < 0 || !pvh_store_domain(pm, errp)) {
        return false;
    }
    pm->store = pvh_store_new(pm->xenstore, PVH_DOMID, page, pm->be,
                              pm->store_port);
    return xen_hcall_set_param(pm->hcall, HVM_PARAM_STORE_PFN, PVH_STORE_PFN,
                               errp) &&
           xen_hcall_set_param(pm->hcall, HVM_PARAM_STORE_EVTCHN, gport,
                               errp);
}

/*
 * What a toolstack and xenconsoled give a guest: the console ring and
 * an event channel to it, in HVM_PARAM_CONSOLE_PFN and _EVTCHN.
 */
static bool pvh_console_setup(PvhMachine *pm, EventLoop *loop, Error **errp)
{
    int gport;

    pm->console_ring = xenner_mem_frame(pm->mem, PVH_CONSOLE_PFN);
    memset(pm->console_ring, 0, XENNER_PAGE_SIZE);
    pm->be = xenner_evtchn_open(pm->evtchn, 0, errp);
    if (!pm->be) {
        return false;
    }
    gport = pvh_channel(pm, &pm->console_port, errp);
    if (gport < 0) {
        return false;
    }
    return pvh_store_setup(pm, errp) &&
           xen_hcall_set_param(pm->hcall, HVM_PARAM_CONSOLE_PFN,
                               PVH_CONSOLE_PFN, errp) &&
           xen_hcall_set_param(pm->hcall, HVM_PARAM_CONSOLE_EVTCHN, gport,
                               errp) &&
           event_loop_set_fd_handler(loop, xenner_evtchn_get_fd(pm->be),
                                     pvh_evtchn_ready, NULL, pm, errp) &&
           chardev_set_handlers(pm->console, pvh_console_can_read,
                                pvh_console_read, NULL, pm) == 0;
}

static void pvh_end(PvhMachine *pm, bool failed, char *why)
{
    if (!pm->ended) {
        pm->ended = true;
        pm->failed = failed;
        pm->why = why;
    } else {
        g_free(why);
    }
    event_loop_quit(pm->loop);
}

static void pvh_reboot(void *opaque);

static void pvh_shutdown(void *opaque, unsigned reason)
{
    PvhMachine *pm = opaque;

    switch (reason) {
    case SHUTDOWN_poweroff:
        pvh_end(pm, false, NULL);
        break;
    case SHUTDOWN_reboot:
        if (pm->no_reboot) {
            pvh_end(pm, false, NULL);   /* as QEMU's -no-reboot */
        } else {
            /* Not from inside the hypercall, whose vCPU is going away. */
            event_loop_schedule(pm->loop, pvh_reboot, pm);
        }
        break;
    case SHUTDOWN_crash:
        pvh_end(pm, true, g_strdup("the guest crashed"));
        break;
    default:
        pvh_end(pm, true, g_strdup_printf("the guest shut down with "
                                          "reason %u", reason));
        break;
    }
}

static int pvh_inject(void *opaque, unsigned vcpu, uint8_t vector)
{
    PvhMachine *pm = opaque;

    /* Between boots there is no VM to raise it in. */
    return pm->vm ? kvm_vm_inject_vector(pm->vm, vcpu, vector) : -ENODEV;
}

static int pvh_map_grant_frame(void *opaque, unsigned idx, uint64_t gpfn)
{
    PvhMachine *pm = opaque;
    uint64_t frame = (pm->ram_size >> XENNER_PAGE_SHIFT) + idx;

    int ret;

    if (gpfn > UINT64_MAX >> XENNER_PAGE_SHIFT) {
        return -EINVAL;
    }
    ret = kvm_vm_map_page(pm->vm, idx, gpfn << XENNER_PAGE_SHIFT,
                          xenner_mem_frame(pm->mem, frame));
    /*
     * As Xen grows a table to the frame placed: the entries live in the
     * machine's frames wherever the guest sees them, and refs in frames
     * it never placed stay bad refs to the backends.
     */
    if (!ret && idx >= xenner_gnttab_frames_in_use(pm->gnttab)) {
        xenner_gnttab_set_frames_in_use(pm->gnttab, idx + 1);
    }
    return ret;
}

static int pvh_read_tsc(void *opaque, unsigned vcpu, KvmTscSample *s)
{
    PvhMachine *pm = opaque;

    return pm->vm ? kvm_vm_read_tsc(pm->vm, vcpu, s) : -ENODEV;
}

static int pvh_vcpu_set_down(void *opaque, unsigned vcpu, bool down)
{
    PvhMachine *pm = opaque;

    return pm->vm ? kvm_vm_set_vcpu_down(pm->vm, vcpu, down) : -ENODEV;
}

static const XenHcallHostOps pvh_hcall_ops = {
    .console_write = pvh_console_write,
    .shutdown = pvh_shutdown,
    .inject = pvh_inject,
    .map_grant_frame = pvh_map_grant_frame,
    .read_tsc = pvh_read_tsc,
    .vcpu_set_down = pvh_vcpu_set_down,
};

static KvmVmAction pvh_hypercall(void *opaque, KvmHypercall *hc)
{
    PvhMachine *pm = opaque;

    return xen_hcall_dispatch(pm->hcall, hc);
}

static void pvh_serial_out(void *opaque, uint8_t byte)
{
    PvhMachine *pm = opaque;

    chardev_write(pm->console, &byte, 1);
}

static void pvh_failed(void *opaque, const char *why)
{
    pvh_end(opaque, true, g_strdup(why));
}

/*
 * The FADT's PM1a control and reset registers: ACPI's S5 is the power-off
 * a PVH Linux takes (it has no Xen power-off on x86), and ends the machine
 * as SCHEDOP_shutdown poweroff does; the reset register, as reboot.
 */
static KvmVmAction pvh_port_out(void *opaque, uint16_t port, unsigned size,
                                uint32_t value)
{
    PvhMachine *pm = opaque;

    /* With acpi=off no FADT names these ports: they are open bus. */
    if (!pm->acpi) {
        return KVM_VM_CONTINUE;
    }
    switch (pvh_acpi_port_out(port, size, value)) {
    case PVH_ACPI_POWEROFF:
        pvh_shutdown(opaque, SHUTDOWN_poweroff);
        return KVM_VM_STOP;
    case PVH_ACPI_RESET:
        pvh_shutdown(opaque, SHUTDOWN_reboot);
        return KVM_VM_STOP;
    case PVH_ACPI_NONE:
        break;
    }
    return KVM_VM_CONTINUE;
}

/* The ACPI ports read as the FADT promises; the rest as open bus. */
static uint32_t pvh_port_in(void *opaque, uint16_t port, unsigned size)
{
    PvhMachine *pm = opaque;

    return pm->acpi && pvh_acpi_port(port) ? pvh_acpi_port_in(port, size)
                                           : UINT32_MAX;
}

static const KvmVmOps pvh_vm_ops = {
    .hypercall = pvh_hypercall,
    .port_out = pvh_port_out,
    .port_in = pvh_port_in,
    .serial_out = pvh_serial_out,
    .failed = pvh_failed,
};

/*
 * A Linux with the XSA-466 fix calls VMCALL/VMMCALL from two stubs of
 * its own instead of a hypercall page: they become our trapping OUT.
 * A kernel without them (an older one, or another guest) uses the
 * hypercall page, which traps the same way.
 */
static void pvh_patch_xen_stubs(const PvhImage *img, uint8_t *ram)
{
    static const uint8_t insn[] = KVM_VM_HCALL_INSN;
    uint64_t amd, intel;

    if (pvh_image_find_xen_stubs(img, &amd, &intel)) {
        /* pvh_image_load() checked that the segments lie in RAM. */
        memcpy(ram + amd, insn, sizeof(insn));
        memcpy(ram + intel, insn, sizeof(insn));
    }
}

static bool pvh_load(PvhMachine *pm, Error **errp)
{
    g_autofree gchar *kernel = NULL, *initrd = NULL;
    gsize kernel_len, initrd_len = 0;
    g_autoptr(GError) gerr = NULL;
    PvhImage img;
    uint8_t *ram = xenner_mem_frame(pm->mem, 0);
    bool ok;

    if (!g_file_get_contents(pm->kernel, &kernel, &kernel_len, &gerr)) {
        error_setg(errp, "-kernel: %s", gerr->message);
        return false;
    }
    if (pm->initrd &&
        !g_file_get_contents(pm->initrd, &initrd, &initrd_len, &gerr)) {
        error_setg(errp, "-initrd: %s", gerr->message);
        return false;
    }
    if (!pvh_image_parse((uint8_t *)kernel, kernel_len, &img, errp)) {
        error_prepend(errp, "-kernel %s: ", pm->kernel);
        return false;
    }
    ok = pvh_image_load(&img, ram, pm->ram_size, errp) &&
         pvh_boot_write(ram, pm->ram_size, &img, pm->append,
                        (uint8_t *)initrd, initrd_len, errp);
    if (ok && pm->acpi) {
        pvh_boot_write_acpi(ram, pm->nr_vcpus);
    }
    if (ok) {
        pvh_patch_xen_stubs(&img, ram);
        ok = kvm_vm_start(pm->vm, img.entry, PVH_BOOT_START_INFO, errp);
    }
    pvh_image_clear(&img);
    return ok;
}

/* The guest's VM and its Xen state; RAM and the chardev stay. */
static void pvh_guest_stop(PvhMachine *pm)
{
    /*
     * First, no more events into the guest: the backends stopping below
     * still finish and answer what was in flight, and the hypercall
     * state that would deliver it goes before the guest's ports do.
     */
    if (pm->evtchn && xenner_evtchn_has_domain(pm->evtchn, PVH_DOMID)) {
        xenner_evtchn_set_upcall(pm->evtchn, PVH_DOMID, NULL, NULL, NULL);
    }
    kvm_vm_free(pm->vm);
    pm->vm = NULL;
    /* The backends let go of its grants and ports before they go. */
    if (pm->devices) {
        pvh_devices_stop(pm->devices);
    }
    pvh_store_free(pm->store);
    pm->store = NULL;
    if (pm->toolstack && xenner_xs_tree_is_introduced(pm->xenstore,
                                                      PVH_DOMID)) {
        xenner_xs_client_release(pm->toolstack, PVH_DOMID);
    }
    if (pm->be) {
        event_loop_set_fd_handler(pm->loop, xenner_evtchn_get_fd(pm->be),
                                  NULL, NULL, NULL, NULL);
        xenner_evtchn_close(pm->be);
        pm->be = NULL;
    }
    if (pm->console) {
        chardev_set_handlers(pm->console, NULL, NULL, NULL, NULL);
    }
    xen_hcall_free(pm->hcall);
    pm->hcall = NULL;
    if (pm->xenner) {
        xenner_domain_detach(pm->xenner, PVH_DOMID);
    }
    xenner_gnttab_free(pm->gnttab);
    pm->gnttab = NULL;
    if (pm->evtchn && xenner_evtchn_has_domain(pm->evtchn, PVH_DOMID)) {
        xenner_evtchn_remove_domain(pm->evtchn, PVH_DOMID, NULL);
    }
}

/*
 * The grant table over the machine's grant frames, which the guest
 * places; until it does, no ref is in the table.
 */
static bool pvh_gnttab_setup(PvhMachine *pm, Error **errp)
{
    uint64_t frames[PVH_GRANT_FRAMES];

    for (unsigned i = 0; i < PVH_GRANT_FRAMES; i++) {
        frames[i] = (pm->ram_size >> XENNER_PAGE_SHIFT) + i;
    }
    pm->gnttab = xenner_gnttab_new(pm->mem, PVH_DOMID, frames,
                                   PVH_GRANT_FRAMES, errp);
    if (!pm->gnttab) {
        return false;
    }
    xenner_gnttab_set_frames_in_use(pm->gnttab, 0);
    return xenner_domain_attach(pm->xenner, PVH_DOMID, pm->mem, pm->gnttab,
                                errp);
}

/*
 * A fresh guest in RAM: its event channels, grant table, hypercalls,
 * console, devices, vCPU.
 */
static bool pvh_guest_start(PvhMachine *pm, Error **errp)
{
    if (!xenner_evtchn_add_domain(pm->evtchn, PVH_DOMID,
                                  XENNER_EVTCHN_NR_PORTS_DEFAULT, errp) ||
        !pvh_gnttab_setup(pm, errp)) {
        return false;
    }
    pm->hcall = xen_hcall_new(pm->loop, xenner_mem_frame(pm->mem, 0),
                              pm->ram_size, PVH_DOMID, pm->nr_vcpus,
                              pm->evtchn, &pvh_hcall_ops, pm);
    xen_hcall_set_grant_frames(pm->hcall, PVH_GRANT_FRAMES);
    xen_hcall_set_xenner(pm->hcall, pm->mem, pm->gnttab);
    if (!xenner_evtchn_set_upcall(pm->evtchn, PVH_DOMID,
                                  xen_hcall_evtchn_upcall, pm->hcall,
                                  errp) ||
        !pvh_console_setup(pm, pm->loop, errp) ||
        !pvh_devices_start(pm->devices, xenner_services(pm->xenner),
                           errp)) {
        return false;
    }
    pm->vm = kvm_vm_new(pm->loop, xenner_mem_frame(pm->mem, 0),
                        pm->ram_size, PVH_DOMID, pm->nr_vcpus, &pvh_vm_ops,
                        pm, errp);
    return pm->vm && pvh_load(pm, errp);
}

/*
 * SHUTDOWN_reboot: the guest starts again from its kernel, as Xen's
 * toolstack rebuilds a domain, in zeroed RAM and with fresh Xen state.
 */
static void pvh_reboot(void *opaque)
{
    PvhMachine *pm = opaque;
    Error *err = NULL;

    pvh_guest_stop(pm);
    /* Zeroed, and whatever the guest ballooned out is back. */
    xenner_mem_reset(pm->mem);
    if (!pvh_guest_start(pm, &err)) {
        pvh_end(pm, true, g_strdup_printf("reboot: %s",
                                          error_get_pretty(err)));
        error_free(err);
    }
}

/*
 * QMP's system_powerdown: what `xl shutdown` writes; the guest's
 * kernel runs its init's power-off, which ends in ACPI S5.
 */
static bool pvh_powerdown(void *opaque, Error **errp)
{
    PvhMachine *pm = opaque;
    g_autofree char *home = xenner_xs_domain_path(PVH_DOMID);
    g_autofree char *path = g_strdup_printf("%s/control/shutdown", home);
    int ret;

    if (!pm->vm) {
        error_setg(errp, "system_powerdown: the guest is not running");
        return false;
    }
    ret = xenner_xs_client_write(pm->toolstack, 0, path, "poweroff", 8);
    if (ret) {
        error_setg(errp, "system_powerdown: writing %s: %s", path,
                   g_strerror(-ret));
        return false;
    }
    return true;
}

/* -mon: QMP on the machine's chardevs, with its disks and display. */
static bool pvh_qmp_start(PvhMachine *pm, const XenMachineConfig *cfg,
                          Error **errp)
{
    const XenGuestDisplay *display = pvh_devices_display(pm->devices);

    pm->qmp = xen_qmp_start(pm->loop, cfg->mons, pm->chardevs,
                            pvh_devices_disk_host(pm->devices), cfg->name,
                            errp);
    if (!pm->qmp) {
        return false;
    }
    xen_qmp_set_powerdown(pm->qmp, pvh_powerdown, pm);
    xen_qmp_set_consoles(pm->qmp, display->consoles);
    xen_qmp_set_vnc(pm->qmp, display->vnc);
    return true;
}

void xenner_pvh_cleanup(XenMachineState *ms)
{
    PvhMachine *pm = (PvhMachine *)ms;

    event_loop_cancel(pm->loop, pvh_reboot, pm);
    pvh_guest_stop(pm);
    xen_qmp_free(pm->qmp);
    pvh_devices_free(pm->devices);
    xenner_free(pm->xenner);
    xenner_xs_server_free(pm->xs_server);
    if (pm->toolstack) {
        xenner_xs_client_free(pm->toolstack);
    }
    xenner_xs_budget_free(pm->xs_budget);
    xenner_xs_tree_free(pm->xenstore);
    xenner_mem_free(pm->mem);
    if (pm->chardevs) {
        chardev_set_free(pm->chardevs);
    }
    g_free(pm->kernel);
    g_free(pm->initrd);
    g_free(pm->append);
    g_free(pm->why);
    g_free(pm);
}

XenMachineState *xenner_pvh_init(EventLoop *loop, const XenMachineConfig *cfg,
                                 Error **errp)
{
    PvhMachine *pm = g_new0(PvhMachine, 1);
    uint64_t ram_mb = cfg->ram_mb ? cfg->ram_mb : PVH_DEFAULT_RAM_MB;
    const char *serial = cfg->serial ? cfg->serial : "stdio";
    const char *acpi;

    pm->loop = loop;
    pm->nr_vcpus = cfg->smp ? cfg->smp : 1;
    if (pm->nr_vcpus > PVH_MAX_VCPUS) {
        error_setg(errp, "-machine xenner_pvh: -smp %u: 1 to %u vCPUs",
                   cfg->smp, PVH_MAX_VCPUS);
        goto fail;
    }
    if (!kvm_vm_available(errp)) {
        error_prepend(errp, "-machine xenner_pvh: ");
        goto fail;
    }
    if (ram_mb < 4 || ram_mb > (PVH_BOOT_MAX_RAM >> 20)) {
        error_setg(errp, "-machine xenner_pvh: -m %" PRIu64 ": 4 to %llu "
                   "MiB", ram_mb, PVH_BOOT_MAX_RAM >> 20);
        goto fail;
    }
    if (!strcmp(serial, "none") || !strcmp(serial, "/dev/null")) {
        serial = "null";
    }
    pm->ram_size = ram_mb << 20;
    pm->chardevs = chardev_set_new(loop);
    pm->console = chardev_set_add_legacy(pm->chardevs, "serial", serial,
                                         errp);
    if (!pm->console) {
        goto fail;
    }
    for (guint i = 0; i < cfg->chardevs->len; i++) {
        if (!chardev_set_add_opts(pm->chardevs,
                                  g_ptr_array_index(cfg->chardevs, i),
                                  errp)) {
            goto fail;
        }
    }
    pm->mem = xenner_mem_new((pm->ram_size >> XENNER_PAGE_SHIFT) +
                             PVH_GRANT_FRAMES, errp);
    if (!pm->mem) {
        goto fail;
    }
    pm->xenstore = xenner_xs_tree_new();
    pm->xs_budget = xenner_xs_budget_new(pm->xenstore);
    pm->toolstack = xenner_xs_client_new(pm->xenstore, 0, NULL, NULL);
    if (qemu_opt_get(cfg->machine_opts, "xenstore-socket")) {
        pm->xs_server = xenner_xs_server_new(
            loop, pm->xenstore, pm->xs_budget,
            qemu_opt_get(cfg->machine_opts, "xenstore-socket"), 0, errp);
        if (!pm->xs_server) {
            goto fail;
        }
    }
    pm->xenner = xenner_new(loop, pm->xenstore, errp);
    if (!pm->xenner) {
        goto fail;
    }
    pm->evtchn = xenner_evtchn(pm->xenner);
    pm->devices = pvh_devices_new(loop, cfg, PVH_DOMID, errp);
    if (!pm->devices || !pvh_qmp_start(pm, cfg, errp)) {
        goto fail;
    }
    pm->kernel = g_strdup(cfg->kernel);
    pm->initrd = g_strdup(cfg->initrd);
    pm->append = g_strdup(cfg->append);
    pm->no_reboot = cfg->no_reboot;
    /*
     * On by default, as Xen's toolstack gives PVH domUs ACPI: without it
     * x86 Linux cannot power a PVH guest off, and it probes a CMOS clock
     * that is not there (the FADT says there is none).
     */
    acpi = qemu_opt_get(cfg->machine_opts, "acpi");
    pm->acpi = !acpi || !strcmp(acpi, "on");
    if (acpi && strcmp(acpi, "on") && strcmp(acpi, "off")) {
        error_setg(errp, "Parameter 'acpi' expects 'on' or 'off'");
        goto fail;
    }
    if (!pvh_guest_start(pm, errp)) {
        goto fail;
    }
    return (XenMachineState *)pm;

fail:
    xenner_pvh_cleanup((XenMachineState *)pm);
    return NULL;
}

bool xenner_pvh_result(XenMachineState *ms, Error **errp)
{
    PvhMachine *pm = (PvhMachine *)ms;

    if (pm->failed) {
        error_setg(errp, "xenner_pvh: %s", pm->why);
        return false;
    }
    return true;
}
