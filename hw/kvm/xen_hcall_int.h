/*
 * Internals shared by the hypercall dispatcher and the families.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_KVM_XEN_HCALL_INT_H
#define HW_KVM_XEN_HCALL_INT_H

/* The hypercall numbers and structures of today's ABI, not the compat ones. */
#define __XEN_INTERFACE_VERSION__ 0x00040e00

#include <errno.h>
#include <stdint.h>
#include <glib.h>
#include <xen/xen.h>
#include <xen/hvm/params.h>

#include <xen/event_channel.h>

#include "hw/kvm/xen_hcall.h"
#include "xenner/evtchn.h"
#include "xenner/gnttab.h"
#include "xenner/guest_mem.h"

#define XEN_HCALL_PAGE 4096u
/* How many distinct unknown calls and sub-ops are logged, at most. */
#define XEN_HCALL_MAX_LOGGED 64
/* The most one call copies to or from the guest in one piece. */
#define XEN_HCALL_MAX_COPY (64u << 10)

/* What Xen keeps per vCPU of the guest. */
typedef struct XenHcallVcpu {
    XenHcall *h;
    unsigned index;
    uint64_t vcpu_info_gpa;         /* or UINT64_MAX: shared_info's slot */
    /*
     * The event upcall's vector from HVMOP_set_evtchn_upcall_vector,
     * which the guest acknowledges with an EOI at its local APIC; it
     * wins over the global one from HVM_PARAM_CALLBACK_IRQ, which it
     * does not (xen_hcall_evtchn.c). 0: none.
     */
    uint8_t upcall_vector;
    EventLoopTimer *singleshot;     /* VCPUOP_set_singleshot_timer's */
    EventLoopTimer *periodic;       /* VCPUOP_set_periodic_timer's */
    uint32_t virq_port[NR_VIRQS];   /* per-vCPU VIRQs; 0: not bound */
    uint64_t time_area_gva;         /* a vcpu_time_info's, or 0 */
    bool down;                      /* VCPUOP_down, until VCPUOP_up */
} XenHcallVcpu;

struct XenHcall {
    uint8_t *ram;
    uint64_t ram_size;
    uint16_t domid;
    const XenHcallHostOps *ops;
    void *opaque;
    /* Hypercall numbers and sub-ops already logged as unknown. */
    GHashTable *logged;

    uint64_t params[HVM_NR_PARAMS];
    uint64_t shared_info_gfn;       /* or UINT64_MAX before it is placed */
    uint8_t callback_vector;        /* HVM_PARAM_CALLBACK_IRQ's; 0: none */
    bool shut_down;

    XennerEvtchn *evtchn;           /* the machine's; the guest is @domid */
    EventLoop *loop;                /* or NULL */
    int64_t start_us;               /* system time 0, monotonic clock */
    unsigned grant_frames;          /* 0: no grant table */
    /* RAM's frames (NULL: no ballooning) and the guest's grant table. */
    XennerMem *mem;
    XennerGnttab *gnttab;
    unsigned nr_vcpus;
    XenHcallVcpu *vcpus;            /* [nr_vcpus] */
    /*
     * Xen's time (xen_hcall_time.c): system time tsc_ref_ns was the
     * guest's TSC tsc_ref, which runs at tsc_khz (0: no reference yet).
     */
    uint64_t tsc_ref;
    uint64_t tsc_ref_ns;
    uint32_t tsc_khz;
    uint32_t tsc_mul;
    int8_t tsc_shift;
    bool runstate_update_flag;      /* VMASST_TYPE_runstate_update_flag */
    /* Ports Xenner keeps as unbound to ourselves, which we route. */
    GHashTable *local_ports;        /* port -> LOCAL_VIRQ / LOCAL_IPI */
    /*
     * Each port's vCPU, whose vcpu_info and local APIC its events go to
     * (EVTCHNOP_bind_vcpu, bind_virq, bind_ipi); 0 for a fresh port.
     */
    uint8_t port_vcpu[XENNER_EVTCHN_NR_PORTS_DEFAULT];
};

