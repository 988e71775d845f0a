/*
 * memory_op's reservation calls for a PVH guest, as Xen serves them for
 * an HVM guest: XENMEM_decrease_reservation gives the listed frames of
 * RAM back to the host, XENMEM_populate_physmap brings released ones
 * back zero-filled. Linux's balloon driver calls both with extents of
 * one frame (drivers/xen/balloon.c), and BUG()s unless a decrease does
 * every extent it asked for.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xen_hcall_int.h"

#include <xen/memory.h>

#include "hw/kvm/pvh_boot.h"

/* Xen's largest extent for a domU's reservation calls: 2 MiB. */
#define EXTENT_ORDER_MAX 9
/*
 * The most extents one call does. Xen preempts a long call and goes on
 * with it unseen; we have no continuation, so a longer list is done in
 * part (the result says how far), and the event loop, which every
 * backend and vCPU shares, is never held for more than this many
 * frames' page walks and hole punches. Linux's balloon asks for at most
 * a page of frame numbers (512) at a time.
 */
#define RESERVATION_MAX_EXTENTS 4096

static uint64_t ram_frames(XenHcall *h)
{
    return h->ram_size / XEN_HCALL_PAGE;
}

void *xen_hcall_ram_frame(XenHcall *h, uint64_t gfn)
{
    if (gfn >= ram_frames(h) ||
        (h->mem && !xenner_mem_frame_present(h->mem, gfn))) {
        return NULL;
    }
    return h->ram + gfn * XEN_HCALL_PAGE;
}

uint64_t xen_hcall_current_reservation(XenHcall *h)
{
    return ram_frames(h) - (h->mem ? xenner_mem_nr_released(h->mem) : 0);
}

/*
 * RAM the guest may give back: not the reserved hole below 1 MiB, where
 * the machine keeps the console and xenstore rings and ACPI's tables,
 * nor the grant frames past RAM.
 */
static bool releasable(XenHcall *h, uint64_t gfn)
{
    return gfn < ram_frames(h) &&
           (gfn < PVH_BOOT_LOW_RAM_END / XEN_HCALL_PAGE ||
            gfn >= PVH_IMAGE_MIN_PADDR / XEN_HCALL_PAGE);
}

/*
 * One extent of 2^@order frames at @gfn, aligned to its size, released
 * (or populated) whole or not at all: every frame must be the guest's
 * to release and present (or released, to populate).
 */
static bool extent_do(XenHcall *h, bool release, uint64_t gfn,
                      unsigned order)
{
    uint64_t n = 1ull << order;

    if (gfn & (n - 1) || gfn > UINT64_MAX - n) {
        return false;
    }
    for (uint64_t i = 0; i < n; i++) {
        if (!releasable(h, gfn + i) ||
            xenner_mem_frame_present(h->mem, gfn + i) != release) {
            return false;
        }
    }
    for (uint64_t i = 0; i < n; i++) {
        /* Checked above: neither can fail now. */
        if (release) {
            xenner_mem_release(h->mem, gfn + i);
        } else {
            xenner_mem_populate(h->mem, gfn + i);
        }
    }
    return true;
}

/*
 * As on Xen, the result is the number of extents done (from
 * @start_extent, the continuation bits of the command): the first one
 * that cannot be read or done ends the call (@start_extent is below
 * 2^58, so the count fits the result), and so does the
 * RESERVATION_MAX_EXTENTS-th.
 */
int64_t xen_hcall_reservation(XenHcallCall *c, unsigned cmd,
                              uint64_t start_extent, uint64_t arg)
{
    XenHcall *h = c->h;
    bool release = cmd == XENMEM_decrease_reservation;
    struct xen_memory_reservation r;
    uint64_t i;

    if (xen_hcall_read(c, &r, arg, sizeof(r)) < 0) {
        return -EFAULT;
    }
    if (!xen_hcall_is_self(h, r.domid)) {
        return -ESRCH;      /* an unprivileged domain's, as on Xen */
    }
    if (!h->mem) {
        return -ENOSYS;
    }
    /* No populate-on-demand: every frame here is backed or released. */
    if (r.extent_order > EXTENT_ORDER_MAX ||
        (!release && (r.mem_flags & XENMEMF_populate_on_demand))) {
        return start_extent;
    }
    for (i = start_extent;
         i < r.nr_extents && i - start_extent < RESERVATION_MAX_EXTENTS;
         i++) {
        xen_pfn_t gfn;
        uint64_t at = (uintptr_t)r.extent_start.p + i * sizeof(gfn);

        if (xen_hcall_read(c, &gfn, at, sizeof(gfn)) < 0 ||
            !extent_do(h, release, gfn, r.extent_order)) {
            break;
        }
    }
    return i;
}
