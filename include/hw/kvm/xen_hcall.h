/*
 * Xen's hypercalls for a PVH guest on KVM, answered in userspace: the
 * dispatcher (hw/kvm/xen_hcall.c) and one file per family. The guest's
 * arguments are untrusted: every pointer goes through one checked
 * accessor (its page tables walked in guest RAM, every frame checked
 * against it), every count is bounded, and a bad one fails that call
 * with -EFAULT or -EINVAL, never the process. Unknown hypercalls and
 * sub-ops answer -ENOSYS and are logged once each.
 *
 * Runs on the event loop's thread, one call at a time, whichever vCPU
 * made it: per-vCPU state is indexed by the calling vCPU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_KVM_XEN_HCALL_H
#define HW_KVM_XEN_HCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/kvm/kvm_vm.h"
#include "util/error.h"
#include "util/event-loop.h"
#include "xenner/evtchn.h"
#include "xenner/gnttab.h"
#include "xenner/guest_mem.h"

typedef struct XenHcall XenHcall;

/* What the machine does for the hypercalls. */
typedef struct XenHcallHostOps {
    /* console_io write: the bytes, for the machine's chardev. */
    void (*console_write)(void *opaque, const uint8_t *buf, size_t len);
    /* SCHEDOP_shutdown with a SHUTDOWN_* reason. */
    void (*shutdown)(void *opaque, unsigned reason);
    /* Raises @vector on vCPU @vcpu; -errno. */
    int (*inject)(void *opaque, unsigned vcpu, uint8_t vector);
    /*
     * Optional: shows grant-table frame @idx at guest frame @gpfn,
     * instead of where it was; -errno (-EEXIST: @gpfn is RAM).
     */
    int (*map_grant_frame)(void *opaque, unsigned idx, uint64_t gpfn);
    /*
     * Optional: reads the TSC of vCPU @vcpu, which waits in a hypercall;
     * without it Xen's clock (hvm_safe_pvclock) is not offered. -errno.
     */
    int (*read_tsc)(void *opaque, unsigned vcpu, KvmTscSample *s);
    /* Optional: VCPUOP_down (@down) or _up of vCPU @vcpu; -errno. */
    int (*vcpu_set_down)(void *opaque, unsigned vcpu, bool down);
} XenHcallHostOps;

/*
 * The hypercalls of domain @domid, whose RAM is @ram_size bytes at @ram
 * (guest physical address 0 there), with @nr_vcpus vCPUs (1 to
 * KVM_VM_MAX_VCPUS; a KvmHypercall's vcpu is one of them), and whose
 * event channels are @domid's in @evtchn (added there by the caller).
 * Events Xenner raises for the guest reach it through
 * xen_hcall_evtchn_upcall(). The guest's timers run on @loop (NULL: only
 * timeouts already due are served).
 */
XenHcall *xen_hcall_new(EventLoop *loop, uint8_t *ram, uint64_t ram_size,
                        uint16_t domid, unsigned nr_vcpus,
                        XennerEvtchn *evtchn, const XenHcallHostOps *ops,
                        void *opaque);
/* A XennerEvtchnUpcallFn: @opaque is the XenHcall. */
void xen_hcall_evtchn_upcall(void *opaque, evtchn_port_t port);
/*
 * The guest's grant table has @nr frames (at most 64), which the
 * machine keeps outside RAM and maps where add_to_physmap asks.
 */
void xen_hcall_set_grant_frames(XenHcall *h, unsigned nr);
/*
 * The guest's RAM as Xenner memory (@ram of xen_hcall_new() is its
 * frame 0), for ballooning (decrease_reservation, populate_physmap),
 * and its grant table, for GNTTABOP_copy with its own refs. Either may
 * be NULL: those calls then answer -ENOSYS or GNTST_bad_gntref.
 */
void xen_hcall_set_xenner(XenHcall *h, XennerMem *mem, XennerGnttab *gnttab);
/* What the toolstack sets: HVM_PARAM_CONSOLE_PFN and the like. */
bool xen_hcall_set_param(XenHcall *h, uint32_t index, uint64_t value,
                         Error **errp);
void xen_hcall_free(XenHcall *h);

/*
 * Answers one hypercall: sets @hc->ret. KVM_VM_STOP once the guest shut
 * down (the machine's shutdown callback has run).
 */
KvmVmAction xen_hcall_dispatch(XenHcall *h, KvmHypercall *hc);

#endif /* HW_KVM_XEN_HCALL_H */
