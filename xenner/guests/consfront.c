/*
 * Console frontend for in-process test guests; see consfront.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "consfront.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <xen/io/xenbus.h>

#include "hw/xen/xen_console_ring.h"
#include "util/parse.h"

struct ConsFront {
    XennerGuest *g;
    unsigned idx;
    bool primary;
    char *path;                 /* frontend directory */
    char *be_path;
    uint16_t be_domid;
    ConsFrontNotifyFn *fn;
    void *opaque;

    uint64_t gfn;
    struct xencons_interface *intf;
    int ref;                    /* -1: none */
    evtchn_port_t port;
    XenXsWatch *be_watch;
    bool connected;
    bool reconnect;             /* connect again once closed */
};

static void consfront_port_fired(void *opaque, evtchn_port_t port)
{
    ConsFront *cf = opaque;

    if (cf->fn && (cf->connected || cf->primary)) {
        cf->fn(cf->opaque, cf);
    }
}

ConsFront *consfront_new_primary(XennerGuest *g, uint64_t ring_gfn,
                                 evtchn_port_t port, ConsFrontNotifyFn *fn,
                                 void *opaque)
{
    ConsFront *cf = g_new0(ConsFront, 1);

    cf->g = g;
    cf->primary = true;
    cf->path = g_strdup("console");
    cf->fn = fn;
    cf->opaque = opaque;
    cf->gfn = ring_gfn;
    cf->intf = xenner_guest_page(g, ring_gfn);
    cf->ref = -1;
    cf->port = port;
    cf->connected = true;
    xenner_guest_set_port_handler(g, port, consfront_port_fired, cf);
    return cf;
}

static void consfront_release_ring(ConsFront *cf)
{
    if (cf->port) {
        xenner_guest_close_port(cf->g, cf->port);
        cf->port = 0;
    }
    if (cf->ref >= 0) {
        /* The backend has closed: it no longer maps the ring. */
        if (xenner_guest_end_access(cf->g, cf->ref) == 0) {
            xenner_guest_free_page(cf->g, cf->gfn);
        }
        cf->ref = -1;
    }
    cf->intf = NULL;
}

static bool consfront_setup_ring(ConsFront *cf)
{
    g_autofree char *key = NULL;
    int port;

    cf->intf = xenner_guest_alloc_page(cf->g, &cf->gfn);
    if (!cf->intf) {
        return false;
    }
    cf->ref = xenner_guest_grant(cf->g, cf->be_domid, cf->gfn, false);
    port = xenner_guest_alloc_unbound(cf->g, cf->be_domid,
                                      consfront_port_fired, cf);
    if (cf->ref < 0 || port < 0) {
        return false;
    }
    cf->port = port;
    key = g_strdup_printf("%s/ring-ref", cf->path);
    xenner_guest_xs_printf(cf->g, key, "%d", cf->ref);
    g_free(key);
    key = g_strdup_printf("%s/port", cf->path);
    xenner_guest_xs_printf(cf->g, key, "%u", cf->port);
    return xenner_guest_switch_state(cf->g, cf->path,
                                     XenbusStateInitialised) == 0;
}

static void consfront_backend_changed(void *opaque, const char *path)
{
    ConsFront *cf = opaque;
    int be_state = xenner_guest_xs_read_state(cf->g, cf->be_path);
    int state = xenner_guest_xs_read_state(cf->g, cf->path);

    switch (be_state) {
    case XenbusStateConnected:
        if (state == XenbusStateInitialised) {
            cf->connected = true;
            xenner_guest_switch_state(cf->g, cf->path, XenbusStateConnected);
            /* Output queued while connecting, input that came early. */
            consfront_port_fired(cf, cf->port);
        }
        break;
    case XenbusStateClosing:
    case XenbusStateClosed:
        /*
         * The backend closed, having unmapped the ring first. A frontend
         * that is already setting up again (Initialised) waits for the
         * backend to come back instead.
         */
        if (state != XenbusStateConnected && state != XenbusStateClosing &&
            !(be_state == XenbusStateClosing &&
              state == XenbusStateInitialised)) {
            break;
        }
        cf->connected = false;
        consfront_release_ring(cf);
        xenner_guest_switch_state(cf->g, cf->path, XenbusStateClosed);
        if (cf->reconnect) {
            cf->reconnect = false;
            xenner_guest_switch_state(cf->g, cf->path,
                                      XenbusStateInitialising);
            consfront_setup_ring(cf);
        }
        break;
    default:
        break;
    }
}

