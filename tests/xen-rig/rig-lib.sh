# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Sourced by the host-side run-*.sh scripts: the part of a rig run every
# test shares. rig_setup checks for root (TAP skip otherwise), finds Xen
# and the kernel in the cache, builds dom0's initramfs and sets $tmp,
# $out (dom0's /rig-out), $cache and $vmlinuz (the kernel, for guests);
# rig_boot INIT boots with what is left
# of RIG_BUDGET; rig_bail reports a broken run with the logs that explain
# it. Every run is bounded, so a hang cannot stall CI.
rig_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Files under $out shown when a run fails, beyond the serial log and
# diag.log.
rig_logs=()
# The initramfs's modules beyond the 9p root's (mkinitrd.sh): none means
# dom0's Xen modules. A rig that boots the kernel without Xen sets them,
# and its own boot script.
rig_modules=()
rig_boot_sh=$rig_here/boot.sh

# Prints as TAP comments, so that meson's testlog.txt keeps them, what
# explains a failure: first diag.log, where dom0's diag wrote at each
# failed step the device model's stderr, the backend's xenstore
# directory and dmesg, then the serial console and the test's own logs.
rig_dump() {
    local f
    [ ! -s "$out/diag.log" ] ||
        head -n 1000 "$out/diag.log" | sed 's/^/# diag.log: /'
    [ ! -s "$out/serial.log" ] || tail -n 40 "$out/serial.log" | sed 's/^/# /'
    for f in "${rig_logs[@]}"; do
        [ ! -s "$out/$f" ] || tail -n 60 "$out/$f" | sed "s|^|# $f: |"
    done
}

# rig_keep: with RIG_KEEP=DIR, copies $out (dom0's /rig-out: logs,
# captures, figures) to DIR, to be read after the run.
rig_keep() {
    [ -z "${RIG_KEEP:-}" ] ||
        { mkdir -p "$RIG_KEEP" && cp -r "$out"/. "$RIG_KEEP"/; }
}

rig_bail() {
    echo "Bail out! $1"
    rig_dump
    exit 1
}

rig_setup() {
    cache=${1:-/var/cache/qemu-xenpv-rig}
    # The default suits one boot and a short dom0 script: idle, a minute;
    # on a 2-core host beside another rig and the sanitizer build's
    # tests, several.
    budget=${RIG_BUDGET:-900}
    # dom0's root is the host's / over 9p, mounted as root.
    if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP the rig needs root"
        exit 0
    fi
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # Everything dom0 sees of the host is read-only but this.
    out=$tmp/out
    mkdir -p "$out"
    local fetched
    # Tests only look: scripts/install-deps.sh --rig fetched the tree
    # before any test started, so parallel tests never race to fetch it.
    fetched=$("$rig_here/../../scripts/fetch-rig.sh" --check "$cache" 2>&1) ||
        rig_bail "$fetched"
    # shellcheck disable=SC2034 # for the sourcing script
    read -r _ vmlinuz _ <<<"$fetched"
    timeout 300 "$rig_here/mkinitrd.sh" "$cache" "$tmp/dom0-initrd.gz" \
        "${rig_modules[@]}" || rig_bail "mkinitrd.sh failed"
}

# rig_xl_works: did dom0's xl_works (dom0-up.sh) see the hypervisor?
rig_xl_works() {
    grep -q '^xen_major *: 4' "$out/xl-info.txt" 2>/dev/null &&
        grep -q '^Domain-0 ' "$out/xl-list.txt" 2>/dev/null
}

# rig_boot INIT: boots the rig with INIT as dom0's init; its exit status
# is the one INIT left (boot.sh, or rig_boot_sh).
rig_boot() {
    local left=$((budget - SECONDS))

    [ "$left" -gt 30 ] || rig_bail "no time left to boot (${SECONDS}s used)"
    RIG_INITRD=$tmp/dom0-initrd.gz "$rig_boot_sh" "$cache" "$1" \
        "$out" "$left"
}

# rig_init SCRIPT ARG...: dom0's init takes no arguments, so write one
# that runs SCRIPT with them, outside the paths dom0 hides under tmpfs.
rig_init() {
    local q

    printf '#!/bin/sh\nexec' > "$tmp/init"
    for q in "$@"; do printf " '%s'" "$q" >> "$tmp/init"; done
    printf '\n' >> "$tmp/init"
    chmod +x "$tmp/init"
    echo "$tmp/init"
}
