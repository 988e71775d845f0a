/*
 * libFuzzer target: the vfb wire format (hw/xen/xen_fbif.c) and its out
 * ring (xen_ring.h's XenPairRing) against a hostile frontend.
 *
 * FuzzInput layout:
 *   byte 0            flags: bit 0 the x86_32 ABI (else x86_64),
 *                     bit 1 feature-resize offered
 *   bytes 1 .. 3      videoram in bytes, little-endian (at most 16 MiB)
 *   the rest          the shared page as the guest left it (geometry,
 *                     pd[], both rings and their indices); cut or
 *                     zero-padded to 4096 bytes
 *
 * What is checked against a model computed here, not just for crashes:
 *  - an accepted geometry lies within mem_length, and mem_length within
 *    videoram; the frames to map cover it;
 *  - the directory entries read equal the bytes of the page, and never
 *    come from past the in ring's start;
 *  - the out ring is refused exactly when prod - cons exceeds its 51
 *    slots, and otherwise yields the events in its slots, in order;
 *  - every accepted UPDATE lies within the screen and every accepted
 *    RESIZE within the mapped memory: the first and last rows of each
 *    mode are then converted from a buffer of exactly that size, so that
 *    ASan sees any read past it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "hw/xen/xen_fbif.h"
#include "hw/xen/xen_ring.h"
#include "ui/console.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { __builtin_trap(); } } while (0)

static uint32_t get32(const uint8_t *p, size_t off)
{
    return p[off] | p[off + 1] << 8 | p[off + 2] << 16 |
           (uint32_t)p[off + 3] << 24;
}

/* Converts the first and last rows of @m from @fb, @fb_len bytes. */
static void touch_mode(const XenFbMode *m, const uint8_t *fb,
                       uint64_t fb_len)
{
    DisplaySurface s = {
        .width = m->width, .height = m->height, .depth = m->depth,
        .stride = m->stride, .data = fb + m->offset,
    };
    uint64_t row = (uint64_t)m->width * (m->depth / 8);
    uint32_t *out;

    check(display_surface_valid(&s));
    check((uint64_t)m->offset + (uint64_t)m->stride * (m->height - 1) + row
          <= fb_len);
    /* Wide modes are checked by the bound above; convert modest ones. */
    if (m->width > 4096) {
        return;
    }
    out = g_new(uint32_t, m->width);
    display_surface_row_xrgb(&s, 0, 0, m->width, out);
    display_surface_row_xrgb(&s, 0, m->height - 1, m->width, out);
    g_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in = { data, size };
    unsigned flags = fuzz_take(&in, 1);
    XenFbAbi abi = flags & 1 ? XENFB_ABI_X86_32 : XENFB_ABI_X86_64;
    bool resize_ok = flags & 2;
    uint64_t max_len = fuzz_take(&in, 3);
    uint8_t *page = g_malloc0(XENFB_PAGE_SIZE);
    XenFbShared sh;
    XenFbMode mode;
    unsigned nr_frames, per_dir, nr_dirs;
    uint64_t fb_len;
    uint8_t *fb;
    char why[160];

    memcpy(page, in.p, MIN(in.left, XENFB_PAGE_SIZE));

    /* ---- the geometry ---- */
    xenfb_read_shared(page, &sh);
    check(sh.width == (int32_t)get32(page, 16));
    check(sh.mem_length == get32(page, 28));
    check(sh.depth == page[32]);
    if (!xenfb_check_shared(&sh, max_len, &mode, &nr_frames, why,
                            sizeof(why))) {
        g_free(page);
        return 0;
    }
    check(sh.mem_length <= max_len && sh.mem_length > 0);
    check(mode.width == (uint32_t)sh.width && mode.offset == 0);
    fb_len = (uint64_t)nr_frames * XENFB_PAGE_SIZE;
    check(fb_len >= sh.mem_length && fb_len - sh.mem_length < 4096);

    /* ---- the page directory ---- */
    per_dir = xenfb_frames_per_dir(abi);
    nr_dirs = (nr_frames + per_dir - 1) / per_dir;
    if (nr_dirs <= xenfb_pd_max_entries(abi)) {
        uint64_t *dirs = g_new(uint64_t, nr_dirs);
        size_t es = xenfb_pd_entry_size(abi);
        size_t off = xenfb_pd_offset(abi);

        check(off + nr_dirs * es <= XENFB_IN_RING_OFFS);
        xenfb_read_entries(page + off, abi, nr_dirs, dirs);
        for (unsigned i = 0; i < nr_dirs; i++) {
            uint64_t want = get32(page, off + i * es);

            if (es == 8) {
                want |= (uint64_t)get32(page, off + i * es + 4) << 32;
            }
            check(dirs[i] == want);
        }
        g_free(dirs);
    }

    /* ---- the out ring ---- */
    fb = g_malloc0(fb_len);
    touch_mode(&mode, fb, fb_len);
    {
        uint32_t cons = get32(page, 8), prod = get32(page, 12);
        XenPairRing out = xen_pair_ring(page + XENFB_OUT_RING_OFFS,
                                        XENFB_OUT_RING_LEN,
                                        XENFB_OUT_EVENT_SIZE,
                                        (uint32_t *)(page + 8),
                                        (uint32_t *)(page + 12));
        uint8_t buf[XENFB_OUT_RING_LEN * XENFB_OUT_EVENT_SIZE];
        uint8_t *snap = g_memdup2(page, XENFB_PAGE_SIZE);
        int n = xen_pair_ring_read(&out, buf, XENFB_OUT_RING_LEN);

        if (prod - cons > XENFB_OUT_RING_LEN) {
            check(n == -EPROTO);
            check(get32(page, 8) == cons);
        } else {
            check(n == (int)(prod - cons));
            check(get32(page, 8) == prod);
        }
        for (int i = 0; i < n; i++) {
            size_t slot = (size_t)((cons + i) % XENFB_OUT_RING_LEN) *
                          XENFB_OUT_EVENT_SIZE;
            XenFbMode before = mode;
            XenFbEvent ev;
            XenFbRect r;
            int ret;

            check(!memcmp(buf + i * XENFB_OUT_EVENT_SIZE,
                          snap + XENFB_OUT_RING_OFFS + slot,
                          XENFB_OUT_EVENT_SIZE));
            xenfb_decode_event(buf + i * XENFB_OUT_EVENT_SIZE, &ev);
            ret = xenfb_apply_event(&mode, fb_len, resize_ok, &ev, &r, why,
                                    sizeof(why));
            if (ret < 0) {
                check(!memcmp(&before, &mode, sizeof(mode)));
                break;
            }
            if (ret == XENFB_EV_UPDATE) {
                check(r.w && r.h);
                check((uint64_t)r.x + r.w <= mode.width);
                check((uint64_t)r.y + r.h <= mode.height);
            } else if (ret == XENFB_EV_RESIZE) {
                check(resize_ok);
                touch_mode(&mode, fb, fb_len);
            }
        }
        g_free(snap);
    }
    g_free(fb);
    g_free(page);
    return 0;
}
