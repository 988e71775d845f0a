/*
 * The one place in hw/xen that reads or writes the indices of a ring
 * shared with a guest. Two kinds of ring:
 *
 * 1. Request/response rings (xen/io/ring.h: blkif, netif tx/rx): a
 *    64-byte header of four indices, then slots holding a request or a
 *    response. The backend side is XenBackRing.
 * 2. Index-pair rings: a consumer and a producer index over an array of
 *    fixed-size slots, no events. The console's `in` and `out` (1-byte
 *    slots, xen/io/console.h), and the event rings of the framebuffer and
 *    keyboard (40-byte events, xen/io/fbif.h and io/kbdif.h). That is
 *    XenPairRing, used from either side.
 *
 * What both enforce (DESIGN.md, "Data path rules"):
 *  - the peer's index is loaded once, with acquire ordering, so that the
 *    slots it covers are read after it;
 *  - the fill level (free-running 32-bit indices, so `prod - cons`) is
 *    checked against the ring's size before anything is copied: a peer
 *    that lies gets -EPROTO, nothing is copied and no index moves, and
 *    the caller fails the device with xen_device_fail(); nothing loops
 *    on a lie, however far the indices are apart;
 *  - each slot is copied once into private memory; nothing else looks at
 *    the shared copy;
 *  - our own index is stored with release ordering, after the slots.
 *
 * Plain logic over memory the caller maps: no device state, so it is
 * unit-tested (tests/unit/test-xen-ring.c) and fuzzed against a model
 * (tests/fuzz/fuzz-console-ring.c, tests/fuzz/fuzz-disk-ring.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_RING_H
#define HW_XEN_XEN_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/ring.h>

/*
 * The shared ring header of xen/io/ring.h: req_prod, req_event, rsp_prod,
 * rsp_event and padding; the slots follow it in every protocol and ABI.
 */
#define XEN_SRING_HEADER 64

/*
 * The private copy buffer a backend passes to xen_back_ring_take(): at
 * least the largest slot of every protocol and ABI (checked at build
 * time in xen_ring.c and xen_blkif.c).
 */
#define XEN_RING_SLOT_MAX 128

/*
 * Slots a request ring of @ring_bytes holds for slots of @slot_size:
 * __CONST_RING_SIZE for a slot size known only at run time (blkif's
 * x86_32 and x86_64 ABIs differ). 0 when not even one fits.
 */
unsigned xen_ring_nr_slots(size_t ring_bytes, size_t slot_size);

/*
 * The backend's side of a request/response ring, its private state. The
 * shared header is only touched by the functions below.
 *
 * A turn of a backend's event handler:
 *
 *     int n = xen_back_ring_poll(&ring);
 *
 *     for (;;) {
 *         if (n < 0) {
 *             xen_device_fail(xd, "%s", xen_back_ring_error(&ring));
 *             return;
 *         }
 *         while (xen_back_ring_take(&ring, copy)) {
 *             ... decode and check the private copy, start it ...
 *         }
 *
 * (or, to stop early, loop on xen_back_ring_unconsumed())
 *         n = xen_back_ring_final_check(&ring);
 *         if (n == 0) {
 *             break;
 *         }
 *     }
 *
 * and each answer goes into xen_back_ring_respond()'s slot; once per
 * turn, xen_back_ring_push() publishes them all and says whether to
 * notify. A backend may stop taking early (a budget, a barrier) and
 * poll again later: the batch it read stays valid.
 */
typedef struct XenBackRing {
    uint8_t *slots;             /* the first slot, past the header */
    struct XenSringIndices *shared;
    size_t slot_size;
    uint32_t size;              /* slots, a power of two */
    RING_IDX req_prod;          /* the producer as last read, checked */
    RING_IDX req_cons;
    RING_IDX rsp_prod_pvt;
    RING_IDX rsp_prod_pushed;
    char error[96];             /* why the last poll failed */
} XenBackRing;

/*
 * Attaches to a mapped ring of @ring_bytes (a multiple of the page size
 * for a multi-page ring) with slots of @slot_size, all indices 0 as after
 * BACK_RING_INIT. False when @slot_size is 0 or above XEN_RING_SLOT_MAX
 * or no slot fits.
 */
bool xen_back_ring_init(XenBackRing *r, void *sring, size_t ring_bytes,
                        size_t slot_size);

/*
 * Reads req_prod once (acquire) and checks it: the requests not yet
 * answered may not exceed the ring, and none may be behind what we
 * took. Returns the requests waiting to be taken, or -EPROTO (nothing
 * changed; xen_back_ring_error() says why).
 */
int xen_back_ring_poll(XenBackRing *r);

/*
 * Copies the next request of the last poll into @copy (slot_size bytes,
 * private) and consumes it; false when the batch is done. Never reads
 * the producer index.
 */
bool xen_back_ring_take(XenBackRing *r, void *copy);

