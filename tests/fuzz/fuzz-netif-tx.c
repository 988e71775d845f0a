/*
 * libFuzzer target: the netif TX decoder and the frame parser
 * (hw/xen/xen_netif.c) against a hostile frontend's ring slots and
 * frames.
 *
 * FuzzInput layout (missing bytes read as 0):
 *   byte 0        how many slots the producer published (0..47)
 *   then          that many 12-byte TX slots
 *   the rest      a frame, given to netif_tx_vnet_hdr() with the flags
 *                 and GSO of the decoded packet (or of byte 0's bits if
 *                 the packet was not sent)
 *
 * The decoder is checked against a model written here from netback's
 * xenvif_get_extras and xenvif_count_requests, as a straight walk over
 * the slots: the verdict, the slots taken, the pieces (none empty, each
 * in its page, adding up to the total) and every response. The slots
 * and the frame are heap blocks of exactly their size, so a sanitizer
 * build sees any read past them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hw/xen/xen_netif.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { __builtin_trap(); } } while (0)

#define SLOT 12
#define MAX_AVAIL 48

static unsigned rd16(const uint8_t *s, unsigned off)
{
    return s[off] | s[off + 1] << 8;
}

typedef struct Model {
    NetifTxVerdict verdict;
    unsigned nslots;
    unsigned nextras;
    unsigned npieces;
    unsigned total;
} Model;

/* netback's walk, written independently of the decoder. */
static Model model(const uint8_t *slots, unsigned avail)
{
    Model m = { .verdict = NETIF_TX_FATAL };
    const uint8_t *first = slots;
    bool ext[XEN_NETIF_EXTRA_TYPE_MAX] = { false };
    unsigned gso_size = 0, gso_type = 0;
    unsigned i = 1, nextras = 0, following = 0, rem;
    bool drop = false, more;

    if (avail == 0) {
        return m;
    }
    if (rd16(first, 6) & NETTXF_extra_info) {
        do {
            const uint8_t *e;

            if (i >= avail) {
                return m;
            }
            e = slots + i++ * SLOT;
            nextras++;
            if (e[0] == 0 || e[0] >= XEN_NETIF_EXTRA_TYPE_MAX) {
                return m;
            }
            ext[e[0]] = true;
            if (e[0] == XEN_NETIF_EXTRA_TYPE_GSO) {
                gso_size = rd16(e, 2);
                gso_type = e[4];
            }
            more = e[1] & XEN_NETIF_EXTRA_FLAG_MORE;
            if (more && nextras >= NETIF_TX_EXTRAS_MAX) {
                return m;
            }
        } while (more);
    }
    if (ext[XEN_NETIF_EXTRA_TYPE_MCAST_ADD] ||
        ext[XEN_NETIF_EXTRA_TYPE_MCAST_DEL]) {
        m.verdict = ext[XEN_NETIF_EXTRA_TYPE_MCAST_ADD] ?
            NETIF_TX_MCAST_ADD : NETIF_TX_MCAST_DEL;
        m.nslots = i;
        m.nextras = nextras;
        return m;
    }
    m.nextras = nextras;
    rem = rd16(first, 10);
    m.total = rem;
    m.npieces = 1;
    more = rd16(first, 6) & NETTXF_more_data;
    while (more) {
        const uint8_t *t;
        unsigned size, off;

        if (following >= 20 || i >= avail) {
            return m;
        }
        t = slots + i++ * SLOT;
        size = rd16(t, 10);
        off = rd16(t, 4);
        if (following >= 18 || size > rem) {
            drop = true;
        }
        rem = (rem - size) & 0xffff;
        following++;
        if (off + size > 4096) {
            return m;
        }
        if (size) {
            m.npieces++;
        }
        more = rd16(t, 6) & NETTXF_more_data;
    }
    m.nslots = i;
    if (drop || rem < 14) {
        m.verdict = NETIF_TX_DROP;
        return m;
    }
    if (rd16(first, 4) + rem > 4096) {
        return m;
    }
    if (ext[XEN_NETIF_EXTRA_TYPE_GSO] &&
        (gso_size == 0 || (gso_type != 1 && gso_type != 2))) {
        return m;
    }
    m.verdict = NETIF_TX_SEND;
    return m;
}

