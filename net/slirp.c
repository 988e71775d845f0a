/*
 * -netdev user: user-mode networking over libslirp, as QEMU's.
 *
 *   -netdev user,id=ID[,restrict=on|off][,net=ADDR[/MASK]][,host=ADDR]
 *           [,dhcpstart=ADDR][,hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-
 *           [GUESTADDR]:GUESTPORT]...
 *
 * slirp runs on our event loop: its sockets are watched through an
 * epoll set of this netdev's own (rebuilt from slirp_pollfds_fill()
 * after every run, so a socket slirp closed can never linger in the
 * process's loop), its timers are timerfds, and its TCP timers run on
 * the timeout slirp asks for. Frames reach slirp finished (the core cuts
 * GSO and fills checksums first, since slirp takes neither).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "net"

#include "net/net-int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "util/trace.h"

typedef struct NetSlirp NetSlirp;

typedef struct SlirpTimer {
    NetSlirp *s;
    int fd;
    SlirpTimerId id;
    void *cb_opaque;
} SlirpTimer;

struct NetSlirp {
    NetDev *nd;
    Slirp *slirp;
    int epfd;                   /* slirp's sockets, as last filled */
    GArray *pfd;                /* struct pollfd of the current fill */
    GArray *watched;            /* int: the fds in epfd */
    int tick_fd;                /* timerfd: slirp's own timeout */
    GPtrArray *timers;          /* SlirpTimer */
    uint8_t *buf;               /* a frame from the guest, linear */
};

static const char *const slirp_keys[] = {
    "restrict", "net", "host", "dhcpstart", "hostfwd", NULL,
};

static void slirp_run(void *opaque);

static void slirp_schedule(NetSlirp *s)
{
    event_loop_schedule(s->nd->loop, slirp_run, s);
}

/* ---- slirp's callbacks -------------------------------------------------- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
    NetSlirp *s = opaque;
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

    /*
     * A guest without room: the core holds the first frame, and later
     * ones are dropped, as slirp allows (TCP retransmits).
     */
    net_dev_deliver(s->nd, 0, NULL, &iov, 1);
    return len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
    NetSlirp *s = opaque;

    trace("netdev %s: slirp: %s", s->nd->id, msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
    return g_get_monotonic_time() * 1000;
}

static void slirp_timer_fire(void *opaque)
{
    SlirpTimer *t = opaque;
    uint64_t n;

    if (read(t->fd, &n, sizeof(n)) != sizeof(n)) {
        return;
    }
    slirp_handle_timer(t->s->slirp, t->id, t->cb_opaque);
    slirp_schedule(t->s);
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque,
                                 void *opaque)
{
    NetSlirp *s = opaque;
    SlirpTimer *t = g_new0(SlirpTimer, 1);

    t->s = s;
    t->id = id;
    t->cb_opaque = cb_opaque;
    t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (t->fd >= 0) {
        event_loop_set_fd_handler(s->nd->loop, t->fd, slirp_timer_fire,
                                  NULL, t, NULL);
    }
    g_ptr_array_add(s->timers, t);
    return t;
}

static void slirp_timer_free(NetSlirp *s, SlirpTimer *t)
{
    if (t->fd >= 0) {
        event_loop_set_fd_handler(s->nd->loop, t->fd, NULL, NULL, NULL,
                                  NULL);
        close(t->fd);
    }
    g_free(t);
}