/*
 * RING_FINAL_CHECK_FOR_REQUESTS: once the batch is taken, asks for an
 * event on the next request (req_event = req_cons + 1), then, after a
 * full barrier, reads req_prod again, so that a request the frontend
 * pushed meanwhile, seeing the old req_event and not notifying, is not
 * left behind. Returns what xen_back_ring_poll() would: 0 means armed
 * and idle.
 */
int xen_back_ring_final_check(XenBackRing *r);

/*
 * For a consumer that must take @need requests at once (a net RX frame
 * over several slots) and may have fewer: polls, and when fewer than
 * @need are there, asks for an event when the frontend's producer
 * reaches the @need-th (req_event = req_cons + need, the slots netback's
 * RX waits for), then polls again after a full barrier, so that
 * requests pushed meanwhile are not left behind. final_check() would
 * not do: with requests unconsumed it leaves req_event behind req_prod,
 * and the frontend's next push then notifies nobody. @need is at most
 * the ring's size. Returns what xen_back_ring_poll() would; fewer than
 * @need means armed.
 */
int xen_back_ring_wait_for(XenBackRing *r, unsigned need);

/*
 * The slot for the next response (shared memory): the caller writes the
 * whole response into it at once, padding zeroed, before the next push.
 * Only for a request taken and not yet answered.
 */
void *xen_back_ring_respond(XenBackRing *r);

/*
 * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publishes the responses written
 * since the last push (rsp_prod, release), then, after a full barrier,
 * reads rsp_event once: true when the frontend asked for an event within
 * what was just pushed, i.e. the caller must notify. False, without
 * touching the header, when there was nothing new.
 */
bool xen_back_ring_push(XenBackRing *r);

/* Requests of the last poll not taken yet; reads no shared memory. */
static inline unsigned xen_back_ring_unconsumed(const XenBackRing *r)
{
    return r->req_prod - r->req_cons;
}

/* Requests taken but not yet answered. */
static inline unsigned xen_back_ring_inflight(const XenBackRing *r)
{
    return r->req_cons - r->rsp_prod_pvt;
}

/* Why the last poll or final check returned -EPROTO. */
static inline const char *xen_back_ring_error(const XenBackRing *r)
{
    return r->error;
}

/*
 * An index-pair ring: @len slots of @slot_size bytes at @ring, the slot
 * of index i at i % len (the fbif/kbdif event rings have 25 or 51 events,
 * not a power of two, and their indices run free all the same), with the
 * consumer index at @cons and the producer at @prod, both in shared
 * memory. A full ring (prod - cons == len) is legal. (Where such an
 * index wraps at 2^32, a ring's worth of events can land on slots it
 * just wrote; the frontends' own % does the same, so both sides agree.)
 *
 * Either side uses it: the reader calls read (it owns @cons), the writer
 * space and write (it owns @prod).
 */
typedef struct XenPairRing {
    uint8_t *ring;
    uint32_t len;
    uint32_t slot_size;
    uint32_t *cons;
    uint32_t *prod;
} XenPairRing;

/*
 * The console, fbif and kbdif pages all name their indices in_cons,
 * in_prod, out_cons and out_prod; `in` is towards the guest. E.g. the
 * backend of a console reads
 *     xen_pair_ring(intf->out, sizeof(intf->out), 1, XEN_PAIR_OUT(intf))
 * and a keyboard backend will write its events into
 *     xen_pair_ring((uint8_t *)page + XENKBD_IN_RING_OFFS,
 *                   XENKBD_IN_RING_LEN, XENKBD_IN_EVENT_SIZE,
 *                   XEN_PAIR_IN(page))
 * and read the frontend's from XENKBD_OUT_* and XEN_PAIR_OUT (xenfb the
 * same with XENFB_*): whatever the guest wrote in out_prod, a lie is
 * -EPROTO, never a walk of 2^32 events.
 */
#define XEN_PAIR_IN(page)   &(page)->in_cons, &(page)->in_prod
#define XEN_PAIR_OUT(page)  &(page)->out_cons, &(page)->out_prod

static inline XenPairRing xen_pair_ring(void *ring, uint32_t len,
                                        uint32_t slot_size, uint32_t *cons,
                                        uint32_t *prod)
{
    return (XenPairRing) {
        .ring = ring, .len = len, .slot_size = slot_size,
        .cons = cons, .prod = prod,
    };
}

/*
 * Reader: copies up to @max slots into @buf and consumes them; returns
 * how many, or -EPROTO (nothing copied or consumed) when the producer
 * claims more than the ring holds.
 */
int xen_pair_ring_read(const XenPairRing *r, void *buf, size_t max);
/* Writer: free slots, or -EPROTO. */
int xen_pair_ring_space(const XenPairRing *r);
/*
 * Writer: copies up to @n slots from @buf, as many as there is room for,
 * and publishes them; returns how many, or -EPROTO (nothing written).
 */
int xen_pair_ring_write(const XenPairRing *r, const void *buf, size_t n);

#endif /* HW_XEN_XEN_RING_H */
