/*
 * The hypercalls of a PVH domain's own state: hvm_op (parameters, the
 * upcall vector), memory_op (the shared_info page, the memory map; the
 * reservation calls are in xen_hcall_balloon.c), vcpu_op (vcpu_info
 * placement, timers, up/down).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xen_hcall_int.h"

#include <string.h>
#include <xen/memory.h>
#include <xen/vcpu.h>
#include <xen/hvm/hvm_op.h>

#include "hw/kvm/pvh_boot.h"

#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ENTRY_SIZE 20
/* The low bits of memory_op's command; the rest is a continuation. */
#define MEMOP_CMD_MASK 0x3f
#define MEMOP_EXTENT_SHIFT 6

static int64_t set_param(XenHcall *h, uint32_t index, uint64_t value)
{
    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ:
        if (value == 0) {
            h->callback_vector = 0;
        } else if (value >> 56 == HVM_PARAM_CALLBACK_TYPE_VECTOR &&
                   (value & 0xff) >= 0x10) {
            h->callback_vector = value & 0xff;
        } else if (h->vcpus[0].upcall_vector &&
                   (value >> 56 == HVM_PARAM_CALLBACK_TYPE_GSI ||
                    value >> 56 == HVM_PARAM_CALLBACK_TYPE_PCI_INTX)) {
            /*
             * Linux 6.0 and later, having set the per-vCPU vector, write
             * GSI 1 here only so that toolstacks see a callback; on Xen
             * the per-vCPU vector wins, and here too.
             */
        } else {
            /* GSI and PCI INTx delivery need an emulated platform device. */
            return -EINVAL;
        }
        h->params[index] = value;
        return 0;
    case HVM_PARAM_STORE_PFN:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_PFN:
    case HVM_PARAM_CONSOLE_EVTCHN:
        return -EPERM;      /* the toolstack's, as on Xen */
    default:
        h->params[index] = value;
        return 0;
    }
}

int64_t xen_hcall_hvm_op(XenHcallCall *c)
{
    XenHcall *h = c->h;
    uint64_t cmd = c->hc->args[0];
    uint64_t arg = c->hc->args[1];

    switch (cmd) {
    case HVMOP_set_param:
    case HVMOP_get_param: {
        struct xen_hvm_param p;
        int64_t ret = 0;

        if (xen_hcall_read(c, &p, arg, sizeof(p)) < 0) {
            return -EFAULT;
        }
        if (!xen_hcall_is_self(h, p.domid)) {
            return -ESRCH;
        }
        if (p.index >= HVM_NR_PARAMS) {
            return -EINVAL;
        }
        if (cmd == HVMOP_set_param) {
            return set_param(h, p.index, p.value);
        }
        p.value = h->params[p.index];
        if (xen_hcall_write(c, arg, &p, sizeof(p)) < 0) {
            ret = -EFAULT;
        }
        return ret;
    }
    case HVMOP_set_evtchn_upcall_vector: {
        struct xen_hvm_evtchn_upcall_vector uv;
        XenHcallVcpu *v;

        if (xen_hcall_read(c, &uv, arg, sizeof(uv)) < 0) {
            return -EFAULT;
        }
        /* Any vCPU's: Linux sets a secondary CPU's before it starts. */
        v = xen_hcall_vcpu(h, uv.vcpu);
        if (!v) {
            return -ENOENT;
        }
        if (uv.vector < 0x10) {
            return -EINVAL;
        }
        v->upcall_vector = uv.vector;
        return 0;
    }
    case HVMOP_pagetable_dying:
        return 0;
    default:
        xen_hcall_log_unknown(h, "hvm_op", cmd);
        return -ENOSYS;
    }
}

/* The guest's E820 map, as the start_info memory map has it. */
static int64_t memory_map(XenHcallCall *c, uint64_t arg)
{
    struct xen_memory_map mm;
    uint64_t ram = c->h->ram_size;
    const struct {
        uint64_t addr, size;
        uint32_t type;
    } map[] = {
        { 0, PVH_BOOT_LOW_RAM_END, E820_RAM },
        { PVH_BOOT_LOW_RAM_END, PVH_IMAGE_MIN_PADDR - PVH_BOOT_LOW_RAM_END,
          E820_RESERVED },
        { PVH_IMAGE_MIN_PADDR, ram - PVH_IMAGE_MIN_PADDR, E820_RAM },
    };
    uint8_t buf[G_N_ELEMENTS(map) * E820_ENTRY_SIZE];

    if (xen_hcall_read(c, &mm, arg, sizeof(mm)) < 0) {
        return -EFAULT;
    }
    if (mm.nr_entries < G_N_ELEMENTS(map)) {
        return -EINVAL;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(map); i++) {
        memcpy(buf + i * E820_ENTRY_SIZE, &map[i].addr, 8);
        memcpy(buf + i * E820_ENTRY_SIZE + 8, &map[i].size, 8);
        memcpy(buf + i * E820_ENTRY_SIZE + 16, &map[i].type, 4);
    }
    if (xen_hcall_write(c, (uintptr_t)mm.buffer.p, buf, sizeof(buf)) < 0) {
        return -EFAULT;
    }
    mm.nr_entries = G_N_ELEMENTS(map);
    return xen_hcall_write(c, arg, &mm, sizeof(mm));
}

