/*
 * The backend core: discovery by xenstore watch, the xenbus state
 * machine, and the checked helpers backends use.
 *
 * Every watch event only schedules a check of its device from the event
 * loop; the check reads the current state of both directories and moves
 * the device as far as it can. Events may come in any number and order
 * (a guest can write its state a thousand times a second): the outcome
 * depends only on what xenstore holds when the check runs.
 *
 * Every decision is traced (domain xen-backend, docs/devel/
 * backend-core.md): why a directory was skipped, each state change with
 * its cause, each key read, each failure.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xen-backend"

#include "hw/xen/xen_backend.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"
#include "util/trace.h"
#include "xen_backend_int.h"

static const XenXenstoreOps *xs_ops(XenBackend *be)
{
    return be->svc->xenstore;
}

const char *xenbus_state_name(enum xenbus_state state)
{
    static const char *const names[] = {
        "Unknown", "Initialising", "InitWait", "Initialised", "Connected",
        "Closing", "Closed", "Reconfiguring", "Reconfigured",
    };

    return (unsigned)state < G_N_ELEMENTS(names) ? names[state] : "Invalid";
}

/* ---- xenstore helpers ------------------------------------------------ */

static char *xs_read_key(XenBackend *be, const char *dir, const char *key)
{
    g_autofree char *path = g_strdup_printf("%s/%s", dir, key);
    char *value;

    if (xs_ops(be)->read(be->xs, XEN_XS_TXN_NULL, path, &value, NULL)) {
        trace("read %s: absent", path);
        return NULL;
    }
    trace("read %s = \"%s\"", path, value);
    return value;
}

/* A key as xs_read_key() returned it: NULL, a missing key, is no number. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *value)
{
    return s && parse_decimal(s, max, value);
}

static enum xenbus_state read_state(XenBackend *be, const char *dir)
{
    g_autofree char *s = xs_read_key(be, dir, "state");
    uint64_t v;

    if (!parse_uint(s, XenbusStateReconfigured, &v)) {
        return XenbusStateUnknown;
    }
    return v;
}

static int xs_printf_key(XenBackend *be, const char *dir, const char *key,
                         const char *fmt, va_list ap)
{
    g_autofree char *path = g_strdup_printf("%s/%s", dir, key);
    g_autofree char *value = g_strdup_vprintf(fmt, ap);

    return xs_ops(be)->write(be->xs, XEN_XS_TXN_NULL, path, value,
                             strlen(value));
}

char *xen_device_fe_read(XenDevice *xd, const char *key)
{
    return xs_read_key(xd->backend, xd->fe_path, key);
}

char *xen_device_be_read(XenDevice *xd, const char *key)
{
    return xs_read_key(xd->backend, xd->be_path, key);
}

static bool fe_read_uint(XenDevice *xd, const char *key, uint64_t max,
                         const uint64_t *dflt, uint64_t *value, Error **errp)
{
    g_autofree char *s = xen_device_fe_read(xd, key);

    if (!s && dflt) {
        *value = *dflt;
        return true;
    }
    if (!s) {
        error_setg(errp, "%s/%s is missing", xd->fe_path, key);
        return false;
    }
    if (!parse_uint(s, max, value)) {
        error_setg(errp, "%s/%s is not a number up to %" PRIu64,
                   xd->fe_path, key, max);
        return false;
    }
    return true;
}

bool xen_device_fe_read_uint(XenDevice *xd, const char *key, uint64_t max,
                             uint64_t *value, Error **errp)
{
    return fe_read_uint(xd, key, max, NULL, value, errp);
}

bool xen_device_fe_read_uint_opt(XenDevice *xd, const char *key,
                                 uint64_t max, uint64_t dflt,
                                 uint64_t *value, Error **errp)
{
    return fe_read_uint(xd, key, max, &dflt, value, errp);
}

bool xen_device_fe_key_is_trusted(XenDevice *xd, const char *key)
{
    g_autofree char *path = g_strdup_printf("%s/%s", xd->fe_path, key);
    g_autofree XenXsPerm *perms = NULL;
    unsigned n;
    bool trusted;

    if (xs_ops(xd->backend)->get_perms(xd->backend->xs, XEN_XS_TXN_NULL,
                                       path, &perms, &n) || n == 0) {
        return false;
    }
    /* The owner may write; anyone else only with an explicit entry. */
    trusted = perms[0].domid != xd->fe_domid;
    for (unsigned i = 1; i < n; i++) {
        if (perms[i].domid == xd->fe_domid &&
            (perms[i].perms & XEN_XS_PERM_WRITE)) {
            trusted = false;
        }
    }
    if (!trusted) {
        return false;
    }
    /* An unprivileged owner other than us is as bad as the guest. */
    return perms[0].domid == 0 || perms[0].domid == xd->backend->domid;
}

