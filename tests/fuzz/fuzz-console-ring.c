/*
 * libFuzzer target: the checked accessors of struct xencons_interface
 * (hw/xen/xen_console_ring.c) against a hostile peer.
 *
 * FuzzInput layout:
 *   byte 0            S, the length of the script
 *   bytes 1 .. S      the script: operations, each an opcode byte and
 *                     its arguments (missing bytes read as 0)
 *   the rest          the shared page as the peer left it, indices
 *                     included; cut or zero-padded to its size
 *
 * The script calls the backend's accessors (read_out, in_space, write_in)
 * and the frontend's (read_in, out_space, write_out), and in between
 * plays the peer: it rewrites any index, moves one by a small step, or
 * scribbles on the ring. Each call is checked against a model computed
 * here from a snapshot of the page taken just before it, so that a wrong
 * fill level, a short or long copy, bytes taken from the wrong place or
 * any write outside the ring being filled is caught, not just a crash.
 *
 * Those accessors are xen_ring.h's XenPairRing over one-byte slots. The
 * script also drives XenPairRing directly on a second page laid out as
 * xen/io/kbdif.h's (51 and 25 events of 40 bytes, lengths that do not
 * divide 2^32), starting from the same bytes, with the same kind of
 * model and the same hostile peer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/kbdif.h>

#include "hw/xen/xen_console_ring.h"
#include "hw/xen/xen_ring.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where one ring and its indices live in the page. */
typedef struct RingLayout {
    size_t ring;
    uint32_t size;
    size_t cons;
    size_t prod;
} RingLayout;

static const RingLayout in_layout = {
    offsetof(struct xencons_interface, in),
    sizeof(((struct xencons_interface *)NULL)->in),
    offsetof(struct xencons_interface, in_cons),
    offsetof(struct xencons_interface, in_prod),
};

static const RingLayout out_layout = {
    offsetof(struct xencons_interface, out),
    sizeof(((struct xencons_interface *)NULL)->out),
    offsetof(struct xencons_interface, out_cons),
    offsetof(struct xencons_interface, out_prod),
};

/* Bytes around the caller's buffers, to see a copy that runs long. */
#define CANARY 0xa5
#define GUARD 64
/* Larger than either ring: a read never has more to give. */
#define BUF_SIZE 4096

#define check(cond) do { if (!(cond)) { __builtin_trap(); } } while (0)

static uint32_t get_idx(const uint8_t *page, size_t off)
{
    XENCONS_RING_IDX v;

    memcpy(&v, page + off, sizeof(v));
    return v;
}

static void set_idx(uint8_t *page, size_t off, uint32_t v)
{
    memcpy(page + off, &v, sizeof(v));
}

/*
 * A count for a read or write: small ones around the ring sizes mostly,
 * and the edges of size_t and int, which the accessors narrow.
 */
static size_t take_count(FuzzInput *in)
{
    switch (fuzz_take(in, 1) % 8) {
    case 0:
        return 0;
    case 1:
        return SIZE_MAX;
    case 2:
        return (size_t)UINT32_MAX + 1;
    case 3:
        return (size_t)INT32_MAX + 1;
    default:
        /* Up to a little over twice the larger ring. */
        return fuzz_take(in, 2) % (2 * 2048 + 64);
    }
}

static bool buf_is_canary(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != CANARY) {
            return false;
        }
    }
    return true;
}

/*
 * The page must equal @before except for @len bytes at @off (the index
 * or ring bytes the call was allowed to change; len 0: none).
 */
static void check_unchanged_except(const uint8_t *page, const uint8_t *before,
                                   size_t off, size_t len)
{
    check(!memcmp(page, before, off));
    check(!memcmp(page + off + len, before + off + len,
                  sizeof(struct xencons_interface) - off - len));
}

typedef int ReadFn(struct xencons_interface *intf, void *buf, size_t max);
typedef int SpaceFn(struct xencons_interface *intf);
typedef int WriteFn(struct xencons_interface *intf, const void *buf,
                    size_t len);

