/*
 * kvm-probe: does this kernel's /dev/kvm give a VMM what qemu-xenpv's
 * KVM machine needs? TAP on stdout. The KVM rig (tests/kvm-rig) runs it
 * inside Debian's kernel booted under TCG, where KVM is nested; it runs
 * as well on any host with /dev/kvm.
 *
 * Checked: the device node, the API version, user-space MSR exits and
 * MSR filters (the Xen hypercall page is installed through a WRMSR that
 * must reach user space: Debian's kernels have no KVM_XEN), and a real
 * guest: a few real-mode instructions that write the hypercall MSR,
 * compute a byte, write it to an I/O port and halt, each exit checked.
 *
 * Built static and without sanitizers (meson.build says why).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define GUEST_MEM       0x10000
#define CODE_GPA        0x1000
/* Xen's hypercall MSR: the base CPUID leaf 0x40000002 names. */
#define XEN_MSR         0x40000000u
#define HCALL_PAGE_GPA  0x2000
#define IO_PORT         0x10
#define IO_VALUE        0x42
/* A bound on each KVM_RUN: a guest that never exits fails the check. */
#define RUN_SECONDS     60

/*
 * mov ecx, XEN_MSR; mov eax, HCALL_PAGE_GPA; xor edx, edx; wrmsr;
 * mov dx, IO_PORT; mov al, 0x40; add al, 2; out dx, al; hlt
 * (16-bit real mode; 0x66 makes an operand 32 bits wide). The add makes
 * the guest compute the value it writes, so the I/O exit proves the
 * instructions ran, not only that the vCPU reached the port.
 */
static const uint8_t guest_code[] = {
    0x66, 0xb9, 0x00, 0x00, 0x00, 0x40,
    0x66, 0xb8, 0x00, 0x20, 0x00, 0x00,
    0x66, 0x31, 0xd2,
    0x0f, 0x30,
    /* IO_START: where the guest starts when there is no MSR filter. */
    0xba, IO_PORT, 0x00,
    0xb0, 0x40,
    0x04, 0x02,
    0xee,
    0xf4,
};
#define IO_START        17

typedef struct Probe {
    int test_no;
    int failures;
} Probe;

static void ok(Probe *p, bool cond, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ok(Probe *p, bool cond, const char *fmt, ...)
{
    va_list ap;

    printf("%s %d - ", cond ? "ok" : "not ok", ++p->test_no);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    p->failures += !cond;
}

static void skip(Probe *p, const char *what, const char *why)
{
    printf("ok %d - %s # SKIP %s\n", ++p->test_no, what, why);
    fflush(stdout);
}

static void on_alarm(int sig)
{
    /* Only there to make KVM_RUN return EINTR. */
}

/* The guest's VM: fds, its memory, the shared kvm_run page. */
typedef struct Guest {
    int vm;
    int vcpu;
    uint8_t *mem;
    struct kvm_run *run;
    size_t run_size;
    bool msr_exits;
} Guest;

/*
 * Asks for WRMSR to XEN_MSR to exit to user space: the user-space MSR
 * capability with the filter reason, and a filter that denies writes to
 * that MSR alone.
 */
static int guest_filter_msr(Guest *g)
{
    struct kvm_enable_cap cap = {
        .cap = KVM_CAP_X86_USER_SPACE_MSR,
        .args[0] = KVM_MSR_EXIT_REASON_FILTER,
    };
    uint8_t deny = 0;
    struct kvm_msr_filter filter = {
        .flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
        .ranges[0] = {
            .flags = KVM_MSR_FILTER_WRITE,
            .nmsrs = 1,
            .base = XEN_MSR,
            .bitmap = &deny,
        },
    };

    if (ioctl(g->vm, KVM_ENABLE_CAP, &cap) < 0) {
        return -errno;
    }
    if (ioctl(g->vm, KVM_X86_SET_MSR_FILTER, &filter) < 0) {
        return -errno;
    }
    return 0;
}

/* Real mode at CODE_GPA (+IO_START without MSR exits), flat segments. */
static int guest_setup_vcpu(Guest *g)
{
    struct kvm_sregs sregs;
    struct kvm_regs regs = {
        .rip = CODE_GPA + (g->msr_exits ? 0 : IO_START),
        .rflags = 0x2,
    };

    if (ioctl(g->vcpu, KVM_GET_SREGS, &sregs) < 0) {
        return -errno;
    }
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(g->vcpu, KVM_SET_SREGS, &sregs) < 0 ||
        ioctl(g->vcpu, KVM_SET_REGS, &regs) < 0) {
        return -errno;
    }
    return 0;
}

static int guest_create(Guest *g, int kvm, bool want_msr_exits)
{
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = GUEST_MEM,
    };
    int size;

    g->vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (g->vm < 0) {
        return -errno;
    }
    g->mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (g->mem == MAP_FAILED) {
        g->mem = NULL;
        return -errno;
    }
    memcpy(g->mem + CODE_GPA, guest_code, sizeof(guest_code));
    region.userspace_addr = (uintptr_t)g->mem;
    if (ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        return -errno;
    }
    g->msr_exits = want_msr_exits && guest_filter_msr(g) == 0;
    g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0);
    if (g->vcpu < 0) {
        return -errno;
    }
    size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size < (int)sizeof(struct kvm_run)) {
        return size < 0 ? -errno : -EINVAL;
    }
    g->run_size = size;
    g->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                  g->vcpu, 0);
    if (g->run == MAP_FAILED) {
        g->run = NULL;
        return -errno;
    }
    return guest_setup_vcpu(g);
}

