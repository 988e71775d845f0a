/*
 * The vkbd backend (xen/io/kbdif.h).
 *
 * Every feature key is in the backend directory before the guest probes
 * (xen-kbdfront reads them once, at probe): xen_kbd_create() writes them
 * with the device, as a toolstack does; for a device a toolstack made
 * without them, init() writes the defaults, which a guest that probed
 * already may have missed (then it gets a relative pointer, as from
 * QEMU's xenfb).
 *
 * Events come from the input API and are queued (xen_kbd_queue.c) in
 * front of the in ring; the guest's notification after consuming lets
 * the backlog move on. Absolute positions arrive in the display's
 * pixels and are scaled to the range the guest was told (`width` x
 * `height`, or the multi-touch size), from whatever size the display has
 * at the time, so that a resized framebuffer keeps the pointer where
 * the user points. A frontend that did not ask for an absolute pointer
 * gets the same positions as relative motion.
 *
 * The guest writes the page's indices and its xenstore keys: each is
 * read once and checked; a guest that lies fails its own device only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xen-kbd"

#include "hw/xen/xen_kbd.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <linux/input-event-codes.h>
#include <string.h>

#include "hw/xen/xen_kbd_queue.h"
#include "util/parse.h"
#include "util/trace.h"

typedef struct XenKbd {
    XenDevice xd;
    InputConsole *ic;
    bool sink_added;
    XenKbdOpts opts;                /* as offered, from the backend dir */
    /* What the frontend asked for, read at initialise. */
    bool req_abs, req_raw, req_mt;
    struct xenkbd_page *page;
    bool page_granted;              /* else foreign-mapped from page-ref */
    uint32_t gref;
    XenKbdQueue queue;
    /* The last absolute position, in the guest's range, for relative. */
    bool have_last;
    uint32_t last_x, last_y;
} XenKbd;

static XenKbd *to_kbd(XenDevice *xd)
{
    return (XenKbd *)xd;
}

void xen_kbd_opts_default(XenKbdOpts *opts)
{
    *opts = (XenKbdOpts) {
        .width = INPUT_DEFAULT_WIDTH, .height = INPUT_DEFAULT_HEIGHT,
        .abs_pointer = true, .raw_pointer = true,
        .mt_width = INPUT_DEFAULT_WIDTH, .mt_height = INPUT_DEFAULT_HEIGHT,
        .mt_contacts = 10,
    };
}

void xen_kbd_opts_clear(XenKbdOpts *opts)
{
    g_free(opts->unique_id);
    opts->unique_id = NULL;
}

/* ---- events to the guest ------------------------------------------------ */

static void kbd_flush(XenKbd *kbd)
{
    XenDevice *xd = &kbd->xd;
    int n;

    if (!kbd->page || xen_device_failed(xd)) {
        return;
    }
    n = xen_kbd_queue_flush(&kbd->queue, kbd->page);
    if (n < 0) {
        xen_device_fail(xd, "in ring indices are inconsistent "
                        "(more than %u events pending)", XENKBD_IN_RING_LEN);
        return;
    }
    if (n > 0) {
        xen_device_notify(xd);
    }
}

static void kbd_put(XenKbd *kbd, const union xenkbd_in_event *ev)
{
    xen_kbd_queue_push(&kbd->queue, ev);
    kbd_flush(kbd);
}

static void kbd_key(XenKbd *kbd, uint16_t code, bool down)
{
    union xenkbd_in_event ev = { 0 };
    bool button = code >= BTN_MOUSE && code <= BTN_TASK;

    if (code == 0 || code > KEY_MAX ||
        (button ? kbd->opts.disable_pointer : kbd->opts.disable_keyboard)) {
        return;
    }
    ev.key.type = XENKBD_TYPE_KEY;
    ev.key.pressed = down;
    ev.key.keycode = code;
    kbd_put(kbd, &ev);
}

static void kbd_motion(XenKbd *kbd, int32_t dx, int32_t dy, int32_t dz)
{
    union xenkbd_in_event ev = { 0 };

    if (kbd->opts.disable_pointer || (!dx && !dy && !dz)) {
        return;
    }
    ev.motion.type = XENKBD_TYPE_MOTION;
    ev.motion.rel_x = dx;
    ev.motion.rel_y = dy;
    ev.motion.rel_z = dz;
    kbd_put(kbd, &ev);
}

