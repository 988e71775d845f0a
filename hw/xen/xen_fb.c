/*
 * The framebuffer backend (xen/io/fbif.h).
 *
 * The guest's shared page comes from `page-ref`, a frame number (not a
 * grant: fbif predates them) mapped through the foreign-memory seam.
 * It holds the geometry and the page directory of the framebuffer; we
 * copy each once (xen_fbif.c), check it against `videoram`, map the
 * framebuffer read-only and show it on a display console. The out ring
 * brings UPDATE and RESIZE events; the in ring takes REFRESH_PERIOD,
 * which says whether anybody watches (ui/console.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xen-fb"

#include "hw/xen/xen_fb.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "hw/xen/xen_fbif.h"
#include "hw/xen/xen_ring.h"
#include "util/parse.h"
#include "util/trace.h"

typedef struct XenFb {
    XenDevice xd;
    QemuConsole *con;
    uint64_t max_len;           /* videoram, bytes */

    struct xenfb_page *page;    /* mapped writable: the rings' indices */
    uint8_t *fb;                /* mapped read-only */
    unsigned nr_frames;
    uint64_t fb_len;            /* nr_frames pages */
    XenFbMode mode;
    bool feature_update;        /* the guest sends UPDATE events */
    int64_t period_sent;        /* -1: none yet */
    EventLoopTimer *timer;      /* full refreshes for a guest without
                                 * feature-update, while watched */
} XenFb;

static XenFb *to_fb(XenDevice *xd)
{
    return (XenFb *)xd;
}

char *xen_fb_console_label(uint16_t domid, unsigned devid)
{
    return g_strdup_printf("xenfb%u.%u", domid, devid);
}

void xen_fb_config_default(XenFbConfig *cfg)
{
    *cfg = (XenFbConfig) {
        .width = XEN_FB_DEFAULT_WIDTH,
        .height = XEN_FB_DEFAULT_HEIGHT,
        .videoram_mb = XEN_FB_DEFAULT_VIDEORAM_MB,
    };
}

static bool fb_live(XenFb *fb)
{
    return fb->page && !xen_device_failed(&fb->xd);
}

/* ---- display side ------------------------------------------------------- */

static void fb_show_mode(XenFb *fb)
{
    DisplaySurface s = {
        .width = fb->mode.width, .height = fb->mode.height,
        .depth = fb->mode.depth, .stride = fb->mode.stride,
        .data = fb->fb + fb->mode.offset,
    };

    console_set_surface(fb->con, &s);
}

static void fb_timer(void *opaque)
{
    XenFb *fb = opaque;

    if (fb_live(fb)) {
        console_update(fb->con, 0, 0, fb->mode.width, fb->mode.height);
    }
}

/*
 * A guest that sends no UPDATE events is watched by redrawing the whole
 * screen each period; nobody watching, no timer, no CPU.
 */
static void fb_update_timer(XenFb *fb)
{
    EventLoop *loop = xen_backend_loop(fb->xd.backend);
    bool want = fb_live(fb) && !fb->feature_update &&
                console_refresh_wanted(fb->con);

    if (want && !fb->timer) {
        fb->timer = event_loop_add_timer(loop, CONSOLE_REFRESH_MS, fb_timer,
                                         fb, NULL);
    } else if (!want && fb->timer) {
        event_loop_del_timer(loop, fb->timer);
        fb->timer = NULL;
    }
}

/* Tells the guest the period it should refresh at, when it changed. */
static void fb_send_refresh(XenFb *fb)
{
    uint32_t period = console_refresh_wanted(fb->con) ? CONSOLE_REFRESH_MS
                                                      : XENFB_NO_REFRESH;
    union xenfb_in_event ev;
    XenPairRing in;
    int n;

    if (!fb_live(fb) || fb->period_sent == period) {
        return;
    }
    in = xen_pair_ring((uint8_t *)fb->page + XENFB_IN_RING_OFFS,
                       XENFB_IN_RING_LEN, XENFB_IN_EVENT_SIZE,
                       XEN_PAIR_IN(fb->page));
    memset(&ev, 0, sizeof(ev));
    ev.refresh_period.type = XENFB_TYPE_REFRESH_PERIOD;
    ev.refresh_period.period = period;
    n = xen_pair_ring_write(&in, &ev, 1);
    if (n < 0) {
        xen_device_fail(&fb->xd, "in ring indices are inconsistent");
        return;
    }
    if (n == 0) {
        /* The guest reads no events: we try again at its next one. */
        return;
    }
    fb->period_sent = period;
    trace("%s: refresh period %u ms sent", fb->xd.be_path, period);
    xen_device_notify(&fb->xd);
}

