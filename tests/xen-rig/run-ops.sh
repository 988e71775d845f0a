#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-ops.sh TEST_BINARY QEMU_XENPV [CACHE_DIR]: boot the rig with ops.sh
# as dom0's init running TEST_BINARY (xen-ops-test) and then the
# XEN_CREATE scenario with QEMU_XENPV (create.sh), and pass on their TAP
# after a first test of its own: the smoke test's, that Xen boots and xl
# works. A build with Xen runs this instead of xen-rig-smoke: one boot
# less, and the create scenario shares it. RIG_KEEP=DIR keeps dom0's
# /rig-out in DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/rig-lib.sh
. "$here/rig-lib.sh"
usage="usage: run-ops.sh TEST_BINARY QEMU_XENPV [CACHE_DIR]"
bin=${1:?$usage}
qemu=${2:?$usage}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
case $qemu in /*) ;; *) qemu=$(pwd)/$qemu ;; esac
# The ops test takes a minute; the create scenario's eight guests under
# TCG about 7 more idle, several times that on a loaded host.
RIG_BUDGET=${RIG_BUDGET:-1800}
rig_setup "${3:-}"
rig_logs=(ops.err xl-info.txt xl-list.txt create.log refused.out c1.err
          c2.err c3.err c4.err c5.err c5.con c6.err c6.con c7.err c7.con
          c8.err)

timeout 300 "$here/mkdomu.sh" "$cache" "$tmp/domu-initrd.gz" ||
    rig_bail "mkdomu.sh failed"
rc=0
rig_boot "$(rig_init "$here/ops.sh" "$bin" "$qemu" "$vmlinuz" \
            "$tmp/domu-initrd.gz")" || rc=$?
rig_keep
[ -s "$out/ops.tap" ] || rig_bail "no TAP from xen-ops-test (boot.sh exit $rc)"
[ -s "$out/create.tap" ] || {
    echo "not ok - the create scenario left no TAP" >> "$out/create.tap"
    [ "$rc" != 0 ] || rc=1
}
if rig_xl_works; then
    echo "ok 1 xen boots and xl works"
else
    echo "not ok 1 xen boots and xl works"
    [ "$rc" != 0 ] || rc=1
fi
# xen-ops-test's tests then create.sh's, numbered on from 2, one plan.
awk 'BEGIN { n = 1 }
     /^1\.\.[0-9]+$/ { next }
     /^(not )?ok / {
         n++
         sub(/^ok( [0-9]+)?/, "ok " n)
         sub(/^not ok( [0-9]+)?/, "not ok " n)
     }
     { print }
     END { print "1.." n }' "$out/ops.tap" "$out/create.tap"
if [ "$rc" != 0 ]; then
    rig_dump
fi
echo "# ops.sh exit status $rc after ${SECONDS}s"
exit "$rc"
