/*
 * The hypercall dispatcher and the one checked accessor of guest memory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xen_hcall_int.h"

#include <inttypes.h>
#include <string.h>

#include "util/error.h"

#define CR0_PG (1ull << 31)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)
#define PTE_P 1ull
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

typedef int64_t XenHcallFn(XenHcallCall *c);

static const struct {
    const char *name;
    XenHcallFn *fn;
} hcall_table[] = {
    [__HYPERVISOR_memory_op] = { "memory_op", xen_hcall_memory_op },
    [__HYPERVISOR_grant_table_op] = { "grant_table_op",
                                      xen_hcall_grant_table_op },
    [__HYPERVISOR_xen_version] = { "xen_version", xen_hcall_xen_version },
    [__HYPERVISOR_console_io] = { "console_io", xen_hcall_console_io },
    [__HYPERVISOR_vm_assist] = { "vm_assist", xen_hcall_vm_assist },
    [__HYPERVISOR_vcpu_op] = { "vcpu_op", xen_hcall_vcpu_op },
    [__HYPERVISOR_sched_op] = { "sched_op", xen_hcall_sched_op },
    [__HYPERVISOR_hvm_op] = { "hvm_op", xen_hcall_hvm_op },
    [__HYPERVISOR_event_channel_op] = { "event_channel_op",
                                        xen_hcall_event_channel_op },
};

XenHcall *xen_hcall_new(EventLoop *loop, uint8_t *ram, uint64_t ram_size,
                        uint16_t domid, unsigned nr_vcpus,
                        XennerEvtchn *evtchn, const XenHcallHostOps *ops,
                        void *opaque)
{
    XenHcall *h = g_new0(XenHcall, 1);

    /* port_vcpu[] holds a vCPU index in a byte. */
    G_STATIC_ASSERT(KVM_VM_MAX_VCPUS <= 256);
    h->nr_vcpus = CLAMP(nr_vcpus, 1u, (unsigned)KVM_VM_MAX_VCPUS);
    h->vcpus = g_new0(XenHcallVcpu, h->nr_vcpus);
    for (unsigned i = 0; i < h->nr_vcpus; i++) {
        h->vcpus[i].h = h;
        h->vcpus[i].index = i;
        h->vcpus[i].vcpu_info_gpa = UINT64_MAX;
    }

    h->ram = ram;
    h->ram_size = ram_size;
    h->domid = domid;
    h->ops = ops;
    h->opaque = opaque;
    h->logged = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    h->shared_info_gfn = UINT64_MAX;
    h->evtchn = evtchn;
    h->loop = loop;
    h->start_us = g_get_monotonic_time();
    h->local_ports = g_hash_table_new(NULL, NULL);
    return h;
}

void xen_hcall_set_grant_frames(XenHcall *h, unsigned nr)
{
    h->grant_frames = MIN(nr, 64u);
}

void xen_hcall_set_xenner(XenHcall *h, XennerMem *mem, XennerGnttab *gnttab)
{
    h->mem = mem;
    h->gnttab = gnttab;
}

bool xen_hcall_set_param(XenHcall *h, uint32_t index, uint64_t value,
                         Error **errp)
{
    if (index >= HVM_NR_PARAMS) {
        error_setg(errp, "HVM parameter %u out of range", index);
        return false;
    }
    h->params[index] = value;
    return true;
}

void xen_hcall_free(XenHcall *h)
{
    if (h) {
        for (unsigned i = 0; i < h->nr_vcpus; i++) {
            if (h->vcpus[i].singleshot) {
                event_loop_del_timer(h->loop, h->vcpus[i].singleshot);
            }
            if (h->vcpus[i].periodic) {
                event_loop_del_timer(h->loop, h->vcpus[i].periodic);
            }
        }
        g_free(h->vcpus);
        g_hash_table_destroy(h->logged);
        g_hash_table_destroy(h->local_ports);
        g_free(h);
    }
}

XenHcallVcpu *xen_hcall_vcpu(XenHcall *h, uint64_t vcpu)
{
    return vcpu < h->nr_vcpus ? &h->vcpus[vcpu] : NULL;
}

