# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034 # the variables are the caller's
#
# Sourced by the rigs' boot.sh (tests/xen-rig, tests/kvm-rig), whose
# arguments are the same: CACHE_DIR INIT_SCRIPT OUTDIR [TIMEOUT]. Sets
# cache, init (made absolute), outdir (created, its status file
# removed), limit and here (the calling script's directory); refuses an
# init the booted kernel could not see. boot_exit ends the run.
cache=${1:?usage: boot.sh CACHE_DIR INIT_SCRIPT OUTDIR [TIMEOUT]}
init=${2:?}
outdir=${3:?}
limit=${4:-900}
here=$(cd "$(dirname "$0")" && pwd)
case $init in /*) ;; *) init=$(pwd)/$init ;; esac
# The rig mounts fresh tmpfs over these, hiding anything the host put there.
case $init in /run/*|/var/lib/xen/*|/var/log/*)
    echo "boot.sh: $init is hidden from the rig by a tmpfs" >&2; exit 2 ;; esac
[ -x "$init" ] || { echo "boot.sh: $init is not executable" >&2; exit 2; }
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
rm -f "$outdir/status"

# boot_exit RC: exits with the status the init left, RC being the
# emulator's exit status under timeout(1): 124 if the run timed out, 125
# if the init left none.
boot_exit() {
    if [ "$1" = 124 ] || [ "$1" = 137 ]; then
        echo "boot.sh: timed out after ${limit}s" >&2
        exit 124
    fi
    [ -s "$outdir/status" ] ||
        { echo "boot.sh: no status (qemu rc $1)" >&2; exit 125; }
    exit "$(cat "$outdir/status")"
}
