/*
 * The vfb wire format; see include/hw/xen/xen_fbif.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/xen/xen_fbif.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

/* The fields before pd[] sit at the same offsets in both ABIs. */
G_STATIC_ASSERT(offsetof(struct xenfb_page, depth) == 32);
G_STATIC_ASSERT(XENFB_IN_RING_OFFS == 1024);

bool xenfb_abi_from_protocol(const char *protocol, XenFbAbi *abi)
{
    if (!protocol) {
        *abi = sizeof(long) == 8 ? XENFB_ABI_X86_64 : XENFB_ABI_X86_32;
    } else if (!strcmp(protocol, XEN_IO_PROTO_ABI_X86_32)) {
        *abi = XENFB_ABI_X86_32;
    } else if (!strcmp(protocol, XEN_IO_PROTO_ABI_X86_64)) {
        *abi = XENFB_ABI_X86_64;
    } else {
        return false;
    }
    return true;
}

const char *xenfb_abi_name(XenFbAbi abi)
{
    return abi == XENFB_ABI_X86_32 ? XEN_IO_PROTO_ABI_X86_32
                                   : XEN_IO_PROTO_ABI_X86_64;
}

size_t xenfb_pd_entry_size(XenFbAbi abi)
{
    return abi == XENFB_ABI_X86_32 ? 4 : 8;
}

size_t xenfb_pd_offset(XenFbAbi abi)
{
    /* depth (one byte at 32), then pd[] at unsigned long's alignment */
    return abi == XENFB_ABI_X86_32 ? 36 : 40;
}

unsigned xenfb_frames_per_dir(XenFbAbi abi)
{
    return XENFB_PAGE_SIZE / xenfb_pd_entry_size(abi);
}

unsigned xenfb_pd_max_entries(XenFbAbi abi)
{
    return (XENFB_IN_RING_OFFS - xenfb_pd_offset(abi)) /
           xenfb_pd_entry_size(abi);
}

void xenfb_read_entries(const void *base, XenFbAbi abi, unsigned n,
                        uint64_t *out)
{
    const uint8_t *p = base;

    for (unsigned i = 0; i < n; i++) {
        if (abi == XENFB_ABI_X86_32) {
            uint32_t v;

            memcpy(&v, p + 4 * (size_t)i, 4);
            out[i] = v;
        } else {
            memcpy(&out[i], p + 8 * (size_t)i, 8);
        }
    }
}

void xenfb_read_shared(const void *page, XenFbShared *out)
{
    const uint8_t *p = page;

    /* Each field once, from the guest's page into ours. */
    memcpy(&out->width, p + offsetof(struct xenfb_page, width), 4);
    memcpy(&out->height, p + offsetof(struct xenfb_page, height), 4);
    memcpy(&out->line_length, p + offsetof(struct xenfb_page, line_length),
           4);
    memcpy(&out->mem_length, p + offsetof(struct xenfb_page, mem_length), 4);
    memcpy(&out->depth, p + offsetof(struct xenfb_page, depth), 1);
}

static bool depth_ok(int64_t depth)
{
    return depth == 8 || depth == 16 || depth == 24 || depth == 32;
}

bool xenfb_check_mode(const XenFbMode *m, uint64_t fb_len, char *why,
                      size_t why_len)
{
    uint64_t row, end;

    if (!depth_ok(m->depth)) {
        snprintf(why, why_len, "depth %u is not 8, 16, 24 or 32", m->depth);
        return false;
    }
    if (m->width == 0 || m->height == 0 || m->width > INT32_MAX ||
        m->height > INT32_MAX) {
        snprintf(why, why_len, "size %ux%u is not positive", m->width,
                 m->height);
        return false;
    }
    row = (uint64_t)m->width * (m->depth / 8);
    if (row > m->stride) {
        snprintf(why, why_len, "a line of %u bytes cannot hold %u pixels "
                 "of %u bits", m->stride, m->width, m->depth);
        return false;
    }
    /* the last row need not be padded out to a whole stride */
    end = (uint64_t)m->offset + (uint64_t)m->stride * (m->height - 1) + row;
    if (end > fb_len) {
        snprintf(why, why_len, "%ux%ux%u at offset %u, line %u, needs %"
                 G_GUINT64_FORMAT " bytes of %" G_GUINT64_FORMAT,
                 m->width, m->height, m->depth, m->offset, m->stride, end,
                 fb_len);
        return false;
    }
    return true;
}

