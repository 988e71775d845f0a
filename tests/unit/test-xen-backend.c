/*
 * The backend core's state machine, driven through Xenner's services by a
 * frontend written by hand, against a backend that only counts its
 * callbacks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "hw/xen/xen_backend.h"
#include "xenner/guest.h"
#include "xenner/xenner.h"

#define DOMID 3

typedef struct Counts {
    int init, initialise, connected, event, disconnect, free;
} Counts;

typedef struct DummyDevice {
    XenDevice xd;
    XenDeviceChannel *chan;     /* with Fixture.use_channel */
} DummyDevice;

typedef struct Fixture {
    EventLoop *loop;
    XsTree *tree;
    Xenner *x;
    XenBackend *be;
    XennerGuest *guest;
    Counts counts;
    bool fail_init;
    bool use_channel;           /* bind with xen_device_bind_channel() */
} Fixture;

static Fixture *fixture_of(XenDevice *xd)
{
    return xd->type_opaque;
}

static bool dummy_claim(XenDevice *xd)
{
    g_autofree char *type = xen_device_fe_read(xd, "type");

    return !type || strcmp(type, "not-ours");
}

static bool dummy_init(XenDevice *xd, Error **errp)
{
    Fixture *f = fixture_of(xd);

    f->counts.init++;
    if (f->fail_init) {
        error_setg(errp, "init refused");
        return false;
    }
    return true;
}

static void dummy_channel_event(XenDevice *xd, void *opaque)
{
    fixture_of(xd)->counts.event++;
}

static bool dummy_initialise(XenDevice *xd, Error **errp)
{
    uint64_t port;
    int ret;

    fixture_of(xd)->counts.initialise++;
    if (!xen_device_fe_read_uint(xd, "port", UINT32_MAX, &port, errp)) {
        return false;
    }
    ret = fixture_of(xd)->use_channel ?
        xen_device_bind_channel(xd, port, dummy_channel_event, NULL,
                                &((DummyDevice *)xd)->chan) :
        xen_device_bind_evtchn(xd, port);
    if (ret) {
        error_setg(errp, "bind: %s", g_strerror(-ret));
        return false;
    }
    return true;
}

static void dummy_connected(XenDevice *xd)
{
    fixture_of(xd)->counts.connected++;
}

static void dummy_event(XenDevice *xd)
{
    fixture_of(xd)->counts.event++;
}

static void dummy_disconnect(XenDevice *xd)
{
    fixture_of(xd)->counts.disconnect++;
    xen_device_unbind_evtchn(xd);
    xen_device_unbind_channel(xd, ((DummyDevice *)xd)->chan);
    ((DummyDevice *)xd)->chan = NULL;
}

static void dummy_free(XenDevice *xd)
{
    fixture_of(xd)->counts.free++;
}

static const XenDevOps dummy_ops = {
    .type = "vdummy",
    .size = sizeof(DummyDevice),
    .claim = dummy_claim,
    .init = dummy_init,
    .initialise = dummy_initialise,
    .connected = dummy_connected,
    .event = dummy_event,
    .disconnect = dummy_disconnect,
    .free = dummy_free,
};

static void pump(Fixture *f)
{
    for (int i = 0; i < 30; i++) {
        g_assert_true(event_loop_run_once(f->loop, 1, NULL));
    }
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    memset(f, 0, sizeof(*f));
    f->loop = event_loop_new(NULL);
    f->tree = xenner_xs_tree_new();
    f->x = xenner_new(f->loop, f->tree, NULL);
    g_assert_nonnull(f->x);
    g_assert_true(xenner_domain_create(f->x, DOMID, "t", 64, NULL));
    f->guest = xenner_guest_new(f->x, DOMID, NULL);
    g_assert_nonnull(f->guest);
    f->be = xen_backend_new(f->loop, xenner_services(f->x), 0, NULL);
    g_assert_nonnull(f->be);
    g_assert_true(xen_backend_register(f->be, &dummy_ops, f, NULL));
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    xen_backend_free(f->be);
    xenner_guest_free(f->guest);
    xenner_domain_destroy(f->x, DOMID);
    xenner_free(f->x);
    xenner_xs_tree_free(f->tree);
    event_loop_free(f->loop);
}

#define BE_PATH "/local/domain/0/backend/vdummy/3/0"
#define FE_PATH "/local/domain/3/device/vdummy/0"

