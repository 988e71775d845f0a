/*
 * vkbd frontend for in-process test guests; see kbdfront.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "kbdfront.h"

#include <errno.h>
#include <stdlib.h>
#include <xen/io/xenbus.h>

#include "hw/xen/xen_ring.h"
#include "util/parse.h"

struct KbdFront {
    XennerGuest *g;
    KbdFrontConfig cfg;
    char *path;
    char *be_path;
    uint16_t be_domid;
    KbdFrontStateFn *fn;
    void *opaque;
    KbdFrontFeatures feat;

    uint64_t gfn;
    struct xenkbd_page *page;
    int ref;                    /* -1: none */
    evtchn_port_t port;
    XenXsWatch *be_watch;
    bool connected;
    GArray *events;
};

/* xenbus_read_unsigned(): the default when absent or not a number. */
static unsigned kbdfront_be_uint(KbdFront *kf, const char *key, unsigned dflt)
{
    g_autofree char *path = g_strdup_printf("%s/%s", kf->be_path, key);
    g_autofree char *s = xenner_guest_xs_read(kf->g, path);
    uint64_t v;

    return s && parse_decimal(s, UINT32_MAX, &v) ? (unsigned)v : dflt;
}

static void kbdfront_write(KbdFront *kf, const char *key, const char *fmt,
                           unsigned v)
{
    g_autofree char *path = g_strdup_printf("%s/%s", kf->path, key);

    xenner_guest_xs_printf(kf->g, path, fmt, v);
}

static void kbdfront_consume(KbdFront *kf)
{
    XenPairRing in = xen_pair_ring((uint8_t *)kf->page + XENKBD_IN_RING_OFFS,
                                   XENKBD_IN_RING_LEN, XENKBD_IN_EVENT_SIZE,
                                   XEN_PAIR_IN(kf->page));
    union xenkbd_in_event buf[XENKBD_IN_RING_LEN];
    int n;

    if (!kf->page || kf->cfg.paused) {
        return;
    }
    n = xen_pair_ring_read(&in, buf, XENKBD_IN_RING_LEN);
    if (n > 0) {
        g_array_append_vals(kf->events, buf, n);
        xenner_guest_notify(kf->g, kf->port);
    }
}

static void kbdfront_port_fired(void *opaque, evtchn_port_t port)
{
    kbdfront_consume(opaque);
}

static void kbdfront_probe(KbdFront *kf)
{
    KbdFrontFeatures *f = &kf->feat;
    g_autofree char *uid_path = g_strdup_printf("%s/unique-id", kf->be_path);

    f->with_kbd = !kbdfront_be_uint(kf, XENKBD_FIELD_FEAT_DSBL_KEYBRD, 0);
    f->with_ptr = !kbdfront_be_uint(kf, XENKBD_FIELD_FEAT_DSBL_POINTER, 0);
    f->mtouch = kbdfront_be_uint(kf, XENKBD_FIELD_FEAT_MTOUCH, 0);
    if (f->mtouch) {
        kbdfront_write(kf, XENKBD_FIELD_REQ_MTOUCH, "%u", 1);
    }
    if (f->with_ptr) {
        f->abs = kbdfront_be_uint(kf, XENKBD_FIELD_FEAT_ABS_POINTER, 0) &&
                 !kf->cfg.no_abs;
        f->width = kbdfront_be_uint(kf, XENKBD_FIELD_WIDTH, 800);
        f->height = kbdfront_be_uint(kf, XENKBD_FIELD_HEIGHT, 600);
        if (kf->cfg.bad_request) {
            g_autofree char *p = g_strdup_printf(
                "%s/" XENKBD_FIELD_REQ_ABS_POINTER, kf->path);

            xenner_guest_xs_printf(kf->g, p, "%s", kf->cfg.bad_request);
        } else if (f->abs) {
            kbdfront_write(kf, XENKBD_FIELD_REQ_ABS_POINTER, "%u", 1);
        }
        if (f->abs && kf->cfg.want_raw &&
            kbdfront_be_uint(kf, XENKBD_FIELD_FEAT_RAW_POINTER, 0)) {
            kbdfront_write(kf, XENKBD_FIELD_REQ_RAW_POINTER, "%u", 1);
        }
    }
    if (f->mtouch) {
        f->mt_contacts = kbdfront_be_uint(kf, XENKBD_FIELD_MT_NUM_CONTACTS, 1);
        f->mt_width = kbdfront_be_uint(kf, XENKBD_FIELD_MT_WIDTH, 800);
        f->mt_height = kbdfront_be_uint(kf, XENKBD_FIELD_MT_HEIGHT, 600);
    }
    f->unique_id = xenner_guest_xs_read(kf->g, uid_path);
}

static void kbdfront_release(KbdFront *kf)
{
    if (kf->port) {
        xenner_guest_close_port(kf->g, kf->port);
        kf->port = 0;
    }
    if (kf->ref >= 0) {
        if (xenner_guest_end_access(kf->g, kf->ref) == 0) {
            xenner_guest_free_page(kf->g, kf->gfn);
        }
        kf->ref = -1;
    }
    kf->page = NULL;
}

