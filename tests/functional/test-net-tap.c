/*
 * -netdev tap against the real kernel: the test creates a network
 * namespace, moves each tap into it (the file descriptors stay valid),
 * gives it an address there and plays the guest behind the tap itself,
 * answering the kernel's ARP and ICMP echo so that `ping` in the
 * namespace gets its replies; a GSO frame the test sends with offloads
 * reaches a socket in the namespace whole; what the kernel sends with
 * and without checksum offload arrives as the offloads say. Nothing
 * leaves the namespace, which is removed at the end, also on failure.
 *
 * Needs root (CAP_NET_ADMIN); skipped only where /dev/net/tun is absent.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <net/if.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "net/net.h"
#include "net/net-offload.h"

#define GUEST_IP "10.77.0.2"
#define HOST_IP "10.77.0.1"

static const uint8_t guest_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t guest_ip[4] = { 10, 77, 0, 2 };
static const uint8_t host_ip[4] = { 10, 77, 0, 1 };

/* The namespace of this run (main() creates and removes it). */
static char *netns;
static unsigned tap_count;

typedef struct Fixture {
    EventLoop *loop;
    NetDevList *list;
    NetDev *nd;
    char *ifname;
    uint8_t host_mac[6];
    GPtrArray *replies;         /* GByteArray: frames to send */
    GPtrArray *udp;             /* GByteArray: UDP frames to port 9999 */
    struct virtio_net_hdr udp_hdr;
    unsigned echoes;
    bool full;                  /* the guest has no room */
} Fixture;

/* ---- commands ---------------------------------------------------------- */

