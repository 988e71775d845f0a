#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest.sh --machine QEMU_XENPV: prints the name of QEMU_XENPV's machine
# that runs guests on KVM, the first whose `-machine help` description
# says KVM; fails if it has none. run-kvm.sh asks on the host, to build
# the guest's initramfs only when it will run.
#
# guest.sh QEMU_XENPV KERNEL DOMU_INITRD: run by kvm-init.sh inside the
# KVM rig, where /dev/kvm is nested KVM. With such a machine, it boots
# KERNEL (Debian's vmlinuz, as a PVH guest) with DOMU_INITRD (the Xen
# rig's guest initramfs, tests/xen-rig/mkdomu.sh: its init runs a task
# of tests/xen-rig/guest/ and reports on hvc0) on qemu-xenpv's own
# backends; without one, its TAP lines are skipped with the reason. TAP
# on stdout, details in /rig-out/guest.log; /tmp (the rig's tmpfs
# overlay) holds the guest's image and logs.
#
# The scenarios: k0, the issue's first and second in one boot (ext4 on
# our block backend, xenstore-ls on the socket, the network through our
# net backend to a namespace, the framebuffer and keyboard on -vnc and
# QMP, then the power-off through ACPI); k1, the
# kernel's crash, only when the fourth argument is "crash"
# (KVM_RIG_LINUX=all): one run of it hung the whole rig (below).
out=/rig-out
log=$out/guest.log

kvm_machine() {
    "$1" -machine help 2>/dev/null | awk '
        NR > 1 {
            d = $0
            sub(/^[^ ]+ +/, "", d)
            if (d ~ /(^|[^A-Za-z0-9_])KVM([^A-Za-z0-9_]|$)/) {
                print $1
                found = 1
                exit
            }
        }
        END { exit !found }'
}

if [ "${1:-}" = --machine ]; then
    kvm_machine "${2:?usage: guest.sh --machine QEMU_XENPV}"
    exit
fi
qemu=${1:?usage: guest.sh QEMU_XENPV KERNEL DOMU_INITRD}
kernel=${2:?}
domu=${3:?}
crash=${4:-}
smp=${5:-1}

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/tap.sh
. "$here/tap.sh"
exec 3>&1
# TAP from here on: one line per check.
con_has() { grep -q "$2" "/tmp/$1.con" 2>/dev/null; }
rc_is() { [ "$(cat "/tmp/$1.rc" 2>/dev/null)" = "$2" ]; }
# The end of a scenario's output, for the log.
guest_log() {
    {
        echo "---- $1 stderr (last 40 lines)"
        tail -n 40 "/tmp/$1.err"
        echo "---- $1 console (first 5 and last 60 lines)"
        head -n 5 "/tmp/$1.con"
        tail -n 60 "/tmp/$1.con"
    } >> $log 2>&1
}
# A sanitizer report in qemu-xenpv's stderr fails the run.
clean_log() {
    ! grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1"
}

if [ "$domu" = off ]; then
    echo "ok 1 - a Linux PVH guest on qemu-xenpv's KVM machine" \
         "# SKIP left out (KVM_RIG_LINUX=0)"
    exit 0
fi
machine=$(kvm_machine "$qemu")
if [ -z "$machine" ]; then
    echo "ok 1 - a Linux PVH guest on qemu-xenpv's KVM machine" \
         "# SKIP $qemu -machine help lists no machine on KVM"
    exit 0
fi
if [ ! -s "$domu" ]; then
    echo "not ok 1 - a Linux PVH guest on qemu-xenpv's KVM machine" \
         "# no guest initramfs ($domu)"
    exit 1
fi

