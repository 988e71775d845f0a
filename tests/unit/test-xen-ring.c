/*
 * The shared ring helpers (hw/xen/xen_ring.c): a request ring's checks,
 * its final check and notify decision, and the index-pair rings of the
 * console and of the framebuffer and keyboard events.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <stdint.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/io/blkif.h>
#include <xen/io/console.h>
#include <xen/io/kbdif.h>

#include "hw/xen/xen_blkif.h"
#include "hw/xen/xen_ring.h"

/* The frontend's view of the header, as io/ring.h lays it out. */
typedef struct Sring {
    RING_IDX req_prod, req_event, rsp_prod, rsp_event;
    uint8_t pad[XEN_SRING_HEADER - 16];
    uint8_t slots[];
} Sring;

typedef struct RingFixture {
    Sring *s;
    size_t bytes;
    XenBackRing r;
} RingFixture;

/* A ring of @pages pages with @slot-byte slots, each slot filled. */
static void ring_setup(RingFixture *f, unsigned pages, size_t slot)
{
    f->bytes = pages * XEN_PAGE_SIZE;
    f->s = g_malloc0(f->bytes);
    g_assert_true(xen_back_ring_init(&f->r, f->s, f->bytes, slot));
    for (size_t i = 0; i < f->bytes - XEN_SRING_HEADER; i++) {
        f->s->slots[i] = i / slot;
    }
}

static void ring_teardown(RingFixture *f)
{
    g_free(f->s);
}

/* Moves every index, ours and theirs, to @start, as after 2^32 - n turns. */
static void ring_start_at(RingFixture *f, RING_IDX start)
{
    f->r.req_prod = f->r.req_cons = start;
    f->r.rsp_prod_pvt = f->r.rsp_prod_pushed = start;
    f->s->req_prod = f->s->rsp_prod = start;
}

static void test_sizes(void)
{
    /* blkif's three ABIs over 1..16 pages, as __CONST_RING_SIZE */
    static const struct {
        size_t slot;
        unsigned pages, want;
    } cases[] = {
        { 112, 1, 32 }, { 108, 1, 32 }, { 112, 2, 64 }, { 108, 4, 128 },
        { 112, 16, 512 }, { 108, 16, 512 }, { 12, 1, 256 }, { 8, 1, 256 },
        { 4096, 1, 0 }, { 0, 1, 0 },
    };
    XenBackRing r;
    uint8_t page[XEN_PAGE_SIZE];

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpuint(xen_ring_nr_slots(cases[i].pages * XEN_PAGE_SIZE,
                                           cases[i].slot), ==,
                         cases[i].want);
    }
    g_assert_cmpuint(xen_ring_nr_slots(XEN_PAGE_SIZE,
                                       sizeof(union blkif_sring_entry)), ==,
                     __CONST_RING_SIZE(blkif, XEN_PAGE_SIZE));
    for (unsigned p = 1; p <= BLKIF_MAX_RING_PAGES; p *= 2) {
        g_assert_cmpuint(blkif_ring_size(BLKIF_ABI_X86_32, p), ==,
                         xen_ring_nr_slots(p * XEN_PAGE_SIZE, 108));
    }
    g_assert_false(xen_back_ring_init(&r, page, sizeof(page),
                                      XEN_RING_SLOT_MAX + 1));
    g_assert_false(xen_back_ring_init(&r, page, XEN_SRING_HEADER, 8));
    g_assert_true(xen_back_ring_init(&r, page, sizeof(page),
                                     XEN_RING_SLOT_MAX));
}

/* Each ABI's slot is copied whole, from the slot after the header. */
static void test_take_copies(void)
{
    static const size_t slots[] = { 108, 112, 12 };

    for (size_t i = 0; i < G_N_ELEMENTS(slots); i++) {
        RingFixture f;
        uint8_t copy[XEN_RING_SLOT_MAX + 1];

        ring_setup(&f, 2, slots[i]);
        f.s->req_prod = 3;
        g_assert_cmpint(xen_back_ring_poll(&f.r), ==, 3);
        for (unsigned n = 0; n < 3; n++) {
            memset(copy, 0xee, sizeof(copy));
            g_assert_true(xen_back_ring_take(&f.r, copy));
            g_assert_cmpmem(copy, slots[i],
                            f.s->slots + n * slots[i], slots[i]);
            g_assert_cmpuint(copy[slots[i]], ==, 0xee);
        }
        /* The batch is what the poll saw, whatever comes after. */
        f.s->req_prod = 5;
        g_assert_false(xen_back_ring_take(&f.r, copy));
        g_assert_cmpuint(xen_back_ring_inflight(&f.r), ==, 3);
        ring_teardown(&f);
    }
}

