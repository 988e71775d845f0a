/*
 * The netif TX decoder and frame parser (hw/xen/xen_netif.c): netback's
 * rules one by one, and each hostile case of issue 14.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "hw/xen/xen_netif.h"

#define SLOT NETIF_TX_SLOT_SIZE
#define MAX_SLOTS 40

/* A ring's worth of slots built by a test, as a frontend writes them. */
typedef struct Slots {
    uint8_t b[MAX_SLOTS][SLOT];
    unsigned n;
} Slots;

static void req(Slots *s, uint32_t gref, uint16_t off, uint16_t flags,
                uint16_t id, uint16_t size)
{
    struct netif_tx_request r = {
        .gref = gref, .offset = off, .flags = flags, .id = id, .size = size,
    };

    g_assert_cmpuint(s->n, <, MAX_SLOTS);
    memset(s->b[s->n], 0xa5, SLOT);   /* padding is the guest's garbage */
    memcpy(s->b[s->n++], &r, sizeof(r));
}

static void extra(Slots *s, uint8_t type, uint8_t flags, const void *u,
                  size_t ulen)
{
    struct netif_extra_info e = { .type = type, .flags = flags };

    memcpy(&e.u, u, ulen);
    g_assert_cmpuint(s->n, <, MAX_SLOTS);
    memset(s->b[s->n], 0x5a, SLOT);
    memcpy(s->b[s->n++], &e, sizeof(e));
}

static void gso_extra(Slots *s, uint8_t flags, uint16_t size, uint8_t type)
{
    struct { uint16_t size; uint8_t type, pad; uint16_t features; } g = {
        .size = size, .type = type,
    };

    extra(s, XEN_NETIF_EXTRA_TYPE_GSO, flags, &g, sizeof(g));
}

/* Decodes all of @s (as the producer published it) into @p. */
static unsigned decode(const Slots *s, NetifTxPacket *p)
{
    return netif_tx_decode(p, s->b, s->n);
}

static void assert_statuses(const NetifTxPacket *p, int16_t want)
{
    for (unsigned i = 0; i < p->nslots; i++) {
        if (p->rsp[i].status != NETIF_RSP_NULL) {
            g_assert_cmpint(p->rsp[i].status, ==, want);
        }
    }
}

static void test_single(void)
{
    Slots s = { 0 };
    NetifTxPacket p;

    req(&s, 7, 100, NETTXF_data_validated, 42, 60);
    g_assert_cmpuint(decode(&s, &p), ==, 1);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_SEND);
    g_assert_cmpuint(p.size, ==, 60);
    g_assert_cmpuint(p.npieces, ==, 1);
    g_assert_cmpuint(p.pieces[0].gref, ==, 7);
    g_assert_cmpuint(p.pieces[0].offset, ==, 100);
    g_assert_cmpuint(p.pieces[0].size, ==, 60);
    g_assert_cmpuint(p.flags, ==, NETTXF_data_validated);
    g_assert_cmpuint(p.rsp[0].id, ==, 42);
    g_assert_cmpint(p.rsp[0].status, ==, NETIF_RSP_OKAY);
    g_assert_cmpuint(p.gso_type, ==, XEN_NETIF_GSO_TYPE_NONE);
}

/* As Linux netfront sends a TSO packet: first, GSO extra, fragments. */
static void test_gso_chain(void)
{
    Slots s = { 0 };
    NetifTxPacket p;

    req(&s, 1, 2000, NETTXF_csum_blank | NETTXF_data_validated |
        NETTXF_extra_info | NETTXF_more_data, 10, 6000);
    gso_extra(&s, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV4);
    req(&s, 2, 0, NETTXF_more_data, 11, 2000);
    req(&s, 3, 0, 0, 12, 1904);
    g_assert_cmpuint(decode(&s, &p), ==, 4);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_SEND);
    g_assert_cmpuint(p.npieces, ==, 3);
    g_assert_cmpuint(p.pieces[0].size, ==, 6000 - 2000 - 1904);
    g_assert_cmpuint(p.pieces[1].gref, ==, 2);
    g_assert_cmpuint(p.pieces[2].size, ==, 1904);
    g_assert_cmpuint(p.gso_type, ==, XEN_NETIF_GSO_TYPE_TCPV4);
    g_assert_cmpuint(p.gso_size, ==, 1448);
    g_assert_cmpint(p.rsp[1].status, ==, NETIF_RSP_NULL);
    g_assert_cmpuint(p.rsp[2].id, ==, 11);
    g_assert_cmpuint(p.rsp[3].id, ==, 12);
    assert_statuses(&p, NETIF_RSP_OKAY);

    /* The next packet starts where this one ended. */
    req(&s, 4, 0, 0, 13, 64);
    g_assert_cmpuint(netif_tx_decode(&p, s.b[4], 1), ==, 1);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_SEND);
}

