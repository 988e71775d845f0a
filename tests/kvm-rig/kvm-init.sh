#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# kvm-init.sh KVM_PROBE QEMU_XENPV KERNEL DOMU_INITRD [SCENARIO ARG...]:
# the KVM rig's init (run by the initramfs of tests/xen-rig/mkinitrd.sh
# after switch_root to the host's root, kvm-amd already loaded). Checks
# that nested KVM is there, runs KVM_PROBE, then the guest scenario
# (guest.sh, or SCENARIO: bench/kvm-rig.sh's) with QEMU_XENPV, KERNEL
# and DOMU_INITRD ("none" when QEMU_XENPV has no KVM machine) and the
# ARGs, and ends the emulator. TAP goes to /rig-out/kvm.tap,
# probe.tap and guest.tap (run-kvm.sh joins them), details to
# /rig-out/kvm.log. As PID 1 it must never exit before the end lands.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
out=/rig-out
tap=$out/kvm.tap
log=$out/kvm.log
here=$(dirname "$0")
probe=$1
qemu=$2
kernel=$3
domu=$4
scenario=${5:-$here/guest.sh}
shift $(($# < 5 ? $# : 5))

# finish STATUS: records STATUS for boot.sh and ends the emulator through
# isa-debug-exit: after a nested guest ran, the kernel's power-off hangs.
finish() {
    echo "$1" > $out/status
    sync
    printf '\001' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
    echo o > /proc/sysrq-trigger
    sleep 300
}

# shellcheck source=SCRIPTDIR/tap.sh
. "$here/tap.sh"
# wait_for SECONDS CMD...: polls CMD for SECONDS of wall time.
wait_for() {
    end=$(($(date +%s) + $1))
    shift
    while ! "$@"; do
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 1
    done
}
param_is() { [ "$(cat "/sys/module/kvm_amd/parameters/$1")" = "$2" ]; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
: > $tap
exec 3>> $tap

check "the emulated CPU offers SVM" grep -qw svm /proc/cpuinfo
check "kvm-amd is loaded" grep -q '^kvm_amd ' /proc/modules
# Nested paging: without it every guest page fault would be KVM's to
# shadow, under TCG at that.
check "kvm-amd runs with nested paging" param_is npt Y
check "/dev/kvm appears" wait_for 30 test -c /dev/kvm

rc=0
# KVM_RUN is bounded inside the probe; this bounds the rest.
timeout -k 5 120 "$probe" > $out/probe.tap 2>> $log || rc=1
"$scenario" "$qemu" "$kernel" "$domu" "$@" > $out/guest.tap || rc=1
dmesg > $out/dmesg.txt 2>&1
[ "$failed" = 0 ] || rc=1
finish $rc
