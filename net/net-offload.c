/*
 * Checksum and TCP segmentation offloads in software (net-offload.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "net/net-offload.h"

#include <errno.h>
#include <string.h>

#include "net/net.h"

#include <linux/if_ether.h>

#define IPPROTO_TCP_    6
#define IP4_MF          0x2000
#define IP4_OFFSET      0x1fff
#define TCP_FIN         0x01
#define TCP_PSH         0x08
#define TCP_CWR         0x80

static uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, v >> 16);
    put_be16(p + 2, v);
}

uint32_t net_csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
    uint64_t s = sum;
    size_t i;

    for (i = 0; i + 1 < len; i += 2) {
        s += get_be16(buf + i);
    }
    if (i < len) {
        s += (uint32_t)buf[i] << 8;
    }
    while (s >> 32) {
        s = (s & 0xffffffff) + (s >> 32);
    }
    return s;
}

uint16_t net_csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

static int check_csum_fields(const struct virtio_net_hdr *hdr, size_t len)
{
    if (!(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
        return 0;
    }
    if ((size_t)hdr->csum_start >= len ||
        (size_t)hdr->csum_start + hdr->csum_offset + 2 > len) {
        return -EINVAL;
    }
    return 0;
}

/*
 * The frame's headers for GSO, each checked against what holds it.
 * Every byte read lies below 14 + 8 + 60 + 60 (NET_OFFLOAD_HDRS_MAX).
 */
static int gso_parse(NetGso *g, const struct virtio_net_hdr *hdr,
                     const uint8_t *frame, size_t len)
{
    unsigned type = hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
    size_t off = ETH_HLEN - 2;
    uint16_t proto;
    size_t tcp_len;

    memset(g, 0, sizeof(*g));
    if (len < ETH_HLEN) {
        return -EINVAL;
    }
    proto = get_be16(frame + off);
    /* At most two VLAN tags (802.1ad then 802.1Q), as the kernel takes. */
    for (int tags = 0; proto == ETH_P_8021Q || proto == ETH_P_8021AD;
         tags++) {
        off += 4;
        if (tags == 2 || off + 2 > len) {
            return -EINVAL;
        }
        proto = get_be16(frame + off);
    }
    g->l3 = off + 2;
    if (type == VIRTIO_NET_HDR_GSO_TCPV4) {
        size_t ihl, tot;

        if (proto != ETH_P_IP || g->l3 + 20 > len ||
            frame[g->l3] >> 4 != 4) {
            return -EINVAL;
        }
        ihl = (frame[g->l3] & 0xf) * 4;
        tot = get_be16(frame + g->l3 + 2);
        if (ihl < 20 || tot < ihl || g->l3 + tot > len ||
            frame[g->l3 + 9] != IPPROTO_TCP_ ||
            (get_be16(frame + g->l3 + 6) & (IP4_MF | IP4_OFFSET))) {
            return -EINVAL;
        }
        g->l4 = g->l3 + ihl;
        g->end = g->l3 + tot;
    } else if (type == VIRTIO_NET_HDR_GSO_TCPV6) {
        if (proto != ETH_P_IPV6 || g->l3 + 40 > len ||
            frame[g->l3] >> 4 != 6) {
            return -EINVAL;
        }
        /* An extension header would need walking: refused, not guessed. */
        if (frame[g->l3 + 6] != IPPROTO_TCP_) {
            return -EINVAL;
        }
        g->l4 = g->l3 + 40;
        g->end = g->l4 + get_be16(frame + g->l3 + 4);
        if (g->end > len) {
            return -EINVAL;
        }
        g->ipv6 = true;
    } else {
        return -EINVAL;
    }
    if (g->l4 + 20 > g->end) {
        return -EINVAL;
    }
    tcp_len = (frame[g->l4 + 12] >> 4) * 4;
    if (tcp_len < 20 || g->l4 + tcp_len > g->end) {
        return -EINVAL;
    }
    g->hdr_len = g->l4 + tcp_len;
    if (hdr->gso_size == 0 || hdr->gso_size > g->end - g->hdr_len) {
        return -EINVAL;
    }
    g->mss = hdr->gso_size;
    g->next = g->hdr_len;
    return 0;
}

int net_offload_check(const struct virtio_net_hdr *hdr, const uint8_t *frame,
                      size_t len)
{
    NetGso g;

    if (!len || len > NET_FRAME_MAX ||
        (hdr->flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM |
                        VIRTIO_NET_HDR_F_DATA_VALID)) ||
        hdr->hdr_len > len || check_csum_fields(hdr, len)) {
        return -EINVAL;
    }
    if (hdr->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
        return 0;
    }
    return gso_parse(&g, hdr, frame, len);
}

int net_offload_csum(const struct virtio_net_hdr *hdr, uint8_t *frame,
                     size_t len)
{
    uint16_t sum;

    if (!(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
        check_csum_fields(hdr, len)) {
        return -EINVAL;
    }
    sum = ~net_csum_fold(net_csum_add(0, frame + hdr->csum_start,
                                      len - hdr->csum_start));
    /* As the kernel does: a sum of 0 means "none" to UDP. */
    put_be16(frame + hdr->csum_start + hdr->csum_offset,
             sum ? sum : 0xffff);
    return 0;
}

int net_offload_gso_init(NetGso *g, const struct virtio_net_hdr *hdr,
                         const uint8_t *frame, size_t len)
{
    int ret = net_offload_check(hdr, frame, len);

    if (ret) {
        return ret;
    }
    return gso_parse(g, hdr, frame, len);
}

size_t net_offload_gso_next(NetGso *g, const uint8_t *frame, uint8_t *out)
{
    size_t chunk, tcp_len, seg_len;
    uint8_t *ip = out + g->l3, *tcp = out + g->l4;
    bool first = g->index == 0, last;
    uint32_t sum;

    if (g->next >= g->end) {
        return 0;
    }
    chunk = g->end - g->next < g->mss ? g->end - g->next : g->mss;
    last = g->next + chunk == g->end;
    tcp_len = g->hdr_len - g->l4;
    seg_len = g->hdr_len + chunk;
    memcpy(out, frame, g->hdr_len);
    memcpy(out + g->hdr_len, frame + g->next, chunk);

    if (g->ipv6) {
        put_be16(ip + 4, tcp_len + chunk);
        sum = net_csum_add(0, ip + 8, 32);          /* addresses */
    } else {
        put_be16(ip + 2, seg_len - g->l3);
        put_be16(ip + 4, get_be16(frame + g->l3 + 4) + g->index);
        put_be16(ip + 10, 0);
        put_be16(ip + 10, ~net_csum_fold(net_csum_add(0, ip,
                                                       g->l4 - g->l3)));
        sum = net_csum_add(0, ip + 12, 8);          /* addresses */
    }
    /* Folded first: the addition cannot carry out of 32 bits. */
    sum = net_csum_fold(sum) + IPPROTO_TCP_ + tcp_len + chunk;

    put_be32(tcp + 4, get_be32(frame + g->l4 + 4) +
             (uint32_t)(g->next - g->hdr_len));
    if (!last) {
        tcp[13] &= ~(TCP_FIN | TCP_PSH);
    }
    if (!first) {
        tcp[13] &= ~TCP_CWR;
    }
    put_be16(tcp + 16, 0);
    sum = net_csum_add(sum, tcp, tcp_len + chunk);
    put_be16(tcp + 16, ~net_csum_fold(sum));

    g->next += chunk;
    g->index++;
    return seg_len;
}
