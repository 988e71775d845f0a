#!/bin/bash
# Installs the Debian packages that building and testing qemu-xenpv need,
# and only those that are missing. `make run`, `make check` and CI all
# come through here, so a fresh bookworm machine needs nothing else.
set -eu

packages=(
    # build
    meson ninja-build pkg-config gcc libglib2.0-dev libjson-glib-dev libxen-dev
    liburing-dev libnbd-dev
    # tests: Xen's own xenstore clients, the libFuzzer/ASan build
    xenstore-utils xen-utils-4.17 clang libclang-rt-14-dev python3
    # the block backend's image formats: qemu-storage-daemon, qemu-img
    qemu-system-common qemu-utils
)

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
            grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
# No recommends: xen-utils would otherwise pull in a hypervisor and grub.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
    --no-install-recommends "${missing[@]}"
