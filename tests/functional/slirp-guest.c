/*
 * A guest's DHCP and TCP frames for -netdev user; see slirp-guest.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net-offload.h"
#include "slirp-guest.h"

#define BOOTP_LEN 548

uint16_t slirp_guest_be16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

uint32_t slirp_guest_be32(const uint8_t *p)
{
    return (uint32_t)slirp_guest_be16(p) << 16 | slirp_guest_be16(p + 2);
}

static void set16(uint8_t *p, unsigned v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void set32(uint8_t *p, uint32_t v)
{
    set16(p, v >> 16);
    set16(p + 2, v);
}

/* An IPv4 header at @ip for @proto with @payload bytes after it. */
static void ip4(uint8_t *ip, uint8_t proto, size_t payload, const char *src,
                const char *dst)
{
    memset(ip, 0, 20);
    ip[0] = 0x45;
    set16(ip + 2, 20 + payload);
    ip[8] = 64;
    ip[9] = proto;
    inet_pton(AF_INET, src, ip + 12);
    inet_pton(AF_INET, dst, ip + 16);
    set16(ip + 10, ~net_csum_fold(net_csum_add(0, ip, 20)));
}

size_t slirp_guest_dhcp_frame(uint8_t *f, const uint8_t mac[6], uint32_t xid,
                              uint8_t type, const char *requested,
                              const char *server)
{
    uint8_t *udp = f + 34, *bp = udp + 8, *opt = bp + 240;

    memset(f, 0, SLIRP_GUEST_DHCP_LEN);
    memset(f, 0xff, 6);
    memcpy(f + 6, mac, 6);
    set16(f + 12, 0x0800);
    ip4(f + 14, 17, 8 + BOOTP_LEN, "0.0.0.0", "255.255.255.255");
    set16(udp, 68);
    set16(udp + 2, 67);
    set16(udp + 4, 8 + BOOTP_LEN);
    bp[0] = 1;                  /* BOOTREQUEST */
    bp[1] = 1;
    bp[2] = 6;
    set32(bp + 4, xid);
    set16(bp + 10, 0x8000);     /* broadcast */
    memcpy(bp + 28, mac, 6);
    memcpy(bp + 236, "\x63\x82\x53\x63", 4);
    *opt++ = 53;
    *opt++ = 1;
    *opt++ = type;
    if (requested) {
        *opt++ = 50;
        *opt++ = 4;
        inet_pton(AF_INET, requested, opt);
        opt += 4;
    }
    if (server) {
        *opt++ = 54;
        *opt++ = 4;
        inet_pton(AF_INET, server, opt);
        opt += 4;
    }
    *opt = 255;
    return SLIRP_GUEST_DHCP_LEN;
}

bool slirp_guest_find_dhcp_reply(GPtrArray *got, uint32_t xid, uint8_t type,
                                 char *yiaddr, char *server)
{
    for (guint i = 0; i < got->len; i++) {
        GByteArray *b = g_ptr_array_index(got, i);
        const uint8_t *bp = b->data + 42;
        size_t len = b->len;
        bool match = false;

        if (len < 42 + 240 || slirp_guest_be16(b->data + 12) != 0x0800 ||
            b->data[23] != 17 || slirp_guest_be16(b->data + 36) != 68 ||
            bp[0] != 2 || slirp_guest_be32(bp + 4) != xid) {
            continue;
        }
        for (size_t o = 42 + 240; o + 2 <= len && b->data[o] != 255;
             o += 2 + b->data[o + 1]) {
            const uint8_t *opt = b->data + o;

            if (opt[0] == 54 && opt[1] == 4 && o + 6 <= len) {
                inet_ntop(AF_INET, opt + 2, server, INET_ADDRSTRLEN);
            }
            if (opt[0] == 53 && opt[1] == 1 && o + 3 <= len &&
                opt[2] == type) {
                match = true;
            }
        }
        if (match) {
            inet_ntop(AF_INET, bp + 16, yiaddr, INET_ADDRSTRLEN);
            return true;
        }
    }
    return false;
}

size_t slirp_guest_tcp_frame(uint8_t *f, const uint8_t src_mac[6],
                             const uint8_t dst_mac[6], const char *src,
                             const char *dst, uint16_t sport, uint16_t dport,
                             uint32_t seq, uint32_t ack, uint8_t flags,
                             const char *data)
{
    size_t dlen = data ? strlen(data) : 0;
    uint8_t *tcp = f + 34;
    uint32_t sum;

    memcpy(f, dst_mac, 6);
    memcpy(f + 6, src_mac, 6);
    set16(f + 12, 0x0800);
    ip4(f + 14, 6, 20 + dlen, src, dst);
    memset(tcp, 0, 20);
    set16(tcp, sport);
    set16(tcp + 2, dport);
    set32(tcp + 4, seq);
    set32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    set16(tcp + 14, 65535);
    if (dlen) {
        memcpy(tcp + 20, data, dlen);
    }
    sum = net_csum_fold(net_csum_add(0, f + 26, 8)) + 6 + 20 + dlen;
    set16(tcp + 16, ~net_csum_fold(net_csum_add(sum, tcp, 20 + dlen)));
    return 34 + 20 + dlen;
}

GByteArray *slirp_guest_find_tcp(GPtrArray *got, guint *from, uint16_t port,
                                 uint8_t flags, size_t min_data)
{
    for (; *from < got->len; (*from)++) {
        GByteArray *b = g_ptr_array_index(got, *from);

        if (b->len >= 54 && slirp_guest_be16(b->data + 12) == 0x0800 &&
            b->data[23] == 6 && slirp_guest_be16(b->data + 36) == port &&
            (b->data[47] & flags) == flags &&
            slirp_guest_be16(b->data + 16) - 40 >= (int)min_data) {
            return b;
        }
    }
    return NULL;
}

uint16_t slirp_guest_free_port(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    close(fd);
    return ntohs(sa.sin_port);
}
