/*
 * Hostile frontends against the net backend: a guest writes its TX, RX
 * and control rings by hand, slot by slot, the way an attacker would.
 * Each vif is on a -netdev stream whose other end is this test, so every
 * frame the backend sends is seen on the wire. What netback merely
 * answers with an error is answered with an error and the vif goes on;
 * what netback treats as a hostile frontend fails that vif alone: a
 * second, honest vif of the same guest keeps passing frames both ways.
 * A handshake that lies (a missing rx-copy or rx-notify, a ring or port
 * that is not the guest's, more queues than offered) fails its vif too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "net-fixture.h"

static void test_first_smaller(Fixture *f, gconstpointer data)
{
    uint8_t s[2][12];
    RING_IDX at = f->a.tx.req_prod_pvt;

    put_req(s[0], f->a.data_ref[0], 0, NETTXF_more_data, 1, 100);
    put_req(s[1], f->a.data_ref[1], 0, 0, 2, 200);
    vif_tx_raw(&f->a, s, 2);
    g_assert_cmpint(vif_tx_rsp(&f->a, at).status, ==, NETIF_RSP_ERROR);
    g_assert_cmpint(vif_tx_rsp(&f->a, at + 1).status, ==, NETIF_RSP_ERROR);
    vif_send_ok(&f->a, 2, 3);
    assert_b_alive(f);
}

/* 20 data slots: netback drops the packet and carries on. */
static void test_too_many_slots(Fixture *f, gconstpointer data)
{
    uint8_t s[20][12];
    RING_IDX at = f->a.tx.req_prod_pvt;

    put_req(s[0], f->a.data_ref[0], 0, NETTXF_more_data, 0, 20 * 20);
    for (unsigned i = 1; i < 20; i++) {
        put_req(s[i], f->a.data_ref[i], 0, i < 19 ? NETTXF_more_data : 0, i,
                20);
    }
    vif_tx_raw(&f->a, s, 20);
    g_assert_cmpint(vif_tx_rsp(&f->a, at + 19).status, ==, NETIF_RSP_ERROR);
    vif_send_ok(&f->a, 0, 4);
    assert_b_alive(f);
}

/*
 * XSA-448, XSA-432, XSA-423: empty fragments, and a small frame spread
 * over 19 slots with its headers cut between them: it arrives whole.
 */
static void test_split_small(Fixture *f, gconstpointer data)
{
    uint8_t s[19][12], frame[100];
    RING_IDX at = f->a.tx.req_prod_pvt;
    g_autoptr(GBytes) got = NULL;
    size_t pos = 0;

    make_frame(frame, sizeof(frame), 5);
    for (unsigned i = 0; i < 19; i++) {
        size_t sz = i == 0 ? 14 : i % 3 == 0 ? 0 : MIN(7, 100 - pos);

        if (i == 18) {
            sz = 100 - pos;
        }
        memcpy(f->a.data[i] + 4000, frame + pos, sz);
        put_req(s[i], f->a.data_ref[i], 4000, i < 18 ? NETTXF_more_data : 0,
                i, i == 0 ? 100 : sz);
        pos += sz;
    }
    g_assert_cmpuint(pos, ==, 100);
    vif_tx_raw(&f->a, s, 19);
    for (unsigned i = 0; i < 19; i++) {
        g_assert_cmpint(vif_tx_rsp(&f->a, at + i).status, ==, NETIF_RSP_OKAY);
    }
    got = peer_recv(f, &f->a.peer, 20000);
    g_assert_nonnull(got);
    g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got),
                    frame, sizeof(frame));
    assert_b_alive(f);
}

/* A 9000-byte frame into three pages, as netback splits it. */

/* What netback treats as a hostile frontend: the vif fails, alone. */
typedef void HostileFn(RawVif *v);

static void hostile_past_page(RawVif *v)
{
    uint8_t s[2][12];

    put_req(s[0], v->data_ref[0], 0, NETTXF_more_data, 1, 5000);
    put_req(s[1], v->data_ref[1], 100, 0, 2, 4000);
    vif_tx_raw(v, s, 2);
}

