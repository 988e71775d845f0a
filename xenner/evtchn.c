/*
 * Xenner event channels. Each domain has a table of ports; an interdomain
 * channel is two ports naming each other. A port owned by a backend
 * handle delivers into the handle's queue and eventfd, any other port
 * into its domain's upcall.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <glib.h>

#include "xenner/evtchn.h"

typedef enum EvtchnState {
    EVTCHN_FREE,
    EVTCHN_UNBOUND,
    EVTCHN_INTERDOMAIN,
} EvtchnState;

typedef struct EvtchnPort {
    EvtchnState state;
    bool pending;
    bool masked;
    bool queued;                    /* in the owner's queue */
    uint16_t remote_domid;
    evtchn_port_t remote_port;
    XennerEvtchnHandle *owner;      /* NULL: the guest's upcall */
} EvtchnPort;

typedef struct EvtchnDomain {
    uint16_t domid;
    uint32_t nr_ports;
    EvtchnPort *ports;
    XennerEvtchnUpcallFn *upcall;
    void *opaque;
} EvtchnDomain;

struct XennerEvtchn {
    GHashTable *domains;            /* domid -> EvtchnDomain */
    GPtrArray *handles;
};

struct XennerEvtchnHandle {
    XennerEvtchn *ctx;              /* NULL once the context is gone */
    uint16_t domid;
    bool dead;                      /* its domain was removed */
    int fd;
    GQueue fired;                   /* ports, each at most once */
    /* Set: fired ports schedule this instead of waking the eventfd. */
    EventLoop *notify_loop;
    IOHandler *notify_fn;
    void *notify_opaque;
};

static void evtchn_domain_free(gpointer p)
{
    EvtchnDomain *d = p;

    g_free(d->ports);
    g_free(d);
}

static EvtchnDomain *evtchn_domain(XennerEvtchn *ctx, uint32_t domid)
{
    if (domid > UINT16_MAX) {
        return NULL;
    }
    return g_hash_table_lookup(ctx->domains, GUINT_TO_POINTER(domid));
}

/* ---- the handle's queue and eventfd ----------------------------------- */

static void handle_fd_set(XennerEvtchnHandle *h)
{
    uint64_t one = 1;
    ssize_t r = write(h->fd, &one, sizeof(one));

    /* The counter is 0 or 1 here, so the write cannot block. */
    if (r != sizeof(one)) {
        warn_report("evtchn: eventfd write failed");
    }
}

static void handle_fd_clear(XennerEvtchnHandle *h)
{
    uint64_t v;
    ssize_t r = read(h->fd, &v, sizeof(v));

    /* EAGAIN when it was clear already, which is fine. */
    (void)r;
}

static void handle_enqueue(XennerEvtchnHandle *h, evtchn_port_t port)
{
    g_queue_push_tail(&h->fired, GUINT_TO_POINTER(port));
    if (h->fired.length != 1) {
        return;
    }
    if (h->notify_fn) {
        event_loop_schedule(h->notify_loop, h->notify_fn, h->notify_opaque);
    } else {
        handle_fd_set(h);
    }
}

static void handle_dequeue(XennerEvtchnHandle *h, evtchn_port_t port)
{
    if (g_queue_remove(&h->fired, GUINT_TO_POINTER(port)) &&
        g_queue_is_empty(&h->fired) && !h->notify_fn) {
        handle_fd_clear(h);
    }
}

/* ---- ports ------------------------------------------------------------ */

/*
 * Raises the event of a pending, unmasked port. Must be the last thing a
 * call does: the upcall may change the context under us.
 */
static void evtchn_deliver(EvtchnDomain *d, evtchn_port_t port)
{
    EvtchnPort *p = &d->ports[port];

    if (p->owner) {
        /*
         * What Linux's evtchn driver does for libxenevtchn: clear and
         * mask the port, then queue it for the reader.
         */
        p->pending = false;
        p->masked = true;
        if (!p->queued) {
            p->queued = true;
            handle_enqueue(p->owner, port);
        }
    } else if (d->upcall) {
        d->upcall(d->opaque, port);
    }
}

static void evtchn_set_pending(EvtchnDomain *d, evtchn_port_t port)
{
    EvtchnPort *p = &d->ports[port];

    /* Xen raises no second event for a port that is pending already. */
    if (p->pending) {
        return;
    }
    p->pending = true;
    if (!p->masked) {
        evtchn_deliver(d, port);
    }
}

