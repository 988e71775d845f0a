/*
 * Software offloads (net/net-offload.c): every segment a GSO frame is
 * cut into is checked on its own (IP and TCP checksums recomputed here,
 * lengths, ids, sequence numbers, flags) and the payload reassembled;
 * every field a guest could get wrong is refused.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "net/net-offload.h"
#include "net/net.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

typedef struct Frame {
    uint8_t buf[NET_FRAME_MAX];
    size_t len;
    size_t l3, l4, payload;     /* offsets */
    bool ipv6;
} Frame;

static uint16_t be16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)be16(p) << 16 | be16(p + 2);
}

static void set16(uint8_t *p, unsigned v)
{
    p[0] = v >> 8;
    p[1] = v;
}

/* The test's own ones' complement sum, written apart from the code's. */
static unsigned ref_sum(const uint8_t *p, size_t n, unsigned long acc)
{
    for (size_t i = 0; i < n; i++) {
        acc += (i & 1) ? p[i] : (unsigned)p[i] << 8;
    }
    return acc % 0xffff ? acc % 0xffff : (acc ? 0xffff : 0);
}

/* True when the TCP checksum of the packet at @l3/@l4..@end verifies. */
static bool ref_tcp_ok(const uint8_t *f, size_t l3, size_t l4, size_t end,
                       bool ipv6)
{
    unsigned long acc = 6 + (end - l4);

    if (ipv6) {
        acc += ref_sum(f + l3 + 8, 32, 0);
    } else {
        acc += ref_sum(f + l3 + 12, 8, 0);
    }
    return ref_sum(f + l4, end - l4, acc) == 0xffff;
}

static bool ref_ip4_ok(const uint8_t *f, size_t l3)
{
    return ref_sum(f + l3, (f[l3] & 0xf) * 4, 0) == 0xffff;
}