static void do_read(uint8_t *page, const RingLayout *l, ReadFn *fn,
                    size_t max)
{
    uint8_t before[sizeof(struct xencons_interface)];
    uint8_t buf[GUARD + BUF_SIZE + GUARD];
    uint32_t cons = get_idx(page, l->cons);
    uint32_t avail = get_idx(page, l->prod) - cons;
    size_t expect;
    int ret;

    memcpy(before, page, sizeof(before));
    memset(buf, CANARY, sizeof(buf));
    ret = fn((struct xencons_interface *)page, buf + GUARD, max);
    if (avail > l->size) {
        /* A lying producer: nothing copied, nothing consumed. */
        check(ret == -EPROTO);
        check(buf_is_canary(buf, sizeof(buf)));
        check_unchanged_except(page, before, 0, 0);
        return;
    }
    expect = avail < max ? avail : max;
    check(ret >= 0);
    check((size_t)ret <= max);
    check((size_t)ret == expect);
    check(get_idx(page, l->cons) == cons + (uint32_t)ret);
    check_unchanged_except(page, before, l->cons, sizeof(XENCONS_RING_IDX));
    check(buf_is_canary(buf, GUARD));
    check(buf_is_canary(buf + GUARD + ret, BUF_SIZE - ret + GUARD));
    for (int i = 0; i < ret; i++) {
        uint32_t pos = (cons + (uint32_t)i) & (l->size - 1);

        check(buf[GUARD + i] == before[l->ring + pos]);
    }
}

static void do_space(uint8_t *page, const RingLayout *l, SpaceFn *fn)
{
    uint8_t before[sizeof(struct xencons_interface)];
    uint32_t used = get_idx(page, l->prod) - get_idx(page, l->cons);
    int ret;

    memcpy(before, page, sizeof(before));
    ret = fn((struct xencons_interface *)page);
    if (used > l->size) {
        check(ret == -EPROTO);
    } else {
        check(ret == (int)(l->size - used));
    }
    check_unchanged_except(page, before, 0, 0);
}

static void do_write(uint8_t *page, const RingLayout *l, WriteFn *fn,
                     size_t len, uint8_t seed)
{
    uint8_t before[sizeof(struct xencons_interface)];
    uint8_t src[BUF_SIZE];
    uint32_t prod = get_idx(page, l->prod);
    uint32_t used = prod - get_idx(page, l->cons);
    uint32_t space;
    size_t expect;
    int ret;

    for (size_t i = 0; i < sizeof(src); i++) {
        src[i] = seed + i * 13;
    }
    memcpy(before, page, sizeof(before));
    /*
     * The source is only as long as a ring can take: a @len beyond it
     * is fine as long as the call honours the space it found.
     */
    ret = fn((struct xencons_interface *)page, src, len);
    if (used > l->size) {
        check(ret == -EPROTO);
        check_unchanged_except(page, before, 0, 0);
        return;
    }
    space = l->size - used;
    expect = space < len ? space : len;
    check(ret >= 0);
    check((size_t)ret <= len);
    check((size_t)ret == expect);
    check(get_idx(page, l->prod) == prod + (uint32_t)ret);
    /* Nothing outside this ring and its producer index moved. */
    check(!memcmp(page, before, l->ring));
    check(!memcmp(page + l->ring + l->size, before + l->ring + l->size,
                  l->prod - (l->ring + l->size)));
    check(!memcmp(page + l->prod + sizeof(XENCONS_RING_IDX),
                  before + l->prod + sizeof(XENCONS_RING_IDX),
                  sizeof(before) - l->prod - sizeof(XENCONS_RING_IDX)));
    /* The new bytes sit at the masked positions; the rest is untouched. */
    for (uint32_t i = 0; i < l->size; i++) {
        uint32_t pos = (prod + i) & (l->size - 1);
        uint8_t want = i < (uint32_t)ret ? src[i] : before[l->ring + pos];

        check(page[l->ring + pos] == want);
    }
}

/* ---- fixed-size event rings (xen_ring.h directly) ---------------------- */

/* Where an event ring and its indices live in the keyboard page. */
typedef struct EventLayout {
    size_t ring;
    uint32_t len;
    size_t cons;
    size_t prod;
} EventLayout;

#define KBD_PAGE_SIZE 4096
#define EV_SIZE 40
#define EV_MAX 64               /* more than either ring holds */

