/*
 * Unit tests of Xenner event channels: guests acting through the
 * EVTCHNOP-shaped calls, a backend through the libxenevtchn-shaped
 * handle, held to the behaviour of Xen and Linux's evtchn driver.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <poll.h>
#include <glib.h>

#include "xenner/evtchn.h"

#define BE_DOMID 0
#define NR_PORTS 64

/* The upcalls a guest received, in order. */
typedef struct EtGuest {
    XennerEvtchn *ctx;
    uint32_t domid;
    bool clear;             /* clear pending in the upcall, as Linux does */
    GArray *ports;
} EtGuest;

typedef struct EtFixture {
    XennerEvtchn *ctx;
    XennerEvtchnHandle *be;
    EtGuest g1;
    EtGuest g2;
} EtFixture;

static void et_upcall(void *opaque, evtchn_port_t port)
{
    EtGuest *g = opaque;

    g_array_append_val(g->ports, port);
    if (g->clear) {
        g_assert_cmpint(xenner_evtchn_guest_clear_pending(g->ctx, g->domid,
                                                          port), ==, 0);
    }
}

static void et_guest_init(EtFixture *f, EtGuest *g, uint32_t domid)
{
    Error *err = NULL;

    g->ctx = f->ctx;
    g->domid = domid;
    g->clear = true;
    g->ports = g_array_new(false, false, sizeof(evtchn_port_t));
    g_assert_true(xenner_evtchn_add_domain(f->ctx, domid, NR_PORTS, &err));
    g_assert_null(err);
}

/* The upcalls since the last call, as "3 5", and forgets them. */
static char *et_take(EtGuest *g)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < g->ports->len; i++) {
        g_string_append_printf(s, "%s%u", i ? " " : "",
                               g_array_index(g->ports, evtchn_port_t, i));
    }
    g_array_set_size(g->ports, 0);
    return g_string_free(s, false);
}

/* Every port pending() reports until -EAGAIN, as "3 5". */
static char *et_drain(XennerEvtchnHandle *h)
{
    GString *s = g_string_new(NULL);
    int port;

    while ((port = xenner_evtchn_pending(h)) >= 0) {
        g_string_append_printf(s, "%s%d", s->len ? " " : "", port);
    }
    g_assert_cmpint(port, ==, -EAGAIN);
    return g_string_free(s, false);
}

static bool et_readable(XennerEvtchnHandle *h)
{
    struct pollfd pfd = { .fd = xenner_evtchn_get_fd(h), .events = POLLIN };

    g_assert_cmpint(poll(&pfd, 1, 0), >=, 0);
    return pfd.revents & POLLIN;
}

static void et_setup(EtFixture *f, gconstpointer data)
{
    Error *err = NULL;

    f->ctx = xenner_evtchn_new();
    g_assert_true(xenner_evtchn_add_domain(f->ctx, BE_DOMID,
                                           XENNER_EVTCHN_NR_PORTS_DEFAULT,
                                           &err));
    f->be = xenner_evtchn_open(f->ctx, BE_DOMID, &err);
    g_assert_nonnull(f->be);
    et_guest_init(f, &f->g1, 1);
    et_guest_init(f, &f->g2, 2);
    g_assert_true(xenner_evtchn_set_upcall(f->ctx, 1, et_upcall, &f->g1,
                                           &err));
    g_assert_true(xenner_evtchn_set_upcall(f->ctx, 2, et_upcall, &f->g2,
                                           &err));
    g_assert_null(err);
}

static void et_teardown(EtFixture *f, gconstpointer data)
{
    xenner_evtchn_close(f->be);
    xenner_evtchn_free(f->ctx);
    g_array_free(f->g1.ports, true);
    g_array_free(f->g2.ports, true);
}

#define ET_ADD(path, fn) \
    g_test_add((path), EtFixture, NULL, et_setup, (fn), et_teardown)

static void et_assert_status(XennerEvtchn *ctx, uint32_t domid,
                             evtchn_port_t port, uint32_t status,
                             uint16_t remote_domid, evtchn_port_t remote)
{
    XennerEvtchnStatus st;

    g_assert_cmpint(xenner_evtchn_guest_status(ctx, domid, port, &st), ==, 0);
    g_assert_cmpuint(st.status, ==, status);
    g_assert_cmpuint(st.remote_domid, ==, remote_domid);
    g_assert_cmpuint(st.remote_port, ==, remote);
}

#define et_assert_take(g, expect) do {                                     \
        g_autofree char *got_ = et_take(g);                                \
        g_assert_cmpstr(got_, ==, (expect));                               \
    } while (0)

#define et_assert_drain(h, expect) do {                                    \
        g_autofree char *got_ = et_drain(h);                               \
        g_assert_cmpstr(got_, ==, (expect));                               \
        g_assert_false(et_readable(h));                                    \
    } while (0)

/*
 * The usual frontend/backend handshake: the guest allocates, the backend
 * binds. Returns the backend's port; the guest's is *gport. The event
 * that binding raises (Xen sets the new port pending) is consumed.
 */
