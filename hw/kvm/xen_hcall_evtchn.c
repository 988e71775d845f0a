/*
 * event_channel_op for a PVH guest on KVM, over Xenner's event channels
 * (xenner/evtchn.c), with 2-level delivery: the pending and mask bits
 * live in the guest's shared_info, as on Xen, and an event raises the
 * upcall vector at the local APIC of the vCPU its port is bound to,
 * after marking that vCPU's vcpu_info.
 *
 * Xenner keeps its own pending bit per port; each event it raises is
 * moved into shared_info at once and cleared in Xenner, so the guest's
 * bits are the only ones that count. VIRQs and IPIs, which Xenner has
 * no channel type for, are ports Xenner holds as unbound to the guest
 * itself, routed here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xen_hcall_int.h"

#include <string.h>

#define BITS_PER_WORD 64

static struct shared_info *shared_info(XenHcall *h)
{
    if (h->shared_info_gfn == UINT64_MAX) {
        return NULL;
    }
    return xen_hcall_gpa(h, h->shared_info_gfn * XEN_HCALL_PAGE,
                         XEN_HCALL_PAGE);
}

/* @v's vcpu_info: where it registered one, else its slot in shared_info. */
static struct vcpu_info *vcpu_info(XenHcallVcpu *v, struct shared_info *si)
{
    if (v->vcpu_info_gpa != UINT64_MAX) {
        return xen_hcall_gpa(v->h, v->vcpu_info_gpa,
                             sizeof(struct vcpu_info));
    }
    if (v->index >= G_N_ELEMENTS(si->vcpu_info)) {
        return NULL;
    }
    return &si->vcpu_info[v->index];
}

/* The vCPU @port's events go to. */
static XenHcallVcpu *port_vcpu(XenHcall *h, evtchn_port_t port)
{
    unsigned v = port < G_N_ELEMENTS(h->port_vcpu) ? h->port_vcpu[port] : 0;

    return &h->vcpus[v < h->nr_vcpus ? v : 0];
}

/*
 * The selector bit of @word and the upcall, as Xen marks them, in the
 * vcpu_info of @v, the vCPU of the port that became pending.
 */
static void raise_word(XenHcallVcpu *v, struct shared_info *si,
                       unsigned word)
{
    XenHcall *h = v->h;
    struct vcpu_info *vi = vcpu_info(v, si);
    xen_ulong_t bit = (xen_ulong_t)1 << word;
    /*
     * Both go through KVM's local APIC, which keeps the vector in service
     * until an EOI. Xen delivers the global callback vector beside its
     * local APIC, and guests send no EOI for it: that vector then stays
     * in service and holds back every lower one, the timer's included.
     * Guests that read XEN_HVM_CPUID_UPCALL_VECTOR (Linux 6.0 and later)
     * take the per-vCPU vector and acknowledge it.
     */
    uint8_t vector = v->upcall_vector ? v->upcall_vector
                                      : h->callback_vector;

    if (!vi) {
        return;
    }
    if (__atomic_fetch_or(&vi->evtchn_pending_sel, bit, __ATOMIC_SEQ_CST) &
        bit) {
        return;
    }
    if (!__atomic_exchange_n(&vi->evtchn_upcall_pending, 1,
                             __ATOMIC_SEQ_CST) && vector) {
        h->ops->inject(h->opaque, v->index, vector);
    }
}

void xen_hcall_evtchn_deliver(XenHcall *h, evtchn_port_t port)
{
    struct shared_info *si = shared_info(h);
    unsigned word = port / BITS_PER_WORD;
    xen_ulong_t bit = (xen_ulong_t)1 << (port % BITS_PER_WORD);

    if (!si || word >= G_N_ELEMENTS(si->evtchn_pending)) {
        return;     /* no shared_info yet: nowhere to say it */
    }
    if (__atomic_fetch_or(&si->evtchn_pending[word], bit,
                          __ATOMIC_SEQ_CST) & bit) {
        return;
    }
    if (__atomic_load_n(&si->evtchn_mask[word], __ATOMIC_SEQ_CST) & bit) {
        return;
    }
    raise_word(port_vcpu(h, port), si, word);
}

void xen_hcall_evtchn_upcall(void *opaque, evtchn_port_t port)
{
    XenHcall *h = opaque;

    xen_hcall_evtchn_deliver(h, port);
    xenner_evtchn_guest_clear_pending(h->evtchn, h->domid, port);
}

/* EVTCHNOP_unmask: the guest's mask bit, and an event it held back. */
static int64_t unmask(XenHcall *h, evtchn_port_t port)
{
    struct shared_info *si = shared_info(h);
    unsigned word = port / BITS_PER_WORD;
    xen_ulong_t bit = (xen_ulong_t)1 << (port % BITS_PER_WORD);
    XennerEvtchnStatus st;

    if (xenner_evtchn_guest_status(h->evtchn, h->domid, port, &st) < 0) {
        return -EINVAL;
    }
    if (!si) {
        return 0;
    }
    __atomic_fetch_and(&si->evtchn_mask[word], ~bit, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&si->evtchn_pending[word], __ATOMIC_SEQ_CST) & bit) {
        raise_word(port_vcpu(h, port), si, word);
    }
    return 0;
}