static void hostile_first_past_page(RawVif *v)
{
    uint8_t s[12];

    put_req(s, v->data_ref[0], 4000, 0, 1, 200);
    vif_tx_raw(v, s, 1);
}

static void hostile_slots(RawVif *v)
{
    uint8_t s[22][12];

    put_req(s[0], v->data_ref[0], 0, NETTXF_more_data, 0, 22 * 10);
    for (unsigned i = 1; i < 22; i++) {
        put_req(s[i], v->data_ref[i], 0, i < 21 ? NETTXF_more_data : 0, i,
                10);
    }
    vif_tx_raw(v, s, 22);
}

static void hostile_extra_type(RawVif *v, uint8_t type)
{
    uint8_t s[2][12];

    put_req(s[0], v->data_ref[0], 0, NETTXF_extra_info, 1, 60);
    put_extra(s[1], type, 0, 1400);
    vif_tx_raw(v, s, 2);
}

static void hostile_extra_0(RawVif *v)
{
    hostile_extra_type(v, 0);
}

static void hostile_extra_max(RawVif *v)
{
    hostile_extra_type(v, XEN_NETIF_EXTRA_TYPE_MAX);
}

static void hostile_gso_0(RawVif *v)
{
    uint8_t s[2][12];

    put_req(s[0], v->data_ref[0], 0, NETTXF_extra_info | NETTXF_csum_blank,
            1, 60);
    put_extra(s[1], XEN_NETIF_EXTRA_TYPE_GSO, 0, 0);
    vif_tx_raw(v, s, 2);
}

static void hostile_truncated(RawVif *v)
{
    uint8_t s[12];

    put_req(s, v->data_ref[0], 0, NETTXF_more_data, 1, 200);
    vif_tx_raw(v, s, 1);
}

static void hostile_indices(RawVif *v)
{
    v->txs->req_prod = v->tx.req_prod_pvt + 1000000;
    xenner_guest_notify(v->f->guest, v->port);
}

static void hostile_rx_indices(RawVif *v)
{
    uint8_t frame[100];

    v->rxs->req_prod = v->rx.req_prod_pvt + 5000;
    xenner_guest_notify(v->f->guest, v->port);
    make_frame(frame, sizeof(frame), 9);
    peer_send(&v->peer, frame, sizeof(frame));
}

static void test_hostile(Fixture *f, gconstpointer data)
{
    HostileFn *fn = (HostileFn *)data;

    fn(&f->a);
    assert_failed(f, 0);
    assert_b_alive(f);
}

/*
 * XSA-392: frames for a guest that posts no RX requests are dropped
 * after the drain time, not held, and the queue is stalled (carrier
 * off); requests bring it back.
 */
static void test_rx_stall(Fixture *f, gconstpointer data)
{
    uint8_t frame[300];

    g_assert_true(be_key_is(f, 0, "carrier", "1"));
    make_frame(frame, sizeof(frame), 0x33);
    for (int i = 0; i < 3; i++) {
        peer_send(&f->a.peer, frame, sizeof(frame));
    }
    for (int i = 0; i < 20000 && !be_key_is(f, 0, "carrier", "0"); i++) {
        pump(f, 1);
    }
    g_assert_true(be_key_is(f, 0, "carrier", "0"));
    g_assert_cmpint(be_state(f, 0), ==, XenbusStateConnected);
    /* The frames held before were dropped: the next one is the new one. */
    vif_recv_ok(&f->a, 1, 0x60);
    g_assert_true(be_key_is(f, 0, "carrier", "1"));
    vif_send_ok(&f->a, 0, 0x61);
    assert_b_alive(f);
}