static void cb_timer_free(void *timer, void *opaque)
{
    NetSlirp *s = opaque;

    g_ptr_array_remove(s->timers, timer);
    slirp_timer_free(s, timer);
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    SlirpTimer *t = timer;
    struct itimerspec its = { 0 };

    if (t->fd < 0) {
        return;
    }
    /* The clock is cb_clock_get_ns()'s: CLOCK_MONOTONIC. */
    its.it_value.tv_sec = expire_ms / 1000;
    its.it_value.tv_nsec = (expire_ms % 1000) * 1000000;
    if (!its.it_value.tv_sec && !its.it_value.tv_nsec) {
        its.it_value.tv_nsec = 1;
    }
    timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void cb_register_poll_fd(int fd, void *opaque)
{
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
}

static void cb_notify(void *opaque)
{
    slirp_schedule(opaque);
}

static const SlirpCb slirp_cbs = {
    .send_packet = cb_send_packet,
    .guest_error = cb_guest_error,
    .clock_get_ns = cb_clock_get_ns,
    .timer_free = cb_timer_free,
    .timer_mod = cb_timer_mod,
    .register_poll_fd = cb_register_poll_fd,
    .unregister_poll_fd = cb_unregister_poll_fd,
    .notify = cb_notify,
    .timer_new_opaque = cb_timer_new_opaque,
};

/* ---- polling ------------------------------------------------------------ */

static int add_poll(int fd, int events, void *opaque)
{
    NetSlirp *s = opaque;
    struct pollfd p = { .fd = fd };

    if (events & SLIRP_POLL_IN) {
        p.events |= POLLIN;
    }
    if (events & SLIRP_POLL_OUT) {
        p.events |= POLLOUT;
    }
    if (events & SLIRP_POLL_PRI) {
        p.events |= POLLPRI;
    }
    g_array_append_val(s->pfd, p);
    return s->pfd->len - 1;
}

static int get_revents(int idx, void *opaque)
{
    NetSlirp *s = opaque;
    short r;
    int events = 0;

    if (idx < 0 || (guint)idx >= s->pfd->len) {
        return 0;
    }
    r = g_array_index(s->pfd, struct pollfd, idx).revents;
    if (r & POLLIN) {
        events |= SLIRP_POLL_IN;
    }
    if (r & POLLOUT) {
        events |= SLIRP_POLL_OUT;
    }
    if (r & POLLPRI) {
        events |= SLIRP_POLL_PRI;
    }
    if (r & POLLERR) {
        events |= SLIRP_POLL_ERR;
    }
    if (r & POLLHUP) {
        events |= SLIRP_POLL_HUP;
    }
    return events;
}

/* What slirp waits for next: its sockets in epfd, its timeout armed. */
static void slirp_rearm(NetSlirp *s)
{
    uint32_t timeout = UINT32_MAX;
    struct itimerspec its = { 0 };

    for (guint i = 0; i < s->watched->len; i++) {
        /* A socket slirp closed has left the set already: ENOENT. */
        epoll_ctl(s->epfd, EPOLL_CTL_DEL, g_array_index(s->watched, int, i),
                  NULL);
    }
    g_array_set_size(s->watched, 0);
    g_array_set_size(s->pfd, 0);
    slirp_pollfds_fill(s->slirp, &timeout, add_poll, s);
    for (guint i = 0; i < s->pfd->len; i++) {
        struct pollfd *p = &g_array_index(s->pfd, struct pollfd, i);
        struct epoll_event ev = {
            .events = (p->events & POLLIN ? EPOLLIN : 0) |
                      (p->events & POLLOUT ? EPOLLOUT : 0) |
                      (p->events & POLLPRI ? EPOLLPRI : 0),
        };

        ev.data.fd = p->fd;
        if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, p->fd, &ev) == 0) {
            g_array_append_val(s->watched, p->fd);
        }
    }
    if (timeout != UINT32_MAX) {
        its.it_value.tv_sec = timeout / 1000;
        its.it_value.tv_nsec = (timeout % 1000) * 1000000 + 1;
    }
    timerfd_settime(s->tick_fd, 0, &its, NULL);
}

/* One round of slirp: what is ready is served, then the wait is set up. */
static void slirp_run(void *opaque)
{
    NetSlirp *s = opaque;
    int ret;

    g_array_set_size(s->pfd, 0);
    {
        uint32_t timeout = UINT32_MAX;

        slirp_pollfds_fill(s->slirp, &timeout, add_poll, s);
    }
    ret = poll((struct pollfd *)s->pfd->data, s->pfd->len, 0);
    slirp_pollfds_poll(s->slirp, ret < 0, get_revents, s);
    slirp_rearm(s);
}

static void slirp_ready(void *opaque)
{
    NetSlirp *s = opaque;
    uint64_t n;

    /* The tick's expiry is consumed; ready sockets are polled in the run. */
    if (read(s->tick_fd, &n, sizeof(n)) < 0) {
        /* Not the tick that woke us: nothing to consume. */
    }
    slirp_run(s);
}

/* ---- options ------------------------------------------------------------ */