static void check_packet(const NetifTxPacket *p, const uint8_t *slots,
                         unsigned avail)
{
    Model m = model(slots, avail);
    unsigned sum = 0;

    check(p->verdict == m.verdict);
    check(p->nslots <= avail && p->nslots <= NETIF_TX_SPAN_MAX);
    if (m.verdict == NETIF_TX_FATAL) {
        check(p->why != NULL);
        return;
    }
    check(p->nslots == m.nslots);
    for (unsigned i = 0; i < p->nslots; i++) {
        const uint8_t *s = slots + i * SLOT;
        bool is_extra = i > 0 && i <= m.nextras;

        if (is_extra) {
            check(p->rsp[i].id == 0 && p->rsp[i].status == NETIF_RSP_NULL);
        } else if (m.verdict == NETIF_TX_MCAST_ADD ||
                   m.verdict == NETIF_TX_MCAST_DEL) {
            check(p->rsp[i].id == rd16(s, 8));
            check(p->rsp[i].status == NETIF_RSP_OKAY);
        } else {
            check(p->rsp[i].id == rd16(s, 8));
            check(p->rsp[i].status == (m.verdict == NETIF_TX_DROP ?
                                       NETIF_RSP_ERROR : NETIF_RSP_OKAY));
        }
    }
    if (m.verdict != NETIF_TX_SEND) {
        check(p->npieces == 0);
        return;
    }
    check(p->npieces == m.npieces && p->npieces <= NETIF_TX_PIECES_MAX);
    for (unsigned i = 0; i < p->npieces; i++) {
        check(p->pieces[i].size > 0);
        check(p->pieces[i].offset + p->pieces[i].size <= XEN_PAGE_SIZE);
        sum += p->pieces[i].size;
    }
    check(sum == m.total && p->size == m.total);
}

static void check_frame(const NetifTxPacket *p, const uint8_t *frame,
                        size_t len)
{
    struct virtio_net_hdr h;
    NetifFrameInfo fi;
    int r = netif_frame_parse(frame, len, &fi);

    check(r == 0 || r == -EPROTO || r == -EINVAL);
    if (r == 0) {
        check(fi.ip_version == 4 || fi.ip_version == 6);
        check(!fi.fragment);
        check(fi.l4_off + fi.l4_hdr_len <= len);
        check(fi.l4_proto == 6 || fi.l4_proto == 17);
    }
    r = netif_tx_vnet_hdr(p, frame, len, &h);
    check(r == 0 || r == -EPROTO || r == -EINVAL);
    if (r == 0 && (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
        check((size_t)h.csum_start + h.csum_offset + 2 <= len);
        check(h.hdr_len <= len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in = { data, size };
    unsigned avail = fuzz_take(&in, 1) % MAX_AVAIL;
    uint8_t *slots = calloc(1, avail * SLOT + 1);
    uint8_t *frame;
    NetifTxPacket p;
    size_t len;

    for (unsigned i = 0; i < avail * SLOT; i++) {
        slots[i] = fuzz_take(&in, 1);
    }
    netif_tx_decode(&p, slots, avail);
    check_packet(&p, slots, avail);

    len = in.left;
    frame = malloc(len ? len : 1);
    memcpy(frame, in.p, len);
    if (p.verdict != NETIF_TX_SEND) {
        netif_tx_begin(&p);
        p.verdict = NETIF_TX_SEND;
        p.flags = avail & (NETTXF_csum_blank | NETTXF_data_validated);
        p.gso_type = (avail >> 2) % 3;
        p.gso_size = p.gso_type ? 1400 : 0;
    }
    check_frame(&p, frame, len);
    free(frame);
    free(slots);
    return 0;
}
