/*
 * A framebuffer frontend for in-process test guests, behaving as Linux's
 * xen-fbfront: it reads `videoram`, `width` and `height` from the
 * backend's directory, allocates that much video memory, describes it
 * in the shared page's page directory for its ABI (pd[] at the 32-bit
 * or 64-bit offset), writes page-ref, event-channel, protocol and
 * feature-update, and once connected draws, sends UPDATE events when
 * the backend asked for them (request-update) and a refresh is wanted
 * (REFRESH_PERIOD not 0), and RESIZE events when feature-resize is
 * offered.
 *
 * Hostile tests reach past the protocol with fbfront_page() (the shared
 * page, to change before the backend reads it), fbfront_push_raw() and
 * the ring indices in the page.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GUESTS_FBFRONT_H
#define XENNER_GUESTS_FBFRONT_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/fbif.h>

#include "xenner/guest.h"

typedef struct FbFront FbFront;

typedef struct FbFrontConfig {
    /* NULL: no protocol key (the backend's own ABI, x86_64); else an
     * XEN_IO_PROTO_ABI_* name: pd[]'s layout follows it */
    const char *protocol;
    bool no_feature_update;     /* as a frontend that sends no updates */
    unsigned depth;             /* 0: 32 */
} FbFrontConfig;

/* Connected (once, and after each reconnect), or closed by the backend. */
typedef void FbFrontStateFn(void *opaque, FbFront *ff, bool connected);

/*
 * Sets up device/vfb/@devid and switches to Initialised; the backend
 * reads the shared page once the loop runs, so a hostile test may
 * change it right after this returns.
 */
FbFront *fbfront_new(XennerGuest *g, unsigned devid, const FbFrontConfig *cfg,
                     FbFrontStateFn *fn, void *opaque);
void fbfront_free(FbFront *ff);

bool fbfront_connected(FbFront *ff);
bool fbfront_closed(FbFront *ff);
/* The mode: the backend's offer at first, then as resized. */
unsigned fbfront_width(FbFront *ff);
unsigned fbfront_height(FbFront *ff);
unsigned fbfront_depth(FbFront *ff);
unsigned fbfront_stride(FbFront *ff);
/* Video memory, bytes. */
size_t fbfront_mem_length(FbFront *ff);
/* The last REFRESH_PERIOD the backend sent; -1 before any. */
int64_t fbfront_refresh_period(FbFront *ff);
/* UPDATE events sent so far. */
unsigned fbfront_updates_sent(FbFront *ff);

/* Writes @len bytes at byte @offset of video memory. */
void fbfront_write(FbFront *ff, size_t offset, const void *buf, size_t len);
/* The pixel value (depth bits) at @x, @y of the current mode. */
void fbfront_put_pixel(FbFront *ff, unsigned x, unsigned y, uint32_t v);
/*
 * Tells the backend a rectangle changed, as xenfb_refresh() does: an
 * UPDATE event when the backend asked for them and a refresh is
 * wanted, else it is only remembered (and sent whole once a refresh is
 * wanted again). Returns whether an event went.
 */
bool fbfront_update(FbFront *ff, unsigned x, unsigned y, unsigned w,
                    unsigned h);
/*
 * A RESIZE event: the new mode starts at byte @offset of video memory.
 * -EOPNOTSUPP without the backend's feature-resize.
 */
int fbfront_resize(FbFront *ff, unsigned width, unsigned height,
                   unsigned stride, unsigned depth, unsigned offset);

/* ---- for hostile tests ------------------------------------------------- */

struct xenfb_page *fbfront_page(FbFront *ff);
/* The gfn of video memory page @i. */
uint64_t fbfront_fb_gfn(FbFront *ff, unsigned i);
/* Notifies the backend, whatever the ring says. */
void fbfront_notify(FbFront *ff);
/* Pushes one raw out event (any content) and notifies; -ENOSPC if full. */
int fbfront_push_raw(FbFront *ff, const union xenfb_out_event *ev);

#endif /* XENNER_GUESTS_FBFRONT_H */