/* A TCP frame of @payload bytes, its checksums right, @vlan tags first. */
static void build(Frame *fr, bool ipv6, size_t payload, unsigned vlan,
                  uint8_t tcp_flags)
{
    uint8_t *b = fr->buf;
    size_t off = 12;
    unsigned long acc;

    memset(fr, 0, sizeof(*fr));
    memset(b, 0x02, 6);
    memset(b + 6, 0x04, 6);
    for (unsigned i = 0; i < vlan; i++) {
        set16(b + off, i == 0 && vlan == 2 ? 0x88a8 : 0x8100);
        set16(b + off + 2, 100 + i);
        off += 4;
    }
    set16(b + off, ipv6 ? 0x86dd : 0x0800);
    fr->l3 = off + 2;
    fr->ipv6 = ipv6;
    if (ipv6) {
        b[fr->l3] = 0x60;
        set16(b + fr->l3 + 4, 20 + payload);
        b[fr->l3 + 6] = 6;
        b[fr->l3 + 7] = 64;
        for (int i = 0; i < 16; i++) {
            b[fr->l3 + 8 + i] = 0xfd;
            b[fr->l3 + 24 + i] = i;
        }
        fr->l4 = fr->l3 + 40;
    } else {
        b[fr->l3] = 0x45;
        set16(b + fr->l3 + 2, 20 + 20 + payload);
        set16(b + fr->l3 + 4, 0xfffe);      /* the id wraps */
        set16(b + fr->l3 + 6, 0x4000);      /* DF */
        b[fr->l3 + 8] = 64;
        b[fr->l3 + 9] = 6;
        memcpy(b + fr->l3 + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
        set16(b + fr->l3 + 10, ~ref_sum(b + fr->l3, 20, 0));
        fr->l4 = fr->l3 + 20;
    }
    set16(b + fr->l4, 40000);
    set16(b + fr->l4 + 2, 5201);
    memcpy(b + fr->l4 + 4, "\xff\xff\xf0\x00", 4);  /* seq wraps */
    memcpy(b + fr->l4 + 8, "\x00\x00\x00\x07", 4);
    b[fr->l4 + 12] = 5 << 4;
    b[fr->l4 + 13] = tcp_flags;
    set16(b + fr->l4 + 14, 65535);
    fr->payload = fr->l4 + 20;
    for (size_t i = 0; i < payload; i++) {
        b[fr->payload + i] = (uint8_t)(i * 7 + i / 256);
    }
    fr->len = fr->payload + payload;
    acc = 6 + 20 + payload;
    acc = ipv6 ? ref_sum(b + fr->l3 + 8, 32, acc)
               : ref_sum(b + fr->l3 + 12, 8, acc);
    set16(b + fr->l4 + 16, ~ref_sum(b + fr->l4, 20 + payload, acc));
    g_assert_true(ref_tcp_ok(b, fr->l3, fr->l4, fr->len, ipv6));
}

static struct virtio_net_hdr gso_hdr(const Frame *fr, unsigned mss)
{
    return (struct virtio_net_hdr) {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = fr->ipv6 ? VIRTIO_NET_HDR_GSO_TCPV6
                             : VIRTIO_NET_HDR_GSO_TCPV4,
        .hdr_len = fr->payload,
        .gso_size = mss,
        .csum_start = fr->l4,
        .csum_offset = 16,
    };
}

/* ---- checksum ---------------------------------------------------------- */

static void test_csum(void)
{
    for (int v6 = 0; v6 < 2; v6++) {
        for (size_t payload = 0; payload < 40; payload += 7) {
            Frame fr;
            struct virtio_net_hdr hdr;
            uint16_t want;
            unsigned long acc;

            build(&fr, v6, payload, 0, TCP_ACK);
            want = be16(fr.buf + fr.l4 + 16);
            /* What a sender leaves: the pseudo-header's sum, uninverted. */
            acc = 6 + 20 + payload;
            acc = v6 ? ref_sum(fr.buf + fr.l3 + 8, 32, acc)
                     : ref_sum(fr.buf + fr.l3 + 12, 8, acc);
            set16(fr.buf + fr.l4 + 16, acc);
            hdr = gso_hdr(&fr, 0);
            hdr.gso_type = VIRTIO_NET_HDR_GSO_NONE;
            g_assert_cmpint(net_offload_check(&hdr, fr.buf, fr.len), ==, 0);
            g_assert_cmpint(net_offload_csum(&hdr, fr.buf, fr.len), ==, 0);
            g_assert_cmphex(be16(fr.buf + fr.l4 + 16), ==, want);
            g_assert_true(ref_tcp_ok(fr.buf, fr.l3, fr.l4, fr.len, v6));
        }
    }
}

static void test_csum_bad(void)
{
    Frame fr;
    struct virtio_net_hdr hdr = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM };

    build(&fr, false, 10, 0, TCP_ACK);
    hdr.csum_start = fr.len;
    g_assert_cmpint(net_offload_check(&hdr, fr.buf, fr.len), ==, -EINVAL);
    g_assert_cmpint(net_offload_csum(&hdr, fr.buf, fr.len), ==, -EINVAL);
    hdr.csum_start = fr.len - 2;
    hdr.csum_offset = 1;
    g_assert_cmpint(net_offload_check(&hdr, fr.buf, fr.len), ==, -EINVAL);
    hdr.csum_offset = 0;
    g_assert_cmpint(net_offload_check(&hdr, fr.buf, fr.len), ==, 0);
    hdr.csum_start = 0xffff;
    hdr.csum_offset = 0xffff;
    g_assert_cmpint(net_offload_check(&hdr, fr.buf, fr.len), ==, -EINVAL);
    /* No NEEDS_CSUM: nothing to finish. */
    hdr.flags = 0;
    g_assert_cmpint(net_offload_csum(&hdr, fr.buf, fr.len), ==, -EINVAL);
}

/* ---- segmentation ------------------------------------------------------ */

