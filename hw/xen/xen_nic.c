/*
 * The net backend's negotiation: what we offer in backend/vif, what the
 * frontend chose in its directory, and the netdev the vif is on.
 *
 * Keys we write before the frontend probes, as Linux's netback does:
 * feature-rx-copy=1, feature-rx-flip=0, feature-rx-notify, feature-sg,
 * feature-gso-tcpv4, feature-gso-tcpv6, feature-ipv6-csum-offload,
 * multi-queue-max-queues, feature-split-event-channels,
 * feature-ctrl-ring, feature-multicast-control,
 * feature-dynamic-multicast-control, and carrier. The toolstack's (mac,
 * handle, mtu, rate) are libxl's; `rate` is watched and applied live.
 *
 * What we require of the frontend is what netback requires:
 * request-rx-copy=1 and feature-rx-notify=1.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xen-net"

#include "xen_nic_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/parse.h"
#include "util/trace.h"

struct XenNicHost {
    NetDevList *nets;
    GHashTable *binds;          /* backend path -> XenNicBind */
};

/* What xen_nic_create() said of a vif it wrote. */
typedef struct XenNicBind {
    char *netdev;
    XenNicOpts opts;
} XenNicBind;

static void bind_free(void *p)
{
    XenNicBind *b = p;

    g_free(b->netdev);
    g_free(b);
}

XenNicHost *xen_nic_host_new(NetDevList *nets)
{
    XenNicHost *host = g_new0(XenNicHost, 1);

    host->nets = nets;
    host->binds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        bind_free);
    return host;
}

void xen_nic_host_free(XenNicHost *host)
{
    if (host) {
        g_hash_table_destroy(host->binds);
        g_free(host);
    }
}

static XenNic *to_nic(XenDevice *xd)
{
    return (XenNic *)xd;
}

EventLoop *xen_nic_loop(XenNic *nic)
{
    return xen_backend_loop(nic->xd.backend);
}

void xen_nic_set_carrier(XenNic *nic, bool on)
{
    xen_device_be_printf(&nic->xd, "carrier", "%d", on);
    trace("%s: carrier %s", nic->xd.be_path, on ? "on" : "off");
}

/* ---- parsers ------------------------------------------------------------- */

bool xen_nic_parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        int hi = g_ascii_xdigit_value(s[0]);
        int lo = hi < 0 ? -1 : g_ascii_xdigit_value(s[1]);

        if (lo < 0 || s[2] != (i < 5 ? ':' : '\0')) {
            return false;
        }
        mac[i] = hi << 4 | lo;
        s += 3;
    }
    return true;
}

bool xen_nic_parse_rate(const char *s, uint64_t *bytes, uint64_t *usec)
{
    const char *comma = s ? strchr(s, ',') : NULL;
    g_autofree char *b = NULL;

    if (!comma) {
        return false;
    }
    b = g_strndup(s, comma - s);
    return parse_decimal(b, UINT64_MAX, bytes) &&
           parse_decimal(comma + 1, UINT32_MAX, usec);
}

const char *const xen_nic_device_keys[] = {
    "mac", "devid", "mtu", "max-queues", "rate", NULL,
};

bool xen_nic_device_parse(QemuOpts *qopts, XenNicOpts *opts, unsigned *devid,
                          Error **errp)
{
    const char *mac = qemu_opt_get(qopts, "mac");
    const char *rate = qemu_opt_get(qopts, "rate");
    uint64_t d, mtu, queues;

    memset(opts, 0, sizeof(*opts));
    if (!qemu_opt_get_number(qopts, "devid", 0, INT32_MAX, &d, errp) ||
        !qemu_opt_get_number(qopts, "mtu", 0, 65535, &mtu, errp) ||
        !qemu_opt_get_number(qopts, "max-queues", 0, XEN_NIC_MAX_QUEUES,
                             &queues, errp)) {
        return false;
    }
    if (mtu && mtu < 68) {
        error_setg(errp, "xen-net-device: mtu=%" PRIu64 " is below 68", mtu);
        return false;
    }
    if (mac) {
        if (!xen_nic_parse_mac(mac, opts->mac) || (opts->mac[0] & 1)) {
            error_setg(errp, "xen-net-device: mac=%s is not a unicast MAC "
                       "address such as 52:54:00:12:34:56", mac);
            return false;
        }
        opts->has_mac = true;
    }
    if (rate) {
        /* BYTES@USEC, as xl's "@"; libxl's comma needs ",," here. */
        g_autofree char *r = g_strdelimit(g_strdup(rate), "@", ',');

        if (!xen_nic_parse_rate(r, &opts->rate_bytes, &opts->rate_usec)) {
            error_setg(errp, "xen-net-device: rate=%s is not BYTES@USEC",
                       rate);
            return false;
        }
    }
    *devid = d;
    opts->mtu = mtu;
    opts->max_queues = queues;
    return true;
}