ConsFront *consfront_new(XennerGuest *g, unsigned idx, ConsFrontNotifyFn *fn,
                         void *opaque)
{
    ConsFront *cf = g_new0(ConsFront, 1);
    g_autofree char *key = NULL, *be_id = NULL;
    const XenXenstoreOps *ops = xenner_guest_xs_ops(g);
    uint64_t be_domid;

    cf->g = g;
    cf->idx = idx;
    cf->path = g_strdup_printf("device/console/%u", idx);
    cf->fn = fn;
    cf->opaque = opaque;
    cf->ref = -1;
    key = g_strdup_printf("%s/backend", cf->path);
    cf->be_path = xenner_guest_xs_read(g, key);
    g_free(key);
    key = g_strdup_printf("%s/backend-id", cf->path);
    be_id = xenner_guest_xs_read(g, key);
    if (!cf->be_path || !be_id ||
        !parse_decimal(be_id, DOMID_FIRST_RESERVED - 1, &be_domid)) {
        g_free(cf->be_path);
        cf->be_path = NULL;
        return cf;              /* never connects; freed as usual */
    }
    cf->be_domid = be_domid;
    g_autofree char *state_path = g_strdup_printf("%s/state", cf->be_path);
    ops->watch(xenner_guest_xs(g), state_path, consfront_backend_changed, cf,
               &cf->be_watch);
    consfront_setup_ring(cf);
    return cf;
}

void consfront_free(ConsFront *cf)
{
    if (!cf) {
        return;
    }
    if (cf->be_watch) {
        xenner_guest_xs_ops(cf->g)->unwatch(xenner_guest_xs(cf->g),
                                            cf->be_watch);
    }
    if (cf->primary) {
        xenner_guest_close_port(cf->g, cf->port);
    } else {
        if (cf->be_path) {
            xenner_guest_switch_state(cf->g, cf->path, XenbusStateClosed);
        }
        consfront_release_ring(cf);
    }
    g_free(cf->path);
    g_free(cf->be_path);
    g_free(cf);
}

unsigned consfront_index(ConsFront *cf)
{
    return cf->idx;
}

bool consfront_connected(ConsFront *cf)
{
    return cf->connected && cf->intf;
}

void consfront_reconnect(ConsFront *cf)
{
    if (cf->primary || !cf->be_path) {
        return;
    }
    cf->reconnect = true;
    cf->connected = false;
    xenner_guest_switch_state(cf->g, cf->path, XenbusStateClosing);
}

int consfront_read(ConsFront *cf, void *buf, size_t max)
{
    int n;

    if (!consfront_connected(cf)) {
        return -ENOTCONN;
    }
    n = xencons_read_in(cf->intf, buf, max);
    if (n > 0) {
        xenner_guest_notify(cf->g, cf->port);
    }
    return n;
}

int consfront_write(ConsFront *cf, const void *buf, size_t len)
{
    int n;

    if (!consfront_connected(cf)) {
        return -ENOTCONN;
    }
    n = xencons_write_out(cf->intf, buf, len);
    if (n > 0) {
        xenner_guest_notify(cf->g, cf->port);
    }
    return n;
}

int consfront_out_space(ConsFront *cf)
{
    return consfront_connected(cf) ? xencons_out_space(cf->intf) : 0;
}

struct xencons_interface *consfront_ring(ConsFront *cf)
{
    return cf->intf;
}

evtchn_port_t consfront_port(ConsFront *cf)
{
    return cf->port;
}

const char *consfront_path(ConsFront *cf)
{
    return cf->path;
}