static int64_t add_to_physmap(XenHcallCall *c, uint64_t arg)
{
    XenHcall *h = c->h;
    struct xen_add_to_physmap xatp;
    uint8_t *page;

    if (xen_hcall_read(c, &xatp, arg, sizeof(xatp)) < 0) {
        return -EFAULT;
    }
    if (!xen_hcall_is_self(h, xatp.domid)) {
        return -ESRCH;
    }
    if (xatp.gpfn > UINT64_MAX / XEN_HCALL_PAGE) {
        return -EINVAL;
    }
    if (xatp.space == XENMAPSPACE_grant_table) {
        /* Frames outside RAM, where Linux's unpopulated-alloc puts them. */
        if ((xatp.idx & XENMAPIDX_grant_table_status) ||
            xatp.idx >= h->grant_frames || !h->ops->map_grant_frame) {
            return -EINVAL;
        }
        return h->ops->map_grant_frame(h->opaque, xatp.idx, xatp.gpfn);
    }
    page = xen_hcall_gpa(h, xatp.gpfn * (uint64_t)XEN_HCALL_PAGE,
                         XEN_HCALL_PAGE);
    if (!page) {
        return -EINVAL;
    }
    switch (xatp.space) {
    case XENMAPSPACE_shared_info:
        if (xatp.idx != 0) {
            return -EINVAL;
        }
        /*
         * The guest's own frame becomes shared_info: on Xen the frame
         * is replaced by Xen's page; here its RAM is the page, fresh
         * as Xen's would be (every port unmasked and not pending).
         */
        memset(page, 0, XEN_HCALL_PAGE);
        h->shared_info_gfn = xatp.gpfn;
        xen_hcall_time_publish(c);
        return 0;
    default:
        xen_hcall_log_unknown(h, "add_to_physmap space", xatp.space);
        return -ENOSYS;
    }
}

int64_t xen_hcall_memory_op(XenHcallCall *c)
{
    uint64_t cmd = c->hc->args[0] & MEMOP_CMD_MASK;
    uint64_t arg = c->hc->args[1];
    domid_t domid;

    switch (cmd) {
    case XENMEM_add_to_physmap:
        return add_to_physmap(c, arg);
    case XENMEM_memory_map:
        return memory_map(c, arg);
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return xen_hcall_reservation(c, cmd,
                                     c->hc->args[0] >> MEMOP_EXTENT_SHIFT,
                                     arg);
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
        if (xen_hcall_read(c, &domid, arg, sizeof(domid)) < 0) {
            return -EFAULT;
        }
        if (!xen_hcall_is_self(c->h, domid)) {
            return -ESRCH;
        }
        return cmd == XENMEM_current_reservation ?
               (int64_t)xen_hcall_current_reservation(c->h) :
               (int64_t)(c->h->ram_size / XEN_HCALL_PAGE);
    case XENMEM_maximum_gpfn:
        return c->h->ram_size / XEN_HCALL_PAGE - 1;
    default:
        xen_hcall_log_unknown(c->h, "memory_op", cmd);
        return -ENOSYS;
    }
}

/* @v's VIRQ_TIMER, on @v. */
static void timer_fire(XenHcallVcpu *v)
{
    if (v->virq_port[VIRQ_TIMER]) {
        xen_hcall_evtchn_deliver(v->h, v->virq_port[VIRQ_TIMER]);
    }
}

/* Stops the timer in *@t, if any. */
static void timer_stop(XenHcall *h, EventLoopTimer **t)
{
    if (*t) {
        event_loop_del_timer(h->loop, *t);
        *t = NULL;
    }
}

static void singleshot_expired(void *opaque)
{
    XenHcallVcpu *v = opaque;

    timer_stop(v->h, &v->singleshot);
    timer_fire(v);
}

/* VCPUOP_set_singleshot_timer: the caller's VIRQ_TIMER at @timeout_abs_ns. */
static int64_t singleshot_set(XenHcallCall *c,
                              const struct vcpu_set_singleshot_timer *t)
{
    XenHcall *h = c->h;
    XenHcallVcpu *v = c->vcpu;
    uint64_t now = xen_hcall_time_now(c);
    uint64_t ms;

    timer_stop(h, &v->singleshot);
    if (t->timeout_abs_ns <= now) {
        if (t->flags & VCPU_SSHOTTMR_future) {
            return -ETIME;
        }
        timer_fire(v);
        return 0;
    }
    if (!h->loop) {
        return -ENOSYS;
    }
    /* The loop's timers count milliseconds: round up, never early. */
    ms = MIN((t->timeout_abs_ns - now + 999999) / 1000000, 1u << 30);
    v->singleshot = event_loop_add_timer(h->loop, ms, singleshot_expired,
                                         v, NULL);
    return v->singleshot ? 0 : -ENOMEM;
}

