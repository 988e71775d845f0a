/*
 * The "disk" test guest program's block part: a blkfront per
 * device/vbd/<vdev> and a self-check on each; see programs.h for what
 * it writes and reads.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GUESTS_GUEST_DISK_H
#define XENNER_GUESTS_GUEST_DISK_H

#include <stdbool.h>

#include "util/qemu-option.h"
#include "xenner/guest.h"

typedef struct GuestDisks GuestDisks;

/* The -xenner-guest keys of the disk program. */
#define GUEST_DISK_KEYS \
    "disk-queues", "disk-ring-order", "disk-persistent", "disk-indirect"

/* The value of byte @b (an offset in bytes) of the disk of @vdev. */
static inline uint8_t guest_disk_pattern(unsigned vdev, uint64_t b)
{
    return (b ^ (b >> 8) ^ (b >> 16) ^ (b >> 24) ^ vdev ^ (vdev >> 8)) & 0xff;
}

/* Takes the disks of device/vbd, now and as they are hotplugged. */
GuestDisks *guest_disks_new(XennerGuest *g, QemuOpts *opts, Error **errp);
/* True when @opts has any of the disk keys (for other programs). */
bool guest_disks_keys_given(QemuOpts *opts);
/* A data/xenner-cmd verb starting with "disk-"; false if unknown. */
bool guest_disks_command(GuestDisks *gd, const char *verb, unsigned vdev);
void guest_disks_free(GuestDisks *gd);

#endif /* XENNER_GUESTS_GUEST_DISK_H */
