/*
 * A network frontend for in-process test guests, per xen/io/netif.h,
 * negotiating as Linux's xen-netfront does (talk_to_netback,
 * setup_netfront, write_queue_xenstore_keys, xennet_connect): it reads
 * multi-queue-max-queues and feature-split-event-channels, writes
 * multi-queue-num-queues (when the backend offered queues) and, per
 * queue (under queue-N/ when there is more than one), tx-ring-ref,
 * rx-ring-ref and event-channel or event-channel-tx/-rx; then
 * request-rx-copy=1, feature-rx-notify=1 and the offload keys its
 * configuration asks for, and goes Connected once the RX rings are
 * filled, without passing through Initialised, as Linux does.
 *
 * TX: a frame with a virtio_net_hdr becomes a first slot (the whole
 * frame's size, csum_blank|data_validated for NEEDS_CSUM, data_validated
 * for DATA_VALID), a GSO extra slot when the header asks for GSO, and one
 * slot per further page; every slot is a read-only grant of a page of
 * the guest's own memory, revoked when its response comes.
 *
 * RX: the ring is kept full with writable grants of the guest's pages;
 * responses are matched by ring position (netback answers in the
 * request's slot and Linux ignores the id), more_data chains are
 * reassembled, GSO and hash extras read, and each frame goes to the
 * caller with the virtio_net_hdr its flags mean (csum_start found by
 * parsing the headers, as skb_checksum_setup does).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GUESTS_NETFRONT_H
#define XENNER_GUESTS_NETFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>
#include <xen/io/netif.h>

#include "xenner/guest.h"

typedef struct NetFront NetFront;

typedef struct NetFrontConfig {
    /* Asked for; the backend may offer less (or nothing). */
    unsigned nr_queues;         /* 0 or 1: one queue, flat keys */
    bool split;                 /* event-channel-tx/-rx when offered */
    bool ctrl;                  /* a control ring when offered */
    /* What it writes it takes towards it (RX). */
    bool sg;                    /* feature-sg */
    bool gso;                   /* feature-gso-tcpv4, feature-gso-tcpv6 */
    bool csum;                  /* off: feature-no-csum-offload=1 and no
                                   feature-ipv6-csum-offload */
} NetFrontConfig;

/* The Linux defaults: everything on, one queue, one channel. */
#define NETFRONT_CONFIG_DEFAULT \
    ((NetFrontConfig) { .nr_queues = 1, .sg = true, .gso = true, \
                        .csum = true })

/* What came with a received frame beyond its virtio_net_hdr. */
typedef struct NetFrontRxInfo {
    struct virtio_net_hdr hdr;
    uint16_t rx_flags;          /* NETRXF_* of the first slot */
    unsigned slots;             /* data slots, extras not counted */
    bool has_hash;
    uint8_t hash_type;          /* _XEN_NETIF_CTRL_HASH_TYPE_* */
    uint8_t hash_algorithm;
    uint32_t hash;
} NetFrontRxInfo;

typedef struct NetFrontStats {
    uint64_t rx_frames, rx_bytes, rx_gso, rx_csum_blank;
    uint64_t rx_errors;         /* bad responses, chains dropped */
    uint64_t tx_frames, tx_bytes, tx_gso, tx_csum_blank;
    uint64_t tx_errors;         /* responses with an error status */
} NetFrontStats;

typedef struct NetFrontOps {
    /* Connected (once, and again after each reconnect), or not any more. */
    void (*state)(void *opaque, NetFront *nf, bool connected);
    /*
     * A frame from the backend on @queue. False: not taken now; the
     * frontend keeps it and stops reading @queue until
     * netfront_rx_resume().
     */
    bool (*rx)(void *opaque, NetFront *nf, unsigned queue,
               const NetFrontRxInfo *info, const uint8_t *frame,
               size_t len);
    /*
     * Instead of rx, when set: the frame as it lies in the RX pages
     * (@len bytes in @iovcnt pieces, valid during the call only), so
     * that a guest passing it on (netfront_sendv()) copies it once,
     * as a bridge hands the pages of an skb on, not twice.
     */
    bool (*rxv)(void *opaque, NetFront *nf, unsigned queue,
                const NetFrontRxInfo *info, const struct iovec *iov,
                int iovcnt, size_t len);
    /* After -EBUSY from netfront_send() on @queue: room again. */
    void (*tx_ready)(void *opaque, NetFront *nf, unsigned queue);
    /* A TX response no frame of ours is waiting for (raw requests). */
    void (*tx_raw_response)(void *opaque, NetFront *nf, unsigned queue,
                            uint16_t id, int16_t status);
} NetFrontOps;

/*
 * Starts connecting device/vif/@handle (its backend, backend-id and mac
 * as the toolstack wrote them). @ops is copied; any member may be NULL.
 */
NetFront *netfront_new(XennerGuest *g, unsigned handle,
                       const NetFrontConfig *cfg, const NetFrontOps *ops,
                       void *opaque);