static int et_connect(EtFixture *f, EtGuest *g, evtchn_port_t *gport)
{
    int port = xenner_evtchn_guest_alloc_unbound(f->ctx, g->domid, BE_DOMID);
    int be_port;

    g_assert_cmpint(port, >, 0);
    be_port = xenner_evtchn_bind_interdomain(f->be, g->domid, port);
    g_assert_cmpint(be_port, >, 0);
    g_assert_cmpint(xenner_evtchn_pending(f->be), ==, be_port);
    g_assert_cmpint(xenner_evtchn_unmask(f->be, be_port), ==, 0);
    *gport = port;
    return be_port;
}

/* ---- binding and delivery --------------------------------------------- */

static void test_guest_to_backend(EtFixture *f, gconstpointer data)
{
    int gport, be_port;

    gport = xenner_evtchn_guest_alloc_unbound(f->ctx, 1, BE_DOMID);
    g_assert_cmpint(gport, ==, 1);
    et_assert_status(f->ctx, 1, gport, EVTCHNSTAT_unbound, BE_DOMID, 0);
    g_assert_false(et_readable(f->be));

    be_port = xenner_evtchn_bind_interdomain(f->be, 1, gport);
    g_assert_cmpint(be_port, ==, 1);
    et_assert_status(f->ctx, 1, gport, EVTCHNSTAT_interdomain, BE_DOMID,
                     be_port);
    et_assert_status(f->ctx, BE_DOMID, be_port, EVTCHNSTAT_interdomain, 1,
                     gport);

    /* Binding sets the new port pending, as Xen does. */
    g_assert_true(et_readable(f->be));
    et_assert_drain(f->be, "1");
    g_assert_cmpint(xenner_evtchn_unmask(f->be, be_port), ==, 0);
    et_assert_drain(f->be, "");

    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, gport), ==, 0);
    g_assert_true(et_readable(f->be));
    g_assert_cmpint(xenner_evtchn_pending(f->be), ==, be_port);
    g_assert_false(et_readable(f->be));
    g_assert_cmpint(xenner_evtchn_pending(f->be), ==, -EAGAIN);
    g_assert_cmpint(xenner_evtchn_unmask(f->be, be_port), ==, 0);
    et_assert_drain(f->be, "");
    et_assert_take(&f->g1, "");
}

static void test_backend_to_guest(EtFixture *f, gconstpointer data)
{
    evtchn_port_t gport;
    int be_port = et_connect(f, &f->g1, &gport);

    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    et_assert_take(&f->g1, "1");
    et_assert_take(&f->g2, "");
    g_assert_cmpint(xenner_evtchn_guest_is_pending(f->ctx, 1, gport), ==, 0);

    /* Xen raises no upcall for a port that is pending already. */
    f->g1.clear = false;
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    et_assert_take(&f->g1, "1");
    g_assert_cmpint(xenner_evtchn_guest_is_pending(f->ctx, 1, gport), ==, 1);
    g_assert_cmpint(xenner_evtchn_guest_clear_pending(f->ctx, 1, gport),
                    ==, 0);
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    et_assert_take(&f->g1, "1");
    et_assert_drain(f->be, "");
}

static void test_guest_binds(EtFixture *f, gconstpointer data)
{
    int be_port = xenner_evtchn_bind_unbound_port(f->be, 1);
    int gport;

    g_assert_cmpint(be_port, ==, 1);
    et_assert_status(f->ctx, BE_DOMID, be_port, EVTCHNSTAT_unbound, 1, 0);
    /* Another guest may not take it. */
    g_assert_cmpint(xenner_evtchn_guest_bind_interdomain(f->ctx, 2, BE_DOMID,
                                                         be_port),
                    ==, -EINVAL);

    gport = xenner_evtchn_guest_bind_interdomain(f->ctx, 1, BE_DOMID,
                                                 be_port);
    g_assert_cmpint(gport, ==, 1);
    /* The guest's new port is pending at once, as on Xen. */
    et_assert_take(&f->g1, "1");
    et_assert_status(f->ctx, BE_DOMID, be_port, EVTCHNSTAT_interdomain, 1,
                     gport);

    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, gport), ==, 0);
    et_assert_drain(f->be, "1");
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    et_assert_take(&f->g1, "1");
}

static void test_loopback(EtFixture *f, gconstpointer data)
{
    int a = xenner_evtchn_guest_alloc_unbound(f->ctx, 1, DOMID_SELF);
    int b;

    g_assert_cmpint(a, ==, 1);
    et_assert_status(f->ctx, 1, a, EVTCHNSTAT_unbound, 1, 0);
    b = xenner_evtchn_guest_bind_interdomain(f->ctx, 1, DOMID_SELF, a);
    g_assert_cmpint(b, ==, 2);
    et_assert_take(&f->g1, "2");
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, a), ==, 0);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, b), ==, 0);
    et_assert_take(&f->g1, "2 1");
    g_assert_cmpint(xenner_evtchn_guest_close(f->ctx, 1, a), ==, 0);
    et_assert_status(f->ctx, 1, b, EVTCHNSTAT_unbound, 1, 0);
}

/* ---- masking and the pending report ----------------------------------- */

