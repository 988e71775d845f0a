#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-smoke.sh [CACHE_DIR]: TAP test that real Xen boots under TCG with a
# dom0 on the host's root and that xl reaches the hypervisor.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/rig-lib.sh
. "$here/rig-lib.sh"
rig_setup "${1:-}"
rig_logs=(xl-info.txt xl-list.txt)
echo "1..1"
fail() {
    echo "not ok 1 xen boots and xl works # $1"
    rig_dump
    exit 1
}

rc=0
rig_boot "$here/smoke.sh" || rc=$?
[ "$rc" = 0 ] || fail "boot.sh exit status $rc after ${SECONDS}s"
rig_xl_works || fail "xl info has no xen_major 4, or xl list no Domain-0"
echo "ok 1 xen boots and xl works # ${SECONDS}s"