/* Closes (Closing, Closed), revokes every grant, frees. */
void netfront_free(NetFront *nf);
/* Closes and connects again, with fresh rings and ports. */
void netfront_reconnect(NetFront *nf);

bool netfront_connected(NetFront *nf);
unsigned netfront_handle(NetFront *nf);
const char *netfront_path(NetFront *nf);
/* Valid once keys are written. */
unsigned netfront_nr_queues(NetFront *nf);
bool netfront_split(NetFront *nf);
bool netfront_has_ctrl(NetFront *nf);
const uint8_t *netfront_mac(NetFront *nf);
/* The backend's key, as xenbus_read_unsigned() reads it (0 if absent). */
unsigned netfront_backend_uint(NetFront *nf, const char *key);
void netfront_get_stats(NetFront *nf, NetFrontStats *st);

/*
 * Queues one frame (@len bytes, at most XEN_NETIF_MAX_TX_SIZE) with
 * @hdr (NULL: no offload) on @queue and notifies as the ring macros
 * say. A NEEDS_CSUM frame the backend cannot take blank (IPv6 without
 * feature-ipv6-csum-offload) gets its checksum here, as the Linux stack
 * would before handing it over. 0, or -EBUSY when the ring has too few
 * free slots (ops->tx_ready follows), -EOPNOTSUPP for GSO the backend
 * did not offer, -EMSGSIZE, -EINVAL for a bad header or @queue,
 * -ENOTCONN before connection. Nothing is queued on an error.
 */
int netfront_send(NetFront *nf, unsigned queue,
                  const struct virtio_net_hdr *hdr, const void *frame,
                  size_t len);
/* netfront_send() of the frame in @iov (@iovcnt pieces, at most 64). */
int netfront_sendv(NetFront *nf, unsigned queue,
                   const struct virtio_net_hdr *hdr, const struct iovec *iov,
                   int iovcnt);
/* After a refused ops->rx: reads @queue again (from the event loop). */
void netfront_rx_resume(NetFront *nf, unsigned queue);
/* TX slots (data slots, not extras) in flight on @queue. */
unsigned netfront_tx_inflight(NetFront *nf, unsigned queue);

/* ---- for hostile tests ---------------------------------------------- */

/* One TX ring slot: a request or an extra, as the guest writes them. */
typedef union NetFrontTxSlot {
    netif_tx_request_t req;
    netif_extra_info_t extra;
} NetFrontTxSlot;

/*
 * Puts @n slots as they are on @queue's TX ring; with @push, moves
 * req_prod past them (and notifies as the macros say); without, the
 * caller pushes later with netfront_tx_push_raw() or a hand-set index.
 * Grants the slots name are the caller's (netfront_grant_page). Their
 * responses go to ops->tx_raw_response. -EBUSY when the ring is full.
 */
int netfront_tx_raw(NetFront *nf, unsigned queue, const NetFrontTxSlot *slots,
                    unsigned n, bool push);
void netfront_tx_push_raw(NetFront *nf, unsigned queue);
/* One RX request as given (any id, any gref), pushed and notified. */
int netfront_rx_raw(NetFront *nf, unsigned queue, uint16_t id,
                    grant_ref_t gref);
/*
 * A page of the guest's memory granted to the backend, kept until the
 * frontend is freed; its ref, or -errno. *@va (if not NULL) is where
 * the guest sees it.
 */
int netfront_grant_page(NetFront *nf, bool readonly, void **va);
/* The shared rings and ports, to break the protocol by hand. */
netif_tx_sring_t *netfront_tx_sring(NetFront *nf, unsigned queue);
netif_rx_sring_t *netfront_rx_sring(NetFront *nf, unsigned queue);
evtchn_port_t netfront_tx_port(NetFront *nf, unsigned queue);
evtchn_port_t netfront_rx_port(NetFront *nf, unsigned queue);

/* ---- control ring (feature-ctrl-ring) ------------------------------- */

typedef void NetFrontCtrlDoneFn(void *opaque, uint32_t status,
                                uint32_t data);

/*
 * One request of XEN_NETIF_CTRL_TYPE_@type with @data (id chosen here),
 * its response to @done. -ENOTSUP without a control ring, -EBUSY when
 * full.
 */
int netfront_ctrl_request(NetFront *nf, uint16_t type, const uint32_t data[3],
                          NetFrontCtrlDoneFn *done, void *opaque);
/* A request exactly as given (its id too), for hostile tests. */
int netfront_ctrl_raw(NetFront *nf, const struct xen_netif_ctrl_request *req,
                      NetFrontCtrlDoneFn *done, void *opaque);
xen_netif_ctrl_sring_t *netfront_ctrl_sring(NetFront *nf);

/*
 * Grant refs the frontend holds (rings, buffers, pages of the raw API,
 * grants the backend still maps): 0 once closed, for leak checks.
 */
unsigned netfront_grants_in_use(NetFront *nf);

#endif /* XENNER_GUESTS_NETFRONT_H */