bool xenfb_check_shared(const XenFbShared *sh, uint64_t max_len,
                        XenFbMode *mode, unsigned *nr_frames,
                        char *why, size_t why_len)
{
    XenFbMode m = {
        .width = sh->width < 0 ? 0 : (uint32_t)sh->width,
        .height = sh->height < 0 ? 0 : (uint32_t)sh->height,
        .depth = sh->depth,
        .stride = sh->line_length,
        .offset = 0,
    };

    if (sh->mem_length == 0 || sh->mem_length > max_len) {
        snprintf(why, why_len, "mem_length %u is not within the %"
                 G_GUINT64_FORMAT " bytes of videoram", sh->mem_length,
                 max_len);
        return false;
    }
    if (sh->width <= 0 || sh->height <= 0) {
        snprintf(why, why_len, "size %dx%d is not positive", sh->width,
                 sh->height);
        return false;
    }
    if (!xenfb_check_mode(&m, sh->mem_length, why, why_len)) {
        return false;
    }
    *mode = m;
    *nr_frames = (sh->mem_length + XENFB_PAGE_SIZE - 1) / XENFB_PAGE_SIZE;
    return true;
}

void xenfb_decode_event(const void *slot, XenFbEvent *ev)
{
    union xenfb_out_event e;

    memcpy(&e, slot, sizeof(e));
    memset(ev, 0, sizeof(*ev));
    ev->type = e.type;
    if (e.type == XENFB_TYPE_UPDATE) {
        ev->x = e.update.x;
        ev->y = e.update.y;
        ev->width = e.update.width;
        ev->height = e.update.height;
    } else if (e.type == XENFB_TYPE_RESIZE) {
        ev->width = e.resize.width;
        ev->height = e.resize.height;
        ev->stride = e.resize.stride;
        ev->depth = e.resize.depth;
        ev->offset = e.resize.offset;
    }
}

int xenfb_apply_event(XenFbMode *mode, uint64_t fb_len, bool resize_ok,
                      const XenFbEvent *ev, XenFbRect *dirty, char *why,
                      size_t why_len)
{
    XenFbMode m;

    switch (ev->type) {
    case XENFB_TYPE_UPDATE:
        if (ev->x < 0 || ev->y < 0 || ev->width < 0 || ev->height < 0 ||
            (int64_t)ev->x + ev->width > mode->width ||
            (int64_t)ev->y + ev->height > mode->height) {
            snprintf(why, why_len, "update %dx%d at %d,%d is outside the "
                     "%ux%u screen", ev->width, ev->height, ev->x, ev->y,
                     mode->width, mode->height);
            return -EINVAL;
        }
        if (ev->width == 0 || ev->height == 0) {
            return XENFB_EV_NONE;
        }
        *dirty = (XenFbRect) { ev->x, ev->y, ev->width, ev->height };
        return XENFB_EV_UPDATE;
    case XENFB_TYPE_RESIZE:
        if (!resize_ok) {
            snprintf(why, why_len, "resize without feature-resize");
            return -EINVAL;
        }
        if (ev->width <= 0 || ev->height <= 0 || ev->stride <= 0 ||
            ev->offset < 0 || !depth_ok(ev->depth)) {
            snprintf(why, why_len, "resize to %dx%dx%d, line %d, offset %d "
                     "is malformed", ev->width, ev->height, ev->depth,
                     ev->stride, ev->offset);
            return -EINVAL;
        }
        m = (XenFbMode) {
            .width = ev->width, .height = ev->height, .depth = ev->depth,
            .stride = ev->stride, .offset = ev->offset,
        };
        if (!xenfb_check_mode(&m, fb_len, why, why_len)) {
            return -EINVAL;
        }
        *mode = m;
        return XENFB_EV_RESIZE;
    default:
        /* fbif.h: a backend ignores events it does not know */
        return XENFB_EV_NONE;
    }
}
