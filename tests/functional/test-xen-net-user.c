/*
 * User networking through a vif's rings: a frontend that writes its
 * rings by hand (net-fixture's RawVif) on -netdev user,restrict=on gets
 * its address from slirp by DHCP, its DISCOVER and REQUEST on the TX
 * ring and slirp's OFFER and ACK back on the RX ring, and then answers,
 * with TCP segments built by hand, a connection that a client on the
 * host's loopback makes through hostfwd=. The test holds no handle on
 * the netdev: whatever reaches slirp or the client went through the
 * ring, and the frontend's counts of both rings say how many frames.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib-unix.h>
#include <netinet/in.h>

#include "net-fixture.h"
#include "slirp-guest.h"

#define RX_PAGES 16             /* data pages 0..15 for RX, the rest TX */
#define GUEST_PORT 8080

typedef struct UserGuest {
    Fixture f;
    RawVif *v;
    uint16_t port;              /* the forwarded port on 127.0.0.1 */
    uint8_t mac[6];             /* the vif's, from the backend's mac key */
    GPtrArray *got;             /* GByteArray: frames off the RX ring */
    GByteArray *cur;            /* a frame whose slots are still coming */
    unsigned tx_sent, tx_okay, rx_slots, tx_page;
} UserGuest;

static void rx_post(UserGuest *g, uint16_t page)
{
    netif_rx_request_t *req = RING_GET_REQUEST(&g->v->rx,
                                               g->v->rx.req_prod_pvt);

    req->id = page;
    req->gref = g->v->data_ref[page];
    g->v->rx.req_prod_pvt++;
}

static void rx_push(UserGuest *g)
{
    int notify;

    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&g->v->rx, notify);
    if (notify) {
        xenner_guest_notify(g->f.guest, g->v->port);
    }
}

/* Takes what the backend put on the RX ring and posts the pages again. */
static void rx_poll(UserGuest *g)
{
    RawVif *v = g->v;
    RING_IDX prod = v->rxs->rsp_prod;

    rmb();
    for (; v->rx.rsp_cons != prod; v->rx.rsp_cons++) {
        struct netif_rx_response rsp;

        memcpy(&rsp, RING_GET_RESPONSE(&v->rx, v->rx.rsp_cons), sizeof(rsp));
        /* No GSO and no hash asked for: never an extra slot. */
        g_assert_cmpint(rsp.status, >, 0);
        g_assert_cmpuint(rsp.flags & NETRXF_extra_info, ==, 0);
        g_assert_cmpuint(rsp.id, <, RX_PAGES);
        g_assert_cmpuint(rsp.offset + rsp.status, <=, XEN_PAGE_SIZE);
        if (!g->cur) {
            g->cur = g_byte_array_new();
        }
        g_byte_array_append(g->cur, v->data[rsp.id] + rsp.offset,
                            rsp.status);
        if (!(rsp.flags & NETRXF_more_data)) {
            g_ptr_array_add(g->got, g->cur);
            g->cur = NULL;
        }
        g->rx_slots++;
        rx_post(g, rsp.id);
    }
    rx_push(g);
}

static void step(UserGuest *g)
{
    pump(&g->f, 1);
    rx_poll(g);
}

/* One frame in one TX slot; waits for its response, which must be OKAY. */
static void tx_frame(UserGuest *g, const uint8_t *frame, size_t len)
{
    unsigned page = RX_PAGES + g->tx_page++ % (DATA_PAGES - RX_PAGES);
    RING_IDX at = g->v->tx.req_prod_pvt;
    uint8_t slot[12];

    g_assert_cmpuint(len, <=, XEN_PAGE_SIZE);
    memcpy(g->v->data[page], frame, len);
    put_req(slot, g->v->data_ref[page], 0, 0, at & 0xffff, len);
    vif_tx_raw(g->v, slot, 1);
    g->tx_sent++;
    g_assert_cmpint(vif_tx_rsp(g->v, at).status, ==, NETIF_RSP_OKAY);
    g->tx_okay++;
}

static void guest_setup(UserGuest *g, gconstpointer data)
{
    g_autofree char *user = NULL;
    g_autofree char *mac = NULL;
    const char *nets[2] = { NULL, NULL };
    uint16_t port = slirp_guest_free_port();

    /* No % in it: fixture_setup_nets() formats it with the directory. */
    user = g_strdup_printf("user,id=u,restrict=on,"
                           "hostfwd=tcp:127.0.0.1:%u-:%u", port, GUEST_PORT);
    nets[0] = user;
    fixture_setup_nets(&g->f, nets);
    g->port = port;
    g->v = &g->f.a;
    vif_connect(&g->f, g->v, 0, "u", false);
    mac = be_key(&g->f, 0, "mac");
    g_assert_nonnull(mac);
    g_assert_true(xen_nic_parse_mac(mac, g->mac));
    g->got = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_byte_array_unref);
    for (uint16_t i = 0; i < RX_PAGES; i++) {
        rx_post(g, i);
    }
    rx_push(g);
}

static void guest_teardown(UserGuest *g, gconstpointer data)
{
    if (g->cur) {
        g_byte_array_unref(g->cur);
    }
    g_ptr_array_free(g->got, true);
    fixture_teardown(&g->f, data);
}