/* ---- XenDevOps ----------------------------------------------------------- */

/* libxl's `rate`: absent, empty or 0 is no limit. */
static void nic_read_rate(XenNic *nic)
{
    g_autofree char *rate = xen_device_be_read(&nic->xd, "rate");
    uint64_t bytes = 0, usec = 0;

    if (rate && *rate && !xen_nic_parse_rate(rate, &bytes, &usec)) {
        warn_report("%s: rate '%s' is not BYTES,USEC: no limit",
                    nic->xd.be_path, rate);
        bytes = usec = 0;
    }
    if (!bytes || !usec) {
        bytes = usec = 0;
    }
    if (bytes != nic->rate_bytes || usec != nic->rate_usec) {
        nic->rate_bytes = bytes;
        nic->rate_usec = usec;
        trace("%s: rate %" PRIu64 " bytes per %" PRIu64 " us", nic->xd.be_path,
              bytes, usec);
        xen_nic_rate_changed(nic);
    }
}

/* A vif libxl made: a tap named as the kernel's netback would name it. */
static NetDev *nic_own_tap(XenNic *nic, Error **errp)
{
    XenDevice *xd = &nic->xd;
    g_autofree char *name = g_strdup_printf("vif%u.%u", xd->fe_domid,
                                            xd->devid);
    g_autofree char *str = g_strdup_printf(
        "tap,id=%s,ifname=%s,script=no,downscript=no", name, name);
    QemuOpts *qopts = qemu_opts_parse(str, "type", errp);
    NetDev *nd;

    if (!qopts) {
        return NULL;
    }
    nd = net_dev_add(nic->host->nets, qopts, errp);
    qemu_opts_free(qopts);
    if (nd) {
        trace("%s: made tap %s", xd->be_path, name);
    }
    return nd;
}

static void nic_write_features(XenNic *nic)
{
    XenDevice *xd = &nic->xd;
    static const char *const ones[] = {
        "feature-rx-copy", "feature-rx-notify", "feature-sg",
        "feature-gso-tcpv4", "feature-gso-tcpv6",
        "feature-ipv6-csum-offload", "feature-split-event-channels",
        "feature-ctrl-ring", "feature-multicast-control",
        "feature-dynamic-multicast-control",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ones); i++) {
        xen_device_be_printf(xd, ones[i], "1");
    }
    xen_device_be_printf(xd, "feature-rx-flip", "0");
    xen_device_be_printf(xd, "multi-queue-max-queues", "%u", nic->max_queues);
    xen_nic_set_carrier(nic, false);
}

static void nic_release(XenNic *nic)
{
    if (nic->attached) {
        net_dev_detach(nic->nd);
        nic->attached = false;
    }
    if (nic->nd_owned) {
        net_dev_remove(nic->host->nets, nic->nd);
        nic->nd_owned = false;
    }
    nic->nd = NULL;
}

static bool nic_init(XenDevice *xd, Error **errp)
{
    XenNic *nic = to_nic(xd);
    XenNicHost *host = xd->type_opaque;
    XenNicBind *bind = g_hash_table_lookup(host->binds, xd->be_path);
    unsigned nd_queues;

    nic->host = host;
    if (bind) {
        nic->opts = bind->opts;
        nic->nd = net_dev_find(host->nets, bind->netdev);
        if (!nic->nd) {
            error_setg(errp, "no netdev '%s'", bind->netdev);
            return false;
        }
    } else {
        memset(&nic->opts, 0, sizeof(nic->opts));
        nic->nd = nic_own_tap(nic, errp);
        if (!nic->nd) {
            return false;
        }
        nic->nd_owned = true;
    }
    if (!net_dev_attach(nic->nd, &xen_nic_port_ops, nic, errp)) {
        nic_release(nic);
        return false;
    }
    nic->attached = true;
    nd_queues = net_dev_queues(nic->nd);
    nic->max_queues = nic->opts.max_queues ? nic->opts.max_queues : nd_queues;
    nic->max_queues = MAX(MIN(nic->max_queues, XEN_NIC_MAX_QUEUES), 1u);
    nic->rate_bytes = nic->rate_usec = 0;
    nic_write_features(nic);
    nic_read_rate(nic);
    trace("%s: on netdev %s (%s, %u queue(s)), offering %u queue(s)",
          xd->be_path, net_dev_id(nic->nd), net_dev_type(nic->nd), nd_queues,
          nic->max_queues);
    return true;
}

