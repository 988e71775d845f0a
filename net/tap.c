/*
 * -netdev tap: a Linux tap interface (/dev/net/tun), as QEMU opens it.
 *
 *   -netdev tap,id=ID[,ifname=NAME][,script=no|PATH][,downscript=no|PATH]
 *           [,vhost=off][,queues=N][,vnet_hdr=on|off]
 *
 * With vnet_hdr (the default) every frame carries the 10-byte
 * virtio-net header both ways, so checksum and TSO offloads pass through
 * the kernel unsegmented; TUNSETOFFLOAD tells the kernel what the guest
 * takes, so only such frames come back. queues=N opens N file
 * descriptors on one interface (IFF_MULTI_QUEUE). The interface is left
 * as the script (or the administrator) leaves it: qemu-xenpv brings
 * nothing up.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "net"

#include "net/net-int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>

#include "util/trace.h"

#define TAP_DEV "/dev/net/tun"
/* QEMU's defaults (DEFAULT_NETWORK_SCRIPT, DEFAULT_NETWORK_DOWN_SCRIPT). */
#define TAP_SCRIPT "/etc/qemu-ifup"
#define TAP_DOWNSCRIPT "/etc/qemu-ifdown"
/* Frames read per queue before the loop serves others. */
#define TAP_READ_BATCH 64

typedef struct NetTap NetTap;

typedef struct TapQueue {
    NetTap *tap;
    unsigned index;
    int fd;
    bool stopped;               /* the guest is full */
    bool want_write;            /* a write gave EAGAIN */
} TapQueue;

struct NetTap {
    NetDev *nd;
    char *downscript;           /* NULL: none */
    bool reading;
    uint8_t *buf;               /* one read: header and frame */
    RateLimit write_rl;
    TapQueue q[NET_QUEUES_MAX];
};

static const char *const tap_keys[] = {
    "ifname", "script", "downscript", "vhost", "queues", "vnet_hdr", NULL,
};

static void tap_read(void *opaque);
static void tap_write_ready(void *opaque);

static void tap_update(TapQueue *tq)
{
    bool rd = tq->tap->reading && !tq->stopped;

    event_loop_set_fd_handler(tq->tap->nd->loop, tq->fd,
                              rd ? tap_read : NULL,
                              tq->want_write ? tap_write_ready : NULL, tq,
                              NULL);
}

static void tap_read(void *opaque)
{
    TapQueue *tq = opaque;
    NetTap *t = tq->tap;
    NetDev *nd = t->nd;
    size_t hlen = nd->vnet_hdr ? sizeof(struct virtio_net_hdr) : 0;

    for (int i = 0; i < TAP_READ_BATCH; i++) {
        struct virtio_net_hdr hdr = { 0 };
        struct iovec iov;
        ssize_t n = read(tq->fd, t->buf, hlen + NET_FRAME_MAX);

        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                trace("netdev %s: read: %s", nd->id, g_strerror(errno));
            }
            return;
        }
        if ((size_t)n <= hlen) {
            continue;
        }
        if (hlen) {
            memcpy(&hdr, t->buf, hlen);
        }
        iov = (struct iovec) { .iov_base = t->buf + hlen,
                               .iov_len = n - hlen };
        if (!net_dev_deliver(nd, tq->index, &hdr, &iov, 1)) {
            tq->stopped = true;
            tap_update(tq);
            return;
        }
    }
}

static void tap_write_ready(void *opaque)
{
    TapQueue *tq = opaque;

    tq->want_write = false;
    tap_update(tq);
    net_dev_host_writable(tq->tap->nd, tq->index);
}

static int tap_send(NetDev *nd, unsigned queue,
                    const struct virtio_net_hdr *hdr,
                    const struct iovec *iov, int iovcnt)
{
    static const struct virtio_net_hdr zero;
    NetTap *t = nd->state;
    TapQueue *tq = &t->q[queue];
    struct iovec v[1 + IOV_MAX / 2];
    int n = 0;
    ssize_t ret;

    if (iovcnt > (int)G_N_ELEMENTS(v) - 1) {
        return -EINVAL;
    }
    if (nd->vnet_hdr) {
        v[n++] = (struct iovec) { .iov_base = (void *)(hdr ? hdr : &zero),
                                  .iov_len = sizeof(*hdr) };
    }
    memcpy(v + n, iov, iovcnt * sizeof(*iov));
    do {
        ret = writev(tq->fd, v, n + iovcnt);
    } while (ret < 0 && errno == EINTR);
    if (ret >= 0) {
        return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        tq->want_write = true;
        tap_update(tq);
        return -EAGAIN;
    }
    /* EIO while the interface is down, as for a cable unplugged. */
    if (errno != EIO) {
        warn_report_ratelimited(&t->write_rl, "netdev %s: frame dropped: %s",
                                nd->id, g_strerror(errno));
    }
    return 0;
}

