/*
 * Offloads done in software, over one linear frame: finishing a
 * NEEDS_CSUM frame's checksum and cutting a TCP GSO frame into the
 * segments the kernel's tcp_gso_segment() would send. Pure logic: every
 * field of the virtio-net header and of the frame's own headers is
 * checked against the frame before it is used, and a frame they
 * contradict is -EINVAL, since the header comes from a guest.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef NET_NET_OFFLOAD_H
#define NET_NET_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_net.h>

/* Where a GSO frame's parts are, once checked; and how far it is cut. */
typedef struct NetGso {
    size_t l3;              /* the IP header */
    size_t l4;              /* the TCP header */
    size_t hdr_len;         /* Ethernet + IP + TCP: before every segment */
    size_t end;             /* the end of the IP packet (no padding) */
    size_t next;            /* the next payload byte to send */
    unsigned mss;           /* gso_size */
    unsigned index;         /* segments made so far */
    bool ipv6;
} NetGso;

/*
 * net_offload_check() reads no byte of the frame at or past this: the
 * headers it looks at (Ethernet, two VLAN tags, IP, TCP) end before. A
 * caller may pass just the first MIN(len, NET_OFFLOAD_HDRS_MAX) bytes
 * with the whole frame's @len, to check a frame it will not copy.
 */
#define NET_OFFLOAD_HDRS_MAX 256

/*
 * 0 when @hdr fits the @len bytes of @frame: known flags and GSO type,
 * hdr_len and csum_start/csum_offset inside it, and for GSO a TCP/IPv4
 * or TCP/IPv6 packet (no IPv6 extension headers, no IPv4 fragment) with
 * a gso_size from 1 to its payload. -EINVAL otherwise.
 */
int net_offload_check(const struct virtio_net_hdr *hdr, const uint8_t *frame,
                      size_t len);

/*
 * Writes the checksum NEEDS_CSUM asks for: the ones' complement sum from
 * csum_start to the end of the frame, at csum_start + csum_offset,
 * where the sender left the pseudo-header's sum. -EINVAL when the
 * header's offsets do not fit.
 */
int net_offload_csum(const struct virtio_net_hdr *hdr, uint8_t *frame,
                     size_t len);

/* Checks a GSO frame (as net_offload_check()) and starts cutting it. */
int net_offload_gso_init(NetGso *g, const struct virtio_net_hdr *hdr,
                         const uint8_t *frame, size_t len);

/*
 * The next segment of the frame net_offload_gso_init() accepted, written
 * to @out (room for g->hdr_len + g->mss bytes) with its IP and TCP
 * headers and checksums complete: its length, or 0 after the last.
 */
size_t net_offload_gso_next(NetGso *g, const uint8_t *frame, uint8_t *out);

/* The ones' complement sum of @len bytes, added to @sum (not folded). */
uint32_t net_csum_add(uint32_t sum, const uint8_t *buf, size_t len);
/* @sum folded to 16 bits (not inverted). */
uint16_t net_csum_fold(uint32_t sum);

#endif /* NET_NET_OFFLOAD_H */
