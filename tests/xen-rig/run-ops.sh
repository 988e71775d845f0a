#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-ops.sh TEST_BINARY [CACHE_DIR]: boot the rig with ops.sh as dom0's
# init running TEST_BINARY (xen-ops-test), and pass on its TAP after a
# first test of its own: the smoke test's, that Xen boots and xl works.
# A build with Xen runs this instead of xen-rig-smoke: one boot less.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/rig-lib.sh
. "$here/rig-lib.sh"
bin=${1:?usage: run-ops.sh TEST_BINARY [CACHE_DIR]}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
rig_setup "${2:-}"
rig_logs=(ops.err xl-info.txt xl-list.txt)

rc=0
rig_boot "$(rig_init "$here/ops.sh" "$bin")" || rc=$?
[ -s "$out/ops.tap" ] || rig_bail "no TAP from xen-ops-test (boot.sh exit $rc)"
if rig_xl_works; then
    echo "ok 1 xen boots and xl works"
else
    echo "not ok 1 xen boots and xl works"
    [ "$rc" != 0 ] || rc=1
fi
# xen-ops-test's own numbers and plan, one up.
awk '/^(not )?ok [0-9]+/ {
         match($0, /[0-9]+/)
         $0 = substr($0, 1, RSTART - 1) (substr($0, RSTART, RLENGTH) + 1) \
              substr($0, RSTART + RLENGTH)
     }
     /^1\.\.[0-9]+$/ { $0 = "1.." (substr($0, 4) + 1) }
     { print }' "$out/ops.tap"
if [ "$rc" != 0 ]; then
    rig_dump
fi
echo "# xen-ops-test exit status $rc after ${SECONDS}s"
exit "$rc"
