/*
 * The netif wire format; see xen_netif.h for the rules and their order.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/xen/xen_netif.h"
#include "hw/xen/xen_ring.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#define ETH_HLEN_ 14
#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86dd
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88a8

_Static_assert(sizeof(struct netif_tx_request) <= NETIF_TX_SLOT_SIZE &&
               sizeof(struct netif_extra_info) <= NETIF_TX_SLOT_SIZE &&
               sizeof(struct netif_tx_response) <= NETIF_TX_SLOT_SIZE,
               "a TX slot holds requests, extras and responses");
_Static_assert(sizeof(struct netif_rx_response) == NETIF_RX_SLOT_SIZE &&
               sizeof(struct netif_extra_info) <= NETIF_RX_SLOT_SIZE,
               "an RX slot holds responses and extras");
_Static_assert(NETIF_TX_SLOT_SIZE <= XEN_RING_SLOT_MAX,
               "a TX slot fits the private copy");
_Static_assert(NETIF_TX_SPAN_MAX <= 64, "a packet's span fits any ring");

void netif_tx_begin(NetifTxPacket *p)
{
    memset(p, 0, sizeof(*p));
    p->state = NETIF_TX_ST_FIRST;
}

static bool tx_fatal(NetifTxPacket *p, const char *why)
{
    p->verdict = NETIF_TX_FATAL;
    p->why = why;
    p->npieces = 0;
    p->state = NETIF_TX_ST_DONE;
    return false;
}

void netif_tx_set_status(NetifTxPacket *p, int16_t status)
{
    for (unsigned i = 0; i < p->nslots; i++) {
        if (p->rsp[i].status != NETIF_RSP_NULL) {
            p->rsp[i].status = status;
        }
    }
}

static bool tx_drop(NetifTxPacket *p, const char *why)
{
    p->verdict = NETIF_TX_DROP;
    p->why = why;
    p->npieces = 0;
    p->state = NETIF_TX_ST_DONE;
    netif_tx_set_status(p, NETIF_RSP_ERROR);
    return false;
}

/* Steps 4 and 5: the whole chain was read. */
static bool tx_finish(NetifTxPacket *p)
{
    const struct netif_extra_info *gso =
        &p->extras[XEN_NETIF_EXTRA_TYPE_GSO - 1];

    if (p->drop) {
        return tx_drop(p, p->why);
    }
    if (p->remaining < ETH_HLEN_) {
        return tx_drop(p, "first slot shorter than an Ethernet header");
    }
    if ((unsigned)p->first.offset + p->remaining > XEN_PAGE_SIZE) {
        return tx_fatal(p, "first slot crosses its page");
    }
    if (gso->type) {
        if (gso->u.gso.size == 0) {
            return tx_fatal(p, "GSO size of 0");
        }
        if (gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
            gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6) {
            return tx_fatal(p, "bad GSO type");
        }
        p->gso_type = gso->u.gso.type;
        p->gso_size = gso->u.gso.size;
    }
    p->pieces[0] = (NetifTxPiece) {
        .gref = p->first.gref, .offset = p->first.offset,
        .size = p->remaining,
    };
    p->verdict = NETIF_TX_SEND;
    p->state = NETIF_TX_ST_DONE;
    return false;
}

/* More data slots follow: hostile past netback's fatal_skb_slots. */
static bool tx_want_data(NetifTxPacket *p)
{
    if (p->following >= NETIF_TX_FATAL_SLOTS) {
        return tx_fatal(p, "more slots than a packet may use");
    }
    p->state = NETIF_TX_ST_DATA;
    return true;
}

/* Step 2, then into step 3. */
static bool tx_after_extras(NetifTxPacket *p)
{
    static const uint8_t mcast_types[] = {
        XEN_NETIF_EXTRA_TYPE_MCAST_ADD, XEN_NETIF_EXTRA_TYPE_MCAST_DEL,
    };

    for (unsigned i = 0; i < sizeof(mcast_types); i++) {
        const struct netif_extra_info *e = &p->extras[mcast_types[i] - 1];

        if (e->type) {
            p->verdict = mcast_types[i] == XEN_NETIF_EXTRA_TYPE_MCAST_ADD ?
                NETIF_TX_MCAST_ADD : NETIF_TX_MCAST_DEL;
            memcpy(p->mcast, e->u.mcast.addr, sizeof(p->mcast));
            p->npieces = 0;
            p->state = NETIF_TX_ST_DONE;
            return false;
        }
    }
    if (p->first.flags & NETTXF_more_data) {
        return tx_want_data(p);
    }
    return tx_finish(p);
}

static bool tx_first(NetifTxPacket *p, unsigned i, const void *slot)
{
    memcpy(&p->first, slot, sizeof(p->first));
    p->rsp[i] = (NetifTxRsp) { .id = p->first.id, .status = NETIF_RSP_OKAY };
    p->flags = p->first.flags & (NETTXF_csum_blank | NETTXF_data_validated);
    p->size = p->first.size;
    p->remaining = p->first.size;
    p->npieces = 1;             /* pieces[0], the first slot's, comes last */
    if (p->first.flags & NETTXF_extra_info) {
        p->state = NETIF_TX_ST_EXTRA;
        return true;
    }
    return tx_after_extras(p);
}