/* Cuts @fr and checks every segment and the payload they carry. */
static void check_gso(const Frame *fr, unsigned mss)
{
    struct virtio_net_hdr hdr = gso_hdr(fr, mss);
    size_t payload = fr->len - fr->payload;
    size_t nseg = (payload + mss - 1) / mss;
    g_autofree uint8_t *seg = g_malloc(NET_FRAME_MAX);
    g_autofree uint8_t *joined = g_malloc(payload);
    uint32_t seq0 = be32(fr->buf + fr->l4 + 4);
    uint8_t flags0 = fr->buf[fr->l4 + 13];
    size_t got = 0;
    NetGso g;
    size_t n;
    unsigned i = 0;

    g_assert_cmpint(net_offload_check(&hdr, fr->buf, fr->len), ==, 0);
    g_assert_cmpint(net_offload_gso_init(&g, &hdr, fr->buf, fr->len), ==, 0);
    while ((n = net_offload_gso_next(&g, fr->buf, seg))) {
        size_t chunk = n - fr->payload;
        bool first = i == 0, last = i == nseg - 1;
        uint8_t flags = seg[fr->l4 + 13];

        g_assert_cmpuint(i, <, nseg);
        g_assert_cmpuint(chunk, ==, last ? payload - (nseg - 1) * mss : mss);
        /* Everything before the IP header is the frame's own. */
        g_assert_cmpmem(seg, fr->l3, fr->buf, fr->l3);
        if (fr->ipv6) {
            g_assert_cmpuint(be16(seg + fr->l3 + 4), ==, 20 + chunk);
        } else {
            g_assert_cmpuint(be16(seg + fr->l3 + 2), ==, 40 + chunk);
            g_assert_cmpuint(be16(seg + fr->l3 + 4), ==,
                             (uint16_t)(be16(fr->buf + fr->l3 + 4) + i));
            g_assert_true(ref_ip4_ok(seg, fr->l3));
        }
        g_assert_true(ref_tcp_ok(seg, fr->l3, fr->l4, n, fr->ipv6));
        g_assert_cmpuint(be32(seg + fr->l4 + 4), ==,
                         (uint32_t)(seq0 + i * mss));
        g_assert_cmpuint(flags & (TCP_FIN | TCP_PSH), ==,
                         last ? flags0 & (TCP_FIN | TCP_PSH) : 0);
        g_assert_cmpuint(flags & TCP_CWR, ==, first ? flags0 & TCP_CWR : 0);
        g_assert_cmpuint(flags & TCP_ACK, ==, flags0 & TCP_ACK);
        memcpy(joined + got, seg + fr->payload, chunk);
        got += chunk;
        i++;
    }
    g_assert_cmpuint(i, ==, nseg);
    g_assert_cmpuint(got, ==, payload);
    g_assert_cmpmem(joined, payload, fr->buf + fr->payload, payload);
    /* Done stays done. */
    g_assert_cmpuint(net_offload_gso_next(&g, fr->buf, seg), ==, 0);
}

static void test_gso(void)
{
    static const struct {
        size_t payload;
        unsigned mss;
    } cases[] = {
        { 10000, 1448 }, { 1448, 1448 }, { 1449, 1448 }, { 65000, 1460 },
        { 63000, 8960 }, { 5, 1 }, { 3001, 2 }, { 1000, 999 },
    };

    for (int v6 = 0; v6 < 2; v6++) {
        for (unsigned vlan = 0; vlan <= 2; vlan++) {
            for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
                g_autofree Frame *fr = g_new(Frame, 1);
                size_t payload = cases[c].payload;

                if (payload + 14 + 8 + 60 > NET_FRAME_MAX) {
                    payload -= 100;
                }
                build(fr, v6, payload, vlan,
                      TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR);
                check_gso(fr, cases[c].mss);
                build(fr, v6, payload, vlan, TCP_ACK);
                check_gso(fr, cases[c].mss);
            }
        }
    }
}

/* Trailing bytes past the IP packet (Ethernet padding) are not payload. */
static void test_gso_padding(void)
{
    g_autofree Frame *fr = g_new(Frame, 1);
    g_autofree uint8_t *seg = g_malloc(NET_FRAME_MAX);
    struct virtio_net_hdr hdr;
    NetGso g;
    size_t n, total = 0;

    build(fr, false, 3000, 0, TCP_ACK);
    hdr = gso_hdr(fr, 1000);
    g_assert_cmpint(net_offload_gso_init(&g, &hdr, fr->buf, fr->len + 9),
                    ==, 0);
    while ((n = net_offload_gso_next(&g, fr->buf, seg))) {
        total += n - fr->payload;
    }
    g_assert_cmpuint(total, ==, 3000);
}

static void expect_einval(const Frame *fr, const struct virtio_net_hdr *hdr,
                          size_t len)
{
    NetGso g;

    g_assert_cmpint(net_offload_check(hdr, fr->buf, len), ==, -EINVAL);
    g_assert_cmpint(net_offload_gso_init(&g, hdr, fr->buf, len), ==,
                    -EINVAL);
}