/* A 0/1 key of the frontend's; @dflt when absent. */
static bool fe_flag(XenDevice *xd, const char *key, bool dflt, bool *out,
                    Error **errp)
{
    uint64_t v;

    if (!xen_device_fe_read_uint_opt(xd, key, 1, dflt, &v, errp)) {
        return false;
    }
    *out = v;
    return true;
}

static bool nic_read_frontend_features(XenNic *nic, Error **errp)
{
    XenDevice *xd = &nic->xd;
    bool rx_copy, rx_notify, no_csum;

    if (!fe_flag(xd, "request-rx-copy", false, &rx_copy, errp) ||
        !fe_flag(xd, "feature-rx-notify", false, &rx_notify, errp) ||
        !fe_flag(xd, "feature-sg", false, &nic->sg, errp) ||
        !fe_flag(xd, "feature-gso-tcpv4", false, &nic->gso4, errp) ||
        !fe_flag(xd, "feature-gso-tcpv6", false, &nic->gso6, errp) ||
        !fe_flag(xd, "feature-no-csum-offload", false, &no_csum, errp) ||
        !fe_flag(xd, "feature-ipv6-csum-offload", false, &nic->csum6,
                 errp) ||
        !fe_flag(xd, "request-multicast-control", false,
                 &nic->mcast_control, errp)) {
        return false;
    }
    if (!rx_copy) {
        error_setg(errp, "the frontend does not request rx-copy (page "
                   "flipping is not offered)");
        return false;
    }
    if (!rx_notify) {
        error_setg(errp, "feature-rx-notify is mandatory");
        return false;
    }
    nic->csum4 = !no_csum;
    /* A GSO frame spans pages and carries a blank checksum. */
    nic->gso4 = nic->gso4 && nic->sg && nic->csum4;
    nic->gso6 = nic->gso6 && nic->sg && nic->csum6;
    trace("%s: frontend: sg %d, csum v4 %d v6 %d, gso v4 %d v6 %d, "
          "multicast control %d", xd->be_path, nic->sg, nic->csum4,
          nic->csum6, nic->gso4, nic->gso6, nic->mcast_control);
    return true;
}

static bool nic_map_ring(XenNic *nic, const char *key, uint32_t *ref,
                         void **sring, Error **errp)
{
    uint64_t v;
    int ret;

    if (!xen_device_fe_read_uint(&nic->xd, key, UINT32_MAX, &v, errp)) {
        return false;
    }
    *ref = v;
    ret = xen_device_map_refs(&nic->xd, ref, 1, true, sring);
    if (ret < 0) {
        *sring = NULL;
        error_setg(errp, "cannot map %s %u: %s", key, *ref, g_strerror(-ret));
        return false;
    }
    return true;
}

static bool nic_bind(XenNic *nic, const char *key, XenDeviceEventFn *fn,
                     void *opaque, XenDeviceChannel **chan, Error **errp)
{
    uint64_t port;
    int ret;

    if (!xen_device_fe_read_uint(&nic->xd, key, UINT32_MAX, &port, errp)) {
        return false;
    }
    ret = xen_device_bind_channel(&nic->xd, port, fn, opaque, chan);
    if (ret < 0) {
        *chan = NULL;
        error_setg(errp, "cannot bind %s %" PRIu64 ": %s", key, port,
                   g_strerror(-ret));
        return false;
    }
    return true;
}

