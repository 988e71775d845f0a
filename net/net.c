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

#include "util/trace.h"

struct NetDevList {
    EventLoop *loop;
    const NetDevClass *const *classes;
    GPtrArray *devs;                /* NetDev, in command-line order */
};

/* The types this build has, in `-netdev help` order. */
static const NetDevClass *const net_dev_builtin[] = {
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

static void net_held_store(NetHeld *h, const struct virtio_net_hdr *hdr,
                           const struct iovec *iov, int iovcnt, size_t len)
{
    if (!h->buf) {
        h->buf = g_malloc(NET_FRAME_MAX);
    }
    net_iov_to_buf(iov, iovcnt, h->buf, len);
    h->len = len;
    h->hdr = *hdr;
    h->held = true;
}

static void net_held_clear(NetHeld *h)
{
    h->held = false;
    h->len = 0;
}

static bool net_hdr_is_plain(const struct virtio_net_hdr *hdr)
{
    return !(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
           hdr->gso_type == VIRTIO_NET_HDR_GSO_NONE;
}

/* ---- towards the guest -------------------------------------------------- */

/* Passes on what @nq holds; false when the device refused it again. */
static bool net_rx_flush(NetQueue *nq)
{
    NetDev *nd = nq->nd;
    NetHeld *h = &nq->rx;
    struct iovec iov;

    if (!h->held) {
        return true;
    }
    iov = (struct iovec) { .iov_base = h->buf, .iov_len = h->len };
    if (!nd->port->receive(nd->port_opaque, nq->index, &h->hdr, &iov, 1)) {
        return false;
    }
    net_held_clear(h);
    return true;
}

bool net_dev_deliver(NetDev *nd, unsigned queue,
                     const struct virtio_net_hdr *hdr,
                     const struct iovec *iov, int iovcnt)
{
    static const struct virtio_net_hdr zero;
    NetQueue *nq = &nd->q[queue % nd->queues];
    size_t len = net_iov_size(iov, iovcnt);

    if (!hdr) {
        hdr = &zero;
    }
    if (!nd->port || !len || len > NET_FRAME_MAX) {
        return true;                /* nobody to take it, or not a frame */
    }
    if (nq->rx.held) {
        /* The type should have stopped: keep order, refuse. */
        return false;
    }
    if (!net_hdr_is_plain(hdr)) {
        /* Only frames the guest accepts reach it (see net.h). */
        hdr = &zero;
    }
    if (nd->port->receive(nd->port_opaque, nq->index, hdr, iov, iovcnt)) {
        return true;
    }
    net_held_store(&nq->rx, hdr, iov, iovcnt, len);
    return false;
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

int net_dev_send(NetDev *nd, unsigned queue,
                 const struct virtio_net_hdr *hdr,
                 const struct iovec *iov, int iovcnt)
{
    NetQueue *nq = &nd->q[queue % nd->queues];
    size_t len = net_iov_size(iov, iovcnt);
    int ret;

    if (!len || len > NET_FRAME_MAX) {
        return -EINVAL;
    }
    if (nq->tx.held) {
        nq->tx_blocked = true;
        return -EAGAIN;
    }
    if (!nd->vnet_hdr && !net_hdr_is_plain(hdr)) {
        return -EINVAL;
    }
    ret = nd->cls->send(nd, nq->index, nd->vnet_hdr ? hdr : NULL, iov,
                        iovcnt);
    if (ret == -EAGAIN) {
        nq->tx_blocked = true;
    }
    return ret;
}

void net_dev_host_writable(NetDev *nd, unsigned queue)
{
    NetQueue *nq = &nd->q[queue % nd->queues];

    if (nq->tx.held || !nq->tx_blocked) {
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
    trace("netdev %s: the guest takes csum=%d tso4=%d tso6=%d ecn=%d",
          nd->id, guest->csum, guest->tso4, guest->tso6, guest->ecn);
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
    if (nd->cls->close) {
        nd->cls->close(nd);
    }
    for (unsigned i = 0; i < NET_QUEUES_MAX; i++) {
        g_free(nd->q[i].rx.buf);
        g_free(nd->q[i].tx.buf);
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