static void test_guest_mask(EtFixture *f, gconstpointer data)
{
    evtchn_port_t gport;
    int be_port = et_connect(f, &f->g1, &gport);
    XennerEvtchnStatus st;

    g_assert_cmpint(xenner_evtchn_guest_mask(f->ctx, 1, gport), ==, 0);
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    et_assert_take(&f->g1, "");
    g_assert_cmpint(xenner_evtchn_guest_status(f->ctx, 1, gport, &st), ==, 0);
    g_assert_true(st.pending);
    g_assert_true(st.masked);

    /* Unmask delivers the held event, once. */
    g_assert_cmpint(xenner_evtchn_guest_unmask(f->ctx, 1, gport), ==, 0);
    et_assert_take(&f->g1, "1");
    g_assert_cmpint(xenner_evtchn_guest_unmask(f->ctx, 1, gport), ==, 0);
    et_assert_take(&f->g1, "");

    /* Masked with nothing pending: unmask raises nothing. */
    g_assert_cmpint(xenner_evtchn_guest_mask(f->ctx, 1, gport), ==, 0);
    g_assert_cmpint(xenner_evtchn_guest_unmask(f->ctx, 1, gport), ==, 0);
    et_assert_take(&f->g1, "");
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    et_assert_take(&f->g1, "1");

    /* Pending but never masked: Xen's unmask raises nothing then. */
    f->g1.clear = false;
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    et_assert_take(&f->g1, "1");
    g_assert_cmpint(xenner_evtchn_guest_unmask(f->ctx, 1, gport), ==, 0);
    et_assert_take(&f->g1, "");
    g_assert_cmpint(xenner_evtchn_guest_is_pending(f->ctx, 1, gport), ==, 1);
}

static void test_backend_pending_once(EtFixture *f, gconstpointer data)
{
    evtchn_port_t gport;
    int be_port = et_connect(f, &f->g1, &gport);

    /* The first send queues the port; later ones coalesce into its bit. */
    for (int i = 0; i < 3; i++) {
        g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, gport), ==, 0);
    }
    g_assert_true(et_readable(f->be));
    et_assert_drain(f->be, "1");
    et_assert_drain(f->be, "");

    /* Held while masked, then reported once after the unmask. */
    g_assert_cmpint(xenner_evtchn_unmask(f->be, be_port), ==, 0);
    g_assert_true(et_readable(f->be));
    et_assert_drain(f->be, "1");
    g_assert_cmpint(xenner_evtchn_unmask(f->be, be_port), ==, 0);
    et_assert_drain(f->be, "");

    /* Unmasking before reading does not queue the port twice. */
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, gport), ==, 0);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, gport), ==, 0);
    g_assert_cmpint(xenner_evtchn_unmask(f->be, be_port), ==, 0);
    et_assert_drain(f->be, "1");
}

static void test_backend_order(EtFixture *f, gconstpointer data)
{
    evtchn_port_t ga, gb, gc;
    int a = et_connect(f, &f->g1, &ga);
    int b = et_connect(f, &f->g1, &gb);
    int c = et_connect(f, &f->g2, &gc);

    g_assert_cmpint(a, ==, 1);
    g_assert_cmpint(b, ==, 2);
    g_assert_cmpint(c, ==, 3);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 2, gc), ==, 0);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, ga), ==, 0);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, gb), ==, 0);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, ga), ==, 0);
    et_assert_drain(f->be, "3 1 2");
}

/* ---- closing ------------------------------------------------------------ */

static void test_close_guest_end(EtFixture *f, gconstpointer data)
{
    evtchn_port_t gport;
    int be_port = et_connect(f, &f->g1, &gport);
    int again;

    g_assert_cmpint(xenner_evtchn_guest_close(f->ctx, 1, gport), ==, 0);
    et_assert_status(f->ctx, 1, gport, EVTCHNSTAT_closed, 0, 0);
    et_assert_status(f->ctx, BE_DOMID, be_port, EVTCHNSTAT_unbound, 1, 0);

    /* Xen drops a send on an unbound port and reports success. */
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    et_assert_take(&f->g1, "");
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, gport), ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_guest_close(f->ctx, 1, gport), ==, -EINVAL);
    et_assert_drain(f->be, "");

    /* The backend's port waits for the guest to connect again. */
    again = xenner_evtchn_guest_bind_interdomain(f->ctx, 1, BE_DOMID,
                                                 be_port);
    g_assert_cmpint(again, ==, gport);
    et_assert_take(&f->g1, "1");
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, again), ==, 0);
    et_assert_drain(f->be, "1");
}

static void test_close_backend_end(EtFixture *f, gconstpointer data)
{
    evtchn_port_t gport;
    int be_port = et_connect(f, &f->g1, &gport);

    /* An event still queued for the port goes with it. */
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, gport), ==, 0);
    g_assert_true(et_readable(f->be));
    g_assert_cmpint(xenner_evtchn_unbind(f->be, be_port), ==, 0);
    et_assert_drain(f->be, "");
    et_assert_status(f->ctx, 1, gport, EVTCHNSTAT_unbound, BE_DOMID, 0);
    et_assert_status(f->ctx, BE_DOMID, be_port, EVTCHNSTAT_closed, 0, 0);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, gport), ==, 0);

    /* Linux's evtchn driver: not this handle's port. */
    g_assert_cmpint(xenner_evtchn_unbind(f->be, be_port), ==, -ENOTCONN);
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, -ENOTCONN);
    g_assert_cmpint(xenner_evtchn_unmask(f->be, be_port), ==, -ENOTCONN);

    /* The guest's port is free to bind again. */
    be_port = xenner_evtchn_bind_interdomain(f->be, 1, gport);
    g_assert_cmpint(be_port, ==, 1);
    et_assert_drain(f->be, "1");
}