static bool tx_extra(NetifTxPacket *p, unsigned i, const void *slot)
{
    struct netif_extra_info e;

    memcpy(&e, slot, sizeof(e));
    p->rsp[i] = (NetifTxRsp) { .id = 0, .status = NETIF_RSP_NULL };
    p->nextras++;
    if (e.type == XEN_NETIF_EXTRA_TYPE_NONE ||
        e.type >= XEN_NETIF_EXTRA_TYPE_MAX) {
        return tx_fatal(p, "invalid extra-info type");
    }
    /* A later extra of a type replaces an earlier one, as in netback. */
    p->extras[e.type - 1] = e;
    if (e.flags & XEN_NETIF_EXTRA_FLAG_MORE) {
        if (p->nextras >= NETIF_TX_EXTRAS_MAX) {
            return tx_fatal(p, "too many extra-info slots");
        }
        return true;
    }
    return tx_after_extras(p);
}

static bool tx_data(NetifTxPacket *p, unsigned i, const void *slot)
{
    struct netif_tx_request t;

    memcpy(&t, slot, sizeof(t));
    p->rsp[i] = (NetifTxRsp) { .id = t.id, .status = NETIF_RSP_OKAY };
    if (!p->drop && p->following >= NETIF_TX_LEGACY_SLOTS) {
        p->drop = true;
        p->why = "more slots than XEN_NETIF_NR_SLOTS_MIN";
    }
    if (!p->drop && t.size > p->remaining) {
        p->drop = true;
        p->why = "a slot larger than the packet";
    }
    p->remaining -= t.size;     /* wraps only on a packet already dropped */
    p->following++;
    if ((unsigned)t.offset + t.size > XEN_PAGE_SIZE) {
        return tx_fatal(p, "a slot crosses its page");
    }
    /* XSA-448: an empty slot is answered but makes no fragment. */
    if (!p->drop && t.size) {
        p->pieces[p->npieces++] = (NetifTxPiece) {
            .gref = t.gref, .offset = t.offset, .size = t.size,
        };
    }
    if (t.flags & NETTXF_more_data) {
        return tx_want_data(p);
    }
    return tx_finish(p);
}

bool netif_tx_feed(NetifTxPacket *p, const void *slot)
{
    unsigned i = p->nslots;

    if (p->state == NETIF_TX_ST_DONE || i >= NETIF_TX_SPAN_MAX) {
        return tx_fatal(p, "decoder fed past its packet");
    }
    p->nslots++;
    switch (p->state) {
    case NETIF_TX_ST_FIRST:
        return tx_first(p, i, slot);
    case NETIF_TX_ST_EXTRA:
        return tx_extra(p, i, slot);
    case NETIF_TX_ST_DATA:
        return tx_data(p, i, slot);
    default:
        return tx_fatal(p, "decoder fed past its packet");
    }
}

void netif_tx_truncated(NetifTxPacket *p)
{
    tx_fatal(p, "packet runs past the producer");
}

unsigned netif_tx_decode(NetifTxPacket *p, const void *slots, unsigned avail)
{
    const uint8_t *s = slots;
    unsigned n = 0;

    netif_tx_begin(p);
    for (;;) {
        if (n == avail) {
            netif_tx_truncated(p);
            break;
        }
        if (!netif_tx_feed(p, s + (size_t)n++ * NETIF_TX_SLOT_SIZE)) {
            break;
        }
    }
    return p->nslots;
}

void netif_tx_put_rsp(const NetifTxPacket *p, unsigned i, void *slot)
{
    uint8_t buf[NETIF_TX_SLOT_SIZE] = { 0 };
    struct netif_tx_response r = {
        .id = p->rsp[i].id, .status = p->rsp[i].status,
    };

    memcpy(buf, &r, sizeof(r));
    memcpy(slot, buf, sizeof(buf));
}