static void tap_set_offloads(NetDev *nd, const NetOffloads *guest)
{
    NetTap *t = nd->state;
    unsigned flags = 0;

    if (!nd->vnet_hdr) {
        return;
    }
    /* One flag for both versions: the core finishes the other's frames. */
    if (guest->csum4 || guest->csum6) {
        flags |= TUN_F_CSUM;
        /* The kernel takes TSO only with checksum offload. */
        if (guest->tso4) {
            flags |= TUN_F_TSO4;
        }
        if (guest->tso6) {
            flags |= TUN_F_TSO6;
        }
        if ((guest->tso4 || guest->tso6) && guest->ecn) {
            flags |= TUN_F_TSO_ECN;
        }
    }
    for (unsigned i = 0; i < nd->queues; i++) {
        if (ioctl(t->q[i].fd, TUNSETOFFLOAD, flags) < 0) {
            warn_report("netdev %s: TUNSETOFFLOAD %#x: %s", nd->id, flags,
                        g_strerror(errno));
        }
    }
}

/* Runs @script IFNAME and waits for it, as QEMU's launch_script(). */
static bool tap_run_script(const char *script, const char *ifname,
                           Error **errp)
{
    const char *argv[] = { script, ifname, NULL };
    GError *gerr = NULL;
    int status;

    if (!g_spawn_sync(NULL, (char **)argv, NULL,
                      G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, NULL, NULL,
                      &status, &gerr)) {
        error_setg(errp, "network script %s failed: %s", script,
                   gerr->message);
        g_error_free(gerr);
        return false;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        error_setg(errp, "network script %s failed with status %d", script,
                   status);
        return false;
    }
    return true;
}

