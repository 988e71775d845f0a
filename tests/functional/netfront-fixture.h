/*
 * What the net backend's in-process tests share: one Xenner with a guest
 * domain, the backend core with xen_nic registered, and per vif a
 * stream netdev (QEMU's 4-byte length framing) connected to a unix
 * socket the test holds, and the test netfront on the guest's side.
 * Frames the test writes to its socket reach the netfront's RX; frames
 * the netfront sends arrive on the socket.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_FUNCTIONAL_NETFRONT_FIXTURE_H
#define TESTS_FUNCTIONAL_NETFRONT_FIXTURE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_nic.h"
#include "net/net.h"
#include "xenner/guests/netfront.h"
#include "xenner/guest.h"
#include "xenner/xenner.h"

#define NET_DOMID 6

typedef struct NetFixture {
    EventLoop *loop;
    XsTree *tree;
    Xenner *x;
    XenBackend *be;
    NetDevList *nets;
    XenNicHost *host;
    XennerGuest *guest;
    char *dir;
    GPtrArray *vifs;            /* Vif, freed at teardown */
} NetFixture;

/* A frame the netfront received, with what came with it. */
typedef struct RxFrame {
    unsigned queue;
    NetFrontRxInfo info;
    GBytes *data;
} RxFrame;

typedef struct Vif {
    NetFixture *f;
    unsigned devid;
    char *path;                 /* our socket */
    int listen_fd, fd;          /* fd: the netdev's connection, or -1 */
    GByteArray *in;             /* bytes read from fd, not yet framed */
    GQueue host_rx;             /* GBytes: frames the guest sent */
    GQueue guest_rx;            /* RxFrame: frames the netfront got */
    NetDev *nd;
    NetFront *nf;
    bool connected;
    int connects, disconnects;
    bool refuse_rx;             /* the netfront's rx callback says no */
    bool raw_done;              /* a raw TX response came: */
    uint16_t raw_id;
    int16_t raw_status;
} Vif;

void net_fixture_setup(NetFixture *f, gconstpointer data);
void net_fixture_teardown(NetFixture *f, gconstpointer data);

/* Runs the loop (and reads the sockets) until *@flag, at most ~20 s. */
void net_pump_until(NetFixture *f, const bool *flag);
void net_pump(NetFixture *f, int rounds);

/*
 * Vif @devid of the guest on a fresh stream netdev, its netfront
 * started with @cfg and, unless @no_wait, connected (@cfg NULL: no
 * netfront, for a guest program's own). @opts NULL: the defaults.
 */
Vif *vif_new(NetFixture *f, unsigned devid, const XenNicOpts *opts,
             const NetFrontConfig *cfg, bool no_wait);
/* A backend key of @v, or NULL. */
char *vif_be_key(Vif *v, const char *key);
char *vif_fe_key(Vif *v, const char *key);

/* A frame into the host side of @v, towards the guest. */
void vif_host_send(Vif *v, const void *frame, size_t len);
/* The next frame the guest sent out of @v, waited for; g_bytes_unref. */
GBytes *vif_host_recv(Vif *v);
/* The next frame the netfront of @v received, waited for. */
RxFrame *vif_guest_recv(Vif *v);
void rx_frame_free(RxFrame *r);

/* An Ethernet frame of @len bytes (>= 14) whose payload says @seed. */
GBytes *make_frame(size_t len, unsigned seed);

#endif /* TESTS_FUNCTIONAL_NETFRONT_FIXTURE_H */
