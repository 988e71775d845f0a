/*
 * The budget of output queued for xenstore clients that do not read:
 * which bound gives up on which connection.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "xenner/xs_budget.h"

typedef struct Client {
    XsBudgetConn *conn;
    unsigned evictions;
    unsigned flushes;
    bool reads;                 /* its socket takes what it is offered */
} Client;

typedef struct Fixture {
    XsTree *tree;
    XsBudget *budget;
    Client c[6];
} Fixture;

static void on_evict(void *opaque)
{
    Client *c = opaque;

    c->evictions++;
}

static void on_flush(void *opaque)
{
    Client *c = opaque;

    c->flushes++;
    if (c->reads) {
        xenner_xs_budget_release(c->conn,
                                 xenner_xs_budget_conn_queued(c->conn));
    }
}

static void set_quota(Fixture *f, unsigned memory, unsigned memory_total)
{
    XsQuota q;

    xenner_xs_tree_get_quota(f->tree, &q);
    q.memory = memory;
    q.memory_total = memory_total;
    xenner_xs_tree_set_quota(f->tree, &q);
}

/* c[0..2] act for domain 5, c[3] for 6, c[4..5] for domain 0. */
static void setup(Fixture *f, gconstpointer data)
{
    static const uint16_t domids[] = { 5, 5, 5, 6, 0, 0 };

    f->tree = xenner_xs_tree_new();
    f->budget = xenner_xs_budget_new(f->tree);
    for (unsigned i = 0; i < G_N_ELEMENTS(f->c); i++) {
        f->c[i].conn = xenner_xs_budget_conn_new(f->budget, domids[i],
                                                 on_flush, on_evict,
                                                 &f->c[i]);
    }
    set_quota(f, 1000, 3000);
}

static void teardown(Fixture *f, gconstpointer data)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(f->c); i++) {
        xenner_xs_budget_conn_free(f->c[i].conn);
    }
    xenner_xs_budget_free(f->budget);
    xenner_xs_tree_free(f->tree);
}

static size_t queued(Fixture *f, unsigned i)
{
    return xenner_xs_budget_conn_queued(f->c[i].conn);
}

static void test_counts(Fixture *f, gconstpointer data)
{
    g_assert_true(xenner_xs_budget_reserve(f->c[0].conn, 300));
    g_assert_true(xenner_xs_budget_reserve(f->c[1].conn, 200));
    g_assert_true(xenner_xs_budget_reserve(f->c[3].conn, 100));
    g_assert_true(xenner_xs_budget_reserve(f->c[4].conn, 50));
    g_assert_cmpuint(xenner_xs_budget_domain_queued(f->budget, 5), ==, 500);
    g_assert_cmpuint(xenner_xs_budget_domain_queued(f->budget, 6), ==, 100);
    g_assert_cmpuint(xenner_xs_budget_domain_queued(f->budget, 9), ==, 0);
    g_assert_cmpuint(xenner_xs_budget_pool_queued(f->budget, false), ==, 600);
    g_assert_cmpuint(xenner_xs_budget_pool_queued(f->budget, true), ==, 50);

    xenner_xs_budget_release(f->c[0].conn, 250);
    g_assert_cmpuint(queued(f, 0), ==, 50);
    g_assert_cmpuint(xenner_xs_budget_domain_queued(f->budget, 5), ==, 250);
    g_assert_cmpuint(xenner_xs_budget_pool_queued(f->budget, false), ==, 350);

    /* A connection that goes takes its count along. */
    xenner_xs_budget_conn_free(f->c[1].conn);
    f->c[1].conn = NULL;
    g_assert_cmpuint(xenner_xs_budget_domain_queued(f->budget, 5), ==, 50);
    g_assert_cmpuint(xenner_xs_budget_pool_queued(f->budget, false), ==, 150);
    for (unsigned i = 0; i < G_N_ELEMENTS(f->c); i++) {
        g_assert_cmpuint(f->c[i].evictions, ==, 0);
    }
}

/*
 * Over the domain's quota, its connection leaving the most unread goes,
 * not the one being written to, and not another domain's.
 */
static void test_domain_slowest_first(Fixture *f, gconstpointer data)
{
    g_assert_true(xenner_xs_budget_reserve(f->c[0].conn, 700));
    g_assert_true(xenner_xs_budget_reserve(f->c[1].conn, 100));
    g_assert_true(xenner_xs_budget_reserve(f->c[3].conn, 900));
    g_assert_true(xenner_xs_budget_reserve(f->c[2].conn, 150));
    g_assert_cmpuint(f->c[0].evictions, ==, 0);

    g_assert_true(xenner_xs_budget_reserve(f->c[2].conn, 100));
    g_assert_cmpuint(f->c[0].evictions, ==, 1);
    g_assert_cmpuint(queued(f, 0), ==, 0);
    g_assert_cmpuint(queued(f, 2), ==, 250);
    g_assert_cmpuint(xenner_xs_budget_domain_queued(f->budget, 5), ==, 350);
    g_assert_cmpuint(f->c[1].evictions + f->c[3].evictions, ==, 0);

    /* Given up on, it takes nothing more and is not given up twice. */
    g_assert_false(xenner_xs_budget_reserve(f->c[0].conn, 10));
    g_assert_cmpuint(f->c[0].evictions, ==, 1);
    g_assert_cmpuint(queued(f, 0), ==, 0);
}

/*
 * Output queued during a batch, not yet offered to the socket, is not
 * unread: the largest holder is flushed first, and given up on only if
 * its socket takes nothing.
 */