int xen_device_be_printf(XenDevice *xd, const char *key, const char *fmt,
                         ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = xs_printf_key(xd->backend, xd->be_path, key, fmt, ap);
    va_end(ap);
    return ret;
}

int xen_device_fe_printf(XenDevice *xd, const char *key, const char *fmt,
                         ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = xs_printf_key(xd->backend, xd->fe_path, key, fmt, ap);
    va_end(ap);
    return ret;
}

/* ---- the state machine ----------------------------------------------- */

static void device_check(void *opaque);

static void device_schedule_check(XenDevice *xd)
{
    event_loop_schedule(xd->backend->loop, device_check, xd);
}

/* @why: what made the core move, for the trace. */
static void set_be_state(XenDevice *xd, enum xenbus_state state,
                         const char *why)
{
    if (xd->be_state == state) {
        return;
    }
    trace("%s: backend %s -> %s (%s)", xd->be_path,
          xenbus_state_name(xd->be_state), xenbus_state_name(state), why);
    xd->be_state = state;
    xen_device_be_printf(xd, "state", "%d", state);
}

void xen_device_fail(XenDevice *xd, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    if (xd->core->failed) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    xd->core->failed = true;
    xd->core->await_fe_closed = true;
    trace("%s: failed, error = \"%s\"", xd->be_path, msg);
    warn_report_ratelimited(&xd->backend->guest_errors, "%s: %s",
                            xd->be_path, msg);
    xen_device_be_printf(xd, "error", "%s", msg);
    device_schedule_check(xd);
}

bool xen_device_failed(XenDevice *xd)
{
    return xd->core->failed;
}

static void device_disconnect(XenDevice *xd)
{
    XenDeviceCore *core = xd->core;

    if (core->connected) {
        trace("%s: disconnect", xd->be_path);
        core->connected = false;
        xd->ops->disconnect(xd);
    }
    xen_device_close_evtchn(xd);
    if (core->gnttab) {
        xd->svc->gnttab->close(core->gnttab);
        core->gnttab = NULL;
    }
}

static void device_free(XenDevice *xd)
{
    XenBackend *be = xd->backend;
    XenDeviceCore *core = xd->core;

    event_loop_cancel(be->loop, device_check, xd);
    if (core->be_watch) {
        xs_ops(be)->unwatch(be->xs, core->be_watch);
    }
    if (core->fe_watch) {
        xs_ops(be)->unwatch(be->xs, core->fe_watch);
    }
    device_disconnect(xd);
    trace("%s: free%s", xd->be_path,
          core->inited ? "" : " (init never succeeded: nothing to undo)");
    if (core->inited && xd->ops->free) {
        xd->ops->free(xd);
    }
    g_hash_table_steal(be->devices, xd->be_path);
    g_free(xd->be_path);
    g_free(xd->fe_path);
    g_ptr_array_free(core->channels, true);
    g_free(core);
    g_free(xd);
}

static bool device_try_init(XenDevice *xd)
{
    Error *err = NULL;

    trace("%s: init", xd->be_path);
    if (!xd->ops->init(xd, &err)) {
        xen_device_fail(xd, "%s", error_get_pretty(err));
        error_free(err);
        return false;
    }
    xd->core->inited = true;
    xen_device_be_printf(xd, "hotplug-status", "connected");
    trace("%s: hotplug-status = connected", xd->be_path);
    set_be_state(xd, XenbusStateInitWait, "init done");
    return true;
}

static void device_try_initialise(XenDevice *xd)
{
    Error *err = NULL;

    trace("%s: initialise, frontend %s", xd->be_path,
          xenbus_state_name(xd->fe_state));
    xd->core->connected = true;     /* disconnect() undoes a partial one */
    if (!xd->ops->initialise(xd, &err)) {
        xen_device_fail(xd, "%s", error_get_pretty(err));
        error_free(err);
        return;
    }
    set_be_state(xd, XenbusStateConnected, "initialise done");
    if (xd->ops->connected) {
        xd->ops->connected(xd);
    }
}