/* The first request's total smaller than what the others carry. */
static void test_first_smaller(void)
{
    Slots s = { 0 };
    NetifTxPacket p;

    req(&s, 1, 0, NETTXF_more_data, 1, 100);
    req(&s, 2, 0, NETTXF_more_data, 2, 80);
    req(&s, 3, 0, 0, 3, 80);
    g_assert_cmpuint(decode(&s, &p), ==, 3);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_DROP);
    g_assert_cmpuint(p.npieces, ==, 0);
    assert_statuses(&p, NETIF_RSP_ERROR);
    g_assert_cmpuint(p.rsp[2].id, ==, 3);
}

/* XSA-448: an empty fragment is answered and produces nothing. */
static void test_zero_length(void)
{
    Slots s = { 0 };
    NetifTxPacket p;

    req(&s, 1, 0, NETTXF_more_data, 1, 100);
    req(&s, 2, 0, NETTXF_more_data, 2, 0);
    req(&s, 3, 4096, NETTXF_more_data, 3, 0);   /* at the page's end */
    req(&s, 4, 0, 0, 4, 40);
    g_assert_cmpuint(decode(&s, &p), ==, 4);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_SEND);
    g_assert_cmpuint(p.npieces, ==, 2);
    g_assert_cmpuint(p.pieces[0].size, ==, 60);
    g_assert_cmpuint(p.pieces[1].gref, ==, 4);
    for (unsigned i = 0; i < p.npieces; i++) {
        g_assert_cmpuint(p.pieces[i].size, >, 0);
    }
    assert_statuses(&p, NETIF_RSP_OKAY);
}

/* Oversized slots: past their page is hostile, past the total dropped. */
static void test_oversized(void)
{
    Slots s = { 0 };
    NetifTxPacket p;

    req(&s, 1, 0, NETTXF_more_data, 1, 5000);
    req(&s, 2, 100, 0, 2, 4000);
    decode(&s, &p);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_FATAL);

    memset(&s, 0, sizeof(s));
    req(&s, 1, 4000, 0, 1, 200);
    decode(&s, &p);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_FATAL);

    /* The first slot's own share past its page, the others fine. */
    memset(&s, 0, sizeof(s));
    req(&s, 1, 4000, NETTXF_more_data, 1, 300);
    req(&s, 2, 0, 0, 2, 100);
    decode(&s, &p);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_FATAL);

    /* Exactly to the page's end is fine. */
    memset(&s, 0, sizeof(s));
    req(&s, 1, 4096 - 60, 0, 1, 60);
    decode(&s, &p);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_SEND);

    /* A fragment bigger than the 16-bit total left: dropped, not fatal. */
    memset(&s, 0, sizeof(s));
    req(&s, 1, 0, NETTXF_more_data, 1, 1000);
    req(&s, 2, 0, NETTXF_more_data, 2, 4096);
    req(&s, 3, 0, 0, 3, 10);
    g_assert_cmpuint(decode(&s, &p), ==, 3);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_DROP);
    assert_statuses(&p, NETIF_RSP_ERROR);
}

/* A chain of @data data slots of 20 bytes each. */
static void chain(Slots *s, unsigned data)
{
    memset(s, 0, sizeof(*s));
    req(s, 100, 0, data > 1 ? NETTXF_more_data : 0, 0, 20 * data);
    for (unsigned i = 1; i < data; i++) {
        req(s, 100 + i, 0, i + 1 < data ? NETTXF_more_data : 0, i, 20);
    }
}

