/*
 * The block backend tests' shared set-up; see disk-fixture.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "disk-fixture.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define MEM_FRAMES (256u << 8)          /* 256 MiB */


void fixture_setup(Fixture *f, gconstpointer data)
{
    memset(f, 0, sizeof(*f));
    f->loop = event_loop_new(NULL);
    f->tree = xenner_xs_tree_new();
    f->x = xenner_new(f->loop, f->tree, NULL);
    g_assert_nonnull(f->x);
    g_assert_true(xenner_domain_create(f->x, DOMID, "disk", MEM_FRAMES,
                                       NULL));
    f->guest = xenner_guest_new(f->x, DOMID, NULL);
    g_assert_nonnull(f->guest);
    f->be = xen_backend_new(f->loop, xenner_services(f->x), 0, NULL);
    g_assert_nonnull(f->be);
    f->host = xen_disk_host_new();
    g_assert_true(xen_disk_register(f->be, f->host, true, NULL));
    f->dir = g_dir_make_tmp("test-xen-disk-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->fronts = g_ptr_array_new();
    f->conns = g_ptr_array_new_with_free_func(g_free);
}

void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autoptr(GDir) dir = NULL;
    const char *name;

    for (guint i = 0; i < f->fronts->len; i++) {
        blkfront_free(g_ptr_array_index(f->fronts, i));
    }
    g_ptr_array_free(f->fronts, true);
    g_ptr_array_free(f->conns, true);
    for (int i = 0; i < 50; i++) {
        event_loop_run_once(f->loop, 1, NULL);
    }
    xen_backend_free(f->be);
    xen_disk_host_free(f->host);
    xenner_guest_free(f->guest);
    xenner_domain_destroy(f->x, DOMID);
    xenner_free(f->x);
    xenner_xs_tree_free(f->tree);
    event_loop_free(f->loop);
    dir = g_dir_open(f->dir, 0, NULL);
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(f->dir, name, NULL);

        g_unlink(path);
    }
    g_rmdir(f->dir);
    g_free(f->dir);
}

void pump_until(Fixture *f, const bool *flag)
{
    for (int i = 0; i < 20000 && !*flag; i++) {
        g_assert_true(event_loop_run_once(f->loop, 1, NULL));
    }
    g_assert_true(*flag);
}

void pump(Fixture *f, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        g_assert_true(event_loop_run_once(f->loop, 1, NULL));
    }
}

char *make_raw(Fixture *f, const char *name, uint64_t bytes)
{
    char *path = g_build_filename(f->dir, name, NULL);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, bytes), ==, 0);
    close(fd);
    return path;
}

/* ---- attaching a disk -------------------------------------------------- */

void fixture_conn_state(void *opaque, BlkFront *bf, bool connected)
{
    Conn *c = opaque;

    c->connected = connected;
    c->closed = !connected;
}

BlkFront *attach(Fixture *f, unsigned vdev, const char *params,
                 bool readonly, const XenDiskOpts *opts,
                 const BlkFrontConfig *cfg, Conn **connp)
{
    Conn *conn = g_new0(Conn, 1);
    XenDiskOpts def;
    BlkFront *bf;

    if (!opts) {
        xen_disk_opts_default(&def);
        opts = &def;
    }
    g_autofree char *name = g_strdup_printf("xvd%u", vdev);
    g_assert_true(xen_disk_create(f->be, f->host, DOMID, vdev, name, params,
                                  readonly, false, opts, NULL));
    pump(f, 5);
    bf = blkfront_new(f->guest, vdev, cfg, fixture_conn_state, conn);
    g_ptr_array_add(f->fronts, bf);
    g_ptr_array_add(f->conns, conn);
    pump_until(f, &conn->connected);
    if (connp) {
        *connp = conn;
    }
    return bf;
}

char *be_key(Fixture *f, unsigned vdev, const char *key)
{
    g_autofree char *path = g_strdup_printf(
        "/local/domain/0/backend/qdisk/%u/%u/%s", DOMID, vdev, key);

    return xenner_guest_xs_read(f->guest, path);
}

/* ---- one request at a time -------------------------------------------- */

typedef struct Done {
    bool done;
    int16_t status;
} Done;

static void done_cb(void *opaque, int16_t status)
{
    Done *d = opaque;

    d->done = true;
    d->status = status;
}

int16_t do_io(Fixture *f, BlkFront *bf, unsigned queue, uint8_t op,
                     uint64_t sector, void *buf, uint32_t nr_sectors,
                     bool secure)
{
    Done d = { 0 };

    g_assert_cmpint(blkfront_submit(bf, queue, op, sector, buf, nr_sectors,
                                    secure, done_cb, &d), ==, 0);
    pump_until(f, &d.done);
    return d.status;
}

int16_t do_raw(Fixture *f, BlkFront *bf, const BlkifRequest *req)
{
    Done d = { 0 };

    g_assert_cmpint(blkfront_submit_raw(bf, 0, req, done_cb, &d), ==, 0);
    pump_until(f, &d.done);
    return d.status;
}

