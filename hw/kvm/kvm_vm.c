/*
 * The KVM VM of Xenner on KVM: memory, CPUID, the hypercall MSR, the
 * vCPU thread and its hand-off to the event loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/kvm/kvm_vm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include <linux/kvm.h>
#include <xen/xen.h>
#include <xen/arch-x86/cpuid.h>

#define KVM_DEV "/dev/kvm"
#define CPUID_MAX_ENTRIES 256
#define XEN_CPUID_BASE 0x40000000u
#define XEN_CPUID_LEAVES 5
/* The vCPU's kick: interrupts KVM_RUN, unblocked only inside it. */
#define VCPU_KICK_SIGNAL SIGUSR1
/* Where KVM's Intel TSS and identity map go: the top of the 4 GiB hole. */
#define KVM_TSS_ADDR 0xfffbd000ul
#define CPUID_1_ECX_CX16 (1u << 13)
#define COM1 0x3f8
#define UART_LSR_IDLE 0x60      /* THR and transmitter empty */
#define MSR_IA32_TSC 0x10

/* What the vCPU thread hands to the loop's thread. */
typedef enum VcpuRequestKind {
    REQ_NONE,
    REQ_HYPERCALL,
    REQ_SERIAL,
    REQ_PORT_OUT,
    REQ_PORT_IN,
    REQ_FAILED,
} VcpuRequestKind;

struct KvmVm {
    EventLoop *loop;
    const KvmVmOps *ops;
    void *opaque;
    int kvm_fd;
    int vm_fd;
    int vcpu_fd;
    struct kvm_run *run;
    size_t run_size;
    uint8_t *ram;
    uint64_t ram_size;
    uint16_t domid;
    uint8_t uart_lcr;
    bool hw_paging;             /* EPT or NPT: see host_has_hw_paging() */

    pthread_t thread;
    bool thread_started;
    atomic_bool stop;

    /* The request in flight: one at a time, the vCPU waits for it. */
    int req_fd;                 /* eventfd the loop watches */
    GMutex lock;
    GCond done_cond;
    VcpuRequestKind req;
    bool req_done;
    KvmHypercall hc;
    uint8_t serial_byte;
    uint16_t port;              /* REQ_PORT_OUT/IN: the guest's OUT/IN */
    uint8_t port_size;
    uint32_t port_value;
    char failed_why[128];
    KvmVmAction action;
};

bool kvm_vm_available(Error **errp)
{
    int fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
    int ver;

    if (fd < 0) {
        error_setg_errno(errp, errno, "this machine needs KVM and cannot "
                         "open " KVM_DEV " (no KVM on this host, the "
                         "kvm-intel/kvm-amd module not loaded, or no "
                         "permission)");
        return false;
    }
    ver = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (ver != KVM_API_VERSION) {
        error_setg(errp, KVM_DEV ": KVM API version %d, not %d", ver,
                   KVM_API_VERSION);
        close(fd);
        return false;
    }
    if (ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR) <= 0) {
        error_setg(errp, KVM_DEV ": the kernel lacks "
                   "KVM_CAP_X86_USER_SPACE_MSR (Linux 5.10 or later), "
                   "which the hypercall page needs");
        close(fd);
        return false;
    }
    close(fd);
    return true;
}

static bool sysfs_says(const char *path, const char *yes)
{
    g_autofree gchar *v = NULL;

    return g_file_get_contents(path, &v, NULL, NULL) &&
           (v[0] == yes[0]);
}

/*
 * Whether KVM runs guests with EPT or NPT. Without them (shadow paging,
 * or PVM's kvm_pvm, which runs the guest kernel unprivileged), KVM
 * emulates more of the guest's instructions, and its emulator does not
 * know CMPXCHG16B: Linux's SLUB then stops the guest with an emulation
 * failure. CMPXCHG16B is hidden from the guest there, and SLUB takes
 * its lock instead.
 */
static bool host_has_hw_paging(void)
{
    return sysfs_says("/sys/module/kvm_intel/parameters/ept", "Y") ||
           sysfs_says("/sys/module/kvm_amd/parameters/npt", "1") ||
           sysfs_says("/sys/module/kvm_amd/parameters/npt", "Y");
}

static void kick_handler(int signo)
{
}

/*
 * The host's CPUID as KVM supports it, with KVM's own paravirtual leaves
 * replaced by Xen's: a Xen guest looks for "XenVMMXenVMM" from
 * 0x40000000 on, and would take KVM's leaves for another hypervisor.
 */