static void test_slot_limits(void)
{
    Slots s;
    NetifTxPacket p;

    /* 18 (netif.h's minimum) and 19 (netback's, first + 18) go through. */
    for (unsigned n = 18; n <= 19; n++) {
        chain(&s, n);
        g_assert_cmpuint(decode(&s, &p), ==, n);
        g_assert_cmpint(p.verdict, ==, NETIF_TX_SEND);
        g_assert_cmpuint(p.npieces, ==, n);
    }
    /* Up to fatal_skb_slots following: answered with errors. */
    for (unsigned n = 20; n <= 21; n++) {
        chain(&s, n);
        g_assert_cmpuint(decode(&s, &p), ==, n);
        g_assert_cmpint(p.verdict, ==, NETIF_TX_DROP);
        assert_statuses(&p, NETIF_RSP_ERROR);
    }
    /* Beyond: hostile, and the decoder never reads past its span. */
    chain(&s, 22);
    g_assert_cmpuint(decode(&s, &p), <=, 21);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_FATAL);
    chain(&s, 40);
    g_assert_cmpuint(decode(&s, &p), <=, NETIF_TX_SPAN_MAX);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_FATAL);
}

static void test_extra_types(void)
{
    static const uint8_t bad[] = { 0, XEN_NETIF_EXTRA_TYPE_MAX, 255 };
    uint8_t zero[6] = { 0 };
    Slots s;
    NetifTxPacket p;

    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        memset(&s, 0, sizeof(s));
        req(&s, 1, 0, NETTXF_extra_info, 1, 60);
        extra(&s, bad[i], 0, zero, sizeof(zero));
        decode(&s, &p);
        g_assert_cmpint(p.verdict, ==, NETIF_TX_FATAL);
    }
    /* A hash extra is taken and ignored. */
    memset(&s, 0, sizeof(s));
    req(&s, 1, 0, NETTXF_extra_info, 1, 60);
    extra(&s, XEN_NETIF_EXTRA_TYPE_HASH, 0, zero, sizeof(zero));
    g_assert_cmpuint(decode(&s, &p), ==, 2);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_SEND);
    /* An endless chain of extras is hostile. */
    memset(&s, 0, sizeof(s));
    req(&s, 1, 0, NETTXF_extra_info, 1, 60);
    for (unsigned i = 0; i < 20; i++) {
        extra(&s, XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_FLAG_MORE,
              zero, sizeof(zero));
    }
    g_assert_cmpuint(decode(&s, &p), <=, 1 + NETIF_TX_EXTRAS_MAX);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_FATAL);
    /* An extra promised and not produced. */
    memset(&s, 0, sizeof(s));
    req(&s, 1, 0, NETTXF_extra_info, 1, 60);
    decode(&s, &p);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_FATAL);
}

static void test_gso_bad(void)
{
    Slots s = { 0 };
    NetifTxPacket p;

    req(&s, 1, 0, NETTXF_extra_info | NETTXF_csum_blank, 1, 1000);
    gso_extra(&s, 0, 0, XEN_NETIF_GSO_TYPE_TCPV4);
    decode(&s, &p);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_FATAL);

    memset(&s, 0, sizeof(s));
    req(&s, 1, 0, NETTXF_extra_info | NETTXF_csum_blank, 1, 1000);
    gso_extra(&s, 0, 1400, 3);
    decode(&s, &p);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_FATAL);
}

static void test_short_first(void)
{
    Slots s = { 0 };
    NetifTxPacket p;

    req(&s, 1, 0, NETTXF_more_data, 1, 100);
    req(&s, 2, 0, 0, 2, 90);
    decode(&s, &p);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_DROP);
    assert_statuses(&p, NETIF_RSP_ERROR);

    memset(&s, 0, sizeof(s));
    req(&s, 1, 0, 0, 1, 0);
    decode(&s, &p);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_DROP);
}

