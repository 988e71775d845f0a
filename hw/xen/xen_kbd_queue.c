/*
 * The vkbd event backlog and its full-ring policy; see xen_kbd_queue.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/xen/xen_kbd_queue.h"

#include <errno.h>
#include <string.h>

#include "hw/xen/xen_ring.h"

_Static_assert(sizeof(union xenkbd_in_event) == XENKBD_IN_EVENT_SIZE,
               "kbdif in event size");
_Static_assert(sizeof(union xenkbd_out_event) == XENKBD_OUT_EVENT_SIZE,
               "kbdif out event size");

void xen_kbd_queue_init(XenKbdQueue *q)
{
    memset(q, 0, sizeof(*q));
}

static bool is_motion(const union xenkbd_in_event *ev)
{
    return (ev->type == XENKBD_TYPE_MOTION && !ev->motion.rel_z) ||
           (ev->type == XENKBD_TYPE_POS && !ev->pos.rel_z);
}

static int32_t add_clamped(int32_t a, int32_t b)
{
    int64_t sum = (int64_t)a + b;

    return sum > INT32_MAX ? INT32_MAX : sum < INT32_MIN ? INT32_MIN : sum;
}

static void queue_remove(XenKbdQueue *q, unsigned i)
{
    memmove(&q->ev[i], &q->ev[i + 1], (q->len - i - 1) * sizeof(q->ev[0]));
    q->len--;
}

static void queue_make_room(XenKbdQueue *q)
{
    for (unsigned i = 0; i < q->len; i++) {
        if (!is_motion(&q->ev[i])) {
            continue;
        }
        if (q->ev[i].type == XENKBD_TYPE_MOTION) {
            /* Its distance moves on to the next relative motion. */
            for (unsigned j = i + 1; j < q->len; j++) {
                if (q->ev[j].type == XENKBD_TYPE_MOTION) {
                    q->ev[j].motion.rel_x = add_clamped(
                        q->ev[j].motion.rel_x, q->ev[i].motion.rel_x);
                    q->ev[j].motion.rel_y = add_clamped(
                        q->ev[j].motion.rel_y, q->ev[i].motion.rel_y);
                    break;
                }
            }
        }
        queue_remove(q, i);
        q->dropped_motion++;
        return;
    }
    queue_remove(q, 0);
    q->dropped_other++;
}

void xen_kbd_queue_push(XenKbdQueue *q, const union xenkbd_in_event *ev)
{
    if (q->len == XEN_KBD_QUEUE_LEN) {
        queue_make_room(q);
    }
    q->ev[q->len++] = *ev;
}

int xen_kbd_queue_flush(XenKbdQueue *q, struct xenkbd_page *page)
{
    XenPairRing in = xen_pair_ring((uint8_t *)page + XENKBD_IN_RING_OFFS,
                                   XENKBD_IN_RING_LEN, XENKBD_IN_EVENT_SIZE,
                                   XEN_PAIR_IN(page));
    int n;

    if (!q->len) {
        return 0;
    }
    n = xen_pair_ring_write(&in, q->ev, q->len);
    if (n > 0) {
        q->len -= n;
        memmove(&q->ev[0], &q->ev[n], q->len * sizeof(q->ev[0]));
    }
    return n;
}

int xen_kbd_drain_out(struct xenkbd_page *page)
{
    XenPairRing out = xen_pair_ring((uint8_t *)page + XENKBD_OUT_RING_OFFS,
                                    XENKBD_OUT_RING_LEN,
                                    XENKBD_OUT_EVENT_SIZE,
                                    XEN_PAIR_OUT(page));
    union xenkbd_out_event buf[XENKBD_OUT_RING_LEN];

    return xen_pair_ring_read(&out, buf, XENKBD_OUT_RING_LEN);
}
