/*
 * backend/vbd for the dom0 kernel's blkback, written by us as the
 * toolstack. blkback waits for `physical-device` (major:minor in hex),
 * which libxl's hotplug script (/etc/xen/scripts/block) writes after it
 * made a loop device of an image file; we do the same in-process: the
 * loop device is set up with LOOP_CONFIGURE and autoclear, and our file
 * descriptor on it is what keeps it until the domain is gone.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/xen/xen_vbd.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/loop.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct XenVbd {
    int loop_fd;                /* -1 for a block device given as is */
};

/* A loop device on @file; its path in @dev, its fd returned, or -1. */
static int vbd_loop_attach(const char *file, bool readonly, char **dev,
                           Error **errp)
{
    struct loop_config lc = { 0 };
    int ctl, nr, fd, file_fd;

    file_fd = open(file, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (file_fd < 0) {
        error_setg_errno(errp, errno, "backend=vbd: cannot open %s", file);
        return -1;
    }
    ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) {
        error_setg_errno(errp, errno, "backend=vbd: /dev/loop-control "
                         "(modprobe loop)");
        close(file_fd);
        return -1;
    }
    /* Another process may take the free device first: try again. */
    for (int tries = 0; tries < 10; tries++) {
        nr = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (nr < 0) {
            break;
        }
        *dev = g_strdup_printf("/dev/loop%d", nr);
        fd = open(*dev, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (fd < 0) {
            break;
        }
        lc.fd = file_fd;
        lc.info.lo_flags = LO_FLAGS_AUTOCLEAR |
                           (readonly ? LO_FLAGS_READ_ONLY : 0);
        g_strlcpy((char *)lc.info.lo_file_name, file, LO_NAME_SIZE);
        if (ioctl(fd, LOOP_CONFIGURE, &lc) == 0) {
            close(ctl);
            close(file_fd);
            return fd;
        }
        close(fd);
        g_clear_pointer(dev, g_free);
        if (errno != EBUSY) {
            break;
        }
    }
    error_setg_errno(errp, errno, "backend=vbd: no loop device for %s",
                     file);
    g_clear_pointer(dev, g_free);
    close(ctl);
    close(file_fd);
    return -1;
}

XenVbd *xen_vbd_create(XenBackend *be, uint16_t domid, unsigned vdev,
                       const char *dev_name, const char *path, bool readonly,
                       bool cdrom, Error **errp)
{
    g_autofree char *dev = NULL, *phys = NULL;
    g_autofree char *vdev_s = g_strdup_printf("%u", vdev);
    const char *device_type = cdrom ? "cdrom" : "disk";
    XenVbd *vbd;
    struct stat st;

    if (access("/sys/module/xen_blkback", F_OK)) {
        error_setg(errp, "backend=vbd: the dom0 kernel's blkback is not "
                   "loaded (modprobe xen-blkback)");
        return NULL;
    }
    if (stat(path, &st) < 0) {
        error_setg_errno(errp, errno, "backend=vbd: %s", path);
        return NULL;
    }
    vbd = g_new0(XenVbd, 1);
    vbd->loop_fd = -1;
    if (S_ISBLK(st.st_mode)) {
        dev = g_strdup(path);
    } else {
        vbd->loop_fd = vbd_loop_attach(path, readonly || cdrom, &dev, errp);
        if (vbd->loop_fd < 0 || fstat(vbd->loop_fd, &st) < 0) {
            xen_vbd_free(vbd);
            return NULL;
        }
    }
    phys = g_strdup_printf("%x:%x", major(st.st_rdev), minor(st.st_rdev));
    {
        const char *be_keys[] = {
            "params", dev, "type", "phy", "mode",
            readonly || cdrom ? "r" : "w", "dev", dev_name,
            "device-type", device_type, "removable", cdrom ? "1" : "0",
            "bootable", "1", "physical-device", phys,
            "physical-device-path", dev,
            /* what libxl waits for from the script we stand in for */
            "hotplug-status", "connected", NULL,
        };
        const char *fe_keys[] = {
            "virtual-device", vdev_s, "device-type", device_type, NULL,
        };

        if (!xen_backend_create_device(be, "vbd", domid, vdev, NULL,
                                       be_keys, fe_keys, NULL, errp)) {
            xen_vbd_free(vbd);
            return NULL;
        }
    }
    return vbd;
}

void xen_vbd_free(XenVbd *vbd)
{
    if (vbd) {
        if (vbd->loop_fd >= 0) {
            close(vbd->loop_fd);
        }
        g_free(vbd);
    }
}
