/*
 * The backend core's helpers for a device's event channels and grants:
 * one event channel handle per device with any number of bound ports
 * (channels), and one gnttab handle, both opened on first use and closed
 * at disconnect.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xen-backend"

#include <errno.h>
#include <glib.h>

#include "util/trace.h"
#include "xen_backend_int.h"

struct XenDeviceChannel {
    evtchn_port_t local_port;
    XenDeviceEventFn *fn;
    void *opaque;
    bool fired;
    bool held;                  /* left masked after its next event */
    bool masked;                /* and it came: unmask on release */
};

static XenDeviceChannel *channel_of_port(XenDeviceCore *core, int port)
{
    for (guint i = 0; i < core->channels->len; i++) {
        XenDeviceChannel *chan = g_ptr_array_index(core->channels, i);

        if (chan->local_port == (evtchn_port_t)port) {
            return chan;
        }
    }
    return NULL;
}

static void device_evtchn_ready(void *opaque)
{
    XenDevice *xd = opaque;
    XenDeviceCore *core = xd->core;
    const XenEvtchnOps *ops = xd->svc->evtchn;
    int port;

    while ((port = ops->pending(core->evtchn)) > 0) {
        XenDeviceChannel *chan = channel_of_port(core, port);

        /* A held port stays masked: no more wake-ups until released. */
        if (chan && chan->held) {
            chan->masked = true;
            continue;
        }
        ops->unmask(core->evtchn, port);
        if (chan) {
            chan->fired = true;
        }
    }
    /*
     * A handler may unbind channels, shifting the array: start over
     * after each one; the flags say which are still to run.
     */
restart:
    for (guint i = 0; i < core->channels->len; i++) {
        XenDeviceChannel *chan = g_ptr_array_index(core->channels, i);

        if (chan->fired) {
            chan->fired = false;
            if (core->connected && !core->failed) {
                chan->fn(xd, chan->opaque);
            }
            goto restart;
        }
    }
}

static int device_open_evtchn(XenDevice *xd)
{
    XenDeviceCore *core = xd->core;
    const XenEvtchnOps *ops = xd->svc->evtchn;
    Error *err = NULL;

    if (core->evtchn) {
        return 0;
    }
    core->evtchn = ops->open(xd->svc->provider, &err);
    if (!core->evtchn) {
        warn_report("%s: %s", xd->be_path, error_get_pretty(err));
        error_free(err);
        return -ENODEV;
    }
    /* An in-process provider calls us directly: no wake-up of the loop. */
    core->evtchn_direct = ops->set_notifier &&
        ops->set_notifier(core->evtchn, xd->backend->loop,
                          device_evtchn_ready, xd);
    if (!core->evtchn_direct &&
        !event_loop_set_fd_handler(xd->backend->loop,
                                   ops->get_fd(core->evtchn),
                                   device_evtchn_ready, NULL, xd, NULL)) {
        ops->close(core->evtchn);
        core->evtchn = NULL;
        return -ENOMEM;
    }
    return 0;
}

int xen_device_bind_channel(XenDevice *xd, evtchn_port_t remote_port,
                            XenDeviceEventFn *fn, void *opaque,
                            XenDeviceChannel **chan)
{
    XenDeviceCore *core = xd->core;
    XenDeviceChannel *c;
    int port = device_open_evtchn(xd);

    if (port < 0) {
        return port;
    }
    port = xd->svc->evtchn->bind_interdomain(core->evtchn, xd->fe_domid,
                                             remote_port);
    if (port < 0) {
        trace("%s: cannot bind frontend port %u: %s", xd->be_path,
              remote_port, g_strerror(-port));
        return port;
    }
    trace("%s: frontend port %u bound to local port %d", xd->be_path,
          remote_port, port);
    c = g_new0(XenDeviceChannel, 1);
    c->local_port = port;
    c->fn = fn;
    c->opaque = opaque;
    g_ptr_array_add(core->channels, c);
    *chan = c;
    return 0;
}

