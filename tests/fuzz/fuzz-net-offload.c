/*
 * libFuzzer target: the software offloads (net/net-offload.c) on what a
 * guest sends: a virtio-net header (10 bytes, as the net backend builds
 * it from netif's flags and GSO extra) and the frame. Whatever check()
 * accepts must be finished or cut without reading or writing out of
 * bounds, and the segments must carry exactly the payload, in order,
 * each within its size and with its IPv4 header checksum right; and
 * the check reads nothing past NET_OFFLOAD_HDRS_MAX bytes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net-offload.h"
#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct virtio_net_hdr hdr;
    uint8_t *frame, *seg;
    size_t len, n, got;
    NetGso g;
    int ok;

    if (size < sizeof(hdr)) {
        return 0;
    }
    memcpy(&hdr, data, sizeof(hdr));
    len = size - sizeof(hdr);
    if (len > NET_FRAME_MAX) {
        return 0;
    }
    /* Exactly the frame's bytes, so ASan sees any read past them. */
    frame = malloc(len ? len : 1);
    memcpy(frame, data + sizeof(hdr), len);
    ok = net_offload_check(&hdr, frame, len) == 0;
    {
        /* The headers alone give the same answer (net.c relies on it). */
        size_t plen = len < NET_OFFLOAD_HDRS_MAX ? len : NET_OFFLOAD_HDRS_MAX;
        uint8_t *head = malloc(plen ? plen : 1);

        memcpy(head, frame, plen);
        if ((net_offload_check(&hdr, head, len) == 0) != ok) {
            abort();
        }
        free(head);
    }

    if (hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
        if (ok && (hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
            net_offload_csum(&hdr, frame, len)) {
            abort();
        }
        free(frame);
        return 0;
    }
    if ((net_offload_gso_init(&g, &hdr, frame, len) == 0) != ok) {
        abort();
    }
    if (!ok) {
        free(frame);
        return 0;
    }
    if (g.hdr_len > len || g.end > len || g.mss == 0 ||
        g.mss > g.end - g.hdr_len) {
        abort();
    }
    seg = malloc(g.hdr_len + g.mss);
    got = 0;
    while ((n = net_offload_gso_next(&g, frame, seg))) {
        size_t chunk = n - g.hdr_len;

        if (n <= g.hdr_len || chunk > g.mss ||
            memcmp(seg + g.hdr_len, frame + g.hdr_len + got, chunk)) {
            abort();
        }
        if (!g.ipv6 &&
            net_csum_fold(net_csum_add(0, seg + g.l3, g.l4 - g.l3)) !=
            0xffff) {
            abort();
        }
        got += chunk;
    }
    if (got != g.end - g.hdr_len) {
        abort();
    }
    free(seg);
    free(frame);
    return 0;
}