static bool fe_gone(enum xenbus_state s)
{
    return s == XenbusStateClosed || s == XenbusStateUnknown;
}

/*
 * Reads what the check decides on: online and the frontend's state.
 * False when the toolstack removed the backend's state: the device is
 * gone.
 */
static bool device_read_states(XenDevice *xd)
{
    XenBackend *be = xd->backend;
    g_autofree char *online = xs_read_key(be, xd->be_path, "online");
    g_autofree char *be_state = xs_read_key(be, xd->be_path, "state");
    enum xenbus_state fe_state;
    bool is_online;

    if (!be_state) {
        return false;
    }
    is_online = online && !strcmp(online, "1");
    if (is_online != xd->core->online) {
        trace("%s: online %d -> %d", xd->be_path, xd->core->online,
              is_online);
    }
    xd->core->online = is_online;
    fe_state = xd->ignore_fe_state ? XenbusStateConnected
                                   : read_state(be, xd->fe_path);
    if (fe_state != xd->fe_state) {
        trace("%s: frontend %s -> %s%s", xd->be_path,
              xenbus_state_name(xd->fe_state), xenbus_state_name(fe_state),
              xd->ignore_fe_state ? " (it has no state node)" : "");
    }
    xd->fe_state = fe_state;
    return true;
}

/*
 * A failed device gets a fresh chance only from Closed, online, and
 * once its frontend closed after the failure and starts over.
 */
static bool device_may_retry(XenDevice *xd)
{
    return xd->be_state == XenbusStateClosed && xd->core->online &&
           !xd->core->await_fe_closed && !xd->ignore_fe_state &&
           (xd->fe_state == XenbusStateInitialising ||
            xd->fe_state == XenbusStateInitialised);
}

/*
 * A failed device closes as far as its frontend lets it. True when the
 * failure is over and the check goes on; false when it stops here (the
 * device may then be freed).
 */
static bool device_check_failed(XenDevice *xd)
{
    XenDeviceCore *core = xd->core;

    device_disconnect(xd);
    if (xd->be_state < XenbusStateClosing) {
        set_be_state(xd, XenbusStateClosing, "device failed");
    }
    if (xd->be_state == XenbusStateClosing &&
        (fe_gone(xd->fe_state) || xd->ignore_fe_state)) {
        set_be_state(xd, XenbusStateClosed, "failed, frontend gone");
    }
    if (fe_gone(xd->fe_state)) {
        core->await_fe_closed = false;
    }
    if (device_may_retry(xd)) {
        g_autofree char *error = g_strdup_printf("%s/error", xd->be_path);

        trace("%s: frontend starts over after the failure: error removed",
              xd->be_path);
        core->failed = false;
        xs_ops(xd->backend)->rm(xd->backend->xs, XEN_XS_TXN_NULL, error);
        return true;
    }
    if (xd->be_state == XenbusStateClosed && !core->online) {
        device_free(xd);
    }
    return false;
}

/*
 * online=0, the toolstack's unplug: Closing while the frontend is still
 * there, then Closed and freed.
 */
static void device_check_offline(XenDevice *xd)
{
    device_disconnect(xd);
    if (!fe_gone(xd->fe_state) && !xd->ignore_fe_state &&
        xd->fe_state != XenbusStateInitialising) {
        set_be_state(xd, XenbusStateClosing, "online=0, frontend still up");
        return;
    }
    set_be_state(xd, XenbusStateClosed, "online=0");
    device_free(xd);
}

static void device_check_initwait(XenDevice *xd)
{
    if (xd->fe_state == XenbusStateInitialised ||
        xd->fe_state == XenbusStateConnected) {
        device_try_initialise(xd);
    } else if (xd->fe_state == XenbusStateClosing) {
        set_be_state(xd, XenbusStateClosing, "frontend Closing");
    }
}

