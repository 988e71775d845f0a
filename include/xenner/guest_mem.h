/*
 * Xenner guest memory: the RAM of one emulated domain, a memfd addressed
 * by guest frame number (4 KiB frames). A backend never sees the whole
 * region: it maps a list of frames into a window of its own, the way
 * xenforeignmemory_map() gives a backend a window into a real guest.
 *
 * Not thread-safe: one event loop owns a XennerMem and everything mapped
 * from it. Guest writes to the frames themselves may come from anywhere.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GUEST_MEM_H
#define XENNER_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define XENNER_PAGE_SHIFT 12
#define XENNER_PAGE_SIZE (1u << XENNER_PAGE_SHIFT)

/* Bounds a domain's RAM (64 GiB) and one window (256 MiB). */
#define XENNER_MEM_MAX_FRAMES (1ull << 24)
#define XENNER_MEM_MAP_MAX 65536u

typedef struct XennerMem XennerMem;

/* Zero-filled memory of @nr_frames frames. */
XennerMem *xenner_mem_new(uint64_t nr_frames, Error **errp);
/*
 * Also unmaps the windows still mapped, so whatever mapped them (a grant
 * table) must be freed first.
 */
void xenner_mem_free(XennerMem *mem);
uint64_t xenner_mem_nr_frames(const XennerMem *mem);

/* Where frame @gfn lives in this process, or NULL when out of range. */
void *xenner_mem_frame(XennerMem *mem, uint64_t gfn);

/*
 * A frame allocator for in-process test guests: fills @gfns with @n free
 * frames, lowest first, not necessarily contiguous.
 */
bool xenner_mem_alloc_frames(XennerMem *mem, unsigned n, uint64_t *gfns,
                             Error **errp);
/*
 * Returns frames to the allocator. -EINVAL, and nothing freed, when one
 * is out of range, not allocated, or listed twice.
 */
int xenner_mem_free_frames(XennerMem *mem, const uint64_t *gfns, unsigned n);

/*
 * Ballooning, as Xen's decrease_reservation and populate_physmap do it
 * for an HVM guest. xenner_mem_release() gives frame @gfn's host memory
 * back (a hole punched in the memfd) and marks it released: no new
 * window (xenner_mem_map) or grant map or copy reaches it until
 * xenner_mem_populate() brings it back, zero-filled. A window mapped
 * before the release stays mapped and reads zeros; what is written
 * through it is dropped again by populate. -EINVAL when @gfn is out of
 * range or already released (release) or not released (populate).
 */
int xenner_mem_release(XennerMem *mem, uint64_t gfn);
int xenner_mem_populate(XennerMem *mem, uint64_t gfn);
/* False for a frame out of range or released. */
bool xenner_mem_frame_present(const XennerMem *mem, uint64_t gfn);
uint64_t xenner_mem_nr_released(const XennerMem *mem);
/*
 * Every frame zero-filled and present again, its host memory given
 * back: a rebooting domain's fresh RAM.
 */
void xenner_mem_reset(XennerMem *mem);

/*
 * Maps the @n frames @gfns, in that order and repeats allowed, into one
 * new contiguous window of @n pages, read-only unless @writable. The
 * window shares the frames: guest writes show through it and, when
 * writable, writes through it reach the guest. Returns 0 and sets *addr,
 * -EINVAL when @n is 0 or above XENNER_MEM_MAP_MAX or a gfn is out of
 * range or released, or another -errno when the host refuses the mapping.
 */
int xenner_mem_map(XennerMem *mem, const uint64_t *gfns, unsigned n,
                   bool writable, void **addr);
/*
 * Removes a window that xenner_mem_map() returned; -EINVAL for any other
 * address, or when @n is not the window's size.
 */
int xenner_mem_unmap(XennerMem *mem, void *addr, unsigned n);

#endif /* XENNER_GUEST_MEM_H */