/* A producer far past the consumer: -EPROTO at once, nothing taken. */
static void test_overflow(void)
{
    static const RING_IDX lies[] = { 33, 1u << 20, 0x80000000u,
                                     UINT32_MAX };
    RingFixture f;
    uint8_t copy[XEN_RING_SLOT_MAX];

    ring_setup(&f, 1, 112);
    for (size_t i = 0; i < G_N_ELEMENTS(lies); i++) {
        f.s->req_prod = lies[i];
        g_assert_cmpint(xen_back_ring_poll(&f.r), ==, -EPROTO);
        g_assert_nonnull(strstr(xen_back_ring_error(&f.r), "req_prod"));
        g_assert_false(xen_back_ring_take(&f.r, copy));
        g_assert_cmpint(xen_back_ring_final_check(&f.r), ==, -EPROTO);
        g_assert_cmpuint(f.r.req_cons, ==, 0);
    }
    /* Unanswered requests count: 20 taken, 13 more is one too many. */
    f.s->req_prod = 20;
    g_assert_cmpint(xen_back_ring_poll(&f.r), ==, 20);
    while (xen_back_ring_take(&f.r, copy)) {
    }
    f.s->req_prod = 33;
    g_assert_cmpint(xen_back_ring_poll(&f.r), ==, -EPROTO);
    /* Once 1 is answered, there is room for it. */
    xen_back_ring_respond(&f.r);
    g_assert_cmpint(xen_back_ring_poll(&f.r), ==, 13);
    /* A producer moved back behind what we took. */
    f.s->req_prod = 19;
    g_assert_cmpint(xen_back_ring_poll(&f.r), ==, -EPROTO);
    ring_teardown(&f);
}

/* A ring full of requests is legal, and so is one full of answers. */
static void test_full(void)
{
    RingFixture f;
    uint8_t copy[XEN_RING_SLOT_MAX];
    unsigned n = 0;

    ring_setup(&f, 4, 108);
    g_assert_cmpuint(f.r.size, ==, 128);
    f.s->req_prod = 128;
    g_assert_cmpint(xen_back_ring_poll(&f.r), ==, 128);
    while (xen_back_ring_take(&f.r, copy)) {
        g_assert_cmpuint(copy[0], ==, n % 128);
        n++;
    }
    g_assert_cmpuint(n, ==, 128);
    g_assert_cmpint(xen_back_ring_final_check(&f.r), ==, 0);
    for (unsigned i = 0; i < 128; i++) {
        memset(xen_back_ring_respond(&f.r), 0, 108);
    }
    f.s->rsp_event = 1;
    g_assert_true(xen_back_ring_push(&f.r));
    g_assert_cmpuint(f.s->rsp_prod, ==, 128);
    f.s->req_prod = 256;
    g_assert_cmpint(xen_back_ring_poll(&f.r), ==, 128);
    ring_teardown(&f);
}

/* Indices run through 2^32 with nothing special happening. */
static void test_wrap(void)
{
    RingFixture f;
    uint8_t copy[XEN_RING_SLOT_MAX];
    RING_IDX start = UINT32_MAX - 9;
    unsigned n = 0;

    ring_setup(&f, 1, 112);
    ring_start_at(&f, start);
    f.s->req_prod = start + 32;            /* 22 past zero */
    g_assert_cmpint(xen_back_ring_poll(&f.r), ==, 32);
    while (xen_back_ring_take(&f.r, copy)) {
        /* slot (start + n) & 31 */
        g_assert_cmpuint(copy[0], ==, (start + n) & 31);
        n++;
    }
    g_assert_cmpuint(n, ==, 32);
    g_assert_cmpuint(f.r.req_cons, ==, 22);
    g_assert_cmpint(xen_back_ring_final_check(&f.r), ==, 0);
    g_assert_cmpuint(f.s->req_event, ==, 23);
    for (unsigned i = 0; i < 32; i++) {
        xen_back_ring_respond(&f.r);
    }
    f.s->rsp_event = start + 1;
    g_assert_true(xen_back_ring_push(&f.r));
    g_assert_cmpuint(f.s->rsp_prod, ==, 22);
    /* A lie across the wrap is still a lie. */
    f.s->req_prod = 22 + 33;
    g_assert_cmpint(xen_back_ring_poll(&f.r), ==, -EPROTO);
    ring_teardown(&f);
}

/*
 * RING_FINAL_CHECK_FOR_REQUESTS: the frontend pushes a request right
 * after our last poll saw none. It read the req_event we had before, so
 * it does not notify: the final check must see the request itself. One
 * pushed after the final check armed req_event is the frontend's to
 * notify, which it does since req_event now lies in what it pushed.
 */
