#!/bin/bash
# install-deps.sh [--rig] [--bench]: installs the Debian packages that
# building and testing qemu-xenpv need, and only those that are missing.
# `make run`, `make check` and CI all come through here, so a fresh
# bookworm machine needs nothing else, and no test calls apt-get: tests
# run in parallel and would fight over dpkg's lock.
#   --rig    also fetch Debian's Xen hypervisor and kernel (about 100 MB)
#            into the rig's cache, for the `rig` suite (make check, CI)
#   --bench  also the packages only `make bench-xen` and profiling the
#            benchmarks need; implies --rig
# RIG_CACHE names the cache (default /var/cache/qemu-xenpv-rig).
set -eu

rig=
bench=
for arg; do
    case $arg in
    --rig) rig=1 ;;
    --bench) bench=1; rig=1 ;;
    *) echo "usage: install-deps.sh [--rig] [--bench]" >&2; exit 2 ;;
    esac
done

packages=(
    # build
    meson ninja-build pkg-config gcc libglib2.0-dev libjson-glib-dev libxen-dev
    liburing-dev libnbd-dev
    # the PVH loader's bzImage payloads
    liblzma-dev
    # -netdev user
    libslirp-dev
    # the keysym names (keysymdef.h); QEMU's keymaps for -k
    x11proto-dev qemu-system-data
    # screendump's PNG; the VNC server
    libpng-dev libvncserver-dev
    # tests of the VNC server: real clients (gvnccapture, Net::VNC with
    # Imlib2 for its captures; Net::VNC also types in the KVM rig's k0)
    gvncviewer libnet-vnc-perl libimage-imlib2-perl
    # tests: Xen's own xenstore clients, the libFuzzer/ASan build
    xenstore-utils xen-utils-4.17 clang libclang-rt-14-dev python3
    # qmp.sh reads every QMP reply with yajl, libxl's JSON parser
    libyajl2
    # the tap test: ping in the network namespace it creates
    iputils-ping
    # the block backend's image formats: qemu-storage-daemon, qemu-img
    qemu-system-common qemu-utils
    # the rig (tests/xen-rig): the emulator, the initramfs builders
    # (busybox, cpio, depmod, xz for .ko.xz modules), the guests' and
    # dom0's ext4 tools; dom0 runs the host's Xen userland in place
    qemu-system-x86 cpio busybox-static kmod xz-utils e2fsprogs
    # the KVM rig (tests/kvm-rig) boots the same kernel with the same
    # tools; its kvm-probe links statically against libc.a
    libc6-dev
    # the rig's display test: upstream QEMU's xenfb as the peer (dom0
    # runs the VNC clients above, over the loopback dom0-up.sh brings up
    # with ip, which a minimal Debian lacks)
    qemu-system-xen iproute2
    # the net backend's real-traffic tests (tests/functional/net.sh,
    # net-stream.sh, which also runs qemu-system-x86 above): ping and
    # iperf3 between two network namespaces they make; the rig's net
    # scenario (tests/xen-rig/net-dom0.sh): iperf3 in dom0 and in its
    # guests, ping in dom0
    iputils-ping iperf3
)
if [ -n "$bench" ]; then
    # bench/rig-peers.sh: fio goes into the guest (qemu-system-xen, the
    # qdisk peer libxl starts in dom0, is in the list above).
    packages+=(fio)
    # bench/net.sh's NET_BENCH_PERF: where qemu-xenpv spends its time;
    # bench/xenstore-profile.sh: perf and callgrind
    packages+=(linux-perf valgrind)
fi

sudo=
if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
fi
# Another clone's install-deps.sh may be running: wait for dpkg's lock
# rather than fail on it.
apt_get() {
    DEBIAN_FRONTEND=noninteractive $sudo apt-get \
        -o DPkg::Lock::Timeout=600 "$@"
}

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
            grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    apt_get update -q
    # No recommends: xen-utils would otherwise pull in a hypervisor and grub.
    apt_get install -y -q --no-install-recommends "${missing[@]}"
fi

[ -n "$rig" ] || exit 0
# The rig boots only as root and skips otherwise: no download for nothing.
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: not root, so the rig tests will skip:" \
         "Xen and its kernel are not fetched"
    exit 0
fi
# fetch-rig.sh reads the kernel's ABI from apt's lists, which a fresh
# machine may not have yet.
apt-cache show linux-image-amd64 >/dev/null 2>&1 || apt_get update -q
here=$(cd "$(dirname "$0")" && pwd)
"$here/fetch-rig.sh" \
    "${RIG_CACHE:-/var/cache/qemu-xenpv-rig}" >/dev/null
