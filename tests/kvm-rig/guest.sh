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
# The scenario is the issue's first (issue 17): the guest's console on
# our chardev from its first line, xen-blkfront connected to our block
# backend, the ext4 job passing in the guest, qemu-xenpv exiting 0 after
# the guest powers off, e2fsck of the image clean. The command line
# assumes the machine takes -kernel, -initrd, -append, -m, -drive
# if=xen and -serial as -xen-create does; the VMM's merge adjusts it.
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

n=0
failed=0
check() {
    desc=$1
    shift
    echo "== $(date +%s) $desc: $*" >> $log
    n=$((n + 1))
    if "$@" >> $log 2>&1; then
        echo "ok $n - $desc"
    else
        failed=$((failed + 1))
        echo "not ok $n - $desc"
    fi
}
# TAP from here on: one line per check.
con_has() { grep -q "$2" "/tmp/$1.con" 2>/dev/null; }
rc_is() { [ "$(cat "/tmp/$1.rc" 2>/dev/null)" = "$2" ]; }
# A sanitizer report in qemu-xenpv's stderr fails the run.
clean_log() {
    ! grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1"
}

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

# k1: ext4 on our block backend, then power-off. The guest's own budget
# for its disk is 3 minutes (guest-init.sh); the whole run's, this.
name=k1
img=/tmp/$name.img
truncate -s 64M "$img"
echo "== $(date +%s) $name: $qemu -M $machine" >> $log
timeout -k 10 600 "$qemu" -M "$machine" -m 256 \
    -kernel "$kernel" -initrd "$domu" \
    -append "console=hvc0 rig.task=ext4 rig.disk=xvda rig.channel=0" \
    -drive "file=$img,format=raw,if=xen" \
    -serial "file:/tmp/$name.con" \
    < /dev/null > "/tmp/$name.out" 2> "/tmp/$name.err"
echo $? > "/tmp/$name.rc"
check "$name: qemu-xenpv -M $machine exits 0 after the guest powers off" \
    rc_is $name 0
# With no "quiet", the kernel's banner is the first line it prints.
check "$name: the guest's console is on our chardev from its first line" \
    sh -c "head -n 1 /tmp/$name.con | grep -q '^Linux version'"
check "$name: xen-blkfront connected xvda" con_has $name "blkfront: xvda:"
check "$name: ext4 files read back by checksum in the guest" \
    con_has $name "RIG ext4-readback-ok xvda"
check "$name: e2fsck clean in the guest" \
    con_has $name "RIG ext4-fsck-clean xvda"
check "$name: the guest's task ended with status 0" \
    con_has $name "RIG-TASK-EXIT 0"
check "$name: e2fsck -fn of the image clean after power-off" \
    e2fsck -fn "$img"
check "$name: qemu-xenpv's stderr clean" clean_log "/tmp/$name.err"
{
    echo "---- $name stderr (last 40 lines)"
    tail -n 40 "/tmp/$name.err"
    echo "---- $name console (last 60 lines)"
    tail -n 60 "/tmp/$name.con"
} >> $log 2>&1
rm -f "$img"
[ "$failed" = 0 ]