static char *be_read(Fixture *f, const char *key)
{
    g_autofree char *path = g_strdup_printf("%s/%s", BE_PATH, key);

    return xenner_guest_xs_read(f->guest, path);
}

static int be_state(Fixture *f)
{
    return xenner_guest_xs_read_state(f->guest, BE_PATH);
}

static void fe_state(Fixture *f, int state)
{
    g_assert_cmpint(xenner_guest_switch_state(f->guest, "device/vdummy/0",
                                              state), ==, 0);
    pump(f);
}

static void create_device(Fixture *f, const char *type)
{
    const char *fe_ro[] = { "type", type, NULL };

    g_assert_true(xen_backend_create_device(f->be, "vdummy", DOMID, 0, NULL,
                                            NULL, NULL,
                                            type ? fe_ro : NULL, NULL));
    pump(f);
}

/* The frontend's half of the handshake: a port, then Initialised. */
static int frontend_connect(Fixture *f)
{
    int port = xenner_guest_alloc_unbound(f->guest, 0, NULL, NULL);

    g_assert_cmpint(port, >, 0);
    g_assert_cmpint(xenner_guest_xs_printf(f->guest, "device/vdummy/0/port",
                                           "%d", port), ==, 0);
    fe_state(f, XenbusStateInitialised);
    return port;
}

static void test_lifecycle(Fixture *f, gconstpointer data)
{
    g_autofree char *hotplug = NULL;
    int port;

    create_device(f, NULL);
    g_assert_cmpint(f->counts.init, ==, 1);
    g_assert_cmpint(be_state(f), ==, XenbusStateInitWait);
    hotplug = be_read(f, "hotplug-status");
    g_assert_cmpstr(hotplug, ==, "connected");
    g_assert_nonnull(xen_backend_find_device(f->be, "vdummy", DOMID, 0));

    port = frontend_connect(f);
    g_assert_cmpint(f->counts.initialise, ==, 1);
    g_assert_cmpint(f->counts.connected, ==, 1);
    g_assert_cmpint(be_state(f), ==, XenbusStateConnected);

    /* Bind set the port pending once; each send is one more event. */
    pump(f);
    int before = f->counts.event;
    g_assert_cmpint(xenner_guest_notify(f->guest, port), ==, 0);
    pump(f);
    g_assert_cmpint(f->counts.event, ==, before + 1);

    fe_state(f, XenbusStateConnected);
    g_assert_cmpint(be_state(f), ==, XenbusStateConnected);
    g_assert_cmpint(f->counts.initialise, ==, 1);

    fe_state(f, XenbusStateClosing);
    g_assert_cmpint(f->counts.disconnect, ==, 1);
    g_assert_cmpint(be_state(f), ==, XenbusStateClosing);
    fe_state(f, XenbusStateClosed);
    g_assert_cmpint(be_state(f), ==, XenbusStateClosed);

    /* Reconnection: a frontend that starts over gets a new connection. */
    xenner_guest_close_port(f->guest, port);
    fe_state(f, XenbusStateInitialising);
    g_assert_cmpint(be_state(f), ==, XenbusStateInitWait);
    port = frontend_connect(f);
    g_assert_cmpint(f->counts.initialise, ==, 2);
    g_assert_cmpint(be_state(f), ==, XenbusStateConnected);
    g_assert_cmpint(f->counts.init, ==, 1);
    g_assert_cmpint(f->counts.free, ==, 0);
}

/* ---- the state machine, one transition per row ------------------------ */

/* Where a row starts, reached by the steps of reach(). */
typedef enum Start {
    AT_NOTHING,                 /* no device yet */
    AT_INITWAIT,                /* made; the frontend is Initialising */
    AT_CONNECTED,               /* and the frontend Initialised */
    AT_CLOSING,                 /* then the frontend Closing */
    AT_CLOSED,                  /* then the frontend Closed */
    AT_UNPLUGGING,              /* Connected, then online=0 */
    AT_FAILED_CLOSED,           /* init() failed, the frontend Closed */
} Start;

/* What the frontend or the toolstack does. */
typedef enum Action {
    DONE,                       /* the end of reach()'s steps */
    CREATE,                     /* the toolstack makes the device */
    CREATE_FAILING_INIT,        /* ... and the backend's init() fails */
    FE_INITIALISING,
    FE_INITIALISED,             /* with a port it allocated */
    FE_INITIALISED_BAD_PORT,    /* with a port that does not exist */
    FE_CONNECTED,               /* with a port, skipping Initialised */
    FE_CLOSING,
    FE_CLOSED,
    UNPLUG,                     /* online=0 and state Closing, as libxl */
} Action;

