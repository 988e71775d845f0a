/*
 * Image locks (block/blk-lock.c): two opens of one image in this
 * process, the lock-only check, locking=off, and QEMU itself on the other
 * side (qemu-io, and qemu-system-x86_64 with a disk device), whose
 * refusals and ours must read the same.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "block/blk.h"

#define IMG_SIZE (1u << 20)
/* An upper bound only: QEMU's start is waited for, never slept on. */
#define WAIT_US (60 * G_USEC_PER_SEC)

#define WRITE_REFUSED "Failed to get \"write\" lock"
#define SHARED_WRITE_REFUSED "Failed to get shared \"write\" lock"

typedef struct TlFixture {
    EventLoop *loop;
    char *dir;
    char *path;
} TlFixture;

static void tl_setup(TlFixture *f, gconstpointer data)
{
    g_autoptr(GError) gerr = NULL;
    int fd;

    f->loop = event_loop_new(NULL);
    g_assert_nonnull(f->loop);
    f->dir = g_dir_make_tmp("test-blk-lock-XXXXXX", &gerr);
    g_assert_no_error(gerr);
    f->path = g_build_filename(f->dir, "disk.img", NULL);
    fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, IMG_SIZE), ==, 0);
    close(fd);
}

static void tl_teardown(TlFixture *f, gconstpointer data)
{
    g_unlink(f->path);
    g_rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
    event_loop_free(f->loop);
}

static BlkDev *tl_open(TlFixture *f, bool readonly, BlkLocking locking,
                       Error **errp)
{
    BlkOpenOpts opts = {
        .filename = f->path,
        .readonly = readonly,
        .locking = locking,
    };

    return blk_open(f->loop, &opts, errp);
}

static BlkDev *tl_open_ok(TlFixture *f, bool readonly)
{
    Error *err = NULL;
    BlkDev *b = tl_open(f, readonly, BLK_LOCKING_AUTO, &err);

    if (!b) {
        g_error("blk_open: %s", error_get_pretty(err));
    }
    return b;
}

/* The whole message, QEMU's hint with the image's name included. */
static void tl_assert_refused(TlFixture *f, Error *err, const char *what)
{
    g_autofree char *want = g_strdup_printf(
        "%s\nIs another process using the image [%s]?", what, f->path);

    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, want);
    error_free(err);
}

static void tl_open_refused(TlFixture *f, bool readonly, const char *what)
{
    Error *err = NULL;

    g_assert_null(tl_open(f, readonly, BLK_LOCKING_AUTO, &err));
    tl_assert_refused(f, err, what);
}

static void test_two_writers(TlFixture *f, gconstpointer data)
{
    BlkDev *b = tl_open_ok(f, false);

    tl_open_refused(f, false, WRITE_REFUSED);
    /* A writer does not share writing: a reader is kept out too. */
    tl_open_refused(f, true, SHARED_WRITE_REFUSED);
    blk_close(b);
    /* Closing released them. */
    b = tl_open_ok(f, false);
    blk_close(b);
}

static void test_readers(TlFixture *f, gconstpointer data)
{
    BlkDev *r1 = tl_open_ok(f, true);
    BlkDev *r2 = tl_open_ok(f, true);

    tl_open_refused(f, false, WRITE_REFUSED);
    blk_close(r1);
    tl_open_refused(f, false, WRITE_REFUSED);
    blk_close(r2);
    r1 = tl_open_ok(f, false);
    blk_close(r1);
}

static void test_off(TlFixture *f, gconstpointer data)
{
    BlkDev *b = tl_open_ok(f, false);
    Error *err = NULL;
    BlkDev *b2 = tl_open(f, false, BLK_LOCKING_OFF, &err);

    /* locking=off neither takes locks nor looks at others'. */
    g_assert_null(err);
    g_assert_nonnull(b2);
    blk_close(b);
    b = tl_open_ok(f, false);
    blk_close(b);
    blk_close(b2);
}

static void test_on(TlFixture *f, gconstpointer data)
{
    Error *err = NULL;
    BlkDev *b = tl_open(f, false, BLK_LOCKING_ON, &err);

    g_assert_nonnull(b);
    tl_open_refused(f, false, WRITE_REFUSED);
    blk_close(b);
}