# net_up NAME: a network namespace for NAME's guest, held by a sleep
# ($ns), with its lo up and an iperf3 server ($iperf) in it.
net_up() {
    unshare -n sleep 900 &
    ns=$!
    # unshare has made the namespace once the sleep's is not ours.
    i=0
    own=$(readlink /proc/self/ns/net)
    while [ "$(readlink /proc/$ns/ns/net)" = "$own" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    nsrun ip link set lo up
    nsrun iperf3 -s > "/tmp/$1.iperf" 2>&1 &
    iperf=$!
}
nsrun() { nsenter -t "$ns" -n "$@"; }
# net_tap IFNAME: moves the tap qemu-xenpv made into the namespace, with
# dom0's address there (the Xen rig's net task pings and iperf3s it).
# The tap exists once qemu-xenpv has opened it, long before the guest's
# netfront probes; it keeps its queue open across the move.
net_tap() {
    moved=no
    i=0
    while [ $i -lt 300 ]; do
        if ip link set "$1" netns "$ns" 2>> $log; then
            moved=yes
            break
        fi
        sleep 0.1
        i=$((i + 1))
    done
    [ $moved = no ] ||
        { nsrun ip addr add 192.168.100.1/24 dev "$1" &&
          nsrun ip link set "$1" up; } >> $log 2>&1
}
# net_down NAME: the server and the sleep go, and the namespace with them.
net_down() {
    kill $iperf $ns 2> /dev/null
    wait $iperf $ns 2> /dev/null
    cat "/tmp/$1.iperf" >> $log
}

# wait_con NAME PID PATTERN [SECS]: until NAME's console has PATTERN,
# while PID (its qemu-xenpv) runs, for SECS at most (without: its own
# timeout bounds the wait).
wait_con() {
    i=0
    while ! con_has "$1" "$3"; do
        kill -0 "$2" 2>/dev/null || con_has "$1" "$3" || return 1
        [ -z "${4:-}" ] || [ $i -lt $(($4 * 5)) ] || return 1
        sleep 0.2
        i=$((i + 1))
    done
}
# display NAME PID: the display task (tests/xen-rig/guest/display.sh)
# on NAME's -vnc and -mon, as a user at them: once it has drawn its
# text on fbcon, xenstore-ls reads both ends of the vfb and the vkbd,
# QMP's screendump is taken and its pixels made into the guest's
# framebuffer layout (fb-md5.py), whose md5 must be the one the guest
# printed of its /dev/fb0; then Net::VNC (the Xen display rig's
# vnc-input.pl) types a line and clicks, which the guest reads on its
# tty and pointer, and types the line that ends the task. Results in
# /tmp/NAME.*, checked after the guest ends; a missed step stops the
# guest at once instead of leaving it to its timeout.
display() {
    : > "/tmp/$1.display"
    if ! wait_con "$1" "$2" "RIG display-ready"; then
        echo "no display-ready" >> "/tmp/$1.display"
        return
    fi
    echo "== $(date +%s) $1: display-ready" >> $log
    XENSTORED_PATH=$sock timeout 10 xenstore-ls -f \
        /local/domain/0/backend/vfb /local/domain/0/backend/vkbd \
        /local/domain/1/device/vfb /local/domain/1/device/vkbd \
        > "/tmp/$1.dls" 2>&1
    timeout 60 python3 "$here/../functional/qmpclient.py" "$qmp" \
        "screendump:{\"filename\": \"/tmp/$1.ppm\"}" query-status \
        > "/tmp/$1.qmp" 2>&1
    timeout 60 python3 "$here/fb-md5.py" "/tmp/$1.ppm" > "/tmp/$1.md5" \
        2> "/tmp/$1.md5err"
    if timeout 120 perl "$here/../xen-rig/vnc-input.pl" 127.0.0.1 \
            "$vnc_port" rig-vnc-42 400 300 >> "/tmp/$1.display" 2>&1 &&
       wait_con "$1" "$2" "RIG btn-left 0" 120 &&
       wait_con "$1" "$2" "RIG typed rig-vnc-42" 120 &&
       timeout 120 perl "$here/../xen-rig/vnc-input.pl" 127.0.0.1 \
            "$vnc_port" rig-end >> "/tmp/$1.display" 2>&1; then
        echo "== $(date +%s) $1: display done" >> $log
        return
    fi
    echo "a step failed: the guest stopped" >> "/tmp/$1.display"
    kill "$2" 2>/dev/null
}
fb_md5_same() {
    want=$(sed -n 's/^.*RIG fb-md5 //p' "/tmp/$1.con" | tr -d '\r')
    [ -n "$want" ] && [ "$want" = "$(head -n 1 "/tmp/$1.md5")" ]
}

# k0: the issue's first and second checks, in one boot. Debian's kernel
# runs as a Xen PVH guest with its console on our chardev from its first
# line; its xen-blkfront connects to our block backend (a raw image as
# xvda, -drive if=xen); the Xen rig's ext4 task (mkfs, files read back
# by checksum after drop_caches, e2fsck -fn) passes in the guest. Its
# xen-netfront connects to our net backend, whose vif is on a tap
# (-netdev tap) moved into a network namespace made here, holding dom0's
# end (192.168.100.1) and an iperf3 server: the Xen rig's net task pings
# it and sends and receives over TCP (rig.hotplug=0: no second vif).
# Then the display task (display() above): its xen-fbfront and
# xen-kbdfront on our vfb and vkbd (-vnc on loopback, QMP on a unix
# socket), its fbcon text read back by screendump, keys and a click
# over VNC. Then the init powers off (poweroff -f). x86 Linux has no Xen power-off
# for PVH guests: it powers off through ACPI (on by default), S5 written
# to the FADT's PM1a control block, which ends qemu-xenpv with exit 0
# after it closed its disks, and nothing on stderr; e2fsck here then
# finds the image clean, and the namespace goes with its processes:
# nothing leaves the rig. While it runs, Debian's xenstore-ls reads its
# xenstore on the socket. With the fifth argument N (KVM_RIG_SMP=N), it
# has N vCPUs, which Linux brings up and its init counts; 1 by default:
# with 2, k0 passed but took longer, its network erratic
# (docs/devel/kvm-rig.md).
name=k0
img=/tmp/$name.img
ifname=xpvh0
mac=52:54:00:12:34:20
# logo.nologo: the penguin would stay above the display task's text.
args="console=hvc0 logo.nologo rig.task=ext4,net,balloon,display"
args="$args rig.disk=xvda rig.channel=0 rig.hotplug=0 rig.runtime=3"
# The balloon: memory/target 16 MiB below the guest's 256 (in KiB).
balloon_kb=$(((256 - 16) * 1024))
args="$args rig.balloon=$balloon_kb"
rm -f "$img"
truncate -s 128M "$img"
sock=/tmp/$name-xs.sock
qmp=/tmp/$name-qmp.sock
vnc_port=5907
rm -f "$qmp"
# The VNC clients reach -vnc on the rig's loopback, down until now.
ip link set lo up >> $log 2>&1
net_up $name
echo "== $(date +%s) $name: $qemu -M $machine -drive $img -netdev tap" \
     "-vnc -mon" >> $log
(
    timeout -k 10 300 "$qemu" -M "$machine,xenstore-socket=$sock" -m 256 \
        -smp "$smp" -kernel "$kernel" -initrd "$domu" \
        -append "$args" \
        -drive "file=$img,if=xen,format=raw" \
        -netdev "tap,id=n0,ifname=$ifname,script=no,downscript=no" \
        -device "xen-net-device,netdev=n0,mac=$mac" \
        -vnc "127.0.0.1:$((vnc_port - 5900))" \
        -chardev "socket,id=qmp,path=$qmp,server=on,wait=off" \
        -mon chardev=qmp,mode=control \
        -serial "file:/tmp/$name.con" \
        < /dev/null > "/tmp/$name.out" 2> "/tmp/$name.err"
    echo $? > "/tmp/$name.rc"
) &
guest=$!
net_tap $ifname
# vcpu_offline NAME N: as xl vcpu-set does, takes the guest's vCPU N
# offline through cpu/N/availability and waits (30 s) for Linux's vCPU
# hotplug watch to act; then writes "online" back, which only makes the
# CPU present again (bringing it online is the guest's own business).
vcpu_offline() {
    local i

    XENSTORED_PATH=$sock timeout 10 xenstore-write \
        "/local/domain/1/cpu/$2/availability" offline
    for i in $(seq 300); do
        con_has "$1" "CPU $2 is now offline" && break
        sleep 0.1
    done
    XENSTORED_PATH=$sock timeout 10 xenstore-write \
        "/local/domain/1/cpu/$2/availability" online
}
# While the guest runs, Debian's xenstore-ls reads its xenstore on the
# socket: its vbd's frontend, connected (state 4), seen at least once
# between blkfront's connect and the power-off (seconds apart).
rm -f "/tmp/$name.xs"
while kill -0 $guest 2>/dev/null; do
    if XENSTORED_PATH=$sock timeout 10 xenstore-ls -f \
            /local/domain/1/device/vbd > "/tmp/$name.ls" 2>&1 &&
       grep -q '^/local/domain/1/device/vbd/51712/state = "4"' \
            "/tmp/$name.ls"; then
        cp "/tmp/$name.ls" "/tmp/$name.xs"
        # Linux's shutdown watcher answers there at boot, before blkfront.
        XENSTORED_PATH=$sock timeout 10 xenstore-read \
            /local/domain/1/control/feature-poweroff > "/tmp/$name.fp" 2>&1
        # As a toolstack shrinks a guest: its balloon task checks.
        XENSTORED_PATH=$sock timeout 10 xenstore-write \
            /local/domain/1/memory/target $balloon_kb
        [ "$smp" -lt 2 ] || vcpu_offline $name $((smp - 1))
        break
    fi
    sleep 0.2
done
display $name $guest
wait $guest
echo "== $(date +%s) $name: exit $(cat /tmp/$name.rc)" >> $log
cp "/tmp/$name.con" "$out/$name.con"
net_down $name
[ ! -s "/tmp/$name.xs" ] || cat "/tmp/$name.xs" >> $log
for f in dls qmp md5 md5err display; do
    echo "---- $name.$f" >> $log
    cat "/tmp/$name.$f" >> $log 2>&1
done
# The screen as QMP dumped it, for RIG_KEEP.
cp "/tmp/$name.ppm" "$out/$name-screendump.ppm" 2>> $log
# The console replays the kernel's log from its banner, with its time.
check "$name: the guest's console is on our chardev from its first line" \
    sh -c "head -n 1 /tmp/$name.con | grep -q '^\[ *0\.0*\] Linux version'"
check "$name: the kernel runs as a Xen PVH guest" \
    con_has $name "Booting kernel on Xen PVH"
check "$name: Linux brings up its $smp vCPU(s)" \
    con_has $name "smp: Brought up 1 node, $smp CPU"
check "$name: and its init sees $smp CPU(s)" con_has $name "RIG cpus $smp"
if [ "$smp" -gt 1 ]; then
    check "$name: cpu/$((smp - 1))/availability offline takes that vCPU down" \
        con_has $name "CPU $((smp - 1)) is now offline"
fi
check "$name: events come through the callback vector" \
    con_has $name "Xen HVM callback vector for event delivery is enabled"
# Offered Xen's pvclock, Linux takes its TSC rate from our scale ("tsc:
# Detected ... MHz" instead of a failed PIT calibration) and moves to the
# xen clocksource, with Xen's single-shot timer for its clock events.
check "$name: the TSC's rate comes from Xen's time info" \
    con_has $name "tsc: Detected [0-9.]* MHz processor"
check "$name: the guest's clock is Xen's (pvclock)" \
    con_has $name "clocksource: Switched to clocksource xen"
check "$name: xen-blkfront connects to our block backend" \
    con_has $name "blkfront: xvda:"
check "$name: xenstore-ls on the socket shows it connected while it runs" \
    test -s "/tmp/$name.xs"
check "$name: the guest says in xenstore that it powers off on request" \
    grep -qx 1 "/tmp/$name.fp"
check "$name: ext4 read back by checksum in the guest" \
    con_has $name "RIG ext4-readback-ok xvda"
check "$name: fsck clean in the guest" con_has $name "RIG ext4-fsck-clean xvda"
check "$name: the tap is in the namespace" test $moved = yes
check "$name: xen-netfront connects to our net backend" \
    con_has $name "RIG eth0 $mac"
check "$name: the guest pings the namespace" con_has $name "RIG net-ping-ok"
check "$name: TCP from the guest to the namespace (iperf3)" \
    con_has $name "RIG-NET tx bits_per_second="
check "$name: TCP from the namespace to the guest (iperf3 -R)" \
    con_has $name "RIG-NET rx bits_per_second="
check "$name: memory/target shrinks the guest; its balloon gives it back" \
    con_has $name "RIG balloon-ok"
check "$name: xen-fbfront connects to our vfb (state 4 both ends)" sh -c \
    "grep -q '^/local/domain/0/backend/vfb/1/0/state = \"4\"' /tmp/$name.dls &&
     grep -q '^/local/domain/1/device/vfb/0/state = \"4\"' /tmp/$name.dls"
check "$name: xen-kbdfront connects to our vkbd (state 4 both ends)" sh -c \
    "grep -q '^/local/domain/0/backend/vkbd/1/0/state = \"4\"' /tmp/$name.dls &&
     grep -q '^/local/domain/1/device/vkbd/0/state = \"4\"' /tmp/$name.dls"
check "$name: the guest has /dev/fb0" con_has $name "RIG fb0 800,600 bpp 32"
check "$name: QMP screendump is the guest's fbcon text, pixel for pixel" \
    fb_md5_same $name
# Not a blank screen that would match a blank fb0: the text's colours.
check "$name: the screendump holds the text's seven colours or more" \
    test "$(sed -n 's/^colours //p' /tmp/$name.md5)" -ge 7
check "$name: a line typed over VNC reaches the guest's tty" \
    con_has $name "RIG typed rig-vnc-42"
check "$name: a click over VNC reaches the guest's pointer" \
    con_has $name "RIG btn-left 0"
check "$name: the guest's task ends with status 0" \
    con_has $name "RIG-TASK-EXIT 0"
check "$name: the guest powers off through ACPI S5" \
    con_has $name "Preparing to enter system sleep state S5"
check "$name: qemu-xenpv exits 0 when the guest powers off" rc_is $name 0
check "$name: the image is clean to e2fsck here" e2fsck -fn "$img"
check "$name: with nothing on stderr" test ! -s "/tmp/$name.err"
check "$name: the namespace is gone" test ! -e "/proc/$ns"
guest_log $name
rm -f "$img"

# k1: the kernel's crash reaches us as a Xen guest's does
# (SCHEDOP_shutdown, SHUTDOWN_crash, from the panic notifier Linux
# registers on Xen HVM and PVH). Asked for only: in one run of some
# thirty the whole emulated machine stopped during it, a core busy and
# its own timeout never firing, with the rig's budget the only end
# (docs/devel/kvm-rig.md). kvm-pvh.sh's test guests check the crash.
if [ "$crash" != crash ]; then
    n=$((n + 1))
    echo "ok $n - k1: the kernel's crash # SKIP only with KVM_RIG_LINUX=all"
    [ "$failed" = 0 ]
    exit
fi
name=k1
echo "== $(date +%s) $name: $qemu -M $machine" >> $log
timeout -k 10 300 "$qemu" -M "$machine" -m 256 \
    -kernel "$kernel" -initrd "$domu" \
    -append "console=hvc0 rig.task=crash" \
    -serial "file:/tmp/$name.con" \
    < /dev/null > "/tmp/$name.out" 2> "/tmp/$name.err"
echo $? > "/tmp/$name.rc"
echo "== $(date +%s) $name: exit $(cat /tmp/$name.rc)" >> $log
check "$name: the guest's init ran its task" con_has $name "RIG crashing"
check "$name: qemu-xenpv exits 1 when the guest crashes" rc_is $name 1
check "$name: and says why" grep -q "crash" "/tmp/$name.err"
check "$name: qemu-xenpv's stderr clean" clean_log "/tmp/$name.err"
guest_log $name

[ "$failed" = 0 ]
