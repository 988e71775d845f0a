/*
 * libFuzzer target: the netif control ring's requests and the frame hash
 * (hw/xen/xen_nic_ctrl.c) against a hostile frontend.
 *
 * FuzzInput layout (missing bytes read as 0):
 *   byte 0        the frontend's queues, 1..8
 *   byte 1        how many requests follow (0..31)
 *   per request   a 16-byte control slot, then one byte: 0 means the
 *                 grant copy failed, otherwise the granted bytes the
 *                 request refers to follow (netif_ctrl_grant_len())
 *   the rest      a frame, hashed and steered with the settings made
 *
 * Each answer and the settings after it are checked against a model
 * written here from netif.h and netback's hash.c; a refused request
 * changes nothing. Every steered frame lands on a queue the frontend
 * has, and its Toeplitz value is the one netif.h's reference code
 * gives. Granted bytes and the frame are heap blocks of exactly their
 * size, so a sanitizer build sees any read past them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define XEN_NETIF_DEFINE_TOEPLITZ
#include "hw/xen/xen_nic_ctrl.h"
#include "hw/xen/xen_netif.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { __builtin_trap(); } } while (0)

/* What one request should do to @m, and the status it gets. */
static uint32_t model(NetifHash *m, const struct xen_netif_ctrl_request *r,
                      const uint8_t *bytes, uint32_t *out)
{
    uint32_t d0 = r->data[0], d1 = r->data[1], d2 = r->data[2];

    *out = 0;
    switch (r->type) {
    case 1:     /* GET_HASH_FLAGS */
        if (m->alg == 0) {
            return XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
        }
        *out = 0xf;
        return 0;
    case 2:     /* SET_HASH_FLAGS */
        if (d0 > 0xf || m->alg == 0) {
            return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        }
        m->types = d0;
        return 0;
    case 3:     /* SET_HASH_KEY */
        if (d1 > 40) {
            return XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW;
        }
        if (d1 && !bytes) {
            return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        }
        memset(m->key, 0, 40);
        for (uint32_t i = 0; i < d1; i++) {
            m->key[i] = bytes[i];
        }
        return 0;
    case 4:     /* GET_HASH_MAPPING_SIZE */
        *out = 128;
        return 0;
    case 5:     /* SET_HASH_MAPPING_SIZE */
        if (d0 > 128) {
            return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        }
        m->mapping_size = d0;
        memset(m->mapping, 0, sizeof(m->mapping));
        return 0;
    case 6:     /* SET_HASH_MAPPING */
        if (d1 > 1024 || d2 > m->mapping_size ||
            d1 > m->mapping_size - d2) {
            return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        }
        if (d1 && !bytes) {
            return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        }
        for (uint32_t i = 0; i < d1; i++) {
            uint32_t q = bytes[4 * i] | bytes[4 * i + 1] << 8 |
                (uint32_t)bytes[4 * i + 2] << 16 |
                (uint32_t)bytes[4 * i + 3] << 24;

            if (q >= m->num_queues) {
                return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
            }
        }
        if (d1) {
            memcpy(&m->mapping[d2], bytes, d1 * 4);
        }
        return 0;
    case 7:     /* SET_HASH_ALGORITHM */
        if (d0 > 1) {
            return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        }
        m->alg = d0;
        return 0;
    default:
        return XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
    }
}

/* Requests of the types that exist, with lengths near the edges. */
static void shape(struct xen_netif_ctrl_request *r, uint8_t sel)
{
    static const uint32_t edges[] = {
        0, 1, 4, 40, 41, 127, 128, 129, 1023, 1024, 1025, UINT32_MAX,
    };

    if (sel & 0x80) {
        r->type %= 12;
        r->data[1] = edges[r->data[1] % 12];
        r->data[2] = edges[r->data[2] % 12];
        if (r->type == 5 || r->type == 2 || r->type == 7) {
            r->data[0] %= 130;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in = { data, size };
    unsigned queues = fuzz_take(&in, 1) % 8 + 1;
    unsigned nreq = fuzz_take(&in, 1) % 32;
    NetifHash h, m;
    NetifHashValue hv;
    uint8_t *frame;
    size_t len;

    netif_hash_init(&h, queues);
    m = h;
    for (unsigned i = 0; i < nreq; i++) {
        struct xen_netif_ctrl_request req;
        struct xen_netif_ctrl_response rsp;
        uint8_t slot[16], *bytes = NULL;
        uint32_t gref, status, out;
        size_t glen;

        for (unsigned j = 0; j < sizeof(slot); j++) {
            slot[j] = fuzz_take(&in, 1);
        }
        memcpy(&req, slot, sizeof(req));
        shape(&req, slot[3]);
        glen = netif_ctrl_grant_len(&h, &req, &gref);
        check(glen <= XEN_PAGE_SIZE);
        check(gref == req.data[0]);
        if (fuzz_take(&in, 1) && glen) {
            bytes = malloc(glen);
            for (size_t j = 0; j < glen; j++) {
                bytes[j] = fuzz_take(&in, 1);
            }
        }
        netif_ctrl_handle(&h, &req, bytes, &rsp);
        status = model(&m, &req, bytes, &out);
        check(rsp.id == req.id && rsp.type == req.type);
        check(rsp.status == status && rsp.data == out);
        check(h.alg == m.alg && h.types == m.types);
        check(!memcmp(h.key, m.key, sizeof(h.key)));
        check(h.mapping_size == m.mapping_size);
        check(!memcmp(h.mapping, m.mapping, sizeof(h.mapping)));
        free(bytes);
    }

    len = in.left;
    frame = malloc(len ? len : 1);
    memcpy(frame, in.p, len);
    hv = netif_hash_frame(&h, frame, len);
    check(netif_hash_queue(&h, &hv, len) < queues);
    if (hv.valid) {
        NetifFrameInfo fi;
        uint8_t buf[36];
        size_t n;
        int r = netif_frame_parse(frame, len, &fi);

        check(h.alg == XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ);
        check(fi.ip_version == 4 || fi.ip_version == 6);
        check(h.types & (1u << hv.type));
        if (fi.ip_version == 4) {
            memcpy(buf, frame + fi.l3_off + 12, 8);
            n = 8;
        } else {
            memcpy(buf, frame + fi.l3_off + 8, 32);
            n = 32;
        }
        if (hv.type == _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP ||
            hv.type == _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP) {
            check(r == 0 && fi.l4_proto == 6);
            memcpy(buf + n, frame + fi.l4_off, 4);
            n += 4;
        }
        check(hv.value == xen_netif_toeplitz_hash(h.key, sizeof(h.key),
                                                  buf, n));
    }
    free(frame);
    return 0;
}