static void test_final_check_race(void)
{
    RingFixture f;
    uint8_t copy[XEN_RING_SLOT_MAX];
    RING_IDX old_event;

    ring_setup(&f, 1, 112);
    f.s->req_event = 1;
    f.s->req_prod = 2;
    g_assert_cmpint(xen_back_ring_poll(&f.r), ==, 2);
    while (xen_back_ring_take(&f.r, copy)) {
    }
    /* Unconsumed ones left: no arming, they are counted. */
    f.s->req_prod = 3;
    g_assert_cmpint(xen_back_ring_poll(&f.r), ==, 1);
    g_assert_cmpint(xen_back_ring_final_check(&f.r), ==, 1);
    g_assert_cmpuint(f.s->req_event, ==, 1);
    g_assert_true(xen_back_ring_take(&f.r, copy));

    /* The race: pushed between our poll and our final check. */
    old_event = f.s->req_event;
    f.s->req_prod = 4;
    g_assert_false((RING_IDX)(4 - old_event) < (RING_IDX)(4 - 3));
    g_assert_cmpint(xen_back_ring_final_check(&f.r), ==, 1);
    g_assert_cmpuint(f.s->req_event, ==, 4);
    g_assert_true(xen_back_ring_take(&f.r, copy));
    g_assert_false(xen_back_ring_take(&f.r, copy));

    /* Idle: armed for the next one, which the frontend then notifies. */
    g_assert_cmpint(xen_back_ring_final_check(&f.r), ==, 0);
    g_assert_cmpuint(f.s->req_event, ==, 5);
    f.s->req_prod = 5;
    g_assert_true((RING_IDX)(5 - f.s->req_event) < (RING_IDX)(5 - 4));
    ring_teardown(&f);
}

/*
 * A consumer that needs several requests at once (net RX) and has some:
 * the event must come when the frontend has pushed enough, not never.
 * final_check() leaves req_event behind what is unconsumed, so the
 * frontend's next push would notify nobody (the net path stalled until
 * netback's drain timer); wait_for() moves it to the one needed.
 */
static void test_wait_for(void)
{
    RingFixture f;
    uint8_t copy[XEN_RING_SLOT_MAX];
    RING_IDX start = UINT32_MAX - 1;

    ring_setup(&f, 1, 112);
    ring_start_at(&f, start);
    f.s->req_event = start + 1;
    f.s->req_prod = start + 3;
    g_assert_true(xen_back_ring_poll(&f.r) == 3);
    g_assert_true(xen_back_ring_take(&f.r, copy));
    /* 2 unconsumed, 5 needed: armed at the 5th, across the wrap. */
    g_assert_cmpint(xen_back_ring_wait_for(&f.r, 5), ==, 2);
    g_assert_cmpuint(f.s->req_event, ==, (RING_IDX)(start + 1 + 5));
    g_assert_cmpuint(f.r.req_cons, ==, (RING_IDX)(start + 1));
    /* The frontend pushes 2 more: not enough, so no event (old 2). */
    f.s->req_prod = start + 5;
    g_assert_false((RING_IDX)(start + 5 - f.s->req_event) <
                   (RING_IDX)(start + 5 - (start + 3)));
    g_assert_cmpint(xen_back_ring_wait_for(&f.r, 5), ==, 4);
    g_assert_cmpuint(f.s->req_event, ==, (RING_IDX)(start + 1 + 5));
    /* The one that makes 5 notifies. */
    f.s->req_prod = start + 6;
    g_assert_true((RING_IDX)(start + 6 - f.s->req_event) <
                  (RING_IDX)(start + 6 - (start + 5)));
    /* Enough: counted, req_event left alone. */
    f.s->req_event = 7;
    g_assert_cmpint(xen_back_ring_wait_for(&f.r, 5), ==, 5);
    g_assert_cmpuint(f.s->req_event, ==, 7);
    /* A lying producer is an error here too, and arms nothing. */
    f.s->req_prod = start + 1 + 33;
    g_assert_cmpint(xen_back_ring_wait_for(&f.r, 5), ==, -EPROTO);
    g_assert_cmpuint(f.s->req_event, ==, 7);
    ring_teardown(&f);
}

