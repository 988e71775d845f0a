/*
 * The console backend (xen/io/console.h).
 *
 * Output (guest to host) flows out ring -> buffer -> chardev. When the
 * host side is slow the buffer fills; past `limit` bytes we stop reading
 * the ring, so the guest waits on a full ring instead of its output being
 * lost or our memory growing. Input (host to guest) is taken from the
 * chardev only as far as the guest's in ring has room.
 *
 * The guest writes both rings' indices: each is read once and checked
 * (xen_console_ring.c); a guest that lies fails its own device only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xen-console"

#include "hw/xen/xen_console.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "hw/xen/xen_console_ring.h"
#include "util/trace.h"

typedef struct XenConsole {
    XenDevice xd;
    Chardev *chr;
    bool chr_owned;             /* made from a legacy spec for us alone */
    struct xencons_interface *intf;
    bool intf_granted;          /* else foreign-mapped (primary console) */
    uint32_t ring_ref;
    uint8_t *buf;               /* output the chardev has not taken yet: */
    size_t buf_start;           /* buf[buf_start .. buf_start + buf_len) */
    size_t buf_len;
    size_t limit;
    bool write_watch;
} XenConsole;

static XenConsole *to_console(XenDevice *xd)
{
    return (XenConsole *)xd;
}

static bool console_is_primary(XenDevice *xd)
{
    return xd->devid == 0;
}

static void console_pump_out(XenConsole *con);

static void console_write_ready(void *opaque)
{
    XenConsole *con = opaque;

    con->write_watch = false;
    console_pump_out(con);
}

/* Hands buffered output to the chardev; false while it cannot take more. */
static bool console_flush(XenConsole *con)
{
    while (con->buf_len) {
        ssize_t n = chardev_write(con->chr, con->buf + con->buf_start,
                                  con->buf_len);

        if (n < 0) {
            /* The host side failed: its output is lost, as on a hang-up. */
            con->buf_len = 0;
            break;
        }
        if (n == 0) {
            if (!con->write_watch) {
                con->write_watch = true;
                chardev_add_write_watch(con->chr, console_write_ready, con);
            }
            return false;
        }
        con->buf_start += n;
        con->buf_len -= n;
    }
    con->buf_start = 0;
    return true;
}

/* Room at the end of the buffer, moving what waits to the front if that
 * makes a ring's worth more. */
static size_t console_buf_room(XenConsole *con)
{
    if (con->buf_start &&
        con->limit - con->buf_start - con->buf_len < sizeof(con->intf->out)) {
        memmove(con->buf, con->buf + con->buf_start, con->buf_len);
        con->buf_start = 0;
    }
    return con->limit - con->buf_start - con->buf_len;
}

/*
 * A guest that refills its ring as fast as we drain it would keep us
 * here forever: after this many rounds the rest waits for the next turn
 * of the event loop, so other devices get theirs.
 */
#define CONSOLE_ROUNDS_PER_TURN 64

static void console_pump_bh(void *opaque)
{
    console_pump_out(opaque);
}

static void console_pump_out(XenConsole *con)
{
    XenDevice *xd = &con->xd;
    bool consumed = false;
    unsigned rounds = 0;

    if (!con->intf || xen_device_failed(xd)) {
        console_flush(con);
        return;
    }
    for (;;) {
        size_t room;
        int n;

        console_flush(con);
        room = console_buf_room(con);
        if (!room) {
            /* The host side is slow and `limit` is reached: the ring
             * stays full and the guest waits. */
            break;
        }
        if (++rounds > CONSOLE_ROUNDS_PER_TURN) {
            event_loop_schedule(xen_backend_loop(xd->backend),
                                console_pump_bh, con);
            break;
        }
        n = xencons_read_out(con->intf,
                             con->buf + con->buf_start + con->buf_len, room);
        if (n < 0) {
            xen_device_fail(xd, "out ring indices are inconsistent "
                            "(more than %zu bytes pending)",
                            sizeof(con->intf->out));
            return;
        }
        if (n == 0) {
            break;
        }
        con->buf_len += n;
        consumed = true;
    }
    console_flush(con);
    if (consumed) {
        xen_device_notify(xd);
    }
}

/* ---- chardev side ---------------------------------------------------- */

