/*
 * Shared ring indices; see xen_ring.h for the rules.
 *
 * Every access to an index the guest can write goes through the
 * __atomic builtins here, so that the compiler reads it exactly once and
 * orders it against the slots it covers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/xen/xen_ring.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>

/* The header every io/ring.h protocol starts its shared page with. */
struct XenSringIndices {
    RING_IDX req_prod;
    RING_IDX req_event;
    RING_IDX rsp_prod;
    RING_IDX rsp_event;
};

#define SRING_MATCHES(type)                                                  \
    _Static_assert(offsetof(struct type, req_prod) ==                        \
                   offsetof(struct XenSringIndices, req_prod) &&             \
                   offsetof(struct type, req_event) ==                       \
                   offsetof(struct XenSringIndices, req_event) &&            \
                   offsetof(struct type, rsp_prod) ==                        \
                   offsetof(struct XenSringIndices, rsp_prod) &&             \
                   offsetof(struct type, rsp_event) ==                       \
                   offsetof(struct XenSringIndices, rsp_event) &&            \
                   offsetof(struct type, ring) == XEN_SRING_HEADER,          \
                   #type " header")
SRING_MATCHES(blkif_sring);
SRING_MATCHES(netif_tx_sring);
SRING_MATCHES(netif_rx_sring);

/* The native slots; blkif's x86_32/x86_64 ones are checked in xen_blkif.c. */
_Static_assert(sizeof(union blkif_sring_entry) <= XEN_RING_SLOT_MAX,
               "blkif slot fits the private copy");
_Static_assert(sizeof(union netif_tx_sring_entry) <= XEN_RING_SLOT_MAX,
               "netif tx slot fits the private copy");
_Static_assert(sizeof(union netif_rx_sring_entry) <= XEN_RING_SLOT_MAX,
               "netif rx slot fits the private copy");

unsigned xen_ring_nr_slots(size_t ring_bytes, size_t slot_size)
{
    size_t n, pow2 = 1;

    if (!slot_size || ring_bytes < XEN_SRING_HEADER + slot_size) {
        return 0;
    }
    n = (ring_bytes - XEN_SRING_HEADER) / slot_size;
    while (pow2 * 2 <= n) {
        pow2 *= 2;
    }
    return pow2;
}

/* ---- request/response rings ------------------------------------------ */

bool xen_back_ring_init(XenBackRing *r, void *sring, size_t ring_bytes,
                        size_t slot_size)
{
    unsigned size = slot_size <= XEN_RING_SLOT_MAX ?
                    xen_ring_nr_slots(ring_bytes, slot_size) : 0;

    *r = (XenBackRing) { 0 };
    if (!size) {
        return false;
    }
    r->shared = sring;
    r->slots = (uint8_t *)sring + XEN_SRING_HEADER;
    r->slot_size = slot_size;
    r->size = size;
    return true;
}

static void *back_slot(const XenBackRing *r, RING_IDX idx)
{
    return r->slots + (size_t)(idx & (r->size - 1)) * r->slot_size;
}

/*
 * Judges a producer index just read. Requests not yet answered are the
 * ones the frontend may not overwrite: there can be at most a ring of
 * them. And the producer cannot be behind what we already took.
 */
static int back_check(XenBackRing *r, RING_IDX prod)
{
    RING_IDX unanswered = prod - r->rsp_prod_pvt;
    RING_IDX waiting = prod - r->req_cons;

    if (unanswered > r->size || waiting > unanswered) {
        snprintf(r->error, sizeof(r->error),
                 "req_prod %u with req_cons %u and rsp_prod %u "
                 "(ring of %u)", prod, r->req_cons, r->rsp_prod_pvt,
                 r->size);
        return -EPROTO;
    }
    r->req_prod = prod;
    return waiting;
}

int xen_back_ring_poll(XenBackRing *r)
{
    return back_check(r, __atomic_load_n(&r->shared->req_prod,
                                          __ATOMIC_ACQUIRE));
}

bool xen_back_ring_take(XenBackRing *r, void *copy)
{
    if (r->req_cons == r->req_prod) {
        return false;
    }
    memcpy(copy, back_slot(r, r->req_cons), r->slot_size);
    r->req_cons++;
    return true;
}

int xen_back_ring_final_check(XenBackRing *r)
{
    if (r->req_cons != r->req_prod) {
        return r->req_prod - r->req_cons;
    }
    __atomic_store_n(&r->shared->req_event, r->req_cons + 1,
                     __ATOMIC_RELAXED);
    /* The frontend's push is store req_prod, barrier, load req_event. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return xen_back_ring_poll(r);
}

int xen_back_ring_wait_for(XenBackRing *r, unsigned need)
{
    int n = xen_back_ring_poll(r);

    if (n < 0 || (unsigned)n >= need) {
        return n;
    }
    __atomic_store_n(&r->shared->req_event, r->req_cons + need,
                     __ATOMIC_RELAXED);
    /* The frontend's push is store req_prod, barrier, load req_event. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return xen_back_ring_poll(r);
}

void *xen_back_ring_respond(XenBackRing *r)
{
    return back_slot(r, r->rsp_prod_pvt++);
}

bool xen_back_ring_push(XenBackRing *r)
{
    RING_IDX old = r->rsp_prod_pushed;
    RING_IDX new = r->rsp_prod_pvt;
    RING_IDX event;

    if (old == new) {
        return false;
    }
    __atomic_store_n(&r->shared->rsp_prod, new, __ATOMIC_RELEASE);
    /* Pairs with the frontend's store rsp_event, barrier, load rsp_prod. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    event = __atomic_load_n(&r->shared->rsp_event, __ATOMIC_RELAXED);
    r->rsp_prod_pushed = new;
    /* It asked for an event at some index in (old, new]. */
    return (RING_IDX)(new - event) < (RING_IDX)(new - old);
}

/* ---- index-pair rings ------------------------------------------------ */

/*
 * How many of @n slots from index @idx on lie back to back in the array:
 * a run ends at the end of the array, and where the index wraps at 2^32,
 * since a length that does not divide 2^32 (25, 51) puts index 0
 * somewhere other than after index 2^32 - 1.
 */
static uint32_t pair_run(const XenPairRing *r, uint32_t idx, uint32_t n)
{
    uint32_t run = r->len - idx % r->len;
    uint32_t to_wrap = -idx;

    if (run > n) {
        run = n;
    }
    if (to_wrap && run > to_wrap) {
        run = to_wrap;
    }
    return run;
}

static uint8_t *pair_slot(const XenPairRing *r, uint32_t idx)
{
    return r->ring + (size_t)(idx % r->len) * r->slot_size;
}

int xen_pair_ring_read(const XenPairRing *r, void *buf, size_t max)
{
    uint32_t prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
    /* Ours, but in shared memory too: one read, so all below agree. */
    uint32_t cons = __atomic_load_n(r->cons, __ATOMIC_RELAXED);
    uint32_t avail = prod - cons;
    uint32_t n;

    if (avail > r->len) {
        return -EPROTO;
    }
    n = avail < max ? avail : (uint32_t)max;
    for (uint32_t done = 0, run; done < n; done += run) {
        run = pair_run(r, cons + done, n - done);
        memcpy((uint8_t *)buf + (size_t)done * r->slot_size,
               pair_slot(r, cons + done), (size_t)run * r->slot_size);
    }
    __atomic_store_n(r->cons, cons + n, __ATOMIC_RELEASE);
    return n;
}

/* The writer's free slots, or -EPROTO; *prod is our index as read. */
static int pair_free(const XenPairRing *r, uint32_t *prod)
{
    /* The consumer frees slots: read its index before reusing them. */
    uint32_t cons = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
    uint32_t used;

    *prod = __atomic_load_n(r->prod, __ATOMIC_RELAXED);
    used = *prod - cons;
    return used > r->len ? -EPROTO : (int)(r->len - used);
}

int xen_pair_ring_space(const XenPairRing *r)
{
    uint32_t prod;

    return pair_free(r, &prod);
}

int xen_pair_ring_write(const XenPairRing *r, const void *buf, size_t n)
{
    uint32_t prod;
    int free_slots = pair_free(r, &prod);
    uint32_t space;

    if (free_slots < 0) {
        return free_slots;
    }
    space = (size_t)free_slots < n ? (uint32_t)free_slots : (uint32_t)n;
    for (uint32_t done = 0, run; done < space; done += run) {
        run = pair_run(r, prod + done, space - done);
        memcpy(pair_slot(r, prod + done),
               (const uint8_t *)buf + (size_t)done * r->slot_size,
               (size_t)run * r->slot_size);
    }
    __atomic_store_n(r->prod, prod + space, __ATOMIC_RELEASE);
    return space;
}
