#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dom0 init for the smoke test: bring up the Xen userland the way a host's
# init would, check that the toolstack talks to the hypervisor, power off.
# Runs as PID 1 on the host's root (an overlay over it, tmpfs over /run
# /var/lib/xen /var/log), so it must never exit before the power-off lands.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
xbin=/usr/lib/xen-4.17/bin
out=/rig-out

finish() {
    echo "$1" > $out/status
    sync
    echo o > /proc/sysrq-trigger
    sleep 60
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
ip link set lo up
mount -t xenfs xenfs /proc/xen || finish 10
mkdir -p /var/log/xen/console /run/xen /var/lib/xen
$xbin/xenstored --pid-file /run/xenstored.pid || finish 11
$xbin/xen-init-dom0 > $out/xen-init-dom0.log 2>&1 || finish 12
$xbin/xenconsoled --log=guest --log-dir=/var/log/xen/console || finish 13

# Call xl directly: Debian's /usr/sbin/xl wrapper picks the tools by the
# running hypervisor's version, which is one more thing that could differ.
rc=0
$xbin/xl info > $out/xl-info.txt 2>&1 || rc=1
$xbin/xl list > $out/xl-list.txt 2>&1 || rc=1
finish $rc