static void periodic_tick(void *opaque)
{
    timer_fire(opaque);
}

/*
 * VCPUOP_set_periodic_timer: @v's VIRQ_TIMER every @period_ns, at least
 * a millisecond as Xen requires, rounded up to the loop's milliseconds.
 */
static int64_t periodic_set(XenHcallVcpu *v, uint64_t period_ns)
{
    XenHcall *h = v->h;
    uint64_t ms = period_ns / 1000000 + (period_ns % 1000000 != 0);

    if (period_ns < 1000000) {
        return -EINVAL;
    }
    if (!h->loop) {
        return -ENOSYS;
    }
    timer_stop(h, &v->periodic);
    v->periodic = event_loop_add_timer(h->loop, MIN(ms, 1u << 30),
                                       periodic_tick, v, NULL);
    return v->periodic ? 0 : -ENOMEM;
}

int64_t xen_hcall_vcpu_op(XenHcallCall *c)
{
    XenHcall *h = c->h;
    uint64_t cmd = c->hc->args[0];
    XenHcallVcpu *v = xen_hcall_vcpu(h, c->hc->args[1]);
    uint64_t arg = c->hc->args[2];

    if (!v) {
        return -ENOENT;
    }
    switch (cmd) {
    case VCPUOP_is_up:
        /*
         * Every vCPU exists from the start; whether the guest has sent
         * an AP its SIPI yet is KVM's to know. Linux asks this of PV
         * guests only.
         */
        return !v->down;
    case VCPUOP_down:
    case VCPUOP_up: {
        /*
         * As Xen: down stops the vCPU where it is, even the caller (its
         * call returns when it is brought up); up of a running vCPU is
         * 0. Linux's PVH guests take CPUs down through their local APIC
         * instead, after cpu/N/availability says so.
         */
        bool down = cmd == VCPUOP_down;
        int ret;

        if (!h->ops->vcpu_set_down) {
            return -ENOSYS;
        }
        ret = h->ops->vcpu_set_down(h->opaque, v->index, down);
        if (!ret) {
            v->down = down;
        }
        return ret;
    }
    case VCPUOP_register_vcpu_info: {
        struct vcpu_register_vcpu_info ri;
        uint64_t gpa;

        if (xen_hcall_read(c, &ri, arg, sizeof(ri)) < 0) {
            return -EFAULT;
        }
        if (ri.offset > XEN_HCALL_PAGE - sizeof(struct vcpu_info) ||
            ri.mfn > UINT64_MAX / XEN_HCALL_PAGE) {
            return -EINVAL;
        }
        gpa = ri.mfn * XEN_HCALL_PAGE + ri.offset;
        if (!xen_hcall_gpa(h, gpa, sizeof(struct vcpu_info))) {
            return -EINVAL;
        }
        if (v->vcpu_info_gpa != UINT64_MAX) {
            return -EINVAL;     /* once only, as on Xen */
        }
        /* Any vCPU's: Linux registers a secondary CPU's before it starts. */
        v->vcpu_info_gpa = gpa;
        xen_hcall_time_publish(c);
        return 0;
    }
    case VCPUOP_set_singleshot_timer: {
        struct vcpu_set_singleshot_timer t;

        /* Xen sets and stops only the calling vCPU's own timer. */
        if (v != c->vcpu) {
            return -EINVAL;
        }
        if (xen_hcall_read(c, &t, arg, sizeof(t)) < 0) {
            return -EFAULT;
        }
        return singleshot_set(c, &t);
    }
    case VCPUOP_stop_singleshot_timer:
        if (v != c->vcpu) {
            return -EINVAL;
        }
        timer_stop(h, &v->singleshot);
        return 0;
    case VCPUOP_register_vcpu_time_memory_area:
        return xen_hcall_time_register_area(c, v, arg);
    case VCPUOP_register_runstate_memory_area:
        return xen_hcall_time_register_runstate(c, arg);
    case VCPUOP_set_periodic_timer: {
        struct vcpu_set_periodic_timer t;

        if (xen_hcall_read(c, &t, arg, sizeof(t)) < 0) {
            return -EFAULT;
        }
        return periodic_set(v, t.period_ns);
    }
    case VCPUOP_stop_periodic_timer:
        timer_stop(h, &v->periodic);    /* PVH starts without one */
        return 0;
    default:
        xen_hcall_log_unknown(h, "vcpu_op", cmd);
        return -ENOSYS;
    }
}