static int evtchn_alloc_port(EvtchnDomain *d)
{
    for (evtchn_port_t port = 1; port < d->nr_ports; port++) {
        if (d->ports[port].state == EVTCHN_FREE) {
            return port;
        }
    }
    return -ENOSPC;
}

static void evtchn_reset_port(EvtchnDomain *d, evtchn_port_t port)
{
    EvtchnPort *p = &d->ports[port];

    if (p->queued) {
        handle_dequeue(p->owner, port);
    }
    *p = (EvtchnPort) { .state = EVTCHN_FREE };
}

/* EVTCHNOP_close on a port known to be in range. */
static int evtchn_close_port(XennerEvtchn *ctx, EvtchnDomain *d,
                             evtchn_port_t port)
{
    EvtchnPort *p = &d->ports[port];

    switch (p->state) {
    case EVTCHN_FREE:
        return -EINVAL;
    case EVTCHN_UNBOUND:
        break;
    case EVTCHN_INTERDOMAIN: {
        EvtchnDomain *rd = evtchn_domain(ctx, p->remote_domid);

        /* The peer waits for a new connection from us, as on Xen. */
        if (rd && p->remote_port < rd->nr_ports) {
            EvtchnPort *rp = &rd->ports[p->remote_port];

            rp->state = EVTCHN_UNBOUND;
            rp->remote_domid = d->domid;
            rp->remote_port = 0;
        }
        break;
    }
    }
    evtchn_reset_port(d, port);
    return 0;
}

static bool evtchn_port_ok(EvtchnDomain *d, evtchn_port_t port)
{
    return port != 0 && port < d->nr_ports;
}

/*
 * A remote domain id from a guest: DOMID_SELF means the caller; anything
 * else must fit a domid_t. Returns -1 when it does not.
 */
static int64_t evtchn_remote_domid(EvtchnDomain *d, uint32_t remote_domid)
{
    if (remote_domid == DOMID_SELF) {
        return d->domid;
    }
    if (remote_domid >= DOMID_FIRST_RESERVED) {
        return -1;
    }
    return remote_domid;
}

static int evtchn_alloc_unbound(EvtchnDomain *d, uint32_t remote_domid,
                                XennerEvtchnHandle *owner)
{
    int64_t rdom = evtchn_remote_domid(d, remote_domid);
    int port;

    /* Like Xen, the remote domain need not exist yet. */
    if (rdom < 0) {
        return -EINVAL;
    }
    port = evtchn_alloc_port(d);
    if (port < 0) {
        return port;
    }
    d->ports[port] = (EvtchnPort) {
        .state = EVTCHN_UNBOUND,
        .remote_domid = rdom,
        .owner = owner,
    };
    return port;
}

static int evtchn_bind_interdomain(XennerEvtchn *ctx, EvtchnDomain *d,
                                   uint32_t remote_domid,
                                   evtchn_port_t remote_port,
                                   XennerEvtchnHandle *owner)
{
    int64_t rdom = evtchn_remote_domid(d, remote_domid);
    EvtchnDomain *rd = rdom < 0 ? NULL : evtchn_domain(ctx, rdom);
    EvtchnPort *rp;
    int port;

    /* Xen's order of checks: the domain, a free local port, the peer. */
    if (!rd) {
        return -ESRCH;
    }
    port = evtchn_alloc_port(d);
    if (port < 0) {
        return port;
    }
    if (!evtchn_port_ok(rd, remote_port)) {
        return -EINVAL;
    }
    rp = &rd->ports[remote_port];
    if (rp->state != EVTCHN_UNBOUND || rp->remote_domid != d->domid) {
        return -EINVAL;
    }
    rp->state = EVTCHN_INTERDOMAIN;
    rp->remote_port = port;
    d->ports[port] = (EvtchnPort) {
        .state = EVTCHN_INTERDOMAIN,
        .remote_domid = rd->domid,
        .remote_port = remote_port,
        .owner = owner,
    };
    /* The peer may have sent before we bound: Xen always sets pending. */
    evtchn_set_pending(d, port);
    return port;
}

/* EVTCHNOP_send on a port known to be in range. */
static int evtchn_send(XennerEvtchn *ctx, EvtchnDomain *d, evtchn_port_t port)
{
    EvtchnPort *p = &d->ports[port];
    EvtchnDomain *rd;

    switch (p->state) {
    case EVTCHN_FREE:
        return -EINVAL;
    case EVTCHN_UNBOUND:
        /* Xen drops the event silently. */
        return 0;
    case EVTCHN_INTERDOMAIN:
        break;
    }
    rd = evtchn_domain(ctx, p->remote_domid);
    if (!rd || p->remote_port >= rd->nr_ports) {
        /* Cannot happen: removing a domain unbinds its peers. */
        return -EINVAL;
    }
    evtchn_set_pending(rd, p->remote_port);
    return 0;
}

