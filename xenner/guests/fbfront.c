/*
 * Framebuffer frontend for in-process test guests; see fbfront.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fbfront.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

#include "hw/xen/xen_ring.h"
#include "util/parse.h"

#define FB_PAGE 4096u

struct FbFront {
    XennerGuest *g;
    char *path;
    char *be_path;
    uint16_t be_domid;
    FbFrontStateFn *fn;
    void *opaque;
    FbFrontConfig cfg;

    struct xenfb_page *page;
    uint64_t page_gfn;
    uint8_t **fb_pages;         /* video memory, page by page */
    uint64_t *fb_gfns;
    unsigned nr_fb;
    uint64_t *dir_gfns;
    unsigned nr_dirs;
    evtchn_port_t port;
    XenXsWatch *be_watch;

    unsigned width, height, depth, stride, offset;
    bool update_wanted;         /* the backend's request-update */
    bool feature_resize;
    int64_t refresh;            /* -1: none received */
    bool dirty;
    unsigned updates;
    bool connected, closed;
};

static void fbfront_read_in(FbFront *ff)
{
    XenPairRing in = xen_pair_ring((uint8_t *)ff->page + XENFB_IN_RING_OFFS,
                                   XENFB_IN_RING_LEN, XENFB_IN_EVENT_SIZE,
                                   XEN_PAIR_IN(ff->page));
    union xenfb_in_event ev;

    while (xen_pair_ring_read(&in, &ev, 1) == 1) {
        if (ev.type == XENFB_TYPE_REFRESH_PERIOD) {
            bool was_off = ff->refresh == XENFB_NO_REFRESH;

            ff->refresh = ev.refresh_period.period;
            if (was_off && ff->refresh != XENFB_NO_REFRESH && ff->dirty) {
                /* What was drawn unwatched goes out whole. */
                fbfront_update(ff, 0, 0, ff->width, ff->height);
            }
        }
    }
}

static void fbfront_port_fired(void *opaque, evtchn_port_t port)
{
    FbFront *ff = opaque;

    if (ff->page) {
        fbfront_read_in(ff);
    }
}

static unsigned be_uint(FbFront *ff, const char *key, unsigned dflt)
{
    g_autofree char *path = g_strdup_printf("%s/%s", ff->be_path, key);
    g_autofree char *s = xenner_guest_xs_read(ff->g, path);
    uint64_t v;

    return s && parse_decimal(s, UINT32_MAX, &v) ? (unsigned)v : dflt;
}

static void put_entry(uint8_t *base, bool abi32, unsigned i, uint64_t v)
{
    if (abi32) {
        uint32_t e = v;

        memcpy(base + 4 * (size_t)i, &e, 4);
    } else {
        memcpy(base + 8 * (size_t)i, &v, 8);
    }
}

/* Video memory, the page directory and the shared page, as xenfb_probe. */
static bool fbfront_setup_memory(FbFront *ff)
{
    bool abi32 = ff->cfg.protocol &&
                 !strcmp(ff->cfg.protocol, XEN_IO_PROTO_ABI_X86_32);
    unsigned per_dir = FB_PAGE / (abi32 ? 4 : 8);
    size_t mem = (size_t)be_uint(ff, "videoram", 2) << 20;

    ff->width = be_uint(ff, "width", 800);
    ff->height = be_uint(ff, "height", 600);
    ff->depth = ff->cfg.depth ? ff->cfg.depth : 32;
    if ((uint64_t)ff->width * ff->height * (ff->depth / 8) > mem) {
        ff->width = 800;
        ff->height = 600;
    }
    ff->stride = ff->width * (ff->depth / 8);
    ff->nr_fb = mem / FB_PAGE;
    ff->fb_pages = g_new0(uint8_t *, ff->nr_fb);
    ff->fb_gfns = g_new0(uint64_t, ff->nr_fb);
    for (unsigned i = 0; i < ff->nr_fb; i++) {
        ff->fb_pages[i] = xenner_guest_alloc_page(ff->g, &ff->fb_gfns[i]);
        if (!ff->fb_pages[i]) {
            return false;
        }
    }
    ff->nr_dirs = (ff->nr_fb + per_dir - 1) / per_dir;
    ff->dir_gfns = g_new0(uint64_t, ff->nr_dirs);
    ff->page = xenner_guest_alloc_page(ff->g, &ff->page_gfn);
    if (!ff->page) {
        return false;
    }
    for (unsigned d = 0; d < ff->nr_dirs; d++) {
        uint8_t *dir = xenner_guest_alloc_page(ff->g, &ff->dir_gfns[d]);

        if (!dir) {
            return false;
        }
        for (unsigned i = 0; i < per_dir && d * per_dir + i < ff->nr_fb;
             i++) {
            put_entry(dir, abi32, i, ff->fb_gfns[d * per_dir + i]);
        }
        put_entry((uint8_t *)ff->page + (abi32 ? 36 : 40), abi32, d,
                  ff->dir_gfns[d]);
    }
    ff->page->width = ff->width;
    ff->page->height = ff->height;
    ff->page->depth = ff->depth;
    ff->page->line_length = ff->stride;
    ff->page->mem_length = mem;
    return true;
}

