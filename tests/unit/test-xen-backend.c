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
} DummyDevice;

typedef struct Fixture {
    EventLoop *loop;
    XsTree *tree;
    Xenner *x;
    XenBackend *be;
    XennerGuest *guest;
    Counts counts;
    bool fail_init;
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

static bool dummy_initialise(XenDevice *xd, Error **errp)
{
    uint64_t port;
    int ret;

    fixture_of(xd)->counts.initialise++;
    if (!xen_device_fe_read_uint(xd, "port", UINT32_MAX, &port, errp)) {
        return false;
    }
    ret = xen_device_bind_evtchn(xd, port);
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

static void test_unplug(Fixture *f, gconstpointer data)
{
    create_device(f, NULL);
    frontend_connect(f);
    g_assert_cmpint(be_state(f), ==, XenbusStateConnected);

    /* libxl: online=0 and Closing; the frontend then closes. */
    XenXsHandle *xs = xenner_xs_open_as(f->x, 0);
    const XenXenstoreOps *ops = xenner_services(f->x)->xenstore;

    g_assert_cmpint(ops->write(xs, 0, BE_PATH "/online", "0", 1), ==, 0);
    g_assert_cmpint(ops->write(xs, 0, BE_PATH "/state", "5", 1), ==, 0);
    pump(f);
    g_assert_cmpint(f->counts.disconnect, ==, 1);
    g_assert_cmpint(be_state(f), ==, XenbusStateClosing);
    g_assert_cmpint(f->counts.free, ==, 0);
    fe_state(f, XenbusStateClosed);
    g_assert_cmpint(be_state(f), ==, XenbusStateClosed);
    g_assert_cmpint(f->counts.free, ==, 1);
    g_assert_null(xen_backend_find_device(f->be, "vdummy", DOMID, 0));
    ops->close(xs);
}

static void test_init_failure(Fixture *f, gconstpointer data)
{
    g_autofree char *error = NULL;

    f->fail_init = true;
    create_device(f, NULL);
    g_assert_cmpint(f->counts.init, ==, 1);
    g_assert_cmpint(be_state(f), ==, XenbusStateClosing);
    error = be_read(f, "error");
    g_assert_cmpstr(error, ==, "init refused");
    g_assert_cmpint(f->counts.free, ==, 0);
    fe_state(f, XenbusStateClosed);
    g_assert_cmpint(be_state(f), ==, XenbusStateClosed);

    /* Starting over runs init() again, which may now succeed. */
    f->fail_init = false;
    fe_state(f, XenbusStateInitialising);
    g_assert_cmpint(f->counts.init, ==, 2);
    g_assert_cmpint(be_state(f), ==, XenbusStateInitWait);
    frontend_connect(f);
    g_assert_cmpint(be_state(f), ==, XenbusStateConnected);
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

static void test_bad_port_fails_device(Fixture *f, gconstpointer data)
{
    g_autofree char *error = NULL;

    create_device(f, NULL);
    g_assert_cmpint(xenner_guest_xs_printf(f->guest, "device/vdummy/0/port",
                                           "%d", 4095), ==, 0);
    fe_state(f, XenbusStateInitialised);
    g_assert_cmpint(be_state(f), ==, XenbusStateClosing);
    error = be_read(f, "error");
    g_assert_nonnull(error);
    g_assert_cmpint(f->counts.connected, ==, 0);
    /* A partial initialise is undone. */
    g_assert_cmpint(f->counts.disconnect, ==, 1);

    /* The frontend starts over honestly and gets a working device. */
    fe_state(f, XenbusStateClosed);
    fe_state(f, XenbusStateInitialising);
    frontend_connect(f);
    g_assert_cmpint(be_state(f), ==, XenbusStateConnected);
    g_free(error);
    error = be_read(f, "error");
    g_assert_null(error);
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) \
    g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/xen-backend/lifecycle", test_lifecycle);
    ADD("/xen-backend/unplug", test_unplug);
    ADD("/xen-backend/init-failure", test_init_failure);
    ADD("/xen-backend/bad-port", test_bad_port_fails_device);
    ADD("/xen-backend/failure-retry", test_failure_retries_once_per_close);
    ADD("/xen-backend/not-claimed", test_not_claimed);
    ADD("/xen-backend/foreign-frontend", test_foreign_frontend_ignored);
    ADD("/xen-backend/removed-directory", test_removed_directory);
    ADD("/xen-backend/serve-one-domain", test_serve_one_domain);
    return g_test_run();
}