/* ---- control plane ---------------------------------------------------- */

XennerEvtchn *xenner_evtchn_new(void)
{
    XennerEvtchn *ctx = g_new0(XennerEvtchn, 1);

    ctx->domains = g_hash_table_new_full(NULL, NULL, NULL,
                                         evtchn_domain_free);
    ctx->handles = g_ptr_array_new();
    return ctx;
}

void xenner_evtchn_free(XennerEvtchn *ctx)
{
    if (!ctx) {
        return;
    }
    for (guint i = 0; i < ctx->handles->len; i++) {
        XennerEvtchnHandle *h = g_ptr_array_index(ctx->handles, i);

        h->ctx = NULL;
        h->dead = true;
        g_queue_clear(&h->fired);
        handle_fd_clear(h);
    }
    g_ptr_array_free(ctx->handles, true);
    g_hash_table_destroy(ctx->domains);
    g_free(ctx);
}

bool xenner_evtchn_add_domain(XennerEvtchn *ctx, uint32_t domid,
                              uint32_t nr_ports, Error **errp)
{
    EvtchnDomain *d;

    if (domid >= DOMID_FIRST_RESERVED) {
        error_setg(errp, "evtchn: invalid domain id %u", domid);
        return false;
    }
    if (nr_ports < 2 || nr_ports > XENNER_EVTCHN_NR_PORTS_MAX) {
        error_setg(errp, "evtchn: %u ports for domain %u: must be 2..%u",
                   nr_ports, domid, XENNER_EVTCHN_NR_PORTS_MAX);
        return false;
    }
    if (evtchn_domain(ctx, domid)) {
        error_setg(errp, "evtchn: domain %u exists already", domid);
        return false;
    }
    d = g_new0(EvtchnDomain, 1);
    d->domid = domid;
    d->nr_ports = nr_ports;
    d->ports = g_new0(EvtchnPort, nr_ports);
    g_hash_table_insert(ctx->domains, GUINT_TO_POINTER(domid), d);
    return true;
}

bool xenner_evtchn_remove_domain(XennerEvtchn *ctx, uint32_t domid,
                                 Error **errp)
{
    EvtchnDomain *d = evtchn_domain(ctx, domid);

    if (!d) {
        error_setg(errp, "evtchn: no domain %u", domid);
        return false;
    }
    for (evtchn_port_t port = 1; port < d->nr_ports; port++) {
        evtchn_close_port(ctx, d, port);
    }
    for (guint i = 0; i < ctx->handles->len; i++) {
        XennerEvtchnHandle *h = g_ptr_array_index(ctx->handles, i);

        if (h->domid == domid) {
            h->dead = true;
        }
    }
    g_hash_table_remove(ctx->domains, GUINT_TO_POINTER(domid));
    return true;
}

bool xenner_evtchn_has_domain(XennerEvtchn *ctx, uint32_t domid)
{
    return evtchn_domain(ctx, domid) != NULL;
}

bool xenner_evtchn_set_upcall(XennerEvtchn *ctx, uint32_t domid,
                              XennerEvtchnUpcallFn *fn, void *opaque,
                              Error **errp)
{
    EvtchnDomain *d = evtchn_domain(ctx, domid);

    if (!d) {
        error_setg(errp, "evtchn: no domain %u", domid);
        return false;
    }
    d->upcall = fn;
    d->opaque = opaque;
    return true;
}

/* ---- guest side ------------------------------------------------------- */

/*
 * Looks up the calling domain and checks @port, the way every guest call
 * starts. Returns 0 or the errno Xen gives.
 */
static int guest_port(XennerEvtchn *ctx, uint32_t domid, evtchn_port_t port,
                      EvtchnDomain **d)
{
    *d = evtchn_domain(ctx, domid);
    if (!*d) {
        return -ESRCH;
    }
    return evtchn_port_ok(*d, port) ? 0 : -EINVAL;
}

int xenner_evtchn_guest_alloc_unbound(XennerEvtchn *ctx, uint32_t domid,
                                      uint32_t remote_domid)
{
    EvtchnDomain *d = evtchn_domain(ctx, domid);

    if (!d) {
        return -ESRCH;
    }
    return evtchn_alloc_unbound(d, remote_domid, NULL);
}