/* The lock-only check: the same conflicts, released by closing. */
static void test_lock_image(TlFixture *f, gconstpointer data)
{
    g_autofree char *missing = g_build_filename(f->dir, "missing", NULL);
    Error *err = NULL;
    int fd, fd2;
    BlkDev *b;

    g_assert_true(blk_lock_image(f->path, false, BLK_LOCKING_AUTO, &fd,
                                 &err));
    g_assert_cmpint(fd, >=, 0);
    g_assert_false(blk_lock_image(f->path, false, BLK_LOCKING_AUTO, &fd2,
                                  &err));
    g_assert_cmpint(fd2, ==, -1);
    tl_assert_refused(f, err, WRITE_REFUSED);
    err = NULL;
    tl_open_refused(f, true, SHARED_WRITE_REFUSED);
    close(fd);

    b = tl_open_ok(f, true);
    g_assert_true(blk_lock_image(f->path, true, BLK_LOCKING_AUTO, &fd,
                                 &err));
    g_assert_false(blk_lock_image(f->path, false, BLK_LOCKING_AUTO, &fd2,
                                  &err));
    tl_assert_refused(f, err, WRITE_REFUSED);
    err = NULL;
    close(fd);
    g_assert_true(blk_lock_image(f->path, false, BLK_LOCKING_OFF, &fd,
                                 &err));
    g_assert_cmpint(fd, ==, -1);
    blk_close(b);

    g_assert_false(blk_lock_image(missing, false, BLK_LOCKING_AUTO, &fd,
                                  &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "Could not open"));
    error_free(err);
}

/* Runs @argv to its end: its exit status, and its stderr in *@errout. */
static int tl_run(const char *const *argv, char **errout)
{
    g_autoptr(GError) gerr = NULL;
    int status;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_SEARCH_PATH |
                               G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               errout, &status, &gerr));
    g_assert_no_error(gerr);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* QEMU's tools refuse what we hold, with the same words. */
static void test_qemu_io(TlFixture *f, gconstpointer data)
{
    const char *rw[] = { "qemu-io", "-f", "raw", "-c", "read 0 512",
                         f->path, NULL };
    const char *ro[] = { "qemu-io", "-r", "-f", "raw", "-c", "read 0 512",
                         f->path, NULL };
    g_autofree char *qemu_io = g_find_program_in_path("qemu-io");
    BlkDev *b;

    if (!qemu_io) {
        g_test_skip("needs qemu-io");
        return;
    }
    b = tl_open_ok(f, false);
    {
        g_autofree char *out = NULL;

        g_assert_cmpint(tl_run(rw, &out), ==, 1);
        g_test_message("qemu-io beside our writer: %s", out);
        g_assert_nonnull(strstr(out, WRITE_REFUSED));
        g_assert_nonnull(strstr(out, "Is another process using the image"));
    }
    {
        g_autofree char *out = NULL;

        /* qemu-io's reader shares writing, as QEMU has it. */
        g_assert_cmpint(tl_run(ro, &out), ==, 0);
    }
    blk_close(b);

    b = tl_open_ok(f, true);
    {
        g_autofree char *out = NULL;

        g_assert_cmpint(tl_run(rw, &out), ==, 1);
        g_assert_nonnull(strstr(out, WRITE_REFUSED));
    }
    blk_close(b);
    {
        g_autofree char *out = NULL;

        g_assert_cmpint(tl_run(rw, &out), ==, 0);
    }
}

/* Whether another open of @path holds a lock on byte @off. */
static bool tl_byte_locked(const char *path, off_t off)
{
    struct flock fl = {
        .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = off, .l_len = 1,
    };
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool locked;

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fcntl(fd, F_OFD_GETLK, &fl), ==, 0);
    locked = fl.l_type != F_UNLCK;
    close(fd);
    return locked;
}

/* A failed assertion must not leave QEMU running. */
static void tl_child_setup(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* A paused QEMU with a disk device on the image: a writer, or a reader. */
static GPid tl_start_qemu(TlFixture *f, bool readonly)
{
    g_autofree char *drive = g_strdup_printf(
        "file=%s,format=raw,if=none,id=d0%s", f->path,
        readonly ? ",readonly=on" : "");
    const char *argv[] = {
        "qemu-system-x86_64", "-S", "-display", "none", "-nodefaults",
        "-nic", "none", "-M", "pc", "-accel", "tcg", "-drive", drive,
        "-device", "virtio-blk-pci,drive=d0", NULL,
    };
    gint64 deadline = g_get_monotonic_time() + WAIT_US;
    g_autoptr(GError) gerr = NULL;
    GPid pid;

    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                G_SPAWN_SEARCH_PATH |
                                G_SPAWN_DO_NOT_REAP_CHILD |
                                G_SPAWN_STDOUT_TO_DEV_NULL,
                                tl_child_setup, NULL, &pid, &gerr));
    g_assert_no_error(gerr);
    /*
     * Its device's locks are in place once byte 201 (write not shared),
     * the last one QEMU takes, is held.
     */
    while (!tl_byte_locked(f->path, 201)) {
        int status;

        g_assert_cmpint(waitpid(pid, &status, WNOHANG), ==, 0);
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(20 * 1000);
    }
    return pid;
}

