#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# rig-net-dom0.sh QEMU_XENPV KERNEL DOMU_INITRD ROUNDS [perf]: dom0 side of
# bench/rig-net.sh, run as dom0's init by tests/xen-rig/boot.sh. Runs the
# rig's own net scenario (tests/xen-rig/net-dom0.sh: guest/net.sh's ping
# and iperf3 both ways, then the vif hotplug) with the kernel's netback
# and with QEMU_XENPV, ROUNDS times each, the order reversed every other
# round (netback qemu-xenpv, qemu-xenpv netback, ...) so that neither
# always goes first and xen-netback is unloaded and loaded again only
# once per round pair. The figures are net-dom0.sh's /rig-out/net-iperf.txt;
# the checks' TAP goes to /rig-out/net.tap. top and xentop sample dom0's
# processes and the domains' CPU all along (/rig-out/top.log,
# xentop.log), to tell afterwards whether the guest's vCPU, the device
# model or the kernel's backend was the limit.
# shellcheck source=SCRIPTDIR/../tests/xen-rig/dom0-up.sh
. "$(dirname "$0")/../tests/xen-rig/dom0-up.sh"
rig=$(dirname "$0")/../tests/xen-rig
# net-dom0.sh's inputs, as attach.sh sets them.
bin=$(readlink -f "$1")
kernel=$2
domu_initrd=$3
rounds=$4
profile=${5:-}
tap=$out/net.tap
log=$out/net.log
xl=$xbin/xl
n=0
failed=0
ctx_domid=
ctx_logs=
# shellcheck source=SCRIPTDIR/../tests/xen-rig/dom0-checks.sh
. "$rig/dom0-checks.sh"

NET_BACKENDS=
r=1
while [ "$r" -le "$rounds" ]; do
    if [ $((r % 2)) = 1 ]; then
        NET_BACKENDS="$NET_BACKENDS netback qemu-xenpv"
    else
        NET_BACKENDS="$NET_BACKENDS qemu-xenpv netback"
    fi
    r=$((r + 1))
done
# The figures only: the hotplug checks are the rig test's, and their
# waits on libxl's hotplug script would only lengthen the rounds.
NET_HOTPLUG=
# The first frames of top and xentop have no interval to measure over:
# they run for the whole scenario. Each top frame is cut to its busiest
# processes; the header's clock places it against net.log's.
top -b -d 3 -w 200 -o %CPU | awk '/^top -/ { c = 0 } c++ < 16' \
    > $out/top.log 2>&1 &
top_pid=$!
$xbin/xentop -b -d 3 > $out/xentop.log 2>&1 &
xentop_pid=$!

# What a copy between user and kernel memory costs in dom0 (a pipe: one
# copy in, one out), the work a tap adds per byte, for --cpu's sake.
dd if=/dev/zero bs=64k count=1024 2>/dev/null |
    dd of=/dev/null bs=64k iflag=fullblock 2>&1 | tail -n 1 \
    > $out/copy-speed.txt

# net_profile start|stop BACKEND NAME: with --perf, dom0's whole CPU
# sampled through each run's iperf3 (the software clock: a PV dom0 has
# no PMU), reported inside dom0, whose kernel symbols the host lacks.
net_profile() {
    case $1 in
    start)
        perf record -a -g -F 499 -o /tmp/perf-$3.data \
            > /tmp/perf-$3.log 2>&1 &
        echo $! > /tmp/perf.pid
        # The device model's system calls, counted (tracepoints: cheap).
        if [ "$2" != netback ]; then
            perf stat -p "$dmpid" -o /tmp/stat-$3.txt -e \
'syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_writev,'\
'syscalls:sys_enter_ioctl,syscalls:sys_enter_epoll_wait,'\
'raw_syscalls:sys_enter,context-switches' > /dev/null 2>&1 &
            echo $! > /tmp/stat.pid
        fi
        ;;
    stop)
        kill -INT "$(cat /tmp/perf.pid)" 2>/dev/null
        wait_for 60 sh -c "! kill -0 $(cat /tmp/perf.pid) 2>/dev/null"
        {
            echo "# $2 ($3): dom0 during iperf3 both ways"
            perf report -i /tmp/perf-$3.data --stdio --no-children \
                --sort comm,dso,sym -g none --percent-limit 0.5 2>&1
            # Whence the busiest entries were called.
            perf report -i /tmp/perf-$3.data --stdio --no-children \
                --sort comm,sym -G --percent-limit 2 2>&1 | head -n 400
            # The device model's own time, by system call.
            [ "$2" = netback ] ||
                perf report -i /tmp/perf-$3.data --stdio --no-children \
                    --comms qemu-xenpv --sort sym -g caller,0.5,callee \
                    --percent-limit 0.3 2>&1 | head -n 1500
        } > $out/perf-$2-$3.txt
        rm -f /tmp/perf-$3.data
        if [ "$2" != netback ]; then
            kill -INT "$(cat /tmp/stat.pid)" 2>/dev/null
            wait_for 60 sh -c "! kill -0 $(cat /tmp/stat.pid) 2>/dev/null"
            cat /tmp/stat-$3.txt >> $out/perf-$2-$3.txt 2>/dev/null
        fi
        ;;
    esac
}
[ "$profile" != perf ] || NET_PROFILE=net_profile
# shellcheck source=SCRIPTDIR/../tests/xen-rig/net-dom0.sh
. "$rig/net-dom0.sh"

# top itself ends on its next write, into the closed pipe.
kill $xentop_pid $top_pid 2>/dev/null
for f in /var/log/xen/qemu-dm-n*.log /var/log/xen/xl-n*.log \
         /var/log/xen/console/guest-n*.log /var/log/xen/xen-hotplug.log \
         /tmp/iperf3-server.log; do
    [ -e "$f" ] && cp "$f" $out/ 2>/dev/null
done
echo "1..$n" >> $tap
finish $((failed != 0))