static int run_argv(const char *const *argv, char **out)
{
    GError *gerr = NULL;
    int status;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                      NULL, out, NULL, &status, &gerr)) {
        g_error("%s: %s", argv[0], gerr->message);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define RUN(...) g_assert_cmpint(run_argv((const char *const[]) { \
                                     __VA_ARGS__, NULL }, NULL), ==, 0)

/* ---- the guest behind the tap ------------------------------------------ */

static uint16_t be16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static void set16(uint8_t *p, unsigned v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static GByteArray *reply_to(const uint8_t *f, size_t len)
{
    GByteArray *r = g_byte_array_sized_new(len);

    g_byte_array_append(r, f, len);
    memcpy(r->data, f + 6, 6);
    memcpy(r->data + 6, guest_mac, 6);
    return r;
}

/* ARP for the guest's address, ICMP echo to it: answered as a host would. */
static bool guest_receive(void *opaque, unsigned queue,
                          const struct virtio_net_hdr *hdr,
                          const struct iovec *iov, int iovcnt)
{
    Fixture *f = opaque;
    uint8_t buf[NET_FRAME_MAX];
    size_t len = 0;

    if (f->full) {
        return false;
    }
    for (int i = 0; i < iovcnt; i++) {
        memcpy(buf + len, iov[i].iov_base, iov[i].iov_len);
        len += iov[i].iov_len;
    }
    if (len >= 42 && be16(buf + 12) == 0x0806 && be16(buf + 20) == 1 &&
        !memcmp(buf + 38, guest_ip, 4)) {
        GByteArray *r = reply_to(buf, 42);

        set16(r->data + 20, 2);
        memcpy(r->data + 32, buf + 22, 10);     /* sender becomes target */
        memcpy(r->data + 22, guest_mac, 6);
        memcpy(r->data + 28, guest_ip, 4);
        g_ptr_array_add(f->replies, r);
    } else if (len >= 34 && be16(buf + 12) == 0x0800 &&
               !memcmp(buf + 30, guest_ip, 4)) {
        size_t ihl = (buf[14] & 0xf) * 4, tot = be16(buf + 16);

        g_assert_cmpuint(14 + tot, <=, len);
        if (buf[23] == 1 && buf[14 + ihl] == 8) {
            GByteArray *r = reply_to(buf, 14 + tot);
            uint8_t *icmp = r->data + 14 + ihl;

            memcpy(r->data + 26, buf + 30, 4);
            memcpy(r->data + 30, buf + 26, 4);
            set16(r->data + 24, 0);
            set16(r->data + 24, ~net_csum_fold(net_csum_add(0, r->data + 14,
                                                            ihl)));
            icmp[0] = 0;
            set16(icmp + 2, 0);
            set16(icmp + 2, ~net_csum_fold(net_csum_add(0, icmp,
                                                        tot - ihl)));
            g_ptr_array_add(f->replies, r);
            f->echoes++;
        } else if (buf[23] == 17 && be16(buf + 14 + ihl + 2) == 9999) {
            GByteArray *u = g_byte_array_new();

            g_byte_array_append(u, buf, 14 + tot);
            g_ptr_array_add(f->udp, u);
            f->udp_hdr = *hdr;
        }
    }
    return true;
}

static void guest_writable(void *opaque, unsigned queue)
{
}

static const NetDevPortOps guest_ops = {
    .receive = guest_receive,
    .writable = guest_writable,
};

static void run(Fixture *f)
{
    static const struct virtio_net_hdr plain;

    g_assert_true(event_loop_run_once(f->loop, 50, NULL));
    for (guint i = 0; i < f->replies->len; i++) {
        GByteArray *r = g_ptr_array_index(f->replies, i);
        struct iovec iov = { r->data, r->len };

        g_assert_cmpint(net_dev_send(f->nd, 0, &plain, &iov, 1), ==, 0);
    }
    g_ptr_array_set_size(f->replies, 0);
}

/* ---- fixture ----------------------------------------------------------- */

static NetDevList *list_new(EventLoop *loop, const char *arg, Error **errp)
{
    QemuOpts *o = qemu_opts_parse(arg, "type", NULL);
    g_autoptr(GPtrArray) opts = g_ptr_array_new();
    NetDevList *list;

    g_assert_nonnull(o);
    g_ptr_array_add(opts, o);
    list = net_dev_list_new(loop, opts, errp);
    qemu_opts_free(o);
    return list;
}

static char *new_ifname(void)
{
    return g_strdup_printf("xpvt%u.%u", (unsigned)getpid() % 100000,
                           tap_count++);
}

static bool link_is_up(const char *ifname)
{
    struct ifreq ifr = { 0 };
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int ret;

    g_strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
    ret = ioctl(s, SIOCGIFFLAGS, &ifr);
    close(s);
    g_assert_cmpint(ret, ==, 0);
    return ifr.ifr_flags & IFF_UP;
}

/* A tap with @extra options, moved into the namespace and addressed there. */
static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *arg = NULL, *mac_path = NULL, *mac = NULL;
    Error *err = NULL;

    f->ifname = new_ifname();
    arg = g_strdup_printf("tap,id=t0,ifname=%s,script=no,downscript=no%s",
                          f->ifname, data ? (const char *)data : "");
    f->loop = event_loop_new(NULL);
    f->list = list_new(f->loop, arg, &err);
    if (!f->list) {
        g_error("%s", error_get_pretty(err));
    }
    f->nd = net_dev_find(f->list, "t0");
    g_assert_cmpstr(net_dev_ifname(f->nd), ==, f->ifname);
    g_assert_false(link_is_up(f->ifname));
    mac_path = g_strdup_printf("/sys/class/net/%s/address", f->ifname);
    g_assert_true(g_file_get_contents(mac_path, &mac, NULL, NULL));
    g_assert_cmpint(sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
                           &f->host_mac[0], &f->host_mac[1], &f->host_mac[2],
                           &f->host_mac[3], &f->host_mac[4],
                           &f->host_mac[5]), ==, 6);
    f->replies = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_byte_array_unref);
    f->udp = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_byte_array_unref);
    g_assert_true(net_dev_attach(f->nd, &guest_ops, f, NULL));

    RUN("ip", "link", "set", f->ifname, "netns", netns);
    RUN("ip", "-n", netns, "addr", "add", HOST_IP "/24", "dev", f->ifname);
    RUN("ip", "-n", netns, "link", "set", f->ifname, "up");
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    net_dev_list_free(f->list);
    event_loop_free(f->loop);
    g_ptr_array_free(f->replies, true);
    g_ptr_array_free(f->udp, true);
    g_free(f->ifname);
}