static int tap_open_queue(const char *name, bool vnet_hdr, bool multi,
                          char *got_name, Error **errp)
{
    struct ifreq ifr = { 0 };
    int fd = open(TAP_DEV, O_RDWR | O_CLOEXEC | O_NONBLOCK);
    unsigned features = 0;

    if (fd < 0) {
        error_setg_errno(errp, errno, "could not open %s", TAP_DEV);
        return -1;
    }
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (vnet_hdr) {
        if (ioctl(fd, TUNGETFEATURES, &features) < 0 ||
            !(features & IFF_VNET_HDR)) {
            error_setg(errp, "vnet_hdr=on: the kernel's tap has no "
                       "IFF_VNET_HDR");
            close(fd);
            return -1;
        }
        ifr.ifr_flags |= IFF_VNET_HDR;
    }
    if (multi) {
        ifr.ifr_flags |= IFF_MULTI_QUEUE;
    }
    g_strlcpy(ifr.ifr_name, name ? name : "tap%d", sizeof(ifr.ifr_name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        error_setg_errno(errp, errno, "could not configure %s (%s)", TAP_DEV,
                         ifr.ifr_name);
        close(fd);
        return -1;
    }
    if (vnet_hdr) {
        int len = sizeof(struct virtio_net_hdr);

        /* Nothing offloaded until the guest says what it takes. */
        if (ioctl(fd, TUNSETVNETHDRSZ, &len) < 0 ||
            ioctl(fd, TUNSETOFFLOAD, 0) < 0) {
            error_setg_errno(errp, errno, "%s: cannot set the vnet header",
                             ifr.ifr_name);
            close(fd);
            return -1;
        }
    }
    memcpy(got_name, ifr.ifr_name, IFNAMSIZ);
    got_name[IFNAMSIZ - 1] = 0;
    return fd;
}

static bool tap_bool(QemuOpts *opts, const char *key, bool def, bool *value,
                     Error **errp)
{
    const char *v = qemu_opt_get(opts, key);

    *value = def;
    if (!v) {
        return true;
    }
    if (strcmp(v, "on") && strcmp(v, "off")) {
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return false;
    }
    *value = !strcmp(v, "on");
    return true;
}

static bool tap_open(NetDev *nd, QemuOpts *opts, Error **errp)
{
    NetTap *t = g_new0(NetTap, 1);
    const char *ifname = qemu_opt_get(opts, "ifname");
    const char *script = qemu_opt_get(opts, "script");
    const char *downscript = qemu_opt_get(opts, "downscript");
    char name[IFNAMSIZ];
    uint64_t queues;
    bool vhost, vnet_hdr;

    t->nd = nd;
    for (unsigned i = 0; i < NET_QUEUES_MAX; i++) {
        t->q[i] = (TapQueue) { .tap = t, .index = i, .fd = -1 };
    }
    nd->state = t;
    if (!tap_bool(opts, "vhost", false, &vhost, errp) ||
        !tap_bool(opts, "vnet_hdr", true, &vnet_hdr, errp) ||
        !qemu_opt_get_number(opts, "queues", 1, NET_QUEUES_MAX, &queues,
                             errp)) {
        return false;
    }
    if (vhost) {
        error_setg(errp, "vhost=on is not supported: qemu-xenpv moves "
                   "frames between the guest's rings and the tap itself "
                   "(vhost=off)");
        return false;
    }
    if (queues == 0) {
        error_setg(errp, "Parameter 'queues' expects a number from 1 to %u",
                   NET_QUEUES_MAX);
        return false;
    }
    if (ifname && (!*ifname || strlen(ifname) >= IFNAMSIZ)) {
        error_setg(errp, "ifname '%s': an interface name has 1 to %u "
                   "characters", ifname, IFNAMSIZ - 1);
        return false;
    }
    nd->vnet_hdr = vnet_hdr;
    nd->queues = queues;
    for (unsigned i = 0; i < queues; i++) {
        /* The first names the interface; the others join it. */
        t->q[i].fd = tap_open_queue(i ? name : ifname, vnet_hdr, queues > 1,
                                    name, errp);
        if (t->q[i].fd < 0) {
            return false;
        }
    }
    nd->ifname = g_strdup(name);
    t->buf = g_malloc(sizeof(struct virtio_net_hdr) + NET_FRAME_MAX);
    if (!script) {
        script = TAP_SCRIPT;
    }
    if (!downscript) {
        downscript = TAP_DOWNSCRIPT;
    }
    if (strcmp(script, "no") && !tap_run_script(script, name, errp)) {
        return false;
    }
    if (strcmp(downscript, "no")) {
        t->downscript = g_strdup(downscript);
    }
    trace("netdev %s: tap %s, %u queue(s), vnet_hdr=%s", nd->id, name,
          (unsigned)queues, vnet_hdr ? "on" : "off");
    return true;
}

static void tap_close(NetDev *nd)
{
    NetTap *t = nd->state;
    Error *err = NULL;

    if (!t) {
        return;
    }
    for (unsigned i = 0; i < NET_QUEUES_MAX; i++) {
        if (t->q[i].fd >= 0) {
            event_loop_set_fd_handler(nd->loop, t->q[i].fd, NULL, NULL,
                                      NULL, NULL);
            close(t->q[i].fd);
        }
    }
    /* As QEMU: the down script runs once the interface is closed. */
    if (t->downscript && !tap_run_script(t->downscript, nd->ifname, &err)) {
        error_report_err(err);
    }
    g_free(t->downscript);
    g_free(t->buf);
    g_free(t);
}

static void tap_start(NetDev *nd)
{
    NetTap *t = nd->state;

    t->reading = true;
    for (unsigned i = 0; i < nd->queues; i++) {
        t->q[i].stopped = false;
        tap_update(&t->q[i]);
    }
}

static void tap_stop(NetDev *nd)
{
    NetTap *t = nd->state;

    t->reading = false;
    for (unsigned i = 0; i < nd->queues; i++) {
        t->q[i].want_write = false;
        tap_update(&t->q[i]);
    }
}

static void tap_resume(NetDev *nd, unsigned queue)
{
    NetTap *t = nd->state;
    TapQueue *tq = &t->q[queue];

    if (tq->stopped) {
        tq->stopped = false;
        tap_update(tq);
    }
}

const NetDevClass net_tap_class = {
    .type = "tap",
    .keys = tap_keys,
    .open = tap_open,
    .close = tap_close,
    .start = tap_start,
    .stop = tap_stop,
    .resume = tap_resume,
    .send = tap_send,
    .set_offloads = tap_set_offloads,
};
