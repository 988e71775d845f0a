/*
 * xencons_interface ring access; see xen_console_ring.h.
 *
 * The peer's index is loaded once with acquire semantics (so the bytes it
 * covers are read after it), our own index is stored with release
 * semantics (so the peer sees the bytes before the index). Indices are
 * free-running 32-bit counters; their difference is the fill level.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/xen/xen_console_ring.h"

#include <errno.h>
#include <string.h>

typedef struct RingView {
    char *ring;
    uint32_t size;              /* a power of two */
    XENCONS_RING_IDX *cons;
    XENCONS_RING_IDX *prod;
} RingView;

static int ring_read(const RingView *r, void *buf, size_t max)
{
    XENCONS_RING_IDX prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX cons = __atomic_load_n(r->cons, __ATOMIC_RELAXED);
    uint32_t avail = prod - cons;
    uint32_t n, first;

    if (avail > r->size) {
        return -EPROTO;
    }
    n = avail < max ? avail : (uint32_t)max;
    first = r->size - (cons & (r->size - 1));
    if (first > n) {
        first = n;
    }
    memcpy(buf, r->ring + (cons & (r->size - 1)), first);
    memcpy((char *)buf + first, r->ring, n - first);
    __atomic_store_n(r->cons, cons + n, __ATOMIC_RELEASE);
    return n;
}

static int ring_space(const RingView *r)
{
    XENCONS_RING_IDX cons = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX prod = __atomic_load_n(r->prod, __ATOMIC_RELAXED);
    uint32_t used = prod - cons;

    return used > r->size ? -EPROTO : (int)(r->size - used);
}

static int ring_write(const RingView *r, const void *buf, size_t len)
{
    /*
     * Our own index lives in shared memory too: load each index once, so
     * the room we compute and the place we write agree.
     */
    XENCONS_RING_IDX cons = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX prod = __atomic_load_n(r->prod, __ATOMIC_RELAXED);
    uint32_t used = prod - cons;
    uint32_t space, n, first;

    if (used > r->size) {
        return -EPROTO;
    }
    space = r->size - used;
    n = space < len ? space : (uint32_t)len;
    first = r->size - (prod & (r->size - 1));
    if (first > n) {
        first = n;
    }
    memcpy(r->ring + (prod & (r->size - 1)), buf, first);
    memcpy(r->ring, (const char *)buf + first, n - first);
    __atomic_store_n(r->prod, prod + n, __ATOMIC_RELEASE);
    return n;
}

#define OUT_RING(intf) (RingView) { (intf)->out, sizeof((intf)->out), \
                                    &(intf)->out_cons, &(intf)->out_prod }
#define IN_RING(intf) (RingView) { (intf)->in, sizeof((intf)->in), \
                                   &(intf)->in_cons, &(intf)->in_prod }

int xencons_read_out(struct xencons_interface *intf, void *buf, size_t max)
{
    return ring_read(&OUT_RING(intf), buf, max);
}

int xencons_in_space(struct xencons_interface *intf)
{
    return ring_space(&IN_RING(intf));
}

int xencons_write_in(struct xencons_interface *intf, const void *buf,
                     size_t len)
{
    return ring_write(&IN_RING(intf), buf, len);
}

int xencons_read_in(struct xencons_interface *intf, void *buf, size_t max)
{
    return ring_read(&IN_RING(intf), buf, max);
}

int xencons_out_space(struct xencons_interface *intf)
{
    return ring_space(&OUT_RING(intf));
}

int xencons_write_out(struct xencons_interface *intf, const void *buf,
                      size_t len)
{
    return ring_write(&OUT_RING(intf), buf, len);
}
