/*
 * A KVM virtual machine for Xenner on KVM: the VMM half, apart from the
 * Xen ABI. It owns /dev/kvm's VM and vCPUs, maps guest RAM (Xenner's memfd
 * guest memory) as one memory slot, answers CPUID with the host's
 * supported leaves plus Xen's at 0x40000000, traps the hypercall-page MSR
 * to userspace, and enters the guest at a PVH entry point.
 *
 * Threads: each vCPU runs on a thread of its own. Everything that touches
 * the machine's state (hypercalls, emulated ports) is handed to the event
 * loop's thread and waited for, one request per vCPU at a time, so the
 * handlers need no locks and run as every other callback of the process
 * does.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_KVM_KVM_VM_H
#define HW_KVM_KVM_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"
#include "util/event-loop.h"

typedef struct KvmVm KvmVm;

/*
 * The I/O port the hypercall page's stubs write to: an OUT exits to
 * userspace with the guest's registers intact, which a VMCALL does not
 * (without CONFIG_KVM_XEN, KVM answers VMCALL itself with -KVM_ENOSYS).
 * 0xe2 is unused on a PC (0xe9 is the Bochs debug port).
 */
#define KVM_VM_HCALL_PORT 0xe2
/*
 * The 3-byte instruction that traps a hypercall to us: OUT %al to our
 * port, then a NOP: the size of VMCALL and VMMCALL, which it replaces
 * in Linux's stubs (pvh_image_find_xen_stubs()).
 */
#define KVM_VM_HCALL_INSN { 0xe6, KVM_VM_HCALL_PORT, 0x90 }
/* Xen's hypercall-page MSR (CPUID 0x40000002 EBX). */
#define KVM_VM_HCALL_MSR 0x40000000u
/* The version Xen's CPUID leaf 0x40000001 reports: 4.17, as Debian's. */
#define KVM_VM_XEN_MAJOR 4
#define KVM_VM_XEN_MINOR 17

/*
 * The most vCPUs a VM has: the guest's MADT lists each (pvh_acpi.h), and
 * Xen's shared_info has a vcpu_info for each of its first 32.
 */
#define KVM_VM_MAX_VCPUS 16

/* A hypercall as the guest made it; the handler sets @ret (%rax). */
typedef struct KvmHypercall {
    unsigned vcpu;          /* the calling vCPU: its index, APIC id, Xen id */
    bool kernel;            /* made at CPL 0 */
    uint64_t nr;            /* %rax */
    uint64_t args[5];       /* %rdi, %rsi, %rdx, %r10, %r8 */
    uint64_t ret;
    /* How the guest translates its addresses, to read its pointers. */
    uint64_t cr0, cr3, cr4, efer;
} KvmHypercall;

typedef enum KvmVmAction {
    KVM_VM_CONTINUE,
    KVM_VM_STOP,            /* the vCPU stops: the machine is done */
} KvmVmAction;

/* The machine's side; every callback runs on the event loop's thread. */
typedef struct KvmVmOps {
    KvmVmAction (*hypercall)(void *opaque, KvmHypercall *hc);
    /* Byte writes to the 16550 UART at 0x3f8 (earlycon, console=ttyS0). */
    void (*serial_out)(void *opaque, uint8_t byte);
    /*
     * Any other single OUT of 1, 2 or 4 bytes (@value in host order, as
     * the guest's little-endian bytes): the machine's ports (ACPI's).
     * NULL for none.
     */
    KvmVmAction (*port_out)(void *opaque, uint16_t port, unsigned size,
                            uint32_t value);
    /* Any other single IN of 1, 2 or 4 bytes: its value; NULL: all ones. */
    uint32_t (*port_in)(void *opaque, uint16_t port, unsigned size);
    /* The vCPU stopped on its own: a triple fault, an internal error. */
    void (*failed)(void *opaque, const char *why);
} KvmVmOps;

/* Whether this host has a usable /dev/kvm; the reason when not. */
bool kvm_vm_available(Error **errp);

/*
 * A VM over @ram_size bytes of guest RAM at @ram (from address 0),
 * with @domid in Xen's CPUID leaf 4, and @nr_vcpus vCPUs (1 to
 * KVM_VM_MAX_VCPUS, and no more than the host's KVM takes): vCPU i has
 * APIC id i and Xen vCPU id i.
 */
KvmVm *kvm_vm_new(EventLoop *loop, void *ram, uint64_t ram_size,
                  uint16_t domid, unsigned nr_vcpus, const KvmVmOps *ops,
                  void *opaque, Error **errp);
/* Stops every vCPU thread (waiting for each to end) and frees the VM. */
void kvm_vm_free(KvmVm *vm);

/*
 * Maps the page at @host (inside the guest memory the VM was made with,
 * or any other of this process) at guest physical @gpa, as extra slot
 * @idx (0 .. KVM_VM_EXTRA_SLOTS - 1), replacing that slot's previous
 * page; @host NULL removes it. -EEXIST when @gpa lies in RAM, -errno.
 * Any thread.
 */
#define KVM_VM_EXTRA_SLOTS 64
int kvm_vm_map_page(KvmVm *vm, unsigned idx, uint64_t gpa, void *host);

/*
 * Starts vCPU 0 at @entry in 32-bit protected mode, %ebx = @ebx, and the
 * threads of the others, which wait in their local APIC for the guest's
 * INIT and SIPI (KVM's in-kernel LAPIC brings them up).
 */
bool kvm_vm_start(KvmVm *vm, uint32_t entry, uint32_t ebx, Error **errp);

/*
 * VCPUOP_down and _up: a vCPU taken down leaves KVM_RUN (kicked) and its
 * thread waits until it is brought up again or the VM is freed; what
 * KVM holds for it (registers, pending interrupts) stays. Any thread.
 * -ENOENT for a vCPU the VM does not have.
 */
int kvm_vm_set_vcpu_down(KvmVm *vm, unsigned vcpu, bool down);

/* The guest's TSC read at a moment of the host's monotonic clock. */
typedef struct KvmTscSample {
    uint64_t tsc;
    int64_t mono_ns;            /* CLOCK_MONOTONIC, in the middle of the read */
    uint32_t khz;               /* the vCPU's TSC rate, as KVM runs it */
} KvmTscSample;

/*
 * Reads vCPU @vcpu's TSC. Only while that vCPU waits on an exit the event
 * loop's thread serves (a hypercall): otherwise its ioctls would wait for
 * KVM_RUN to return. -errno.
 */
int kvm_vm_read_tsc(KvmVm *vm, unsigned vcpu, KvmTscSample *s);

/*
 * Raises @vector at the local APIC of vCPU @vcpu, as an edge-triggered
 * fixed MSI to its APIC id: the callback-vector upcall. Any thread;
 * -EINVAL for no such vCPU, -errno on failure.
 */
int kvm_vm_inject_vector(KvmVm *vm, unsigned vcpu, uint8_t vector);

#endif /* HW_KVM_KVM_VM_H */