static bool nic_connect_queue(XenNic *nic, XenNicQueue *q, Error **errp)
{
    g_autofree char *dir = nic->nr_queues > 1 ?
        g_strdup_printf("queue-%u/", q->index) : g_strdup("");
    g_autofree char *tx_key = g_strconcat(dir, "tx-ring-ref", NULL);
    g_autofree char *rx_key = g_strconcat(dir, "rx-ring-ref", NULL);
    g_autofree char *ev_key = g_strconcat(dir, "event-channel", NULL);
    g_autofree char *evtx_key = g_strconcat(dir, "event-channel-tx", NULL);
    g_autofree char *evrx_key = g_strconcat(dir, "event-channel-rx", NULL);
    g_autofree char *split = xen_device_fe_read(&nic->xd, evtx_key);

    q->nic = nic;
    if (!nic_map_ring(nic, tx_key, &q->tx_ref, &q->tx_sring, errp) ||
        !nic_map_ring(nic, rx_key, &q->rx_ref, &q->rx_sring, errp)) {
        return false;
    }
    if (split) {
        if (!nic_bind(nic, evtx_key, xen_nic_tx_event, q, &q->tx_chan,
                      errp) ||
            !nic_bind(nic, evrx_key, xen_nic_rx_event, q, &q->rx_chan,
                      errp)) {
            return false;
        }
    } else {
        if (!nic_bind(nic, ev_key, xen_nic_tx_event, q, &q->tx_chan, errp)) {
            return false;
        }
        q->rx_chan = q->tx_chan;
    }
    trace("%s: queue %u: tx ring %u, rx ring %u, %s event channels",
          nic->xd.be_path, q->index, q->tx_ref, q->rx_ref,
          split ? "split" : "shared");
    return xen_nic_queue_start(q, errp);
}

static bool nic_connect_ctrl(XenNic *nic, Error **errp)
{
    g_autofree char *ref = xen_device_fe_read(&nic->xd, "ctrl-ring-ref");

    if (!ref) {
        return true;
    }
    if (!nic_map_ring(nic, "ctrl-ring-ref", &nic->ctrl_ref, &nic->ctrl_sring,
                      errp)) {
        return false;
    }
    if (!xen_back_ring_init(&nic->ctrl, nic->ctrl_sring, XEN_PAGE_SIZE,
                            NETIF_CTRL_SLOT_SIZE)) {
        error_setg(errp, "no control ring in one page");
        return false;
    }
    if (!nic_bind(nic, "event-channel-ctrl", xen_nic_ctrl_event, nic,
                  &nic->ctrl_chan, errp)) {
        return false;
    }
    trace("%s: control ring %u", nic->xd.be_path, nic->ctrl_ref);
    xen_nic_ctrl_process(nic);
    return true;
}

static bool nic_initialise(XenDevice *xd, Error **errp)
{
    XenNic *nic = to_nic(xd);
    NetOffloads off;
    uint64_t n;

    if (!nic_read_frontend_features(nic, errp) ||
        !xen_device_fe_read_uint_opt(xd, "multi-queue-num-queues",
                                     nic->max_queues, 1, &n, errp)) {
        return false;
    }
    if (n == 0) {
        error_setg(errp, "multi-queue-num-queues is 0");
        return false;
    }
    nic->nr_queues = n;
    nic->nr_mcast = 0;
    netif_hash_init(&nic->hash, nic->nr_queues);
    /* gso4 and gso6 already imply the checksum offload of their version. */
    off = (NetOffloads) {
        .csum4 = nic->csum4, .csum6 = nic->csum6,
        .tso4 = nic->gso4, .tso6 = nic->gso6,
    };
    net_dev_set_offloads(nic->nd, &off);
    for (unsigned i = 0; i < nic->nr_queues; i++) {
        nic->queues[i].index = i;
        if (!nic_connect_queue(nic, &nic->queues[i], errp)) {
            return false;
        }
    }
    if (!nic_connect_ctrl(nic, errp)) {
        return false;
    }
    return true;
}

static void nic_connected(XenDevice *xd)
{
    xen_nic_set_carrier(to_nic(xd), true);
}

