/*
 * The test netfront's insides, shared by its negotiation (netfront.c)
 * and its data path (netfront-dp.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GUESTS_NETFRONT_INT_H
#define XENNER_GUESTS_NETFRONT_INT_H

#include <glib.h>

#include "hw/xen/xen_blkif.h"   /* XEN_PAGE_SIZE */
#include "netfront.h"
#include "util/error.h"

#define NF_TX_RING_SIZE __CONST_RING_SIZE(netif_tx, XEN_PAGE_SIZE)
#define NF_RX_RING_SIZE __CONST_RING_SIZE(netif_rx, XEN_PAGE_SIZE)
#define NF_CTRL_RING_SIZE __CONST_RING_SIZE(xen_netif_ctrl, XEN_PAGE_SIZE)
/* Linux: a frame is at most XEN_NETIF_NR_SLOTS_MIN slots, + 1 on RX. */
#define NF_RX_MAX_SLOTS (XEN_NETIF_NR_SLOTS_MIN + 1)
#define NF_RX_BUF ((size_t)NF_RX_MAX_SLOTS * XEN_PAGE_SIZE)
/* Free TX slots wanted before ops->tx_ready: a largest frame's. */
#define NF_TX_WAKE (XEN_NETIF_NR_SLOTS_MIN + 1)
#define NF_NO_ID 0xffffu
#define NF_MAX_QUEUES 16u
/* A frame without feature-sg: ETH_FRAME_LEN and a VLAN tag. */
#define NF_NOSG_MAX (1514 + 4)

typedef struct NetFrontPage {
    uint64_t gfn;
    void *va;
    int ref;                    /* -1: not granted now */
} NetFrontPage;

typedef struct NetFrontCtrlWait {
    bool in_use;
    uint16_t id;
    NetFrontCtrlDoneFn *done;
    void *opaque;
} NetFrontCtrlWait;

typedef struct NetFrontQueue {
    NetFront *nf;
    unsigned idx;
    NetFrontPage *tx_ring, *rx_ring;
    evtchn_port_t tx_port, rx_port;     /* equal unless split */
    uint32_t tx_prod_pvt, tx_cons;
    uint32_t rx_prod_pvt, rx_cons;
    NetFrontPage tx_pages[NF_TX_RING_SIZE];
    bool tx_busy[NF_TX_RING_SIZE];      /* id in flight */
    bool tx_zombie[NF_TX_RING_SIZE];    /* backend still maps it */
    unsigned tx_zombies;
    uint16_t tx_next_free[NF_TX_RING_SIZE];
    uint16_t tx_free_head;
    unsigned tx_inflight;
    bool tx_blocked;                    /* tell ops->tx_ready */
    NetFrontPage rx_pages[NF_RX_RING_SIZE];
    uint8_t *rx_buf;                    /* a frame made contiguous */
    struct iovec rx_iov[NF_RX_MAX_SLOTS];   /* the frame in the pages */
    int rx_niov;
    size_t held_len;                    /* a refused frame kept here */
    NetFrontRxInfo held_info;
    bool held;
} NetFrontQueue;

struct NetFront {
    XennerGuest *g;
    unsigned handle;
    NetFrontConfig cfg;
    NetFrontOps ops;
    void *opaque;
    char *path, *abs_path, *be_path;
    uint16_t be_domid;
    uint8_t mac[6];
    XenXsWatch *be_watch;
    int state;
    bool connected, reconnect, free_pending, broken;
    unsigned busy;
    RateLimit rl;

    /* Negotiated */
    unsigned nr_queues;
    bool split, multi_queue_keys;
    NetFrontQueue *queues;
    bool be_sg, be_gso4, be_gso6, be_ipv6_csum;
    unsigned tx_seq;                    /* varies the first slot's offset */

    NetFrontPage *ctrl_ring;
    evtchn_port_t ctrl_port;
    uint32_t ctrl_prod_pvt, ctrl_cons;
    uint16_t ctrl_next_id;
    NetFrontCtrlWait ctrl_wait[NF_CTRL_RING_SIZE];

    NetFrontStats st;
    unsigned grants;
    GPtrArray *zombies;                 /* NetFrontPage the backend maps */
    GPtrArray *raw_pages;               /* netfront_grant_page() */
};

/* Pages of the guest's memory and their grants (netfront-dp.c). */
bool nf_page_alloc(NetFront *nf, NetFrontPage *p);
bool nf_page_grant(NetFront *nf, NetFrontPage *p, bool readonly);
/* False, the grant kept, while the backend maps it. */
bool nf_page_revoke(NetFront *nf, NetFrontPage *p);
/* Revokes and frees; a page still mapped waits on the zombie list. */
void nf_page_release(NetFront *nf, NetFrontPage *p);
void nf_reap_zombies(NetFront *nf);
void nf_tx_reap(NetFrontQueue *q);

/* RING_PUSH_REQUESTS_AND_CHECK_NOTIFY on any ring's header. */
void nf_ring_push(NetFront *nf, void *sring, uint32_t new,
                  evtchn_port_t port);
netif_tx_sring_t *nf_tx_sring(NetFrontQueue *q);
netif_rx_sring_t *nf_rx_sring(NetFrontQueue *q);
xen_netif_ctrl_sring_t *nf_ctrl_sring_of(NetFront *nf);
unsigned nf_tx_free_slots(NetFrontQueue *q);
void nf_tx_put_slot(NetFrontQueue *q, const NetFrontTxSlot *s);
/* The connected queue @queue: 0, -ENOTCONN or -EINVAL. */
int nf_get_queue(NetFront *nf, unsigned queue, NetFrontQueue **q);
/* Posts every free RX slot again, and notifies as the macros say. */
void nf_rx_refill(NetFrontQueue *q);
void nf_rx_resume_cb(void *opaque);

/* Event channel handlers: @opaque the queue (the NetFront for ctrl). */
void nf_ctrl_interrupt(void *opaque, evtchn_port_t port);
void nf_tx_interrupt(void *opaque, evtchn_port_t port);
void nf_rx_interrupt(void *opaque, evtchn_port_t port);
void nf_both_interrupt(void *opaque, evtchn_port_t port);

/* Frees now (no callback of ours is running). */
void netfront_do_free(NetFront *nf);

#endif /* XENNER_GUESTS_NETFRONT_INT_H */
