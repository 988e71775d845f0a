#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the rig's PV domU (built by mkdomu.sh). Loads the frontend
# modules, optionally waits for the disk, runs /tasks/<rig.task>.sh
# (rig.task=A,B: A then B, up to the first that fails, so that one boot
# checks several things) and reports the status on the console as
# "RIG-TASK-EXIT <status>", where
# dom0 reads it from the guest's console log. Kernel parameters
# rig.<key>=<value> reach the task as RIG_<KEY> (rig.disk=xvda: wait for
# /dev/xvda first). As PID 1 this must never exit: it powers off instead,
# which shuts the PV domain down.
#
# It also does what a real init does when asked to shut down: Linux
# answers control/shutdown (xl shutdown, QMP system_powerdown) by
# running /sbin/poweroff or /sbin/reboot, which in busybox signal PID 1
# (SIGUSR2 power off, SIGUSR1 halt, SIGTERM reboot) and leave the rest
# to it. The task runs in the background so that the signal is acted
# upon while it runs, not after.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
shutdown_by() {
    echo "RIG init: $1 requested"
    sync
    "$1" -f
}
trap 'shutdown_by poweroff' USR1 USR2
trap 'shutdown_by reboot' TERM
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "RIG cpus $(grep -c '^processor' /proc/cpuinfo)"

# No modprobe here: load in the order mkdomu.sh resolved.
# shellcheck disable=SC2013 # one module name per word
for m in $(cat /lib/modules/order); do
    insmod "/lib/modules/$m" || echo "rig-guest: insmod $m failed"
done

task=
disk=
# shellcheck disable=SC2013 # parameters are words
for a in $(cat /proc/cmdline); do
    case $a in rig.*=*) ;; *) continue ;; esac
    k=${a%%=*}
    k=${k#rig.}
    v=${a#*=}
    case $k in task) task=$v ;; disk) disk=$v ;; esac
    k=$(echo "$k" | tr 'a-z.-' 'A-Z__')
    case $k in *[!A-Z0-9_]*) continue ;; esac
    export "RIG_$k=$v"
done

rc=0
if [ -n "$disk" ]; then
    # The frontend connects asynchronously after insmod, once the device
    # model in dom0 serves the disk: under load, a minute or more.
    i=0
    while [ ! -b "/dev/$disk" ] && [ $i -lt 1800 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -b "/dev/$disk" ] || { echo "rig-guest: no /dev/$disk after 180 s"; rc=2; }
fi
if [ $rc = 0 ] && [ -z "$task" ]; then
    echo "rig-guest: no task (rig.task= on the command line)"
    rc=3
fi
if [ $rc = 0 ]; then
    for t in $(echo "$task" | tr ',' ' '); do
        if [ ! -f "/tasks/$t.sh" ]; then
            echo "rig-guest: no task '$t' (rig.task= on the command line)"
            rc=3
            break
        fi
        # An asynchronous command's stdin is /dev/null unless given.
        sh "/tasks/$t.sh" < /dev/console &
        wait $! || { rc=$?; break; }
    done
fi
echo "RIG-TASK-EXIT $rc"
sync
poweroff -f
# Only reached if the power-off failed; exiting would panic the kernel.
while :; do sleep 60; done
