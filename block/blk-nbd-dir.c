/*
 * The private directory a storage daemon's socket lives in, under the
 * temporary directory ($TMPDIR, else /tmp): qemu-xenpv-nbd-XXXXXX with
 * nbd.sock and owner.
 *
 * It should outlive neither its use nor us. It is removed as soon as the
 * daemon is connected (blk-nbd.c), so a process killed later (SIGKILL,
 * a crash) leaves nothing. For one killed while its daemon starts, the
 * directory holds "owner", a file its creator keeps flock()ed for as long
 * as the directory exists: the lock goes with the creator however it
 * ends, so whoever can take it knows the owner is gone. Every new
 * directory first sweeps those; a live process's is never touched, in
 * whatever pid namespace it runs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "blk"

#include "blk-int.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/trace.h"

#define BLK_NBD_DIR_PREFIX "qemu-xenpv-nbd-"
#define BLK_NBD_DIR_SOCKET "nbd.sock"
#define BLK_NBD_DIR_OWNER "owner"
#define BLK_NBD_DIR_OWNER_NEW "owner.new"
/*
 * A directory without "owner" is one being made (for microseconds) or
 * one whose maker died before it named it: the latter once it is this
 * old.
 */
#define BLK_NBD_DIR_UNOWNED_AGE_S 60

struct BlkNbdDir {
    char *path;
    char *socket;
    int owner_fd;               /* flock()ed while the directory exists */
};

static void blk_nbd_dir_remove(const char *path)
{
    static const char *const names[] = {
        BLK_NBD_DIR_SOCKET, BLK_NBD_DIR_OWNER_NEW, BLK_NBD_DIR_OWNER,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *file = g_build_filename(path, names[i], NULL);

        g_unlink(file);
    }
    g_rmdir(path);
}

/* Removes @path if it is a leftover of ours whose owner is gone. */
static void blk_nbd_dir_sweep_one(const char *path)
{
    g_autofree char *owner = g_build_filename(path, BLK_NBD_DIR_OWNER, NULL);
    struct stat st;
    int fd;

    /* Never through a symlink, never another user's. */
    if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != geteuid()) {
        return;
    }
    fd = open(owner, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT &&
            st.st_mtime + BLK_NBD_DIR_UNOWNED_AGE_S < time(NULL)) {
            blk_nbd_dir_remove(path);
            trace("removed %s, left unnamed by a process that is gone",
                  path);
        }
        return;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        blk_nbd_dir_remove(path);
        trace("removed %s, left by a process that is gone", path);
    }
    close(fd);
}

static void blk_nbd_dir_sweep(void)
{
    const char *tmp = g_get_tmp_dir();
    g_autoptr(GDir) dir = g_dir_open(tmp, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        if (g_str_has_prefix(name, BLK_NBD_DIR_PREFIX)) {
            g_autofree char *path = g_build_filename(tmp, name, NULL);

            blk_nbd_dir_sweep_one(path);
        }
    }
}

BlkNbdDir *blk_nbd_dir_new(Error **errp)
{
    BlkNbdDir *d = g_new0(BlkNbdDir, 1);
    g_autofree char *owner = NULL;
    g_autofree char *owner_tmp = NULL;
    GError *gerr = NULL;

    d->owner_fd = -1;
    blk_nbd_dir_sweep();
    d->path = g_dir_make_tmp(BLK_NBD_DIR_PREFIX "XXXXXX", &gerr);
    if (!d->path) {
        error_setg(errp, "Could not create a socket directory: %s",
                   gerr->message);
        g_error_free(gerr);
        g_free(d);
        return NULL;
    }
    d->socket = g_build_filename(d->path, BLK_NBD_DIR_SOCKET, NULL);
    /*
     * Locked before it appears under its name, so that a sweeper never
     * finds an owner file without its lock.
     */
    owner = g_build_filename(d->path, BLK_NBD_DIR_OWNER, NULL);
    owner_tmp = g_build_filename(d->path, BLK_NBD_DIR_OWNER_NEW, NULL);
    d->owner_fd = open(owner_tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
                       O_NOFOLLOW, 0600);
    if (d->owner_fd < 0 || flock(d->owner_fd, LOCK_EX) < 0 ||
        rename(owner_tmp, owner) < 0) {
        error_setg_errno(errp, errno, "Could not mark '%s' as ours",
                         d->path);
        blk_nbd_dir_free(d);
        return NULL;
    }
    return d;
}

const char *blk_nbd_dir_socket(BlkNbdDir *d)
{
    return d->socket;
}

void blk_nbd_dir_free(BlkNbdDir *d)
{
    if (!d) {
        return;
    }
    /* Removed before the lock goes: a sweeper then finds nothing. */
    blk_nbd_dir_remove(d->path);
    if (d->owner_fd >= 0) {
        close(d->owner_fd);
    }
    g_free(d->socket);
    g_free(d->path);
    g_free(d);
}
