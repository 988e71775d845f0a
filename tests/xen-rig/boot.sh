#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# boot.sh CACHE_DIR INIT_SCRIPT OUTDIR [TIMEOUT]: boot Xen under TCG with a
# dom0 that runs INIT_SCRIPT (an absolute path on the host, seen read-only
# by dom0) and may write to OUTDIR as /rig-out. Exits with the status the
# script left in /rig-out/status (124 on timeout, 125 if none was left).
# Environment: RIG_INITRD skips building the initramfs here;
# RIG_9P_CACHE=loose lets dom0 cache the host's root (9p cache=loose):
# without it, the default, dom0 reads every program it runs anew from
# the host, as it must if the host changes files during the run.
# RIG_CPU_EXTRA appends to the emulated CPU's -cpu flags (benchmarks:
# bench/rig-net.sh --cpu); RIG_XEN_EXTRA to Xen's command line
# (bench/rig-xenstore.sh: dom0_max_vcpus=).
set -eu
# shellcheck source=SCRIPTDIR/boot-lib.sh
. "$(dirname "$0")/boot-lib.sh"

read -r xen vmlinuz _ < <("$here/../../scripts/fetch-rig.sh" --check "$cache") || exit 2
# RIG_INITRD: a dom0 initramfs already built by mkinitrd.sh (run-smoke.sh).
initrd=${RIG_INITRD:-}
if [ -z "$initrd" ]; then
    initrd="$outdir/dom0-initrd.gz"
    "$here/mkinitrd.sh" "$cache" "$initrd"
    trap 'rm -f "$initrd"' EXIT
fi

# -cpu without smap/smep: the PV dom0 faults at its first instruction
# otherwise; without XSAVE: with it, programs in dom0 and in guests
# (xl, QEMU, fio) died of heap corruption now and then, as if their
# vector registers were not saved right across context switches under
# TCG. Xen and the kernels then use FXSAVE. No Xen "noreboot": when
# dom0 dies Xen reboots and -no-reboot makes QEMU exit instead of
# hanging until the timeout. -nic none: QEMU would otherwise add a NIC
# on user-mode networking, and the rig must send nothing off the host.
rc=0
timeout --foreground -k 5 "$limit" qemu-system-x86_64 \
    -m 3072 -cpu "max,-smap,-smep,-xsave${RIG_CPU_EXTRA:+,$RIG_CPU_EXTRA}" \
    -smp 2 -nographic -no-reboot \
    -nic none \
    -kernel "$xen" \
    -append "console=com1 dom0_mem=2048M,max:2048M${RIG_XEN_EXTRA:+ $RIG_XEN_EXTRA}" \
    -initrd "$vmlinuz console=hvc0 quiet rig.init=$init${RIG_9P_CACHE:+ rig.cache=$RIG_9P_CACHE},$initrd" \
    -virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap,id=r0 \
    -virtfs local,path="$outdir",mount_tag=out,security_model=none,multidevs=remap,id=r1 \
    </dev/null >"$outdir/serial.log" 2>&1 || rc=$?
boot_exit "$rc"