static void test_close_handle(EtFixture *f, gconstpointer data)
{
    Error *err = NULL;
    XennerEvtchnHandle *h2 = xenner_evtchn_open(f->ctx, BE_DOMID, &err);
    evtchn_port_t g1port, g2port;
    int p1, p2;

    g_assert_nonnull(h2);
    p1 = et_connect(f, &f->g1, &g1port);
    g2port = xenner_evtchn_guest_alloc_unbound(f->ctx, 2, BE_DOMID);
    p2 = xenner_evtchn_bind_interdomain(h2, 2, g2port);
    g_assert_cmpint(p2, ==, p1 + 1);

    /* Each handle owns its ports only. */
    g_assert_cmpint(xenner_evtchn_notify(f->be, p2), ==, -ENOTCONN);
    g_assert_cmpint(xenner_evtchn_notify(h2, p1), ==, -ENOTCONN);
    et_assert_drain(f->be, "");
    et_assert_drain(h2, "2");

    xenner_evtchn_close(h2);
    et_assert_status(f->ctx, 2, g2port, EVTCHNSTAT_unbound, BE_DOMID, 0);
    et_assert_status(f->ctx, BE_DOMID, p2, EVTCHNSTAT_closed, 0, 0);
    et_assert_status(f->ctx, 1, g1port, EVTCHNSTAT_interdomain, BE_DOMID,
                     p1);
}

/* ---- limits and hostile arguments ---------------------------------- */

static void test_exhaustion(EtFixture *f, gconstpointer data)
{
    Error *err = NULL;

    g_assert_true(xenner_evtchn_add_domain(f->ctx, 3, 8, &err));
    for (int i = 1; i < 8; i++) {
        g_assert_cmpint(xenner_evtchn_guest_alloc_unbound(f->ctx, 3, 0),
                        ==, i);
    }
    g_assert_cmpint(xenner_evtchn_guest_alloc_unbound(f->ctx, 3, 0),
                    ==, -ENOSPC);
    g_assert_cmpint(xenner_evtchn_guest_bind_interdomain(f->ctx, 3, 1, 1),
                    ==, -ENOSPC);
    g_assert_cmpint(xenner_evtchn_guest_close(f->ctx, 3, 5), ==, 0);
    g_assert_cmpint(xenner_evtchn_guest_alloc_unbound(f->ctx, 3, 0), ==, 5);
    g_assert_cmpint(xenner_evtchn_guest_status(f->ctx, 3, 8,
                                               &(XennerEvtchnStatus){ 0 }),
                    ==, -EINVAL);

    /* A full backend domain refuses too. */
    for (int i = 1; i < XENNER_EVTCHN_NR_PORTS_DEFAULT; i++) {
        g_assert_cmpint(xenner_evtchn_bind_unbound_port(f->be, 1), ==, i);
    }
    g_assert_cmpint(xenner_evtchn_bind_unbound_port(f->be, 1), ==, -ENOSPC);
    g_assert_cmpint(xenner_evtchn_bind_interdomain(f->be, 3, 1), ==, -ENOSPC);
}

