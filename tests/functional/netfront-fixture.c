/*
 * The netfront tests' shared set-up; see netfront-fixture.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "netfront-fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MEM_FRAMES (128u << 8)          /* 128 MiB */

void net_fixture_setup(NetFixture *f, gconstpointer data)
{
    g_autoptr(GPtrArray) none = g_ptr_array_new();

    memset(f, 0, sizeof(*f));
    f->loop = event_loop_new(NULL);
    f->tree = xenner_xs_tree_new();
    f->x = xenner_new(f->loop, f->tree, NULL);
    g_assert_nonnull(f->x);
    g_assert_true(xenner_domain_create(f->x, NET_DOMID, "net", MEM_FRAMES,
                                       NULL));
    f->guest = xenner_guest_new(f->x, NET_DOMID, NULL);
    g_assert_nonnull(f->guest);
    f->be = xen_backend_new(f->loop, xenner_services(f->x), 0, NULL);
    g_assert_nonnull(f->be);
    f->nets = net_dev_list_new(f->loop, none, NULL);
    g_assert_nonnull(f->nets);
    f->host = xen_nic_host_new(f->nets);
    g_assert_true(xen_nic_register(f->be, f->host, NULL));
    f->dir = g_dir_make_tmp("test-xen-netfront-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->vifs = g_ptr_array_new();
}

static void vif_free(Vif *v)
{
    RxFrame *r;
    GBytes *b;

    netfront_free(v->nf);
    while ((r = g_queue_pop_head(&v->guest_rx))) {
        rx_frame_free(r);
    }
    while ((b = g_queue_pop_head(&v->host_rx))) {
        g_bytes_unref(b);
    }
    if (v->fd >= 0) {
        close(v->fd);
    }
    close(v->listen_fd);
    g_unlink(v->path);
    g_free(v->path);
    g_byte_array_free(v->in, true);
    g_free(v);
}

void net_fixture_teardown(NetFixture *f, gconstpointer data)
{
    for (guint i = 0; i < f->vifs->len; i++) {
        Vif *v = g_ptr_array_index(f->vifs, i);

        netfront_free(v->nf);
        v->nf = NULL;
    }
    for (int i = 0; i < 50; i++) {
        event_loop_run_once(f->loop, 1, NULL);
    }
    xen_backend_free(f->be);
    xen_nic_host_free(f->host);
    net_dev_list_free(f->nets);
    for (guint i = 0; i < f->vifs->len; i++) {
        vif_free(g_ptr_array_index(f->vifs, i));
    }
    g_ptr_array_free(f->vifs, true);
    xenner_guest_free(f->guest);
    xenner_domain_destroy(f->x, NET_DOMID);
    xenner_free(f->x);
    xenner_xs_tree_free(f->tree);
    event_loop_free(f->loop);
    g_rmdir(f->dir);
    g_free(f->dir);
}

/* ---- the host side: our end of each stream ---------------------------- */

static void vif_read(Vif *v)
{
    uint8_t buf[65536];
    ssize_t n;

    if (v->fd < 0) {
        v->fd = accept4(v->listen_fd, NULL, NULL, SOCK_NONBLOCK);
        if (v->fd < 0) {
            return;
        }
    }
    while ((n = read(v->fd, buf, sizeof(buf))) > 0) {
        g_byte_array_append(v->in, buf, n);
    }
    /* QEMU's stream framing: a 4-byte big-endian length, the frame. */
    while (v->in->len >= 4) {
        uint32_t len = (uint32_t)v->in->data[0] << 24 |
                       (uint32_t)v->in->data[1] << 16 |
                       (uint32_t)v->in->data[2] << 8 | v->in->data[3];

        if (v->in->len < 4 + len) {
            break;
        }
        g_queue_push_tail(&v->host_rx, g_bytes_new(v->in->data + 4, len));
        g_byte_array_remove_range(v->in, 0, 4 + len);
    }
}

static void poll_vifs(NetFixture *f)
{
    for (guint i = 0; i < f->vifs->len; i++) {
        vif_read(g_ptr_array_index(f->vifs, i));
    }
}

void net_pump(NetFixture *f, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        g_assert_true(event_loop_run_once(f->loop, 1, NULL));
        poll_vifs(f);
    }
}

void net_pump_until(NetFixture *f, const bool *flag)
{
    for (int i = 0; i < 20000 && !*flag; i++) {
        g_assert_true(event_loop_run_once(f->loop, 1, NULL));
        poll_vifs(f);
    }
    g_assert_true(*flag);
}

void vif_host_send(Vif *v, const void *frame, size_t len)
{
    uint8_t hdr[4] = { len >> 24, len >> 16, len >> 8, len };
    struct iovec iov[2] = {
        { hdr, 4 }, { (void *)frame, len },
    };
    ssize_t n;

    while (v->fd < 0) {
        net_pump(v->f, 1);
    }
    /* Small frames into an empty socket buffer: written whole. */
    n = writev(v->fd, iov, 2);
    g_assert_cmpint(n, ==, (ssize_t)(4 + len));
}