#define ERR_ANY "*"

typedef struct Transition {
    const char *name;
    Start start;
    Action action;
    enum xenbus_state be_state; /* the backend's state node after */
    bool gone;                  /* the core freed the device */
    const char *hotplug;        /* hotplug-status; NULL: not checked */
    const char *error;          /* error node; NULL: absent */
    Counts calls;               /* ops calls the action caused */
} Transition;

static const Transition transitions[] = {
    { "discovery", AT_NOTHING, CREATE, XenbusStateInitWait,
      .hotplug = "connected", .calls = { .init = 1 } },
    { "init-fails", AT_NOTHING, CREATE_FAILING_INIT, XenbusStateClosing,
      .error = "init refused", .calls = { .init = 1 } },
    { "initwait-fe-initialised", AT_INITWAIT, FE_INITIALISED,
      XenbusStateConnected, .hotplug = "connected",
      .calls = { .initialise = 1, .connected = 1 } },
    { "initwait-fe-connected", AT_INITWAIT, FE_CONNECTED,
      XenbusStateConnected, .calls = { .initialise = 1, .connected = 1 } },
    { "initwait-fe-closing", AT_INITWAIT, FE_CLOSING, XenbusStateClosing },
    { "initialise-fails", AT_INITWAIT, FE_INITIALISED_BAD_PORT,
      XenbusStateClosing, .error = ERR_ANY,
      .calls = { .initialise = 1, .disconnect = 1 } },
    { "initwait-unplug", AT_INITWAIT, UNPLUG, XenbusStateClosed,
      .gone = true, .calls = { .free = 1 } },
    { "connected-fe-closing", AT_CONNECTED, FE_CLOSING, XenbusStateClosing,
      .calls = { .disconnect = 1 } },
    { "connected-fe-closed", AT_CONNECTED, FE_CLOSED, XenbusStateClosed,
      .calls = { .disconnect = 1 } },
    /*
     * kexec, or a frontend driver reloaded without closing first: the
     * backend closes, then waits for the new frontend.
     */
    { "connected-fe-initialising", AT_CONNECTED, FE_INITIALISING,
      XenbusStateInitWait, .hotplug = "connected",
      .calls = { .disconnect = 1 } },
    { "connected-unplug", AT_CONNECTED, UNPLUG, XenbusStateClosing,
      .calls = { .disconnect = 1 } },
    { "closing-fe-closed", AT_CLOSING, FE_CLOSED, XenbusStateClosed },
    { "closed-fe-initialising", AT_CLOSED, FE_INITIALISING,
      XenbusStateInitWait, .hotplug = "connected" },
    { "unplugging-fe-closed", AT_UNPLUGGING, FE_CLOSED, XenbusStateClosed,
      .gone = true, .calls = { .free = 1 } },
    /* init() runs again, now succeeding, and the error node goes. */
    { "failed-fe-initialising", AT_FAILED_CLOSED, FE_INITIALISING,
      XenbusStateInitWait, .hotplug = "connected",
      .calls = { .init = 1 } },
};

static void toolstack_unplug(Fixture *f)
{
    XenXsHandle *xs = xenner_xs_open_as(f->x, 0);
    const XenXenstoreOps *ops = xenner_services(f->x)->xenstore;

    g_assert_cmpint(ops->write(xs, 0, BE_PATH "/online", "0", 1), ==, 0);
    g_assert_cmpint(ops->write(xs, 0, BE_PATH "/state", "5", 1), ==, 0);
    ops->close(xs);
    pump(f);
}

static void frontend_port(Fixture *f, int port)
{
    g_assert_cmpint(xenner_guest_xs_printf(f->guest, "device/vdummy/0/port",
                                           "%d", port), ==, 0);
}