static void test_guest_invalid(EtFixture *f, gconstpointer data)
{
    static const uint32_t bad_ports[] = { 0, NR_PORTS, NR_PORTS + 1,
                                          0x7fffffff, UINT32_MAX };
    static const uint32_t bad_domids[] = { 3, 0x7fef, DOMID_SELF, DOMID_IO,
                                           0xffff, 0x10000, UINT32_MAX };
    XennerEvtchnStatus st;
    evtchn_port_t gport;
    int be_port = et_connect(f, &f->g1, &gport);

    for (size_t i = 0; i < G_N_ELEMENTS(bad_ports); i++) {
        uint32_t p = bad_ports[i];

        g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, p), ==, -EINVAL);
        g_assert_cmpint(xenner_evtchn_guest_close(f->ctx, 1, p), ==, -EINVAL);
        g_assert_cmpint(xenner_evtchn_guest_mask(f->ctx, 1, p), ==, -EINVAL);
        g_assert_cmpint(xenner_evtchn_guest_unmask(f->ctx, 1, p),
                        ==, -EINVAL);
        g_assert_cmpint(xenner_evtchn_guest_is_pending(f->ctx, 1, p),
                        ==, -EINVAL);
        g_assert_cmpint(xenner_evtchn_guest_clear_pending(f->ctx, 1, p),
                        ==, -EINVAL);
        g_assert_cmpint(xenner_evtchn_guest_status(f->ctx, 1, p, &st),
                        ==, p ? -EINVAL : 0);
        g_assert_cmpint(xenner_evtchn_guest_bind_interdomain(f->ctx, 1,
                                                             BE_DOMID, p),
                        ==, -EINVAL);
    }
    /* As on Xen, port 0 reads as closed. */
    et_assert_status(f->ctx, 1, 0, EVTCHNSTAT_closed, 0, 0);

    for (size_t i = 0; i < G_N_ELEMENTS(bad_domids); i++) {
        uint32_t d = bad_domids[i];

        g_assert_cmpint(xenner_evtchn_guest_alloc_unbound(f->ctx, d, 0),
                        ==, -ESRCH);
        g_assert_cmpint(xenner_evtchn_guest_bind_interdomain(f->ctx, d, 1,
                                                             gport),
                        ==, -ESRCH);
        g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, d, 1), ==, -ESRCH);
        g_assert_cmpint(xenner_evtchn_guest_close(f->ctx, d, 1), ==, -ESRCH);
        g_assert_cmpint(xenner_evtchn_guest_mask(f->ctx, d, 1), ==, -ESRCH);
        g_assert_cmpint(xenner_evtchn_guest_unmask(f->ctx, d, 1), ==, -ESRCH);
        g_assert_cmpint(xenner_evtchn_guest_is_pending(f->ctx, d, 1),
                        ==, -ESRCH);
        g_assert_cmpint(xenner_evtchn_guest_clear_pending(f->ctx, d, 1),
                        ==, -ESRCH);
        g_assert_cmpint(xenner_evtchn_guest_status(f->ctx, d, 1, &st),
                        ==, -ESRCH);
        if (d != DOMID_SELF) {
            g_assert_cmpint(xenner_evtchn_guest_bind_interdomain(f->ctx, 2,
                                                                 d, gport),
                            ==, -ESRCH);
        }
    }

    /* Remote domain ids a domid_t cannot name, or reserved ones. */
    g_assert_cmpint(xenner_evtchn_guest_alloc_unbound(f->ctx, 1, 0x10000),
                    ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_guest_alloc_unbound(f->ctx, 1, DOMID_IO),
                    ==, -EINVAL);
    /* A domain that does not exist yet is fine, as on Xen. */
    g_assert_cmpint(xenner_evtchn_guest_alloc_unbound(f->ctx, 1, 7), ==, 2);

    /* Free ports, and ports in the wrong state. */
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, 3), ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_guest_close(f->ctx, 1, 3), ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_guest_bind_interdomain(f->ctx, 2, BE_DOMID,
                                                         3), ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_guest_bind_interdomain(f->ctx, 2, BE_DOMID,
                                                         be_port),
                    ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_guest_bind_interdomain(f->ctx, 2, 1, gport),
                    ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_guest_bind_interdomain(f->ctx, 2, 1, 2),
                    ==, -EINVAL);

    /* None of it disturbed the channel. */
    et_assert_status(f->ctx, 1, gport, EVTCHNSTAT_interdomain, BE_DOMID,
                     be_port);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, gport), ==, 0);
    et_assert_drain(f->be, "1");
    et_assert_take(&f->g1, "");
    et_assert_take(&f->g2, "");
}

static void test_backend_invalid(EtFixture *f, gconstpointer data)
{
    int for_g2 = xenner_evtchn_guest_alloc_unbound(f->ctx, 1, 2);
    evtchn_port_t gport;
    int be_port;

    /* Allocated for another domain: refused, as Xen does. */
    g_assert_cmpint(for_g2, ==, 1);
    g_assert_cmpint(xenner_evtchn_bind_interdomain(f->be, 1, for_g2),
                    ==, -EINVAL);
    et_assert_status(f->ctx, 1, for_g2, EVTCHNSTAT_unbound, 2, 0);
    g_assert_cmpint(xenner_evtchn_guest_bind_interdomain(f->ctx, 2, 1,
                                                         for_g2), ==, 1);

    be_port = et_connect(f, &f->g1, &gport);
    /* Bound already, free, out of range, unknown domains. */
    g_assert_cmpint(xenner_evtchn_bind_interdomain(f->be, 1, gport),
                    ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_bind_interdomain(f->be, 1, 9), ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_bind_interdomain(f->be, 1, 0), ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_bind_interdomain(f->be, 1, NR_PORTS),
                    ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_bind_interdomain(f->be, 1, UINT32_MAX),
                    ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_bind_interdomain(f->be, 5, 1), ==, -ESRCH);
    g_assert_cmpint(xenner_evtchn_bind_interdomain(f->be, 0x10001, 1),
                    ==, -ESRCH);
    g_assert_cmpint(xenner_evtchn_bind_unbound_port(f->be, 0x10000),
                    ==, -EINVAL);

    g_assert_cmpint(xenner_evtchn_notify(f->be, 0), ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_notify(f->be, UINT32_MAX), ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port + 1), ==, -ENOTCONN);
    g_assert_cmpint(xenner_evtchn_unbind(f->be, 0), ==, -EINVAL);
    g_assert_cmpint(xenner_evtchn_unmask(f->be,
                                         XENNER_EVTCHN_NR_PORTS_DEFAULT),
                    ==, -EINVAL);
    et_assert_drain(f->be, "");
    et_assert_take(&f->g1, "");
}

/* ---- domains ------------------------------------------------------------ */