/* Runs @argv in the namespace while the loop runs: its exit status. */
static int run_in_netns(Fixture *f, const char *const *argv, char **out)
{
    g_autoptr(GPtrArray) full = g_ptr_array_new();
    GError *gerr = NULL;
    int out_fd = -1, status;
    GString *s = g_string_new(NULL);
    GPid pid;

    g_ptr_array_add(full, (gpointer)"ip");
    g_ptr_array_add(full, (gpointer)"netns");
    g_ptr_array_add(full, (gpointer)"exec");
    g_ptr_array_add(full, netns);
    for (; *argv; argv++) {
        g_ptr_array_add(full, (gpointer)*argv);
    }
    g_ptr_array_add(full, NULL);
    /* Its output would break the TAP stream. */
    if (!g_spawn_async_with_pipes(NULL, (char **)full->pdata, NULL,
                                  G_SPAWN_SEARCH_PATH |
                                  G_SPAWN_DO_NOT_REAP_CHILD |
                                  (out ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL),
                                  NULL, NULL,
                                  &pid, NULL, out ? &out_fd : NULL, NULL,
                                  &gerr)) {
        g_error("%s", gerr->message);
    }
    if (out_fd >= 0) {
        fcntl(out_fd, F_SETFL, O_NONBLOCK);
    }
    while (waitpid(pid, &status, WNOHANG) == 0) {
        run(f);
        for (char c; out_fd >= 0 && read(out_fd, &c, 1) == 1;) {
            g_string_append_c(s, c);
        }
    }
    for (char c; out_fd >= 0 && read(out_fd, &c, 1) == 1;) {
        g_string_append_c(s, c);
    }
    if (out_fd >= 0) {
        close(out_fd);
    }
    if (out) {
        *out = g_string_free(s, false);
    } else {
        g_string_free(s, true);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- tests ------------------------------------------------------------- */

static void test_ping(Fixture *f, gconstpointer data)
{
    static const char *const ping[] = {
        "ping", "-c", "3", "-i", "0.2", "-W", "10", GUEST_IP, NULL,
    };

    g_assert_cmpint(run_in_netns(f, ping, NULL), ==, 0);
    g_assert_cmpuint(f->echoes, >=, 3);
}

/*
 * A 20000-byte TCP segment with the checksum left to the kernel, as a
 * guest with TSO sends it: a raw socket in the namespace reads it whole.
 */
static void test_gso_to_kernel(Fixture *f, gconstpointer data)
{
    static const char *const reader[] = {
        "python3", "-c",
        "import socket, hashlib\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 6)\n"
        "print('ready', flush=True)\n"
        "parts, n = {}, 0\n"
        "while n < 20000:\n"
        "    p = s.recv(70000)\n"
        "    ihl = (p[0] & 15) * 4\n"
        "    t = p[ihl:]\n"
        "    if int.from_bytes(t[2:4], 'big') != 5201:\n"
        "        continue\n"
        "    d = t[(t[12] >> 4) * 4:]\n"
        "    parts[int.from_bytes(t[4:8], 'big')] = d\n"
        "    n += len(d)\n"
        "d = b''.join(parts[k] for k in sorted(parts))\n"
        "print(len(parts), len(d), hashlib.sha256(d).hexdigest(), "
        "flush=True)\n",
        NULL,
    };
    NetOffloads all = { .csum4 = true, .csum6 = true, .tso4 = true,
                        .tso6 = true, .ecn = true };
    size_t payload = 20000, len = 54 + payload;
    g_autofree uint8_t *fr = g_malloc(len);
    g_autofree char *out = NULL, *want = NULL;
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    struct virtio_net_hdr hdr = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
        .hdr_len = 54,
        .gso_size = 1448,
        .csum_start = 34,
        .csum_offset = 16,
    };
    struct iovec iov = { fr, len };
    uint32_t pseudo;
    GError *gerr = NULL;
    GPid pid;
    int out_fd, status;
    GString *s = g_string_new(NULL);
    bool sent = false;

    net_dev_set_offloads(f->nd, &all);
    memcpy(fr, f->host_mac, 6);
    memcpy(fr + 6, guest_mac, 6);
    set16(fr + 12, 0x0800);
    memset(fr + 14, 0, 40);
    fr[14] = 0x45;
    set16(fr + 16, 40 + payload);
    fr[22] = 64;
    fr[23] = 6;
    memcpy(fr + 26, guest_ip, 4);
    memcpy(fr + 30, host_ip, 4);
    set16(fr + 24, ~net_csum_fold(net_csum_add(0, fr + 14, 20)));
    set16(fr + 34, 40000);
    set16(fr + 36, 5201);
    fr[46] = 5 << 4;
    fr[47] = 0x18;                              /* PSH, ACK */
    set16(fr + 48, 65535);
    for (size_t i = 0; i < payload; i++) {
        fr[54 + i] = (uint8_t)(i * 131 + (i >> 8));
    }
    /* The pseudo-header's sum, uninverted, where the checksum goes. */
    pseudo = net_csum_add(0, fr + 26, 8) + 6 + 20 + payload;
    set16(fr + 50, net_csum_fold(pseudo));
    g_checksum_update(sum, fr + 54, payload);
    /* One packet through a tap that takes offloads; else the segments. */
    want = g_strdup_printf("%zu %zu %s\n",
                           data ? (payload + 1447) / 1448 : 1, payload,
                           g_checksum_get_string(sum));

    {
        g_autoptr(GPtrArray) argv = g_ptr_array_new();

        g_ptr_array_add(argv, (gpointer)"ip");
        g_ptr_array_add(argv, (gpointer)"netns");
        g_ptr_array_add(argv, (gpointer)"exec");
        g_ptr_array_add(argv, netns);
        for (const char *const *a = reader; *a; a++) {
            g_ptr_array_add(argv, (gpointer)*a);
        }
        g_ptr_array_add(argv, NULL);
        if (!g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                      G_SPAWN_SEARCH_PATH |
                                      G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                      &pid, NULL, &out_fd, NULL, &gerr)) {
            g_error("%s", gerr->message);
        }
    }
    fcntl(out_fd, F_SETFL, O_NONBLOCK);
    while (waitpid(pid, &status, WNOHANG) == 0) {
        char c;

        run(f);
        while (read(out_fd, &c, 1) == 1) {
            g_string_append_c(s, c);
        }
        /* Sent once the socket is there to read it. */
        if (!sent && g_str_has_prefix(s->str, "ready\n")) {
            g_assert_cmpint(net_dev_send(f->nd, 0, &hdr, &iov, 1), ==, 0);
            sent = true;
        }
    }
    for (char c; read(out_fd, &c, 1) == 1;) {
        g_string_append_c(s, c);
    }
    close(out_fd);
    out = g_string_free(s, false);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    g_assert_true(g_str_has_prefix(out, "ready\n"));
    g_assert_cmpstr(out + 6, ==, want);
}