static void fbfront_backend_changed(void *opaque, const char *path)
{
    FbFront *ff = opaque;
    int be_state = xenner_guest_xs_read_state(ff->g, ff->be_path);
    int state = xenner_guest_xs_read_state(ff->g, ff->path);

    switch (be_state) {
    case XenbusStateConnected:
        if (state == XenbusStateInitialised) {
            ff->update_wanted = !ff->cfg.no_feature_update &&
                                be_uint(ff, "request-update", 0);
            ff->feature_resize = be_uint(ff, "feature-resize", 0);
            ff->connected = true;
            xenner_guest_switch_state(ff->g, ff->path, XenbusStateConnected);
            fbfront_read_in(ff);
            if (ff->fn) {
                ff->fn(ff->opaque, ff, true);
            }
        }
        break;
    case XenbusStateClosing:
    case XenbusStateClosed:
        if (ff->closed) {
            break;
        }
        ff->connected = false;
        ff->closed = true;
        xenner_guest_switch_state(ff->g, ff->path, XenbusStateClosed);
        if (ff->fn) {
            ff->fn(ff->opaque, ff, false);
        }
        break;
    default:
        break;
    }
}

FbFront *fbfront_new(XennerGuest *g, unsigned devid, const FbFrontConfig *cfg,
                     FbFrontStateFn *fn, void *opaque)
{
    FbFront *ff = g_new0(FbFront, 1);
    const XenXenstoreOps *ops = xenner_guest_xs_ops(g);
    g_autofree char *key = NULL, *be_id = NULL, *state_path = NULL;
    uint64_t be_domid;
    int port;

    ff->g = g;
    ff->path = g_strdup_printf("device/vfb/%u", devid);
    ff->fn = fn;
    ff->opaque = opaque;
    ff->refresh = -1;
    if (cfg) {
        ff->cfg = *cfg;
    }
    key = g_strdup_printf("%s/backend", ff->path);
    ff->be_path = xenner_guest_xs_read(g, key);
    g_free(key);
    key = g_strdup_printf("%s/backend-id", ff->path);
    be_id = xenner_guest_xs_read(g, key);
    if (!ff->be_path || !be_id ||
        !parse_decimal(be_id, DOMID_FIRST_RESERVED - 1, &be_domid) ||
        !fbfront_setup_memory(ff)) {
        ff->closed = true;
        return ff;              /* never connects; freed as usual */
    }
    ff->be_domid = be_domid;
    port = xenner_guest_alloc_unbound(g, ff->be_domid, fbfront_port_fired,
                                      ff);
    if (port < 0) {
        ff->closed = true;
        return ff;
    }
    ff->port = port;
    state_path = g_strdup_printf("%s/state", ff->be_path);
    ops->watch(xenner_guest_xs(g), state_path, fbfront_backend_changed, ff,
               &ff->be_watch);
    g_free(key);
    key = g_strdup_printf("%s/page-ref", ff->path);
    xenner_guest_xs_printf(g, key, "%" G_GUINT64_FORMAT, ff->page_gfn);
    g_free(key);
    key = g_strdup_printf("%s/event-channel", ff->path);
    xenner_guest_xs_printf(g, key, "%u", ff->port);
    if (ff->cfg.protocol) {
        g_free(key);
        key = g_strdup_printf("%s/protocol", ff->path);
        xenner_guest_xs_printf(g, key, "%s", ff->cfg.protocol);
    }
    if (!ff->cfg.no_feature_update) {
        g_free(key);
        key = g_strdup_printf("%s/feature-update", ff->path);
        xenner_guest_xs_printf(g, key, "1");
    }
    xenner_guest_switch_state(g, ff->path, XenbusStateInitialised);
    return ff;
}