static void test_remove_domain(EtFixture *f, gconstpointer data)
{
    Error *err = NULL;
    evtchn_port_t g1port, g2port;
    int p1 = et_connect(f, &f->g1, &g1port);
    int p2 = et_connect(f, &f->g2, &g2port);

    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, g1port), ==, 0);
    g_assert_true(xenner_evtchn_remove_domain(f->ctx, 1, &err));
    g_assert_false(xenner_evtchn_has_domain(f->ctx, 1));

    /* The backend sees its port unbound, waiting for domain 1. */
    et_assert_status(f->ctx, BE_DOMID, p1, EVTCHNSTAT_unbound, 1, 0);
    g_assert_cmpint(xenner_evtchn_notify(f->be, p1), ==, 0);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, g1port), ==, -ESRCH);
    g_assert_cmpint(xenner_evtchn_bind_interdomain(f->be, 1, g1port),
                    ==, -ESRCH);
    /* The event sent before the removal is still reported. */
    et_assert_drain(f->be, "1");
    et_assert_take(&f->g1, "");

    g_assert_false(xenner_evtchn_remove_domain(f->ctx, 1, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;

    /* The backend's own domain goes: its handle fails from then on. */
    g_assert_true(xenner_evtchn_remove_domain(f->ctx, BE_DOMID, &err));
    et_assert_status(f->ctx, 2, g2port, EVTCHNSTAT_unbound, BE_DOMID, 0);
    g_assert_cmpint(xenner_evtchn_notify(f->be, p2), ==, -ESRCH);
    g_assert_cmpint(xenner_evtchn_unmask(f->be, p2), ==, -ESRCH);
    g_assert_cmpint(xenner_evtchn_unbind(f->be, p2), ==, -ESRCH);
    g_assert_cmpint(xenner_evtchn_bind_interdomain(f->be, 2, g2port),
                    ==, -ESRCH);
    g_assert_cmpint(xenner_evtchn_bind_unbound_port(f->be, 2), ==, -ESRCH);
    et_assert_drain(f->be, "");

    /* A new domain of the same id does not revive the handle. */
    g_assert_true(xenner_evtchn_add_domain(f->ctx, BE_DOMID, 16, &err));
    g_assert_cmpint(xenner_evtchn_bind_interdomain(f->be, 2, g2port),
                    ==, -ESRCH);
    g_assert_null(err);
}

static void test_control_plane(EtFixture *f, gconstpointer data)
{
    static const struct {
        uint32_t domid, nr_ports;
    } bad[] = {
        { 1, NR_PORTS }, { 4, 0 }, { 4, 1 },
        { 4, XENNER_EVTCHN_NR_PORTS_MAX + 1 }, { DOMID_FIRST_RESERVED, 8 },
        { DOMID_SELF, 8 }, { 0x10000, 8 }, { UINT32_MAX, 8 },
    };
    XennerEvtchnHandle *h;
    XennerEvtchn *ctx;
    Error *err = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_false(xenner_evtchn_add_domain(f->ctx, bad[i].domid,
                                                bad[i].nr_ports, &err));
        g_assert_nonnull(err);
        error_free(err);
        err = NULL;
    }
    g_assert_true(xenner_evtchn_add_domain(f->ctx, 0x7fef,
                                           XENNER_EVTCHN_NR_PORTS_MAX, &err));
    g_assert_true(xenner_evtchn_add_domain(f->ctx, 4, 2, &err));
    g_assert_cmpint(xenner_evtchn_guest_alloc_unbound(f->ctx, 4, 0), ==, 1);
    g_assert_cmpint(xenner_evtchn_guest_alloc_unbound(f->ctx, 4, 0),
                    ==, -ENOSPC);

    g_assert_null(xenner_evtchn_open(f->ctx, 9, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    g_assert_false(xenner_evtchn_set_upcall(f->ctx, 9, et_upcall, NULL,
                                            &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;

    /* A handle may outlive its context: it fails, then closes. */
    ctx = xenner_evtchn_new();
    g_assert_true(xenner_evtchn_add_domain(ctx, 0, 8, &err));
    g_assert_true(xenner_evtchn_add_domain(ctx, 1, 8, &err));
    h = xenner_evtchn_open(ctx, 0, &err);
    g_assert_nonnull(h);
    g_assert_cmpint(xenner_evtchn_bind_unbound_port(h, 1), ==, 1);
    g_assert_cmpint(xenner_evtchn_guest_bind_interdomain(ctx, 1, 0, 1),
                    ==, 1);
    g_assert_cmpint(xenner_evtchn_guest_send(ctx, 1, 1), ==, 0);
    xenner_evtchn_free(ctx);
    g_assert_false(et_readable(h));
    g_assert_cmpint(xenner_evtchn_pending(h), ==, -EAGAIN);
    g_assert_cmpint(xenner_evtchn_notify(h, 1), ==, -ESRCH);
    xenner_evtchn_close(h);
    g_assert_null(err);
}

/* ---- scale ---------------------------------------------------------- */

static void test_many_ports(EtFixture *f, gconstpointer data)
{
    enum { N = NR_PORTS - 1 };
    evtchn_port_t gport[2][N];
    int be_port[2][N];
    EtGuest *g[2] = { &f->g1, &f->g2 };
    g_autoptr(GString) expect_be = g_string_new(NULL);
    GString *expect_g[2] = { g_string_new(NULL), g_string_new(NULL) };

    /* Both guests' tables full, connected in interleaved order. */
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < 2; j++) {
            be_port[j][i] = et_connect(f, g[j], &gport[j][i]);
            g_assert_cmpint(gport[j][i], ==, i + 1);
            g_assert_cmpint(be_port[j][i], ==, 2 * i + j + 1);
        }
    }
    for (int j = 0; j < 2; j++) {
        g_assert_cmpint(xenner_evtchn_guest_alloc_unbound(f->ctx, g[j]->domid,
                                                          0), ==, -ENOSPC);
    }

    /* Guests send in reverse order; the backend hears that order. */
    for (int i = N - 1; i >= 0; i--) {
        for (int j = 1; j >= 0; j--) {
            g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, g[j]->domid,
                                                     gport[j][i]), ==, 0);
            g_string_append_printf(expect_be, "%s%d",
                                   expect_be->len ? " " : "", be_port[j][i]);
        }
    }
    et_assert_drain(f->be, expect_be->str);

    /* Every third backend port notifies: each guest hears its own. */
    for (int i = 0; i < N; i += 3) {
        for (int j = 0; j < 2; j++) {
            g_assert_cmpint(xenner_evtchn_unmask(f->be, be_port[j][i]), ==, 0);
            g_assert_cmpint(xenner_evtchn_notify(f->be, be_port[j][i]), ==, 0);
            g_string_append_printf(expect_g[j], "%s%u",
                                   expect_g[j]->len ? " " : "", gport[j][i]);
        }
    }
    for (int j = 0; j < 2; j++) {
        et_assert_take(g[j], expect_g[j]->str);
        g_string_free(expect_g[j], true);
    }
    et_assert_drain(f->be, "");
}