static bool setup_cpuid(KvmVm *vm, Error **errp)
{
    size_t sz = sizeof(struct kvm_cpuid2) +
        CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
    g_autofree struct kvm_cpuid2 *cpuid = g_malloc0(sz);
    struct kvm_cpuid_entry2 *e;
    uint32_t n = 0;
    uint32_t sig[3];

    cpuid->nent = CPUID_MAX_ENTRIES;
    if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
        error_setg_errno(errp, errno, "KVM_GET_SUPPORTED_CPUID");
        return false;
    }
    for (uint32_t i = 0; i < cpuid->nent; i++) {
        e = &cpuid->entries[i];
        if (e->function >= XEN_CPUID_BASE && e->function < 0x40010000u) {
            continue;
        }
        if (e->function == 1) {
            /* Our vCPU's APIC id, as KVM's LAPIC has it. */
            e->ebx &= 0x00ffffffu;
            if (!vm->hw_paging) {
                e->ecx &= ~CPUID_1_ECX_CX16;
            }
        }
        cpuid->entries[n++] = *e;
    }
    if (n + XEN_CPUID_LEAVES + 2 > CPUID_MAX_ENTRIES) {
        error_setg(errp, "too many CPUID leaves");
        return false;
    }
    memcpy(sig, "XenVMMXenVMM", 12);
    e = &cpuid->entries[n];
    memset(e, 0, sizeof(*e) * (XEN_CPUID_LEAVES + 2));
    e[0] = (struct kvm_cpuid_entry2){
        .function = XEN_CPUID_BASE, .eax = XEN_CPUID_BASE + 4,
        .ebx = sig[0], .ecx = sig[1], .edx = sig[2] };
    e[1] = (struct kvm_cpuid_entry2){
        .function = XEN_CPUID_BASE + 1,
        .eax = KVM_VM_XEN_MAJOR << 16 | KVM_VM_XEN_MINOR };
    /* One hypercall page, its MSR, no extra flags. */
    e[2] = (struct kvm_cpuid_entry2){
        .function = XEN_CPUID_BASE + 2, .eax = 1, .ebx = KVM_VM_HCALL_MSR };
    /* Leaf 3 (time) has sub-leaves 0 to 2, all zero: no TSC mode info. */
    for (unsigned i = 0; i < 3; i++) {
        e[3 + i] = (struct kvm_cpuid_entry2){
            .function = XEN_CPUID_BASE + 3, .index = i,
            .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX };
    }
    /*
     * Leaf 4: the vCPU and domain ids are given, as Xen gives a PVH guest,
     * and the per-vCPU upcall vector (Xen 4.17's too), the one event
     * delivery that works through KVM's local APIC: see
     * xen_hcall_evtchn.c's raise_word().
     */
    e[6] = (struct kvm_cpuid_entry2){
        .function = XEN_CPUID_BASE + 4,
        .eax = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
               XEN_HVM_CPUID_UPCALL_VECTOR,
        .ebx = 0, .ecx = vm->domid };
    cpuid->nent = n + XEN_CPUID_LEAVES + 2;
    if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid) < 0) {
        error_setg_errno(errp, errno, "KVM_SET_CPUID2");
        return false;
    }
    return true;
}

/* Writes to the hypercall MSR exit to us; every other MSR stays KVM's. */
static bool setup_msr_filter(KvmVm *vm, Error **errp)
{
    static uint8_t deny = 0;
    struct kvm_enable_cap cap = {
        .cap = KVM_CAP_X86_USER_SPACE_MSR,
        .args[0] = KVM_MSR_EXIT_REASON_FILTER,
    };
    struct kvm_msr_filter filter = {
        .flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
        .ranges[0] = {
            .flags = KVM_MSR_FILTER_WRITE,
            .nmsrs = 1,
            .base = KVM_VM_HCALL_MSR,
            .bitmap = &deny,
        },
    };

    if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
        error_setg_errno(errp, errno, "enabling KVM_CAP_X86_USER_SPACE_MSR");
        return false;
    }
    if (ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &filter) < 0) {
        error_setg_errno(errp, errno, "KVM_X86_SET_MSR_FILTER");
        return false;
    }
    return true;
}