/* DISCOVER, OFFER, REQUEST, ACK, each over the rings. */
static void dhcp(UserGuest *g)
{
    uint8_t frame[SLIRP_GUEST_DHCP_LEN];
    char server[INET_ADDRSTRLEN] = "", offered[INET_ADDRSTRLEN];
    char acked[INET_ADDRSTRLEN];
    int k;

    tx_frame(g, frame, slirp_guest_dhcp_frame(frame, g->mac, 0x1234, 1,
                                              NULL, NULL));
    for (k = 0; k < 20000 && !slirp_guest_find_dhcp_reply(
             g->got, 0x1234, 2, offered, server); k++) {
        step(g);
    }
    g_assert_cmpint(k, <, 20000);
    g_assert_cmpstr(offered, ==, "10.0.2.15");
    g_assert_cmpstr(server, ==, "10.0.2.2");
    tx_frame(g, frame, slirp_guest_dhcp_frame(frame, g->mac, 0x5678, 3,
                                              offered, server));
    for (k = 0; k < 20000 && !slirp_guest_find_dhcp_reply(
             g->got, 0x5678, 5, acked, server); k++) {
        step(g);
    }
    g_assert_cmpint(k, <, 20000);
    g_assert_cmpstr(acked, ==, offered);
}

/* Every frame the test saw or sent crossed a ring, and nothing else. */
static void assert_counts(UserGuest *g)
{
    g_assert_cmpuint(g->tx_okay, ==, g->tx_sent);
    g_assert_cmpuint(g->rx_slots, >=, g->got->len);
    g_test_message("TX ring: %u frames, RX ring: %u frames in %u slots",
                   g->tx_sent, g->got->len, g->rx_slots);
}

static void test_dhcp(UserGuest *g, gconstpointer data)
{
    dhcp(g);
    g_assert_cmpuint(g->tx_sent, ==, 2);
    g_assert_cmpuint(g->got->len, >=, 2);
    assert_counts(g);
}

static GByteArray *wait_tcp(UserGuest *g, guint *from, uint8_t flags,
                            size_t min_data)
{
    GByteArray *seg = NULL;

    for (int k = 0; k < 20000 && !(seg = slirp_guest_find_tcp(
             g->got, from, GUEST_PORT, flags, min_data)); k++) {
        step(g);
    }
    g_assert_nonnull(seg);
    return seg;
}

static void test_hostfwd(UserGuest *g, gconstpointer data)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    char reply[6] = { 0 };
    uint8_t frame[128], gw[6];
    GByteArray *syn, *seg;
    uint32_t seq = 1000, peer;
    uint16_t sport;
    guint from = 0, sent;
    int fd, k;
    ssize_t n = -1;

    dhcp(g);
    sent = g->tx_sent;
    /* A client on the host's loopback, through the forwarded port. */
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(fd, >=, 0);
    sa.sin_port = htons(g->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_true(g_unix_set_fd_nonblocking(fd, true, NULL));
    g_assert_cmpint(write(fd, "hello", 5), ==, 5);

    /* slirp's SYN to the guest's port comes on the RX ring... */
    syn = wait_tcp(g, &from, 0x02, 0);
    g_assert_cmpuint(syn->data[47] & 0x10, ==, 0);     /* SYN, no ACK */
    g_assert_cmpmem(syn->data, 6, g->mac, 6);
    memcpy(gw, syn->data + 6, 6);
    sport = slirp_guest_be16(syn->data + 34);
    peer = slirp_guest_be32(syn->data + 38) + 1;
    /* ...the SYN-ACK goes back on the TX ring... */
    tx_frame(g, frame, slirp_guest_tcp_frame(frame, g->mac, gw, "10.0.2.15",
                                             "10.0.2.2", GUEST_PORT, sport,
                                             seq, peer, 0x12, NULL));
    seq++;
    /* ...the client's bytes arrive on the RX ring... */
    seg = wait_tcp(g, &from, 0x10, 5);
    g_assert_cmpmem(seg->data + 54, 5, "hello", 5);
    peer += 5;
    /* ...and the guest's answer reaches the client from the TX ring. */
    tx_frame(g, frame, slirp_guest_tcp_frame(frame, g->mac, gw, "10.0.2.15",
                                             "10.0.2.2", GUEST_PORT, sport,
                                             seq, peer, 0x18, "world"));
    for (k = 0; k < 20000 && (n = read(fd, reply, 5)) < 0; k++) {
        g_assert_cmpint(errno, ==, EAGAIN);
        step(g);
    }
    g_assert_cmpint(n, ==, 5);
    g_assert_cmpstr(reply, ==, "world");
    close(fd);
    g_assert_cmpuint(g->tx_sent - sent, ==, 2);
    assert_counts(g);
    g_assert_cmpint(be_state(&g->f, 0), ==, XenbusStateConnected);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/xen-net-user/dhcp", UserGuest, NULL, guest_setup,
               test_dhcp, guest_teardown);
    g_test_add("/xen-net-user/hostfwd", UserGuest, NULL, guest_setup,
               test_hostfwd, guest_teardown);
    return g_test_run();
}