/* The checksum of the UDP datagram in @u (a frame) verifies. */
static bool udp_csum_ok(GByteArray *u)
{
    size_t ihl = (u->data[14] & 0xf) * 4;
    size_t ulen = be16(u->data + 14 + ihl + 4);
    uint32_t sum = net_csum_add(0, u->data + 26, 8) + 17 + ulen;

    sum = net_csum_add(net_csum_fold(sum), u->data + 14 + ihl, ulen);
    return net_csum_fold(sum) == 0xffff;
}

/*
 * What the kernel sends follows the offloads the guest took: checksums
 * complete without them; with checksum offload, a blank one the guest
 * may finish.
 */
static void test_offloads_from_kernel(Fixture *f, gconstpointer data)
{
    static const char *const send_udp[] = {
        "python3", "-c",
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.sendto(bytes(range(256)) * 4, ('" GUEST_IP "', 9999))\n",
        NULL,
    };
    NetOffloads csum = { .csum4 = true };
    GByteArray *u;

    g_assert_cmpint(run_in_netns(f, send_udp, NULL), ==, 0);
    while (f->udp->len < 1) {
        run(f);
    }
    u = g_ptr_array_index(f->udp, 0);
    g_assert_cmpuint(f->udp_hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM, ==, 0);
    g_assert_true(udp_csum_ok(u));

    net_dev_set_offloads(f->nd, &csum);
    g_assert_cmpint(run_in_netns(f, send_udp, NULL), ==, 0);
    while (f->udp->len < 2) {
        run(f);
    }
    u = g_ptr_array_index(f->udp, 1);
    g_test_message("with checksum offload the kernel sent flags %#x",
                   f->udp_hdr.flags);
    if (f->udp_hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        g_assert_false(udp_csum_ok(u));
        g_assert_cmpint(net_offload_csum(&f->udp_hdr, u->data, u->len), ==,
                        0);
    }
    g_assert_true(udp_csum_ok(u));
}