/* XSA-332: a storm of events with nothing to do; the vif still works. */
static void test_storm(Fixture *f, gconstpointer data)
{
    for (int i = 0; i < 5000; i++) {
        xenner_guest_notify(f->guest, f->a.port);
        if (i % 50 == 0) {
            pump(f, 1);
        }
    }
    g_assert_cmpint(be_state(f, 0), ==, XenbusStateConnected);
    vif_send_ok(&f->a, 0, 6);
    assert_b_alive(f);
}

/*
 * Not hostile: a frontend that notifies only when req_event asks, as
 * Linux's netfront does, and sends in bursts: a ring's worth, then
 * nothing until all are answered. A burst (1 MB) is more than the
 * stream netdev and its socket hold, and the peer reads one frame a
 * round, so the backend's turns end early with its netdev full. The
 * turn that finishes a burst must still re-arm req_event, or the next
 * burst is pushed without an event and waits for ever (as it did
 * before the turn always ended with the final check).
 */
static void test_tx_event_rearm(Fixture *f, gconstpointer data)
{
    enum { BURSTS = 6, LEN = 4000 };
    RawVif *v = &f->a;
    uint8_t frame[LEN];
    unsigned pushed = 0, answered = 0, seen = 0;

    make_frame(frame, sizeof(frame), 0x21);
    memcpy(v->data[0], frame, sizeof(frame));
    for (unsigned b = 0; b < BURSTS; b++) {
        int notify, idle = 0;

        while (RING_FREE_REQUESTS(&v->tx)) {
            put_req((uint8_t *)RING_GET_REQUEST(&v->tx, v->tx.req_prod_pvt),
                    v->data_ref[0], 0, 0, pushed % 256, LEN);
            v->tx.req_prod_pvt++;
            pushed++;
        }
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&v->tx, notify);
        if (notify) {
            xenner_guest_notify(f->guest, v->port);
        }
        while ((answered < pushed || seen < pushed) && idle < 5000) {
            g_autoptr(GBytes) got = NULL;
            bool progress = false;

            pump(f, 1);
            while (v->tx.rsp_cons != v->txs->rsp_prod) {
                struct netif_tx_response r;

                memcpy(&r, RING_GET_RESPONSE(&v->tx, v->tx.rsp_cons),
                       sizeof(r));
                g_assert_cmpint(r.status, ==, NETIF_RSP_OKAY);
                v->tx.rsp_cons++;
                answered++;
                progress = true;
            }
            /* One frame a round: slower than the backend writes. */
            got = peer_recv(f, &v->peer, 1);
            if (got) {
                g_assert_cmpmem(g_bytes_get_data(got, NULL),
                                g_bytes_get_size(got), frame, LEN);
                seen++;
                progress = true;
            }
            idle = progress ? 0 : idle + 1;
        }
        g_assert_cmpuint(answered, ==, pushed);
        g_assert_cmpuint(seen, ==, pushed);
    }
    assert_b_alive(f);
}

/* XSA-270 through the control ring: refused, the vif goes on. */

