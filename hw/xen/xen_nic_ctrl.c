/*
 * The netif control ring's hash requests; see xen_nic_ctrl.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/xen/xen_nic_ctrl.h"
#include "hw/xen/xen_netif.h"
#include "hw/xen/xen_ring.h"

#include <netinet/in.h>
#include <string.h>

_Static_assert(NETIF_CTRL_SLOT_SIZE <= XEN_RING_SLOT_MAX,
               "a control slot fits the private copy");
_Static_assert(NETIF_HASH_MAPPING_MAX * 4 <= XEN_PAGE_SIZE,
               "a mapping table is one page at most");

void netif_hash_init(NetifHash *h, unsigned num_queues)
{
    memset(h, 0, sizeof(*h));
    h->alg = XEN_NETIF_CTRL_HASH_ALGORITHM_NONE;
    h->num_queues = num_queues ? num_queues : 1;
}

size_t netif_ctrl_grant_len(const NetifHash *h,
                            const struct xen_netif_ctrl_request *req,
                            uint32_t *gref)
{
    uint32_t len = req->data[1], off = req->data[2];

    *gref = req->data[0];
    switch (req->type) {
    case XEN_NETIF_CTRL_TYPE_SET_HASH_KEY:
        return len <= NETIF_HASH_KEY_MAX ? len : 0;
    case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING:
        /* Computed in 64 bits: off + len may not wrap into the table. */
        if (len > XEN_PAGE_SIZE / 4 ||
            (uint64_t)off + len > h->mapping_size) {
            return 0;
        }
        return (size_t)len * 4;
    default:
        return 0;
    }
}