static bool parse_addr(const char *str, struct in_addr *addr)
{
    return inet_pton(AF_INET, str, addr) == 1;
}

/* net=ADDR[/MASK]: MASK a prefix length or dotted. */
static bool parse_net(const char *str, struct in_addr *net,
                      struct in_addr *mask, Error **errp)
{
    g_autofree char *addr = g_strdup(str);
    char *slash = strchr(addr, '/');
    guint64 bits = 24;

    if (slash) {
        *slash++ = 0;
        if (strchr(slash, '.')) {
            if (!parse_addr(slash, mask)) {
                goto bad;
            }
        } else if (!g_ascii_string_to_unsigned(slash, 10, 0, 32, &bits,
                                               NULL)) {
            goto bad;
        }
    }
    if (!parse_addr(addr, net)) {
        goto bad;
    }
    if (!slash || !strchr(slash, '.')) {
        mask->s_addr = bits ? htonl(~0u << (32 - bits)) : 0;
    }
    /* As QEMU: the address's host bits are dropped. */
    net->s_addr &= mask->s_addr;
    return true;

bad:
    error_setg(errp, "Invalid network '%s'", str);
    return false;
}

/*
 * hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, read as
 * QEMU's slirp_hostfwd() reads it, with its messages.
 */
static bool add_hostfwd(NetSlirp *s, const char *rule,
                        struct in_addr dhcp_start, Error **errp)
{
    g_autofree char *copy = g_strdup(rule);
    struct in_addr haddr = { .s_addr = INADDR_ANY }, gaddr = dhcp_start;
    char *p = copy, *proto, *hstr, *hport, *gstr, *gport;
    guint64 hp, gp;
    const char *why;
    bool udp;

    proto = strsep(&p, ":");
    if (!p) {
        why = "No : separators";
        goto fail;
    }
    if (!strcmp(proto, "tcp") || !*proto) {
        udp = false;
    } else if (!strcmp(proto, "udp")) {
        udp = true;
    } else {
        why = "Bad protocol name";
        goto fail;
    }
    hstr = strsep(&p, ":");
    if (!p) {
        why = "No : separators";
        goto fail;
    }
    if (*hstr && !parse_addr(hstr, &haddr)) {
        why = "Bad host address";
        goto fail;
    }
    hport = strsep(&p, "-");
    if (!p) {
        why = "Missing - separator";
        goto fail;
    }
    if (!g_ascii_string_to_unsigned(hport, 10, 0, 65535, &hp, NULL)) {
        why = "Bad host port";
        goto fail;
    }
    gstr = strsep(&p, ":");
    if (!p) {
        why = "Missing guest address";
        goto fail;
    }
    gport = p;
    if (*gstr && !parse_addr(gstr, &gaddr)) {
        why = "Bad guest address";
        goto fail;
    }
    if (!g_ascii_string_to_unsigned(gport, 10, 1, 65535, &gp, NULL)) {
        why = "Bad guest port";
        goto fail;
    }
    if (slirp_add_hostfwd(s->slirp, udp, haddr, hp, gaddr, gp) < 0) {
        error_setg_errno(errp, errno, "Could not set up host forwarding "
                         "rule '%s'", rule);
        return false;
    }
    trace("netdev %s: hostfwd %s", s->nd->id, rule);
    return true;

fail:
    error_setg(errp, "Invalid host forwarding rule '%s' (%s)", rule, why);
    return false;
}