static void fb_refresh_wanted(void *opaque, bool wanted)
{
    XenFb *fb = opaque;

    fb_send_refresh(fb);
    fb_update_timer(fb);
}

/* ---- the out ring ------------------------------------------------------- */

/*
 * A guest that keeps the ring full would keep us here: after this many
 * ringfuls the rest waits for its next notification.
 */
#define FB_RINGS_PER_EVENT 4

static void fb_handle_events(XenFb *fb)
{
    XenPairRing out;
    uint8_t buf[XENFB_OUT_RING_LEN * XENFB_OUT_EVENT_SIZE];
    bool dirty = false, consumed = false;
    uint32_t x0 = UINT32_MAX, y0 = UINT32_MAX, x1 = 0, y1 = 0;

    if (!fb_live(fb)) {
        return;
    }
    out = xen_pair_ring((uint8_t *)fb->page + XENFB_OUT_RING_OFFS,
                        XENFB_OUT_RING_LEN, XENFB_OUT_EVENT_SIZE,
                        XEN_PAIR_OUT(fb->page));
    for (unsigned round = 0; round < FB_RINGS_PER_EVENT; round++) {
        int n = xen_pair_ring_read(&out, buf, XENFB_OUT_RING_LEN);

        if (n < 0) {
            xen_device_fail(&fb->xd, "out ring indices are inconsistent "
                            "(more than %u events pending)",
                            (unsigned)XENFB_OUT_RING_LEN);
            return;
        }
        if (n == 0) {
            break;
        }
        consumed = true;
        for (int i = 0; i < n; i++) {
            XenFbEvent ev;
            XenFbRect r;
            char why[160];
            int ret;

            xenfb_decode_event(buf + i * XENFB_OUT_EVENT_SIZE, &ev);
            ret = xenfb_apply_event(&fb->mode, fb->fb_len, true, &ev, &r,
                                    why, sizeof(why));
            if (ret < 0) {
                xen_device_fail(&fb->xd, "%s", why);
                return;
            }
            if (ret == XENFB_EV_RESIZE) {
                trace("%s: resized to %ux%ux%u, line %u, offset %u",
                      fb->xd.be_path, fb->mode.width, fb->mode.height,
                      fb->mode.depth, fb->mode.stride, fb->mode.offset);
                /* Earlier updates were of the old screen: it is gone. */
                dirty = false;
                x0 = y0 = UINT32_MAX;
                x1 = y1 = 0;
                fb_show_mode(fb);
            } else if (ret == XENFB_EV_UPDATE) {
                dirty = true;
                x0 = MIN(x0, r.x);
                y0 = MIN(y0, r.y);
                x1 = MAX(x1, r.x + r.w);
                y1 = MAX(y1, r.y + r.h);
            }
        }
    }
    if (dirty) {
        console_update(fb->con, x0, y0, x1 - x0, y1 - y0);
    }
    if (consumed) {
        xen_device_notify(&fb->xd);
    }
}

/* ---- the device --------------------------------------------------------- */

/* A key of the backend directory (the toolstack's), or @dflt written. */
static bool fb_be_config(XenFb *fb, const char *key, uint64_t max,
                         uint64_t dflt, uint64_t *value, Error **errp)
{
    g_autofree char *s = xen_device_be_read(&fb->xd, key);

    if (!s) {
        *value = dflt;
        xen_device_be_printf(&fb->xd, key, "%" PRIu64, dflt);
        return true;
    }
    if (!parse_decimal(s, max, value)) {
        error_setg(errp, "backend key %s=\"%s\" is not a number up to %"
                   PRIu64, key, s, max);
        return false;
    }
    return true;
}

