#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-kvm.sh KVM_PROBE QEMU_XENPV [CACHE_DIR]: the KVM rig's test. Boots
# Debian's kernel under TCG with kvm-amd (boot.sh), where kvm-init.sh
# checks nested KVM, runs KVM_PROBE (kvm-probe.c) and the guest scenario
# of QEMU_XENPV (guest.sh); passes their TAP on as one. Shares the Xen
# rig's host side (tests/xen-rig/rig-lib.sh: root check, cache, budget,
# failure reports) and initramfs builders. RIG_KEEP=DIR keeps /rig-out
# in DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../xen-rig/rig-lib.sh
. "$here/../xen-rig/rig-lib.sh"
usage="usage: run-kvm.sh KVM_PROBE QEMU_XENPV [CACHE_DIR]"
probe=${1:?$usage}
qemu=${2:?$usage}
case $probe in /*) ;; *) probe=$(pwd)/$probe ;; esac
case $qemu in /*) ;; *) qemu=$(pwd)/$qemu ;; esac
# One boot and the probe: well under a minute idle. The budget is for a
# loaded host and for the guest scenario once qemu-xenpv has a KVM
# machine; it bounds a hang, not a normal run.
RIG_BUDGET=${RIG_BUDGET:-900}
# With its dependencies from modules.dep: irqbypass, ccp, kvm; tun for
# k2's tap (guest.sh).
rig_modules=(kvm-amd tun)
rig_boot_sh=$here/boot.sh
rig_setup "${3:-}"
rig_logs=(kvm.log probe.tap guest.log dmesg.txt)

# The Linux guests (guest.sh), unless KVM_RIG_LINUX=0 (a quick run of
# the probe alone): one boot, a minute or two; KVM_RIG_LINUX=all adds
# the crash's (k1). CI's run of 1db76e4 saw
# one hang under the sanitized build (the kernel's init never ran); the
# stuck upcall vector that stopped the guest's clock fits it and is
# fixed (docs/devel/kvm-rig.md).
domu=none
if [ "${KVM_RIG_LINUX:-1}" = 0 ]; then
    domu=off
elif machine=$("$here/guest.sh" --machine "$qemu"); then
    echo "# qemu-xenpv's KVM machine: $machine"
    # iperf3 for k2's guest (the Xen rig's net task).
    iperf3=$(command -v iperf3) ||
        rig_bail "no iperf3 (scripts/install-deps.sh)"
    timeout 300 "$here/../xen-rig/mkdomu.sh" "$cache" \
        "$tmp/domu-initrd.gz" "$iperf3" || rig_bail "mkdomu.sh failed"
    domu=$tmp/domu-initrd.gz
fi

rc=0
crash=
[ "${KVM_RIG_LINUX:-1}" != all ] || crash=crash
# KVM_RIG_SMP=N: k0's vCPUs (1; guest.sh says why not 2 by default).
rig_boot "$(rig_init "$here/kvm-init.sh" "$probe" "$qemu" "$vmlinuz" \
            "$domu" "$here/guest.sh" "$crash" "${KVM_RIG_SMP:-1}")" || rc=$?
rig_keep
[ -s "$out/kvm.tap" ] ||
    rig_bail "no TAP from kvm-init.sh (boot.sh exit $rc after ${SECONDS}s)"
for f in probe guest; do
    [ -s "$out/$f.tap" ] || {
        echo "not ok - kvm-init.sh left no $f.tap" >> "$out/$f.tap"
        [ "$rc" != 0 ] || rc=1
    }
done
# The three files' tests numbered on, under one plan.
awk '/^TAP version/ || /^1\.\.[0-9]+/ { next }
     /^(not )?ok / {
         n++
         sub(/^ok( [0-9]+)?/, "ok " n)
         sub(/^not ok( [0-9]+)?/, "not ok " n)
     }
     { print }
     END { print "1.." n }' "$out/kvm.tap" "$out/probe.tap" "$out/guest.tap"
[ "$rc" = 0 ] || rig_dump
echo "# kvm-init.sh exit status $rc after ${SECONDS}s"
exit "$rc"