/* A frontend back in Initialising was rebooted or kexec'd: close first. */
static void device_check_connected(XenDevice *xd)
{
    if (xd->fe_state == XenbusStateClosing ||
        xd->fe_state == XenbusStateInitialising) {
        device_disconnect(xd);
        set_be_state(xd, XenbusStateClosing,
                     xd->fe_state == XenbusStateClosing
                     ? "frontend Closing" : "frontend restarted");
    } else if (fe_gone(xd->fe_state)) {
        device_disconnect(xd);
        set_be_state(xd, XenbusStateClosed, "frontend gone");
    }
}

static void device_check_closing(XenDevice *xd)
{
    /* Closed, or already past it and starting over. */
    if (xd->fe_state != XenbusStateClosing &&
        xd->fe_state != XenbusStateConnected) {
        set_be_state(xd, XenbusStateClosed, "frontend closed");
        device_schedule_check(xd);
    }
}

/* Reconnection: reboot, kexec or a driver reload. */
static void device_check_closed(XenDevice *xd)
{
    if (xd->fe_state != XenbusStateInitialising &&
        xd->fe_state != XenbusStateInitialised) {
        return;
    }
    /* A device whose init() failed has it run again. */
    if (!xd->core->inited && !device_try_init(xd)) {
        return;
    }
    set_be_state(xd, XenbusStateInitWait, "frontend reconnects");
    device_schedule_check(xd);
}

/*
 * The one place the state machine moves: reads both directories as they
 * are now and takes the device as far as it can go.
 */
static void device_check(void *opaque)
{
    XenDevice *xd = opaque;

    if (!device_read_states(xd)) {
        /* The toolstack removed the device. */
        device_free(xd);
        return;
    }
    if (xd->core->failed && !device_check_failed(xd)) {
        return;
    }
    if (!xd->core->online) {
        device_check_offline(xd);
        return;
    }
    switch (xd->be_state) {
    case XenbusStateInitialising:
        if (!device_try_init(xd)) {
            return;
        }
        /* fall through */
    case XenbusStateInitWait:
        device_check_initwait(xd);
        break;
    case XenbusStateConnected:
        device_check_connected(xd);
        break;
    case XenbusStateClosing:
        device_check_closing(xd);
        break;
    case XenbusStateClosed:
        device_check_closed(xd);
        break;
    default:
        break;
    }
}

/* ---- discovery --------------------------------------------------------- */

static void device_fe_changed(void *opaque, const char *path)
{
    XenDevice *xd = opaque;

    if (xd->ops->frontend_changed && xd->core->connected) {
        xd->ops->frontend_changed(xd);
    }
    device_schedule_check(xd);
}

static void device_be_changed(void *opaque, const char *path)
{
    XenDevice *xd = opaque;

    if (xd->ops->backend_changed && xd->core->connected) {
        xd->ops->backend_changed(xd);
    }
    device_schedule_check(xd);
}

/* Whether @be_path is worth a look: ours, new, and in Initialising. */
static bool probe_wanted(BackendType *t, uint16_t fe_domid,
                         const char *be_path)
{
    XenBackend *be = t->be;
    enum xenbus_state state;

    if (be->only_fe_domid >= 0 && fe_domid != be->only_fe_domid) {
        trace("%s: skipped: this process serves domain %d only", be_path,
              be->only_fe_domid);
        return false;
    }
    /* Known devices have their own watch: every key change lands here. */
    if (g_hash_table_contains(be->devices, be_path)) {
        return false;
    }
    state = read_state(be, be_path);
    if (state != XenbusStateInitialising) {
        trace("%s: skipped: state %s, not Initialising", be_path,
              xenbus_state_name(state));
        return false;
    }
    return true;
}

/*
 * The frontend directory of a device the toolstack has finished: online
 * 1, and a frontend inside the frontend domain's own tree. NULL (with
 * the reason traced, or warned when the toolstack got it wrong) if not.
 */
