/*
 * Header parsing and checksums for the test netfront; see
 * netfront-csum.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "netfront-csum.h"

#include <string.h>

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define PROTO_TCP 6
#define PROTO_UDP 17

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)p[0] << 8 | p[1];
}

/* The L3 header's offset and its ethertype; false if too short. */
static bool parse_eth(const uint8_t *f, size_t len, size_t *off,
                      uint16_t *type)
{
    if (len < ETH_HLEN) {
        return false;
    }
    *type = get16(f + 12);
    *off = ETH_HLEN;
    if (*type == ETHERTYPE_VLAN) {
        if (len < ETH_HLEN + 4) {
            return false;
        }
        *type = get16(f + 16);
        *off += 4;
    }
    return true;
}

bool netfront_frame_is_ipv6(const uint8_t *f, size_t len)
{
    size_t off;
    uint16_t type;

    return parse_eth(f, len, &off, &type) && type == ETHERTYPE_IPV6;
}

bool netfront_parse_l4(const uint8_t *f, size_t len, NetFrontL4 *l4)
{
    size_t off, l4off;
    uint16_t type;
    uint8_t proto;

    memset(l4, 0, sizeof(*l4));
    if (!parse_eth(f, len, &off, &type)) {
        return false;
    }
    if (type == ETHERTYPE_IPV4) {
        size_t ihl;

        if (len < off + 20 || (f[off] >> 4) != 4) {
            return false;
        }
        ihl = (size_t)(f[off] & 0xf) * 4;
        /* A fragment (MF or an offset) has no L4 header to find. */
        if (ihl < 20 || len < off + ihl || (get16(f + off + 6) & 0x3fff)) {
            return false;
        }
        proto = f[off + 9];
        l4off = off + ihl;
    } else if (type == ETHERTYPE_IPV6) {
        if (len < off + 40 || (f[off] >> 4) != 6) {
            return false;
        }
        proto = f[off + 6];
        l4off = off + 40;
        /* Hop-by-hop, routing, destination options: (len + 1) * 8. */
        while (proto == 0 || proto == 43 || proto == 60) {
            if (len < l4off + 8) {
                return false;
            }
            proto = f[l4off];
            l4off += ((size_t)f[l4off + 1] + 1) * 8;
        }
        l4->ipv6 = true;
    } else {
        return false;
    }
    if (proto == PROTO_TCP) {
        size_t doff;

        if (len < l4off + 20) {
            return false;
        }
        doff = (size_t)(f[l4off + 12] >> 4) * 4;
        if (doff < 20 || len < l4off + doff) {
            return false;
        }
        l4->tcp = true;
        l4->csum_offset = 16;
        l4->hdr_len = doff;
    } else if (proto == PROTO_UDP) {
        if (len < l4off + 8) {
            return false;
        }
        l4->csum_offset = 6;
        l4->hdr_len = 8;
    } else {
        return false;
    }
    if (l4off > UINT16_MAX) {
        return false;
    }
    l4->start = l4off;
    return true;
}

uint16_t netfront_csum_fold(const uint8_t *p, size_t len, uint32_t sum)
{
    uint64_t s = sum;

    for (size_t i = 0; i + 1 < len; i += 2) {
        s += get16(p + i);
    }
    if (len & 1) {
        s += (uint16_t)p[len - 1] << 8;
    }
    while (s >> 16) {
        s = (s & 0xffff) + (s >> 16);
    }
    return s;
}

void netfront_csum_fill(uint8_t *f, size_t len, uint16_t start,
                        uint16_t offset)
{
    /* The field's pseudo-header sum is part of what is summed. */
    uint16_t c = ~netfront_csum_fold(f + start, len - start, 0);

    /* UDP sends a zero sum as all ones (RFC 768). */
    if (c == 0 && offset == 6) {
        c = 0xffff;
    }
    f[start + offset] = c >> 8;
    f[start + offset + 1] = c & 0xff;
}
