/*
 * The netif control ring (xen/io/netif.h, "Control ring"): the hash a
 * frontend configures to steer received frames to its queues, and the
 * Toeplitz hash itself.
 *
 * As Linux netback (drivers/net/xen-netback/hash.c) answers it: an
 * algorithm (none or Toeplitz), the hash types to compute (IPv4, IPv4+TCP,
 * IPv6, IPv6+TCP, the most specific that applies), a key of up to
 * NETIF_HASH_KEY_MAX bytes and a mapping table of up to
 * NETIF_HASH_MAPPING_MAX queue numbers, set in pieces. A mapping piece
 * whose offset and length run past the table or past one page, or that
 * names a queue the frontend does not have, is refused as a whole and
 * the table keeps its old contents (XSA-270). The static grant mapping
 * requests are not offered.
 *
 * Pure logic over a private copy of each request and of the granted
 * bytes it refers to (the data path copies them: netif_ctrl_grant_len()
 * says which): unit-tested (tests/unit/test-xen-nic-ctrl.c) and fuzzed
 * (tests/fuzz/fuzz-netif-ctrl.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_NIC_CTRL_H
#define HW_XEN_XEN_NIC_CTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/netif.h>

#ifndef XEN_PAGE_SIZE
#define XEN_PAGE_SIZE 4096u
#endif

/* netback's XEN_NETBK_MAX_HASH_KEY_SIZE and _MAPPING_SIZE. */
#define NETIF_HASH_KEY_MAX 40
#define NETIF_HASH_MAPPING_MAX 128

#define NETIF_HASH_TYPES_ALL \
    (XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP | \
     XEN_NETIF_CTRL_HASH_TYPE_IPV6 | XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)

#define NETIF_CTRL_SLOT_SIZE sizeof(union xen_netif_ctrl_sring_entry)

/* A device's hash settings: what the control ring has set so far. */
typedef struct NetifHash {
    uint32_t alg;                   /* XEN_NETIF_CTRL_HASH_ALGORITHM_* */
    uint32_t types;                 /* XEN_NETIF_CTRL_HASH_TYPE_* */
    uint8_t key[NETIF_HASH_KEY_MAX];
    unsigned mapping_size;
    uint32_t mapping[NETIF_HASH_MAPPING_MAX];
    unsigned num_queues;            /* the frontend's, >= 1 */
} NetifHash;

/* No hashing, for a frontend with @num_queues queues. */
void netif_hash_init(NetifHash *h, unsigned num_queues);

/*
 * The granted bytes @req refers to, to copy from offset 0 of *@gref
 * before netif_ctrl_handle(): 0 when it needs none, or when it will be
 * refused anyway (a length past what the backend takes).
 */
size_t netif_ctrl_grant_len(const NetifHash *h,
                            const struct xen_netif_ctrl_request *req,
                            uint32_t *gref);

/*
 * Answers @req into @rsp (id and type echoed). @data holds the
 * netif_ctrl_grant_len() bytes copied from the grant, or is NULL when
 * that copy failed (a bad grant): the request is then refused with
 * INVALID_PARAMETER. Nothing in @h changes unless the request succeeds.
 */
void netif_ctrl_handle(NetifHash *h, const struct xen_netif_ctrl_request *req,
                       const uint8_t *data,
                       struct xen_netif_ctrl_response *rsp);

/*
 * The Toeplitz hash of @buf under @key (key bytes past @keylen are
 * zero), as netif.h defines it.
 */
uint32_t netif_toeplitz(const uint8_t *key, size_t keylen,
                        const uint8_t *buf, size_t len);

/* A frame's hash, when the settings ask for one that applies. */
typedef struct NetifHashValue {
    bool valid;
    uint8_t type;                   /* _XEN_NETIF_CTRL_HASH_TYPE_* */
    uint32_t value;
} NetifHashValue;

/*
 * Hashes an Ethernet frame as the settings say: over the addresses and
 * TCP ports when a TCP type is on and the frame is TCP (not a fragment),
 * else over the addresses when that IP version's type is on; nothing for
 * anything else or with no algorithm.
 */
NetifHashValue netif_hash_frame(const NetifHash *h, const uint8_t *frame,
                                size_t len);

/*
 * The queue a frame with hash @v goes to: the mapping table's entry (or
 * the hash modulo the queues when there is no table); @fallback when
 * there is no hash. Always below h->num_queues.
 */
unsigned netif_hash_queue(const NetifHash *h, const NetifHashValue *v,
                          unsigned fallback);

/* The RX extra-info slot that reports @v (a valid hash). */
void netif_hash_extra(const NetifHashValue *v, struct netif_extra_info *e);

#endif /* HW_XEN_XEN_NIC_CTRL_H */
