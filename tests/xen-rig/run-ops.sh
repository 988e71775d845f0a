#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-ops.sh TEST_BINARY [CACHE_DIR]: boot the rig with ops.sh as dom0's
# init running TEST_BINARY (xen-ops-test), and pass on its TAP. The rig
# takes no arguments for init, so a two-line init that names the binary
# is written here, outside the paths dom0 hides under tmpfs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: run-ops.sh TEST_BINARY [CACHE_DIR]}
cache=${2:-/var/cache/qemu-xenpv-rig}
budget=${RIG_BUDGET:-300}

if [ "$(id -u)" != 0 ]; then
    echo "1..0 # SKIP the rig needs root"
    exit 0
fi
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
mkdir -p "$out"
bail() {
    echo "Bail out! $1"
    [ ! -s "$out/serial.log" ] || tail -n 40 "$out/serial.log" | sed 's/^/# /'
    [ ! -s "$out/ops.err" ] || sed 's/^/# ops.err: /' "$out/ops.err"
    exit 1
}

timeout 150 "$here/fetch.sh" "$cache" > /dev/null || bail "fetch.sh failed"
timeout 60 "$here/mkinitrd.sh" "$cache" "$tmp/dom0-initrd.gz" ||
    bail "mkinitrd.sh failed"
printf '#!/bin/sh\nexec %s %s\n' "$here/ops.sh" "$bin" > "$tmp/init"
chmod +x "$tmp/init"
left=$((budget - SECONDS))
[ "$left" -gt 30 ] || bail "no time left to boot (${SECONDS}s used)"

rc=0
RIG_INITRD=$tmp/dom0-initrd.gz "$here/boot.sh" "$cache" "$tmp/init" \
    "$out" "$left" || rc=$?
[ -s "$out/ops.tap" ] || bail "no TAP from xen-ops-test (boot.sh exit $rc)"
cat "$out/ops.tap"
[ ! -s "$out/ops.err" ] || sed 's/^/# ops.err: /' "$out/ops.err"
echo "# xen-ops-test exit status $rc after ${SECONDS}s"
exit "$rc"
