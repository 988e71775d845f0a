/*
 * The vfb wire format (xen/io/fbif.h) as pure functions over memory the
 * caller maps and copies: the shared page's fields, the page directory
 * and the out ring's events, each read once into private memory and
 * checked before use. No device state, so tests and the fuzzer
 * (tests/fuzz/fuzz-fb.c) drive them directly.
 *
 * The page directory is `unsigned long pd[256]` of the guest's ABI: on
 * x86_32 4-byte entries from offset 36, on x86_64 8-byte entries from
 * offset 40. 256 of either run past offset 1024 into the in ring (and,
 * on x86_64, the out ring): only the entries before the in ring are
 * ever read (XENFB_PD_MAX_ENTRIES), so a directory that claims more
 * frames than that is refused, not read out of the rings.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_FBIF_H
#define HW_XEN_XEN_FBIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/fbif.h>
#include <xen/io/protocols.h>

#define XENFB_PAGE_SIZE 4096u

typedef enum XenFbAbi {
    XENFB_ABI_X86_32,
    XENFB_ABI_X86_64,
} XenFbAbi;

/*
 * The ABI `protocol` names ("x86_32-abi", "x86_64-abi"). A frontend that
 * writes none is taken to share the backend's own ABI, as QEMU and
 * Xen's xenbus convention for blkif do (x86_64 in a 64-bit build, every
 * build we have). False for a name we do not know.
 */
bool xenfb_abi_from_protocol(const char *protocol, XenFbAbi *abi);
const char *xenfb_abi_name(XenFbAbi abi);

/* Where pd[] starts, its entry size, and frames per directory page. */
size_t xenfb_pd_offset(XenFbAbi abi);
size_t xenfb_pd_entry_size(XenFbAbi abi);
unsigned xenfb_frames_per_dir(XenFbAbi abi);
/* pd[] entries that lie before the in ring: the most ever read. */
unsigned xenfb_pd_max_entries(XenFbAbi abi);

/*
 * Copies @n entries of the ABI's size from @base into @out, widened to
 * 64 bits; the caller bounds @n by the memory at @base.
 */
void xenfb_read_entries(const void *base, XenFbAbi abi, unsigned n,
                        uint64_t *out);

/* The shared page's geometry, copied once. */
typedef struct XenFbShared {
    int32_t width;
    int32_t height;
    uint32_t line_length;
    uint32_t mem_length;
    uint8_t depth;
} XenFbShared;

void xenfb_read_shared(const void *page, XenFbShared *out);

/* What the backend shows: offset and stride in bytes into the mapping. */
typedef struct XenFbMode {
    uint32_t width;
    uint32_t height;
    uint32_t depth;
    uint32_t stride;
    uint32_t offset;
} XenFbMode;

/*
 * Checks the frontend's initial geometry against @max_len, the most
 * video memory the backend grants it (`videoram`): mem_length within
 * it (CVE-2008-1952: QEMU once took it unclamped), width and height
 * positive, a known depth, a line that holds a row and lines that fit
 * in mem_length. Fills @mode (offset 0) and the frames to map. False
 * with @why set otherwise.
 */
bool xenfb_check_shared(const XenFbShared *sh, uint64_t max_len,
                        XenFbMode *mode, unsigned *nr_frames,
                        char *why, size_t why_len);

/* A mode is shown only when it lies within @fb_len bytes of mapping. */
bool xenfb_check_mode(const XenFbMode *m, uint64_t fb_len, char *why,
                      size_t why_len);

/* One out-ring event, decoded from a private copy of its slot. */
typedef struct XenFbEvent {
    uint8_t type;               /* XENFB_TYPE_UPDATE, _RESIZE, other */
    int32_t x, y, width, height;
    int32_t stride, depth, offset;
} XenFbEvent;

void xenfb_decode_event(const void *slot, XenFbEvent *ev);

typedef struct XenFbRect {
    uint32_t x, y, w, h;
} XenFbRect;

enum {
    XENFB_EV_NONE,              /* ignored: unknown type, empty update */
    XENFB_EV_UPDATE,            /* *dirty filled */
    XENFB_EV_RESIZE,            /* *mode changed */
};

/*
 * Applies @ev to @mode: an UPDATE must lie within the screen (negative
 * or overflowing coordinates are refused, not clipped), a RESIZE is
 * taken only when @resize_ok (we offered feature-resize) and the new
 * mode passes xenfb_check_mode() within @fb_len. Returns XENFB_EV_*, or
 * -EINVAL with @why set (@mode untouched).
 */
int xenfb_apply_event(XenFbMode *mode, uint64_t fb_len, bool resize_ok,
                      const XenFbEvent *ev, XenFbRect *dirty, char *why,
                      size_t why_len);

#endif /* HW_XEN_XEN_FBIF_H */
