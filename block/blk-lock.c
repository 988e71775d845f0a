/*
 * Image locks, as QEMU's file-posix driver takes them, so that a second
 * writer is refused whether it is this process, another qemu-xenpv or
 * QEMU itself (qemu-system, qemu-img, qemu-io, qemu-storage-daemon).
 *
 * QEMU's protocol: each permission bit p of a user (consistent read,
 * write, write unchanged, resize: bits 0-3) is a byte of the image. A
 * user holds a shared (read) lock on byte 100 + p for each permission it
 * has and on byte 200 + p for each one it does not share with others;
 * it may have a permission when nobody else holds 200 + p, and keep one
 * unshared when nobody else holds 100 + p. The locks are open file
 * description (OFD) locks: they conflict between two opens of the image
 * within one process as well, and go away with the last descriptor of
 * the open, however the process ends. Bytes and messages are QEMU's, so
 * that each side's refusals read the same.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "blk"

#include "block/blk.h"
#include "blk-int.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <unistd.h>

#include "util/trace.h"

#define BLK_LOCK_PERM_BASE 100
#define BLK_LOCK_SHARED_BASE 200

/* QEMU's BLK_PERM_* bits; the bit number is the byte's offset. */
enum {
    BLK_PERM_CONSISTENT_READ = 1u << 0,
    BLK_PERM_WRITE = 1u << 1,
    BLK_PERM_WRITE_UNCHANGED = 1u << 2,
    BLK_PERM_RESIZE = 1u << 3,
};
#define BLK_PERM_BITS 4

static const char *const blk_perm_names[BLK_PERM_BITS] = {
    "consistent read", "write", "write unchanged", "resize",
};

static int blk_lock_fcntl(int fd, bool ofd, bool get, struct flock *fl)
{
    int cmd = ofd ? (get ? F_OFD_GETLK : F_OFD_SETLK)
                  : (get ? F_GETLK : F_SETLK);
    int ret;

    do {
        ret = fcntl(fd, cmd, fl);
    } while (ret < 0 && errno == EINTR);
    return ret < 0 ? -errno : 0;
}

static int blk_lock_range(int fd, bool ofd, off_t start, off_t len,
                          short type)
{
    struct flock fl = {
        .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len,
    };

    return blk_lock_fcntl(fd, ofd, false, &fl);
}

/* 0 when no other open of the image holds a lock on byte @off. */
static int blk_lock_test(int fd, bool ofd, off_t off)
{
    struct flock fl = {
        .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = off, .l_len = 1,
    };
    int ret = blk_lock_fcntl(fd, ofd, true, &fl);

    if (ret < 0) {
        return ret;
    }
    return fl.l_type == F_UNLCK ? 0 : -EAGAIN;
}

/* Takes the bytes of @perm and of what is not in @shared. */
static bool blk_lock_apply(int fd, bool ofd, unsigned perm, unsigned shared,
                           Error **errp)
{
    for (unsigned i = 0; i < 2 * BLK_PERM_BITS; i++) {
        unsigned p = i % BLK_PERM_BITS;
        bool have = i < BLK_PERM_BITS;
        int off = (have ? BLK_LOCK_PERM_BASE : BLK_LOCK_SHARED_BASE) + p;
        int ret;

        if (have ? !(perm & (1u << p)) : (shared & (1u << p))) {
            continue;
        }
        ret = blk_lock_range(fd, ofd, off, 1, F_RDLCK);
        if (ret == -EAGAIN || ret == -EACCES) {
            /* Someone holds a write lock there: not QEMU's protocol. */
            error_setg(errp, "Failed to lock byte %d", off);
            return false;
        }
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to lock byte %d", off);
            return false;
        }
    }
    return true;
}

/*
 * Whether someone else refuses to share what we want, or has it; the
 * refusal ends with QEMU's hint naming the image.
 */
static bool blk_lock_check(int fd, bool ofd, unsigned perm, unsigned shared,
                           const char *filename, Error **errp)
{
    for (unsigned i = 0; i < 2 * BLK_PERM_BITS; i++) {
        unsigned p = i % BLK_PERM_BITS;
        bool want = i < BLK_PERM_BITS;
        int off = (want ? BLK_LOCK_SHARED_BASE : BLK_LOCK_PERM_BASE) + p;
        int ret;

        if (want ? !(perm & (1u << p)) : (shared & (1u << p))) {
            continue;
        }
        ret = blk_lock_test(fd, ofd, off);
        if (ret < 0) {
            bool busy = ret == -EAGAIN || ret == -EACCES;

            error_setg(errp, "Failed to get %s\"%s\" lock%s%s\n"
                       "Is another process using the image [%s]?",
                       want ? "" : "shared ", blk_perm_names[p],
                       busy ? "" : ": ", busy ? "" : g_strerror(-ret),
                       filename);
            return false;
        }
    }
    return true;
}

/* F_OFD_GETLK is refused with EINVAL only by kernels without OFD locks. */
static bool blk_lock_have_ofd(int fd)
{
    struct flock fl = {
        .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0,
    };

    return blk_lock_fcntl(fd, true, true, &fl) != -EINVAL;
}

bool blk_lock_fd(int fd, const char *filename, bool readonly,
                 BlkLocking locking, Error **errp)
{
    /*
     * What QEMU's disk devices take (blkconf_apply_backend_options() with
     * share-rw=off): readers may join, other writers may not, and a
     * reader keeps writers out as well.
     */
    unsigned perm = BLK_PERM_CONSISTENT_READ |
                    (readonly ? 0 : BLK_PERM_WRITE);
    unsigned shared = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED |
                      BLK_PERM_RESIZE;
    bool ofd;

    if (locking == BLK_LOCKING_OFF) {
        return true;
    }
    ofd = blk_lock_have_ofd(fd);
    if (!ofd && locking == BLK_LOCKING_AUTO) {
        trace("'%s': no OFD locks on this host: not locked", filename);
        return true;
    }
    if (!ofd) {
        /* QEMU's own warning for locking=on. */
        warn_report("File lock requested but OFD locking syscall is "
                    "unavailable, falling back to POSIX file locks\n"
                    "Due to the implementation, locks can be lost "
                    "unexpectedly.");
    }
    if (blk_lock_apply(fd, ofd, perm, shared, errp) &&
        blk_lock_check(fd, ofd, perm, shared, filename, errp)) {
        trace("'%s': locked for %s (%s locks)", filename,
              readonly ? "reading" : "writing", ofd ? "OFD" : "POSIX");
        return true;
    }
    /* Whatever was taken: the descriptor may stay open on failure. */
    blk_lock_range(fd, ofd, BLK_LOCK_PERM_BASE, BLK_PERM_BITS, F_UNLCK);
    blk_lock_range(fd, ofd, BLK_LOCK_SHARED_BASE, BLK_PERM_BITS, F_UNLCK);
    return false;
}

bool blk_lock_image(const char *filename, bool readonly, BlkLocking locking,
                    int *lock_fd, Error **errp)
{
    int fd;

    *lock_fd = -1;
    if (locking == BLK_LOCKING_OFF) {
        return true;
    }
    /* A read lock needs no more than read access, whatever is asked. */
    fd = open(filename, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Could not open '%s'", filename);
        return false;
    }
    if (!blk_lock_fd(fd, filename, readonly, locking, errp)) {
        close(fd);
        return false;
    }
    *lock_fd = fd;
    return true;
}