GBytes *vif_host_recv(Vif *v)
{
    bool got = false;

    for (int i = 0; i < 20000 && !got; i++) {
        got = !g_queue_is_empty(&v->host_rx);
        if (!got) {
            net_pump(v->f, 1);
        }
    }
    g_assert_true(got);
    return g_queue_pop_head(&v->host_rx);
}

RxFrame *vif_guest_recv(Vif *v)
{
    bool got = false;

    for (int i = 0; i < 20000 && !got; i++) {
        got = !g_queue_is_empty(&v->guest_rx);
        if (!got) {
            net_pump(v->f, 1);
        }
    }
    g_assert_true(got);
    return g_queue_pop_head(&v->guest_rx);
}

void rx_frame_free(RxFrame *r)
{
    if (r) {
        g_bytes_unref(r->data);
        g_free(r);
    }
}

GBytes *make_frame(size_t len, unsigned seed)
{
    uint8_t *b = g_malloc(len);

    g_assert_cmpuint(len, >=, 14);
    memcpy(b, "\x00\x16\x3e\x00\x00\x01\x00\x16\x3e\x00\x00\x02", 12);
    b[12] = 0x88;               /* local experimental ethertype */
    b[13] = 0xb5;
    for (size_t i = 14; i < len; i++) {
        b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
    }
    return g_bytes_new_take(b, len);
}

/* ---- the guest side ------------------------------------------------- */

static void vif_state(void *opaque, NetFront *nf, bool connected)
{
    Vif *v = opaque;

    v->connected = connected;
    if (connected) {
        v->connects++;
    } else {
        v->disconnects++;
    }
}

static bool vif_rx(void *opaque, NetFront *nf, unsigned queue,
                   const NetFrontRxInfo *info, const uint8_t *frame,
                   size_t len)
{
    Vif *v = opaque;
    RxFrame *r;

    if (v->refuse_rx) {
        return false;
    }
    r = g_new0(RxFrame, 1);
    r->queue = queue;
    r->info = *info;
    r->data = g_bytes_new(frame, len);
    g_queue_push_tail(&v->guest_rx, r);
    return true;
}

static void vif_raw_response(void *opaque, NetFront *nf, unsigned queue,
                             uint16_t id, int16_t status)
{
    Vif *v = opaque;

    v->raw_done = true;
    v->raw_id = id;
    v->raw_status = status;
}

static const NetFrontOps vif_ops = {
    .state = vif_state,
    .rx = vif_rx,
    .tx_raw_response = vif_raw_response,
};

Vif *vif_new(NetFixture *f, unsigned devid, const XenNicOpts *opts,
             const NetFrontConfig *cfg, bool no_wait)
{
    Vif *v = g_new0(Vif, 1);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_autofree char *spec = NULL, *id = g_strdup_printf("s%u", devid);
    XenNicOpts def = { 0 };
    QemuOpts *qo;

    v->f = f;
    v->devid = devid;
    v->fd = -1;
    v->in = g_byte_array_new();
    g_queue_init(&v->host_rx);
    g_queue_init(&v->guest_rx);
    v->path = g_strdup_printf("%s/%s.sock", f->dir, id);
    g_assert_cmpuint(strlen(v->path), <, sizeof(sa.sun_path));
    strcpy(sa.sun_path, v->path);
    v->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    g_assert_cmpint(v->listen_fd, >=, 0);
    g_assert_cmpint(bind(v->listen_fd, (struct sockaddr *)&sa, sizeof(sa)),
                    ==, 0);
    g_assert_cmpint(listen(v->listen_fd, 1), ==, 0);
    g_ptr_array_add(f->vifs, v);

    spec = g_strdup_printf("stream,id=%s,server=off,addr.type=unix,"
                           "addr.path=%s", id, v->path);
    qo = qemu_opts_parse(spec, "type", NULL);
    g_assert_nonnull(qo);
    v->nd = net_dev_add(f->nets, qo, NULL);
    qemu_opts_free(qo);
    g_assert_nonnull(v->nd);
    g_assert_true(xen_nic_create(f->be, f->host, NET_DOMID, devid, v->nd,
                                 opts ? opts : &def, NULL));
    net_pump(f, 5);
    if (!cfg) {
        return v;               /* the guest's own program takes it */
    }
    v->nf = netfront_new(f->guest, devid, cfg, &vif_ops, v);
    if (!no_wait) {
        net_pump_until(f, &v->connected);
    }
    return v;
}

char *vif_be_key(Vif *v, const char *key)
{
    g_autofree char *path = g_strdup_printf(
        "/local/domain/0/backend/vif/%u/%u/%s", NET_DOMID, v->devid, key);

    return xenner_guest_xs_read(v->f->guest, path);
}

char *vif_fe_key(Vif *v, const char *key)
{
    g_autofree char *path = g_strdup_printf("device/vif/%u/%s", v->devid,
                                            key);

    return xenner_guest_xs_read(v->f->guest, path);
}