static void guest_destroy(Guest *g)
{
    if (g->run) {
        munmap(g->run, g->run_size);
    }
    if (g->vcpu >= 0) {
        close(g->vcpu);
    }
    if (g->mem) {
        munmap(g->mem, GUEST_MEM);
    }
    if (g->vm >= 0) {
        close(g->vm);
    }
}

/* One KVM_RUN, bounded by RUN_SECONDS: its exit reason, or -errno. */
static int guest_run(Guest *g)
{
    int r;

    alarm(RUN_SECONDS);
    r = ioctl(g->vcpu, KVM_RUN, 0);
    alarm(0);
    return r < 0 ? -errno : (int)g->run->exit_reason;
}

static void probe_guest(Probe *p, int kvm, bool want_msr_exits)
{
    Guest g = { .vm = -1, .vcpu = -1 };
    struct kvm_regs regs;
    int r;
    bool io_ok;

    r = guest_create(&g, kvm, want_msr_exits);
    ok(p, r == 0, "a VM with %d KiB of memory and one real-mode vCPU%s%s",
       GUEST_MEM / 1024, r ? ": " : "", r ? strerror(-r) : "");
    if (r) {
        guest_destroy(&g);
        return;
    }

    if (g.msr_exits) {
        r = guest_run(&g);
        ok(p, r == KVM_EXIT_X86_WRMSR &&
           g.run->msr.reason == KVM_MSR_EXIT_REASON_FILTER &&
           g.run->msr.index == XEN_MSR && g.run->msr.data == HCALL_PAGE_GPA,
           "WRMSR 0x%x exits to user space through the filter "
           "(exit %d, reason %u, msr 0x%x, data 0x%llx)", XEN_MSR, r,
           r == KVM_EXIT_X86_WRMSR ? g.run->msr.reason : 0,
           r == KVM_EXIT_X86_WRMSR ? g.run->msr.index : 0,
           r == KVM_EXIT_X86_WRMSR ? (unsigned long long)g.run->msr.data : 0);
        if (r != KVM_EXIT_X86_WRMSR) {
            guest_destroy(&g);
            return;
        }
        /* Accepted: no #GP, the guest goes on. */
        g.run->msr.error = 0;
    } else {
        skip(p, "WRMSR exits to user space through the filter",
             "no MSR filter on this VM");
    }

    r = guest_run(&g);
    io_ok = r == KVM_EXIT_IO &&
            g.run->io.direction == KVM_EXIT_IO_OUT &&
            g.run->io.port == IO_PORT && g.run->io.size == 1 &&
            g.run->io.count == 1 &&
            g.run->io.data_offset + 1 <= g.run_size &&
            ((uint8_t *)g.run)[g.run->io.data_offset] == IO_VALUE;
    ok(p, io_ok, "OUT to port 0x%x exits with the value the guest computed "
       "(exit %d, expected %d with 0x%x)", IO_PORT, r, KVM_EXIT_IO,
       IO_VALUE);
    if (r != KVM_EXIT_IO) {
        guest_destroy(&g);
        return;
    }

    r = guest_run(&g);
    ok(p, r == KVM_EXIT_HLT, "HLT exits (exit %d, expected %d)", r,
       KVM_EXIT_HLT);
    if (r == KVM_EXIT_HLT) {
        r = ioctl(g.vcpu, KVM_GET_REGS, &regs) < 0 ? -errno : 0;
        ok(p, r == 0 && regs.rip == CODE_GPA + sizeof(guest_code) &&
           (regs.rax & 0xff) == IO_VALUE,
           "after HLT the vCPU is past it with al 0x%x (rip 0x%llx, "
           "al 0x%llx)", IO_VALUE, (unsigned long long)regs.rip,
           (unsigned long long)(regs.rax & 0xff));
    }
    guest_destroy(&g);
}

int main(int argc, char **argv)
{
    const char *dev = argc > 1 ? argv[1] : "/dev/kvm";
    Probe p = { 0 };
    struct sigaction sa = { .sa_handler = on_alarm };
    struct stat st;
    int kvm, r;
    bool has_filter;

    printf("TAP version 13\n");
    /* No SA_RESTART: the alarm must interrupt KVM_RUN. */
    sigaction(SIGALRM, &sa, NULL);

    r = stat(dev, &st);
    ok(&p, r == 0 && S_ISCHR(st.st_mode) &&
       major(st.st_rdev) == 10 && minor(st.st_rdev) == 232,
       "%s is the KVM character device 10:232", dev);
    kvm = open(dev, O_RDWR | O_CLOEXEC);
    ok(&p, kvm >= 0, "%s opens read-write%s%s", dev, kvm < 0 ? ": " : "",
       kvm < 0 ? strerror(errno) : "");
    if (kvm < 0) {
        printf("1..%d\n", p.test_no);
        return 1;
    }

    r = ioctl(kvm, KVM_GET_API_VERSION, 0);
    ok(&p, r == KVM_API_VERSION, "KVM_GET_API_VERSION is %d (got %d)",
       KVM_API_VERSION, r);
    r = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR);
    ok(&p, r > 0, "KVM_CAP_X86_USER_SPACE_MSR (got %d)", r);
    r = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER);
    has_filter = r > 0;
    ok(&p, has_filter, "KVM_CAP_X86_MSR_FILTER (got %d)", r);
    /* For the record: what a VMM of ours may rely on, and what not. */
    printf("# KVM_CAP_XEN_HVM %d (0: no in-kernel Xen support)\n",
           ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_XEN_HVM));
    printf("# KVM_CAP_SPLIT_IRQCHIP %d, KVM_CAP_IRQCHIP %d, "
           "KVM_CAP_MAX_VCPUS %d\n",
           ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP),
           ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP),
           ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS));

    probe_guest(&p, kvm, has_filter);
    close(kvm);

    printf("1..%d\n", p.test_no);
    return p.failures ? 1 : 0;
}