static const EventLayout ev_layouts[] = {
    {
        XENKBD_IN_RING_OFFS, XENKBD_IN_RING_LEN,
        offsetof(struct xenkbd_page, in_cons),
        offsetof(struct xenkbd_page, in_prod),
    }, {
        XENKBD_OUT_RING_OFFS, XENKBD_OUT_RING_LEN,
        offsetof(struct xenkbd_page, out_cons),
        offsetof(struct xenkbd_page, out_prod),
    },
};

_Static_assert(XENKBD_IN_EVENT_SIZE == EV_SIZE &&
               XENKBD_OUT_EVENT_SIZE == EV_SIZE, "kbdif event size");

static XenPairRing ev_ring(uint8_t *page, const EventLayout *l)
{
    return xen_pair_ring(page + l->ring, l->len, EV_SIZE,
                         (uint32_t *)(page + l->cons),
                         (uint32_t *)(page + l->prod));
}

static size_t ev_pos(const EventLayout *l, uint32_t idx)
{
    return l->ring + (size_t)(idx % l->len) * EV_SIZE;
}

static void ev_read(uint8_t *page, const EventLayout *l, unsigned max)
{
    uint8_t before[KBD_PAGE_SIZE];
    uint8_t buf[(EV_MAX + 1) * EV_SIZE];
    XenPairRing r = ev_ring(page, l);
    uint32_t cons = get_idx(page, l->cons);
    uint32_t avail = get_idx(page, l->prod) - cons;
    uint32_t expect = avail < max ? avail : max;
    int ret;

    memcpy(before, page, sizeof(before));
    memset(buf, CANARY, sizeof(buf));
    ret = xen_pair_ring_read(&r, buf, max);
    if (avail > l->len) {
        check(ret == -EPROTO);
        check(buf_is_canary(buf, sizeof(buf)));
        check(!memcmp(page, before, sizeof(before)));
        return;
    }
    check(ret == (int)expect);
    check(get_idx(page, l->cons) == cons + expect);
    set_idx(page, l->cons, cons);
    check(!memcmp(page, before, sizeof(before)));
    set_idx(page, l->cons, cons + expect);
    for (uint32_t i = 0; i < expect; i++) {
        check(!memcmp(buf + i * EV_SIZE, before + ev_pos(l, cons + i),
                      EV_SIZE));
    }
    check(buf_is_canary(buf + expect * EV_SIZE,
                        sizeof(buf) - expect * EV_SIZE));
}

static void ev_space(uint8_t *page, const EventLayout *l)
{
    uint8_t before[KBD_PAGE_SIZE];
    XenPairRing r = ev_ring(page, l);
    uint32_t used = get_idx(page, l->prod) - get_idx(page, l->cons);

    memcpy(before, page, sizeof(before));
    check(xen_pair_ring_space(&r) ==
          (used > l->len ? -EPROTO : (int)(l->len - used)));
    check(!memcmp(page, before, sizeof(before)));
}

static void ev_write(uint8_t *page, const EventLayout *l, unsigned n,
                     uint8_t seed)
{
    uint8_t before[KBD_PAGE_SIZE];
    uint8_t src[EV_MAX * EV_SIZE];
    XenPairRing r = ev_ring(page, l);
    uint32_t prod = get_idx(page, l->prod);
    uint32_t used = prod - get_idx(page, l->cons);
    uint32_t expect;
    int ret;

    for (size_t i = 0; i < sizeof(src); i++) {
        src[i] = seed + i * 29;
    }
    memcpy(before, page, sizeof(before));
    ret = xen_pair_ring_write(&r, src, n);
    if (used > l->len) {
        check(ret == -EPROTO);
        check(!memcmp(page, before, sizeof(before)));
        return;
    }
    expect = l->len - used < n ? l->len - used : n;
    check(ret == (int)expect);
    /*
     * The page as the events written in order at idx % len leave it.
     * Where the index wraps at 2^32 with 25 or 51 slots, a run of
     * events can come back to slots it wrote: the later one wins, as
     * with the frontends' own XENKBD_*_RING_REF().
     */
    for (uint32_t i = 0; i < expect; i++) {
        memcpy(before + ev_pos(l, prod + i), src + i * EV_SIZE, EV_SIZE);
    }
    set_idx(before, l->prod, prod + expect);
    check(!memcmp(page, before, sizeof(before)));
}

