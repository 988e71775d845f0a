# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by the dom0 init scripts: brings the Xen userland up the way a
# host's init would, and defines finish STATUS, which records STATUS for
# boot.sh and powers off. The caller runs as PID 1, so it must never exit
# before the power-off lands.
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
