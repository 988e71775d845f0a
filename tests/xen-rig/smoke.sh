#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dom0 init for the smoke test: bring up the Xen userland the way a host's
# init would, check that the toolstack talks to the hypervisor, power off.
# dom0-up.sh does the bring-up and the check (xl_works).
. "$(dirname "$0")/dom0-up.sh"

rc=0
xl_works || rc=1
finish $rc