static void act(Fixture *f, Action action)
{
    switch (action) {
    case DONE:
        break;
    case CREATE_FAILING_INIT:
        f->fail_init = true;
        /* fall through */
    case CREATE:
        create_device(f, NULL);
        break;
    case FE_INITIALISING:
        fe_state(f, XenbusStateInitialising);
        break;
    case FE_INITIALISED:
        frontend_connect(f);
        break;
    case FE_INITIALISED_BAD_PORT:
        frontend_port(f, 4095);
        fe_state(f, XenbusStateInitialised);
        break;
    case FE_CONNECTED:
        frontend_port(f, xenner_guest_alloc_unbound(f->guest, 0, NULL, NULL));
        fe_state(f, XenbusStateConnected);
        break;
    case FE_CLOSING:
        fe_state(f, XenbusStateClosing);
        break;
    case FE_CLOSED:
        fe_state(f, XenbusStateClosed);
        break;
    case UNPLUG:
        toolstack_unplug(f);
        break;
    }
}

static void reach(Fixture *f, Start start)
{
    static const Action steps[][5] = {
        [AT_NOTHING] = { DONE },
        [AT_INITWAIT] = { CREATE },
        [AT_CONNECTED] = { CREATE, FE_INITIALISED },
        [AT_CLOSING] = { CREATE, FE_INITIALISED, FE_CLOSING },
        [AT_CLOSED] = { CREATE, FE_INITIALISED, FE_CLOSING, FE_CLOSED },
        [AT_UNPLUGGING] = { CREATE, FE_INITIALISED, UNPLUG },
        [AT_FAILED_CLOSED] = { CREATE_FAILING_INIT, FE_CLOSED },
    };

    for (const Action *a = steps[start]; *a != DONE; a++) {
        act(f, *a);
    }
    f->fail_init = false;
}

static void check_calls(const Counts *before, const Counts *after,
                        const Counts *want)
{
    g_assert_cmpint(after->init - before->init, ==, want->init);
    g_assert_cmpint(after->initialise - before->initialise, ==,
                    want->initialise);
    g_assert_cmpint(after->connected - before->connected, ==,
                    want->connected);
    g_assert_cmpint(after->disconnect - before->disconnect, ==,
                    want->disconnect);
    g_assert_cmpint(after->free - before->free, ==, want->free);
}

static void test_transition(Fixture *f, gconstpointer data)
{
    const Transition *t = data;
    g_autofree char *hotplug = NULL;
    g_autofree char *error = NULL;
    Counts before;

    reach(f, t->start);
    before = f->counts;
    act(f, t->action);

    g_assert_cmpstr(xenbus_state_name(be_state(f)), ==,
                    xenbus_state_name(t->be_state));
    g_assert_cmpint(!xen_backend_find_device(f->be, "vdummy", DOMID, 0), ==,
                    t->gone);
    if (t->hotplug) {
        hotplug = be_read(f, "hotplug-status");
        g_assert_cmpstr(hotplug, ==, t->hotplug);
    }
    error = be_read(f, "error");
    if (!t->error) {
        g_assert_null(error);
    } else if (strcmp(t->error, ERR_ANY)) {
        g_assert_cmpstr(error, ==, t->error);
    } else {
        g_assert_nonnull(error);
    }
    check_calls(&before, &f->counts, &t->calls);
}

/*
 * A frontend that sits in Initialising while init() keeps failing gets one
 * retry per close, not a loop that would starve the process.
 */
static void test_failure_retries_once_per_close(Fixture *f,
                                                gconstpointer data)
{
    f->fail_init = true;
    create_device(f, NULL);
    g_assert_cmpint(f->counts.init, ==, 1);
    fe_state(f, XenbusStateClosed);
    fe_state(f, XenbusStateInitialising);
    g_assert_cmpint(f->counts.init, ==, 2);
    pump(f);
    fe_state(f, XenbusStateInitialising);
    g_assert_cmpint(f->counts.init, ==, 2);
    g_assert_cmpint(be_state(f), >=, XenbusStateClosing);
    fe_state(f, XenbusStateClosed);
    g_assert_cmpint(be_state(f), ==, XenbusStateClosed);
    fe_state(f, XenbusStateInitialising);
    g_assert_cmpint(f->counts.init, ==, 3);
}

static void test_not_claimed(Fixture *f, gconstpointer data)
{
    create_device(f, "not-ours");
    g_assert_cmpint(f->counts.init, ==, 0);
    g_assert_cmpint(be_state(f), ==, XenbusStateInitialising);
    g_assert_null(xen_backend_find_device(f->be, "vdummy", DOMID, 0));
}

