#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/kvm-rig.sh BUILD_DIR [RUNTIME]: a real Linux guest on xenner_pvh
# in the KVM rig (tests/kvm-rig: Debian's kernel under qemu-system-x86_64
# TCG, nested kvm-amd; root, and the cache of scripts/install-deps.sh
# --rig). Prints the time from qemu-xenpv's start to the guest's init,
# on the rig's clock and on the guest's, and the fio jobs of
# bench/rig-peers.sh (tests/xen-rig/guest/fio.sh: 4 KiB random read and
# write at depth 32, 1 MiB sequential read, RUNTIME seconds each,
# default 10) on a raw image our block backend serves. For information:
# nested virtualisation under TCG is not a machine anyone deploys, and
# its figures say more about the emulator than about us. Hypercalls per
# second are bench/kvm-hcall.sh's, on the host's own /dev/kvm.
# RIG_KEEP=DIR keeps /rig-out (bench.log: qemu-xenpv's stderr and the
# guest's console).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rig=$here/../tests/kvm-rig
build=$(cd "${1:?usage: bench/kvm-rig.sh BUILD_DIR [RUNTIME]}" && pwd)
runtime=${2:-10}
# shellcheck source=SCRIPTDIR/../tests/xen-rig/rig-lib.sh
. "$here/../tests/xen-rig/rig-lib.sh"
rig_modules=(kvm-amd)
# The KVM rig's boot: qemu-system-x86_64 -nic none, so nothing the rig
# runs can reach a network off this machine; the guest gets only a disk.
rig_boot_sh=$rig/boot.sh
rig_setup ""
rig_logs=(kvm.log guest.tap bench.log)
fio=$(command -v fio) || rig_bail "no fio (scripts/install-deps.sh --bench)"
timeout 300 "$here/../tests/xen-rig/mkdomu.sh" "$cache" "$tmp/domu.gz" \
    "$fio" || rig_bail "mkdomu.sh failed"
rc=0
rig_boot "$(rig_init "$rig/kvm-init.sh" "$build/tests/kvm-rig/kvm-probe" \
            "$build/qemu-xenpv" "$vmlinuz" "$tmp/domu.gz" \
            "$here/kvm-rig-guest.sh" "$runtime")" || rc=$?
rig_keep
[ -s "$out/bench.txt" ] || rig_bail "no figures (boot.sh exit $rc)"
cat "$out/bench.txt"
[ "$rc" = 0 ] || rig_dump
exit "$rc"