static void kbd_abs(XenKbd *kbd, uint32_t x, uint32_t y, int32_t dz)
{
    union xenkbd_in_event ev = { 0 };
    uint32_t dw, dh, gx, gy;

    if (kbd->opts.disable_pointer) {
        return;
    }
    input_console_display_size(kbd->ic, &dw, &dh);
    if (kbd->req_abs && kbd->req_raw) {
        /* Raw: the display's own pixels, only kept on the screen. */
        gx = MIN(x, dw - 1);
        gy = MIN(y, dh - 1);
    } else {
        gx = input_scale(x, dw, kbd->opts.width);
        gy = input_scale(y, dh, kbd->opts.height);
    }
    if (!kbd->req_abs) {
        int32_t rx = kbd->have_last ? (int32_t)(gx - kbd->last_x) : 0;
        int32_t ry = kbd->have_last ? (int32_t)(gy - kbd->last_y) : 0;

        kbd->have_last = true;
        kbd->last_x = gx;
        kbd->last_y = gy;
        kbd_motion(kbd, rx, ry, dz);
        return;
    }
    ev.pos.type = XENKBD_TYPE_POS;
    ev.pos.abs_x = gx;
    ev.pos.abs_y = gy;
    ev.pos.rel_z = dz;
    kbd_put(kbd, &ev);
}

static void kbd_mt(XenKbd *kbd, const InputEvent *in)
{
    union xenkbd_in_event ev = { 0 };
    uint32_t dw, dh;

    if (!kbd->req_mt || in->mt.contact >= kbd->opts.mt_contacts) {
        return;
    }
    ev.mtouch.type = XENKBD_TYPE_MTOUCH;
    ev.mtouch.contact_id = in->mt.contact;
    switch (in->mt.type) {
    case INPUT_MT_DOWN:
    case INPUT_MT_MOTION:
        input_console_display_size(kbd->ic, &dw, &dh);
        ev.mtouch.event_type = in->mt.type == INPUT_MT_DOWN ?
                               XENKBD_MT_EV_DOWN : XENKBD_MT_EV_MOTION;
        ev.mtouch.u.pos.abs_x = input_scale(in->mt.x, dw, kbd->opts.mt_width);
        ev.mtouch.u.pos.abs_y = input_scale(in->mt.y, dh,
                                            kbd->opts.mt_height);
        break;
    case INPUT_MT_UP:
        ev.mtouch.event_type = XENKBD_MT_EV_UP;
        break;
    case INPUT_MT_SYN:
        ev.mtouch.event_type = XENKBD_MT_EV_SYN;
        break;
    default:
        return;
    }
    kbd_put(kbd, &ev);
}

static void kbd_input_event(void *opaque, const InputEvent *in)
{
    XenKbd *kbd = opaque;

    /* Input while no frontend listens is not kept for a later one. */
    if (!kbd->page || xen_device_failed(&kbd->xd)) {
        return;
    }
    switch (in->type) {
    case INPUT_EVENT_KEY:
        kbd_key(kbd, in->key.code, in->key.down);
        break;
    case INPUT_EVENT_REL:
        kbd_motion(kbd, in->rel.dx, in->rel.dy, in->rel.dz);
        break;
    case INPUT_EVENT_ABS:
        kbd_abs(kbd, in->abs.x, in->abs.y, in->abs.dz);
        break;
    case INPUT_EVENT_MT:
        kbd_mt(kbd, in);
        break;
    }
}

static void kbd_input_resize(void *opaque, uint32_t width, uint32_t height)
{
    XenKbd *kbd = opaque;

    trace("%s: display now %ux%u, scaled to %ux%u", kbd->xd.be_path, width,
          height, kbd->opts.width, kbd->opts.height);
}

static const InputSinkOps kbd_sink_ops = {
    .event = kbd_input_event,
    .resize = kbd_input_resize,
};

/* ---- the backend directory ---------------------------------------------- */

/*
 * A key of our own directory: written by the toolstack (or by us), never
 * by the guest, but checked all the same, since a toolstack's typo must
 * not become a huge range.
 */
static bool kbd_be_uint(XenDevice *xd, const char *key, uint64_t min,
                        uint64_t max, uint32_t *value, bool *present,
                        Error **errp)
{
    g_autofree char *s = xen_device_be_read(xd, key);
    uint64_t v;

    *present = s != NULL;
    if (!s) {
        return true;
    }
    if (!parse_decimal(s, max, &v) || v < min) {
        error_setg(errp, "backend key %s: '%s' is not a number from %" PRIu64
                   " to %" PRIu64, key, s, min, max);
        return false;
    }
    *value = v;
    return true;
}

