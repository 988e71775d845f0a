#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-ops.sh TEST_BINARY [CACHE_DIR]: boot the rig with ops.sh as dom0's
# init running TEST_BINARY (xen-ops-test), and pass on its TAP.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/rig-lib.sh
. "$here/rig-lib.sh"
bin=${1:?usage: run-ops.sh TEST_BINARY [CACHE_DIR]}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
rig_setup "${2:-}"
rig_logs=(ops.err)

rc=0
rig_boot "$(rig_init "$here/ops.sh" "$bin")" || rc=$?
[ -s "$out/ops.tap" ] || rig_bail "no TAP from xen-ops-test (boot.sh exit $rc)"
cat "$out/ops.tap"
if [ "$rc" != 0 ]; then
    rig_dump
fi
echo "# xen-ops-test exit status $rc after ${SECONDS}s"
exit "$rc"