static void nic_disconnect(XenDevice *xd)
{
    XenNic *nic = to_nic(xd);
    NetOffloads none = { false };

    xen_nic_dp_stop(nic);
    for (unsigned i = 0; i < XEN_NIC_MAX_QUEUES; i++) {
        XenNicQueue *q = &nic->queues[i];

        xen_nic_queue_stop(q);
        if (q->rx_chan && q->rx_chan != q->tx_chan) {
            xen_device_unbind_channel(xd, q->rx_chan);
        }
        if (q->tx_chan) {
            xen_device_unbind_channel(xd, q->tx_chan);
        }
        q->tx_chan = q->rx_chan = NULL;
        if (q->tx_sring) {
            xen_device_unmap_refs(xd, q->tx_sring, &q->tx_ref, 1);
        }
        if (q->rx_sring) {
            xen_device_unmap_refs(xd, q->rx_sring, &q->rx_ref, 1);
        }
        q->tx_sring = q->rx_sring = NULL;
    }
    if (nic->ctrl_chan) {
        xen_device_unbind_channel(xd, nic->ctrl_chan);
        nic->ctrl_chan = NULL;
    }
    if (nic->ctrl_sring) {
        xen_device_unmap_refs(xd, nic->ctrl_sring, &nic->ctrl_ref, 1);
        nic->ctrl_sring = NULL;
    }
    if (nic->nr_queues) {
        trace("%s: %u queue(s) stopped and unmapped", xd->be_path,
              nic->nr_queues);
        xen_nic_set_carrier(nic, false);
    }
    nic->nr_queues = 0;
    nic->stalled_queues = 0;
    if (nic->nd) {
        net_dev_set_offloads(nic->nd, &none);
    }
}

static void nic_free(XenDevice *xd)
{
    XenNic *nic = to_nic(xd);

    xen_nic_dp_stop(nic);
    if (nic->credit_timer) {
        event_loop_del_timer(xen_nic_loop(nic), nic->credit_timer);
        nic->credit_timer = NULL;
    }
    nic_release(nic);
}

/* feature-dynamic-multicast-control: the frontend may change its mind. */
static void nic_frontend_changed(XenDevice *xd)
{
    XenNic *nic = to_nic(xd);
    uint64_t v;

    if (xen_device_fe_read_uint_opt(xd, "request-multicast-control", 1, 0,
                                    &v, NULL) && v != nic->mcast_control) {
        nic->mcast_control = v;
        trace("%s: multicast filter %s", xd->be_path, v ? "on" : "off");
    }
}

static void nic_backend_changed(XenDevice *xd)
{
    nic_read_rate(to_nic(xd));
}

static const XenDevOps xen_vif_ops = {
    .type = "vif",
    .size = sizeof(XenNic),
    .init = nic_init,
    .initialise = nic_initialise,
    .connected = nic_connected,
    .disconnect = nic_disconnect,
    .free = nic_free,
    .frontend_changed = nic_frontend_changed,
    .backend_changed = nic_backend_changed,
};

bool xen_nic_kernel_netback_loaded(void)
{
    return g_file_test("/sys/module/xen_netback", G_FILE_TEST_EXISTS);
}

bool xen_nic_register(XenBackend *be, XenNicHost *host, Error **errp)
{
    return xen_backend_register(be, &xen_vif_ops, host, errp);
}

/* ---- the toolstack's part ---------------------------------------------- */

static char *nic_be_path(XenBackend *be, uint16_t domid, unsigned devid)
{
    return g_strdup_printf("/local/domain/%u/backend/vif/%u/%u",
                           xen_backend_domid(be), domid, devid);
}

unsigned xen_nic_free_devid(XenBackend *be, XenNicHost *host, uint16_t domid)
{
    unsigned devid = 0;

    for (;;) {
        g_autofree char *path = nic_be_path(be, domid, devid);

        if (!g_hash_table_contains(host->binds, path)) {
            return devid;
        }
        devid++;
    }
}