static bool kbd_be_bool(XenDevice *xd, const char *key, bool *value,
                        bool *present, Error **errp)
{
    uint32_t v = *value;

    if (!kbd_be_uint(xd, key, 0, 1, &v, present, errp)) {
        return false;
    }
    *value = v;
    return true;
}

static bool kbd_read_config(XenKbd *kbd, Error **errp)
{
    XenDevice *xd = &kbd->xd;
    XenKbdOpts *o = &kbd->opts;
    struct {
        const char *key;
        uint32_t *u;
        bool *b;
        uint32_t min, max;
    } keys[] = {
        { XENKBD_FIELD_FEAT_ABS_POINTER, .b = &o->abs_pointer },
        { XENKBD_FIELD_FEAT_RAW_POINTER, .b = &o->raw_pointer },
        { XENKBD_FIELD_FEAT_MTOUCH, .b = &o->multi_touch },
        { XENKBD_FIELD_FEAT_DSBL_KEYBRD, .b = &o->disable_keyboard },
        { XENKBD_FIELD_FEAT_DSBL_POINTER, .b = &o->disable_pointer },
        { XENKBD_FIELD_WIDTH, &o->width, NULL, 1, XEN_KBD_MAX_SIZE },
        { XENKBD_FIELD_HEIGHT, &o->height, NULL, 1, XEN_KBD_MAX_SIZE },
        { XENKBD_FIELD_MT_WIDTH, &o->mt_width, NULL, 1, XEN_KBD_MAX_SIZE },
        { XENKBD_FIELD_MT_HEIGHT, &o->mt_height, NULL, 1, XEN_KBD_MAX_SIZE },
        { XENKBD_FIELD_MT_NUM_CONTACTS, &o->mt_contacts, NULL, 1,
          XEN_KBD_MAX_CONTACTS },
    };

    xen_kbd_opts_default(o);
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        bool present;
        bool ok = keys[i].b ?
            kbd_be_bool(xd, keys[i].key, keys[i].b, &present, errp) :
            kbd_be_uint(xd, keys[i].key, keys[i].min, keys[i].max,
                        keys[i].u, &present, errp);

        if (!ok) {
            return false;
        }
        if (!present) {
            /* A toolstack that wrote less: the guest learns our default. */
            xen_device_be_printf(xd, keys[i].key, "%u",
                                 keys[i].b ? *keys[i].b : *keys[i].u);
        }
    }
    return true;
}

/* ---- the device ---------------------------------------------------------- */

static bool kbd_init(XenDevice *xd, Error **errp)
{
    XenKbd *kbd = to_kbd(xd);

    if (!kbd_read_config(kbd, errp)) {
        return false;
    }
    kbd->ic = input_hub_console(xd->type_opaque, xd->fe_domid);
    input_console_add_sink(kbd->ic, &kbd_sink_ops, kbd);
    kbd->sink_added = true;
    trace("%s: offers %ux%u%s%s%s%s", xd->be_path, kbd->opts.width,
          kbd->opts.height, kbd->opts.abs_pointer ? ", abs-pointer" : "",
          kbd->opts.raw_pointer ? ", raw-pointer" : "",
          kbd->opts.multi_touch ? ", multi-touch" : "",
          kbd->opts.disable_keyboard ? ", no keyboard" :
          kbd->opts.disable_pointer ? ", no pointer" : "");
    return true;
}

/* A request-* key: absent is 0; anything but 0 or 1 is refused. */
static bool kbd_fe_request(XenDevice *xd, const char *key, bool offered,
                           bool *value, Error **errp)
{
    uint64_t v;

    if (!xen_device_fe_read_uint_opt(xd, key, 1, 0, &v, errp)) {
        return false;
    }
    *value = v && offered;
    return true;
}

