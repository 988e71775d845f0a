#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# kvm-rig-guest.sh QEMU_XENPV KERNEL DOMU_INITRD RUNTIME: the scenario
# bench/kvm-rig.sh has tests/kvm-rig/kvm-init.sh run inside the KVM rig.
# Boots KERNEL on qemu-xenpv's KVM machine with a raw image as xvda and
# the guest task fio (RUNTIME seconds a job), notes on the rig's clock
# when the console shows the kernel starting its init, and writes the
# figures to /rig-out/bench.txt, one TAP line to stdout.
out=/rig-out
qemu=$1
kernel=$2
domu=$3
runtime=$4
con=/tmp/bench.con
img=/tmp/bench.img

machine=$("$(dirname "$0")/../tests/kvm-rig/guest.sh" --machine "$qemu") || {
    echo "not ok 1 - $qemu has no machine on KVM"
    exit 1
}
rm -f "$img" "$con"
truncate -s 1G "$img"
: > "$con"
t0=$(date +%s%N)
timeout -k 10 600 "$qemu" -M "$machine" -m 1024 \
    -kernel "$kernel" -initrd "$domu" \
    -append "console=hvc0 rig.task=fio rig.disk=xvda rig.runtime=$runtime" \
    -drive "file=$img,if=xen,format=raw" -serial "file:$con" \
    < /dev/null > /dev/null 2> "$out/bench.log" &
guest=$!
# Polled: a tenth of a second is finer than the boot's own variation.
t_init=
while kill -0 $guest 2>/dev/null; do
    if [ -z "$t_init" ] && grep -q "Run /init as init process" "$con"; then
        t_init=$(date +%s%N)
    fi
    sleep 0.1
done
wait $guest
rc=$?
{
    echo "kvm-rig: machine $machine, Debian's $(basename "$kernel"), 1 GiB, 1 vCPU"
    if [ -n "$t_init" ]; then
        echo "kvm-rig: start to the guest's init: $(((t_init - t0) / 1000000)) ms" \
             "(rig's clock; guest's clock $(sed -n \
             's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p' "$con") s)"
    fi
    sed -n 's/^.*\(RIG-FIO .*\)$/kvm-rig: \1/p' "$con"
    echo "kvm-rig: qemu-xenpv exit status $rc"
} > "$out/bench.txt"
cat "$con" >> "$out/bench.log"
rm -f "$img"
if [ "$rc" = 0 ] && [ -n "$t_init" ] && grep -q "RIG-FIO seqread1m" "$out/bench.txt"; then
    echo "ok 1 - the fio guest ran"
else
    echo "not ok 1 - the fio guest ran"
    exit 1
fi