static void test_100000_notifications(EtFixture *f, gconstpointer data)
{
    enum { COUNT = 100000 };
    evtchn_port_t gport;
    int be_port = et_connect(f, &f->g1, &gport);
    unsigned reported = 0;

    /* Read and unmasked each time: every event is reported. */
    for (int i = 0; i < COUNT; i++) {
        g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, gport), ==, 0);
        g_assert_true(et_readable(f->be));
        if (xenner_evtchn_pending(f->be) == be_port) {
            reported++;
        }
        g_assert_cmpint(xenner_evtchn_pending(f->be), ==, -EAGAIN);
        g_assert_cmpint(xenner_evtchn_unmask(f->be, be_port), ==, 0);
    }
    g_assert_cmpuint(reported, ==, COUNT);
    g_assert_false(et_readable(f->be));

    /* Not read meanwhile: one report, then one for the events held. */
    for (int i = 0; i < COUNT; i++) {
        g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, gport), ==, 0);
    }
    et_assert_drain(f->be, "1");
    g_assert_cmpint(xenner_evtchn_unmask(f->be, be_port), ==, 0);
    et_assert_drain(f->be, "1");
    g_assert_cmpint(xenner_evtchn_unmask(f->be, be_port), ==, 0);
    et_assert_drain(f->be, "");

    /* Towards the guest: each cleared event raises one upcall. */
    for (int i = 0; i < COUNT; i++) {
        g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    }
    g_assert_cmpuint(f->g1.ports->len, ==, COUNT);
    g_array_set_size(f->g1.ports, 0);

    /* Never cleared: the first raises the upcall, the rest coalesce. */
    f->g1.clear = false;
    for (int i = 0; i < COUNT; i++) {
        g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    }
    et_assert_take(&f->g1, "1");
    g_assert_cmpint(xenner_evtchn_guest_is_pending(f->ctx, 1, gport), ==, 1);
}

/* ---- an upcall may call back in -------------------------------------- */

typedef struct EtPong {
    XennerEvtchn *ctx;
    evtchn_port_t port;
    unsigned calls;
} EtPong;

static void et_pong(void *opaque, evtchn_port_t port)
{
    EtPong *p = opaque;

    p->calls++;
    g_assert_cmpint(xenner_evtchn_guest_clear_pending(p->ctx, 1, port), ==, 0);
    g_assert_cmpint(xenner_evtchn_guest_send(p->ctx, 1, p->port), ==, 0);
    /* Removing its own domain from inside the upcall is safe too. */
    if (p->calls == 2) {
        g_assert_true(xenner_evtchn_remove_domain(p->ctx, 1, NULL));
    }
}

static void test_upcall_reenters(EtFixture *f, gconstpointer data)
{
    EtPong pong = { .ctx = f->ctx };
    Error *err = NULL;
    int be_port = et_connect(f, &f->g1, &pong.port);

    g_assert_true(xenner_evtchn_set_upcall(f->ctx, 1, et_pong, &pong, &err));
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    g_assert_cmpuint(pong.calls, ==, 1);
    et_assert_drain(f->be, "1");
    g_assert_cmpint(xenner_evtchn_unmask(f->be, be_port), ==, 0);
    g_assert_cmpint(xenner_evtchn_notify(f->be, be_port), ==, 0);
    g_assert_cmpuint(pong.calls, ==, 2);
    g_assert_false(xenner_evtchn_has_domain(f->ctx, 1));
    et_assert_status(f->ctx, BE_DOMID, be_port, EVTCHNSTAT_unbound, 1, 0);
    g_assert_null(err);
}

