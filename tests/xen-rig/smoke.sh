#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dom0 init for the smoke test: bring up the Xen userland the way a host's
# init would, check that the toolstack talks to the hypervisor, power off.
# dom0-up.sh does the bring-up.
. "$(dirname "$0")/dom0-up.sh"

# Call xl directly: Debian's /usr/sbin/xl wrapper picks the tools by the
# running hypervisor's version, which is one more thing that could differ.
rc=0
$xbin/xl info > $out/xl-info.txt 2>&1 || rc=1
$xbin/xl list > $out/xl-list.txt 2>&1 || rc=1
[ $rc = 0 ] || diag "xl info or xl list failed"
finish $rc
