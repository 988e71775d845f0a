/*
 * The net core: the -netdev list, one device per netdev, and the frames
 * between them with flow control both ways (include/net/net.h).
 *
 * A frame that cannot go on at once is held here, one per queue and
 * direction, and the side that produced it is told to stop: the type
 * stops reading (receive() refused), the device stops taking requests
 * (-EAGAIN). Nothing is dropped for want of room.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "net"

#include "net/net-int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_ether.h>

#include "util/trace.h"

struct NetDevList {
    EventLoop *loop;
    const NetDevClass *const *classes;
    GPtrArray *devs;                /* NetDev, in command-line order */
};

/* What a frame without offloads carries. */
static const struct virtio_net_hdr net_hdr_zero;

/* The types this build has, in `-netdev help` order. */
static const NetDevClass *const net_dev_builtin[] = {
    &net_stream_class,
    &net_tap_class,
    &net_slirp_class,
    NULL,
};

size_t net_iov_size(const struct iovec *iov, int iovcnt)
{
    size_t len = 0;

    for (int i = 0; i < iovcnt; i++) {
        len += iov[i].iov_len;
    }
    return len;
}

void net_iov_to_buf(const struct iovec *iov, int iovcnt, uint8_t *buf,
                    size_t len)
{
    for (int i = 0; i < iovcnt && len; i++) {
        size_t n = MIN(len, iov[i].iov_len);

        memcpy(buf, iov[i].iov_base, n);
        buf += n;
        len -= n;
    }
}

/* Copies the frame into @h's buffer, not yet held. */
static uint8_t *net_held_fill(NetHeld *h, const struct virtio_net_hdr *hdr,
                              const struct iovec *iov, int iovcnt,
                              size_t len)
{
    if (!h->buf) {
        h->buf = g_malloc(NET_FRAME_MAX);
    }
    net_iov_to_buf(iov, iovcnt, h->buf, len);
    h->len = len;
    h->hdr = *hdr;
    return h->buf;
}

static void net_held_clear(NetHeld *h)
{
    h->held = false;
    h->cutting = false;
    h->seg_len = 0;
    h->len = 0;
}

/*
 * Starts cutting the GSO frame in @h into segments; false when its
 * header contradicts it.
 */
static bool net_held_cut(NetHeld *h)
{
    if (net_offload_gso_init(&h->gso, &h->hdr, h->buf, h->len)) {
        return false;
    }
    if (!h->seg) {
        h->seg = g_malloc(NET_FRAME_MAX);
    }
    h->held = true;
    h->cutting = true;
    h->seg_len = 0;
    return true;
}

/*
 * The next piece @h has to pass on: the next segment being cut, or the
 * whole frame. False when there is nothing left (and @h is cleared).
 */
static bool net_held_peek(NetHeld *h, struct iovec *iov,
                          const struct virtio_net_hdr **hdr)
{
    if (!h->held) {
        return false;
    }
    if (!h->cutting) {
        *iov = (struct iovec) { .iov_base = h->buf, .iov_len = h->len };
        *hdr = &h->hdr;
        return true;
    }
    if (!h->seg_len) {
        h->seg_len = net_offload_gso_next(&h->gso, h->buf, h->seg);
        if (!h->seg_len) {
            net_held_clear(h);
            return false;
        }
    }
    *iov = (struct iovec) { .iov_base = h->seg, .iov_len = h->seg_len };
    *hdr = &net_hdr_zero;
    return true;
}

/* The piece net_held_peek() gave was taken. */
static void net_held_taken(NetHeld *h)
{
    if (h->cutting) {
        h->seg_len = 0;
    } else {
        net_held_clear(h);
    }
}