static void req_ready(void *opaque)
{
    KvmVm *vm = opaque;
    uint64_t v;

    if (read(vm->req_fd, &v, sizeof(v)) != sizeof(v)) {
        return;
    }
    g_mutex_lock(&vm->lock);
    VcpuRequestKind req = vm->req;
    g_mutex_unlock(&vm->lock);

    /* The vCPU thread waits and touches nothing meanwhile. */
    vm->action = KVM_VM_CONTINUE;
    switch (req) {
    case REQ_HYPERCALL:
        vm->action = vm->ops->hypercall(vm->opaque, &vm->hc);
        break;
    case REQ_SERIAL:
        if (vm->ops->serial_out) {
            vm->ops->serial_out(vm->opaque, vm->serial_byte);
        }
        break;
    case REQ_PORT_OUT:
        vm->action = vm->ops->port_out(vm->opaque, vm->port, vm->port_size,
                                       vm->port_value);
        break;
    case REQ_PORT_IN:
        vm->port_value = vm->ops->port_in(vm->opaque, vm->port,
                                          vm->port_size);
        break;
    case REQ_FAILED:
        vm->ops->failed(vm->opaque, vm->failed_why);
        vm->action = KVM_VM_STOP;
        break;
    case REQ_NONE:
        return;
    }
    g_mutex_lock(&vm->lock);
    vm->req = REQ_NONE;
    vm->req_done = true;
    g_cond_signal(&vm->done_cond);
    g_mutex_unlock(&vm->lock);
}

/* On the vCPU thread: hands @kind to the loop and waits for its answer. */
static KvmVmAction vcpu_request(KvmVm *vm, VcpuRequestKind kind)
{
    uint64_t one = 1;

    g_mutex_lock(&vm->lock);
    vm->req = kind;
    vm->req_done = false;
    g_mutex_unlock(&vm->lock);
    if (write(vm->req_fd, &one, sizeof(one)) != sizeof(one)) {
        return KVM_VM_STOP;
    }
    g_mutex_lock(&vm->lock);
    while (!vm->req_done && !atomic_load(&vm->stop)) {
        g_cond_wait(&vm->done_cond, &vm->lock);
    }
    g_mutex_unlock(&vm->lock);
    return atomic_load(&vm->stop) ? KVM_VM_STOP : vm->action;
}

static void vcpu_fail(KvmVm *vm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void vcpu_fail(KvmVm *vm, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(vm->failed_why, sizeof(vm->failed_why), fmt, ap);
    va_end(ap);
    vcpu_request(vm, REQ_FAILED);
}

/*
 * Fills the guest's hypercall page: stub i, at 32 * i, loads i into
 * %eax and writes it to our port, then returns. The guest's argument
 * registers are untouched; the OUT exits to us, and %rax on return is
 * the result we set.
 */
static void write_hypercall_page(KvmVm *vm, uint64_t gpa)
{
    uint8_t *page = vm->ram + gpa;

    for (unsigned i = 0; i < 4096 / 32; i++) {
        uint8_t *p = page + 32 * i;

        memset(p, 0xcc, 32);    /* int3 in the padding */
        p[0] = 0xb8;            /* mov $i, %eax */
        memcpy(p + 1, &(uint32_t){ i }, 4);
        p[5] = 0xe6;            /* out %al, $port */
        p[6] = KVM_VM_HCALL_PORT;
        p[7] = 0xc3;            /* ret */
    }
}

static void handle_wrmsr(KvmVm *vm)
{
    uint64_t gpa = vm->run->msr.data & ~0xfffull;

    vm->run->msr.error = 0;
    if (vm->run->msr.index != KVM_VM_HCALL_MSR ||
        (vm->run->msr.data & 0xfff) || gpa >= vm->ram_size) {
        /* A #GP, as Xen gives for a page index other than 0. */
        vm->run->msr.error = 1;
        return;
    }
    write_hypercall_page(vm, gpa);
}

static KvmVmAction handle_hypercall(KvmVm *vm)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    KvmHypercall *hc = &vm->hc;

    if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0 ||
        ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
        vcpu_fail(vm, "reading the vCPU's registers: %s", g_strerror(errno));
        return KVM_VM_STOP;
    }
    memset(hc, 0, sizeof(*hc));
    hc->kernel = sregs.cs.dpl == 0;
    hc->cr0 = sregs.cr0;
    hc->cr3 = sregs.cr3;
    hc->cr4 = sregs.cr4;
    hc->efer = sregs.efer;
    if (sregs.cs.l) {
        hc->nr = regs.rax;
        hc->args[0] = regs.rdi;
        hc->args[1] = regs.rsi;
        hc->args[2] = regs.rdx;
        hc->args[3] = regs.r10;
        hc->args[4] = regs.r8;
    } else {
        hc->nr = (uint32_t)regs.rax;
        hc->args[0] = (uint32_t)regs.rbx;
        hc->args[1] = (uint32_t)regs.rcx;
        hc->args[2] = (uint32_t)regs.rdx;
        hc->args[3] = (uint32_t)regs.rsi;
        hc->args[4] = (uint32_t)regs.rdi;
    }
    if (vcpu_request(vm, REQ_HYPERCALL) == KVM_VM_STOP) {
        return KVM_VM_STOP;
    }
    regs.rax = sregs.cs.l ? hc->ret : (uint32_t)hc->ret;
    if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
        vcpu_fail(vm, "writing the vCPU's registers: %s", g_strerror(errno));
        return KVM_VM_STOP;
    }
    return KVM_VM_CONTINUE;
}