static unsigned get16be(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* IPv6 extension headers walked before giving up on a frame. */
#define IPV6_EXT_MAX 8

static int parse_ipv6(const uint8_t *f, size_t len, NetifFrameInfo *info)
{
    unsigned off = info->l3_off;
    uint8_t next;

    if (len < off + 40u || f[off] >> 4 != 6) {
        return -EINVAL;
    }
    info->ip_version = 6;
    next = f[off + 6];
    off += 40;
    for (unsigned i = 0; i <= IPV6_EXT_MAX; i++) {
        unsigned hlen;

        switch (next) {
        case IPPROTO_HOPOPTS:
        case IPPROTO_ROUTING:
        case IPPROTO_DSTOPTS:
            if (len < off + 2u) {
                return -EINVAL;
            }
            hlen = (f[off + 1] + 1u) * 8;
            break;
        case IPPROTO_AH:
            if (len < off + 2u) {
                return -EINVAL;
            }
            hlen = (f[off + 1] + 2u) * 4;
            break;
        case IPPROTO_FRAGMENT:
            if (len < off + 8u) {
                return -EINVAL;
            }
            /* Offset or more-fragments set: this is not a whole datagram. */
            if (get16be(f + off + 2) & 0xfff9) {
                info->fragment = true;
            }
            hlen = 8;
            break;
        default:
            info->l4_proto = next;
            info->l4_off = off;
            return 0;
        }
        if (len < off + hlen) {
            return -EINVAL;
        }
        next = f[off];
        off += hlen;
    }
    return -EPROTO;
}

static int parse_ipv4(const uint8_t *f, size_t len, NetifFrameInfo *info)
{
    unsigned off = info->l3_off;
    unsigned ihl;

    if (len < off + 20u || f[off] >> 4 != 4) {
        return -EINVAL;
    }
    info->ip_version = 4;
    ihl = (f[off] & 0xf) * 4u;
    if (ihl < 20 || len < off + ihl) {
        return -EINVAL;
    }
    /* MF or a fragment offset. */
    if (get16be(f + off + 6) & 0x3fff) {
        info->fragment = true;
    }
    info->l4_proto = f[off + 9];
    info->l4_off = off + ihl;
    return 0;
}

int netif_frame_parse(const uint8_t *f, size_t len, NetifFrameInfo *info)
{
    unsigned off = 12, type;
    int r;

    memset(info, 0, sizeof(*info));
    if (len < ETH_HLEN_) {
        return -EINVAL;
    }
    type = get16be(f + off);
    for (int tags = 0; tags < 2 &&
         (type == ETH_P_8021Q_ || type == ETH_P_8021AD_); tags++) {
        off += 4;
        if (len < off + 2u) {
            return -EINVAL;
        }
        type = get16be(f + off);
    }
    info->l3_off = off + 2;
    if (type == ETH_P_IP_) {
        r = parse_ipv4(f, len, info);
    } else if (type == ETH_P_IPV6_) {
        r = parse_ipv6(f, len, info);
    } else {
        return -EPROTO;
    }
    if (r < 0) {
        return r;
    }
    if (info->fragment) {
        return -EPROTO;
    }
    if (info->l4_proto == IPPROTO_TCP) {
        unsigned doff;

        if (len < info->l4_off + 20u) {
            return -EINVAL;
        }
        doff = (f[info->l4_off + 12] >> 4) * 4u;
        if (doff < 20 || len < info->l4_off + doff) {
            return -EINVAL;
        }
        info->l4_hdr_len = doff;
        return 0;
    }
    if (info->l4_proto == IPPROTO_UDP) {
        if (len < info->l4_off + 8u) {
            return -EINVAL;
        }
        info->l4_hdr_len = 8;
        return 0;
    }
    return -EPROTO;
}

int netif_tx_vnet_hdr(const NetifTxPacket *p, const uint8_t *frame,
                      size_t len, struct virtio_net_hdr *hdr)
{
    bool csum = p->flags & NETTXF_csum_blank;
    bool gso = p->gso_type != XEN_NETIF_GSO_TYPE_NONE;
    NetifFrameInfo fi;
    int r;

    memset(hdr, 0, sizeof(*hdr));
    if (!csum && !gso) {
        if (p->flags & NETTXF_data_validated) {
            hdr->flags = VIRTIO_NET_HDR_F_DATA_VALID;
        }
        return 0;
    }
    r = netif_frame_parse(frame, len, &fi);
    if (r < 0) {
        return r;
    }
    if (gso) {
        unsigned want = p->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 ? 4 : 6;

        if (fi.l4_proto != IPPROTO_TCP || fi.ip_version != want) {
            return -EINVAL;
        }
        hdr->gso_type = want == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 :
            VIRTIO_NET_HDR_GSO_TCPV6;
        hdr->gso_size = p->gso_size;
        hdr->hdr_len = fi.l4_off + fi.l4_hdr_len;
    }
    /* A segment to be cut needs its checksum done per segment anyway. */
    hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    hdr->csum_start = fi.l4_off;
    hdr->csum_offset = fi.l4_proto == IPPROTO_TCP ? 16 : 6;
    return 0;
}

unsigned netif_rx_slots(size_t len, bool gso, bool hash)
{
    size_t pages = len ? (len + XEN_PAGE_SIZE - 1) / XEN_PAGE_SIZE : 1;

    return pages + gso + hash;
}

uint16_t netif_rx_flags(const struct virtio_net_hdr *hdr)
{
    if (hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        return NETRXF_csum_blank | NETRXF_data_validated;
    }
    if (hdr->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
        return NETRXF_data_validated;
    }
    return 0;
}

void netif_rx_put_rsp(void *slot, uint16_t id, uint16_t offset,
                      uint16_t flags, int16_t status)
{
    struct netif_rx_response r = {
        .id = id, .offset = offset, .flags = flags, .status = status,
    };

    memcpy(slot, &r, sizeof(r));
}

void netif_rx_put_extra(void *slot, const struct netif_extra_info *extra)
{
    uint8_t buf[NETIF_RX_SLOT_SIZE] = { 0 };

    memcpy(buf, extra, sizeof(*extra));
    memcpy(slot, buf, sizeof(buf));
}
