/*
 * A guest's side of -netdev user (libslirp), by hand: the DHCP and TCP
 * frames a guest sends and the look-ups in what slirp sent back, for
 * tests that play the guest on the netdev directly (test-net-slirp) or
 * through a vif's rings (test-xen-net-user).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_FUNCTIONAL_SLIRP_GUEST_H
#define TESTS_FUNCTIONAL_SLIRP_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* A DHCP frame: Ethernet, IPv4, UDP and a BOOTP message of 548 bytes. */
#define SLIRP_GUEST_DHCP_LEN (34 + 8 + 548)

uint16_t slirp_guest_be16(const uint8_t *p);
uint32_t slirp_guest_be32(const uint8_t *p);

/*
 * A DHCP request from @mac of @type (1 DISCOVER, 3 REQUEST) with
 * transaction @xid, asking for @requested from @server (both optional),
 * broadcast; returns its length.
 */
size_t slirp_guest_dhcp_frame(uint8_t *f, const uint8_t mac[6], uint32_t xid,
                              uint8_t type, const char *requested,
                              const char *server);
/*
 * The DHCP reply of @type (2 OFFER, 5 ACK) to @xid among @got (of
 * GByteArray frames): its yiaddr and server identifier (dotted, at
 * least INET_ADDRSTRLEN bytes each).
 */
bool slirp_guest_find_dhcp_reply(GPtrArray *got, uint32_t xid, uint8_t type,
                                 char *yiaddr, char *server);

/*
 * A TCP segment of @flags from @src_mac's @src:@sport to @dst_mac's
 * @dst:@dport carrying the string @data (or none), checksums filled in;
 * returns its length.
 */
size_t slirp_guest_tcp_frame(uint8_t *f, const uint8_t src_mac[6],
                             const uint8_t dst_mac[6], const char *src,
                             const char *dst, uint16_t sport, uint16_t dport,
                             uint32_t seq, uint32_t ack, uint8_t flags,
                             const char *data);
/*
 * The first TCP segment to port @port among @got at or after *@from
 * with all of @flags and at least @min_data bytes of payload; *@from is
 * left at it.
 */
GByteArray *slirp_guest_find_tcp(GPtrArray *got, guint *from, uint16_t port,
                                 uint8_t flags, size_t min_data);

/* A TCP port on 127.0.0.1 that was free a moment ago, for hostfwd=. */
uint16_t slirp_guest_free_port(void);

#endif /* TESTS_FUNCTIONAL_SLIRP_GUEST_H */