static bool net_hdr_is_plain(const struct virtio_net_hdr *hdr)
{
    return !(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
           hdr->gso_type == VIRTIO_NET_HDR_GSO_NONE;
}

/* ---- towards the guest -------------------------------------------------- */

/*
 * Whether a blank checksum in the frame @iov holds is one the guest
 * takes: the guest says so per IP version, the host side's header does
 * not say which one the frame is. Only the Ethernet type is read (past
 * one VLAN tag); a frame of neither version needs both flags.
 */
static bool net_guest_takes_csum(const NetOffloads *o,
                                 const struct iovec *iov, int iovcnt)
{
    uint8_t eth[18];
    size_t got = MIN(net_iov_size(iov, iovcnt), sizeof(eth));
    unsigned type;

    net_iov_to_buf(iov, iovcnt, eth, got);
    type = got >= 14 ? (eth[12] << 8) | eth[13] : 0;

    if ((type == ETH_P_8021Q || type == ETH_P_8021AD) && got >= 18) {
        type = (eth[16] << 8) | eth[17];
    }
    switch (type) {
    case ETH_P_IP:
        return o->csum4;
    case ETH_P_IPV6:
        return o->csum6;
    default:
        return o->csum4 && o->csum6;
    }
}

/* Whether the guest takes @hdr's offloads as they are (net_dev_set_offloads). */
static bool net_guest_takes(const NetDev *nd, const struct virtio_net_hdr *hdr,
                            const struct iovec *iov, int iovcnt)
{
    const NetOffloads *o = &nd->guest;

    if ((hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
        !net_guest_takes_csum(o, iov, iovcnt)) {
        return false;
    }
    switch (hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
    case VIRTIO_NET_HDR_GSO_NONE:
        break;
    case VIRTIO_NET_HDR_GSO_TCPV4:
        if (!o->tso4 || !o->csum4) {
            return false;
        }
        break;
    case VIRTIO_NET_HDR_GSO_TCPV6:
        if (!o->tso6 || !o->csum6) {
            return false;
        }
        break;
    default:
        return false;
    }
    return !(hdr->gso_type & VIRTIO_NET_HDR_GSO_ECN) || o->ecn;
}

/* Passes on what @nq holds; false when the device refused it again. */
static bool net_rx_flush(NetQueue *nq)
{
    NetDev *nd = nq->nd;
    const struct virtio_net_hdr *hdr;
    struct iovec iov;

    while (net_held_peek(&nq->rx, &iov, &hdr)) {
        if (!nd->port->receive(nd->port_opaque, nq->index, hdr, &iov, 1)) {
            return false;
        }
        net_held_taken(&nq->rx);
    }
    return true;
}

bool net_dev_deliver(NetDev *nd, unsigned queue,
                     const struct virtio_net_hdr *hdr,
                     const struct iovec *iov, int iovcnt)
{
    NetQueue *nq = &nd->q[queue % nd->queues];
    NetHeld *h = &nq->rx;
    size_t len = net_iov_size(iov, iovcnt);

    if (!hdr) {
        hdr = &net_hdr_zero;
    }
    if (!nd->port || !len || len > NET_FRAME_MAX) {
        return true;                /* nobody to take it, or not a frame */
    }
    if (h->held) {
        /* The type should have stopped: keep order, refuse. */
        return false;
    }
    if (net_guest_takes(nd, hdr, iov, iovcnt)) {
        if (nd->port->receive(nd->port_opaque, nq->index, hdr, iov,
                              iovcnt)) {
            return true;
        }
        net_held_fill(h, hdr, iov, iovcnt, len);
        h->held = true;
        return false;
    }
    /* Finished here: the guest did not say it takes this offload. */
    net_held_fill(h, hdr, iov, iovcnt, len);
    if (net_offload_check(&h->hdr, h->buf, len) ||
        (hdr->gso_type == VIRTIO_NET_HDR_GSO_NONE
         ? net_offload_csum(&h->hdr, h->buf, len) : !net_held_cut(h))) {
        warn_report_ratelimited(&nd->bad_rl, "netdev %s: dropped a frame whose "
                                "offload header does not fit it", nd->id);
        net_held_clear(h);
        return true;
    }
    if (!h->cutting) {
        h->hdr = net_hdr_zero;
        h->held = true;
    }
    return net_rx_flush(nq);
}

static void net_rx_resume_bh(void *opaque)
{
    NetQueue *nq = opaque;
    NetDev *nd = nq->nd;

    if (nd->port && net_rx_flush(nq) && nd->cls->resume) {
        nd->cls->resume(nd, nq->index);
    }
}

void net_dev_resume(NetDev *nd, unsigned queue)
{
    /* Not from inside the device's call: receive() may run again. */
    event_loop_schedule(nd->loop, net_rx_resume_bh,
                        &nd->q[queue % nd->queues]);
}

/* ---- towards the host --------------------------------------------------- */

/* Sends the segments @nq is cutting; false when the host side is full. */
static bool net_tx_flush(NetQueue *nq)
{
    NetDev *nd = nq->nd;
    const struct virtio_net_hdr *hdr;
    struct iovec iov;

    while (net_held_peek(&nq->tx, &iov, &hdr)) {
        if (nd->cls->send(nd, nq->index, NULL, &iov, 1) == -EAGAIN) {
            return false;
        }
        net_held_taken(&nq->tx);
    }
    return true;
}

int net_dev_send(NetDev *nd, unsigned queue,
                 const struct virtio_net_hdr *hdr,
                 const struct iovec *iov, int iovcnt)
{
    NetQueue *nq = &nd->q[queue % nd->queues];
    NetHeld *h = &nq->tx;
    size_t len = net_iov_size(iov, iovcnt);
    struct iovec one;
    int ret;

    if (!hdr) {
        hdr = &net_hdr_zero;
    }
    if (!len || len > NET_FRAME_MAX) {
        return -EINVAL;
    }
    if (h->held) {
        nq->tx_blocked = true;
        return -EAGAIN;
    }
    if (net_hdr_is_plain(hdr)) {
        ret = nd->cls->send(nd, nq->index, nd->vnet_hdr ? hdr : NULL, iov,
                            iovcnt);
    } else {
        /* A guest's header: checked against its frame before any use. */
        if (nd->vnet_hdr) {
            /* The headers are enough to check: the frame goes uncopied. */
            uint8_t head[NET_OFFLOAD_HDRS_MAX];
            struct virtio_net_hdr copy = *hdr;

            net_iov_to_buf(iov, iovcnt, head, MIN(len, sizeof(head)));
            if (net_offload_check(&copy, head, len)) {
                return -EINVAL;
            }
            ret = nd->cls->send(nd, nq->index, &copy, iov, iovcnt);
            if (ret == -EAGAIN) {
                nq->tx_blocked = true;
            }
            return ret;
        }
        net_held_fill(h, hdr, iov, iovcnt, len);
        if (net_offload_check(&h->hdr, h->buf, len)) {
            return -EINVAL;
        }
        one = (struct iovec) { .iov_base = h->buf, .iov_len = len };
        if (h->hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
            net_offload_csum(&h->hdr, h->buf, len);
            ret = nd->cls->send(nd, nq->index, NULL, &one, 1);
        } else {
            /* Taken whole: what the host cannot take yet waits here. */
            net_held_cut(h);
            net_tx_flush(nq);
            return 0;
        }
    }
    if (ret == -EAGAIN) {
        nq->tx_blocked = true;
    }
    return ret;
}

void net_dev_host_writable(NetDev *nd, unsigned queue)
{
    NetQueue *nq = &nd->q[queue % nd->queues];

    if (!net_tx_flush(nq) || !nq->tx_blocked) {
        return;
    }
    nq->tx_blocked = false;
    if (nd->port && nd->port->writable) {
        nd->port->writable(nd->port_opaque, nq->index);
    }
}

/* ---- attach ------------------------------------------------------------- */

bool net_dev_attach(NetDev *nd, const NetDevPortOps *ops, void *opaque,
                    Error **errp)
{
    if (nd->port) {
        error_setg(errp, "Property 'netdev' can't take value '%s', it's "
                   "in use", nd->id);
        return false;
    }
    nd->port = ops;
    nd->port_opaque = opaque;
    trace("netdev %s attached", nd->id);
    if (nd->cls->start) {
        nd->cls->start(nd);
    }
    return true;
}

void net_dev_detach(NetDev *nd)
{
    if (!nd->port) {
        return;
    }
    if (nd->cls->stop) {
        nd->cls->stop(nd);
    }
    for (unsigned i = 0; i < nd->queues; i++) {
        event_loop_cancel(nd->loop, net_rx_resume_bh, &nd->q[i]);
        net_held_clear(&nd->q[i].rx);
        net_held_clear(&nd->q[i].tx);
        nd->q[i].tx_blocked = false;
    }
    nd->port = NULL;
    nd->port_opaque = NULL;
    trace("netdev %s detached", nd->id);
}

void net_dev_set_offloads(NetDev *nd, const NetOffloads *guest)
{
    nd->guest = *guest;
    trace("netdev %s: the guest takes csum4=%d csum6=%d tso4=%d tso6=%d "
          "ecn=%d", nd->id, guest->csum4, guest->csum6, guest->tso4,
          guest->tso6, guest->ecn);
    if (nd->cls->set_offloads) {
        nd->cls->set_offloads(nd, guest);
    }
}

/* ---- the list ----------------------------------------------------------- */

const char *net_dev_id(const NetDev *nd)
{
    return nd->id;
}

const char *net_dev_type(const NetDev *nd)
{
    return nd->cls->type;
}

unsigned net_dev_queues(const NetDev *nd)
{
    return nd->queues;
}

const char *net_dev_ifname(const NetDev *nd)
{
    return nd->ifname;
}

NetDev *net_dev_find(NetDevList *list, const char *id)
{
    for (guint i = 0; i < list->devs->len; i++) {
        NetDev *nd = g_ptr_array_index(list->devs, i);

        if (!strcmp(nd->id, id)) {
            return nd;
        }
    }
    return NULL;
}

/* QEMU's identifiers: a letter, then letters, digits, '-', '.', '_'. */
static bool net_id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

static const NetDevClass *net_find_class(NetDevList *list, const char *type)
{
    for (const NetDevClass *const *c = list->classes; *c; c++) {
        if (!strcmp((*c)->type, type)) {
            return *c;
        }
    }
    return NULL;
}

static void net_dev_free(NetDev *nd)
{
    net_dev_detach(nd);
    /* A resume asked for after the detach must not run on freed memory. */
    for (unsigned i = 0; i < NET_QUEUES_MAX; i++) {
        event_loop_cancel(nd->loop, net_rx_resume_bh, &nd->q[i]);
    }
    if (nd->cls->close) {
        nd->cls->close(nd);
    }
    for (unsigned i = 0; i < NET_QUEUES_MAX; i++) {
        g_free(nd->q[i].rx.buf);
        g_free(nd->q[i].rx.seg);
        g_free(nd->q[i].tx.buf);
        g_free(nd->q[i].tx.seg);
    }
    g_free(nd->ifname);
    g_free(nd->id);
    g_free(nd);
}

static bool net_check_opts(NetDevList *list, QemuOpts *opts,
                           const NetDevClass **cls, Error **errp)
{
    const char *type = qemu_opt_get(opts, "type");
    const char *id = qemu_opt_get(opts, "id");
    g_autoptr(GPtrArray) keys = g_ptr_array_new();

    if (!type) {
        error_setg(errp, "Parameter 'type' is missing");
        return false;
    }
    *cls = net_find_class(list, type);
    if (!*cls) {
        error_setg(errp, "Parameter 'type' does not accept value '%s'",
                   type);
        return false;
    }
    g_ptr_array_add(keys, (gpointer)"type");
    g_ptr_array_add(keys, (gpointer)"id");
    for (const char *const *k = (*cls)->keys; k && *k; k++) {
        g_ptr_array_add(keys, (gpointer)*k);
    }
    g_ptr_array_add(keys, NULL);
    if (!qemu_opts_check_params(opts, (const char *const *)keys->pdata,
                                errp)) {
        return false;
    }
    if (!id) {
        error_setg(errp, "Parameter 'id' is missing");
        return false;
    }
    if (!net_id_wellformed(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier\n"
                   "Identifiers consist of letters, digits, '-', '.', '_', "
                   "starting with a letter.");
        return false;
    }
    if (net_dev_find(list, id)) {
        error_setg(errp, "Duplicate ID '%s' for netdev", id);
        return false;
    }
    return true;
}

NetDev *net_dev_add(NetDevList *list, QemuOpts *opts, Error **errp)
{
    const NetDevClass *cls;
    Error *err = NULL;
    NetDev *nd;

    if (!net_check_opts(list, opts, &cls, &err)) {
        goto fail;
    }
    nd = g_new0(NetDev, 1);
    nd->list = list;
    nd->cls = cls;
    nd->loop = list->loop;
    nd->id = g_strdup(qemu_opt_get(opts, "id"));
    nd->queues = 1;
    for (unsigned i = 0; i < NET_QUEUES_MAX; i++) {
        nd->q[i].nd = nd;
        nd->q[i].index = i;
    }
    if (!cls->open(nd, opts, &err)) {
        net_dev_free(nd);
        goto fail;
    }
    if (nd->queues < 1 || nd->queues > NET_QUEUES_MAX) {
        nd->queues = 1;     /* a type's bug; its open() checks queues= */
    }
    g_ptr_array_add(list->devs, nd);
    trace("netdev %s: %s, %u queue(s)%s%s", nd->id, cls->type, nd->queues,
          nd->ifname ? ", interface " : "", nd->ifname ? nd->ifname : "");
    return nd;

fail: {
        g_autofree char *str = qemu_opts_to_string(opts, "type");

        error_prepend(&err, "-netdev %s: ", str);
        error_propagate(errp, err);
        return NULL;
    }
}

void net_dev_remove(NetDevList *list, NetDev *nd)
{
    g_ptr_array_remove(list->devs, nd);
    net_dev_free(nd);
}

NetDevList *net_dev_list_new_classes(EventLoop *loop,
                                     const NetDevClass *const *classes,
                                     GPtrArray *netdevs, Error **errp)
{
    NetDevList *list = g_new0(NetDevList, 1);

    list->loop = loop;
    list->classes = classes;
    list->devs = g_ptr_array_new();
    for (guint i = 0; netdevs && i < netdevs->len; i++) {
        if (!net_dev_add(list, g_ptr_array_index(netdevs, i), errp)) {
            net_dev_list_free(list);
            return NULL;
        }
    }
    return list;
}

NetDevList *net_dev_list_new(EventLoop *loop, GPtrArray *netdevs,
                             Error **errp)
{
    return net_dev_list_new_classes(loop, net_dev_builtin, netdevs, errp);
}

void net_dev_list_free(NetDevList *list)
{
    if (!list) {
        return;
    }
    /* The last first: as they were opened, in reverse. */
    while (list->devs->len) {
        net_dev_remove(list, g_ptr_array_index(list->devs,
                                               list->devs->len - 1));
    }
    g_ptr_array_free(list->devs, true);
    g_free(list);
}

void net_dev_print_help(void)
{
    printf("Available netdev backend types:\n");
    for (const NetDevClass *const *c = net_dev_builtin; *c; c++) {
        printf("%s\n", (*c)->type);
    }
}
