/*
 * The net test guest; see programs.h for what it does and writes.
 *
 * The bridge keeps each frame's metadata as a Linux bridge between two
 * netfronts would: the virtio_net_hdr netfront hands over for a frame it
 * received (NEEDS_CSUM for csum_blank, DATA_VALID, GSO from the extra)
 * goes with the frame to the other side's netfront_sendv(), which makes
 * csum_blank, data_validated and the GSO extra of it again.
 *
 * Back-pressure instead of drops: when the other side's TX ring is full
 * the frame is refused, netfront keeps it and stops reading that RX
 * queue, and the other side's tx_ready resumes it. Only frames that can
 * never go (no peer connected, too big, an offload the peer's backend
 * did not offer) are dropped, and counted.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "guest-net.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include <xen/io/xenbus.h>

#include "netfront.h"
#include "programs.h"
#include "util/parse.h"

/* How often the counters reach xenstore (only when they changed). */
#define NET_STATS_MS 50

typedef struct GuestVif {
    GuestNet *gn;
    unsigned handle;
    NetFront *nf;
    bool connected;
    uint64_t drops;
    NetFrontStats written;      /* what xenstore has */
    uint64_t written_drops;
    bool written_once;
} GuestVif;

struct GuestNet {
    XennerGuest *g;
    NetFrontConfig cfg;
    GHashTable *vifs;           /* handle -> GuestVif */
    XenXsWatch *watch;
    EventLoopTimer *timer;
};

static const char *const net_keys[] = { GUEST_NET_KEYS, NULL };

/* The vif a frame from @v goes to: 0 and 1 are bridged. */
static GuestVif *vif_peer(GuestVif *v)
{
    if (v->handle > 1) {
        return NULL;
    }
    return g_hash_table_lookup(v->gn->vifs, GUINT_TO_POINTER(!v->handle));
}

/* ---- counters ------------------------------------------------------- */

static void vif_write_stats(GuestVif *v, bool force)
{
    static const char *const names[] = {
        "rx-frames", "rx-bytes", "rx-gso", "rx-csum-blank", "rx-errors",
        "tx-frames", "tx-bytes", "tx-gso", "tx-csum-blank", "tx-errors",
        "drops",
    };
    NetFrontStats st;
    uint64_t vals[G_N_ELEMENTS(names)];

    netfront_get_stats(v->nf, &st);
    if (!force && v->written_once && v->drops == v->written_drops &&
        !memcmp(&st, &v->written, sizeof(st))) {
        return;
    }
    vals[0] = st.rx_frames;
    vals[1] = st.rx_bytes;
    vals[2] = st.rx_gso;
    vals[3] = st.rx_csum_blank;
    vals[4] = st.rx_errors;
    vals[5] = st.tx_frames;
    vals[6] = st.tx_bytes;
    vals[7] = st.tx_gso;
    vals[8] = st.tx_csum_blank;
    vals[9] = st.tx_errors;
    vals[10] = v->drops;
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *key = g_strdup_printf("data/net/%u/%s", v->handle,
                                               names[i]);

        xenner_guest_xs_printf(v->gn->g, key, "%" PRIu64, vals[i]);
    }
    v->written = st;
    v->written_drops = v->drops;
    v->written_once = true;
}

static void net_stats_tick(void *opaque)
{
    GuestNet *gn = opaque;
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, gn->vifs);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        vif_write_stats(value, false);
    }
}

static void vif_write_state(GuestVif *v)
{
    g_autofree char *key = g_strdup_printf("data/net/%u/state", v->handle);

    if (v->connected) {
        xenner_guest_xs_printf(v->gn->g, key, "connected %u%s",
                               netfront_nr_queues(v->nf),
                               netfront_split(v->nf) ? " split" : "");
    } else {
        xenner_guest_xs_printf(v->gn->g, key, "closed");
    }
}

/* ---- the bridge ----------------------------------------------------- */

static bool vif_rx(void *opaque, NetFront *nf, unsigned queue,
                   const NetFrontRxInfo *info, const struct iovec *iov,
                   int iovcnt, size_t len)
{
    GuestVif *v = opaque;
    GuestVif *peer = vif_peer(v);
    int ret;

    if (!peer || !peer->connected) {
        v->drops++;
        return true;
    }
    /* Straight from our RX pages into the peer's TX pages. */
    ret = netfront_sendv(peer->nf, queue % netfront_nr_queues(peer->nf),
                         &info->hdr, iov, iovcnt);
    if (ret == -EBUSY) {
        return false;           /* held; the peer's tx_ready resumes us */
    }
    if (ret) {
        v->drops++;
    }
    return true;
}