bool xen_nic_create(XenBackend *be, XenNicHost *host, uint16_t domid,
                    unsigned devid, NetDev *nd, const XenNicOpts *opts,
                    Error **errp)
{
    g_autofree char *be_path = nic_be_path(be, domid, devid);
    g_autofree char *handle = g_strdup_printf("%u", devid);
    g_autofree char *mtu = g_strdup_printf("%u", opts->mtu ? opts->mtu : 1500);
    g_autofree char *rate = NULL;
    char mac[18];
    uint8_t m[6];
    const char *be_keys[16], *fe_keys[] = {
        "handle", handle, "mac", mac, "trusted", "1", NULL,
    };
    const char *fe_ro_keys[] = { "mtu", mtu, NULL };
    unsigned n = 0;
    XenNicBind *bind;
    GHashTableIter it;
    gpointer value;

    /*
     * Until discovery has seen it, a vif just written is known here
     * only: xen_backend_find_device() would miss it.
     */
    if (g_hash_table_contains(host->binds, be_path)) {
        error_setg(errp, "xen-net-device: guest %u has vif %u already",
                   (unsigned)domid, devid);
        return false;
    }
    g_hash_table_iter_init(&it, host->binds);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        if (!strcmp(((XenNicBind *)value)->netdev, net_dev_id(nd))) {
            error_setg(errp, "Property 'netdev' can't take value '%s', it's "
                       "in use", net_dev_id(nd));
            return false;
        }
    }

    if (opts->has_mac) {
        memcpy(m, opts->mac, 6);
    } else {
        /* QEMU's default: 52:54:00:12:34:56 + the device's number. */
        m[0] = 0x52; m[1] = 0x54; m[2] = 0x00; m[3] = 0x12; m[4] = 0x34;
        m[5] = 0x56 + domid * 16 + devid;
    }
    snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
             m[2], m[3], m[4], m[5]);
    be_keys[n++] = "mac";
    be_keys[n++] = mac;
    be_keys[n++] = "handle";
    be_keys[n++] = handle;
    be_keys[n++] = "type";
    be_keys[n++] = "vif";
    if (opts->mtu) {
        be_keys[n++] = "mtu";
        be_keys[n++] = mtu;
    }
    if (opts->rate_bytes && opts->rate_usec) {
        rate = g_strdup_printf("%" PRIu64 ",%" PRIu64, opts->rate_bytes,
                               opts->rate_usec);
        be_keys[n++] = "rate";
        be_keys[n++] = rate;
    }
    be_keys[n] = NULL;

    bind = g_new0(XenNicBind, 1);
    bind->netdev = g_strdup(net_dev_id(nd));
    bind->opts = *opts;
    /* Before the directories exist: the core reads it at init. */
    g_hash_table_replace(host->binds, g_steal_pointer(&be_path), bind);
    return xen_backend_create_device(be, "vif", domid, devid, NULL, be_keys,
                                     fe_keys, fe_ro_keys, errp);
}

/*
 * As -device's parser checks them: domid= is the caller's, and the
 * netdev is looked up before any vif is written.
 */
static NetDev *nic_device_check(XenNicHost *host, QemuOpts *qopts,
                                XenNicOpts *opts, unsigned *devid,
                                Error **errp)
{
    g_autoptr(GPtrArray) keys = g_ptr_array_new();
    const char *netdev = qemu_opt_get(qopts, "netdev");
    NetDev *nd;

    g_ptr_array_add(keys, (gpointer)"driver");
    g_ptr_array_add(keys, (gpointer)"domid");
    g_ptr_array_add(keys, (gpointer)"netdev");
    for (const char *const *k = xen_nic_device_keys; *k; k++) {
        g_ptr_array_add(keys, (gpointer)*k);
    }
    g_ptr_array_add(keys, NULL);
    if (!qemu_opts_check_keys(qopts, (const char *const *)keys->pdata,
                              XEN_NIC_DEVICE, errp)) {
        return NULL;
    }
    if (!netdev) {
        error_setg(errp, "xen-net-device needs netdev=ID");
        return NULL;
    }
    nd = net_dev_find(host->nets, netdev);
    if (!nd) {
        error_setg(errp, "xen-net-device: no -netdev id=%s", netdev);
        return NULL;
    }
    return xen_nic_device_parse(qopts, opts, devid, errp) ? nd : NULL;
}

bool xen_nic_device_check(XenNicHost *host, QemuOpts *qopts, Error **errp)
{
    XenNicOpts opts;
    unsigned devid;

    return nic_device_check(host, qopts, &opts, &devid, errp);
}

bool xen_nic_device_add(XenBackend *be, XenNicHost *host, QemuOpts *qopts,
                        uint16_t domid, Error **errp)
{
    XenNicOpts opts;
    unsigned devid;
    NetDev *nd = nic_device_check(host, qopts, &opts, &devid, errp);

    if (!nd) {
        return false;
    }
    if (!qemu_opt_get(qopts, "devid")) {
        /* As libxl numbers a guest's vifs: the first one free. */
        devid = xen_nic_free_devid(be, host, domid);
    }
    return xen_nic_create(be, host, domid, devid, nd, &opts, errp);
}