void xen_hcall_log_unknown(XenHcall *h, const char *what, uint64_t op)
{
    char *key;

    /*
     * Bounded: a guest walking every 64-bit number would otherwise grow
     * the table and the log without end.
     */
    if (g_hash_table_size(h->logged) >= XEN_HCALL_MAX_LOGGED) {
        return;
    }
    key = g_strdup_printf("%s %" PRIu64, what, op);
    /* g_hash_table_add() would keep the new key and free the old one. */
    if (g_hash_table_contains(h->logged, key)) {
        g_free(key);
        return;
    }
    warn_report("domain %u: %s: not implemented (-ENOSYS)%s", h->domid, key,
                g_hash_table_size(h->logged) + 1 == XEN_HCALL_MAX_LOGGED ?
                "; no more unknown calls are logged" : "");
    g_hash_table_add(h->logged, key);
}

void *xen_hcall_gpa(XenHcall *h, uint64_t gpa, uint64_t len)
{
    if (gpa > h->ram_size || len > h->ram_size - gpa) {
        return NULL;
    }
    return h->ram + gpa;
}

/* The guest physical address of @gva, as the guest's MMU would find it. */
static int translate(XenHcallCall *c, uint64_t gva, uint64_t *gpa)
{
    const KvmHypercall *hc = c->hc;
    unsigned levels = hc->cr4 & CR4_LA57 ? 5 : 4;
    uint64_t table = hc->cr3 & PTE_ADDR;

    if (!(hc->cr0 & CR0_PG)) {
        *gpa = gva;
        return 0;
    }
    if (!(hc->efer & EFER_LMA)) {
        return -EFAULT;     /* 32-bit paging: no PVH kernel calls from it */
    }
    for (unsigned level = levels; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t pte;
        const void *p = xen_hcall_gpa(c->h, table + ((gva >> shift) & 511) * 8,
                                      8);

        if (!p) {
            return -EFAULT;
        }
        memcpy(&pte, p, 8);
        if (!(pte & PTE_P)) {
            return -EFAULT;
        }
        if (level == 1 || ((level == 2 || level == 3) && (pte & PTE_PS))) {
            uint64_t size = 1ull << shift;

            *gpa = ((pte & PTE_ADDR) & ~(size - 1)) | (gva & (size - 1));
            return 0;
        }
        table = pte & PTE_ADDR;
    }
    return -EFAULT;
}

/* Copies between the guest's @gva and @buf, a page at a time. */
static int guest_copy(XenHcallCall *c, uint64_t gva, void *buf, size_t len,
                      bool to_guest)
{
    uint8_t *b = buf;

    if (len > XEN_HCALL_MAX_COPY) {
        return -EFAULT;
    }
    while (len) {
        size_t chunk = MIN(len, XEN_HCALL_PAGE - (gva & (XEN_HCALL_PAGE - 1)));
        uint64_t gpa;
        uint8_t *p;

        if (translate(c, gva, &gpa) < 0 ||
            !(p = xen_hcall_gpa(c->h, gpa, chunk))) {
            return -EFAULT;
        }
        if (to_guest) {
            memcpy(p, b, chunk);
        } else {
            memcpy(b, p, chunk);
        }
        b += chunk;
        gva += chunk;
        len -= chunk;
    }
    return 0;
}

int xen_hcall_read(XenHcallCall *c, void *dst, uint64_t gva, size_t len)
{
    return guest_copy(c, gva, dst, len, false);
}

int xen_hcall_write(XenHcallCall *c, uint64_t gva, const void *src,
                    size_t len)
{
    return guest_copy(c, gva, (void *)src, len, true);
}

KvmVmAction xen_hcall_dispatch(XenHcall *h, KvmHypercall *hc)
{
    XenHcallCall c = { .h = h, .hc = hc, .vcpu = xen_hcall_vcpu(h, hc->vcpu) };

    if (h->shut_down) {
        hc->ret = -ESHUTDOWN;
        return KVM_VM_STOP;
    }
    if (!hc->kernel) {
        /* Xen refuses hypercalls from an HVM guest's user mode. */
        hc->ret = -EPERM;
        return KVM_VM_CONTINUE;
    }
    if (!c.vcpu) {
        hc->ret = -EINVAL;      /* a VM with more vCPUs than we know */
        return KVM_VM_CONTINUE;
    }
    if (hc->nr >= G_N_ELEMENTS(hcall_table) || !hcall_table[hc->nr].fn) {
        xen_hcall_log_unknown(h, "hypercall", hc->nr);
        hc->ret = -ENOSYS;
        return KVM_VM_CONTINUE;
    }
    hc->ret = hcall_table[hc->nr].fn(&c);
    return h->shut_down ? KVM_VM_STOP : KVM_VM_CONTINUE;
}