static size_t console_can_read(void *opaque)
{
    XenConsole *con = opaque;
    int space;

    if (!con->intf || xen_device_failed(&con->xd)) {
        return 0;
    }
    space = xencons_in_space(con->intf);
    if (space < 0) {
        xen_device_fail(&con->xd, "in ring indices are inconsistent");
        return 0;
    }
    return space;
}

static void console_read(void *opaque, const void *buf, size_t len)
{
    XenConsole *con = opaque;
    int n;

    if (!con->intf || xen_device_failed(&con->xd)) {
        return;
    }
    n = xencons_write_in(con->intf, buf, len);
    if (n < 0) {
        xen_device_fail(&con->xd, "in ring indices are inconsistent");
        return;
    }
    if ((size_t)n < len) {
        /* The chardev offered more than can_read allowed: a bug, not the
         * guest's doing; the rest is lost rather than overrun the ring. */
        warn_report("%s: %zu input bytes dropped", con->xd.be_path,
                    len - (size_t)n);
    }
    xen_device_notify(&con->xd);
}

static void console_chr_event(void *opaque, ChardevEvent event)
{
}

/* ---- the device ------------------------------------------------------ */

static bool console_claim(XenDevice *xd)
{
    g_autofree char *type = xen_device_fe_read(xd, "type");

    /* type=xenconsoled (or anything else) is another daemon's to serve. */
    return !type || !strcmp(type, "ioemu");
}

static char *console_read_trusted(XenDevice *xd, const char *key)
{
    char *value = xen_device_fe_read(xd, key);

    if (value && !xen_device_fe_key_is_trusted(xd, key)) {
        trace("%s: refused %s/%s: the guest may write it", xd->be_path,
              xd->fe_path, key);
        warn_report("%s: %s/%s is writable by the guest; ignored",
                    xd->be_path, xd->fe_path, key);
        g_free(value);
        return NULL;
    }
    return value ? value : xen_device_be_read(xd, key);
}

static bool console_open_output(XenConsole *con, const char *output,
                                Error **errp)
{
    XenDevice *xd = &con->xd;
    ChardevSet *chardevs = xd->type_opaque;
    g_autofree char *label = g_strdup_printf("xencons%u.%u", xd->fe_domid,
                                             xd->devid);
    g_autofree char *spec = NULL;

    if (g_str_has_prefix(output, "chardev:")) {
        con->chr = chardev_set_find(chardevs, output + strlen("chardev:"));
        if (!con->chr) {
            error_setg(errp, "output %s: no such chardev", output);
            return false;
        }
        return true;
    }
    /* libxl writes a plain path for a file. */
    spec = output[0] == '/' ? g_strdup_printf("file:%s", output)
                            : g_strdup(output);
    con->chr = chardev_set_add_legacy(chardevs, label, spec, errp);
    con->chr_owned = con->chr != NULL;
    return con->chr != NULL;
}

static bool console_init(XenDevice *xd, Error **errp)
{
    XenConsole *con = to_console(xd);
    g_autofree char *output = console_read_trusted(xd, "output");
    g_autofree char *limit = console_read_trusted(xd, "limit");
    guint64 v;
    int ret;

    xd->ignore_fe_state = console_is_primary(xd);
    con->limit = XEN_CONSOLE_DEFAULT_LIMIT;
    if (limit && g_ascii_string_to_unsigned(limit, 10, 0, G_MAXUINT64, &v,
                                            NULL)) {
        con->limit = CLAMP(v, sizeof(con->intf->out), XEN_CONSOLE_MAX_LIMIT);
    }
    if (!output) {
        error_setg(errp, "no output given for the console");
        return false;
    }
    if (!console_open_output(con, output, errp)) {
        return false;
    }
    ret = chardev_set_handlers(con->chr, console_can_read, console_read,
                               console_chr_event, con);
    if (ret) {
        error_setg(errp, "chardev %s is already in use",
                   chardev_id(con->chr) ? chardev_id(con->chr) : output);
        if (con->chr_owned) {
            chardev_free(con->chr);
        }
        con->chr = NULL;
        return false;
    }
    con->buf = g_malloc(con->limit);
    trace("%s: output %s, limit %zu%s", xd->be_path, output, con->limit,
          xd->ignore_fe_state ? ", primary" : "");
    if (chardev_pty_path(con->chr)) {
        xen_device_fe_printf(xd, "tty", "%s", chardev_pty_path(con->chr));
    }
    return true;
}

