/*
 * The netif control ring's hash requests and the Toeplitz hash
 * (hw/xen/xen_nic_ctrl.c): Microsoft's published RSS verification
 * vectors, netif.h's own reference code, and each request's answers,
 * the hostile ones (XSA-270) included.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <arpa/inet.h>
#include <glib.h>
#include <string.h>

#define XEN_NETIF_DEFINE_TOEPLITZ
#include "hw/xen/xen_nic_ctrl.h"

/* The key of Microsoft's "Verifying the RSS Hash Calculation". */
static const uint8_t ms_key[40] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
    0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
    0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
    0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
    0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

typedef struct Vector {
    const char *dst, *src;
    uint16_t dport, sport;
    uint32_t ip, tcp;
} Vector;

static const Vector v4[] = {
    { "161.142.100.80", "66.9.149.187", 1766, 2794, 0x323e8fc2, 0x51ccc178 },
    { "65.69.140.83", "199.92.111.2", 4739, 14230, 0xd718262a, 0xc626b0ea },
    { "12.22.207.184", "24.19.198.95", 38024, 12898, 0xd2d0a5de,
      0x5c2b394a },
    { "209.142.163.6", "38.27.205.30", 2217, 48228, 0x82989176, 0xafc7327f },
    { "202.188.127.2", "153.39.163.191", 1303, 44251, 0x5d1809c5,
      0x10e828a2 },
};

static const Vector v6[] = {
    { "3ffe:2501:200:3::1", "3ffe:2501:200:1fff::7", 1766, 2794,
      0x2cc18cd5, 0x40207d3d },
    { "ff02::1", "3ffe:501:8::260:97ff:fe40:efab", 4739, 14230,
      0x0f0c461c, 0xdde51bbf },
    { "fe80::200:f8ff:fe21:67cf", "3ffe:1900:4545:3:200:f8ff:fe21:67cf",
      38024, 44251, 0x4b61e985, 0x02d1feef },
};

/* The hash input as netif.h lays it out: source, destination, ports. */
static size_t input(int af, const Vector *v, bool tcp, uint8_t *buf)
{
    size_t alen = af == AF_INET ? 4 : 16;
    uint16_t sp = htons(v->sport), dp = htons(v->dport);

    g_assert_cmpint(inet_pton(af, v->src, buf), ==, 1);
    g_assert_cmpint(inet_pton(af, v->dst, buf + alen), ==, 1);
    if (!tcp) {
        return 2 * alen;
    }
    memcpy(buf + 2 * alen, &sp, 2);
    memcpy(buf + 2 * alen + 2, &dp, 2);
    return 2 * alen + 4;
}

static void test_ms_vectors(void)
{
    uint8_t buf[36];
    size_t n;

    for (unsigned i = 0; i < G_N_ELEMENTS(v4); i++) {
        n = input(AF_INET, &v4[i], false, buf);
        g_assert_cmphex(netif_toeplitz(ms_key, 40, buf, n), ==, v4[i].ip);
        n = input(AF_INET, &v4[i], true, buf);
        g_assert_cmphex(netif_toeplitz(ms_key, 40, buf, n), ==, v4[i].tcp);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(v6); i++) {
        n = input(AF_INET6, &v6[i], false, buf);
        g_assert_cmphex(netif_toeplitz(ms_key, 40, buf, n), ==, v6[i].ip);
        n = input(AF_INET6, &v6[i], true, buf);
        g_assert_cmphex(netif_toeplitz(ms_key, 40, buf, n), ==, v6[i].tcp);
    }
}

/* netif.h's reference code, on keys of every length and random input. */
static void test_netif_reference(void)
{
    GRand *r = g_rand_new_with_seed(270);
    uint8_t key[40], buf[40];

    for (unsigned round = 0; round < 2000; round++) {
        unsigned klen = g_rand_int_range(r, 0, 41);
        unsigned blen = g_rand_int_range(r, 0, 41);

        for (unsigned i = 0; i < sizeof(key); i++) {
            key[i] = g_rand_int(r);
            buf[i] = g_rand_int(r);
        }
        g_assert_cmphex(netif_toeplitz(key, klen, buf, blen), ==,
                        xen_netif_toeplitz_hash(key, klen, buf, blen));
    }
    g_rand_free(r);
}