int xenner_evtchn_guest_bind_interdomain(XennerEvtchn *ctx, uint32_t domid,
                                         uint32_t remote_domid,
                                         evtchn_port_t remote_port)
{
    EvtchnDomain *d = evtchn_domain(ctx, domid);

    if (!d) {
        return -ESRCH;
    }
    return evtchn_bind_interdomain(ctx, d, remote_domid, remote_port, NULL);
}

int xenner_evtchn_guest_close(XennerEvtchn *ctx, uint32_t domid,
                              evtchn_port_t port)
{
    EvtchnDomain *d;
    int ret = guest_port(ctx, domid, port, &d);

    return ret ? ret : evtchn_close_port(ctx, d, port);
}

int xenner_evtchn_guest_send(XennerEvtchn *ctx, uint32_t domid,
                             evtchn_port_t port)
{
    EvtchnDomain *d;
    int ret = guest_port(ctx, domid, port, &d);

    return ret ? ret : evtchn_send(ctx, d, port);
}

int xenner_evtchn_guest_status(XennerEvtchn *ctx, uint32_t domid,
                               evtchn_port_t port, XennerEvtchnStatus *st)
{
    EvtchnDomain *d = evtchn_domain(ctx, domid);
    EvtchnPort *p;

    *st = (XennerEvtchnStatus) { .status = EVTCHNSTAT_closed };
    if (!d) {
        return -ESRCH;
    }
    if (port >= d->nr_ports) {
        return -EINVAL;
    }
    if (port == 0) {
        return 0;
    }
    p = &d->ports[port];
    switch (p->state) {
    case EVTCHN_FREE:
        break;
    case EVTCHN_UNBOUND:
        st->status = EVTCHNSTAT_unbound;
        st->remote_domid = p->remote_domid;
        break;
    case EVTCHN_INTERDOMAIN:
        st->status = EVTCHNSTAT_interdomain;
        st->remote_domid = p->remote_domid;
        st->remote_port = p->remote_port;
        break;
    }
    st->pending = p->pending;
    st->masked = p->masked;
    return 0;
}

int xenner_evtchn_guest_mask(XennerEvtchn *ctx, uint32_t domid,
                             evtchn_port_t port)
{
    EvtchnDomain *d;
    int ret = guest_port(ctx, domid, port, &d);

    if (ret) {
        return ret;
    }
    d->ports[port].masked = true;
    return 0;
}

int xenner_evtchn_guest_unmask(XennerEvtchn *ctx, uint32_t domid,
                               evtchn_port_t port)
{
    EvtchnDomain *d;
    EvtchnPort *p;
    int ret = guest_port(ctx, domid, port, &d);

    if (ret) {
        return ret;
    }
    p = &d->ports[port];
    /* As Xen's EVTCHNOP_unmask: an event only if the mask was set. */
    if (p->masked) {
        p->masked = false;
        if (p->pending) {
            evtchn_deliver(d, port);
        }
    }
    return 0;
}

int xenner_evtchn_guest_is_pending(XennerEvtchn *ctx, uint32_t domid,
                                   evtchn_port_t port)
{
    EvtchnDomain *d;
    int ret = guest_port(ctx, domid, port, &d);

    return ret ? ret : d->ports[port].pending;
}

int xenner_evtchn_guest_clear_pending(XennerEvtchn *ctx, uint32_t domid,
                                      evtchn_port_t port)
{
    EvtchnDomain *d;
    int ret = guest_port(ctx, domid, port, &d);

    if (ret) {
        return ret;
    }
    d->ports[port].pending = false;
    return 0;
}

/* ---- backend side ----------------------------------------------------- */

XennerEvtchnHandle *xenner_evtchn_open(XennerEvtchn *ctx, uint32_t domid,
                                       Error **errp)
{
    XennerEvtchnHandle *h;
    int fd;

    if (!evtchn_domain(ctx, domid)) {
        error_setg(errp, "evtchn: no domain %u to open a handle in", domid);
        return NULL;
    }
    fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        error_setg_errno(errp, errno, "evtchn: eventfd");
        return NULL;
    }
    h = g_new0(XennerEvtchnHandle, 1);
    h->ctx = ctx;
    h->domid = domid;
    h->fd = fd;
    g_queue_init(&h->fired);
    g_ptr_array_add(ctx->handles, h);
    return h;
}