static bool slirp_open(NetDev *nd, QemuOpts *opts, Error **errp)
{
    NetSlirp *s = g_new0(NetSlirp, 1);
    const char *restrict_ = qemu_opt_get(opts, "restrict");
    const char *net = qemu_opt_get(opts, "net");
    const char *host = qemu_opt_get(opts, "host");
    const char *dhcp = qemu_opt_get(opts, "dhcpstart");
    g_auto(GStrv) fwds = qemu_opt_get_all(opts, "hostfwd");
    SlirpConfig cfg = { .version = 4, .in_enabled = true };

    s->nd = nd;
    s->epfd = -1;
    s->tick_fd = -1;
    s->pfd = g_array_new(false, false, sizeof(struct pollfd));
    s->watched = g_array_new(false, false, sizeof(int));
    s->timers = g_ptr_array_new();
    s->buf = g_malloc(NET_FRAME_MAX);
    nd->state = s;

    if (restrict_ && strcmp(restrict_, "on") && strcmp(restrict_, "off")) {
        error_setg(errp, "Parameter 'restrict' expects 'on' or 'off'");
        return false;
    }
    cfg.restricted = restrict_ && !strcmp(restrict_, "on");
    if (!parse_net(net ? net : "10.0.2.0/24", &cfg.vnetwork, &cfg.vnetmask,
                   errp)) {
        return false;
    }
    cfg.vhost.s_addr = cfg.vnetwork.s_addr | htonl(2);
    cfg.vnameserver.s_addr = cfg.vnetwork.s_addr | htonl(3);
    cfg.vdhcp_start.s_addr = cfg.vnetwork.s_addr | htonl(15);
    if (host && !parse_addr(host, &cfg.vhost)) {
        error_setg(errp, "Invalid host address '%s'", host);
        return false;
    }
    if (dhcp && !parse_addr(dhcp, &cfg.vdhcp_start)) {
        error_setg(errp, "Invalid dhcpstart address '%s'", dhcp);
        return false;
    }
    if ((cfg.vhost.s_addr & cfg.vnetmask.s_addr) != cfg.vnetwork.s_addr) {
        error_setg(errp, "host address %s is not in the network",
                   inet_ntoa(cfg.vhost));
        return false;
    }
    if ((cfg.vdhcp_start.s_addr & cfg.vnetmask.s_addr) !=
        cfg.vnetwork.s_addr) {
        error_setg(errp, "DHCP start address %s is not in the network",
                   inet_ntoa(cfg.vdhcp_start));
        return false;
    }
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (s->epfd < 0 || s->tick_fd < 0) {
        error_setg_errno(errp, errno, "user networking");
        return false;
    }
    s->slirp = slirp_new(&cfg, &slirp_cbs, s);
    if (!s->slirp) {
        error_setg(errp, "libslirp refused the configuration");
        return false;
    }
    for (char **f = fwds; *f; f++) {
        if (!add_hostfwd(s, *f, cfg.vdhcp_start, errp)) {
            return false;
        }
    }
    event_loop_set_fd_handler(nd->loop, s->epfd, slirp_ready, NULL, s,
                              NULL);
    event_loop_set_fd_handler(nd->loop, s->tick_fd, slirp_ready, NULL, s,
                              NULL);
    slirp_rearm(s);
    trace("netdev %s: user networking on %s (slirp %s)", nd->id,
          net ? net : "10.0.2.0/24", slirp_version_string());
    return true;
}

static void slirp_close(NetDev *nd)
{
    NetSlirp *s = nd->state;

    if (!s) {
        return;
    }
    event_loop_cancel(nd->loop, slirp_run, s);
    if (s->slirp) {
        slirp_cleanup(s->slirp);
    }
    for (guint i = 0; i < s->timers->len; i++) {
        slirp_timer_free(s, g_ptr_array_index(s->timers, i));
    }
    if (s->epfd >= 0) {
        event_loop_set_fd_handler(nd->loop, s->epfd, NULL, NULL, NULL, NULL);
        close(s->epfd);
    }
    if (s->tick_fd >= 0) {
        event_loop_set_fd_handler(nd->loop, s->tick_fd, NULL, NULL, NULL,
                                  NULL);
        close(s->tick_fd);
    }
    g_ptr_array_free(s->timers, true);
    g_array_free(s->pfd, true);
    g_array_free(s->watched, true);
    g_free(s->buf);
    g_free(s);
}

static int slirp_send(NetDev *nd, unsigned queue,
                      const struct virtio_net_hdr *hdr,
                      const struct iovec *iov, int iovcnt)
{
    NetSlirp *s = nd->state;
    size_t len = net_iov_size(iov, iovcnt);

    net_iov_to_buf(iov, iovcnt, s->buf, len);
    slirp_input(s->slirp, s->buf, len);
    slirp_schedule(s);
    return 0;
}

const NetDevClass net_slirp_class = {
    .type = "user",
    .keys = slirp_keys,
    .open = slirp_open,
    .close = slirp_close,
    .send = slirp_send,
};