/*
 * A guest with no room stops the reading: the kernel keeps the frames
 * in the tap's queue, and they all arrive, in order, once it has room.
 */
static void test_guest_full(Fixture *f, gconstpointer data)
{
    static const char *const send_udp[] = {
        "python3", "-c",
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "for i in range(5):\n"
        "    s.sendto(bytes([i]) * 100, ('" GUEST_IP "', 9999))\n",
        NULL,
    };
    static const char *const neigh[] = {
        "ip", "neigh", "replace", GUEST_IP, "lladdr", "02:00:00:00:00:02",
        "dev", NULL, NULL,
    };
    const char *argv[G_N_ELEMENTS(neigh)];

    /* No ARP: the guest cannot answer while it is full. */
    memcpy(argv, neigh, sizeof(neigh));
    argv[G_N_ELEMENTS(neigh) - 2] = f->ifname;
    f->full = true;
    g_assert_cmpint(run_in_netns(f, argv, NULL), ==, 0);
    g_assert_cmpint(run_in_netns(f, send_udp, NULL), ==, 0);
    for (int i = 0; i < 5; i++) {
        run(f);
    }
    g_assert_cmpuint(f->udp->len, ==, 0);
    f->full = false;
    net_dev_resume(f->nd, 0);
    while (f->udp->len < 5) {
        run(f);
    }
    for (guint i = 0; i < 5; i++) {
        GByteArray *u = g_ptr_array_index(f->udp, i);

        g_assert_cmpuint(u->len, ==, 14 + 20 + 8 + 100);
        g_assert_cmpuint(u->data[42], ==, i);
    }
}

