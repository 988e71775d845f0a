/*
 * The vkbd backend's event path to the guest (xen/io/kbdif.h): a private
 * backlog in front of the shared in ring, and the policy for when both
 * are full. Pure logic over a page the caller maps, so it is unit-tested
 * through the functional test and fuzzed (tests/fuzz/fuzz-kbd.c).
 *
 * Events go to the backlog, and from it into the in ring as far as the
 * ring has room; the guest notifies when it has consumed, and the
 * backend flushes again. When the backlog is full, room is made by
 * dropping the oldest pointer motion (MOTION without a wheel step, POS
 * without a wheel step; a dropped relative motion's distance is added
 * to the next relative motion queued, so the pointer still ends where
 * it should); only when no motion is queued does the oldest event of
 * another kind (a key, a touch) go. So a guest that stops reading loses
 * intermediate pointer positions first, never a key while any motion
 * could go instead.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_KBD_QUEUE_H
#define HW_XEN_XEN_KBD_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/kbdif.h>

/* Events held beyond the ring's 51. */
#define XEN_KBD_QUEUE_LEN 64

typedef struct XenKbdQueue {
    union xenkbd_in_event ev[XEN_KBD_QUEUE_LEN];
    unsigned len;                   /* ev[0] is the oldest */
    uint64_t dropped_motion;
    uint64_t dropped_other;
} XenKbdQueue;

void xen_kbd_queue_init(XenKbdQueue *q);
/* Queues @ev, dropping as the policy above says when full. */
void xen_kbd_queue_push(XenKbdQueue *q, const union xenkbd_in_event *ev);
/*
 * Moves what the in ring of @page has room for into it; returns how many
 * events moved, or -EPROTO when the guest's in_cons lies (nothing moved).
 */
int xen_kbd_queue_flush(XenKbdQueue *q, struct xenkbd_page *page);
/*
 * Consumes whatever the guest put in the out ring (kbdif defines no out
 * event a backend must act on); returns how many, or -EPROTO.
 */
int xen_kbd_drain_out(struct xenkbd_page *page);

#endif /* HW_XEN_XEN_KBD_QUEUE_H */