static struct xen_netif_ctrl_response ctrl(NetifHash *h, uint16_t type,
                                           uint32_t d0, uint32_t d1,
                                           uint32_t d2, const void *page)
{
    struct xen_netif_ctrl_request req = {
        .id = 0x1234, .type = type, .data = { d0, d1, d2 },
    };
    struct xen_netif_ctrl_response rsp;
    uint32_t gref;
    size_t len = netif_ctrl_grant_len(h, &req, &gref);

    g_assert_cmpuint(len, <=, XEN_PAGE_SIZE);
    if (len) {
        g_assert_cmpuint(gref, ==, d0);
    }
    netif_ctrl_handle(h, &req, len ? page : NULL, &rsp);
    g_assert_cmpuint(rsp.id, ==, 0x1234);
    g_assert_cmpuint(rsp.type, ==, type);
    return rsp;
}

#define OK XEN_NETIF_CTRL_STATUS_SUCCESS
#define INVAL XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER
#define UNSUP XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED
#define OVERFLOW XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW

static void test_requests(void)
{
    uint32_t page[XEN_PAGE_SIZE / 4] = { 0 };
    NetifHash h;

    netif_hash_init(&h, 4);
    /* Nothing about flags before an algorithm. */
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, 0, 0, 0,
                          NULL).status, ==, UNSUP);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, 1, 0, 0,
                          NULL).status, ==, INVAL);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM, 2, 0,
                          0, NULL).status, ==, INVAL);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
                          XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0, 0,
                          NULL).status, ==, OK);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, 0, 0, 0,
                          NULL).data, ==, NETIF_HASH_TYPES_ALL);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, 0x10, 0, 0,
                          NULL).status, ==, INVAL);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS,
                          NETIF_HASH_TYPES_ALL, 0, 0, NULL).status, ==, OK);
    g_assert_cmpuint(h.types, ==, NETIF_HASH_TYPES_ALL);

    /* Keys: up to 40 bytes, the rest zero; longer ones overflow. */
    memcpy(page, ms_key, 40);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, 9, 41, 0,
                          page).status, ==, OVERFLOW);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, 9,
                          UINT32_MAX, 0, page).status, ==, OVERFLOW);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, 9, 8, 0,
                          page).status, ==, OK);
    g_assert_cmpmem(h.key, 8, ms_key, 8);
    g_assert_cmpuint(h.key[8], ==, 0);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, 9, 40, 0,
                          page).status, ==, OK);
    g_assert_cmpmem(h.key, 40, ms_key, 40);

    /* Mapping: a size, then pieces of it. */
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE, 0,
                          0, 0, NULL).data, ==, NETIF_HASH_MAPPING_MAX);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE,
                          NETIF_HASH_MAPPING_MAX + 1, 0, 0, NULL).status, ==,
                     INVAL);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 8,
                          0, 0, NULL).status, ==, OK);
    for (unsigned i = 0; i < 8; i++) {
        page[i] = i % 4;
    }
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, 5, 4, 4,
                          page).status, ==, OK);
    g_assert_cmpuint(h.mapping[4], ==, 0);
    g_assert_cmpuint(h.mapping[7], ==, 3);
    g_assert_cmpuint(h.mapping[3], ==, 0);

    /* XSA-270: past the table, wrapping, past a page, bad queues. */
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, 5, 5, 4,
                          page).status, ==, INVAL);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, 5, 2,
                          UINT32_MAX, page).status, ==, INVAL);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, 5,
                          UINT32_MAX, 2, page).status, ==, INVAL);
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, 5,
                          XEN_PAGE_SIZE / 4 + 1, 0, page).status, ==, INVAL);
    page[1] = 4;
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, 5, 4, 0,
                          page).status, ==, INVAL);
    /* Refused as a whole: entry 0 was not written either. */
    g_assert_cmpuint(h.mapping[0], ==, 0);
    g_assert_cmpuint(h.mapping[7], ==, 3);
    /* A bad grant (the copy failed). */
    {
        struct xen_netif_ctrl_request req = {
            .type = XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING,
            .data = { 5, 1, 0 },
        };
        struct xen_netif_ctrl_response rsp;

        netif_ctrl_handle(&h, &req, NULL, &rsp);
        g_assert_cmpuint(rsp.status, ==, INVAL);
    }

    /* The static grant mapping and unknown types are not offered. */
    for (unsigned t = XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE; t < 20;
         t++) {
        g_assert_cmpuint(ctrl(&h, t, 0, 0, 0, NULL).status, ==, UNSUP);
    }
    g_assert_cmpuint(ctrl(&h, XEN_NETIF_CTRL_TYPE_INVALID, 0, 0, 0,
                          NULL).status, ==, UNSUP);
}