static char *probe_frontend(BackendType *t, uint16_t fe_domid,
                            const char *be_path)
{
    XenBackend *be = t->be;
    g_autofree char *online = xs_read_key(be, be_path, "online");
    g_autofree char *fe_path = xs_read_key(be, be_path, "frontend");
    g_autofree char *fe_id = xs_read_key(be, be_path, "frontend-id");
    g_autofree char *dom_path = NULL;
    uint64_t id;

    if (!online || strcmp(online, "1")) {
        trace("%s: skipped: not online", be_path);
        return NULL;
    }
    if (!fe_path || !fe_id) {
        trace("%s: skipped: no frontend or frontend-id yet", be_path);
        return NULL;
    }
    dom_path = xs_ops(be)->get_domain_path(be->xs, fe_domid);
    if (!parse_uint(fe_id, UINT16_MAX, &id) || id != fe_domid ||
        !g_str_has_prefix(fe_path, dom_path) ||
        fe_path[strlen(dom_path)] != '/') {
        trace("%s: refused: frontend %s of domain %s is not domain %u's",
              be_path, fe_path, fe_id, fe_domid);
        warn_report_ratelimited(&be->guest_errors,
                                "%s: frontend %s of domain %s does not "
                                "belong to domain %u; ignored", be_path,
                                fe_path, fe_id, fe_domid);
        return NULL;
    }
    return g_steal_pointer(&fe_path);
}

static XenDevice *device_new(BackendType *t, uint16_t fe_domid,
                             unsigned devid, char *be_path, char *fe_path)
{
    XenDevice *xd = g_malloc0(t->ops->size);
    XenDeviceCore *core = g_new0(XenDeviceCore, 1);

    core->channels = g_ptr_array_new();
    core->type = t;
    core->online = true;        /* probe_frontend() saw to it */
    xd->backend = t->be;
    xd->ops = t->ops;
    xd->svc = t->be->svc;
    xd->type_opaque = t->opaque;
    xd->fe_domid = fe_domid;
    xd->devid = devid;
    xd->be_path = be_path;
    xd->fe_path = fe_path;
    xd->be_state = XenbusStateInitialising;
    xd->fe_state = XenbusStateUnknown;
    xd->core = core;
    g_hash_table_insert(t->be->devices, xd->be_path, xd);
    return xd;
}

/* A device the toolstack has just made becomes ours, unless refused. */
static void device_probe(BackendType *t, uint16_t fe_domid, unsigned devid)
{
    XenBackend *be = t->be;
    g_autofree char *be_path = g_strdup_printf("%s/%u/%u", t->path, fe_domid,
                                               devid);
    char *fe_path;
    XenDevice *xd;

    if (!probe_wanted(t, fe_domid, be_path)) {
        return;
    }
    fe_path = probe_frontend(t, fe_domid, be_path);
    if (!fe_path) {
        return;
    }
    xd = device_new(t, fe_domid, devid, g_steal_pointer(&be_path), fe_path);
    if (t->ops->claim && !t->ops->claim(xd)) {
        /* Keep it known, so it is not probed again, but never touch it. */
        trace("%s: refused: %s backend does not claim it", xd->be_path,
              t->ops->type);
        xd->core->claimed = false;
        return;
    }
    trace("%s: probed, frontend %s", xd->be_path, xd->fe_path);
    xd->core->claimed = true;
    if (xs_ops(be)->watch(be->xs, xd->be_path, device_be_changed, xd,
                          &xd->core->be_watch) ||
        xs_ops(be)->watch(be->xs, xd->fe_path, device_fe_changed, xd,
                          &xd->core->fe_watch)) {
        xen_device_fail(xd, "cannot watch the device's directories");
    }
    device_schedule_check(xd);
}

static bool parse_id(const char *s, uint64_t max, uint64_t *v)
{
    /*
     * Directory names are canonical decimal: with leading zeros "01" and
     * "1" would be two directories for one device.
     */
    return s && (s[0] != '0' || !s[1]) && parse_uint(s, max, v);
}

static void type_scan_domain(BackendType *t, uint16_t fe_domid)
{
    XenBackend *be = t->be;
    g_autofree char *dir = g_strdup_printf("%s/%u", t->path, fe_domid);
    g_auto(GStrv) devs = NULL;
    uint64_t devid;

    if (xs_ops(be)->directory(be->xs, XEN_XS_TXN_NULL, dir, &devs)) {
        return;
    }
    for (char **d = devs; *d; d++) {
        if (parse_id(*d, INT32_MAX, &devid)) {
            device_probe(t, fe_domid, devid);
        }
    }
}