/* The peer's moves between two of our calls. */
static void peer_move(uint8_t *page, uint8_t *kbd, FuzzInput *in, unsigned op)
{
    static const size_t idx[] = {
        offsetof(struct xencons_interface, in_cons),
        offsetof(struct xencons_interface, in_prod),
        offsetof(struct xencons_interface, out_cons),
        offsetof(struct xencons_interface, out_prod),
        offsetof(struct xenkbd_page, in_cons),
        offsetof(struct xenkbd_page, in_prod),
        offsetof(struct xenkbd_page, out_cons),
        offsetof(struct xenkbd_page, out_prod),
    };
    unsigned sel = fuzz_take(in, 1) % 8;
    uint8_t *p = sel < 4 ? page : kbd;
    size_t which = idx[sel];

    switch (op) {
    case 0:
        /* Any value at all, the other side's index included. */
        set_idx(p, which, fuzz_take(in, 4));
        break;
    case 1:
        /* A plausible step forward, or a small one back. */
        set_idx(p, which, get_idx(p, which) + (int8_t)fuzz_take(in, 1));
        break;
    default: {
        /* New ring contents, e.g. after we checked the index. */
        size_t rings = in_layout.size + out_layout.size;
        size_t ev_rings = KBD_PAGE_SIZE - XENKBD_IN_RING_OFFS;
        size_t off = fuzz_take(in, 2) % (rings + ev_rings);
        uint8_t v = fuzz_take(in, 1);
        unsigned n = fuzz_take(in, 1) % 64;

        for (unsigned i = 0; i < n && off + i < rings; i++) {
            page[off + i] = v + i;
        }
        for (unsigned i = 0; i < n && off >= rings &&
             off - rings + i < ev_rings; i++) {
            kbd[XENKBD_IN_RING_OFFS + off - rings + i] = v + i;
        }
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t script_len = size ? data[0] : 0;
    FuzzInput script;
    uint8_t *page, *kbd;
    size_t rest;

    if (script_len > size - (size ? 1 : 0)) {
        script_len = size ? size - 1 : 0;
    }
    script.p = data + (size ? 1 : 0);
    script.left = script_len;
    rest = size - (size ? 1 : 0) - script_len;
    if (rest > sizeof(struct xencons_interface)) {
        rest = sizeof(struct xencons_interface);
    }
    /* Exactly the page's size, so a sanitizer sees any access past it. */
    page = calloc(1, sizeof(struct xencons_interface));
    kbd = calloc(1, KBD_PAGE_SIZE);
    if (!page || !kbd) {
        abort();
    }
    if (rest) {
        memcpy(page, script.p + script_len, rest);
        memcpy(kbd, script.p + script_len, rest);
    }

    while (script.left) {
        unsigned op = fuzz_take(&script, 1) % 13;

        switch (op) {
        case 0:
            do_read(page, &out_layout, xencons_read_out, take_count(&script));
            break;
        case 1:
            do_space(page, &in_layout, xencons_in_space);
            break;
        case 2: {
            size_t len = take_count(&script);

            do_write(page, &in_layout, xencons_write_in, len,
                     fuzz_take(&script, 1));
            break;
        }
        case 3:
            do_read(page, &in_layout, xencons_read_in, take_count(&script));
            break;
        case 4:
            do_space(page, &out_layout, xencons_out_space);
            break;
        case 5: {
            size_t len = take_count(&script);

            do_write(page, &out_layout, xencons_write_out, len,
                     fuzz_take(&script, 1));
            break;
        }
        case 10: {
            const EventLayout *l = &ev_layouts[fuzz_take(&script, 1) % 2];

            ev_read(kbd, l, fuzz_take(&script, 1) % (EV_MAX + 1));
            break;
        }
        case 11:
            ev_space(kbd, &ev_layouts[fuzz_take(&script, 1) % 2]);
            break;
        case 12: {
            const EventLayout *l = &ev_layouts[fuzz_take(&script, 1) % 2];
            unsigned n = fuzz_take(&script, 1) % (EV_MAX + 1);

            ev_write(kbd, l, n, fuzz_take(&script, 1));
            break;
        }
        default:
            peer_move(page, kbd, &script, op - 6);
            break;
        }
    }
    free(page);
    free(kbd);
    return 0;
}
