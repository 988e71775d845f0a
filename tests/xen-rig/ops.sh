#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ops.sh TEST_BINARY: dom0 init for the ops test. Brings up the Xen
# userland as smoke.sh does, runs TEST_BINARY (xen-ops-test, the real-Xen
# services against dom0 itself) with its TAP going to /rig-out/ops.tap,
# powers off. Runs as PID 1, so it must never exit before the power-off.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
xbin=/usr/lib/xen-4.17/bin
out=/rig-out
test=$1

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

# A hang in the test must still end in a power-off, not the rig's timeout.
rc=0
timeout 120 "$test" > $out/ops.tap 2> $out/ops.err || rc=$?
finish $rc