static void test_truncated(void)
{
    Slots s = { 0 };
    NetifTxPacket p;

    req(&s, 1, 0, NETTXF_more_data, 1, 100);
    req(&s, 2, 0, NETTXF_more_data, 2, 10);
    g_assert_cmpuint(decode(&s, &p), ==, 2);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_FATAL);
    g_assert_nonnull(p.why);
}

static void test_mcast(void)
{
    static const uint8_t addr[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
    Slots s = { 0 };
    NetifTxPacket p;

    req(&s, 0, 0, NETTXF_extra_info, 9, 0);
    extra(&s, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0, addr, sizeof(addr));
    g_assert_cmpuint(decode(&s, &p), ==, 2);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_MCAST_ADD);
    g_assert_cmpmem(p.mcast, 6, addr, 6);
    g_assert_cmpuint(p.rsp[0].id, ==, 9);
    g_assert_cmpint(p.rsp[1].status, ==, NETIF_RSP_NULL);

    memset(&s, 0, sizeof(s));
    req(&s, 0, 0, NETTXF_extra_info, 9, 0);
    extra(&s, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, 0, addr, sizeof(addr));
    decode(&s, &p);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_MCAST_DEL);
}

static void test_put_rsp(void)
{
    Slots s = { 0 };
    NetifTxPacket p;
    uint8_t slot[SLOT];
    struct netif_tx_response r;

    req(&s, 1, 0, NETTXF_extra_info, 77, 60);
    gso_extra(&s, 0, 1000, XEN_NETIF_GSO_TYPE_TCPV6);
    decode(&s, &p);
    memset(slot, 0xff, sizeof(slot));
    netif_tx_put_rsp(&p, 0, slot);
    memcpy(&r, slot, sizeof(r));
    g_assert_cmpuint(r.id, ==, 77);
    g_assert_cmpint(r.status, ==, NETIF_RSP_OKAY);
    for (size_t i = sizeof(r); i < SLOT; i++) {
        g_assert_cmpuint(slot[i], ==, 0);
    }
    netif_tx_put_rsp(&p, 1, slot);
    memcpy(&r, slot, sizeof(r));
    g_assert_cmpint(r.status, ==, NETIF_RSP_NULL);
}

/* Frames for the header tests. */
static size_t eth(uint8_t *f, unsigned type, bool vlan)
{
    size_t off = 12;

    memset(f, 0, 12);
    f[0] = 0x52;
    if (vlan) {
        f[off++] = 0x81;
        f[off++] = 0x00;
        f[off++] = 0;
        f[off++] = 5;
    }
    f[off++] = type >> 8;
    f[off++] = type & 0xff;
    return off;
}

static size_t ipv4_tcp(uint8_t *f, bool vlan, size_t payload)
{
    size_t off = eth(f, 0x0800, vlan);

    memset(f + off, 0, 60);
    f[off] = 0x46;                  /* with 4 bytes of options */
    f[off + 9] = 6;
    off += 24;
    f[off + 12] = 8 << 4;           /* 32-byte TCP header */
    off += 32;
    memset(f + off, 'x', payload);
    return off + payload;
}

static size_t ipv6_udp(uint8_t *f)
{
    size_t off = eth(f, 0x86dd, false);

    memset(f + off, 0, 40 + 8 + 8);
    f[off] = 0x60;
    f[off + 6] = 0;                 /* hop-by-hop first */
    off += 40;
    f[off] = 17;                    /* then UDP */
    f[off + 1] = 0;
    off += 8;
    return off + 8 + 20;
}

static NetifTxPacket send_pkt(uint16_t flags, uint8_t gso_type)
{
    NetifTxPacket p;

    netif_tx_begin(&p);
    p.verdict = NETIF_TX_SEND;
    p.flags = flags;
    p.gso_type = gso_type;
    p.gso_size = gso_type ? 1448 : 0;
    return p;
}