/* RING_PUSH_RESPONSES_AND_CHECK_NOTIFY's decision. */
static void test_notify(void)
{
    static const struct {
        RING_IDX start;         /* rsp_prod pushed before */
        unsigned answers;
        RING_IDX rsp_event;
        bool notify;
    } cases[] = {
        { 0, 1, 1, true },              /* waiting for exactly this one */
        { 0, 4, 1, true },
        { 0, 4, 4, true },              /* the last one pushed */
        { 0, 4, 5, false },             /* not yet */
        { 4, 4, 4, false },             /* already passed: told before */
        { 4, 4, 5, true },
        { 4, 4, 8, true },
        { 4, 4, 9, false },
        { UINT32_MAX - 1, 4, 0, true }, /* across the wrap */
        { UINT32_MAX - 1, 4, UINT32_MAX, true },
        { UINT32_MAX - 1, 4, 3, false },
        { UINT32_MAX - 1, 4, UINT32_MAX - 1, false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        RingFixture f;
        uint8_t copy[XEN_RING_SLOT_MAX];

        ring_setup(&f, 1, 112);
        ring_start_at(&f, cases[i].start);
        f.s->req_prod = cases[i].start + cases[i].answers;
        g_assert_cmpint(xen_back_ring_poll(&f.r), ==, cases[i].answers);
        while (xen_back_ring_take(&f.r, copy)) {
            xen_back_ring_respond(&f.r);
        }
        f.s->rsp_event = cases[i].rsp_event;
        g_assert_cmpint(xen_back_ring_push(&f.r), ==, cases[i].notify);
        g_assert_cmpuint(f.s->rsp_prod, ==,
                         cases[i].start + cases[i].answers);
        /* Nothing new: no push, no notify, header untouched. */
        f.s->rsp_prod = 77;
        g_assert_false(xen_back_ring_push(&f.r));
        g_assert_cmpuint(f.s->rsp_prod, ==, 77);
        ring_teardown(&f);
    }
}

/* Responses go to the slots requests came from, in order. */
static void test_respond_slots(void)
{
    RingFixture f;
    uint8_t copy[XEN_RING_SLOT_MAX];

    ring_setup(&f, 1, 108);
    ring_start_at(&f, 30);
    f.s->req_prod = 34;
    g_assert_cmpint(xen_back_ring_poll(&f.r), ==, 4);
    for (unsigned i = 0; i < 4; i++) {
        g_assert_true(xen_back_ring_take(&f.r, copy));
        g_assert_true(xen_back_ring_respond(&f.r) ==
                      f.s->slots + ((30 + i) & 31) * 108);
    }
    g_assert_cmpuint(xen_back_ring_inflight(&f.r), ==, 0);
    ring_teardown(&f);
}

/* ---- index-pair rings --------------------------------------------------- */

static void test_console_wrap(void)
{
    struct xencons_interface *intf = g_new0(struct xencons_interface, 1);
    XenPairRing out = xen_pair_ring(intf->out, sizeof(intf->out), 1,
                                    XEN_PAIR_OUT(intf));
    XenPairRing in = xen_pair_ring(intf->in, sizeof(intf->in), 1,
                                   XEN_PAIR_IN(intf));
    char buf[4096], src[4096];

    for (size_t i = 0; i < sizeof(src); i++) {
        src[i] = 'a' + i % 26;
    }
    /* 2^32 - 5: the run of 20 bytes crosses the index wrap. */
    intf->out_cons = intf->out_prod = UINT32_MAX - 4;
    g_assert_cmpint(xen_pair_ring_space(&out), ==, 2048);
    g_assert_cmpint(xen_pair_ring_write(&out, src, 20), ==, 20);
    g_assert_cmpuint(intf->out_prod, ==, 15);
    g_assert_cmpmem(intf->out + 2043, 5, src, 5);
    g_assert_cmpmem(intf->out, 15, src + 5, 15);
    g_assert_cmpint(xen_pair_ring_read(&out, buf, sizeof(buf)), ==, 20);
    g_assert_cmpmem(buf, 20, src, 20);
    g_assert_cmpuint(intf->out_cons, ==, 15);

    /* Full is legal both ways; more is a lie. */
    g_assert_cmpint(xen_pair_ring_write(&in, src, sizeof(src)), ==, 1024);
    g_assert_cmpint(xen_pair_ring_space(&in), ==, 0);
    g_assert_cmpint(xen_pair_ring_write(&in, src, 1), ==, 0);
    g_assert_cmpint(xen_pair_ring_read(&in, buf, 10), ==, 10);
    g_assert_cmpint(xen_pair_ring_read(&in, buf, sizeof(buf)), ==, 1014);
    g_assert_cmpmem(buf, 1014, src + 10, 1014);
    intf->in_prod = intf->in_cons + 1025;
    g_assert_cmpint(xen_pair_ring_read(&in, buf, sizeof(buf)), ==, -EPROTO);
    g_assert_cmpint(xen_pair_ring_space(&in), ==, -EPROTO);
    g_assert_cmpint(xen_pair_ring_write(&in, src, 1), ==, -EPROTO);
    g_assert_cmpuint(intf->in_prod - intf->in_cons, ==, 1025);
    g_free(intf);
}

/* A kbdif page: its 51 in and 25 out events of 40 bytes. */
static void test_events(void)
{
    uint8_t *page = g_malloc0(XEN_PAGE_SIZE);
    struct xenkbd_page *idx = (struct xenkbd_page *)page;
    XenPairRing in = xen_pair_ring(page + XENKBD_IN_RING_OFFS,
                                   XENKBD_IN_RING_LEN, XENKBD_IN_EVENT_SIZE,
                                   XEN_PAIR_IN(idx));
    XenPairRing out = xen_pair_ring(page + XENKBD_OUT_RING_OFFS,
                                    XENKBD_OUT_RING_LEN,
                                    XENKBD_OUT_EVENT_SIZE,
                                    XEN_PAIR_OUT(idx));
    uint8_t ev[60][40], got[60][40];

    g_assert_cmpuint(XENKBD_IN_RING_LEN, ==, 51);
    g_assert_cmpuint(XENKBD_OUT_RING_LEN, ==, 25);
    for (unsigned i = 0; i < 60; i++) {
        memset(ev[i], i + 1, 40);
    }
    /* Fill the in ring completely, in two writes. */
    g_assert_cmpint(xen_pair_ring_write(&in, ev, 30), ==, 30);
    g_assert_cmpint(xen_pair_ring_space(&in), ==, 21);
    g_assert_cmpint(xen_pair_ring_write(&in, ev[30], 30), ==, 21);
    g_assert_cmpint(xen_pair_ring_space(&in), ==, 0);
    g_assert_cmpuint(idx->in_prod, ==, 51);
    /* Each event at XENKBD_IN_RING_REF's place. */
    for (unsigned i = 0; i < 51; i++) {
        g_assert_cmpmem(&XENKBD_IN_RING_REF(page, i), 40, ev[i], 40);
    }
    g_assert_cmpint(xen_pair_ring_read(&in, got, 60), ==, 51);
    g_assert_cmpmem(got, 51 * 40, ev, 51 * 40);

    /*
     * Across 2^32 with 25 slots (25 does not divide 2^32): index
     * 2^32 - 1 is slot 20, index 0 slot 0, as the frontend's % says.
     */
    idx->out_cons = idx->out_prod = UINT32_MAX - 2;
    g_assert_cmpint(xen_pair_ring_write(&out, ev, 6), ==, 6);
    for (uint32_t i = 0; i < 6; i++) {
        uint32_t at = UINT32_MAX - 2 + i;

        g_assert_cmpmem(&XENKBD_OUT_RING_REF(page, at), 40, ev[i], 40);
    }
    g_assert_cmpint(xen_pair_ring_read(&out, got, 4), ==, 4);
    g_assert_cmpint(xen_pair_ring_read(&out, got[4], 10), ==, 2);
    g_assert_cmpmem(got, 6 * 40, ev, 6 * 40);
    g_assert_cmpuint(idx->out_cons, ==, 3);

    /* out_cons past out_prod: a lie at once, never a walk of 2^32. */
    idx->out_cons = 10;
    idx->out_prod = 9;
    g_assert_cmpint(xen_pair_ring_read(&out, got, 60), ==, -EPROTO);
    g_assert_cmpuint(idx->out_cons, ==, 10);
    idx->out_prod = 10 + 26;
    g_assert_cmpint(xen_pair_ring_read(&out, got, 60), ==, -EPROTO);
    idx->out_prod = 10 + 25;
    g_assert_cmpint(xen_pair_ring_read(&out, got, 60), ==, 25);
    g_assert_cmpint(xen_pair_ring_read(&out, got, 0), ==, 0);
    g_free(page);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xen-ring/sizes", test_sizes);
    g_test_add_func("/xen-ring/take-copies", test_take_copies);
    g_test_add_func("/xen-ring/overflow", test_overflow);
    g_test_add_func("/xen-ring/full", test_full);
    g_test_add_func("/xen-ring/wrap", test_wrap);
    g_test_add_func("/xen-ring/final-check-race", test_final_check_race);
    g_test_add_func("/xen-ring/wait-for", test_wait_for);
    g_test_add_func("/xen-ring/notify", test_notify);
    g_test_add_func("/xen-ring/respond-slots", test_respond_slots);
    g_test_add_func("/xen-ring/console-wrap", test_console_wrap);
    g_test_add_func("/xen-ring/events", test_events);
    return g_test_run();
}