void xenner_evtchn_close(XennerEvtchnHandle *h)
{
    if (!h) {
        return;
    }
    if (h->ctx) {
        EvtchnDomain *d = h->dead ? NULL : evtchn_domain(h->ctx, h->domid);

        for (evtchn_port_t port = 1; d && port < d->nr_ports; port++) {
            if (d->ports[port].owner == h) {
                evtchn_close_port(h->ctx, d, port);
            }
        }
        g_ptr_array_remove(h->ctx->handles, h);
    }
    if (h->notify_fn) {
        event_loop_cancel(h->notify_loop, h->notify_fn, h->notify_opaque);
    }
    g_queue_clear(&h->fired);
    close(h->fd);
    g_free(h);
}

int xenner_evtchn_get_fd(XennerEvtchnHandle *h)
{
    return h->fd;
}

void xenner_evtchn_set_notifier(XennerEvtchnHandle *h, EventLoop *loop,
                                IOHandler *fn, void *opaque)
{
    bool queued = !g_queue_is_empty(&h->fired);

    if (h->notify_fn) {
        event_loop_cancel(h->notify_loop, h->notify_fn, h->notify_opaque);
    } else if (queued) {
        handle_fd_clear(h);
    }
    h->notify_loop = fn ? loop : NULL;
    h->notify_fn = fn;
    h->notify_opaque = fn ? opaque : NULL;
    if (!queued) {
        return;
    }
    if (fn) {
        event_loop_schedule(loop, fn, opaque);
    } else {
        handle_fd_set(h);
    }
}

static EvtchnDomain *handle_domain(XennerEvtchnHandle *h)
{
    return h->dead ? NULL : evtchn_domain(h->ctx, h->domid);
}

/*
 * Looks up a port this handle bound. Linux's evtchn driver answers
 * -EINVAL out of range and -ENOTCONN for a port the handle does not own.
 */
static int handle_port(XennerEvtchnHandle *h, evtchn_port_t port,
                       EvtchnDomain **d)
{
    *d = handle_domain(h);
    if (!*d) {
        return -ESRCH;
    }
    if (!evtchn_port_ok(*d, port)) {
        return -EINVAL;
    }
    return (*d)->ports[port].owner == h ? 0 : -ENOTCONN;
}

int xenner_evtchn_bind_interdomain(XennerEvtchnHandle *h,
                                   uint32_t remote_domid,
                                   evtchn_port_t remote_port)
{
    EvtchnDomain *d = handle_domain(h);

    if (!d) {
        return -ESRCH;
    }
    return evtchn_bind_interdomain(h->ctx, d, remote_domid, remote_port, h);
}

int xenner_evtchn_bind_unbound_port(XennerEvtchnHandle *h,
                                    uint32_t remote_domid)
{
    EvtchnDomain *d = handle_domain(h);

    if (!d) {
        return -ESRCH;
    }
    return evtchn_alloc_unbound(d, remote_domid, h);
}

int xenner_evtchn_unbind(XennerEvtchnHandle *h, evtchn_port_t port)
{
    EvtchnDomain *d;
    int ret = handle_port(h, port, &d);

    return ret ? ret : evtchn_close_port(h->ctx, d, port);
}

int xenner_evtchn_notify(XennerEvtchnHandle *h, evtchn_port_t port)
{
    EvtchnDomain *d;
    int ret = handle_port(h, port, &d);

    return ret ? ret : evtchn_send(h->ctx, d, port);
}

int xenner_evtchn_pending(XennerEvtchnHandle *h)
{
    EvtchnDomain *d;
    evtchn_port_t port;

    if (g_queue_is_empty(&h->fired)) {
        return -EAGAIN;
    }
    port = GPOINTER_TO_UINT(g_queue_pop_head(&h->fired));
    if (g_queue_is_empty(&h->fired) && !h->notify_fn) {
        handle_fd_clear(h);
    }
    /* Queued ports are reset when unbound, so the port is still ours. */
    d = handle_domain(h);
    if (d && port < d->nr_ports) {
        d->ports[port].queued = false;
    }
    return port;
}

int xenner_evtchn_unmask(XennerEvtchnHandle *h, evtchn_port_t port)
{
    EvtchnDomain *d;
    EvtchnPort *p;
    int ret = handle_port(h, port, &d);

    if (ret) {
        return ret;
    }
    p = &d->ports[port];
    p->masked = false;
    if (p->pending) {
        evtchn_deliver(d, port);
    }
    return 0;
}
