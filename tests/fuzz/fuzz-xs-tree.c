/*
 * libFuzzer target: sequences of xenstore tree operations by three
 * clients (dom0 and two guests), with transactions, watches and quotas.
 * After each input the tree is walked to check that its node count, and
 * each domain's count of the nodes it owns, match what the operations
 * left behind.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xenner/xs_tree.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NCLIENTS 3

/* Paths from a small alphabet, so that operations meet on the same nodes. */
static void take_path(FuzzInput *in, char *buf, size_t size)
{
    static const char *const names[] = {
        "a", "b", "c", "local", "domain", "7", "9", "0", "x-y", "@z",
    };
    static const char *const roots[] = {
        "/", "", "/local/domain/7/", "/local/domain/9/",
        "@introduceDomain", "@releaseDomain", "//", "/a/",
    };
    unsigned root = fuzz_take(in, 1);
    unsigned depth = fuzz_take(in, 1) % 5;

    g_strlcpy(buf, roots[root % G_N_ELEMENTS(roots)], size);
    for (unsigned i = 0; i < depth; i++) {
        if (i && buf[0]) {
            g_strlcat(buf, "/", size);
        }
        g_strlcat(buf, names[fuzz_take(in, 1) % G_N_ELEMENTS(names)], size);
    }
}

static void ignore_event(void *opaque, const char *path, const char *token)
{
    unsigned *events = opaque;

    /* Events must carry what a wire reply can hold. */
    if (strlen(path) + strlen(token) + 2 > 2 * XS_VALUE_MAX) {
        abort();
    }
    (*events)++;
}

/* Counts the nodes from @path down, and in @owned those of each owner. */
static unsigned count_nodes(XsClient *dom0, const char *path,
                            unsigned *owned)
{
    g_autoptr(GByteArray) names = g_byte_array_new();
    g_autofree XsPerm *perms = NULL;
    unsigned n = 1, nperms;

    if (xenner_xs_client_directory(dom0, 0, path, names) ||
        xenner_xs_client_get_perms(dom0, 0, path, &perms, &nperms)) {
        abort();
    }
    owned[perms[0].domid]++;
    for (size_t off = 0; off < names->len;) {
        const char *name = (const char *)names->data + off;
        g_autofree char *child = g_strconcat(path, strcmp(path, "/") ? "/"
                                             : "", name, NULL);

        n += count_nodes(dom0, child, owned);
        off += strlen(name) + 1;
    }
    return n;
}

static void run_op(XsTree *tree, XsClient **clients, uint32_t *txs,
                   unsigned *events, FuzzInput *in)
{
    unsigned op = fuzz_take(in, 1);
    unsigned who = fuzz_take(in, 1) % NCLIENTS;
    XsClient *c = clients[who];
    uint32_t tx = fuzz_take(in, 1) & 1 ? txs[who] : 0;
    char path[256];
    g_autoptr(GByteArray) out = g_byte_array_new();
    g_autofree XsPerm *perms = NULL;
    XsPerm newperms[7];
    unsigned nperms;
    uint8_t value[64];
    size_t len;
    XsQuota quota;
    bool introduced;
    uint16_t domid;

    take_path(in, path, sizeof(path));
    switch (op % 16) {
    case 0:
        xenner_xs_client_read(c, tx, path, out);
        break;
    case 1:
        len = fuzz_take(in, 1) % sizeof(value);
        for (size_t i = 0; i < len; i++) {
            value[i] = fuzz_take(in, 1);
        }
        xenner_xs_client_write(c, tx, path, value, len);
        break;
    case 2:
        xenner_xs_client_mkdir(c, tx, path);
        break;
    case 3:
        xenner_xs_client_rm(c, tx, path);
        break;
    case 4:
        xenner_xs_client_directory(c, tx, path, out);
        break;
    case 5:
        xenner_xs_client_directory_part(c, tx, path, fuzz_take(in, 1), out);
        break;
    case 6:
        if (xenner_xs_client_get_perms(c, tx, path, &perms, &nperms) == 0 &&
            !nperms) {
            abort();
        }
        break;
    case 7:
        nperms = fuzz_take(in, 1) % G_N_ELEMENTS(newperms);
        for (unsigned i = 0; i < nperms; i++) {
            newperms[i].domid = (fuzz_take(in, 1) % 4) * 7 / 3;
            newperms[i].perms = fuzz_take(in, 1) & 3;
        }
        xenner_xs_client_set_perms(c, tx, path, newperms, nperms);
        break;
    case 8:
        if (!txs[who]) {
            xenner_xs_client_transaction_start(c, &txs[who]);
        }
        break;
    case 9:
        xenner_xs_client_transaction_end(c, txs[who], fuzz_take(in, 1) & 1);
        txs[who] = 0;
        break;
    case 10:
        xenner_xs_client_watch(c, path, fuzz_take(in, 1) & 1 ? "t1" : "t2");
        break;
    case 11:
        xenner_xs_client_unwatch(c, path, fuzz_take(in, 1) & 1 ? "t1" : "t2");
        break;
    case 12:
        xenner_xs_client_introduce(c, fuzz_take(in, 1) % 12);
        break;
    case 13:
        domid = fuzz_take(in, 1) % 12;
        if (xenner_xs_client_release(c, domid) == 0) {
            /* Its clients are dead for good: carry on with new ones. */
            for (int i = 0; i < NCLIENTS; i++) {
                if (xenner_xs_client_domid(clients[i]) == domid) {
                    xenner_xs_client_free(clients[i]);
                    clients[i] = xenner_xs_client_new(tree, domid,
                                                      ignore_event, events);
                    txs[i] = 0;
                }
            }
        }
        break;
    case 14:
        xenner_xs_client_is_introduced(c, fuzz_take(in, 1) % 12, &introduced);
        break;
    case 15:
        xenner_xs_tree_get_quota(tree, &quota);
        quota.nodes = fuzz_take(in, 1) % 40;
        quota.watches = fuzz_take(in, 1) % 8;
        quota.transaction_nodes = fuzz_take(in, 1) % 16;
        xenner_xs_tree_set_quota(tree, &quota);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t domids[NCLIENTS] = { 0, 7, 9 };
    XsTree *tree = xenner_xs_tree_new();
    XsClient *clients[NCLIENTS];
    uint32_t txs[NCLIENTS] = { 0 };
    unsigned events = 0;
    FuzzInput in = { data, size };
    g_autofree unsigned *owned = g_new0(unsigned, UINT16_MAX + 1);

    for (int i = 0; i < NCLIENTS; i++) {
        clients[i] = xenner_xs_client_new(tree, domids[i], ignore_event,
                                          &events);
    }
    while (in.left) {
        run_op(tree, clients, txs, &events, &in);
    }
    if (count_nodes(clients[0], "/", owned) !=
        xenner_xs_tree_node_count(tree)) {
        abort();
    }
    /* Owners are among the domids the operations name: all below 12. */
    for (unsigned d = 0; d < 12; d++) {
        XsUsage u;

        if (xenner_xs_tree_get_usage(tree, d, &u) == 0 ? u.nodes != owned[d]
                                                         : owned[d] != 0) {
            abort();
        }
    }
    xenner_xs_tree_free(tree);
    return 0;
}