static uint32_t set_mapping(NetifHash *h,
                            const struct xen_netif_ctrl_request *req,
                            const uint8_t *data)
{
    uint32_t len = req->data[1], off = req->data[2];
    uint32_t entries[XEN_PAGE_SIZE / 4];

    if (len > XEN_PAGE_SIZE / 4 || (uint64_t)off + len > h->mapping_size) {
        return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
    }
    if (len == 0) {
        return XEN_NETIF_CTRL_STATUS_SUCCESS;
    }
    if (!data) {
        return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
    }
    memcpy(entries, data, (size_t)len * 4);
    for (uint32_t i = 0; i < len; i++) {
        if (entries[i] >= h->num_queues) {
            return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        }
    }
    memcpy(&h->mapping[off], entries, (size_t)len * 4);
    return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

static uint32_t set_key(NetifHash *h, const struct xen_netif_ctrl_request *req,
                        const uint8_t *data)
{
    uint32_t len = req->data[1];

    if (len > NETIF_HASH_KEY_MAX) {
        return XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW;
    }
    if (len && !data) {
        return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
    }
    memset(h->key, 0, sizeof(h->key));
    if (len) {
        memcpy(h->key, data, len);
    }
    return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

void netif_ctrl_handle(NetifHash *h, const struct xen_netif_ctrl_request *req,
                       const uint8_t *data,
                       struct xen_netif_ctrl_response *rsp)
{
    uint32_t status = XEN_NETIF_CTRL_STATUS_SUCCESS, out = 0;

    switch (req->type) {
    case XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM:
        if (req->data[0] == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE ||
            req->data[0] == XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ) {
            h->alg = req->data[0];
        } else {
            status = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        }
        break;
    case XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS:
        if (h->alg == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE) {
            status = XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
        } else {
            out = NETIF_HASH_TYPES_ALL;
        }
        break;
    case XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS:
        if ((req->data[0] & ~NETIF_HASH_TYPES_ALL) ||
            h->alg == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE) {
            status = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        } else {
            h->types = req->data[0];
        }
        break;
    case XEN_NETIF_CTRL_TYPE_SET_HASH_KEY:
        status = set_key(h, req, data);
        break;
    case XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE:
        out = NETIF_HASH_MAPPING_MAX;
        break;
    case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE:
        if (req->data[0] > NETIF_HASH_MAPPING_MAX) {
            status = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        } else {
            h->mapping_size = req->data[0];
            memset(h->mapping, 0, sizeof(h->mapping));
        }
        break;
    case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING:
        status = set_mapping(h, req, data);
        break;
    default:
        status = XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
        break;
    }
    memset(rsp, 0, sizeof(*rsp));
    rsp->id = req->id;
    rsp->type = req->type;
    rsp->status = status;
    rsp->data = out;
}

static uint8_t key_byte(const uint8_t *key, size_t keylen, size_t i)
{
    return i < keylen ? key[i] : 0;
}

uint32_t netif_toeplitz(const uint8_t *key, size_t keylen,
                        const uint8_t *buf, size_t len)
{
    uint32_t hash = 0, window = 0;

    /* The 32 key bits lined up with the buffer's current bit. */
    for (size_t i = 0; i < 4; i++) {
        window = window << 8 | key_byte(key, keylen, i);
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t next = key_byte(key, keylen, i + 4);

        for (unsigned bit = 0; bit < 8; bit++) {
            if (buf[i] & (0x80 >> bit)) {
                hash ^= window;
            }
            window = window << 1 | ((next >> (7 - bit)) & 1);
        }
    }
    return hash;
}

NetifHashValue netif_hash_frame(const NetifHash *h, const uint8_t *frame,
                                size_t len)
{
    NetifHashValue v = { .valid = false };
    NetifFrameInfo fi;
    uint8_t buf[36];
    size_t n;
    int r;
    bool tcp;

    if (h->alg != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ || !h->types) {
        return v;
    }
    r = netif_frame_parse(frame, len, &fi);
    /* ip_version is set only once the whole fixed IP header is there. */
    tcp = r == 0 && fi.l4_proto == IPPROTO_TCP;
    if (fi.ip_version == 4) {
        memcpy(buf, frame + fi.l3_off + 12, 8);
        n = 8;
        if (tcp && (h->types & XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP)) {
            v.type = _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
        } else if (h->types & XEN_NETIF_CTRL_HASH_TYPE_IPV4) {
            v.type = _XEN_NETIF_CTRL_HASH_TYPE_IPV4;
        } else {
            return v;
        }
        tcp = v.type == _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
    } else if (fi.ip_version == 6) {
        memcpy(buf, frame + fi.l3_off + 8, 32);
        n = 32;
        if (tcp && (h->types & XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)) {
            v.type = _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;
        } else if (h->types & XEN_NETIF_CTRL_HASH_TYPE_IPV6) {
            v.type = _XEN_NETIF_CTRL_HASH_TYPE_IPV6;
        } else {
            return v;
        }
        tcp = v.type == _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;
    } else {
        return v;
    }
    if (tcp) {
        memcpy(buf + n, frame + fi.l4_off, 4);
        n += 4;
    }
    v.valid = true;
    v.value = netif_toeplitz(h->key, sizeof(h->key), buf, n);
    return v;
}

unsigned netif_hash_queue(const NetifHash *h, const NetifHashValue *v,
                          unsigned fallback)
{
    unsigned q;

    if (!v->valid) {
        return fallback % h->num_queues;
    }
    if (h->mapping_size == 0) {
        return v->value % h->num_queues;
    }
    q = h->mapping[v->value % h->mapping_size];
    /* Every entry was checked when set; the modulo keeps it so. */
    return q % h->num_queues;
}

void netif_hash_extra(const NetifHashValue *v, struct netif_extra_info *e)
{
    memset(e, 0, sizeof(*e));
    e->type = XEN_NETIF_EXTRA_TYPE_HASH;
    e->u.hash.type = v->type;
    e->u.hash.algorithm = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ;
    /* netif.h: LSB first. */
    e->u.hash.value[0] = v->value;
    e->u.hash.value[1] = v->value >> 8;
    e->u.hash.value[2] = v->value >> 16;
    e->u.hash.value[3] = v->value >> 24;
}
