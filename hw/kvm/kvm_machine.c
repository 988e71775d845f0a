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

#include <inttypes.h>
#include <string.h>
#include <glib.h>
#include <xen/xen.h>
#include <xen/sched.h>

#include "chardev/char.h"
#include "hw/kvm/kvm_vm.h"
#include "hw/kvm/pvh_boot.h"
#include "hw/kvm/pvh_image.h"
#include "hw/kvm/xen_hcall.h"
#include "xenner/guest_mem.h"

#define PVH_DEFAULT_RAM_MB 512
#define PVH_DOMID 1

typedef struct PvhMachine {
    EventLoop *loop;
    ChardevSet *chardevs;
    Chardev *console;
    XennerMem *mem;
    uint64_t ram_size;
    XenHcall *hcall;
    KvmVm *vm;
    /* How it ended: 0 running, else the reason for result(). */
    bool ended;
    bool failed;
    char *why;
} PvhMachine;

const char *const xenner_pvh_props[] = { "type", NULL };

static void pvh_console_write(void *opaque, const uint8_t *buf, size_t len)
{
    PvhMachine *pm = opaque;

    chardev_write(pm->console, buf, len);
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

static void pvh_shutdown(void *opaque, unsigned reason)
{
    PvhMachine *pm = opaque;

    switch (reason) {
    case SHUTDOWN_poweroff:
        pvh_end(pm, false, NULL);
        break;
    case SHUTDOWN_reboot:
        pvh_end(pm, true, g_strdup("the guest asked for a reboot, which "
                                   "xenner_pvh does not do yet"));
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

    return kvm_vm_inject_vector(pm->vm, vcpu, vector);
}

static const XenHcallHostOps pvh_hcall_ops = {
    .console_write = pvh_console_write,
    .shutdown = pvh_shutdown,
    .inject = pvh_inject,
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

static const KvmVmOps pvh_vm_ops = {
    .hypercall = pvh_hypercall,
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

static bool pvh_load(PvhMachine *pm, const XenMachineConfig *cfg,
                     Error **errp)
{
    g_autofree gchar *kernel = NULL, *initrd = NULL;
    gsize kernel_len, initrd_len = 0;
    g_autoptr(GError) gerr = NULL;
    PvhImage img;
    uint8_t *ram = xenner_mem_frame(pm->mem, 0);
    bool ok;

    if (!g_file_get_contents(cfg->kernel, &kernel, &kernel_len, &gerr)) {
        error_setg(errp, "-kernel: %s", gerr->message);
        return false;
    }
    if (cfg->initrd &&
        !g_file_get_contents(cfg->initrd, &initrd, &initrd_len, &gerr)) {
        error_setg(errp, "-initrd: %s", gerr->message);
        return false;
    }
    if (!pvh_image_parse((uint8_t *)kernel, kernel_len, &img, errp)) {
        error_prepend(errp, "-kernel %s: ", cfg->kernel);
        return false;
    }
    ok = pvh_image_load(&img, ram, pm->ram_size, errp) &&
         pvh_boot_write(ram, pm->ram_size, &img, cfg->append,
                        (uint8_t *)initrd, initrd_len, errp);
    if (ok) {
        pvh_patch_xen_stubs(&img, ram);
        ok = kvm_vm_start(pm->vm, img.entry, PVH_BOOT_START_INFO, errp);
    }
    pvh_image_clear(&img);
    return ok;
}

void xenner_pvh_cleanup(XenMachineState *ms)
{
    PvhMachine *pm = (PvhMachine *)ms;

    kvm_vm_free(pm->vm);
    xen_hcall_free(pm->hcall);
    xenner_mem_free(pm->mem);
    if (pm->chardevs) {
        chardev_set_free(pm->chardevs);
    }
    g_free(pm->why);
    g_free(pm);
}

XenMachineState *xenner_pvh_init(EventLoop *loop, const XenMachineConfig *cfg,
                                 Error **errp)
{
    PvhMachine *pm = g_new0(PvhMachine, 1);
    uint64_t ram_mb = cfg->ram_mb ? cfg->ram_mb : PVH_DEFAULT_RAM_MB;
    const char *serial = cfg->serial ? cfg->serial : "stdio";

    pm->loop = loop;
    if (!kvm_vm_available(errp)) {
        error_prepend(errp, "-machine xenner_pvh: ");
        goto fail;
    }
    if ((cfg->smp && cfg->smp != 1)) {
        error_setg(errp, "-machine xenner_pvh: -smp %u: one vCPU only",
                   cfg->smp);
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
    pm->mem = xenner_mem_new(pm->ram_size >> XENNER_PAGE_SHIFT, errp);
    if (!pm->mem) {
        goto fail;
    }
    pm->hcall = xen_hcall_new(xenner_mem_frame(pm->mem, 0), pm->ram_size,
                              PVH_DOMID, &pvh_hcall_ops, pm);
    pm->vm = kvm_vm_new(loop, xenner_mem_frame(pm->mem, 0), pm->ram_size,
                        PVH_DOMID, &pvh_vm_ops, pm, errp);
    if (!pm->vm || !pvh_load(pm, cfg, errp)) {
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
