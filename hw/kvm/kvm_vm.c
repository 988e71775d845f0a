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

/*
 * One vCPU: its KVM fd, its thread, and the request it hands to the
 * loop's thread, one at a time (it waits for the answer).
 */
typedef struct KvmVcpu {
    KvmVm *vm;
    unsigned index;             /* KVM's vCPU id, its APIC id, Xen's id */
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool thread_started;

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
    /* VCPUOP_down: the thread waits on up_cond, under lock. */
    bool down;
    GCond up_cond;
    int tsc_khz;                /* KVM_GET_TSC_KHZ's, once read; 0 before */
} KvmVcpu;

struct KvmVm {
    EventLoop *loop;
    const KvmVmOps *ops;
    void *opaque;
    int kvm_fd;
    int vm_fd;
    size_t run_size;
    uint8_t *ram;
    uint64_t ram_size;
    uint16_t domid;
    /* Written by any vCPU's thread: __atomic accesses only. */
    uint8_t uart_lcr;
    bool hw_paging;             /* EPT or NPT: see host_has_hw_paging() */
    atomic_bool stop;           /* every vCPU thread ends */
    unsigned nr_vcpus;
    KvmVcpu *vcpus;
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
static bool setup_cpuid(KvmVcpu *cpu, Error **errp)
{
    KvmVm *vm = cpu->vm;
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
        /*
         * The vCPU's APIC id wherever CPUID tells it, as KVM's LAPIC has
         * it (the vCPU's index): Linux matches it against the MADT.
         */
        switch (e->function) {
        case 1:
            e->ebx = (e->ebx & 0x00ffffffu) | cpu->index << 24;
            if (!vm->hw_paging) {
                e->ecx &= ~CPUID_1_ECX_CX16;
            }
            break;
        case 0xb:
        case 0x1f:
            e->edx = cpu->index;        /* the x2APIC id */
            break;
        case 0x8000001e:
            e->eax = cpu->index;        /* AMD's extended APIC id */
            break;
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
     * xen_hcall_evtchn.c's raise_word(). The Xen vCPU id is the vCPU's
     * index, which is also its MADT processor UID (Linux takes a
     * secondary CPU's Xen id from there).
     */
    e[6] = (struct kvm_cpuid_entry2){
        .function = XEN_CPUID_BASE + 4,
        .eax = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
               XEN_HVM_CPUID_UPCALL_VECTOR,
        .ebx = cpu->index, .ecx = vm->domid };
    cpuid->nent = n + XEN_CPUID_LEAVES + 2;
    if (ioctl(cpu->fd, KVM_SET_CPUID2, cpuid) < 0) {
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
    KvmVcpu *cpu = opaque;
    KvmVm *vm = cpu->vm;
    uint64_t v;

    if (read(cpu->req_fd, &v, sizeof(v)) != sizeof(v)) {
        return;
    }
    g_mutex_lock(&cpu->lock);
    VcpuRequestKind req = cpu->req;
    g_mutex_unlock(&cpu->lock);

    /* The vCPU thread waits and touches nothing meanwhile. */
    cpu->action = KVM_VM_CONTINUE;
    switch (req) {
    case REQ_HYPERCALL:
        cpu->action = vm->ops->hypercall(vm->opaque, &cpu->hc);
        break;
    case REQ_SERIAL:
        if (vm->ops->serial_out) {
            vm->ops->serial_out(vm->opaque, cpu->serial_byte);
        }
        break;
    case REQ_PORT_OUT:
        cpu->action = vm->ops->port_out(vm->opaque, cpu->port,
                                        cpu->port_size, cpu->port_value);
        break;
    case REQ_PORT_IN:
        cpu->port_value = vm->ops->port_in(vm->opaque, cpu->port,
                                           cpu->port_size);
        break;
    case REQ_FAILED:
        vm->ops->failed(vm->opaque, cpu->failed_why);
        cpu->action = KVM_VM_STOP;
        break;
    case REQ_NONE:
        return;
    }
    g_mutex_lock(&cpu->lock);
    cpu->req = REQ_NONE;
    cpu->req_done = true;
    g_cond_signal(&cpu->done_cond);
    g_mutex_unlock(&cpu->lock);
}

/* On the vCPU thread: hands @kind to the loop and waits for its answer. */
static KvmVmAction vcpu_request(KvmVcpu *cpu, VcpuRequestKind kind)
{
    KvmVm *vm = cpu->vm;
    uint64_t one = 1;

    g_mutex_lock(&cpu->lock);
    cpu->req = kind;
    cpu->req_done = false;
    g_mutex_unlock(&cpu->lock);
    if (write(cpu->req_fd, &one, sizeof(one)) != sizeof(one)) {
        return KVM_VM_STOP;
    }
    g_mutex_lock(&cpu->lock);
    while (!cpu->req_done && !atomic_load(&vm->stop)) {
        g_cond_wait(&cpu->done_cond, &cpu->lock);
    }
    g_mutex_unlock(&cpu->lock);
    return atomic_load(&vm->stop) ? KVM_VM_STOP : cpu->action;
}

static void vcpu_fail(KvmVcpu *cpu, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void vcpu_fail(KvmVcpu *cpu, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cpu->failed_why, sizeof(cpu->failed_why), fmt, ap);
    va_end(ap);
    vcpu_request(cpu, REQ_FAILED);
}

/*
 * Fills the guest's hypercall page: stub i, at 32 * i, loads i into
 * %eax and writes it to our port, then returns. The guest's argument
 * registers are untouched; the OUT exits to us, and %rax on return is
 * the result we set.
 */
static void write_hypercall_page(KvmVcpu *cpu, uint64_t gpa)
{
    uint8_t *page = cpu->vm->ram + gpa;

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

static void handle_wrmsr(KvmVcpu *cpu)
{
    uint64_t gpa = cpu->run->msr.data & ~0xfffull;

    cpu->run->msr.error = 0;
    if (cpu->run->msr.index != KVM_VM_HCALL_MSR ||
        (cpu->run->msr.data & 0xfff) || gpa >= cpu->vm->ram_size) {
        /* A #GP, as Xen gives for a page index other than 0. */
        cpu->run->msr.error = 1;
        return;
    }
    write_hypercall_page(cpu, gpa);
}

static KvmVmAction handle_hypercall(KvmVcpu *cpu)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    KvmHypercall *hc = &cpu->hc;

    if (ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0 ||
        ioctl(cpu->fd, KVM_GET_SREGS, &sregs) < 0) {
        vcpu_fail(cpu, "reading the vCPU's registers: %s", g_strerror(errno));
        return KVM_VM_STOP;
    }
    memset(hc, 0, sizeof(*hc));
    hc->vcpu = cpu->index;
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
    if (vcpu_request(cpu, REQ_HYPERCALL) == KVM_VM_STOP) {
        return KVM_VM_STOP;
    }
    regs.rax = sregs.cs.l ? hc->ret : (uint32_t)hc->ret;
    if (ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0) {
        vcpu_fail(cpu, "writing the vCPU's registers: %s", g_strerror(errno));
        return KVM_VM_STOP;
    }
    return KVM_VM_CONTINUE;
}

/* Ports: the hypercall port, a write-only COM1; the rest reads as open bus. */
static KvmVmAction handle_io(KvmVcpu *cpu)
{
    KvmVm *vm = cpu->vm;
    struct kvm_run *run = cpu->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    uint16_t port = run->io.port;

    if (run->io.direction == KVM_EXIT_IO_OUT) {
        if (port == KVM_VM_HCALL_PORT && run->io.size == 1 &&
            run->io.count == 1) {
            return handle_hypercall(cpu);
        }
        if (port == COM1 + 3) {
            __atomic_store_n(&vm->uart_lcr, data[0], __ATOMIC_RELAXED);
        } else if (port == COM1 &&
                   !(__atomic_load_n(&vm->uart_lcr, __ATOMIC_RELAXED) & 0x80)) {
            for (uint32_t i = 0; i < run->io.count; i++) {
                cpu->serial_byte = data[i * run->io.size];
                if (vcpu_request(cpu, REQ_SERIAL) == KVM_VM_STOP) {
                    return KVM_VM_STOP;
                }
            }
        } else if ((port < COM1 || port >= COM1 + 8) && vm->ops->port_out &&
                   run->io.count == 1 && (run->io.size == 1 ||
                   run->io.size == 2 || run->io.size == 4)) {
            /* Copied once here; the machine checks the value. */
            uint32_t v = 0;

            memcpy(&v, data, run->io.size);
            cpu->port = port;
            cpu->port_size = run->io.size;
            cpu->port_value = v;
            return vcpu_request(cpu, REQ_PORT_OUT);
        }
        return KVM_VM_CONTINUE;
    }
    memset(data, 0xff, (size_t)run->io.size * run->io.count);
    if ((port < COM1 || port >= COM1 + 8) && vm->ops->port_in &&
        run->io.count == 1 && (run->io.size == 1 || run->io.size == 2 ||
        run->io.size == 4)) {
        cpu->port = port;
        cpu->port_size = run->io.size;
        if (vcpu_request(cpu, REQ_PORT_IN) == KVM_VM_STOP) {
            return KVM_VM_STOP;
        }
        memcpy(data, &cpu->port_value, run->io.size);
    } else if (port == COM1 + 5) {
        memset(data, UART_LSR_IDLE, (size_t)run->io.size * run->io.count);
    } else if (port == COM1 + 3) {
        data[0] = __atomic_load_n(&vm->uart_lcr, __ATOMIC_RELAXED);
    } else if (port >= COM1 && port < COM1 + 8) {
        memset(data, 0, (size_t)run->io.size * run->io.count);
    }
    return KVM_VM_CONTINUE;
}

/* Waits while the vCPU is down; false once the VM stops. */
static bool vcpu_wait_up(KvmVcpu *cpu)
{
    bool stop;

    g_mutex_lock(&cpu->lock);
    while (cpu->down && !atomic_load(&cpu->vm->stop)) {
        g_cond_wait(&cpu->up_cond, &cpu->lock);
    }
    stop = atomic_load(&cpu->vm->stop);
    g_mutex_unlock(&cpu->lock);
    return !stop;
}

int kvm_vm_set_vcpu_down(KvmVm *vm, unsigned vcpu, bool down)
{
    KvmVcpu *cpu;

    if (vcpu >= vm->nr_vcpus) {
        return -ENOENT;
    }
    cpu = &vm->vcpus[vcpu];
    g_mutex_lock(&cpu->lock);
    cpu->down = down;
    g_cond_broadcast(&cpu->up_cond);
    g_mutex_unlock(&cpu->lock);
    /*
     * Out of KVM_RUN now, or at its next entry: the kick stays pending
     * while the thread is elsewhere (it may be the caller, in this very
     * hypercall), and it checks down before it runs again.
     */
    if (down && cpu->thread_started) {
        pthread_kill(cpu->thread, VCPU_KICK_SIGNAL);
    }
    return 0;
}

static void *vcpu_thread(void *opaque)
{
    KvmVcpu *cpu = opaque;
    KvmVm *vm = cpu->vm;
    struct kvm_run *run = cpu->run;

    while (!atomic_load(&vm->stop)) {
        KvmVmAction act = KVM_VM_CONTINUE;

        if (!vcpu_wait_up(cpu)) {
            break;
        }
        if (ioctl(cpu->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            vcpu_fail(cpu, "KVM_RUN: %s", g_strerror(errno));
            break;
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            act = handle_io(cpu);
            break;
        case KVM_EXIT_MMIO:
            /* Nothing of ours lives there: reads see open bus. */
            if (!run->mmio.is_write) {
                memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
            }
            break;
        case KVM_EXIT_X86_WRMSR:
            handle_wrmsr(cpu);
            break;
        case KVM_EXIT_X86_RDMSR:
            run->msr.error = 1;
            break;
        case KVM_EXIT_INTR:
            break;
        case KVM_EXIT_SHUTDOWN:
            vcpu_fail(cpu, "the guest triple-faulted");
            act = KVM_VM_STOP;
            break;
        case KVM_EXIT_HLT:
            vcpu_fail(cpu, "the guest halted with interrupts off");
            act = KVM_VM_STOP;
            break;
        case KVM_EXIT_FAIL_ENTRY:
            vcpu_fail(cpu, "KVM could not enter the guest (reason 0x%llx)",
                      (unsigned long long)
                      run->fail_entry.hardware_entry_failure_reason);
            act = KVM_VM_STOP;
            break;
        case KVM_EXIT_INTERNAL_ERROR: {
            struct kvm_regs r = { 0 };

            ioctl(cpu->fd, KVM_GET_REGS, &r);
            vcpu_fail(cpu, "KVM internal error %u at rip 0x%llx",
                      run->internal.suberror, (unsigned long long)r.rip);
        }
            act = KVM_VM_STOP;
            break;
        default:
            vcpu_fail(cpu, "unexpected KVM exit %u", run->exit_reason);
            act = KVM_VM_STOP;
            break;
        }
        if (act == KVM_VM_STOP) {
            break;
        }
    }
    return NULL;
}

/* vCPU @index: its KVM fd, run area, CPUID and request channel. */
static bool vcpu_create(KvmVm *vm, unsigned index, Error **errp)
{
    KvmVcpu *cpu = &vm->vcpus[index];

    cpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
    if (cpu->fd < 0) {
        error_setg_errno(errp, errno, "KVM_CREATE_VCPU %u", index);
        return false;
    }
    cpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                    cpu->fd, 0);
    if (cpu->run == MAP_FAILED) {
        error_setg_errno(errp, errno, "mapping vCPU %u's run area", index);
        return false;
    }
    if (!setup_cpuid(cpu, errp)) {
        return false;
    }
    cpu->req_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (cpu->req_fd < 0) {
        error_setg_errno(errp, errno, "eventfd");
        return false;
    }
    if (!event_loop_set_fd_handler(vm->loop, cpu->req_fd, req_ready, NULL,
                                   cpu, errp)) {
        close(cpu->req_fd);
        cpu->req_fd = -1;
        return false;
    }
    return true;
}

KvmVm *kvm_vm_new(EventLoop *loop, void *ram, uint64_t ram_size,
                  uint16_t domid, unsigned nr_vcpus, const KvmVmOps *ops,
                  void *opaque, Error **errp)
{
    KvmVm *vm;
    struct kvm_userspace_memory_region slot = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = ram_size,
        .userspace_addr = (uintptr_t)ram,
    };
    struct kvm_pit_config pit = { .flags = 0 };
    struct sigaction sa = { .sa_handler = kick_handler };
    int n;

    if (nr_vcpus < 1 || nr_vcpus > KVM_VM_MAX_VCPUS) {
        error_setg(errp, "%u vCPUs: 1 to %u", nr_vcpus, KVM_VM_MAX_VCPUS);
        return NULL;
    }
    vm = g_new0(KvmVm, 1);
    vm->loop = loop;
    vm->ops = ops;
    vm->opaque = opaque;
    vm->ram = ram;
    vm->ram_size = ram_size;
    vm->domid = domid;
    vm->hw_paging = host_has_hw_paging();
    vm->kvm_fd = vm->vm_fd = -1;
    vm->nr_vcpus = nr_vcpus;
    vm->vcpus = g_new0(KvmVcpu, nr_vcpus);
    for (unsigned i = 0; i < nr_vcpus; i++) {
        KvmVcpu *cpu = &vm->vcpus[i];

        cpu->vm = vm;
        cpu->index = i;
        cpu->fd = cpu->req_fd = -1;
        cpu->run = MAP_FAILED;
        g_mutex_init(&cpu->lock);
        g_cond_init(&cpu->done_cond);
        g_cond_init(&cpu->up_cond);
    }

    if (!kvm_vm_available(errp)) {
        goto fail;
    }
    vm->kvm_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0) {
        error_setg_errno(errp, errno, "opening " KVM_DEV);
        goto fail;
    }
    n = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    if (n > 0 && nr_vcpus > (unsigned)n) {
        error_setg(errp, "%u vCPUs: this host's KVM takes at most %d",
                   nr_vcpus, n);
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
    n = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (n < (int)sizeof(struct kvm_run)) {
        error_setg_errno(errp, errno, "KVM_GET_VCPU_MMAP_SIZE");
        goto fail;
    }
    vm->run_size = n;
    /*
     * vCPU 0 is KVM's boot CPU; with KVM's irqchip the others wait in
     * their local APIC for INIT and SIPI, which the guest sends.
     */
    for (unsigned i = 0; i < nr_vcpus; i++) {
        if (!vcpu_create(vm, i, errp)) {
            goto fail;
        }
    }
    /* No SA_RESTART: the kick must end KVM_RUN with EINTR. */
    sigemptyset(&sa.sa_mask);
    sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
    return vm;

fail:
    kvm_vm_free(vm);
    return NULL;
}

/*
 * The kick signal stays blocked on a vCPU thread except inside KVM_RUN,
 * so a kick sent at any time ends the next or current run.
 */
static bool vcpu_start(KvmVcpu *cpu, Error **errp)
{
    /* The kernel's sigset is 8 bytes, glibc's larger. */
    g_autofree struct kvm_signal_mask *mask = g_malloc0(sizeof(*mask) + 8);
    sigset_t run_set, set, old;
    int err;

    pthread_sigmask(SIG_BLOCK, NULL, &run_set);
    sigdelset(&run_set, VCPU_KICK_SIGNAL);
    mask->len = 8;
    memcpy(mask->sigset, &run_set, 8);
    if (ioctl(cpu->fd, KVM_SET_SIGNAL_MASK, mask) < 0) {
        error_setg_errno(errp, errno, "KVM_SET_SIGNAL_MASK");
        return false;
    }
    sigemptyset(&set);
    sigaddset(&set, VCPU_KICK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    err = pthread_create(&cpu->thread, NULL, vcpu_thread, cpu);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        error_setg_errno(errp, err, "starting vCPU %u's thread", cpu->index);
        return false;
    }
    cpu->thread_started = true;
    return true;
}

bool kvm_vm_start(KvmVm *vm, uint32_t entry, uint32_t ebx, Error **errp)
{
    KvmVcpu *bsp = &vm->vcpus[0];
    struct kvm_sregs sregs;
    struct kvm_regs regs = { .rip = entry, .rbx = ebx, .rflags = 0x2 };
    struct kvm_segment code = {
        .base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 0xb,
        .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
    };
    struct kvm_segment data = code;

    if (ioctl(bsp->fd, KVM_GET_SREGS, &sregs) < 0) {
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
    if (ioctl(bsp->fd, KVM_SET_SREGS, &sregs) < 0 ||
        ioctl(bsp->fd, KVM_SET_REGS, &regs) < 0) {
        error_setg_errno(errp, errno, "setting the vCPU's entry state");
        return false;
    }
    /* The others start from their reset state when the guest's SIPI comes. */
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        if (!vcpu_start(&vm->vcpus[i], errp)) {
            return false;
        }
    }
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
    /* Fixed delivery, physical destination @vcpu's APIC id, edge. */
    struct kvm_msi msi = {
        .address_lo = 0xfee00000u | (vcpu & 0xff) << 12,
        .data = vector,
    };

    if (vcpu >= vm->nr_vcpus) {
        return -EINVAL;
    }
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
    int khz, fd;

    if (vcpu >= vm->nr_vcpus) {
        return -ENOENT;
    }
    fd = vm->vcpus[vcpu].fd;
    /* Fixed for the vCPU's life: asked once, not at every timer set. */
    khz = vm->vcpus[vcpu].tsc_khz;
    if (!khz) {
        khz = ioctl(fd, KVM_GET_TSC_KHZ, 0);
        if (khz <= 0) {
            return khz < 0 ? -errno : -ENODEV;
        }
        vm->vcpus[vcpu].tsc_khz = khz;
    }
    msrs->nmsrs = 1;
    msrs->entries[0].index = MSR_IA32_TSC;
    before = monotonic_ns();
    if (ioctl(fd, KVM_GET_MSRS, msrs) != 1) {
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
    /* Every thread told first, then each woken and waited for. */
    atomic_store(&vm->stop, true);
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        KvmVcpu *cpu = &vm->vcpus[i];

        if (cpu->thread_started) {
            g_mutex_lock(&cpu->lock);
            g_cond_broadcast(&cpu->done_cond);
            g_cond_broadcast(&cpu->up_cond);
            g_mutex_unlock(&cpu->lock);
            pthread_kill(cpu->thread, VCPU_KICK_SIGNAL);
        }
    }
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        KvmVcpu *cpu = &vm->vcpus[i];

        if (cpu->thread_started) {
            pthread_join(cpu->thread, NULL);
        }
        if (cpu->req_fd >= 0) {
            event_loop_set_fd_handler(vm->loop, cpu->req_fd, NULL, NULL,
                                      NULL, NULL);
            close(cpu->req_fd);
        }
        if (cpu->run != MAP_FAILED) {
            munmap(cpu->run, vm->run_size);
        }
        if (cpu->fd >= 0) {
            close(cpu->fd);
        }
        g_mutex_clear(&cpu->lock);
        g_cond_clear(&cpu->done_cond);
        g_cond_clear(&cpu->up_cond);
    }
    if (vm->vm_fd >= 0) {
        close(vm->vm_fd);
    }
    if (vm->kvm_fd >= 0) {
        close(vm->kvm_fd);
    }
    g_free(vm->vcpus);
    g_free(vm);
}
