/*
 * The netif wire format (xen/io/netif.h) as the backend reads it: a TX
 * packet decoded from the private copies of its ring slots, the frame's
 * headers located for checksum offload and GSO, and the RX responses
 * written back. The slots are copied by xen_back_ring_take() before they
 * get here; nothing here touches shared memory.
 *
 * The rules are Linux netback's (drivers/net/xen-netback/netback.c,
 * xenvif_tx_build_gops, xenvif_get_extras, xenvif_count_requests), in
 * its order, so that a frontend written against netback sees the same
 * answers:
 *  1. The first request; with NETTXF_extra_info, extra-info slots follow
 *     while XEN_NETIF_EXTRA_FLAG_MORE is set (at most NETIF_TX_EXTRAS_MAX;
 *     netback stops only at the producer). An extra of type 0 or >=
 *     XEN_NETIF_EXTRA_TYPE_MAX is hostile.
 *  2. An MCAST_ADD (else MCAST_DEL) extra makes the packet a multicast
 *     filter request that ends with its extras: the caller answers the
 *     first slot with the filter's result.
 *  3. While a data slot has NETTXF_more_data another follows. Each must
 *     lie in its page (offset + size <= 4096: hostile otherwise) and may
 *     not be larger than what the first request's total leaves (else the
 *     packet is dropped: frontends that overflowed the 16-bit total
 *     exist). A zero-length slot is answered and carries nothing
 *     (XSA-448: no empty fragment goes further). Up to
 *     XEN_NETIF_NR_SLOTS_MIN (18) following slots are accepted (netback's
 *     limit: 19 data slots with the first), more are answered with an
 *     error, and a frontend using more than NETIF_TX_FATAL_SLOTS (20,
 *     netback's fatal_skb_slots) following slots is hostile.
 *  4. The first slot keeps the total minus the others; less than an
 *     Ethernet header there is dropped; past its page is hostile.
 *  5. A GSO extra must have a size and type TCPV4 or TCPV6 (hostile
 *     otherwise).
 * A packet whose slots run past the producer (the frontend pushes whole
 * packets) is hostile too: netif_tx_truncated().
 *
 * The bytes of the frame are copied (grant copy) into one private buffer
 * before the headers are looked at, so headers split across slots
 * (XSA-423) and short packets spread over many slots (XSA-432) are just
 * frames: netif_tx_vnet_hdr() reads the copy.
 *
 * Pure logic: unit-tested (tests/unit/test-xen-netif.c) and fuzzed
 * (tests/fuzz/fuzz-netif-tx.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_NETIF_H
#define HW_XEN_XEN_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_net.h>
#include <xen/xen.h>
#include <xen/io/netif.h>

#ifndef XEN_PAGE_SIZE
#define XEN_PAGE_SIZE 4096u
#endif

/* Ring slots: a TX slot holds a request, an extra or a response. */
#define NETIF_TX_SLOT_SIZE sizeof(union netif_tx_sring_entry)
#define NETIF_RX_SLOT_SIZE sizeof(union netif_rx_sring_entry)

/* Following data slots before a packet is dropped, and hostile. */
#define NETIF_TX_LEGACY_SLOTS XEN_NETIF_NR_SLOTS_MIN
#define NETIF_TX_FATAL_SLOTS 20
/* Extra-info slots one packet may chain. */
#define NETIF_TX_EXTRAS_MAX 8
/* Pieces of data one accepted packet has: the first and 18 others. */
#define NETIF_TX_PIECES_MAX (1 + NETIF_TX_LEGACY_SLOTS)
/* Slots one packet spans at most before it is found hostile. */
#define NETIF_TX_SPAN_MAX (1 + NETIF_TX_EXTRAS_MAX + NETIF_TX_FATAL_SLOTS)

typedef enum NetifTxVerdict {
    NETIF_TX_SEND,          /* pieces to copy and send */
    NETIF_TX_DROP,          /* answered with errors, nothing sent */
    NETIF_TX_MCAST_ADD,     /* a filter request: mcast[] to add */
    NETIF_TX_MCAST_DEL,     /* and to delete */
    NETIF_TX_FATAL,         /* a hostile frontend: fail the device */
} NetifTxVerdict;

/* A piece of the frame in one granted page. */
typedef struct NetifTxPiece {
    uint32_t gref;
    uint16_t offset;
    uint16_t size;
} NetifTxPiece;

/* The response for one slot of the packet, in slot order. */
typedef struct NetifTxRsp {
    uint16_t id;
    int16_t status;         /* NETIF_RSP_*; NULL for an extra slot */
} NetifTxRsp;

typedef enum NetifTxState {
    NETIF_TX_ST_FIRST,
    NETIF_TX_ST_EXTRA,
    NETIF_TX_ST_DATA,
    NETIF_TX_ST_DONE,
} NetifTxState;