#define LOCAL_VIRQ 1
#define LOCAL_IPI 2

/*
 * One call in flight: the guest's translation state and arguments, and
 * the calling vCPU (hc->vcpu, checked against nr_vcpus by the dispatcher).
 */
typedef struct XenHcallCall {
    XenHcall *h;
    KvmHypercall *hc;
    XenHcallVcpu *vcpu;
} XenHcallCall;

/*
 * The checked accessors: @gva is a guest virtual address, translated
 * through the guest's page tables (4-level long mode, or none with
 * paging off); @len at most XEN_HCALL_MAX_COPY. 0 or -EFAULT.
 */
int xen_hcall_read(XenHcallCall *c, void *dst, uint64_t gva, size_t len);
int xen_hcall_write(XenHcallCall *c, uint64_t gva, const void *src,
                    size_t len);
/* A guest physical range inside RAM: its address here, or NULL. */
void *xen_hcall_gpa(XenHcall *h, uint64_t gpa, uint64_t len);
/* Whether @domid names the calling domain. */
static inline bool xen_hcall_is_self(XenHcall *h, domid_t domid)
{
    return domid == DOMID_SELF || domid == h->domid;
}
/*
 * A frame of the guest's RAM it may read and write through a copy
 * (GNTTABOP_copy's GMFNs): its address here, or NULL outside RAM or
 * when the guest released it.
 */
void *xen_hcall_ram_frame(XenHcall *h, uint64_t gfn);
/* memory_op's decrease_reservation and populate_physmap. */
int64_t xen_hcall_reservation(XenHcallCall *c, unsigned cmd,
                              uint64_t start_extent, uint64_t arg);
/* Frames of RAM in the guest's hands now: RAM less what it released. */
uint64_t xen_hcall_current_reservation(XenHcall *h);
/* Logs "@what @op" once: an unimplemented call or sub-op. */
void xen_hcall_log_unknown(XenHcall *h, const char *what, uint64_t op);

/* The families; each returns the guest's %rax. */
int64_t xen_hcall_console_io(XenHcallCall *c);
int64_t xen_hcall_xen_version(XenHcallCall *c);
int64_t xen_hcall_sched_op(XenHcallCall *c);
int64_t xen_hcall_hvm_op(XenHcallCall *c);
int64_t xen_hcall_memory_op(XenHcallCall *c);
int64_t xen_hcall_vcpu_op(XenHcallCall *c);
int64_t xen_hcall_event_channel_op(XenHcallCall *c);
int64_t xen_hcall_grant_table_op(XenHcallCall *c);

/*
 * Xen's time (xen_hcall_time.c). Offered (hvm_safe_pvclock) when the
 * machine can read the guest's TSC; the system time as the guest
 * computes it (nanoseconds since the machine started); the time info
 * and wallclock written where the guest reads them; two vcpu_ops.
 */
bool xen_hcall_time_offered(XenHcall *h);
uint64_t xen_hcall_time_now(XenHcallCall *c);
void xen_hcall_time_publish(XenHcallCall *c);
int64_t xen_hcall_time_register_area(XenHcallCall *c, XenHcallVcpu *v,
                                     uint64_t arg);
int64_t xen_hcall_time_register_runstate(XenHcallCall *c, uint64_t arg);
int64_t xen_hcall_vm_assist(XenHcallCall *c);

/*
 * Makes @port pending in shared_info and raises the upcall of the vCPU
 * the port is bound to, if due.
 */
void xen_hcall_evtchn_deliver(XenHcall *h, evtchn_port_t port);
/* @vcpu's per-vCPU state, or NULL for no such vCPU. */
XenHcallVcpu *xen_hcall_vcpu(XenHcall *h, uint64_t vcpu);

#endif /* HW_KVM_XEN_HCALL_INT_H */
