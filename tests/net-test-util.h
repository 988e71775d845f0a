/*
 * What the netdev tests share: -netdev strings that must be refused.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_NET_TEST_UTIL_H
#define TESTS_NET_TEST_UTIL_H

#include <stddef.h>

typedef struct NetTestRefusal {
    const char *arg;            /* a -netdev option string */
    const char *msg;            /* what the error says after "-netdev ARG: " */
} NetTestRefusal;

/*
 * Each of @cases, alone, makes net_dev_list_new() fail with its message;
 * fails the test otherwise.
 */
void net_test_refused(const NetTestRefusal *cases, size_t n);

#endif /* TESTS_NET_TEST_UTIL_H */
