/*
 * What the netdev tests share: -netdev strings that must be refused, and
 * a port that stands for a guest device and records what reaches it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_NET_TEST_UTIL_H
#define TESTS_NET_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "net/net.h"

typedef struct NetTestRefusal {
    const char *arg;            /* a -netdev option string */
    const char *msg;            /* what the error says after "-netdev ARG: " */
} NetTestRefusal;

/*
 * Each of @cases, alone, makes net_dev_list_new() fail with its message;
 * fails the test otherwise.
 */
void net_test_refused(const NetTestRefusal *cases, size_t n);

/* A guest device's side of a netdev port (net_test_port_ops). */
typedef struct NetTestPort {
    GPtrArray *got;             /* GByteArray per frame taken */
    bool full;                  /* receive() refuses */
    int budget;                 /* frames taken before full (-1: any) */
    struct virtio_net_hdr last_hdr;
    unsigned writable;          /* calls to writable() */
} NetTestPort;

extern const NetDevPortOps net_test_port_ops;

/* @p empty, taking any number of frames. */
void net_test_port_init(NetTestPort *p);
void net_test_port_destroy(NetTestPort *p);

#endif /* TESTS_NET_TEST_UTIL_H */