static bool kbd_initialise(XenDevice *xd, Error **errp)
{
    XenKbd *kbd = to_kbd(xd);
    uint64_t gref, frame, port;
    void *addr;
    int ret;

    if (!kbd_fe_request(xd, XENKBD_FIELD_REQ_ABS_POINTER,
                        kbd->opts.abs_pointer, &kbd->req_abs, errp) ||
        !kbd_fe_request(xd, XENKBD_FIELD_REQ_RAW_POINTER,
                        kbd->opts.raw_pointer, &kbd->req_raw, errp) ||
        !kbd_fe_request(xd, XENKBD_FIELD_REQ_MTOUCH,
                        kbd->opts.multi_touch, &kbd->req_mt, errp) ||
        !xen_device_fe_read_uint_opt(xd, XENKBD_FIELD_RING_GREF, UINT32_MAX,
                                     UINT64_MAX, &gref, errp) ||
        !xen_device_fe_read_uint(xd, XENKBD_FIELD_EVT_CHANNEL, UINT32_MAX,
                                 &port, errp)) {
        return false;
    }
    if (gref != UINT64_MAX) {
        /* The grant, when there is one: a bad one is not retried as a
         * frame, since the guest said which page it meant. */
        kbd->gref = gref;
        ret = xen_device_map_refs(xd, &kbd->gref, 1, true, &addr);
        if (ret) {
            error_setg(errp, "cannot map page-gref %" PRIu64 ": %s", gref,
                       g_strerror(-ret));
            return false;
        }
        kbd->page_granted = true;
    } else {
        if (!xen_device_fe_read_uint(xd, XENKBD_FIELD_RING_REF,
                                     (1ull << 40) - 1, &frame, errp)) {
            return false;
        }
        ret = xd->svc->foreignmem->map(xd->svc->provider, xd->fe_domid,
                                       true, 1, &frame, &addr);
        if (ret) {
            error_setg(errp, "cannot map page-ref %" PRIu64 ": %s", frame,
                       g_strerror(-ret));
            return false;
        }
    }
    kbd->page = addr;
    xen_kbd_queue_init(&kbd->queue);
    kbd->have_last = false;
    trace("%s: page mapped from %s %" PRIu64 "; frontend wants%s%s%s%s",
          xd->be_path, kbd->page_granted ? "grant ref" : "frame",
          kbd->page_granted ? gref : frame,
          kbd->req_abs ? " abs-pointer" : "",
          kbd->req_raw ? " raw-pointer" : "",
          kbd->req_mt ? " multi-touch" : "",
          !kbd->req_abs && !kbd->req_mt ? " relative motion" : "");
    ret = xen_device_bind_evtchn(xd, port);
    if (ret) {
        error_setg(errp, "cannot bind event-channel %" PRIu64 ": %s", port,
                   g_strerror(-ret));
        return false;
    }
    return true;
}

static void kbd_event(XenDevice *xd)
{
    XenKbd *kbd = to_kbd(xd);

    if (!kbd->page) {
        return;
    }
    if (xen_kbd_drain_out(kbd->page) < 0) {
        xen_device_fail(xd, "out ring indices are inconsistent "
                        "(more than %u events pending)",
                        XENKBD_OUT_RING_LEN);
        return;
    }
    /* The guest consumed: what waited in the backlog moves on. */
    kbd_flush(kbd);
}

static void kbd_disconnect(XenDevice *xd)
{
    XenKbd *kbd = to_kbd(xd);

    xen_device_unbind_evtchn(xd);
    if (kbd->page) {
        if (kbd->page_granted) {
            xen_device_unmap_refs(xd, kbd->page, &kbd->gref, 1);
        } else {
            xd->svc->foreignmem->unmap(xd->svc->provider, kbd->page, 1);
        }
    }
    if (kbd->queue.dropped_motion || kbd->queue.dropped_other) {
        trace("%s: %" PRIu64 " motion and %" PRIu64 " other events dropped "
              "while the guest did not read", xd->be_path,
              kbd->queue.dropped_motion, kbd->queue.dropped_other);
    }
    kbd->page = NULL;
    kbd->page_granted = false;
    xen_kbd_queue_init(&kbd->queue);
}

static void kbd_free(XenDevice *xd)
{
    XenKbd *kbd = to_kbd(xd);

    if (kbd->sink_added) {
        input_console_remove_sink(kbd->ic, kbd);
    }
    xen_kbd_opts_clear(&kbd->opts);
}

static const XenDevOps xen_kbd_ops = {
    .type = XENKBD_DRIVER_NAME,
    .size = sizeof(XenKbd),
    .init = kbd_init,
    .initialise = kbd_initialise,
    .event = kbd_event,
    .disconnect = kbd_disconnect,
    .free = kbd_free,
};

bool xen_kbd_register(XenBackend *be, InputHub *hub, Error **errp)
{
    return xen_backend_register(be, &xen_kbd_ops, hub, errp);
}

/* ---- the toolstack's part ------------------------------------------------ */