static void test_foreign_frontend_ignored(Fixture *f, gconstpointer data)
{
    const char *be_keys[] = { NULL };

    /* A frontend path outside domain 3's tree is a toolstack mistake. */
    g_assert_true(xen_backend_create_device(f->be, "vdummy", DOMID, 0,
                                            "/local/domain/4/device/x/0",
                                            be_keys, NULL, NULL, NULL));
    pump(f);
    g_assert_cmpint(f->counts.init, ==, 0);
    g_assert_null(xen_backend_find_device(f->be, "vdummy", DOMID, 0));
}

static void test_removed_directory(Fixture *f, gconstpointer data)
{
    XenXsHandle *xs = xenner_xs_open_as(f->x, 0);
    const XenXenstoreOps *ops = xenner_services(f->x)->xenstore;

    create_device(f, NULL);
    frontend_connect(f);
    g_assert_cmpint(ops->rm(xs, 0, BE_PATH), ==, 0);
    pump(f);
    g_assert_cmpint(f->counts.disconnect, ==, 1);
    g_assert_cmpint(f->counts.free, ==, 1);
    g_assert_null(xen_backend_find_device(f->be, "vdummy", DOMID, 0));
    ops->close(xs);
}

/*
 * A device model attached to one domain: another domain's devices of the
 * same type are left alone, for whoever serves that domain.
 */
static void test_serve_one_domain(Fixture *f, gconstpointer data)
{
    XenDevOps one_ops = dummy_ops;
    const char *be_keys[] = { NULL };
    XenXsHandle *xs = xenner_xs_open_as(f->x, 0);
    const XenXenstoreOps *ops = xenner_services(f->x)->xenstore;
    g_autofree char *state = NULL;
    XenBackend *be;

    one_ops.type = "vone";
    g_assert_true(xenner_domain_create(f->x, DOMID + 1, "other", 64, NULL));
    be = xen_backend_new(f->loop, xenner_services(f->x), 0, NULL);
    xen_backend_serve_domain(be, DOMID);
    g_assert_true(xen_backend_register(be, &one_ops, f, NULL));
    for (uint16_t domid = DOMID; domid <= DOMID + 1; domid++) {
        g_assert_true(xen_backend_create_device(f->be, "vone", domid, 0,
                                                NULL, be_keys, NULL, NULL,
                                                NULL));
    }
    pump(f);
    g_assert_nonnull(xen_backend_find_device(be, "vone", DOMID, 0));
    g_assert_null(xen_backend_find_device(be, "vone", DOMID + 1, 0));
    g_assert_cmpint(f->counts.init, ==, 1);
    g_assert_cmpint(xenner_guest_xs_read_state(
                        f->guest, "/local/domain/0/backend/vone/3/0"), ==,
                    XenbusStateInitWait);
    /* Domain 4 may not read it, so as the toolstack. */
    g_assert_cmpint(ops->read(xs, 0, "/local/domain/0/backend/vone/4/0/state",
                              &state, NULL), ==, 0);
    g_assert_cmpstr(state, ==, "1");
    ops->close(xs);
    xen_backend_free(be);
    xenner_domain_destroy(f->x, DOMID + 1);
}

/*
 * Numbers from the frontend are decimal, leading zeros and all, as
 * Linux's xenbus_scanf reads them: "010" is port 10, never octal 8.
 */
static void test_port_is_decimal(Fixture *f, gconstpointer data)
{
    g_autofree char *error = NULL;
    int port, events;

    /* A port whose digits mean another number, or none, in octal. */
    do {
        port = xenner_guest_alloc_unbound(f->guest, 0, NULL, NULL);
        g_assert_cmpint(port, >, 0);
    } while (port < 8);
    create_device(f, NULL);
    g_assert_cmpint(xenner_guest_xs_printf(f->guest, "device/vdummy/0/port",
                                           "0%d", port), ==, 0);
    fe_state(f, XenbusStateInitialised);
    g_assert_cmpint(be_state(f), ==, XenbusStateConnected);
    events = f->counts.event;
    g_assert_cmpint(xenner_guest_notify(f->guest, port), ==, 0);
    pump(f);
    g_assert_cmpint(f->counts.event, ==, events + 1);

    /* The same port in hex is refused, and the device fails. */
    fe_state(f, XenbusStateClosing);
    fe_state(f, XenbusStateClosed);
    fe_state(f, XenbusStateInitialising);
    g_assert_cmpint(xenner_guest_xs_printf(f->guest, "device/vdummy/0/port",
                                           "%#x", port), ==, 0);
    fe_state(f, XenbusStateInitialised);
    g_assert_cmpint(be_state(f), ==, XenbusStateClosing);
    error = be_read(f, "error");
    g_assert_nonnull(error);
}

