#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest task for attach.sh scenarios 1 and 2 and create.sh's first step:
# ext4 on xvda (served by qemu-xenpv's qdisk backend) written, read back
# by checksum after the caches are dropped, and fscked (and the same on
# rig.disk2 when given); then, unless rig.channel=0, hello both ways on
# the console channel, hvc1. Markers on hvc0 ("RIG ...") tell dom0 how
# it went.
set -e
# ext4_check DISK: mkfs, files written, read back by checksum after the
# caches are dropped, fsck; the markers name the disk.
ext4_check() {
    mkfs.ext4 -q -F /dev/$1
    mkdir -p /mnt
    mount -t ext4 /dev/$1 /mnt
    dd if=/dev/urandom of=/mnt/big bs=1M count=24 2>/dev/null
    mkdir /mnt/small
    for i in $(seq 1 40); do
        dd if=/dev/urandom of=/mnt/small/f$i bs=4k count=$i 2>/dev/null
    done
    (cd /mnt && sha256sum big small/* > SUMS)
    sync
    umount /mnt
    echo 3 > /proc/sys/vm/drop_caches
    mount -t ext4 -o ro /dev/$1 /mnt
    (cd /mnt && sha256sum -c SUMS > /dev/null)
    echo "RIG ext4-readback-ok $1"
    umount /mnt
    e2fsck -fn /dev/$1
    echo "RIG ext4-fsck-clean $1"
}
ext4_check xvda
# rig.disk2=xvdb (create.sh): a second disk, served by another backend.
if [ -n "${RIG_DISK2:-}" ]; then
    for _ in $(seq 120); do [ -b "/dev/$RIG_DISK2" ] && break; sleep 1; done
    ext4_check "$RIG_DISK2"
fi

# rig.channel=0 (create.sh): the guest has no channel to say hello on.
[ "${RIG_CHANNEL:-1}" != 0 ] || exit 0

# hvc1 stays open throughout, in raw mode: input that arrives between
# two opens would wait in the ring, and echo would send it back.
for _ in $(seq 120); do [ -c /dev/hvc1 ] && break; sleep 1; done
exec 3<>/dev/hvc1
stty -F /dev/hvc1 raw -echo
line=
for _ in $(seq 300); do
    echo guest-hello >&3
    # shellcheck disable=SC3045 # busybox sh has read -t
    if read -t 1 -r line <&3; then break; fi
done
echo "RIG channel-got $line"