static void test_flush_first(Fixture *f, gconstpointer data)
{
    f->c[0].reads = true;
    g_assert_true(xenner_xs_budget_reserve(f->c[0].conn, 500));
    g_assert_true(xenner_xs_budget_reserve(f->c[1].conn, 300));
    g_assert_true(xenner_xs_budget_reserve(f->c[2].conn, 200));
    g_assert_cmpuint(f->c[0].flushes + f->c[1].flushes, ==, 0);

    g_assert_true(xenner_xs_budget_reserve(f->c[2].conn, 200));
    g_assert_cmpuint(f->c[0].flushes, ==, 1);
    g_assert_cmpuint(f->c[0].evictions, ==, 0);
    g_assert_cmpuint(queued(f, 0), ==, 0);
    g_assert_cmpuint(f->c[1].evictions, ==, 0);

    /* The next time, c[2] holds the most and does not read: it goes. */
    g_assert_true(xenner_xs_budget_reserve(f->c[0].conn, 400));
    g_assert_cmpuint(f->c[2].flushes, ==, 1);
    g_assert_cmpuint(f->c[2].evictions, ==, 1);
    g_assert_cmpuint(f->c[1].evictions, ==, 0);
    g_assert_cmpuint(queued(f, 0), ==, 400);
}

/* The one written to may be the slowest itself. */
static void test_domain_self(Fixture *f, gconstpointer data)
{
    g_assert_true(xenner_xs_budget_reserve(f->c[0].conn, 900));
    g_assert_false(xenner_xs_budget_reserve(f->c[0].conn, 200));
    g_assert_cmpuint(f->c[0].evictions, ==, 1);
    g_assert_cmpuint(xenner_xs_budget_domain_queued(f->budget, 5), ==, 0);
    g_assert_true(xenner_xs_budget_reserve(f->c[1].conn, 200));
}

/* Over all guests' total, the slowest guest client of any domain goes. */
static void test_total(Fixture *f, gconstpointer data)
{
    g_assert_true(xenner_xs_budget_reserve(f->c[0].conn, 900));
    g_assert_true(xenner_xs_budget_reserve(f->c[3].conn, 950));
    set_quota(f, 0, 1500);
    g_assert_true(xenner_xs_budget_reserve(f->c[1].conn, 100));
    g_assert_cmpuint(f->c[3].evictions, ==, 1);
    g_assert_cmpuint(f->c[0].evictions, ==, 0);
    g_assert_cmpuint(xenner_xs_budget_pool_queued(f->budget, false), ==, 1000);
}

/*
 * Domain 0's clients have no domain quota and a total of their own:
 * guests' output does not use it up, and when it is used up, a domain 0
 * client goes, never a guest's.
 */
static void test_dom0_apart(Fixture *f, gconstpointer data)
{
    g_assert_true(xenner_xs_budget_reserve(f->c[0].conn, 1000));
    g_assert_true(xenner_xs_budget_reserve(f->c[3].conn, 1000));
    g_assert_true(xenner_xs_budget_reserve(f->c[4].conn, 2000));
    g_assert_true(xenner_xs_budget_reserve(f->c[5].conn, 900));
    g_assert_cmpuint(xenner_xs_budget_pool_queued(f->budget, true), ==, 2900);
    for (unsigned i = 0; i < G_N_ELEMENTS(f->c); i++) {
        g_assert_cmpuint(f->c[i].evictions, ==, 0);
    }
    g_assert_true(xenner_xs_budget_reserve(f->c[5].conn, 200));
    g_assert_cmpuint(f->c[4].evictions, ==, 1);
    g_assert_cmpuint(f->c[0].evictions + f->c[3].evictions, ==, 0);
    g_assert_cmpuint(queued(f, 5), ==, 1100);
}

/* One connection never holds more than XS_BUDGET_CONN_MAX, even domain 0's. */
static void test_conn_max(Fixture *f, gconstpointer data)
{
    set_quota(f, 0, 0);
    g_assert_true(xenner_xs_budget_reserve(f->c[4].conn,
                                           XS_BUDGET_CONN_MAX - 10));
    g_assert_true(xenner_xs_budget_reserve(f->c[5].conn, 4096));
    g_assert_false(xenner_xs_budget_reserve(f->c[4].conn, 11));
    g_assert_cmpuint(f->c[4].evictions, ==, 1);
    g_assert_cmpuint(f->c[5].evictions, ==, 0);
}

/*
 * A message over a quota set below one message's size, with nothing
 * queued to give up, is let through rather than looping.
 */
static void test_tiny_quota(Fixture *f, gconstpointer data)
{
    set_quota(f, 10, 20);
    g_assert_true(xenner_xs_budget_reserve(f->c[0].conn, 100));
    g_assert_cmpuint(f->c[0].evictions, ==, 0);
    g_assert_false(xenner_xs_budget_reserve(f->c[0].conn, 100));
    g_assert_cmpuint(f->c[0].evictions, ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add((path), Fixture, NULL, setup, (fn), teardown)
    ADD("/xs-budget/counts", test_counts);
    ADD("/xs-budget/domain-slowest-first", test_domain_slowest_first);
    ADD("/xs-budget/flush-first", test_flush_first);
    ADD("/xs-budget/domain-self", test_domain_self);
    ADD("/xs-budget/total", test_total);
    ADD("/xs-budget/dom0-apart", test_dom0_apart);
    ADD("/xs-budget/conn-max", test_conn_max);
    ADD("/xs-budget/tiny-quota", test_tiny_quota);
    return g_test_run();
}
