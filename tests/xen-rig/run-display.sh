#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-display.sh [--upstream-only] QEMU_XENPV [CACHE_DIR]: the display
# scenario (display.sh) on real Xen: a PV guest's vfb and vkbd on a VNC
# display, served first by upstream QEMU (the device model Xen runs by
# default), then by QEMU_XENPV through device_model_override, in one
# boot, and once more started without -vnc, so that it goes by the vfb's
# keys (with a password). Passes on dom0's TAP, then compares here
# qemu-xenpv's captures with upstream QEMU's: they must match but for the
# cursor cell (png-compare.py; here, since Python under TCG takes
# minutes to decode them).
# --upstream-only: upstream QEMU alone, and no comparison.
# --ours-only: QEMU_XENPV's two runs alone, the second's captures
# compared with the first's; the sanitized build runs the rig this way,
# as upstream QEMU's run exercises none of our code.
# RIG_KEEP=DIR keeps dom0's /rig-out (captures, logs) in DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/rig-lib.sh
. "$here/rig-lib.sh"
usage="usage: run-display.sh [--upstream-only|--ours-only] QEMU_XENPV [CACHE_DIR]"
dms=(upstream)
case ${1:-} in
--upstream-only)
    shift
    bin=${1:-}
    ;;
*)
    if [ "${1:-}" = --ours-only ]; then
        shift
        dms=()
    fi
    bin=${1:?$usage}
    case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
    # as libxl starts it, then started without -vnc so that it goes by
    # the vfb's keys (display.sh's keys:)
    dms+=("$bin" "keys:$bin")
    ;;
esac
# Two guests under TCG: about 1.5 minutes idle, several in CI.
RIG_BUDGET=${RIG_BUDGET:-1200}
rig_setup "${2:-}"
rig_logs=(display.log)
for ((i = 1; i <= ${#dms[@]}; i++)); do
    rig_logs+=("xl-create-d$i.log" "qemu-dm-d$i.log" "xl-d$i.log"
               "guest-d$i.log")
done

timeout 300 "$here/mkdomu.sh" "$cache" "$tmp/domu-initrd.gz" ||
    rig_bail "mkdomu.sh failed"
rc=0
rig_boot "$(rig_init "$here/display.sh" "$vmlinuz" "$tmp/domu-initrd.gz" \
            "${dms[@]}")" || rc=$?
rig_keep
[ -s "$out/display.tap" ] ||
    rig_bail "no TAP from display.sh (boot.sh exit $rc)"
cat "$out/display.tap"
n=$(cat "$out/display.count" 2>/dev/null) ||
    n=$(grep -cE '^(not )?ok ' "$out/display.tap")

check() {
    local desc=$1 res
    shift
    n=$((n + 1))
    # One line: TAP reads anything after it as a stray line.
    if res=$("$@" 2>&1 | tr '\n' ' '; exit "${PIPESTATUS[0]}"); then
        echo "ok $n $desc # $res"
    else
        echo "not ok $n $desc # $res"
        [ "$rc" != 0 ] || rc=1
    fi
}
for ((i = 1; i <= ${#dms[@]}; i++)); do
    check "d$i: the capture shows the text" \
        python3 "$here/png-compare.py" --lit "$out/display-$i.png"
done
# d1 is the reference: upstream QEMU's, or with --ours-only qemu-xenpv's
# as libxl starts it.
if [ "${dms[0]}" = upstream ]; then
    ref="upstream QEMU's"
else
    ref="d1's"
fi
for ((i = 2; i <= ${#dms[@]}; i++)); do
    check "d$i: qemu-xenpv's screen is $ref but for the cursor" \
        python3 "$here/png-compare.py" "$out/display-1.png" \
        "$out/display-$i.png"
    check "d$i: so is it with the line typed over VNC echoed" \
        python3 "$here/png-compare.py" "$out/display-1-typed.png" \
        "$out/display-$i-typed.png"
done
echo "1..$n"
if [ "$rc" != 0 ]; then
    rig_dump
fi
echo "# display.sh exit status $rc after ${SECONDS}s"
exit "$rc"
