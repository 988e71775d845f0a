/*
 * libFuzzer target: the vkbd backend's event path (hw/xen/xen_kbd_queue.c)
 * on a page a hostile guest controls, against a model.
 *
 * FuzzInput layout:
 *   byte 0            S, the length of the script
 *   bytes 1 .. S      the script: operations, each an opcode byte and
 *                     its arguments (missing bytes read as 0)
 *   the rest          the shared page (struct xenkbd_page and its rings)
 *                     as the guest left it; cut or zero-padded to 4096
 *
 * The script queues events of every kind, one at a time or in bursts (the backlog and its drop
 * policy: the oldest pointer motion first, a dropped relative motion's
 * distance carried to the next), flushes them into the in ring, drains
 * the out ring, and in between plays the guest: it rewrites any of the
 * four indices, moves one by a small step, consumes events as
 * xen-kbdfront does, or scribbles on the page. Each call is checked
 * against a model: the backlog's contents and drop counts after every
 * push; after a flush, the return value (-EPROTO when in_prod - in_cons
 * exceeds the ring, with nothing changed), the events in the slots
 * `in_prod + i` modulo 51, in_prod moved by exactly that many and no
 * other byte of the page touched (across the 2^32 wrap, where two
 * indices share a slot, the later event is there); after a drain, the same for the out
 * ring, which only ever moves out_cons.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hw/xen/xen_kbd_queue.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAGE 4096
#define check(cond) do { if (!(cond)) { __builtin_trap(); } } while (0)

typedef union xenkbd_in_event Ev;

typedef struct Model {
    Ev ev[XEN_KBD_QUEUE_LEN];
    unsigned len;
    uint64_t dropped_motion, dropped_other;
} Model;

static const size_t idx_off[4] = {
    offsetof(struct xenkbd_page, in_cons),
    offsetof(struct xenkbd_page, in_prod),
    offsetof(struct xenkbd_page, out_cons),
    offsetof(struct xenkbd_page, out_prod),
};

static uint32_t get_idx(const uint8_t *page, unsigned i)
{
    uint32_t v;

    memcpy(&v, page + idx_off[i], 4);
    return v;
}

static void set_idx(uint8_t *page, unsigned i, uint32_t v)
{
    memcpy(page + idx_off[i], &v, 4);
}

static bool model_is_motion(const Ev *e)
{
    if (e->type == XENKBD_TYPE_MOTION) {
        return e->motion.rel_z == 0;
    }
    return e->type == XENKBD_TYPE_POS && e->pos.rel_z == 0;
}

static int32_t clamp_sum(int32_t a, int32_t b)
{
    int64_t s = (int64_t)a + (int64_t)b;

    if (s > INT32_MAX) {
        return INT32_MAX;
    }
    return s < INT32_MIN ? INT32_MIN : (int32_t)s;
}

static void model_drop(Model *m, unsigned at)
{
    for (unsigned i = at; i + 1 < m->len; i++) {
        m->ev[i] = m->ev[i + 1];
    }
    m->len--;
}

static void model_push(Model *m, const Ev *e)
{
    if (m->len == XEN_KBD_QUEUE_LEN) {
        unsigned victim = m->len;

        for (unsigned i = 0; i < m->len && victim == m->len; i++) {
            if (model_is_motion(&m->ev[i])) {
                victim = i;
            }
        }
        if (victim == m->len) {
            model_drop(m, 0);
            m->dropped_other++;
        } else {
            if (m->ev[victim].type == XENKBD_TYPE_MOTION) {
                for (unsigned j = victim + 1; j < m->len; j++) {
                    if (m->ev[j].type == XENKBD_TYPE_MOTION) {
                        m->ev[j].motion.rel_x = clamp_sum(
                            m->ev[j].motion.rel_x,
                            m->ev[victim].motion.rel_x);
                        m->ev[j].motion.rel_y = clamp_sum(
                            m->ev[j].motion.rel_y,
                            m->ev[victim].motion.rel_y);
                        break;
                    }
                }
            }
            model_drop(m, victim);
            m->dropped_motion++;
        }
    }
    m->ev[m->len++] = *e;
}

static void check_queue(const XenKbdQueue *q, const Model *m)
{
    check(q->len == m->len);
    check(q->dropped_motion == m->dropped_motion);
    check(q->dropped_other == m->dropped_other);
    check(memcmp(q->ev, m->ev, m->len * sizeof(Ev)) == 0);
}

static int32_t take_delta(FuzzInput *in)
{
    switch (fuzz_take(in, 1) % 4) {
    case 0:
        return INT32_MAX;
    case 1:
        return INT32_MIN;
    default:
        return (int8_t)fuzz_take(in, 1);
    }
}

static void make_event(FuzzInput *in, Ev *e)
{
    memset(e, 0, sizeof(*e));
    switch (fuzz_take(in, 1) % 6) {
    case 0:
    case 1:
        e->motion.type = XENKBD_TYPE_MOTION;
        e->motion.rel_x = take_delta(in);
        e->motion.rel_y = take_delta(in);
        e->motion.rel_z = fuzz_take(in, 1) % 3 == 0 ? 1 : 0;
        break;
    case 2:
    case 3:
        e->pos.type = XENKBD_TYPE_POS;
        e->pos.abs_x = fuzz_take(in, 2);
        e->pos.abs_y = fuzz_take(in, 2);
        e->pos.rel_z = fuzz_take(in, 1) % 3 == 0 ? -1 : 0;
        break;
    case 4:
        e->key.type = XENKBD_TYPE_KEY;
        e->key.pressed = fuzz_take(in, 1) & 1;
        e->key.keycode = fuzz_take(in, 2);
        break;
    default:
        e->mtouch.type = XENKBD_TYPE_MTOUCH;
        e->mtouch.event_type = fuzz_take(in, 1) % 4;
        e->mtouch.contact_id = fuzz_take(in, 1);
        break;
    }
}

static void do_flush(XenKbdQueue *q, Model *m, uint8_t *page)
{
    static uint8_t before[PAGE];
    uint32_t cons = get_idx(page, 0), prod = get_idx(page, 1);
    uint32_t used = prod - cons;
    int n;

    memcpy(before, page, PAGE);
    n = xen_kbd_queue_flush(q, (struct xenkbd_page *)page);
    if (m->len && used > XENKBD_IN_RING_LEN) {
        check(n == -EPROTO);
        check(memcmp(before, page, PAGE) == 0);
        check_queue(q, m);
        return;
    }
    if (!m->len) {
        check(n == 0);
        check(memcmp(before, page, PAGE) == 0);
        return;
    }
    {
        unsigned room = XENKBD_IN_RING_LEN - used;
        unsigned expect = room < m->len ? room : m->len;

        check(n == (int)expect);
        for (unsigned i = 0; i < expect; i++) {
            size_t off = XENKBD_IN_RING_OFFS +
                         (size_t)((prod + i) % XENKBD_IN_RING_LEN) *
                         XENKBD_IN_EVENT_SIZE;

            /* In order: across the 2^32 wrap two indices share a slot
             * (2^32 is 1 modulo 51), and the later event is the one
             * the guest's own `%` finds there. */
            memcpy(before + off, &m->ev[i], sizeof(Ev));
        }
        set_idx(before, 1, prod + expect);
        check(memcmp(before, page, PAGE) == 0);
        for (unsigned i = 0; i < expect; i++) {
            model_drop(m, 0);
        }
        check_queue(q, m);
    }
}