void xen_device_unbind_channel(XenDevice *xd, XenDeviceChannel *chan)
{
    XenDeviceCore *core = xd->core;

    if (!chan || !g_ptr_array_remove(core->channels, chan)) {
        return;
    }
    trace("%s: local port %u unbound", xd->be_path, chan->local_port);
    xd->svc->evtchn->unbind(core->evtchn, chan->local_port);
    if (core->main_channel == chan) {
        core->main_channel = NULL;
    }
    g_free(chan);
}

void xen_device_channel_hold(XenDevice *xd, XenDeviceChannel *chan,
                             bool hold)
{
    if (!chan || chan->held == hold) {
        return;
    }
    chan->held = hold;
    trace("%s: local port %u %s", xd->be_path, chan->local_port,
          hold ? "held masked" : "released");
    if (!hold && chan->masked) {
        chan->masked = false;
        /* An event that came meanwhile is delivered again by the unmask. */
        xd->svc->evtchn->unmask(xd->core->evtchn, chan->local_port);
    }
}

int xen_device_channel_notify(XenDevice *xd, XenDeviceChannel *chan)
{
    return xd->svc->evtchn->notify(xd->core->evtchn, chan->local_port);
}

static void device_main_event(XenDevice *xd, void *opaque)
{
    xd->ops->event(xd);
}

int xen_device_bind_evtchn(XenDevice *xd, evtchn_port_t remote_port)
{
    if (xd->core->main_channel) {
        return -EBUSY;
    }
    return xen_device_bind_channel(xd, remote_port, device_main_event, NULL,
                                   &xd->core->main_channel);
}

void xen_device_unbind_evtchn(XenDevice *xd)
{
    xen_device_unbind_channel(xd, xd->core->main_channel);
}

void xen_device_close_evtchn(XenDevice *xd)
{
    XenDeviceCore *core = xd->core;

    while (core->channels->len) {
        xen_device_unbind_channel(xd, g_ptr_array_index(core->channels, 0));
    }
    if (core->evtchn) {
        /* Closing cancels a direct call still due. */
        if (!core->evtchn_direct) {
            event_loop_set_fd_handler(xd->backend->loop,
                                      xd->svc->evtchn->get_fd(core->evtchn),
                                      NULL, NULL, NULL, NULL);
        }
        xd->svc->evtchn->close(core->evtchn);
        core->evtchn = NULL;
    }
}

int xen_device_notify(XenDevice *xd)
{
    if (!xd->core->main_channel) {
        return -ENOTCONN;
    }
    return xen_device_channel_notify(xd, xd->core->main_channel);
}

static int device_open_gnttab(XenDevice *xd)
{
    XenDeviceCore *core = xd->core;
    Error *err = NULL;

    if (core->gnttab) {
        return 0;
    }
    core->gnttab = xd->svc->gnttab->open(xd->svc->provider, &err);
    if (!core->gnttab) {
        warn_report("%s: %s", xd->be_path, error_get_pretty(err));
        error_free(err);
        return -ENODEV;
    }
    return 0;
}

int xen_device_grant_copy(XenDevice *xd, bool to_domain,
                          XenGrantCopySeg *segs, unsigned count)
{
    int ret = device_open_gnttab(xd);

    if (ret < 0) {
        return ret;
    }
    return xd->svc->gnttab->grant_copy(xd->core->gnttab, xd->fe_domid,
                                       to_domain, segs, count);
}

int xen_device_map_refs(XenDevice *xd, const uint32_t *refs, unsigned count,
                        bool writable, void **addr)
{
    int ret = device_open_gnttab(xd);

    if (ret < 0) {
        return ret;
    }
    return xd->svc->gnttab->map_refs(xd->core->gnttab, xd->fe_domid, count,
                                     refs, writable, addr);
}

int xen_device_unmap_refs(XenDevice *xd, void *addr, const uint32_t *refs,
                          unsigned count)
{
    if (!xd->core->gnttab) {
        return -EINVAL;
    }
    return xd->svc->gnttab->unmap(xd->core->gnttab, addr, refs, count);
}