static void vif_tx_ready(void *opaque, NetFront *nf, unsigned queue)
{
    GuestVif *v = opaque;
    GuestVif *peer = vif_peer(v);

    if (peer && peer->connected) {
        for (unsigned i = 0; i < netfront_nr_queues(peer->nf); i++) {
            netfront_rx_resume(peer->nf, i);
        }
    }
}

static void vif_state(void *opaque, NetFront *nf, bool connected)
{
    GuestVif *v = opaque;
    GuestVif *peer = vif_peer(v);

    v->connected = connected;
    vif_write_state(v);
    vif_write_stats(v, true);
    /* Frames the peer held for us can go now. */
    if (connected && peer && peer->connected) {
        for (unsigned i = 0; i < netfront_nr_queues(peer->nf); i++) {
            netfront_rx_resume(peer->nf, i);
        }
    }
}

static const NetFrontOps vif_ops = {
    .state = vif_state,
    .rxv = vif_rx,
    .tx_ready = vif_tx_ready,
};

/* ---- devices ---------------------------------------------------------- */

static void vif_free(gpointer p)
{
    GuestVif *v = p;

    netfront_free(v->nf);
    g_free(v);
}

static void vif_add(void *opaque, unsigned handle)
{
    GuestNet *gn = opaque;
    GuestVif *v = g_new0(GuestVif, 1);

    v->gn = gn;
    v->handle = handle;
    g_hash_table_insert(gn->vifs, GUINT_TO_POINTER(handle), v);
    v->nf = netfront_new(gn->g, handle, &gn->cfg, &vif_ops, v);
}

static void vifs_scan(void *opaque, const char *path)
{
    GuestNet *gn = opaque;

    xenner_guest_scan_devices(gn->g, "vif", gn->vifs, vif_add, gn);
}

bool guest_net_keys_given(QemuOpts *opts)
{
    return guest_program_keys_given(opts, net_keys);
}

GuestNet *guest_net_new(XennerGuest *g, QemuOpts *opts, Error **errp)
{
    GuestNet *gn;
    uint64_t queues;
    bool split, sg, gso, csum, ctrl;

    if (!qemu_opt_get_number(opts, "net-queues", 1, 16, &queues, errp) ||
        !guest_program_bool(opts, "net-split", true, &split, errp) ||
        !guest_program_bool(opts, "net-sg", true, &sg, errp) ||
        !guest_program_bool(opts, "net-gso", true, &gso, errp) ||
        !guest_program_bool(opts, "net-csum", true, &csum, errp) ||
        !guest_program_bool(opts, "net-ctrl", false, &ctrl, errp)) {
        return NULL;
    }
    if (queues == 0) {
        error_setg(errp, "-xenner-guest: net-queues must be at least 1");
        return NULL;
    }
    gn = g_new0(GuestNet, 1);
    gn->g = g;
    gn->cfg = (NetFrontConfig) {
        .nr_queues = queues,
        .split = split,
        .ctrl = ctrl,
        .sg = sg,
        .gso = gso,
        .csum = csum,
    };
    gn->vifs = g_hash_table_new_full(NULL, NULL, NULL, vif_free);
    gn->timer = event_loop_add_timer(xenner_guest_loop(g), NET_STATS_MS,
                                     net_stats_tick, gn, NULL);
    xenner_guest_xs_ops(g)->watch(xenner_guest_xs(g), "device/vif",
                                  vifs_scan, gn, &gn->watch);
    return gn;
}

bool guest_net_command(GuestNet *gn, const char *verb, unsigned handle)
{
    GuestVif *v = g_hash_table_lookup(gn->vifs, GUINT_TO_POINTER(handle));

    if (strcmp(verb, "net-reconnect")) {
        return false;
    }
    if (v) {
        netfront_reconnect(v->nf);
    }
    return true;
}

void guest_net_free(GuestNet *gn)
{
    if (!gn) {
        return;
    }
    if (gn->watch) {
        xenner_guest_xs_ops(gn->g)->unwatch(xenner_guest_xs(gn->g),
                                            gn->watch);
    }
    event_loop_del_timer(xenner_guest_loop(gn->g), gn->timer);
    g_hash_table_destroy(gn->vifs);
    g_free(gn);
}
