#!/bin/bash
# Xenner on KVM: hypercalls per second from a PVH test guest, and the
# machine's start-to-poweroff time with no hypercall loop. A figure for
# information only: it depends on how the host's KVM exits to userspace.
# usage: bench/kvm-hcall.sh BUILD_DIR [HYPERCALLS]
set -eu
build=${1:-build}
n=${2:-200000}
src=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

if [ ! -c /dev/kvm ]; then
    echo "kvm-hcall: SKIP (no /dev/kvm)"
    exit 0
fi
python3 "$src/tests/functional/pvh-guest.py" loop1 "$dir/one.elf"
python3 "$src/tests/functional/pvh-guest.py" "loop$n" "$dir/many.elf"
run() {
    local t0 t1

    t0=$(date +%s%N)
    "$build/qemu-xenpv" -M xenner_pvh -m 16 -serial null -kernel "$1"
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
}
base=$(run "$dir/one.elf")
many=$(run "$dir/many.elf")
echo "kvm-hcall: start to poweroff, one hypercall: $((base / 1000)) ms"
echo "kvm-hcall: $n xen_version hypercalls: $(((many - base) / 1000)) ms," \
    "$((n * 1000000 / (many - base > 0 ? many - base : 1))) per second" \
    "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"