static bool kbdfront_connect_backend(KbdFront *kf)
{
    int port;

    kf->page = xenner_guest_alloc_page(kf->g, &kf->gfn);
    if (!kf->page) {
        return false;
    }
    kf->ref = xenner_guest_grant(kf->g, kf->be_domid, kf->gfn, false);
    port = xenner_guest_alloc_unbound(kf->g, kf->be_domid,
                                      kbdfront_port_fired, kf);
    if (kf->ref < 0 || port < 0) {
        return false;
    }
    kf->port = port;
    kbdfront_write(kf, XENKBD_FIELD_RING_REF, "%u", (unsigned)kf->gfn);
    if (!kf->cfg.no_gref) {
        kbdfront_write(kf, XENKBD_FIELD_RING_GREF, "%u",
                       kf->cfg.bad_gref ? (unsigned)kf->ref + 100
                                        : (unsigned)kf->ref);
    }
    kbdfront_write(kf, XENKBD_FIELD_EVT_CHANNEL, "%u", kf->port);
    return xenner_guest_switch_state(kf->g, kf->path,
                                     XenbusStateInitialised) == 0;
}

static void kbdfront_backend_changed(void *opaque, const char *path)
{
    KbdFront *kf = opaque;
    int be_state = xenner_guest_xs_read_state(kf->g, kf->be_path);
    int state = xenner_guest_xs_read_state(kf->g, kf->path);

    switch (be_state) {
    case XenbusStateInitWait:
    case XenbusStateConnected:
        if (state == XenbusStateInitialised) {
            xenner_guest_switch_state(kf->g, kf->path, XenbusStateConnected);
        }
        if (be_state == XenbusStateConnected && !kf->connected &&
            kf->page) {
            kf->connected = true;
            kbdfront_consume(kf);
            if (kf->fn) {
                kf->fn(kf->opaque, kf, true);
            }
        }
        break;
    case XenbusStateClosing:
    case XenbusStateClosed:
        if (state == XenbusStateClosed) {
            break;
        }
        kf->connected = false;
        kbdfront_release(kf);
        xenner_guest_switch_state(kf->g, kf->path, XenbusStateClosed);
        if (kf->fn) {
            kf->fn(kf->opaque, kf, false);
        }
        break;
    default:
        break;
    }
}

KbdFront *kbdfront_new(XennerGuest *g, unsigned devid,
                       const KbdFrontConfig *cfg, KbdFrontStateFn *fn,
                       void *opaque)
{
    KbdFront *kf = g_new0(KbdFront, 1);
    const XenXenstoreOps *ops = xenner_guest_xs_ops(g);
    g_autofree char *key = NULL, *be_id = NULL, *state_path = NULL;
    uint64_t be_domid;

    kf->g = g;
    if (cfg) {
        kf->cfg = *cfg;
    }
    kf->path = g_strdup_printf("device/vkbd/%u", devid);
    kf->fn = fn;
    kf->opaque = opaque;
    kf->ref = -1;
    kf->events = g_array_new(false, false, sizeof(union xenkbd_in_event));
    key = g_strdup_printf("%s/backend", kf->path);
    kf->be_path = xenner_guest_xs_read(g, key);
    g_free(key);
    key = g_strdup_printf("%s/backend-id", kf->path);
    be_id = xenner_guest_xs_read(g, key);
    if (!kf->be_path || !be_id ||
        !parse_decimal(be_id, DOMID_FIRST_RESERVED - 1, &be_domid)) {
        g_free(kf->be_path);
        kf->be_path = NULL;
        return kf;              /* never connects; freed as usual */
    }
    kf->be_domid = be_domid;
    kbdfront_probe(kf);
    state_path = g_strdup_printf("%s/state", kf->be_path);
    ops->watch(xenner_guest_xs(g), state_path, kbdfront_backend_changed, kf,
               &kf->be_watch);
    kbdfront_connect_backend(kf);
    return kf;
}

void kbdfront_free(KbdFront *kf)
{
    if (!kf) {
        return;
    }
    if (kf->be_watch) {
        xenner_guest_xs_ops(kf->g)->unwatch(xenner_guest_xs(kf->g),
                                            kf->be_watch);
    }
    if (kf->be_path) {
        xenner_guest_switch_state(kf->g, kf->path, XenbusStateClosed);
    }
    kbdfront_release(kf);
    g_array_free(kf->events, true);
    g_free(kf->feat.unique_id);
    g_free(kf->path);
    g_free(kf->be_path);
    g_free(kf);
}

bool kbdfront_connected(KbdFront *kf)
{
    return kf->connected && kf->page;
}

const KbdFrontFeatures *kbdfront_features(KbdFront *kf)
{
    return &kf->feat;
}

GArray *kbdfront_events(KbdFront *kf)
{
    return kf->events;
}

void kbdfront_resume(KbdFront *kf)
{
    kf->cfg.paused = false;
    kbdfront_consume(kf);
}

struct xenkbd_page *kbdfront_page(KbdFront *kf)
{
    return kf->page;
}

int kbdfront_notify(KbdFront *kf)
{
    return kf->port ? xenner_guest_notify(kf->g, kf->port) : -ENOTCONN;
}