/* Ports: the hypercall port, a write-only COM1; the rest reads as open bus. */
static KvmVmAction handle_io(KvmVm *vm)
{
    struct kvm_run *run = vm->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    uint16_t port = run->io.port;

    if (run->io.direction == KVM_EXIT_IO_OUT) {
        if (port == KVM_VM_HCALL_PORT && run->io.size == 1 &&
            run->io.count == 1) {
            return handle_hypercall(vm);
        }
        if (port == COM1 + 3) {
            vm->uart_lcr = data[0];
        } else if (port == COM1 && !(vm->uart_lcr & 0x80)) {
            for (uint32_t i = 0; i < run->io.count; i++) {
                vm->serial_byte = data[i * run->io.size];
                if (vcpu_request(vm, REQ_SERIAL) == KVM_VM_STOP) {
                    return KVM_VM_STOP;
                }
            }
        } else if ((port < COM1 || port >= COM1 + 8) && vm->ops->port_out &&
                   run->io.count == 1 && (run->io.size == 1 ||
                   run->io.size == 2 || run->io.size == 4)) {
            /* Copied once here; the machine checks the value. */
            uint32_t v = 0;

            memcpy(&v, data, run->io.size);
            vm->port = port;
            vm->port_size = run->io.size;
            vm->port_value = v;
            return vcpu_request(vm, REQ_PORT_OUT);
        }
        return KVM_VM_CONTINUE;
    }
    memset(data, 0xff, (size_t)run->io.size * run->io.count);
    if ((port < COM1 || port >= COM1 + 8) && vm->ops->port_in &&
        run->io.count == 1 && (run->io.size == 1 || run->io.size == 2 ||
        run->io.size == 4)) {
        vm->port = port;
        vm->port_size = run->io.size;
        if (vcpu_request(vm, REQ_PORT_IN) == KVM_VM_STOP) {
            return KVM_VM_STOP;
        }
        memcpy(data, &vm->port_value, run->io.size);
    } else if (port == COM1 + 5) {
        memset(data, UART_LSR_IDLE, (size_t)run->io.size * run->io.count);
    } else if (port == COM1 + 3) {
        data[0] = vm->uart_lcr;
    } else if (port >= COM1 && port < COM1 + 8) {
        memset(data, 0, (size_t)run->io.size * run->io.count);
    }
    return KVM_VM_CONTINUE;
}

static void *vcpu_thread(void *opaque)
{
    KvmVm *vm = opaque;
    struct kvm_run *run = vm->run;

    while (!atomic_load(&vm->stop)) {
        KvmVmAction act = KVM_VM_CONTINUE;

        if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            vcpu_fail(vm, "KVM_RUN: %s", g_strerror(errno));
            break;
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            act = handle_io(vm);
            break;
        case KVM_EXIT_MMIO:
            /* Nothing of ours lives there: reads see open bus. */
            if (!run->mmio.is_write) {
                memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
            }
            break;
        case KVM_EXIT_X86_WRMSR:
            handle_wrmsr(vm);
            break;
        case KVM_EXIT_X86_RDMSR:
            run->msr.error = 1;
            break;
        case KVM_EXIT_INTR:
            break;
        case KVM_EXIT_SHUTDOWN:
            vcpu_fail(vm, "the guest triple-faulted");
            act = KVM_VM_STOP;
            break;
        case KVM_EXIT_HLT:
            vcpu_fail(vm, "the guest halted with interrupts off");
            act = KVM_VM_STOP;
            break;
        case KVM_EXIT_FAIL_ENTRY:
            vcpu_fail(vm, "KVM could not enter the guest (reason 0x%llx)",
                      (unsigned long long)
                      run->fail_entry.hardware_entry_failure_reason);
            act = KVM_VM_STOP;
            break;
        case KVM_EXIT_INTERNAL_ERROR: {
            struct kvm_regs r = { 0 };

            ioctl(vm->vcpu_fd, KVM_GET_REGS, &r);
            vcpu_fail(vm, "KVM internal error %u at rip 0x%llx",
                      run->internal.suberror, (unsigned long long)r.rip);
        }
            act = KVM_VM_STOP;
            break;
        default:
            vcpu_fail(vm, "unexpected KVM exit %u", run->exit_reason);
            act = KVM_VM_STOP;
            break;
        }
        if (act == KVM_VM_STOP) {
            break;
        }
    }
    return NULL;
}

