#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# boot.sh CACHE_DIR INIT_SCRIPT OUTDIR [TIMEOUT]: boot Debian's kernel
# from the rig's cache under qemu-system-x86_64 with software emulation
# (TCG), no Xen, kvm-amd loaded by its initramfs, so that INIT_SCRIPT (an
# absolute path on the host, seen read-only through the 9p root) runs
# with a nested /dev/kvm, and may write to OUTDIR as /rig-out. Exits with
# the status the script left in /rig-out/status (124 on timeout, 125 if
# none was left). The same interface as tests/xen-rig/boot.sh, whose
# rig-lib.sh calls this one for the KVM rig.
# Environment: RIG_INITRD skips building the initramfs here (run-kvm.sh
# builds it); RIG_9P_CACHE=loose caches the host's root as in the Xen
# rig; RIG_SMP, the emulated machine's CPUs (1); RIG_MEM, its memory in
# MiB (2048).
set -eu
# shellcheck source=SCRIPTDIR/../xen-rig/boot-lib.sh
. "$(dirname "$0")/../xen-rig/boot-lib.sh"

read -r _ vmlinuz _ < <("$here/../../scripts/fetch-rig.sh" --check "$cache") ||
    exit 2
initrd=${RIG_INITRD:-}
if [ -z "$initrd" ]; then
    initrd="$outdir/kvm-initrd.gz"
    # With its dependencies from modules.dep: irqbypass, ccp, kvm.
    "$here/../xen-rig/mkinitrd.sh" "$cache" "$initrd" kvm-amd
    trap 'rm -f "$initrd"' EXIT
fi

# -accel tcg even where this host has /dev/kvm: the rig tests KVM nested
# in an emulated AMD CPU (SVM with nested paging), as on a host without
# one. -cpu max is what offers SVM; without XSAVE as in the Xen rig, where
# programs died of heap corruption now and then with it under TCG.
# isa-debug-exit: after a nested guest ran, the kernel's power-off hangs
# (kvm-rig.md), so the init ends the emulator through port 0xf4
# (rig.exit=port, mkinitrd.sh); QEMU then exits with (value << 1) | 1,
# and the status that counts is the one in /rig-out. panic=-1 with
# -no-reboot: a kernel panic ends the emulator at once instead of the
# timeout. -nic none: the rig sends nothing off the host.
append="console=ttyS0 quiet panic=-1 rig.init=$init rig.exit=port"
append+=${RIG_9P_CACHE:+ rig.cache=$RIG_9P_CACHE}
rc=0
timeout --foreground -k 5 "$limit" qemu-system-x86_64 \
    -accel tcg -cpu max,-xsave \
    -m "${RIG_MEM:-2048}" -smp "${RIG_SMP:-1}" -nographic -no-reboot \
    -nic none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$vmlinuz" -initrd "$initrd" \
    -append "$append" \
    -virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap,id=r0 \
    -virtfs local,path="$outdir",mount_tag=out,security_model=none,multidevs=remap,id=r1 \
    </dev/null >"$outdir/serial.log" 2>&1 || rc=$?
boot_exit "$rc"