static void tl_stop_qemu(GPid pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void test_qemu_system(TlFixture *f, gconstpointer data)
{
    g_autofree char *qemu = g_find_program_in_path("qemu-system-x86_64");
    BlkDev *b;
    GPid pid;

    if (!qemu) {
        g_test_skip("needs qemu-system-x86_64");
        return;
    }
    pid = tl_start_qemu(f, false);
    tl_open_refused(f, false, WRITE_REFUSED);
    tl_open_refused(f, true, SHARED_WRITE_REFUSED);
    tl_stop_qemu(pid);

    pid = tl_start_qemu(f, true);
    tl_open_refused(f, false, WRITE_REFUSED);
    b = tl_open_ok(f, true);
    blk_close(b);
    tl_stop_qemu(pid);

    /* And QEMU refuses to start beside our writer. */
    b = tl_open_ok(f, false);
    {
        g_autofree char *drive = g_strdup_printf(
            "file=%s,format=raw,if=none,id=d0", f->path);
        const char *argv[] = {
            "qemu-system-x86_64", "-S", "-display", "none", "-nodefaults",
            "-nic", "none", "-M", "pc", "-accel", "tcg", "-drive", drive,
            "-device", "virtio-blk-pci,drive=d0", NULL,
        };
        g_autofree char *out = NULL;

        g_assert_cmpint(tl_run(argv, &out), ==, 1);
        g_test_message("qemu-system beside our writer: %s", out);
        g_assert_nonnull(strstr(out, WRITE_REFUSED));
    }
    blk_close(b);
}

/*
 * A qcow2 image served by a daemon: the daemon takes QEMU's locks, and
 * its refusal, in QEMU's words, is the open's error.
 */
static void tl_daemon(TlFixture *f, BlkDaemon daemon, const char *prog)
{
    g_autofree char *size = g_strdup_printf("%u", IMG_SIZE);
    const char *create[] = { "qemu-img", "create", "-q", "-f", "qcow2",
                             f->path, size, NULL };
    g_autofree char *found = g_find_program_in_path(prog);
    g_autofree char *qemu_img = g_find_program_in_path("qemu-img");
    BlkOpenOpts opts = {
        .filename = f->path, .format = "qcow2", .daemon = daemon,
    };
    g_autofree char *out = NULL;
    Error *err = NULL;
    BlkDev *b, *b2;

    if (!found || !qemu_img) {
        g_test_skip("needs qemu-img and the daemon");
        return;
    }
    g_assert_cmpint(tl_run(create, &out), ==, 0);
    b = blk_open(f->loop, &opts, &err);
    g_assert_null(err);
    g_assert_nonnull(b);

    g_assert_null(blk_open(f->loop, &opts, &err));
    g_assert_nonnull(err);
    g_test_message("a second %s: %s", prog, error_get_pretty(err));
    g_assert_nonnull(strstr(error_get_pretty(err), "the NBD server exited"));
    g_assert_nonnull(strstr(error_get_pretty(err), WRITE_REFUSED));
    g_assert_nonnull(strstr(error_get_pretty(err),
                            "Is another process using the image"));
    error_free(err);
    err = NULL;
    /* Our own local check agrees with the daemon's locks. */
    tl_open_refused(f, false, WRITE_REFUSED);

    /* locking=off reaches the daemon: it neither takes nor checks. */
    opts.locking = BLK_LOCKING_OFF;
    b2 = blk_open(f->loop, &opts, &err);
    g_assert_null(err);
    g_assert_nonnull(b2);
    blk_close(b2);
    blk_close(b);

    opts.locking = BLK_LOCKING_ON;
    b = blk_open(f->loop, &opts, &err);
    g_assert_null(err);
    g_assert_nonnull(b);
    tl_open_refused(f, false, WRITE_REFUSED);
    blk_close(b);
}

static void test_qsd(TlFixture *f, gconstpointer data)
{
    tl_daemon(f, BLK_DAEMON_QSD, "qemu-storage-daemon");
}

static void test_qemu_nbd(TlFixture *f, gconstpointer data)
{
    tl_daemon(f, BLK_DAEMON_QEMU_NBD, "qemu-nbd");
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(TlFixture *f, gconstpointer data);
    } cases[] = {
        { "two-writers", test_two_writers },
        { "readers", test_readers },
        { "off", test_off },
        { "on", test_on },
        { "lock-image", test_lock_image },
        { "qemu-io", test_qemu_io },
        { "qemu-system", test_qemu_system },
        { "qsd", test_qsd },
        { "qemu-nbd", test_qemu_nbd },
    };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/blk-lock/%s",
                                                cases[i].name);

        g_test_add(path, TlFixture, NULL, tl_setup, cases[i].fn,
                   tl_teardown);
    }
    return g_test_run();
}