static void test_vnet_hdr(void)
{
    uint8_t f[256];
    struct virtio_net_hdr h;
    NetifTxPacket p;
    size_t len;

    p = send_pkt(NETTXF_csum_blank, 0);
    len = ipv4_tcp(f, false, 10);
    g_assert_cmpint(netif_tx_vnet_hdr(&p, f, len, &h), ==, 0);
    g_assert_cmpuint(h.flags, ==, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    g_assert_cmpuint(h.csum_start, ==, 14 + 24);
    g_assert_cmpuint(h.csum_offset, ==, 16);
    g_assert_cmpuint(h.gso_type, ==, VIRTIO_NET_HDR_GSO_NONE);

    len = ipv4_tcp(f, true, 10);
    g_assert_cmpint(netif_tx_vnet_hdr(&p, f, len, &h), ==, 0);
    g_assert_cmpuint(h.csum_start, ==, 18 + 24);

    p = send_pkt(NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4);
    len = ipv4_tcp(f, false, 100);
    g_assert_cmpint(netif_tx_vnet_hdr(&p, f, len, &h), ==, 0);
    g_assert_cmpuint(h.gso_type, ==, VIRTIO_NET_HDR_GSO_TCPV4);
    g_assert_cmpuint(h.gso_size, ==, 1448);
    g_assert_cmpuint(h.hdr_len, ==, 14 + 24 + 32);
    /* GSO of the wrong IP version, or over UDP. */
    p = send_pkt(NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV6);
    g_assert_cmpint(netif_tx_vnet_hdr(&p, f, len, &h), ==, -EINVAL);
    len = ipv6_udp(f);
    g_assert_cmpint(netif_tx_vnet_hdr(&p, f, len, &h), ==, -EINVAL);

    p = send_pkt(NETTXF_csum_blank, 0);
    g_assert_cmpint(netif_tx_vnet_hdr(&p, f, len, &h), ==, 0);
    g_assert_cmpuint(h.csum_start, ==, 14 + 40 + 8);
    g_assert_cmpuint(h.csum_offset, ==, 6);

    p = send_pkt(NETTXF_data_validated, 0);
    g_assert_cmpint(netif_tx_vnet_hdr(&p, f, 1, &h), ==, 0);
    g_assert_cmpuint(h.flags, ==, VIRTIO_NET_HDR_F_DATA_VALID);

    /* Cut headers, fragments, other protocols. */
    p = send_pkt(NETTXF_csum_blank, 0);
    len = ipv4_tcp(f, false, 0);
    for (size_t cut = 0; cut < len; cut++) {
        g_assert_cmpint(netif_tx_vnet_hdr(&p, f, cut, &h), <, 0);
    }
    f[14 + 6] = 0x20;               /* IPv4 more fragments */
    g_assert_cmpint(netif_tx_vnet_hdr(&p, f, len, &h), ==, -EPROTO);
    len = ipv4_tcp(f, false, 0);
    f[14 + 9] = 1;                  /* ICMP */
    g_assert_cmpint(netif_tx_vnet_hdr(&p, f, len, &h), ==, -EPROTO);
    len = ipv4_tcp(f, false, 0);
    f[14] = 0x44;                   /* IHL below 20 bytes */
    g_assert_cmpint(netif_tx_vnet_hdr(&p, f, len, &h), ==, -EINVAL);
    len = eth(f, 0x0806, false) + 28;  /* ARP */
    g_assert_cmpint(netif_tx_vnet_hdr(&p, f, len, &h), ==, -EPROTO);
}

/*
 * XSA-423 and XSA-432: a small frame whose headers are spread over the
 * most slots a packet may use. The pieces are copied into one buffer,
 * as the data path's grant copy does, and the headers are found there.
 */
static void test_split_headers(void)
{
    uint8_t frame[128], pages[NETIF_TX_PIECES_MAX][XEN_PAGE_SIZE];
    uint8_t copy[128];
    struct virtio_net_hdr h;
    Slots s = { 0 };
    NetifTxPacket p;
    size_t len = ipv4_tcp(frame, false, 0), done = 0, pos;
    unsigned n = NETIF_TX_PIECES_MAX;
    size_t first = 14, rest = (len - first) / (n - 1);

    g_assert_cmpuint(len, <, 128);
    req(&s, 0, 4000, NETTXF_more_data | NETTXF_csum_blank, 0, len);
    memcpy(&pages[0][4000], frame, first);
    pos = first;
    for (unsigned i = 1; i < n; i++) {
        size_t sz = i + 1 < n ? rest : len - pos;

        req(&s, i, 7, i + 1 < n ? NETTXF_more_data : 0, i, sz);
        memcpy(&pages[i][7], frame + pos, sz);
        pos += sz;
    }
    g_assert_cmpuint(decode(&s, &p), ==, n);
    g_assert_cmpint(p.verdict, ==, NETIF_TX_SEND);
    g_assert_cmpuint(p.npieces, ==, n);
    for (unsigned i = 0; i < p.npieces; i++) {
        const NetifTxPiece *pc = &p.pieces[i];

        g_assert_cmpuint(done + pc->size, <=, sizeof(copy));
        memcpy(copy + done, &pages[pc->gref][pc->offset], pc->size);
        done += pc->size;
    }
    g_assert_cmpuint(done, ==, p.size);
    g_assert_cmpmem(copy, done, frame, len);
    g_assert_cmpint(netif_tx_vnet_hdr(&p, copy, done, &h), ==, 0);
    g_assert_cmpuint(h.csum_start, ==, 14 + 24);
}

static void test_rx(void)
{
    struct virtio_net_hdr h = { 0 };
    struct netif_extra_info e = { .type = XEN_NETIF_EXTRA_TYPE_GSO };
    struct netif_rx_response r;
    uint8_t slot[NETIF_RX_SLOT_SIZE];

    g_assert_cmpuint(netif_rx_slots(0, false, false), ==, 1);
    g_assert_cmpuint(netif_rx_slots(60, false, false), ==, 1);
    g_assert_cmpuint(netif_rx_slots(4096, false, false), ==, 1);
    g_assert_cmpuint(netif_rx_slots(4097, true, false), ==, 3);
    g_assert_cmpuint(netif_rx_slots(65535 + 18, true, true), ==, 19);

    g_assert_cmpuint(netif_rx_flags(&h), ==, 0);
    h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    g_assert_cmpuint(netif_rx_flags(&h), ==, NETRXF_data_validated);
    h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    g_assert_cmpuint(netif_rx_flags(&h), ==,
                     NETRXF_data_validated | NETRXF_csum_blank);

    netif_rx_put_rsp(slot, 3, 0, NETRXF_more_data, 4096);
    memcpy(&r, slot, sizeof(r));
    g_assert_cmpuint(r.id, ==, 3);
    g_assert_cmpuint(r.flags, ==, NETRXF_more_data);
    g_assert_cmpint(r.status, ==, 4096);
    memset(slot, 0xff, sizeof(slot));
    e.u.gso.size = 1448;
    netif_rx_put_extra(slot, &e);
    g_assert_cmpuint(slot[0], ==, XEN_NETIF_EXTRA_TYPE_GSO);
    g_assert_cmpuint(slot[7], ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netif/tx/single", test_single);
    g_test_add_func("/netif/tx/gso-chain", test_gso_chain);
    g_test_add_func("/netif/tx/first-smaller", test_first_smaller);
    g_test_add_func("/netif/tx/zero-length", test_zero_length);
    g_test_add_func("/netif/tx/oversized", test_oversized);
    g_test_add_func("/netif/tx/slot-limits", test_slot_limits);
    g_test_add_func("/netif/tx/extra-types", test_extra_types);
    g_test_add_func("/netif/tx/gso-bad", test_gso_bad);
    g_test_add_func("/netif/tx/short-first", test_short_first);
    g_test_add_func("/netif/tx/truncated", test_truncated);
    g_test_add_func("/netif/tx/mcast", test_mcast);
    g_test_add_func("/netif/tx/put-rsp", test_put_rsp);
    g_test_add_func("/netif/tx/vnet-hdr", test_vnet_hdr);
    g_test_add_func("/netif/tx/split-headers", test_split_headers);
    g_test_add_func("/netif/rx", test_rx);
    return g_test_run();
}