static bool fb_init(XenDevice *xd, Error **errp)
{
    XenFb *fb = to_fb(xd);
    ConsoleList *consoles = xd->type_opaque;
    g_autofree char *label = xen_fb_console_label(xd->fe_domid, xd->devid);
    uint64_t videoram, w, h;

    if (!fb_be_config(fb, "videoram", XEN_FB_MAX_VIDEORAM_MB,
                      XEN_FB_DEFAULT_VIDEORAM_MB, &videoram, errp) ||
        !fb_be_config(fb, "width", INT32_MAX, XEN_FB_DEFAULT_WIDTH, &w,
                      errp) ||
        !fb_be_config(fb, "height", INT32_MAX, XEN_FB_DEFAULT_HEIGHT, &h,
                      errp)) {
        return false;
    }
    if (videoram == 0) {
        error_setg(errp, "videoram=0 leaves no room for a framebuffer");
        return false;
    }
    fb->max_len = videoram << 20;
    fb->period_sent = -1;
    xen_device_be_printf(xd, "feature-resize", "1");
    fb->con = console_new(consoles, label, xd->fe_domid,
                          fb_refresh_wanted, fb);
    trace("%s: console %s, videoram %" PRIu64 " MiB, offered %" PRIu64
          "x%" PRIu64, xd->be_path, label, videoram, w, h);
    return true;
}

/* Maps the frames the page directory lists, directory pages first. */
static bool fb_map_framebuffer(XenFb *fb, XenFbAbi abi, Error **errp)
{
    XenDevice *xd = &fb->xd;
    unsigned per_dir = xenfb_frames_per_dir(abi);
    unsigned nr_dirs = (fb->nr_frames + per_dir - 1) / per_dir;
    g_autofree uint64_t *dirs = NULL, *frames = NULL;
    void *dir_map;
    int ret;

    if (nr_dirs > xenfb_pd_max_entries(abi)) {
        error_setg(errp, "%u page directory entries run into the rings "
                   "(at most %u)", nr_dirs, xenfb_pd_max_entries(abi));
        return false;
    }
    dirs = g_new(uint64_t, nr_dirs);
    xenfb_read_entries((uint8_t *)fb->page + xenfb_pd_offset(abi), abi,
                       nr_dirs, dirs);
    ret = xd->svc->foreignmem->map(xd->svc->provider, xd->fe_domid, false,
                                   nr_dirs, dirs, &dir_map);
    if (ret) {
        error_setg(errp, "cannot map the %u page directory frames: %s",
                   nr_dirs, g_strerror(-ret));
        return false;
    }
    frames = g_new(uint64_t, fb->nr_frames);
    for (unsigned d = 0; d < nr_dirs; d++) {
        unsigned n = MIN(per_dir, fb->nr_frames - d * per_dir);

        xenfb_read_entries((uint8_t *)dir_map + (size_t)d * XENFB_PAGE_SIZE,
                           abi, n, frames + (size_t)d * per_dir);
    }
    xd->svc->foreignmem->unmap(xd->svc->provider, dir_map, nr_dirs);
    ret = xd->svc->foreignmem->map(xd->svc->provider, xd->fe_domid, false,
                                   fb->nr_frames, frames, &dir_map);
    if (ret) {
        error_setg(errp, "cannot map the %u framebuffer frames: %s",
                   fb->nr_frames, g_strerror(-ret));
        return false;
    }
    fb->fb = dir_map;
    return true;
}