/*
 * A port Xenner keeps for a VIRQ or IPI: unbound, to ourselves, with
 * its events for vCPU @v.
 */
static int local_port(XenHcall *h, int kind, XenHcallVcpu *v)
{
    int port = xenner_evtchn_guest_alloc_unbound(h->evtchn, h->domid,
                                                 h->domid);

    if (port > 0 && (unsigned)port >= G_N_ELEMENTS(h->port_vcpu)) {
        xenner_evtchn_guest_close(h->evtchn, h->domid, port);
        return -ENOSPC;
    }
    if (port > 0) {
        g_hash_table_insert(h->local_ports, GUINT_TO_POINTER(port),
                            GINT_TO_POINTER(kind));
        h->port_vcpu[port] = v->index;
    }
    return port;
}

static int local_kind(XenHcall *h, evtchn_port_t port)
{
    return GPOINTER_TO_INT(g_hash_table_lookup(h->local_ports,
                                               GUINT_TO_POINTER(port)));
}

static int do_close(XenHcall *h, evtchn_port_t port)
{
    int ret = xenner_evtchn_guest_close(h->evtchn, h->domid, port);

    if (ret < 0) {
        return ret;
    }
    if (local_kind(h, port) == LOCAL_VIRQ) {
        XenHcallVcpu *v = port_vcpu(h, port);

        for (unsigned virq = 0; virq < NR_VIRQS; virq++) {
            if (v->virq_port[virq] == port) {
                v->virq_port[virq] = 0;
            }
        }
    }
    g_hash_table_remove(h->local_ports, GUINT_TO_POINTER(port));
    /* As on Xen, a freed port goes back to vCPU 0. */
    if (port < G_N_ELEMENTS(h->port_vcpu)) {
        h->port_vcpu[port] = 0;
    }
    return 0;
}

/* Copies the argument of type @T in, runs @body, copies it back out. */
#define WITH_ARG(T, a, body)                                            \
    do {                                                                \
        T a;                                                            \
        int64_t ret_;                                                   \
        if (xen_hcall_read(c, &a, arg, sizeof(a)) < 0) {                \
            return -EFAULT;                                             \
        }                                                               \
        ret_ = (body);                                                  \
        if (ret_ >= 0 && xen_hcall_write(c, arg, &a, sizeof(a)) < 0) {  \
            return -EFAULT;                                             \
        }                                                               \
        return ret_;                                                    \
    } while (0)

/* A port number or -errno from Xenner into the guest's structure. */
static int64_t port_out(int ret, evtchn_port_t *port)
{
    if (ret < 0) {
        return ret;
    }
    *port = ret;
    return 0;
}

static int64_t status(XenHcall *h, evtchn_status_t *s)
{
    XennerEvtchnStatus st;
    int kind, ret;

    if (!xen_hcall_is_self(h, s->dom)) {
        return -ESRCH;      /* only a privileged domain asks for others */
    }
    ret = xenner_evtchn_guest_status(h->evtchn, h->domid, s->port, &st);
    if (ret < 0) {
        return ret;
    }
    memset(&s->u, 0, sizeof(s->u));
    s->vcpu = port_vcpu(h, s->port)->index;
    kind = local_kind(h, s->port);
    if (kind == LOCAL_IPI) {
        s->status = EVTCHNSTAT_ipi;
    } else if (kind == LOCAL_VIRQ) {
        s->status = EVTCHNSTAT_virq;
        XenHcallVcpu *v = port_vcpu(h, s->port);

        for (unsigned virq = 0; virq < NR_VIRQS; virq++) {
            if (v->virq_port[virq] == s->port) {
                s->u.virq = virq;
            }
        }
    } else {
        s->status = st.status;
        if (st.status == EVTCHNSTAT_unbound) {
            s->u.unbound.dom = st.remote_domid;
        } else if (st.status == EVTCHNSTAT_interdomain) {
            s->u.interdomain.dom = st.remote_domid;
            s->u.interdomain.port = st.remote_port;
        }
    }
    return 0;
}

/* Every VIRQ is bound per vCPU here: VIRQ_TIMER and VIRQ_DEBUG are. */
static int64_t bind_virq(XenHcall *h, evtchn_bind_virq_t *b)
{
    XenHcallVcpu *v = xen_hcall_vcpu(h, b->vcpu);

    if (b->virq >= NR_VIRQS) {
        return -EINVAL;
    }
    if (!v) {
        return -ENOENT;
    }
    if (v->virq_port[b->virq]) {
        return -EEXIST;
    }
    if (port_out(local_port(h, LOCAL_VIRQ, v), &b->port) < 0) {
        return -ENOSPC;
    }
    v->virq_port[b->virq] = b->port;
    return 0;
}

