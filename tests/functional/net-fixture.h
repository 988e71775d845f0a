/*
 * What the net backend's functional tests share: one Xenner with a guest
 * domain, the backend core with backend/vif registered, three -netdev
 * stream sockets whose other ends are the test (the peers), and a
 * frontend that writes its rings by hand, slot by slot, as an attacker
 * would (RawVif). Vif 0 (on n0, with a control ring, quick RX drain and
 * stall times) and vif 1 (on n1, the honest neighbour) are connected by
 * fixture_setup(); n2 is free for a test's own vif.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_FUNCTIONAL_NET_FIXTURE_H
#define TESTS_FUNCTIONAL_NET_FIXTURE_H

/* ring.h's barriers, for the frontend macros the tests use. */
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <xen/io/xenbus.h>

#include "hw/xen/xen_netif.h"
#include "hw/xen/xen_nic.h"
#include "hw/xen/xen_nic_ctrl.h"
#include "net/net.h"
#include "xenner/guest.h"
#include "xenner/xenner.h"
#include "xenner/xs_tree.h"
#define DOMID 5
#define MEM_FRAMES (64u << 8)           /* 64 MiB */
#define DATA_PAGES 24

typedef struct Fixture Fixture;

/* The test's end of a -netdev stream: 4-byte big-endian length, frame. */
typedef struct Peer {
    int fd;
    GByteArray *in;
} Peer;

/* A frontend that writes its rings by hand. A peer only on a stream. */
typedef struct RawVif {
    Fixture *f;
    unsigned devid;
    netif_tx_sring_t *txs;
    netif_rx_sring_t *rxs;
    struct xen_netif_ctrl_sring *ctrls;
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    xen_netif_ctrl_front_ring_t ctrl;
    uint32_t tx_ref, rx_ref, ctrl_ref;
    evtchn_port_t port, ctrl_port;
    uint8_t *data[DATA_PAGES];
    uint32_t data_ref[DATA_PAGES];
    unsigned events;
    Peer peer;
} RawVif;

struct Fixture {
    EventLoop *loop;
    XsTree *tree;
    Xenner *x;
    XenBackend *be;
    XennerGuest *guest;
    NetDevList *nets;
    XenNicHost *host;
    char *dir;
    RawVif a, b;                /* a: the hostile one, b: honest */
};

void pump(Fixture *f, int rounds);
char *be_key(Fixture *f, unsigned devid, const char *key);
int be_state(Fixture *f, unsigned devid);
void wait_state(Fixture *f, unsigned devid, int state);
void assert_failed(Fixture *f, unsigned devid);
void peer_connect(Fixture *f, Peer *p, const char *path);
/* Closes the test's end, if it was connected. */
void peer_close(Peer *p);
void peer_send(Peer *p, const void *frame, uint32_t len);
GBytes *peer_recv(Fixture *f, Peer *p, int rounds);
uint32_t grant_page(Fixture *f, void **page);
void vif_event(void *opaque, evtchn_port_t port);
void fe_write(RawVif *v, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
void vif_prepare(Fixture *f, RawVif *v, unsigned devid, const char *netdev,
                 bool ctrl, const XenNicOpts *o, bool mcast);
void vif_connect_opts(Fixture *f, RawVif *v, unsigned devid,
                      const char *netdev, bool ctrl,
                      const XenNicOpts *o, bool mcast);
void vif_connect(Fixture *f, RawVif *v, unsigned devid,
                 const char *netdev, bool ctrl);
void vif_tx_raw(RawVif *v, const void *slots, unsigned n);
void put_req(uint8_t *slot, uint32_t gref, uint16_t off,
             uint16_t flags, uint16_t id, uint16_t size);
void put_extra(uint8_t *slot, uint8_t type, uint8_t flags,
               uint16_t gso_size);
struct netif_tx_response vif_tx_rsp(RawVif *v, RING_IDX i);
void make_frame(uint8_t *f, size_t len, uint8_t seed);
void vif_send_ok(RawVif *v, unsigned page, uint8_t seed);
void vif_recv_ok(RawVif *v, unsigned page, uint8_t seed);
void assert_b_alive(Fixture *f);
/*
 * Everything but the vifs, on the netdevs @netdevs (-netdev strings in
 * which %s stands for the fixture's temporary directory).
 */
void fixture_setup_nets(Fixture *f, const char *const *netdevs);
/* fixture_setup_nets() with n0..n2 and vifs 0 and 1 connected. */
void fixture_setup(Fixture *f, gconstpointer data);
void fixture_teardown(Fixture *f, gconstpointer data);
bool be_key_is(Fixture *f, unsigned devid, const char *key,
               const char *value);
uint32_t ctrl_req(RawVif *v, uint16_t type, uint32_t d0, uint32_t d1,
                  uint32_t d2);

#endif /* TESTS_FUNCTIONAL_NET_FIXTURE_H */
