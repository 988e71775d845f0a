/*
 * Header parsing and checksums for the test netfront: where a frame's
 * TCP or UDP header starts (what skb_checksum_setup() finds for a frame
 * the backend marked csum_blank), and the software checksum a guest
 * fills in when its device cannot leave it blank. Pure functions over a
 * frame in memory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GUESTS_NETFRONT_CSUM_H
#define XENNER_GUESTS_NETFRONT_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct NetFrontL4 {
    bool ipv6;
    bool tcp;                   /* else UDP */
    uint16_t start;             /* offset of the TCP/UDP header */
    uint16_t csum_offset;       /* of the checksum field, from start */
    uint16_t hdr_len;           /* the TCP/UDP header's length */
} NetFrontL4;

/*
 * Ethernet (one optional VLAN tag), IPv4 (not a fragment) or IPv6 (hop
 * by hop, routing and destination options skipped), then TCP or UDP
 * whose header is all inside the frame. False for anything else.
 */
bool netfront_parse_l4(const uint8_t *f, size_t len, NetFrontL4 *l4);
/* An Ethernet frame carrying IPv6 (after an optional VLAN tag). */
bool netfront_frame_is_ipv6(const uint8_t *f, size_t len);
/*
 * Completes a checksum left blank as virtio-net has it: the field at
 * @start + @offset holds the pseudo-header sum; the sum over @start to
 * the end goes there, complemented. The caller checked the bounds.
 */
void netfront_csum_fill(uint8_t *f, size_t len, uint16_t start,
                        uint16_t offset);
/* The ones' complement sum of @len bytes, folded, not complemented. */
uint16_t netfront_csum_fold(const uint8_t *p, size_t len, uint32_t sum);

#endif /* XENNER_GUESTS_NETFRONT_CSUM_H */