/* An Ethernet frame of vector @v, TCP or UDP. */
static size_t frame(int af, const Vector *v, bool tcp, uint8_t *f)
{
    size_t l3 = 14, alen = af == AF_INET ? 4 : 16, l4;
    uint16_t sp = htons(v->sport), dp = htons(v->dport);

    memset(f, 0, 128);
    f[12] = af == AF_INET ? 0x08 : 0x86;
    f[13] = af == AF_INET ? 0x00 : 0xdd;
    if (af == AF_INET) {
        f[l3] = 0x45;
        f[l3 + 9] = tcp ? 6 : 17;
        inet_pton(af, v->src, f + l3 + 12);
        inet_pton(af, v->dst, f + l3 + 16);
        l4 = l3 + 20;
    } else {
        f[l3] = 0x60;
        f[l3 + 6] = tcp ? 6 : 17;
        inet_pton(af, v->src, f + l3 + 8);
        inet_pton(af, v->dst, f + l3 + 8 + alen);
        l4 = l3 + 40;
    }
    memcpy(f + l4, &sp, 2);
    memcpy(f + l4 + 2, &dp, 2);
    f[l4 + 12] = 0x50;
    return l4 + 20;
}

static void test_hash_frame(void)
{
    uint8_t f[128];
    struct netif_extra_info e;
    NetifHashValue hv;
    NetifHash h;
    size_t len;

    netif_hash_init(&h, 3);
    len = frame(AF_INET, &v4[0], true, f);
    hv = netif_hash_frame(&h, f, len);
    g_assert_false(hv.valid);
    g_assert_cmpuint(netif_hash_queue(&h, &hv, 7), ==, 1);

    h.alg = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ;
    memcpy(h.key, ms_key, sizeof(ms_key));
    h.types = XEN_NETIF_CTRL_HASH_TYPE_IPV4;
    hv = netif_hash_frame(&h, f, len);
    g_assert_true(hv.valid);
    g_assert_cmpuint(hv.type, ==, _XEN_NETIF_CTRL_HASH_TYPE_IPV4);
    g_assert_cmphex(hv.value, ==, v4[0].ip);
    h.types |= XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
    hv = netif_hash_frame(&h, f, len);
    g_assert_cmpuint(hv.type, ==, _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
    g_assert_cmphex(hv.value, ==, v4[0].tcp);
    g_assert_cmpuint(netif_hash_queue(&h, &hv, 0), ==, v4[0].tcp % 3);
    /* UDP: the addresses only. */
    len = frame(AF_INET, &v4[1], false, f);
    hv = netif_hash_frame(&h, f, len);
    g_assert_cmphex(hv.value, ==, v4[1].ip);
    /* IPv6 with no IPv6 type on: none. */
    len = frame(AF_INET6, &v6[0], true, f);
    hv = netif_hash_frame(&h, f, len);
    g_assert_false(hv.valid);
    h.types = NETIF_HASH_TYPES_ALL;
    hv = netif_hash_frame(&h, f, len);
    g_assert_cmphex(hv.value, ==, v6[0].tcp);
    g_assert_cmpuint(hv.type, ==, _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP);
    /* A TCP header cut short: the addresses still hash. */
    hv = netif_hash_frame(&h, f, len - 10);
    g_assert_cmphex(hv.value, ==, v6[0].ip);
    /* Cut anywhere: never a read past the end (ASan), never a crash. */
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = g_memdup2(f, cut ? cut : 1);

        hv = netif_hash_frame(&h, copy, cut);
        g_assert_cmpuint(netif_hash_queue(&h, &hv, 5), <, 3);
        g_free(copy);
    }

    /* The mapping table picks the queue. */
    h.mapping_size = 4;
    h.mapping[v6[0].tcp % 4] = 2;
    hv = netif_hash_frame(&h, f, len);
    g_assert_cmpuint(netif_hash_queue(&h, &hv, 0), ==, 2);

    netif_hash_extra(&hv, &e);
    g_assert_cmpuint(e.type, ==, XEN_NETIF_EXTRA_TYPE_HASH);
    g_assert_cmpuint(e.flags, ==, 0);
    g_assert_cmpuint(e.u.hash.type, ==, _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP);
    g_assert_cmpuint(e.u.hash.algorithm, ==,
                     XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ);
    g_assert_cmpuint(e.u.hash.value[0], ==, v6[0].tcp & 0xff);
    g_assert_cmpuint(e.u.hash.value[3], ==, v6[0].tcp >> 24);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nic-ctrl/toeplitz/ms-vectors", test_ms_vectors);
    g_test_add_func("/nic-ctrl/toeplitz/netif-reference",
                    test_netif_reference);
    g_test_add_func("/nic-ctrl/requests", test_requests);
    g_test_add_func("/nic-ctrl/hash-frame", test_hash_frame);
    return g_test_run();
}