KvmVm *kvm_vm_new(EventLoop *loop, void *ram, uint64_t ram_size,
                  uint16_t domid, const KvmVmOps *ops, void *opaque,
                  Error **errp)
{
    KvmVm *vm = g_new0(KvmVm, 1);
    struct kvm_userspace_memory_region slot = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = ram_size,
        .userspace_addr = (uintptr_t)ram,
    };
    struct kvm_pit_config pit = { .flags = 0 };
    struct sigaction sa = { .sa_handler = kick_handler };
    int n;

    vm->loop = loop;
    vm->ops = ops;
    vm->opaque = opaque;
    vm->ram = ram;
    vm->ram_size = ram_size;
    vm->domid = domid;
    vm->hw_paging = host_has_hw_paging();
    vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = vm->req_fd = -1;
    vm->run = MAP_FAILED;
    g_mutex_init(&vm->lock);
    g_cond_init(&vm->done_cond);

    if (!kvm_vm_available(errp)) {
        goto fail;
    }
    vm->kvm_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0) {
        error_setg_errno(errp, errno, "opening " KVM_DEV);
        goto fail;
    }
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0) {
        error_setg_errno(errp, errno, "KVM_CREATE_VM");
        goto fail;
    }
    if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0 ||
        ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR,
              &(uint64_t){ KVM_TSS_ADDR + 0x3000 }) < 0) {
        error_setg_errno(errp, errno, "placing KVM's TSS");
        goto fail;
    }
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
        error_setg_errno(errp, errno, "mapping %" PRIu64 " MiB of guest RAM",
                         ram_size >> 20);
        goto fail;
    }
    /* The PIC, I/O APIC and local APICs, and the PIT Linux calibrates on. */
    if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0 ||
        ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
        error_setg_errno(errp, errno, "creating KVM's interrupt controllers");
        goto fail;
    }
    if (!setup_msr_filter(vm, errp)) {
        goto fail;
    }
    vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
    if (vm->vcpu_fd < 0) {
        error_setg_errno(errp, errno, "KVM_CREATE_VCPU");
        goto fail;
    }
    n = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (n < (int)sizeof(struct kvm_run)) {
        error_setg_errno(errp, errno, "KVM_GET_VCPU_MMAP_SIZE");
        goto fail;
    }
    vm->run_size = n;
    vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   vm->vcpu_fd, 0);
    if (vm->run == MAP_FAILED) {
        error_setg_errno(errp, errno, "mapping the vCPU's run area");
        goto fail;
    }
    if (!setup_cpuid(vm, errp)) {
        goto fail;
    }
    vm->req_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (vm->req_fd < 0) {
        error_setg_errno(errp, errno, "eventfd");
        goto fail;
    }
    if (!event_loop_set_fd_handler(loop, vm->req_fd, req_ready, NULL, vm,
                                   errp)) {
        close(vm->req_fd);
        vm->req_fd = -1;
        goto fail;
    }
    /* No SA_RESTART: the kick must end KVM_RUN with EINTR. */
    sigemptyset(&sa.sa_mask);
    sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
    return vm;

fail:
    kvm_vm_free(vm);
    return NULL;
}