/*
 * One TX packet: filled by netif_tx_feed(), valid once it returns false.
 * Everything in it was checked; the fields below `private` are the
 * decoder's.
 */
typedef struct NetifTxPacket {
    NetifTxVerdict verdict;
    const char *why;            /* DROP and FATAL: a static reason */
    unsigned nslots;            /* slots of the packet, rsp[] each */
    NetifTxRsp rsp[NETIF_TX_SPAN_MAX];
    uint16_t flags;             /* NETTXF_csum_blank | data_validated */
    uint16_t size;              /* SEND: bytes of the frame */
    unsigned npieces;
    NetifTxPiece pieces[NETIF_TX_PIECES_MAX];
    uint8_t gso_type;           /* XEN_NETIF_GSO_TYPE_*, NONE: no GSO */
    uint16_t gso_size;
    uint8_t mcast[6];           /* MCAST_ADD/DEL: the address */

    /* private */
    NetifTxState state;
    uint16_t remaining;         /* the first slot's own bytes, so far */
    unsigned following;         /* data slots after the first */
    unsigned nextras;
    bool drop;
    struct netif_tx_request first;
    struct netif_extra_info extras[XEN_NETIF_EXTRA_TYPE_MAX - 1];
} NetifTxPacket;

/* Starts a packet. */
void netif_tx_begin(NetifTxPacket *p);
/*
 * Decodes the next slot of the packet (NETIF_TX_SLOT_SIZE bytes, a
 * private copy). True while the packet goes on into another slot; false
 * when it is complete: p->verdict says what to do and p->nslots how
 * many slots it took (this one included).
 */
bool netif_tx_feed(NetifTxPacket *p, const void *slot);
/*
 * The packet wants another slot but the producer has none: hostile,
 * since frontends push whole packets (netback: "Missing extra info",
 * "Asked for %d slots but exceeds this limit").
 */
void netif_tx_truncated(NetifTxPacket *p);
/*
 * Feeds slots from @slots (@avail back to back) until the packet is
 * complete, or truncated. Returns the slots taken, p->nslots.
 */
unsigned netif_tx_decode(NetifTxPacket *p, const void *slots,
                         unsigned avail);
/* Every response of a request slot (not the extras') becomes @status. */
void netif_tx_set_status(NetifTxPacket *p, int16_t status);
/* Writes response @i into a ring slot (all NETIF_TX_SLOT_SIZE bytes). */
void netif_tx_put_rsp(const NetifTxPacket *p, unsigned i, void *slot);

/* Where a frame's layer 3 and 4 headers are. */
typedef struct NetifFrameInfo {
    unsigned l3_off;            /* the IP header */
    unsigned ip_version;        /* 4, 6, or 0: neither */
    bool fragment;              /* an IP fragment: no L4 header to trust */
    uint8_t l4_proto;           /* IPPROTO_TCP, UDP, ... */
    unsigned l4_off;
    unsigned l4_hdr_len;        /* TCP with its options, or 8 for UDP */
} NetifFrameInfo;

/*
 * Parses Ethernet (with up to two VLAN tags), IPv4 or IPv6 (with its
 * extension headers) and a TCP or UDP header of @frame, every length
 * checked against @len. 0 when an L4 header of TCP or UDP was found
 * whole; -EPROTO when the frame is something else (info says how far it
 * got); -EINVAL when a header is cut or lies about its length.
 */
int netif_frame_parse(const uint8_t *frame, size_t len, NetifFrameInfo *info);

/*
 * The virtio-net header for the copied frame of a SEND packet (what
 * netback's checksum_setup and xenvif_set_skb_gso make of it):
 * csum_blank: NEEDS_CSUM at the TCP/UDP checksum; data_validated alone:
 * DATA_VALID; a GSO extra: TCPV4/TCPV6 with gso_size and hdr_len (and
 * NEEDS_CSUM). 0, or -EPROTO/-EINVAL when the frame cannot be what the
 * flags claim (a blank checksum in an IP fragment or a non-TCP/UDP
 * frame, GSO over something not TCP of that IP version): the packet is
 * then dropped, as netback drops it.
 */
int netif_tx_vnet_hdr(const NetifTxPacket *p, const uint8_t *frame,
                      size_t len, struct virtio_net_hdr *hdr);

/* RX: the slots a frame of @len bytes takes, one page per data slot. */
unsigned netif_rx_slots(size_t len, bool gso, bool hash);
/* The first response's flags for a frame with @hdr (netback's). */
uint16_t netif_rx_flags(const struct virtio_net_hdr *hdr);
/* Writes an RX response into a ring slot (all NETIF_RX_SLOT_SIZE bytes). */
void netif_rx_put_rsp(void *slot, uint16_t id, uint16_t offset,
                      uint16_t flags, int16_t status);
/* Writes an extra-info slot of the RX ring (padding zeroed). */
void netif_rx_put_extra(void *slot, const struct netif_extra_info *extra);

#endif /* HW_XEN_XEN_NETIF_H */