static bool console_initialise(XenDevice *xd, Error **errp)
{
    XenConsole *con = to_console(xd);
    uint64_t ring_ref, port;
    void *addr;
    int ret;

    /* A primary console's ring-ref is a frame number, else a grant ref. */
    if (!xen_device_fe_read_uint(xd, "ring-ref", console_is_primary(xd) ?
                                 (1ull << 40) - 1 : UINT32_MAX,
                                 &ring_ref, errp) ||
        !xen_device_fe_read_uint(xd, "port", UINT32_MAX, &port, errp)) {
        return false;
    }
    if (console_is_primary(xd)) {
        ret = xd->svc->foreignmem->map(xd->svc->provider, xd->fe_domid, true,
                                       1, &ring_ref, &addr);
    } else {
        con->ring_ref = ring_ref;
        ret = xen_device_map_refs(xd, &con->ring_ref, 1, true, &addr);
        con->intf_granted = ret == 0;
    }
    if (ret) {
        error_setg(errp, "cannot map ring-ref %" PRIu64 ": %s", ring_ref,
                   g_strerror(-ret));
        return false;
    }
    con->intf = addr;
    trace("%s: ring mapped from %s %" PRIu64, xd->be_path,
          con->intf_granted ? "grant ref" : "frame", ring_ref);
    ret = xen_device_bind_evtchn(xd, port);
    if (ret) {
        error_setg(errp, "cannot bind port %" PRIu64 ": %s", port,
                   g_strerror(-ret));
        return false;
    }
    return true;
}

static void console_connected(XenDevice *xd)
{
    XenConsole *con = to_console(xd);

    /* Output the guest wrote before we connected, input waiting for room. */
    console_pump_out(con);
    chardev_accept_input(con->chr);
}

static void console_event(XenDevice *xd)
{
    XenConsole *con = to_console(xd);

    console_pump_out(con);
    chardev_accept_input(con->chr);
}

static void console_disconnect(XenDevice *xd)
{
    XenConsole *con = to_console(xd);

    event_loop_cancel(xen_backend_loop(xd->backend), console_pump_bh, con);
    xen_device_unbind_evtchn(xd);
    if (con->intf) {
        if (con->intf_granted) {
            xen_device_unmap_refs(xd, con->intf, &con->ring_ref, 1);
        } else {
            xd->svc->foreignmem->unmap(xd->svc->provider, con->intf, 1);
        }
        con->intf = NULL;
        con->intf_granted = false;
    }
}

static void console_free(XenDevice *xd)
{
    XenConsole *con = to_console(xd);

    if (con->chr) {
        /* Also drops a write watch still pending for us. */
        chardev_set_handlers(con->chr, NULL, NULL, NULL, NULL);
        if (con->chr_owned) {
            chardev_free(con->chr);
        }
    }
    g_free(con->buf);
}

static const XenDevOps xen_console_ops = {
    .type = "console",
    .size = sizeof(XenConsole),
    .claim = console_claim,
    .init = console_init,
    .initialise = console_initialise,
    .connected = console_connected,
    .event = console_event,
    .disconnect = console_disconnect,
    .free = console_free,
};

bool xen_console_register(XenBackend *be, ChardevSet *chardevs, Error **errp)
{
    return xen_backend_register(be, &xen_console_ops, chardevs, errp);
}

bool xen_console_create(XenBackend *be, uint16_t domid, unsigned idx,
                        const char *output, const char *name,
                        uint64_t ring_gfn, evtchn_port_t port, Error **errp)
{
    g_autofree char *ring = g_strdup_printf("%" PRIu64, ring_gfn);
    g_autofree char *port_s = g_strdup_printf("%u", port);
    g_autofree char *fe_path = NULL;
    const char *be_keys[] = {
        "protocol", "vt100", name ? "name" : NULL, name, NULL,
    };
    const char *fe_ro_keys[] = {
        "limit", "1048576", "type", "ioemu", "output", output, "tty", "",
        /* the primary console's, from the domain builder */
        idx == 0 ? "ring-ref" : NULL, ring, "port", port_s, NULL,
    };

    if (idx == 0) {
        fe_path = g_strdup_printf("/local/domain/%u/console", domid);
    }
    return xen_backend_create_device(be, "console", domid, idx, fe_path,
                                     be_keys, NULL, fe_ro_keys, errp);
}