bool kvm_vm_start(KvmVm *vm, uint32_t entry, uint32_t ebx, Error **errp)
{
    struct kvm_sregs sregs;
    struct kvm_regs regs = { .rip = entry, .rbx = ebx, .rflags = 0x2 };
    struct kvm_segment code = {
        .base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 0xb,
        .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
    };
    struct kvm_segment data = code;
    sigset_t set, old;
    int err;

    if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
        error_setg_errno(errp, errno, "KVM_GET_SREGS");
        return false;
    }
    /* PVH entry: flat 32-bit protected mode, paging off. */
    data.selector = 0x18;
    data.type = 0x3;
    sregs.cs = code;
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
    sregs.cr0 = 0x11;           /* PE, ET */
    sregs.cr4 = 0;
    sregs.efer = 0;
    if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0 ||
        ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
        error_setg_errno(errp, errno, "setting the vCPU's entry state");
        return false;
    }

    /*
     * The kick signal stays blocked on the vCPU thread except inside
     * KVM_RUN, so a kick sent at any time ends the next or current run.
     */
    {
        /* The kernel's sigset is 8 bytes, glibc's larger. */
        g_autofree struct kvm_signal_mask *mask =
            g_malloc0(sizeof(*mask) + 8);
        sigset_t run_set;

        pthread_sigmask(SIG_BLOCK, NULL, &run_set);
        sigdelset(&run_set, VCPU_KICK_SIGNAL);
        mask->len = 8;
        memcpy(mask->sigset, &run_set, 8);
        if (ioctl(vm->vcpu_fd, KVM_SET_SIGNAL_MASK, mask) < 0) {
            error_setg_errno(errp, errno, "KVM_SET_SIGNAL_MASK");
            return false;
        }
    }
    sigemptyset(&set);
    sigaddset(&set, VCPU_KICK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    err = pthread_create(&vm->thread, NULL, vcpu_thread, vm);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        error_setg_errno(errp, err, "starting the vCPU thread");
        return false;
    }
    vm->thread_started = true;
    return true;
}

int kvm_vm_map_page(KvmVm *vm, unsigned idx, uint64_t gpa, void *host)
{
    struct kvm_userspace_memory_region slot = {
        .slot = 1 + idx,
        .guest_phys_addr = gpa,
        .memory_size = 0,
    };

    if (idx >= KVM_VM_EXTRA_SLOTS || (gpa & 0xfff)) {
        return -EINVAL;
    }
    if (gpa < vm->ram_size) {
        return -EEXIST;
    }
    /* A slot changes size only by going away first. */
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0 &&
        errno != EINVAL) {
        return -errno;
    }
    if (!host) {
        return 0;
    }
    slot.memory_size = 4096;
    slot.userspace_addr = (uintptr_t)host;
    return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0 ? -errno
                                                                  : 0;
}

int kvm_vm_inject_vector(KvmVm *vm, unsigned vcpu, uint8_t vector)
{
    /* Fixed delivery, physical destination @vcpu, edge. */
    struct kvm_msi msi = {
        .address_lo = 0xfee00000u | (vcpu & 0xff) << 12,
        .data = vector,
    };

    return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}

static int64_t monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int kvm_vm_read_tsc(KvmVm *vm, unsigned vcpu, KvmTscSample *s)
{
    g_autofree struct kvm_msrs *msrs =
        g_malloc0(sizeof(*msrs) + sizeof(msrs->entries[0]));
    int64_t before, after;
    int khz;

    if (vcpu != 0) {
        return -ENOENT;
    }
    khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
    if (khz <= 0) {
        return khz < 0 ? -errno : -ENODEV;
    }
    msrs->nmsrs = 1;
    msrs->entries[0].index = MSR_IA32_TSC;
    before = monotonic_ns();
    if (ioctl(vm->vcpu_fd, KVM_GET_MSRS, msrs) != 1) {
        return -EIO;
    }
    after = monotonic_ns();
    s->tsc = msrs->entries[0].data;
    s->mono_ns = before + (after - before) / 2;
    s->khz = (uint32_t)khz;
    return 0;
}

void kvm_vm_free(KvmVm *vm)
{
    if (!vm) {
        return;
    }
    if (vm->thread_started) {
        atomic_store(&vm->stop, true);
        g_mutex_lock(&vm->lock);
        g_cond_broadcast(&vm->done_cond);
        g_mutex_unlock(&vm->lock);
        pthread_kill(vm->thread, VCPU_KICK_SIGNAL);
        pthread_join(vm->thread, NULL);
    }
    if (vm->req_fd >= 0) {
        event_loop_set_fd_handler(vm->loop, vm->req_fd, NULL, NULL, NULL,
                                  NULL);
        close(vm->req_fd);
    }
    if (vm->run != MAP_FAILED) {
        munmap(vm->run, vm->run_size);
    }
    if (vm->vcpu_fd >= 0) {
        close(vm->vcpu_fd);
    }
    if (vm->vm_fd >= 0) {
        close(vm->vm_fd);
    }
    if (vm->kvm_fd >= 0) {
        close(vm->kvm_fd);
    }
    g_mutex_clear(&vm->lock);
    g_cond_clear(&vm->done_cond);
    g_free(vm);
}
