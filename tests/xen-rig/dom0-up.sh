# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by the dom0 init scripts: brings the Xen userland up the way a
# host's init would, and defines finish STATUS, which records STATUS for
# boot.sh and powers off, and diag, which records why a step failed. The
# caller runs as PID 1, so it must never exit before the power-off lands.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
xbin=/usr/lib/xen-4.17/bin
out=/rig-out

finish() {
    echo "$1" > $out/status
    sync
    echo o > /proc/sysrq-trigger
    # Should the power-off not land, init exits, dom0 panics, Xen
    # reboots and -no-reboot ends QEMU: the status is written already.
    sleep 300
}

# diag WHAT [DOMID [LOG...]]: appends to /rig-out/diag.log, at the
# moment WHAT failed, what explains it: the tail of each LOG (a device
# model's stderr, xl's log, the guest's console), the backend directories
# (state, error, hotplug-status) and device-model directory of domain
# DOMID in xenstore, and the tails of dom0's and Xen's logs. Written now,
# not at the end, as the run may be cut by its time limit. Only the first
# few failures get all of it: the rest mostly follow from them.
diag_n=0
diag() {
    diag_n=$((diag_n + 1))
    {
        echo "==== diag $diag_n at $(date +%s): $1"
        if [ $diag_n -gt 5 ]; then
            echo "(details only for the first 5 failures)"
            return
        fi
        if [ -n "${2:-}" ]; then
            d=$2
            shift 2
            for f in "$@"; do
                echo "---- $f (last 40 lines)"
                tail -n 40 "$f" 2>&1
            done
            for t in $(xenstore-list /local/domain/0/backend 2>/dev/null); do
                xenstore-ls -fp /local/domain/0/backend/"$t/$d" 2>/dev/null
            done
            xenstore-ls -fp /local/domain/0/device-model/"$d" 2>/dev/null
            xenstore-ls -fp /local/domain/"$d"/device 2>/dev/null
        fi
        echo "---- dom0 dmesg (last 30 lines)"
        dmesg 2>&1 | tail -n 30
        echo "---- xl dmesg (last 15 lines)"
        $xbin/xl dmesg 2>&1 | tail -n 15
    } >> $out/diag.log 2>&1
}

# xl_works: what xen-rig-smoke checks, also run by ops.sh so that a
# build with Xen boots the rig once for both: xl info and xl list into
# /rig-out, for rig_xl_works on the host. Calls xl directly: Debian's
# /usr/sbin/xl wrapper picks the tools by the running hypervisor's
# version, which is one more thing that could differ.
xl_works() {
    xl_rc=0
    $xbin/xl info > $out/xl-info.txt 2>&1 || xl_rc=1
    $xbin/xl list > $out/xl-list.txt 2>&1 || xl_rc=1
    [ $xl_rc = 0 ] || diag "xl info or xl list failed"
    return $xl_rc
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
