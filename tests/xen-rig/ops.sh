#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ops.sh TEST_BINARY QEMU_XENPV KERNEL DOMU_INITRD: dom0 init for the ops
# test. Brings up the Xen userland (dom0-up.sh), runs the smoke test's xl
# checks (xl_works), then TEST_BINARY (xen-ops-test, the real-Xen services
# against dom0 itself) with its TAP going to /rig-out/ops.tap, then the
# XEN_CREATE scenario (create.sh) on the same boot, and powers off.
. "$(dirname "$0")/dom0-up.sh"
test=$1
create_bin=$(readlink -f "$2")
create_kernel=$3
create_initrd=$4

# A hang in the test must still end in a power-off, not the rig's timeout.
# The test takes seconds on an idle host; a loaded one (and the ASan
# build) make that minutes.
rc=0
xl_works || rc=1
timeout 400 "$test" > $out/ops.tap 2> $out/ops.err || rc=$?
[ $rc = 0 ] || diag "xen-ops-test exit status $rc" 0
# shellcheck source=SCRIPTDIR/create.sh
. "$(dirname "$0")/create.sh"
[ "$failed" = 0 ] || rc=1
finish $rc