static void expect_error(const char *arg, const char *msg)
{
    EventLoop *loop = event_loop_new(NULL);
    g_autofree char *want = g_strdup_printf("-netdev %s: %s", arg, msg);
    Error *err = NULL;

    g_assert_null(list_new(loop, arg, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, want);
    error_free(err);
    event_loop_free(loop);
}

static void test_options(void)
{
    g_autofree char *name = new_ifname();
    g_autofree char *first = g_strdup_printf(
        "tap,id=a,ifname=%s,script=no,downscript=no", name);
    g_autofree char *second = g_strdup_printf(
        "tap,id=b,ifname=%s,script=no,downscript=no", name);
    g_autofree char *busy = g_strdup_printf(
        "could not configure /dev/net/tun (%s): Device or resource busy",
        name);
    EventLoop *loop = event_loop_new(NULL);
    NetDevList *list;

    expect_error("tap,id=t,vhost=on", "vhost=on is not supported: "
                 "qemu-xenpv moves frames between the guest's rings and the "
                 "tap itself (vhost=off)");
    expect_error("tap,id=t,queues=0", "Parameter 'queues' expects a number "
                 "from 1 to 16");
    expect_error("tap,id=t,vnet_hdr=yes", "Parameter 'vnet_hdr' expects "
                 "'on' or 'off'");
    expect_error("tap,id=t,ifname=abcdefghijklmnopq", "ifname "
                 "'abcdefghijklmnopq': an interface name has 1 to 15 "
                 "characters");
    /* An interface in use: the kernel's answer. */
    list = list_new(loop, first, NULL);
    g_assert_nonnull(list);
    expect_error(second, busy);
    net_dev_list_free(list);
    event_loop_free(loop);
}

static void test_scripts(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-net-tap-XXXXXX", NULL);
    g_autofree char *up = g_build_filename(dir, "up", NULL);
    g_autofree char *down = g_build_filename(dir, "down", NULL);
    g_autofree char *up_out = g_build_filename(dir, "up.out", NULL);
    g_autofree char *down_out = g_build_filename(dir, "down.out", NULL);
    g_autofree char *name = new_ifname();
    g_autofree char *arg = g_strdup_printf(
        "tap,id=t,ifname=%s,script=%s,downscript=%s,queues=2", name, up,
        down);
    g_autofree char *failing = g_strdup_printf(
        "tap,id=t,script=%s/false,downscript=no", dir);
    g_autofree char *failing_msg = g_strdup_printf(
        "network script %s/false failed with status 256", dir);
    g_autofree char *script = NULL, *got = NULL, *want = NULL;
    EventLoop *loop = event_loop_new(NULL);
    NetDevList *list;
    NetDev *nd;

    script = g_strdup_printf("#!/bin/sh\necho \"$@\" > %s\n", up_out);
    g_assert_true(g_file_set_contents(up, script, -1, NULL));
    g_free(script);
    script = g_strdup_printf("#!/bin/sh\necho \"$@\" > %s\n", down_out);
    g_assert_true(g_file_set_contents(down, script, -1, NULL));
    g_free(script);
    script = g_strdup_printf("%s/false", dir);
    g_assert_true(g_file_set_contents(script, "#!/bin/sh\nexit 1\n", -1,
                                      NULL));
    g_chmod(up, 0755);
    g_chmod(down, 0755);
    g_chmod(script, 0755);

    list = list_new(loop, arg, NULL);
    g_assert_nonnull(list);
    nd = net_dev_find(list, "t");
    g_assert_cmpuint(net_dev_queues(nd), ==, 2);
    want = g_strdup_printf("%s\n", name);
    g_assert_true(g_file_get_contents(up_out, &got, NULL, NULL));
    g_assert_cmpstr(got, ==, want);
    g_free(got);
    g_assert_false(g_file_test(down_out, G_FILE_TEST_EXISTS));
    net_dev_list_free(list);
    g_assert_true(g_file_get_contents(down_out, &got, NULL, NULL));
    g_assert_cmpstr(got, ==, want);

    expect_error(failing, failing_msg);
    event_loop_free(loop);
    g_unlink(up);
    g_unlink(down);
    g_unlink(up_out);
    g_unlink(down_out);
    g_unlink(script);
    g_rmdir(dir);
}

static int run_tests(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net-tap/options", test_options);
    g_test_add_func("/net-tap/scripts", test_scripts);
#define ADD(path, fn, extra) \
    g_test_add(path, Fixture, extra, fixture_setup, fn, fixture_teardown)
    ADD("/net-tap/ping", test_ping, NULL);
    ADD("/net-tap/ping-queues", test_ping, ",queues=4");
    ADD("/net-tap/ping-no-vnet-hdr", test_ping, ",vnet_hdr=off");
    ADD("/net-tap/gso-to-kernel", test_gso_to_kernel, NULL);
    ADD("/net-tap/gso-no-vnet-hdr", test_gso_to_kernel, ",vnet_hdr=off");
    ADD("/net-tap/offloads-from-kernel", test_offloads_from_kernel, NULL);
    ADD("/net-tap/guest-full", test_guest_full, NULL);
#undef ADD
    return g_test_run();
}

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int signo)
{
    stop_signal = signo;
}

int main(int argc, char **argv)
{
    struct sigaction sa = { .sa_handler = on_stop_signal };
    int status = 0;
    pid_t pid;

    if (access("/dev/net/tun", F_OK)) {
        printf("1..0 # SKIP /dev/net/tun is absent\n");
        return 0;
    }
    /* The tests run in a child, so the namespace goes even if one aborts. */
    netns = g_strdup_printf("xpv-tap-%d", (int)getpid());
    if (run_argv((const char *const[]) { "ip", "netns", "add", netns, NULL },
                 NULL)) {
        printf("Bail out! cannot create network namespace %s\n", netns);
        return 1;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        _exit(run_tests(argc, argv));
    }
    /* A timeout's SIGTERM must still see the namespace removed. */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        if (stop_signal) {
            kill(pid, SIGKILL);
        }
    }
    run_argv((const char *const[]) { "ip", "netns", "del", netns, NULL },
             NULL);
    g_free(netns);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