static void test_ctrl_hash(Fixture *f, gconstpointer data)
{
    RawVif *v = &f->a;
    uint32_t *table = (uint32_t *)v->data[3];

    g_assert_cmpuint(ctrl_req(v, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
                              XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0, 0),
                     ==, XEN_NETIF_CTRL_STATUS_SUCCESS);
    g_assert_cmpuint(ctrl_req(v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE,
                              16, 0, 0), ==, XEN_NETIF_CTRL_STATUS_SUCCESS);
    table[0] = 0;
    table[1] = 7;               /* one queue only */
    g_assert_cmpuint(ctrl_req(v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING,
                              v->data_ref[3], 2, 0), ==,
                     XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
    g_assert_cmpuint(ctrl_req(v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING,
                              v->data_ref[3], 4, UINT32_MAX - 1), ==,
                     XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
    g_assert_cmpuint(ctrl_req(v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING,
                              v->data_ref[3], 1025, 0), ==,
                     XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
    g_assert_cmpuint(ctrl_req(v, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY,
                              v->data_ref[3], 4096, 0), ==,
                     XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW);
    /* A grant that does not exist: refused, not fatal. */
    g_assert_cmpuint(ctrl_req(v, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, 4000, 8,
                              0), ==, XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
    g_assert_cmpint(be_state(f, 0), ==, XenbusStateConnected);
    vif_send_ok(v, 0, 7);
    vif_recv_ok(v, 1, 8);
    assert_b_alive(f);
}

/* A rate of 1000 bytes a millisecond: frames wait for credit, all pass. */

/* Handshakes that lie, each failing its vif alone. */
static const char *const bad_handshake[][2] = {
    { "request-rx-copy", "0" },
    { "feature-rx-notify", "0" },
    { "feature-sg", "2" },
    { "tx-ring-ref", "4000" },
    { "rx-ring-ref", "banana" },
    { "event-channel", "100000" },
    { "multi-queue-num-queues", "0" },
    { "multi-queue-num-queues", "2" },      /* one queue offered */
    { "multi-queue-num-queues", "99" },
    { "ctrl-ring-ref", "4000" },
};

static void test_bad_handshake(Fixture *f, gconstpointer data)
{
    const char *const *kv = data;
    XenNicOpts opts = { .max_queues = 1 };
    RawVif v = { 0 };

    vif_prepare(f, &v, 2, "n2", true, &opts, false);
    fe_write(&v, kv[0], "%s", kv[1]);
    g_assert_cmpint(xenner_guest_switch_state(f->guest, "device/vif/2",
                                              XenbusStateConnected), ==, 0);
    assert_failed(f, 2);
    close(v.peer.fd);
    g_byte_array_unref(v.peer.in);
    g_assert_cmpint(be_state(f, 0), ==, XenbusStateConnected);
    assert_b_alive(f);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        HostileFn *fn;
    } hostile[] = {
        { "slot-past-page", hostile_past_page },
        { "first-past-page", hostile_first_past_page },
        { "22-slots", hostile_slots },
        { "extra-type-0", hostile_extra_0 },
        { "extra-type-max", hostile_extra_max },
        { "gso-size-0", hostile_gso_0 },
        { "truncated", hostile_truncated },
        { "tx-indices", hostile_indices },
        { "rx-indices", hostile_rx_indices },
    };

    g_test_init(&argc, &argv, NULL);
    g_test_add("/net-hostile/first-smaller", Fixture, NULL, fixture_setup,
               test_first_smaller, fixture_teardown);
    g_test_add("/net-hostile/20-slots", Fixture, NULL, fixture_setup,
               test_too_many_slots, fixture_teardown);
    g_test_add("/net-hostile/split-small", Fixture, NULL, fixture_setup,
               test_split_small, fixture_teardown);
    g_test_add("/net-hostile/rx-stall", Fixture, NULL, fixture_setup,
               test_rx_stall, fixture_teardown);
    g_test_add("/net-hostile/storm", Fixture, NULL, fixture_setup,
               test_storm, fixture_teardown);
    g_test_add("/net-hostile/ctrl-hash", Fixture, NULL, fixture_setup,
               test_ctrl_hash, fixture_teardown);
    g_test_add("/net-hostile/tx-event-rearm", Fixture, NULL, fixture_setup,
               test_tx_event_rearm, fixture_teardown);
    for (size_t i = 0; i < G_N_ELEMENTS(hostile); i++) {
        g_autofree char *p = g_strdup_printf("/net-hostile/fatal/%s",
                                             hostile[i].name);

        g_test_add(p, Fixture, hostile[i].fn, fixture_setup, test_hostile,
                   fixture_teardown);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad_handshake); i++) {
        g_autofree char *p = g_strdup_printf("/net-hostile/handshake/%s=%s",
                                             bad_handshake[i][0],
                                             bad_handshake[i][1]);

        g_test_add(p, Fixture, bad_handshake[i], fixture_setup,
                   test_bad_handshake, fixture_teardown);
    }
    return g_test_run();
}