static void test_gso_bad(void)
{
    g_autofree Frame *fr = g_new(Frame, 1);
    g_autofree Frame *f6 = g_new(Frame, 1);
    struct virtio_net_hdr hdr;

    build(fr, false, 3000, 0, TCP_ACK);
    build(f6, true, 3000, 0, TCP_ACK);

    hdr = gso_hdr(fr, 0);                       /* gso_size 0 */
    expect_einval(fr, &hdr, fr->len);
    hdr = gso_hdr(fr, 3001);                    /* larger than the payload */
    expect_einval(fr, &hdr, fr->len);
    hdr = gso_hdr(fr, 1000);
    hdr.hdr_len = fr->len + 1;                  /* hdr_len past the end */
    expect_einval(fr, &hdr, fr->len);
    hdr = gso_hdr(fr, 1000);
    hdr.csum_start = fr->len;                   /* csum_start past the end */
    expect_einval(fr, &hdr, fr->len);
    hdr = gso_hdr(fr, 1000);
    hdr.flags |= 0x80;                          /* unknown flag */
    expect_einval(fr, &hdr, fr->len);
    hdr.flags = 0;
    hdr.gso_type = VIRTIO_NET_HDR_GSO_UDP;      /* not TCP */
    expect_einval(fr, &hdr, fr->len);
    hdr.gso_type = VIRTIO_NET_HDR_GSO_ECN;      /* ECN on nothing */
    expect_einval(fr, &hdr, fr->len);
    hdr = gso_hdr(f6, 1000);                    /* v6 type, v4 frame */
    expect_einval(fr, &hdr, fr->len);
    hdr = gso_hdr(fr, 1000);
    expect_einval(f6, &hdr, f6->len);           /* and the other way */

    /* Truncated headers: every length short of the TCP header's end. */
    for (size_t len = 1; len < fr->payload; len++) {
        hdr = gso_hdr(fr, 1);
        hdr.flags = 0;
        hdr.hdr_len = 0;
        expect_einval(fr, &hdr, len);
    }
    for (size_t len = 1; len < f6->payload; len++) {
        hdr = gso_hdr(f6, 1);
        hdr.flags = 0;
        hdr.hdr_len = 0;
        expect_einval(f6, &hdr, len);
    }
    /* A frame cut short of what the IP header says. */
    hdr = gso_hdr(fr, 1000);
    expect_einval(fr, &hdr, fr->len - 1);
    hdr = gso_hdr(f6, 1000);
    expect_einval(f6, &hdr, f6->len - 1);

    hdr = gso_hdr(fr, 1000);
    fr->buf[fr->l3] = 0x44;                     /* ihl 4 */
    expect_einval(fr, &hdr, fr->len);
    fr->buf[fr->l3] = 0x45;
    set16(fr->buf + fr->l3 + 6, 0x2000);        /* a fragment (MF) */
    expect_einval(fr, &hdr, fr->len);
    set16(fr->buf + fr->l3 + 6, 0x0001);        /* a fragment (offset) */
    expect_einval(fr, &hdr, fr->len);
    set16(fr->buf + fr->l3 + 6, 0);
    fr->buf[fr->l3 + 9] = 17;                   /* UDP inside */
    expect_einval(fr, &hdr, fr->len);
    fr->buf[fr->l3 + 9] = 6;
    set16(fr->buf + fr->l3 + 2, 39);            /* total below headers */
    expect_einval(fr, &hdr, fr->len);
    set16(fr->buf + fr->l3 + 2, 40);            /* no payload at all */
    expect_einval(fr, &hdr, fr->len);
    set16(fr->buf + fr->l3 + 2, 3040);
    fr->buf[fr->l4 + 12] = 4 << 4;              /* TCP doff 4 */
    expect_einval(fr, &hdr, fr->len);
    fr->buf[fr->l4 + 12] = 15 << 4;             /* options past the end */
    set16(fr->buf + fr->l3 + 2, 20 + 50);
    expect_einval(fr, &hdr, fr->len);

    hdr = gso_hdr(f6, 1000);
    f6->buf[f6->l3 + 6] = 0;                    /* hop-by-hop options */
    expect_einval(f6, &hdr, f6->len);
    f6->buf[f6->l3 + 6] = 44;                   /* fragment header */
    expect_einval(f6, &hdr, f6->len);
    f6->buf[f6->l3 + 6] = 6;
    f6->buf[f6->l3] = 0x40;                     /* version 4 in a v6 frame */
    expect_einval(f6, &hdr, f6->len);

    /* Three VLAN tags is more than the kernel takes. */
    build(fr, false, 3000, 0, TCP_ACK);
    memmove(fr->buf + 24, fr->buf + 12, fr->len - 12);
    for (int i = 0; i < 3; i++) {
        set16(fr->buf + 12 + 4 * i, 0x8100);
        set16(fr->buf + 14 + 4 * i, 1);
    }
    fr->l3 += 12;
    fr->l4 += 12;
    fr->payload += 12;
    fr->len += 12;
    hdr = gso_hdr(fr, 1000);
    expect_einval(fr, &hdr, fr->len);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net-offload/csum", test_csum);
    g_test_add_func("/net-offload/csum-bad", test_csum_bad);
    g_test_add_func("/net-offload/gso", test_gso);
    g_test_add_func("/net-offload/gso-padding", test_gso_padding);
    g_test_add_func("/net-offload/gso-bad", test_gso_bad);
    return g_test_run();
}