static void type_watch_fired(void *opaque, const char *path)
{
    BackendType *t = opaque;
    XenBackend *be = t->be;
    size_t len = strlen(t->path);
    g_auto(GStrv) parts = NULL;
    g_auto(GStrv) doms = NULL;
    uint64_t domid, devid;

    if (!g_str_has_prefix(path, t->path) ||
        (path[len] != '/' && path[len] != '\0')) {
        return;
    }
    /* .../<type>/<domid>/<devid>/<key>: look at that device only. */
    if (path[len] == '/') {
        parts = g_strsplit(path + len + 1, "/", 3);
        if (parts[0] && parts[1] &&
            parse_id(parts[0], DOMID_FIRST_RESERVED - 1, &domid) &&
            parse_id(parts[1], INT32_MAX, &devid)) {
            device_probe(t, domid, devid);
            return;
        }
        if (parts[0] && !parts[1] &&
            parse_id(parts[0], DOMID_FIRST_RESERVED - 1, &domid)) {
            type_scan_domain(t, domid);
            return;
        }
    }
    if (xs_ops(be)->directory(be->xs, XEN_XS_TXN_NULL, t->path, &doms)) {
        return;
    }
    for (char **d = doms; *d; d++) {
        if (parse_id(*d, DOMID_FIRST_RESERVED - 1, &domid)) {
            type_scan_domain(t, domid);
        }
    }
}

/* ---- the core ----------------------------------------------------------- */

XenBackend *xen_backend_new(EventLoop *loop, const XenServices *svc,
                            uint16_t be_domid, Error **errp)
{
    XenBackend *be = g_new0(XenBackend, 1);

    be->loop = loop;
    be->svc = svc;
    be->domid = be_domid;
    be->only_fe_domid = -1;
    be->xs = svc->xenstore->open(svc->provider, errp);
    if (!be->xs) {
        g_free(be);
        return NULL;
    }
    be->types = g_ptr_array_new();
    be->devices = g_hash_table_new(g_str_hash, g_str_equal);
    return be;
}

void xen_backend_free(XenBackend *be)
{
    GHashTableIter it;
    gpointer xd;

    if (!be) {
        return;
    }
    for (guint i = 0; i < be->types->len; i++) {
        BackendType *t = g_ptr_array_index(be->types, i);

        xs_ops(be)->unwatch(be->xs, t->watch);
    }
    /* device_free() steals each entry from the table. */
    g_hash_table_iter_init(&it, be->devices);
    while (g_hash_table_iter_next(&it, NULL, &xd)) {
        device_free(xd);
        g_hash_table_iter_init(&it, be->devices);
    }
    for (guint i = 0; i < be->types->len; i++) {
        BackendType *t = g_ptr_array_index(be->types, i);

        g_free(t->path);
        g_free(t);
    }
    g_ptr_array_free(be->types, true);
    g_hash_table_destroy(be->devices);
    xs_ops(be)->close(be->xs);
    g_free(be);
}

bool xen_backend_register(XenBackend *be, const XenDevOps *ops,
                          void *type_opaque, Error **errp)
{
    BackendType *t = g_new0(BackendType, 1);
    g_autofree char *dom_path = xs_ops(be)->get_domain_path(be->xs,
                                                            be->domid);
    g_autofree char *watch_path = NULL;
    int ret;

    t->be = be;
    t->ops = ops;
    t->opaque = type_opaque;
    t->path = g_strdup_printf("%s/backend/%s", dom_path, ops->type);
    /* Other domains' devices are not ours to hear about. */
    watch_path = be->only_fe_domid < 0
        ? g_strdup(t->path)
        : g_strdup_printf("%s/%d", t->path, be->only_fe_domid);
    ret = xs_ops(be)->watch(be->xs, watch_path, type_watch_fired, t,
                            &t->watch);
    if (ret) {
        error_setg(errp, "cannot watch %s: %s", watch_path, g_strerror(-ret));
        g_free(t->path);
        g_free(t);
        return false;
    }
    g_ptr_array_add(be->types, t);
    return true;
}

void xen_backend_serve_domain(XenBackend *be, uint16_t fe_domid)
{
    g_assert(!be->types->len);
    be->only_fe_domid = fe_domid;
}

EventLoop *xen_backend_loop(XenBackend *be)
{
    return be->loop;
}

uint16_t xen_backend_domid(XenBackend *be)
{
    return be->domid;
}

