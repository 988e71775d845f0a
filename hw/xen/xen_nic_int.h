/*
 * The net backend's private state, shared by its negotiation
 * (xen_nic.c) and its data path (xen_nic_dp.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_NIC_INT_H
#define HW_XEN_XEN_NIC_INT_H

#include <glib.h>

#include "hw/xen/xen_backend.h"
#include "hw/xen/xen_netif.h"
#include "hw/xen/xen_nic.h"
#include "hw/xen/xen_nic_ctrl.h"
#include "hw/xen/xen_ring.h"
#include "net/net.h"

typedef struct XenNic XenNic;

/* netback's XEN_NETBK_MCAST_MAX. */
#define XEN_NIC_MCAST_MAX 64
/* Frames copied and sent per batch: one grant copy call for them all. */
#define XEN_NIC_TX_BATCH 64
#define XEN_NIC_TX_BATCH_BYTES (256 * 1024)
/*
 * netback's rx_drain_timeout_msecs and rx_stall_timeout_msecs: a queue
 * with frames waiting and no RX requests drops them after the first,
 * and is stalled (carrier off) after the second.
 */
#define XEN_NIC_RX_DRAIN_MS 10000
#define XEN_NIC_RX_STALL_MS 60000
/* Events in a row with nothing to do before a queue stops listening. */
#define XEN_NIC_SPURIOUS_MAX 64
#define XEN_NIC_STORM_BACKOFF_MS 100

/* Frames staged for one grant copy call into the guest's pages. */
#define XEN_NIC_RX_BATCH 64
#define XEN_NIC_RX_BATCH_BYTES (256 * 1024)
/* Frames from this size on are copied from the netdev's own buffer. */
#define XEN_NIC_RX_DIRECT_MIN (16 * 1024)

/* An RX frame staged: its requests taken, its responses still to write. */
typedef struct XenNicRxItem {
    uint16_t ids[NETIF_TX_PIECES_MAX + 2];
    unsigned need, nextra;
    uint16_t flags;             /* the first data slot's NETRXF_* */
    struct netif_extra_info extras[2];
    uint32_t len;
    unsigned seg, nsegs;        /* its grant copy segments */
} XenNicRxItem;

/* A TX packet decoded and copied, waiting to be sent. */
typedef struct XenNicTxItem {
    NetifTxPacket pkt;
    size_t off;                 /* its frame in the queue's tx_buf */
    int16_t status;             /* after the copy: OKAY or ERROR */
} XenNicTxItem;

typedef struct XenNicQueue {
    XenNic *nic;
    unsigned index;
    uint32_t tx_ref, rx_ref;
    void *tx_sring, *rx_sring;
    XenBackRing tx, rx;
    XenDeviceChannel *tx_chan, *rx_chan;   /* the same without split */

    /* TX: a batch taken off the ring, sent from tx_next on. */
    XenNicTxItem *tx_items;
    unsigned tx_count, tx_next;
    uint8_t *tx_buf;
    XenGrantCopySeg *tx_segs;
    bool tx_blocked;            /* the netdev said -EAGAIN */
    uint64_t credit;            /* bytes the rate allows now */
    bool credit_wait;

    /* RX */
    XenNicRxItem *rx_items;
    unsigned rx_count, rx_nsegs;
    uint8_t *rx_buf;            /* the staged frames, back to back */
    size_t rx_used;
    XenGrantCopySeg *rx_segs;
    uint32_t rx_waiting;        /* netdev queues refused, to resume */
    gint64 rx_wait_since;       /* monotonic us; 0: not waiting */
    bool rx_dropping;           /* drained: frames are dropped */
    bool rx_stalled;

    /* XSA-332 */
    unsigned spurious;
    bool storm;
} XenNicQueue;

struct XenNic {
    XenDevice xd;
    XenNicHost *host;
    NetDev *nd;
    bool nd_owned;              /* our vifD.N tap, removed with us */
    bool attached;
    uint8_t mac[6];
    XenNicOpts opts;
    unsigned max_queues, nr_queues;
    XenNicQueue queues[XEN_NIC_MAX_QUEUES];

    /* What the frontend chose. */
    bool csum4, csum6, sg, gso4, gso6;
    bool split;
    bool mcast_control;

    /* The control ring. */
    uint32_t ctrl_ref;
    void *ctrl_sring;
    XenBackRing ctrl;
    XenDeviceChannel *ctrl_chan;
    NetifHash hash;

    uint8_t mcast[XEN_NIC_MCAST_MAX][6];
    unsigned nr_mcast;

    /* The TX rate (`rate`, watched). */
    uint64_t rate_bytes, rate_usec;
    uint64_t credit_tick;       /* bytes per credit_timer tick */
    EventLoopTimer *credit_timer;
    EventLoopTimer *rx_timer;
    EventLoopTimer *storm_timer;
    unsigned stalled_queues;
    RateLimit guest_errors;
};

EventLoop *xen_nic_loop(XenNic *nic);
void xen_nic_set_carrier(XenNic *nic, bool on);

/* xen_nic_dp.c */
unsigned xen_nic_rx_drain_ms(const XenNic *nic);
extern const NetDevPortOps xen_nic_port_ops;
bool xen_nic_queue_start(XenNicQueue *q, Error **errp);
void xen_nic_queue_stop(XenNicQueue *q);
void xen_nic_tx_event(XenDevice *xd, void *opaque);
void xen_nic_rx_event(XenDevice *xd, void *opaque);
void xen_nic_ctrl_event(XenDevice *xd, void *opaque);
void xen_nic_ctrl_process(XenNic *nic);
/* The rate changed: the credit timer follows it. */
void xen_nic_rate_changed(XenNic *nic);
void xen_nic_dp_stop(XenNic *nic);

#endif /* HW_XEN_XEN_NIC_INT_H */