bool xen_kbd_create(XenBackend *be, uint16_t domid, unsigned devid,
                    const XenKbdOpts *o, Error **errp)
{
    g_autofree char *w = g_strdup_printf("%u", o->width);
    g_autofree char *h = g_strdup_printf("%u", o->height);
    g_autofree char *mw = g_strdup_printf("%u", o->mt_width);
    g_autofree char *mh = g_strdup_printf("%u", o->mt_height);
    g_autofree char *mc = g_strdup_printf("%u", o->mt_contacts);
    const char *be_keys[] = {
        XENKBD_FIELD_FEAT_ABS_POINTER, o->abs_pointer ? "1" : "0",
        XENKBD_FIELD_FEAT_RAW_POINTER, o->raw_pointer ? "1" : "0",
        XENKBD_FIELD_FEAT_MTOUCH, o->multi_touch ? "1" : "0",
        XENKBD_FIELD_FEAT_DSBL_KEYBRD, o->disable_keyboard ? "1" : "0",
        XENKBD_FIELD_FEAT_DSBL_POINTER, o->disable_pointer ? "1" : "0",
        XENKBD_FIELD_WIDTH, w, XENKBD_FIELD_HEIGHT, h,
        XENKBD_FIELD_MT_WIDTH, mw, XENKBD_FIELD_MT_HEIGHT, mh,
        XENKBD_FIELD_MT_NUM_CONTACTS, mc,
        o->unique_id ? XENKBD_FIELD_UNIQUE_ID : NULL, o->unique_id,
        NULL,
    };

    return xen_backend_create_device(be, XENKBD_DRIVER_NAME, domid, devid,
                                     NULL, be_keys, NULL, NULL, errp);
}

const char *const xen_kbd_device_keys[] = {
    "devid", "width", "height", "abs-pointer", "raw-pointer", "multi-touch",
    "multi-touch-width", "multi-touch-height", "multi-touch-contacts",
    "disable-keyboard", "disable-pointer", "unique-id", NULL,
};

static bool kbd_opt_bool(QemuOpts *qo, const char *key, bool *value,
                         Error **errp)
{
    const char *s = qemu_opt_get(qo, key);

    if (!s) {
        return true;
    }
    if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true")) {
        *value = true;
    } else if (!strcmp(s, "off") || !strcmp(s, "no") ||
               !strcmp(s, "false")) {
        *value = false;
    } else {
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return false;
    }
    return true;
}

static bool kbd_opt_size(QemuOpts *qo, const char *key, uint64_t max,
                         uint32_t *value, Error **errp)
{
    uint64_t v;

    if (!qemu_opt_get_number(qo, key, *value, max, &v, errp)) {
        return false;
    }
    if (v == 0) {
        error_setg(errp, "Parameter '%s' must be at least 1", key);
        return false;
    }
    *value = v;
    return true;
}

bool xen_kbd_device_parse(QemuOpts *qo, XenKbdOpts *o, unsigned *devid,
                          Error **errp)
{
    const char *uid = qemu_opt_get(qo, "unique-id");
    uint64_t id;

    xen_kbd_opts_default(o);
    if (!qemu_opt_get_number(qo, "devid", 0, INT32_MAX, &id, errp) ||
        !kbd_opt_size(qo, "width", XEN_KBD_MAX_SIZE, &o->width, errp) ||
        !kbd_opt_size(qo, "height", XEN_KBD_MAX_SIZE, &o->height, errp) ||
        !kbd_opt_bool(qo, "abs-pointer", &o->abs_pointer, errp) ||
        !kbd_opt_bool(qo, "raw-pointer", &o->raw_pointer, errp) ||
        !kbd_opt_bool(qo, "multi-touch", &o->multi_touch, errp) ||
        !kbd_opt_size(qo, "multi-touch-width", XEN_KBD_MAX_SIZE,
                      &o->mt_width, errp) ||
        !kbd_opt_size(qo, "multi-touch-height", XEN_KBD_MAX_SIZE,
                      &o->mt_height, errp) ||
        !kbd_opt_size(qo, "multi-touch-contacts", XEN_KBD_MAX_CONTACTS,
                      &o->mt_contacts, errp) ||
        !kbd_opt_bool(qo, "disable-keyboard", &o->disable_keyboard, errp) ||
        !kbd_opt_bool(qo, "disable-pointer", &o->disable_pointer, errp)) {
        return false;
    }
    if (uid) {
        if (!uid[0] || strlen(uid) > 64 ||
            strspn(uid, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789-_.:") != strlen(uid)) {
            error_setg(errp, "Parameter 'unique-id' expects up to 64 of "
                       "A-Z a-z 0-9 - _ . :");
            return false;
        }
        o->unique_id = g_strdup(uid);
    }
    *devid = id;
    return true;
}