static bool fb_initialise(XenDevice *xd, Error **errp)
{
    XenFb *fb = to_fb(xd);
    g_autofree char *protocol = xen_device_fe_read(xd, "protocol");
    uint64_t page_ref, port, update;
    XenFbShared sh;
    XenFbAbi abi;
    char why[160];
    void *addr;
    int ret;

    if (!xen_device_fe_read_uint(xd, "page-ref", (1ull << 40) - 1,
                                 &page_ref, errp) ||
        !xen_device_fe_read_uint(xd, "event-channel", UINT32_MAX, &port,
                                 errp) ||
        !xen_device_fe_read_uint_opt(xd, "feature-update", 1, 0, &update,
                                     errp)) {
        return false;
    }
    if (!xenfb_abi_from_protocol(protocol, &abi)) {
        error_setg(errp, "unknown protocol \"%s\"", protocol);
        return false;
    }
    ret = xd->svc->foreignmem->map(xd->svc->provider, xd->fe_domid, true, 1,
                                   &page_ref, &addr);
    if (ret) {
        error_setg(errp, "cannot map page-ref %" PRIu64 ": %s", page_ref,
                   g_strerror(-ret));
        return false;
    }
    fb->page = addr;
    xenfb_read_shared(fb->page, &sh);
    if (!xenfb_check_shared(&sh, fb->max_len, &fb->mode, &fb->nr_frames,
                            why, sizeof(why))) {
        error_setg(errp, "%s", why);
        return false;
    }
    fb->fb_len = (uint64_t)fb->nr_frames * XENFB_PAGE_SIZE;
    if (!fb_map_framebuffer(fb, abi, errp)) {
        return false;
    }
    ret = xen_device_bind_evtchn(xd, port);
    if (ret) {
        error_setg(errp, "cannot bind port %" PRIu64 ": %s", port,
                   g_strerror(-ret));
        return false;
    }
    fb->feature_update = update;
    /* Linux's xen-fbfront sends UPDATE events only when asked to. */
    xen_device_be_printf(xd, "request-update", "%u", update ? 1 : 0);
    trace("%s: %s, %ux%ux%u, line %u, %u frames mapped from page-ref %"
          PRIu64 "%s", xd->be_path, xenfb_abi_name(abi), fb->mode.width,
          fb->mode.height, fb->mode.depth, fb->mode.stride, fb->nr_frames,
          page_ref, update ? ", feature-update" : "");
    fb_show_mode(fb);
    return true;
}

static void fb_connected(XenDevice *xd)
{
    XenFb *fb = to_fb(xd);

    fb_send_refresh(fb);
    fb_update_timer(fb);
    fb_handle_events(fb);
}

static void fb_event(XenDevice *xd)
{
    XenFb *fb = to_fb(xd);

    fb_handle_events(fb);
    /* A refresh that found the in ring full goes now. */
    fb_send_refresh(fb);
}

static void fb_disconnect(XenDevice *xd)
{
    XenFb *fb = to_fb(xd);

    xen_device_unbind_evtchn(xd);
    console_set_surface(fb->con, NULL);
    if (fb->fb) {
        xd->svc->foreignmem->unmap(xd->svc->provider, fb->fb, fb->nr_frames);
        fb->fb = NULL;
    }
    if (fb->page) {
        xd->svc->foreignmem->unmap(xd->svc->provider, fb->page, 1);
        fb->page = NULL;
    }
    fb_update_timer(fb);
    fb->period_sent = -1;
    fb->feature_update = false;
}

static void fb_free(XenDevice *xd)
{
    XenFb *fb = to_fb(xd);

    console_free(fb->con);
    fb->con = NULL;
}

static const XenDevOps xen_fb_ops = {
    .type = "vfb",
    .size = sizeof(XenFb),
    .init = fb_init,
    .initialise = fb_initialise,
    .connected = fb_connected,
    .event = fb_event,
    .disconnect = fb_disconnect,
    .free = fb_free,
};

bool xen_fb_register(XenBackend *be, ConsoleList *consoles, Error **errp)
{
    return xen_backend_register(be, &xen_fb_ops, consoles, errp);
}

bool xen_fb_create(XenBackend *be, uint16_t domid, unsigned devid,
                   const XenFbConfig *cfg, Error **errp)
{
    g_autofree char *w = g_strdup_printf("%u", cfg->width);
    g_autofree char *h = g_strdup_printf("%u", cfg->height);
    g_autofree char *v = g_strdup_printf("%u", cfg->videoram_mb);
    const char *be_keys[] = {
        "videoram", v, "width", w, "height", h, "feature-resize", "1", NULL,
    };

    if (cfg->videoram_mb == 0 || cfg->videoram_mb > XEN_FB_MAX_VIDEORAM_MB) {
        error_setg(errp, "xen-fb: videoram must be 1 to %u (MiB)",
                   XEN_FB_MAX_VIDEORAM_MB);
        return false;
    }
    if (cfg->width == 0 || cfg->height == 0 ||
        (uint64_t)cfg->width * cfg->height * 4 >
        (uint64_t)cfg->videoram_mb << 20) {
        error_setg(errp, "xen-fb: %ux%u at 32 bits does not fit in %u MiB "
                   "of videoram", cfg->width, cfg->height, cfg->videoram_mb);
        return false;
    }
    return xen_backend_create_device(be, "vfb", domid, devid, NULL, be_keys,
                                     NULL, NULL, errp);
}
