#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-attach.sh [--ours-only] QEMU_XENPV [CACHE_DIR]: the attach
# scenarios (attach.sh) on real Xen: xl launches QEMU_XENPV as the device
# model of Linux PV guests, then the network with the kernel's netback and
# with QEMU_XENPV. Passes on the TAP dom0 wrote. RIG_KEEP=DIR keeps dom0's
# /rig-out (logs, net-iperf.txt with the iperf3 figures) in DIR.
# --ours-only: no netback guest, so no comparison; the sanitized build
# runs the rig this way, as netback's run exercises none of our code.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/rig-lib.sh
. "$here/rig-lib.sh"
net_backends="netback qemu-xenpv"
if [ "${1:-}" = --ours-only ]; then
    shift
    net_backends=qemu-xenpv
fi
bin=${1:?usage: run-attach.sh [--ours-only] QEMU_XENPV [CACHE_DIR]}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
# Three guests and a dom0 disk under TCG: 1.5 minutes idle, 5 to 6
# within CI, more beside another rig; then the two net guests, about 3
# minutes on a loaded host. A hang is cut at 40.
RIG_BUDGET=${RIG_BUDGET:-2400}
rig_setup "${2:-}"
# dom0 caches the host's root: libxl gives a vif's hotplug script 40 s
# (built in), and vif-bridge, bash running a score of programs each read
# anew over 9p, took longer than that on a loaded host (net-dom0.sh).
# Nothing on the host changes during the run.
export RIG_9P_CACHE=${RIG_9P_CACHE-loose}
rig_logs=(attach.log qemu-dm-g1.log qemu-dm-g2.log qemu-dm-g3.log
          guest-g1.log guest-g2.log guest-g3.log
          xen-hotplug.log iperf3-server.log guest-n1.log xl-n1.log
          qemu-dm-n1.log guest-n2.log xl-n2.log qemu-dm-n2.log)

# iperf3 for the net guests (net-dom0.sh).
iperf3=$(command -v iperf3) || rig_bail "no iperf3 (scripts/install-deps.sh)"
timeout 300 "$here/mkdomu.sh" "$cache" "$tmp/domu-initrd.gz" "$iperf3" ||
    rig_bail "mkdomu.sh failed"
cc -shared -fPIC -O2 -o "$tmp/xl-channel-fix.so" "$here/xl-channel-fix.c" \
    -ldl || rig_bail "cannot build xl-channel-fix.so"
rc=0
rig_boot "$(rig_init "$here/attach.sh" "$bin" "$vmlinuz" \
            "$tmp/domu-initrd.gz" "$tmp/xl-channel-fix.so" \
            "$net_backends")" || rc=$?
rig_keep
[ -s "$out/attach.tap" ] || rig_bail "no TAP from attach.sh (boot.sh exit $rc)"
cat "$out/attach.tap"
if [ "$rc" != 0 ]; then
    rig_dump
fi
echo "# attach.sh exit status $rc after ${SECONDS}s"
exit "$rc"