XenDevice *xen_backend_find_device(XenBackend *be, const char *type,
                                   uint16_t fe_domid, unsigned devid)
{
    g_autofree char *dom_path = xs_ops(be)->get_domain_path(be->xs,
                                                            be->domid);
    g_autofree char *path = g_strdup_printf("%s/backend/%s/%u/%u", dom_path,
                                            type, fe_domid, devid);
    XenDevice *xd = g_hash_table_lookup(be->devices, path);

    return xd && xd->core->claimed ? xd : NULL;
}

/* ---- the toolstack's part ---------------------------------------------- */

static int write_keys(XenBackend *be, uint32_t tx, const char *dir,
                      const char *const *kv, const XenXsPerm *perms,
                      unsigned nperms)
{
    for (; kv && kv[0]; kv += 2) {
        g_autofree char *path = g_strdup_printf("%s/%s", dir, kv[0]);
        int ret = xs_ops(be)->write(be->xs, tx, path, kv[1], strlen(kv[1])) ?:
                  xs_ops(be)->set_perms(be->xs, tx, path, perms, nperms);

        if (ret) {
            return ret;
        }
    }
    return 0;
}

bool xen_backend_create_device(XenBackend *be, const char *type,
                               uint16_t fe_domid, unsigned devid,
                               const char *fe_path,
                               const char *const *be_keys,
                               const char *const *fe_keys,
                               const char *const *fe_ro_keys, Error **errp)
{
    g_autofree char *be_dom = xs_ops(be)->get_domain_path(be->xs, be->domid);
    g_autofree char *fe_dom = xs_ops(be)->get_domain_path(be->xs, fe_domid);
    g_autofree char *be_path = g_strdup_printf("%s/backend/%s/%u/%u", be_dom,
                                               type, fe_domid, devid);
    g_autofree char *fe_default = g_strdup_printf("%s/device/%s/%u", fe_dom,
                                                  type, devid);
    g_autofree char *be_domid = g_strdup_printf("%u", be->domid);
    g_autofree char *fe_domid_s = g_strdup_printf("%u", fe_domid);
    /* As libxl: each side owns its directory and may read the other's. */
    const XenXsPerm be_perms[2] = {
        { be->domid, XEN_XS_PERM_NONE }, { fe_domid, XEN_XS_PERM_READ },
    };
    const XenXsPerm fe_perms[2] = {
        { fe_domid, XEN_XS_PERM_NONE }, { be->domid, XEN_XS_PERM_READ },
    };
    const XenXsPerm fe_ro_perms[2] = {
        { be->domid, XEN_XS_PERM_NONE }, { fe_domid, XEN_XS_PERM_READ },
    };
    uint32_t tx;
    int ret;

    if (!fe_path) {
        fe_path = fe_default;
    }
    do {
        const char *be_std[] = {
            "frontend", fe_path, "frontend-id", fe_domid_s, "online", "1",
            "state", "1", NULL,
        };
        const char *fe_std[] = {
            "backend", be_path, "backend-id", be_domid, "state", "1", NULL,
        };

        ret = xs_ops(be)->transaction_start(be->xs, &tx);
        if (ret) {
            break;
        }
        xs_ops(be)->rm(be->xs, tx, be_path);
        xs_ops(be)->rm(be->xs, tx, fe_path);
        ret = xs_ops(be)->mkdir(be->xs, tx, be_path) ?:
              xs_ops(be)->set_perms(be->xs, tx, be_path, be_perms, 2) ?:
              xs_ops(be)->mkdir(be->xs, tx, fe_path) ?:
              xs_ops(be)->set_perms(be->xs, tx, fe_path, fe_perms, 2) ?:
              write_keys(be, tx, be_path, be_keys, be_perms, 2) ?:
              write_keys(be, tx, fe_path, fe_keys, fe_perms, 2) ?:
              write_keys(be, tx, fe_path, fe_ro_keys, fe_ro_perms, 2) ?:
              write_keys(be, tx, fe_path, fe_std, fe_perms, 2) ?:
              /* state last, so discovery sees a complete directory */
              write_keys(be, tx, be_path, be_std, be_perms, 2);
        if (ret) {
            xs_ops(be)->transaction_end(be->xs, tx, true);
            break;
        }
        ret = xs_ops(be)->transaction_end(be->xs, tx, false);
    } while (ret == -EAGAIN);
    if (ret) {
        error_setg(errp, "cannot create %s: %s", be_path, g_strerror(-ret));
        return false;
    }
    return true;
}