static void do_drain(uint8_t *page)
{
    static uint8_t before[PAGE];
    uint32_t used = get_idx(page, 3) - get_idx(page, 2);
    int n;

    memcpy(before, page, PAGE);
    n = xen_kbd_drain_out((struct xenkbd_page *)page);
    if (used > XENKBD_OUT_RING_LEN) {
        check(n == -EPROTO);
    } else {
        check(n == (int)used);
        set_idx(before, 2, get_idx(page, 3));
    }
    check(memcmp(before, page, PAGE) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t page[PAGE];
    static XenKbdQueue q;
    static Model m;
    size_t script_len = size ? data[0] : 0;
    FuzzInput in;
    Ev e;

    if (script_len > size - (size ? 1 : 0)) {
        script_len = size ? size - 1 : 0;
    }
    memset(page, 0, PAGE);
    if (size > 1 + script_len) {
        size_t rest = size - 1 - script_len;

        memcpy(page, data + 1 + script_len, rest < PAGE ? rest : PAGE);
    }
    xen_kbd_queue_init(&q);
    memset(&m, 0, sizeof(m));
    in = (FuzzInput) { data + (size ? 1 : 0), script_len };
    while (in.left) {
        switch (fuzz_take(&in, 1) % 9) {
        case 0:
        case 1:
            make_event(&in, &e);
            xen_kbd_queue_push(&q, &e);
            model_push(&m, &e);
            check_queue(&q, &m);
            break;
        case 2:
            do_flush(&q, &m, page);
            break;
        case 3:
            do_drain(page);
            break;
        case 4: {
            /* The guest rewrites an index. */
            unsigned i = fuzz_take(&in, 1) % 4;

            set_idx(page, i, fuzz_take(&in, 4));
            break;
        }
        case 5: {
            unsigned i = fuzz_take(&in, 1) % 4;

            set_idx(page, i, get_idx(page, i) + (int8_t)fuzz_take(&in, 1));
            break;
        }
        case 6: {
            /* xen-kbdfront consuming: in_cons up to in_prod. */
            uint32_t cons = get_idx(page, 0), prod = get_idx(page, 1);
            uint32_t k = fuzz_take(&in, 1);

            if (prod - cons <= XENKBD_IN_RING_LEN) {
                set_idx(page, 0, cons + (k < prod - cons ? k : prod - cons));
            }
            break;
        }
        case 7: {
            /* A burst: one event @n times, a position moving along. */
            unsigned n = fuzz_take(&in, 1);

            make_event(&in, &e);
            for (unsigned i = 0; i < n; i++) {
                if (e.type == XENKBD_TYPE_POS) {
                    e.pos.abs_x++;
                }
                xen_kbd_queue_push(&q, &e);
                model_push(&m, &e);
                check_queue(&q, &m);
            }
            break;
        }
        default: {
            size_t off = fuzz_take(&in, 2) % PAGE;

            page[off] = fuzz_take(&in, 1);
            break;
        }
        }
    }
    return 0;
}