void fbfront_free(FbFront *ff)
{
    if (!ff) {
        return;
    }
    if (ff->be_watch) {
        xenner_guest_xs_ops(ff->g)->unwatch(xenner_guest_xs(ff->g),
                                            ff->be_watch);
    }
    if (ff->port) {
        xenner_guest_switch_state(ff->g, ff->path, XenbusStateClosed);
        xenner_guest_close_port(ff->g, ff->port);
    }
    /* The pages stay the guest's: the backend may still map them. */
    g_free(ff->fb_pages);
    g_free(ff->fb_gfns);
    g_free(ff->dir_gfns);
    g_free(ff->path);
    g_free(ff->be_path);
    g_free(ff);
}

bool fbfront_connected(FbFront *ff)
{
    return ff->connected;
}

bool fbfront_closed(FbFront *ff)
{
    return ff->closed;
}

unsigned fbfront_width(FbFront *ff)
{
    return ff->width;
}

unsigned fbfront_height(FbFront *ff)
{
    return ff->height;
}

unsigned fbfront_depth(FbFront *ff)
{
    return ff->depth;
}

unsigned fbfront_stride(FbFront *ff)
{
    return ff->stride;
}

size_t fbfront_mem_length(FbFront *ff)
{
    return (size_t)ff->nr_fb * FB_PAGE;
}

int64_t fbfront_refresh_period(FbFront *ff)
{
    return ff->refresh;
}

unsigned fbfront_updates_sent(FbFront *ff)
{
    return ff->updates;
}

void fbfront_write(FbFront *ff, size_t offset, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    g_assert(offset + len <= fbfront_mem_length(ff));
    while (len) {
        size_t in_page = MIN(len, FB_PAGE - offset % FB_PAGE);

        memcpy(ff->fb_pages[offset / FB_PAGE] + offset % FB_PAGE, p,
               in_page);
        offset += in_page;
        p += in_page;
        len -= in_page;
    }
}

void fbfront_put_pixel(FbFront *ff, unsigned x, unsigned y, uint32_t v)
{
    unsigned bpp = ff->depth / 8;
    uint8_t bytes[4] = { v, v >> 8, v >> 16, v >> 24 };

    fbfront_write(ff, ff->offset + (size_t)y * ff->stride + (size_t)x * bpp,
                  bytes, bpp);
}

static int fbfront_push(FbFront *ff, const union xenfb_out_event *ev)
{
    XenPairRing out = xen_pair_ring((uint8_t *)ff->page + XENFB_OUT_RING_OFFS,
                                    XENFB_OUT_RING_LEN, XENFB_OUT_EVENT_SIZE,
                                    XEN_PAIR_OUT(ff->page));
    int n = xen_pair_ring_write(&out, ev, 1);

    if (n < 0) {
        return n;
    }
    if (n == 0) {
        return -ENOSPC;
    }
    xenner_guest_notify(ff->g, ff->port);
    return 0;
}

void fbfront_notify(FbFront *ff)
{
    xenner_guest_notify(ff->g, ff->port);
}

int fbfront_push_raw(FbFront *ff, const union xenfb_out_event *ev)
{
    return fbfront_push(ff, ev);
}

bool fbfront_update(FbFront *ff, unsigned x, unsigned y, unsigned w,
                    unsigned h)
{
    union xenfb_out_event ev;

    if (!ff->connected || !ff->update_wanted ||
        ff->refresh == XENFB_NO_REFRESH) {
        ff->dirty = true;
        return false;
    }
    memset(&ev, 0, sizeof(ev));
    ev.update = (struct xenfb_update) {
        .type = XENFB_TYPE_UPDATE, .x = x, .y = y, .width = w, .height = h,
    };
    if (fbfront_push(ff, &ev) < 0) {
        ff->dirty = true;
        return false;
    }
    ff->updates++;
    ff->dirty = false;
    return true;
}

int fbfront_resize(FbFront *ff, unsigned width, unsigned height,
                   unsigned stride, unsigned depth, unsigned offset)
{
    union xenfb_out_event ev;
    int ret;

    if (!ff->feature_resize) {
        return -EOPNOTSUPP;
    }
    memset(&ev, 0, sizeof(ev));
    ev.resize = (struct xenfb_resize) {
        .type = XENFB_TYPE_RESIZE, .width = width, .height = height,
        .stride = stride, .depth = depth, .offset = offset,
    };
    ret = fbfront_push(ff, &ev);
    if (ret == 0) {
        ff->width = width;
        ff->height = height;
        ff->stride = stride;
        ff->depth = depth;
        ff->offset = offset;
    }
    return ret;
}

struct xenfb_page *fbfront_page(FbFront *ff)
{
    return ff->page;
}

uint64_t fbfront_fb_gfn(FbFront *ff, unsigned i)
{
    return i < ff->nr_fb ? ff->fb_gfns[i] : 0;
}