/* ---- a direct notifier in place of the eventfd ------------------------ */

typedef struct EtNotified {
    XennerEvtchnHandle *h;
    unsigned calls;
    GString *ports;
} EtNotified;

static void et_notified(void *opaque)
{
    EtNotified *n = opaque;
    int port;

    n->calls++;
    while ((port = xenner_evtchn_pending(n->h)) >= 0) {
        g_string_append_printf(n->ports, "%s%d", n->ports->len ? " " : "",
                               port);
    }
}

static void et_run_bhs(EventLoop *loop)
{
    Error *err = NULL;

    g_assert_true(event_loop_run_once(loop, 0, &err));
    g_assert_null(err);
}

static void test_notifier(EtFixture *f, gconstpointer data)
{
    Error *err = NULL;
    EventLoop *loop = event_loop_new(&err);
    EtNotified n = { .h = f->be, .ports = g_string_new(NULL) };
    evtchn_port_t g1port, g2port;
    int p1, p2;

    g_assert_nonnull(loop);
    p1 = et_connect(f, &f->g1, &g1port);
    p2 = et_connect(f, &f->g2, &g2port);

    /* A port queued before the switch is reported through the new route. */
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, g1port), ==, 0);
    g_assert_true(et_readable(f->be));
    xenner_evtchn_set_notifier(f->be, loop, et_notified, &n);
    g_assert_false(et_readable(f->be));
    et_run_bhs(loop);
    g_assert_cmpuint(n.calls, ==, 1);
    g_assert_cmpstr(n.ports->str, ==, "1");

    /* Two ports firing before the loop runs: one call, both reported. */
    g_string_truncate(n.ports, 0);
    g_assert_cmpint(xenner_evtchn_unmask(f->be, p1), ==, 0);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 2, g2port), ==, 0);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, g1port), ==, 0);
    g_assert_false(et_readable(f->be));
    et_run_bhs(loop);
    g_assert_cmpuint(n.calls, ==, 2);
    g_assert_cmpstr(n.ports->str, ==, "2 1");

    /* Masked until unmasked, as through the fd. */
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 1, g1port), ==, 0);
    et_run_bhs(loop);
    g_assert_cmpuint(n.calls, ==, 2);
    g_assert_cmpint(xenner_evtchn_unmask(f->be, p1), ==, 0);
    et_run_bhs(loop);
    g_assert_cmpuint(n.calls, ==, 3);

    /* Back to the eventfd: a queued port makes it readable. */
    g_assert_cmpint(xenner_evtchn_unmask(f->be, p1), ==, 0);
    g_assert_cmpint(xenner_evtchn_unmask(f->be, p2), ==, 0);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 2, g2port), ==, 0);
    xenner_evtchn_set_notifier(f->be, NULL, NULL, NULL);
    g_assert_true(et_readable(f->be));
    et_run_bhs(loop);
    g_assert_cmpuint(n.calls, ==, 3);
    et_assert_drain(f->be, "2");

    /* Closing the handle cancels a call still due. */
    g_assert_cmpint(xenner_evtchn_unmask(f->be, p2), ==, 0);
    xenner_evtchn_set_notifier(f->be, loop, et_notified, &n);
    g_assert_cmpint(xenner_evtchn_guest_send(f->ctx, 2, g2port), ==, 0);
    xenner_evtchn_close(f->be);
    f->be = NULL;
    et_run_bhs(loop);
    g_assert_cmpuint(n.calls, ==, 3);

    g_string_free(n.ports, true);
    event_loop_free(loop);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    ET_ADD("/xenner/evtchn/guest-to-backend", test_guest_to_backend);
    ET_ADD("/xenner/evtchn/backend-to-guest", test_backend_to_guest);
    ET_ADD("/xenner/evtchn/guest-binds", test_guest_binds);
    ET_ADD("/xenner/evtchn/loopback", test_loopback);
    ET_ADD("/xenner/evtchn/guest-mask", test_guest_mask);
    ET_ADD("/xenner/evtchn/backend-pending-once", test_backend_pending_once);
    ET_ADD("/xenner/evtchn/backend-order", test_backend_order);
    ET_ADD("/xenner/evtchn/close-guest-end", test_close_guest_end);
    ET_ADD("/xenner/evtchn/close-backend-end", test_close_backend_end);
    ET_ADD("/xenner/evtchn/close-handle", test_close_handle);
    ET_ADD("/xenner/evtchn/exhaustion", test_exhaustion);
    ET_ADD("/xenner/evtchn/guest-invalid", test_guest_invalid);
    ET_ADD("/xenner/evtchn/backend-invalid", test_backend_invalid);
    ET_ADD("/xenner/evtchn/remove-domain", test_remove_domain);
    ET_ADD("/xenner/evtchn/control-plane", test_control_plane);
    ET_ADD("/xenner/evtchn/many-ports", test_many_ports);
    ET_ADD("/xenner/evtchn/100000-notifications", test_100000_notifications);
    ET_ADD("/xenner/evtchn/upcall-reenters", test_upcall_reenters);
    ET_ADD("/xenner/evtchn/notifier", test_notifier);
    return g_test_run();
}