static int64_t bind_ipi(XenHcall *h, evtchn_bind_ipi_t *b)
{
    XenHcallVcpu *v = xen_hcall_vcpu(h, b->vcpu);

    if (!v) {
        return -ENOENT;
    }
    return port_out(local_port(h, LOCAL_IPI, v), &b->port);
}

/*
 * EVTCHNOP_bind_vcpu: where an interdomain or unbound port's events go
 * from now on. Xen refuses it for IPIs and per-vCPU VIRQs, and here
 * every VIRQ is per vCPU.
 */
static int64_t bind_vcpu(XenHcall *h, const evtchn_bind_vcpu_t *b)
{
    XenHcallVcpu *v = xen_hcall_vcpu(h, b->vcpu);
    XennerEvtchnStatus st;
    int ret;

    if (!v) {
        return -ENOENT;
    }
    ret = xenner_evtchn_guest_status(h->evtchn, h->domid, b->port, &st);
    if (ret < 0) {
        return ret;
    }
    if (local_kind(h, b->port) || b->port >= G_N_ELEMENTS(h->port_vcpu) ||
        (st.status != EVTCHNSTAT_unbound &&
         st.status != EVTCHNSTAT_interdomain)) {
        return -EINVAL;
    }
    h->port_vcpu[b->port] = v->index;
    return 0;
}

static int64_t send(XenHcall *h, evtchn_port_t port)
{
    switch (local_kind(h, port)) {
    case LOCAL_IPI:
        xen_hcall_evtchn_deliver(h, port);
        return 0;
    case LOCAL_VIRQ:
        return -EINVAL;     /* Xen's answer for a VIRQ port */
    default:
        return xenner_evtchn_guest_send(h->evtchn, h->domid, port);
    }
}

static int64_t reset(XenHcall *h)
{
    for (evtchn_port_t p = 1; p < XENNER_EVTCHN_NR_PORTS_DEFAULT; p++) {
        XennerEvtchnStatus st;

        if (!xenner_evtchn_guest_status(h->evtchn, h->domid, p, &st) &&
            st.status != EVTCHNSTAT_closed) {
            do_close(h, p);
        }
    }
    return 0;
}

int64_t xen_hcall_event_channel_op(XenHcallCall *c)
{
    XenHcall *h = c->h;
    uint64_t cmd = c->hc->args[0];
    uint64_t arg = c->hc->args[1];

    switch (cmd) {
    case EVTCHNOP_alloc_unbound:
        WITH_ARG(evtchn_alloc_unbound_t, a,
                 !xen_hcall_is_self(h, a.dom) ? -ESRCH :
                 port_out(xenner_evtchn_guest_alloc_unbound(
                              h->evtchn, h->domid,
                              a.remote_dom == DOMID_SELF ? h->domid
                                                         : a.remote_dom),
                          &a.port));
    case EVTCHNOP_bind_interdomain:
        WITH_ARG(evtchn_bind_interdomain_t, a,
                 port_out(xenner_evtchn_guest_bind_interdomain(
                              h->evtchn, h->domid,
                              a.remote_dom == DOMID_SELF ? h->domid
                                                         : a.remote_dom,
                              a.remote_port),
                          &a.local_port));
    case EVTCHNOP_bind_virq:
        WITH_ARG(evtchn_bind_virq_t, a, bind_virq(h, &a));
    case EVTCHNOP_bind_ipi:
        WITH_ARG(evtchn_bind_ipi_t, a, bind_ipi(h, &a));
    case EVTCHNOP_close:
        WITH_ARG(evtchn_close_t, a, do_close(h, a.port));
    case EVTCHNOP_send:
        WITH_ARG(evtchn_send_t, a, send(h, a.port));
    case EVTCHNOP_status:
        WITH_ARG(evtchn_status_t, a, status(h, &a));
    case EVTCHNOP_unmask:
        WITH_ARG(evtchn_unmask_t, a, unmask(h, a.port));
    case EVTCHNOP_bind_vcpu:
        WITH_ARG(evtchn_bind_vcpu_t, a, bind_vcpu(h, &a));
    case EVTCHNOP_reset:
        WITH_ARG(evtchn_reset_t, a,
                 !xen_hcall_is_self(h, a.dom) ? -ESRCH : reset(h));
    case EVTCHNOP_init_control:
    case EVTCHNOP_expand_array:
    case EVTCHNOP_set_priority:
        /* FIFO event channels: Linux falls back to 2-level. */
        return -ENOSYS;
    default:
        xen_hcall_log_unknown(h, "event_channel_op", cmd);
        return -ENOSYS;
    }
}