/*
 * A held channel wakes nothing however often the guest notifies it, and
 * the release delivers what came meanwhile, once.
 */
static void test_channel_hold(Fixture *f, gconstpointer data)
{
    DummyDevice *dev;
    int port, before;

    f->use_channel = true;
    create_device(f, NULL);
    port = frontend_connect(f);
    g_assert_cmpint(be_state(f), ==, XenbusStateConnected);
    dev = (DummyDevice *)xen_backend_find_device(f->be, "vdummy", DOMID, 0);
    g_assert_nonnull(dev->chan);
    pump(f);
    before = f->counts.event;
    g_assert_cmpint(xenner_guest_notify(f->guest, port), ==, 0);
    pump(f);
    g_assert_cmpint(f->counts.event, ==, before + 1);

    xen_device_channel_hold(&dev->xd, dev->chan, true);
    for (int i = 0; i < 1000; i++) {
        g_assert_cmpint(xenner_guest_notify(f->guest, port), ==, 0);
        if (i % 100 == 0) {
            pump(f);
        }
    }
    pump(f);
    g_assert_cmpint(f->counts.event, ==, before + 1);
    xen_device_channel_hold(&dev->xd, dev->chan, false);
    pump(f);
    g_assert_cmpint(f->counts.event, ==, before + 2);
    /* Released: each notification is an event again. */
    g_assert_cmpint(xenner_guest_notify(f->guest, port), ==, 0);
    pump(f);
    g_assert_cmpint(f->counts.event, ==, before + 3);
}

/*
 * The guest's grant refs (the in-process frontends' grant allocator):
 * always the lowest free, from XENNER_GUEST_FIRST_GRANT_REF to the
 * table's end, across word boundaries of its bitmap, then -ENOSPC.
 */
static void test_guest_grant_refs(Fixture *f, gconstpointer data)
{
    static const uint32_t freed[] = { 9, 63, 64, 65, 200 };
    int ref, last = XENNER_GUEST_FIRST_GRANT_REF - 1;

    while ((ref = xenner_guest_grant(f->guest, 0, 1, false)) >= 0) {
        g_assert_cmpint(ref, ==, last + 1);
        last = ref;
    }
    g_assert_cmpint(ref, ==, -ENOSPC);
    g_assert_cmpint(last, >, 200);
    /* Freed out of order: given back lowest first. */
    for (size_t i = G_N_ELEMENTS(freed); i-- > 0;) {
        g_assert_cmpint(xenner_guest_end_access(f->guest, freed[i]), ==, 0);
    }
    g_assert_cmpint(xenner_guest_end_access(f->guest, 9), ==, -EINVAL);
    for (size_t i = 0; i < G_N_ELEMENTS(freed); i++) {
        g_assert_cmpint(xenner_guest_grant(f->guest, 0, 1, false), ==,
                        freed[i]);
    }
    g_assert_cmpint(xenner_guest_grant(f->guest, 0, 1, false), ==, -ENOSPC);
    /* The last ref, at the table's end, is found too. */
    g_assert_cmpint(xenner_guest_end_access(f->guest, last), ==, 0);
    g_assert_cmpint(xenner_guest_grant(f->guest, 0, 1, false), ==, last);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) \
    g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/xen-backend/lifecycle", test_lifecycle);
    for (size_t i = 0; i < G_N_ELEMENTS(transitions); i++) {
        g_autofree char *name = g_strdup_printf("/xen-backend/transition/%s",
                                                transitions[i].name);

        g_test_add(name, Fixture, &transitions[i], fixture_setup,
                   test_transition, fixture_teardown);
    }
    ADD("/xen-backend/failure-retry", test_failure_retries_once_per_close);
    ADD("/xen-backend/not-claimed", test_not_claimed);
    ADD("/xen-backend/foreign-frontend", test_foreign_frontend_ignored);
    ADD("/xen-backend/removed-directory", test_removed_directory);
    ADD("/xen-backend/serve-one-domain", test_serve_one_domain);
    ADD("/xen-backend/port-is-decimal", test_port_is_decimal);
    ADD("/xen-backend/channel-hold", test_channel_hold);
    ADD("/xen-backend/guest-grant-refs", test_guest_grant_refs);
    return g_test_run();
}
